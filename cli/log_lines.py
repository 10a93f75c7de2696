"""Warnings and absl log records as one line each on the terminal.

Python prints a warning with its source file, line and code
(``.../image_folder.py:46: DataWarning: skipped 2 ...``) and absl logs in
Python's basic format (``WARNING:absl:Variant folder ... has no
dataset_info.json``): both read like crashes to a user. The CLI shows them
as ``warning: <message>`` instead, on stderr; the library itself leaves
Python's warning and logging machinery alone.
"""

from __future__ import annotations

import logging
import warnings

import click


def one_line(message) -> str:
    """``message`` with its lines joined, e.g. for a multi-line TFDS notice."""
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())


def _show_warning(message, category, filename, lineno, file=None, line=None):
    click.echo(f"warning: {one_line(message)}", err=True)


class _OneLineHandler(logging.Handler):
    def emit(self, record):
        try:
            click.echo(f"{record.levelname.lower()}: {one_line(record.getMessage())}", err=True)
        except Exception:  # a logging handler must never raise
            self.handleError(record)


def install() -> None:
    """Route warnings and absl's log records through one-line printing."""
    warnings.showwarning = _show_warning
    absl = logging.getLogger("absl")
    if not any(isinstance(h, _OneLineHandler) for h in absl.handlers):
        absl.addHandler(_OneLineHandler(logging.WARNING))
    absl.propagate = False  # not again in Python's basic format
