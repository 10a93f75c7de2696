"""Errors a user can fix: the CLI prints their message on one line, no traceback."""


class RecipeError(Exception):
    """Base class for user-facing errors (bad input, not bugs)."""


class ConfigError(RecipeError, ValueError):
    """An unknown config key, a wrong type or a malformed override."""


class UnknownRecipeError(RecipeError, KeyError):
    """A recipe name that is not registered."""

    def __str__(self):  # KeyError would quote the message
        return self.args[0] if self.args else ""


class RunDirError(RecipeError):
    """A run directory that cannot be used (exists, missing files, corrupt)."""
