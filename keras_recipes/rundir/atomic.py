"""Atomic writes: the one way a run file is written.

Every file a later command reads (config, backups, models, metrics,
evaluation, exports) is written under a temporary name next to it and then
renamed over the real name, so a crash or a full disk in the middle of a
write leaves the previous version (or nothing), never half a file. A failed
write raises ``RunWriteError`` naming the path and the space it needs.

Example:

>>> from keras_recipes.rundir.atomic import staged
>>> with staged("runs/r/model.keras") as tmp:
...     model.save(tmp)
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

from keras_recipes.errors import RunWriteError


def partial_name(path) -> Path:
    """The temporary name ``path`` is written under: a hidden prefix, the real
    name kept at the end so writers that read the format from the suffix
    (``.weights.h5``, ``.keras``, ``.png``) still do."""
    path = Path(path)
    return path.with_name(f".partial-{os.getpid()}-{path.name}")


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.is_file() else 0


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _mb(n: float) -> str:
    if n < 1e3:
        return f"{int(n)} bytes"
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.1f} kB"


def _reason(err: Exception) -> str:
    if getattr(err, "strerror", None):
        return err.strerror
    # HDF5 reports a failed write as a RuntimeError: "... errno = 28, error
    # message = 'No space left on device', ..."
    found = re.search(r"error message = '([^']+)'", str(err))
    return found.group(1) if found else (str(err).splitlines() or [type(err).__name__])[0]


def is_write_failure(err: Exception) -> bool:
    """An error that says a write failed: an OSError, or HDF5's RuntimeError for one."""
    return isinstance(err, OSError) or (isinstance(err, RuntimeError) and "errno = " in str(err))


def write_error(path, err: Exception, needed_bytes: int | None = None) -> RunWriteError:
    """The one-line error for a failed write of ``path``: the reason, the space
    the file needs (when known) and the space left on its disk."""
    path = Path(path)
    reason = _reason(err)
    parts = []
    if needed_bytes:
        parts.append(f"needs about {_mb(needed_bytes)}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    with contextlib.suppress(OSError):
        parts.append(f"{_mb(shutil.disk_usage(folder).free)} free on that disk")
    space = f" ({', '.join(parts)})" if parts else ""
    return RunWriteError(f"cannot write {path}: {reason}{space}")


def _fsync(path: Path) -> None:
    """Flush a written file to the disk before the rename makes it the real one."""
    if path.is_file():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def staged(path, *, needed_bytes: int | None = None):
    """Yield a temporary path to write ``path``'s new content to (a file or a
    folder); when the block ends without an error it replaces ``path`` in one
    rename. On any error the temporary is removed and ``path`` is untouched;
    an ``OSError`` (ENOSPC, EACCES, ...), or HDF5's RuntimeError for one,
    becomes a one-line ``RunWriteError``.

    ``needed_bytes``: the size the error message reports (default: the size
    of the previous version of ``path``).
    """
    path = Path(path)
    tmp = partial_name(path)
    needed = needed_bytes or (_size(path) if path.exists() else None)
    _remove(tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        _fsync(tmp)
        if tmp.is_dir() and path.is_dir():
            # A folder cannot be renamed over a non-empty one: move the old one
            # aside first (the one moment two renames apart).
            old = path.with_name(f".old-{os.getpid()}-{path.name}")
            _remove(old)
            os.replace(path, old)
            os.replace(tmp, path)
            _remove(old)
        else:
            os.replace(tmp, path)
    except BaseException as err:
        _remove(tmp)
        if isinstance(err, Exception) and is_write_failure(err):
            raise write_error(path, err, needed) from err
        raise


def write_text(path, text: str) -> Path:
    """``Path.write_text``, atomically (see ``staged``)."""
    path = Path(path)
    with staged(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
