"""Errors and warnings raised for problems with the user's data."""

import difflib

from keras_recipes.errors import DataError  # noqa: F401  (one class for the whole library)


class DataWarning(UserWarning):
    """Something in the data was skipped or adjusted; the data still loads."""


def closest_match(name, choices):
    """The entry of `choices` closest to `name`, or None if nothing is close."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(name, choices):
    """'; did you mean X?' when a close match exists, else ''."""
    match = closest_match(name, choices)
    return f"; did you mean {match}?" if match else ""
