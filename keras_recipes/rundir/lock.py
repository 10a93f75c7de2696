"""One writer per run directory: a lock file naming its owner.

A process that trains in a run directory holds ``.lock`` there (its pid,
host and start time, created with ``O_EXCL`` so two processes cannot both
take it). A second ``recipes run --output`` or ``recipes resume`` on that run
refuses with a message naming the owner. A lock whose owner is gone (same
host, the pid no longer runs: a ``kill -9`` or a power cut) is taken over,
saying so. A lock from another host cannot be checked and is refused; the
message says how to remove it.

Example:

>>> lock = RunLock("runs/r").acquire()
>>> ...  # train
>>> lock.release()
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from keras_recipes.errors import RunLockedError

LOCK = ".lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class RunLock:
    """The lock of the run directory ``run_dir`` (see the module docstring)."""

    def __init__(self, run_dir, print_fn=print):
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / LOCK
        self.print_fn = print_fn
        self.held = False

    def owner(self) -> dict | None:
        """The lock file's content, ``{}`` when unreadable, None when there is none."""
        try:
            return json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}

    def acquire(self) -> "RunLock":
        """Take the lock, or raise ``RunLockedError`` while another live process holds it."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        for _ in range(3):  # another process may take over a stale lock at the same time
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale(me)
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            self.held = True
            return self
        raise RunLockedError(f"cannot lock {self.run_dir}: another process keeps taking its lock")

    def _take_over_if_stale(self, me: dict) -> None:
        owner = self.owner()
        if owner is None:
            return  # released meanwhile: try again
        pid, host = owner.get("pid"), owner.get("host")
        if owner and pid == me["pid"] and host == me["host"]:
            self.path.unlink(missing_ok=True)  # this process's own, left by an earlier run object
            return
        if not owner:
            # Unreadable: a process killed between creating and writing it, or
            # one writing it this very moment; give the latter a second.
            if time.time() - self.path.stat().st_mtime < 2:
                time.sleep(2)
                if self.owner():
                    return
            self.print_fn(f"taking over the lock of {self.run_dir} (its lock file was unreadable)")
            self.path.unlink(missing_ok=True)
            return
        since = time.strftime("%Y-%m-%d %H:%M", time.localtime(owner.get("since", 0)))
        if host != me["host"]:
            raise RunLockedError(
                f"{self.run_dir} is in use by pid {pid} on host {host} (since {since}); this host "
                f"cannot check that process: if it has ended, delete {self.path} and try again")
        if _alive(int(pid)):
            raise RunLockedError(
                f"{self.run_dir} is in use by pid {pid} on this host (since {since}); wait for it "
                f"to finish or stop it (a stopped run continues with `recipes resume "
                f"{self.run_dir}`)")
        self.print_fn(f"taking over the lock of {self.run_dir} from pid {pid} on {host}, "
                      f"which is no longer running")
        self.path.unlink(missing_ok=True)

    def release(self) -> None:
        """Remove the lock file if this object holds it (safe to call twice)."""
        if self.held:
            owner = self.owner()
            if owner and owner.get("pid") == os.getpid():
                self.path.unlink(missing_ok=True)
            self.held = False
