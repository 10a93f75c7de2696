"""`recipes`: the command line.

Commands are thin: parse, resolve the config, call the library, print.
TensorFlow is imported only inside the commands that train or load models,
so ``recipes --help`` and ``recipes list`` answer instantly.
"""

from __future__ import annotations

import functools
import os
import sys

import click

from keras_recipes._version import __version__
from keras_recipes.errors import RecipeError, RunInterrupted, RunPreempted


class UserError(click.ClickException):
    """A one-line ``Error: ...`` with exit code 2, click's code for bad usage
    (ClickException's own code, 1, reads like a crash to scripts), or the
    error's own code (a full disk: 74; see docs/run-directory.md)."""

    exit_code = 2

    def __init__(self, message, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


def user_errors(fn):
    """Turn user-facing errors into a one-line message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (RunInterrupted, RunPreempted) as err:  # the message says how to continue
            click.echo(f"\n{err}", err=True)
            sys.exit(err.exit_code)
        except RecipeError as err:
            raise UserError(str(err), getattr(err, "exit_code", 2)) from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)

    return wrapper


def _data_error_types():
    """DataError lives with the (TensorFlow-importing) datasets package."""
    from keras_recipes.datasets import DataError

    return (DataError,)


def heavy_errors(fn):
    """Like user_errors, plus the errors raised by data and model code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return user_errors(fn)(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as err:
            if isinstance(err, _data_error_types()):
                raise UserError(str(err)) from None
            raise

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="keras-recipes")
@click.option("--verbose", "-v", is_flag=True,
              help="Show TensorFlow's own start-up log (hidden by default).")
def cli(verbose):
    """Ready-made, proven Keras recipes: train, evaluate and export in one command.

    \b
    Examples:
      recipes list
      recipes show cifar-resnet --set train.epochs=30
      recipes run cifar-resnet --smoke
      recipes run cifar-resnet --data path/to/cifar10/train
    """
    from keras_recipes.cli import log_lines

    log_lines.install()  # warnings and absl records: `warning: ...`, one line each
    # TensorFlow's C++ start-up lines (oneDNN notices, CUDA probes, twice)
    # look like failures to a new user; a TF_CPP_MIN_LOG_LEVEL the user set wins.
    if not verbose and "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        from keras_recipes._import_hooks import quiet_tensorflow_startup

        quiet_tensorflow_startup()


from keras_recipes.cli import commands  # noqa: E402,F401  (registers the commands)


def main():
    cli(prog_name="recipes")
