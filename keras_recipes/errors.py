"""Errors a user can fix: the CLI prints their message on one line, no traceback.

Also the one rule for suggesting a name: ``did_you_mean``.
"""

import difflib


def closest_match(name, choices, cutoff: float = 0.6):
    """The entry of ``choices`` closest to ``name``, or None if nothing is close."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=cutoff)
    return matches[0] if matches else None


def did_you_mean(name, choices, cutoff: float = 0.6) -> str:
    """'; did you mean `X`?' when a close match exists, else ''."""
    match = closest_match(name, choices, cutoff)
    return f"; did you mean `{match}`?" if match else ""


class RecipeError(Exception):
    """Base class for user-facing errors (bad input, not bugs)."""


class ConfigError(RecipeError, ValueError):
    """An unknown config key, a wrong type or a malformed override."""


class UnknownRecipeError(RecipeError, KeyError):
    """A recipe name that is not registered."""

    def __str__(self):  # KeyError would quote the message
        return self.args[0] if self.args else ""


class DataError(RecipeError, ValueError):
    """A problem with the user's data, reported as one line naming the path or value.

    Raised for things the user must fix in their data or its location
    (a missing folder, an empty class folder, an unreadable image in strict
    mode, labels out of range, an unknown TFDS name, ...), as opposed to
    programming errors in the arguments, which raise a plain `ValueError`.
    """


class RunInterrupted(RecipeError):
    """The user interrupted a run (Ctrl-C); the message says how to continue."""

    exit_code = 130  # 128 + SIGINT, the shell's code for Ctrl-C


class RunPreempted(RecipeError):
    """SIGTERM or SIGINT stopped a run at a batch boundary after writing a
    backup; ``recipes resume RUN`` continues from that batch."""

    exit_code = 75  # EX_TEMPFAIL: "try again later", what a scheduler should requeue


class RunDirError(RecipeError):
    """A run directory that cannot be used (exists, missing files, corrupt)."""


class RunWriteError(RunDirError):
    """A run file could not be written (a full disk, a read-only folder); the
    message names the path and the space needed."""

    exit_code = 74  # EX_IOERR


class RunLockedError(RunDirError):
    """Another process is training in the run directory."""


class TrialError(RecipeError):
    """A run that fails because of its own settings, not the data or the
    installation: a model its config cannot build, a loss that diverged.
    A hyperparameter search records such a trial as failed and goes on."""


class ModelBuildError(TrialError, ConfigError):
    """The recipe's ``build_model`` rejected a model setting (e.g. depth=21)."""


class DivergedError(TrialError):
    """The loss became NaN or infinite and the run stopped at that step."""
