"""``evaluate``: a run's model on held-out data, as its task measures it,
written to ``RUN_DIR/evaluation.json``.

For classifiers: accuracy, loss, per-class accuracy and a confusion matrix
(``RUN_DIR/confusion_matrix.png``; rows: true class, columns: predicted
class). Other tasks report their own metrics (reconstruction error, ELBO,
loss per character).

Example:

>>> import keras_recipes as kr
>>> result = kr.evaluate("runs/r20")             # the run's test split
>>> result["accuracy"], result["per_class"]["cat"]["accuracy"]
(0.9125, 0.83)
>>> kr.evaluate("runs/r20", data="~/data/cifar10-holdout", checkpoint="final")
"""

from __future__ import annotations

import os
import time

from keras_recipes import rundir
from keras_recipes.inference.run import load_run


def evaluate(run_dir, data=None, checkpoint: str = "best", *, batch_size: int = 256,
             verbose: bool = True, **options) -> dict:
    """Evaluate a run's model as its task does and write ``evaluation.json``
    (and, for classifiers, ``confusion_matrix.png``).

    Args:
        run_dir: a finished run directory.
        data: what to evaluate on: None for the run's own data source (its
            test split, else the validation split held out of training), or
            another source (``"tfds:NAME"``, a folder, ``(x, y)`` arrays, a
            ``Splits``): its test split, else its validation split, else all
            of it.
        checkpoint: ``best`` (best validation; the final model when the run
            kept none) or ``final``.
        batch_size: examples per model call.
        verbose: print notes and a one-line summary.
        **options: options of the run's task (``Task.evaluate_options``),
            e.g. ``classifier="runs/mnist-cnn"`` for a GAN run.

    Returns:
        the content of ``evaluation.json``; for classifiers: ``accuracy``, ``loss``,
        ``top5_accuracy`` (more than 5 classes), ``per_class`` (support,
        accuracy i.e. recall, precision), ``confusion_matrix`` (rows: true
        class), ``class_names``, ``data``, ``examples``, ``checkpoint``,
        ``model``, ``notes`` and ``files``.
    """
    run = load_run(run_dir, checkpoint)
    options = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(options) - set(run.task.evaluate_options))
    if unknown:
        from keras_recipes.errors import RecipeError

        raise RecipeError(f"evaluate option(s) {', '.join(unknown)} do not apply to {run.run_dir}, "
                          f"a {run.task.name} run")
    started = time.time()
    measured = run.task.evaluate(run, data, batch_size=batch_size, **options)
    path = run.run_dir / rundir.EVALUATION
    # The envelope every task's evaluation.json shares, after the task's own figures.
    result = {
        **measured.metrics, "data": measured.data, "checkpoint": run.checkpoint,
        "model": os.fspath(run.model_path), "precision": run.precision,
        "wall_time_s": round(time.time() - started, 2), "notes": run.notes + measured.notes,
        "files": {"json": os.fspath(path), **measured.files}, "summary": measured.summary,
    }
    rundir.write_json(path, result)
    if verbose:
        print(report(run.task, result))
    return result


def report(task, result: dict) -> str:
    """What ``evaluate`` prints (``recipes evaluate`` too): the notes, the
    task's report of the figures and the files written."""
    written = " and ".join(str(p) for p in result["files"].values())
    return "\n".join([f"note: {note}" for note in result["notes"]]
                     + [task.format_evaluation(result), f"wrote {written}"])
