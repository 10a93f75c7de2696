"""Preemption: SIGTERM or SIGINT during training stops at the next batch
boundary, after writing a backup there.

Cluster schedulers stop a job with SIGTERM and a grace period (Kubernetes
and Slurm: 30 s by default) before SIGKILL. While ``StopSignals`` is active
the first SIGTERM or SIGINT only records the request; the backup callback
(``training.callbacks.RunBackup``) sees it at the end of the current batch,
writes a backup of that batch and stops the run (exit code 75). A second
signal, or ``GRACE_S`` seconds without reaching a batch boundary (a long
validation pass, a stuck input pipeline), stops at once as Ctrl-C always
did; the last backup written before stays the resume point.

Example:

>>> with StopSignals() as stop:
...     model.fit(..., callbacks=[RunBackup(store, stop=stop)])
"""

from __future__ import annotations

import _thread
import signal
import threading

GRACE_S = 20.0  # inside the usual 30 s grace period, with time left to exit


class StopRequested(Exception):
    """Raised at a batch boundary after a stop signal; ``record`` is the
    backup written there (None when none could be written)."""

    def __init__(self, signal_name: str, record: dict | None):
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.record = record


class StopSignals:
    """Context manager turning SIGTERM / SIGINT into a stop request (see the
    module docstring). ``requested`` is the signal's name once one came."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, grace_s: float = GRACE_S, print_fn=print):
        self.grace_s = grace_s
        self.print_fn = print_fn
        self.requested: str | None = None
        self._previous = {}
        self._timer = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():  # signals reach only it
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}
        if self._timer is not None:
            self._timer.cancel()
        return False

    def _handle(self, signum, frame):
        if self.requested is not None:  # the second signal, or the grace period ran out
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name
        self.print_fn(f"\n{self.requested}: writing a backup at the end of this batch, then "
                      f"stopping (send it again to stop at once)")
        self._timer = threading.Timer(self.grace_s, _thread.interrupt_main, args=(signal.SIGINT,))
        self._timer.daemon = True
        self._timer.start()
