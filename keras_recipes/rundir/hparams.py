"""A run's hyperparameters and final metrics in TensorBoard's HParams tab.

Keras' TensorBoard callback writes the per-epoch curves to ``RUN/logs/train``
and ``RUN/logs/validation``; at the end of a run (and so of every tuning
trial, each a run) ``write_hparams`` adds to ``RUN/logs`` the flattened
config (``train.lr``, ``model.depth``, ...) as the session's hyperparameters
and the final metrics (``test/accuracy``, ``best/val_accuracy``, ...) as
scalars. TensorBoard then lists every run under a folder as one row of its
HParams table, with the epoch curves as metrics too::

    tensorboard --logdir runs/

No experiment summary is written: with one per run, TensorBoard would show
only one run's keys; without, it collects the keys and metrics of all runs.
"""

from __future__ import annotations

from pathlib import Path

from keras_recipes.rundir.files import LOGS

_FINAL_SECTIONS = ("final", "best", "test")  # metrics.json's {name: number} sections


def hparams_of(cfg) -> dict:
    """The config flattened to what HParams takes: numbers, bools and strings
    (lists as their text); unset (null) keys are left out."""
    from keras_recipes import config as config_lib

    flat = config_lib.flat_values(cfg)
    return {key: value if isinstance(value, (bool, int, float, str)) else str(value)
            for key, value in flat.items() if value is not None}


def final_metrics(metrics: dict) -> dict:
    """``{"test/accuracy": 0.91, "best/val_loss": 0.3, ...}`` from metrics.json's content."""
    return {f"{section}/{name}": float(value)
            for section in _FINAL_SECTIONS
            for name, value in (metrics.get(section) or {}).items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)}


def write_hparams(run_dir, cfg, metrics: dict) -> Path:
    """Write ``cfg`` and the final ``metrics`` of the run in ``run_dir`` to its logs/.

    Example:

    >>> write_hparams("runs/r20", cfg, {"test": {"accuracy": 0.91}, "epochs": 30})
    PosixPath('runs/r20/logs')
    """
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    logs = Path(run_dir) / LOGS
    writer = tf.summary.create_file_writer(str(logs))
    with writer.as_default():
        hp.hparams(hparams_of(cfg), trial_id=Path(run_dir).name)
        for tag, value in final_metrics(metrics).items():
            tf.summary.scalar(tag, value, step=int(metrics.get("epochs", 0)))
    writer.close()
    return logs
