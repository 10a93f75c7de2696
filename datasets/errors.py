"""Errors and warnings raised for problems with the user's data."""

from keras_recipes.errors import DataError, closest_match, did_you_mean  # noqa: F401  (one place)


class DataWarning(UserWarning):
    """Something in the data was skipped or adjusted; the data still loads."""
