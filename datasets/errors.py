"""Errors and warnings raised for problems with the user's data."""

import difflib


class DataError(ValueError):
    """A problem with the user's data, reported as one line naming the path or value.

    Raised for things the user must fix in their data or its location
    (a missing folder, an empty class folder, an unreadable image in strict
    mode, labels out of range, an unknown TFDS name, ...), as opposed to
    programming errors in the arguments, which raise a plain `ValueError`.
    """


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
