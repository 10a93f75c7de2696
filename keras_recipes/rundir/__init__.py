"""The run directory: the names of its files and how they are written and
read (``files``, re-exported here: ``rundir.CONFIG``, ``rundir.read_json``),
the one reader of a whole run (``reader``: ``rundir.read_run``), atomic
writes (``atomic``), the kept, verified backups (``backups``), the
one-writer lock (``lock``), its plots (``plots``), and comparing runs
(``comparison``, ``tables``). What it guarantees: docs/run-directory.md.

A run directory is the only thing evaluate, export, resume and compare read.
"""

from keras_recipes.rundir.files import (BACKUP, BEST_MODEL, BEST_WEIGHTS, CLASS_NAMES,  # noqa: F401
                                        CONFIG, CONFUSION, CURVES, ENVIRONMENT, EVALUATION, EXPORT,
                                        FINAL_MODEL, GRADIENT_NORMS, HISTORY, LOGS, METRICS,
                                        VOCABULARY,
                                        default_run_dir, prepare, read_json, read_vocabulary,
                                        require, require_finished, write_json, write_vocabulary)
from keras_recipes.rundir.reader import SavedRun, read_run  # noqa: F401
