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

import numpy as np

from keras_recipes import rundir
from keras_recipes.inference.data import evaluation_split
from keras_recipes.inference.run import LoadedRun, compiled_inference, load_run
from keras_recipes.rundir.plots import plot_confusion_matrix


def _probabilities_and_labels(run: LoadedRun, dataset, batch_size: int):
    import tensorflow as tf

    call = compiled_inference(run.model)
    probs, labels = [], []
    for x, y in dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE):
        probs.append(np.asarray(call(x), dtype=np.float32))
        labels.append(y.numpy())
    if not probs:
        return np.zeros((0, len(run.class_names)), np.float32), np.zeros((0,), np.int64)
    return np.concatenate(probs), np.concatenate(labels).astype(np.int64)


def metrics_from(probs: np.ndarray, labels: np.ndarray, class_names) -> dict:
    """Accuracy, loss, top-5 accuracy, per-class accuracy and the confusion matrix."""
    k = len(class_names)
    predicted = probs.argmax(axis=-1)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    picked = np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1.0)
    result = {
        "examples": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "loss": float(np.mean(-np.log(picked))),
        "per_class": {},
        "confusion_matrix": matrix.tolist(),
        "class_names": list(class_names),
    }
    if k > 5:
        top5 = np.argsort(-probs, axis=-1)[:, :5]
        result["top5_accuracy"] = float(np.mean(np.any(top5 == labels[:, None], axis=-1)))
    for i, name in enumerate(class_names):
        support = int(matrix[i].sum())
        predicted_as = int(matrix[:, i].sum())
        result["per_class"][name] = {
            "support": support,
            "accuracy": float(matrix[i, i] / support) if support else None,  # recall
            "precision": float(matrix[i, i] / predicted_as) if predicted_as else None,
        }
    return result


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
    return run.task.evaluate(run, data, batch_size=batch_size, verbose=verbose, **options)


def evaluate_classifier(run: LoadedRun, data=None, *, batch_size: int = 256,
                        verbose: bool = True) -> dict:
    """``evaluate`` for a classifier run (``ClassificationTask.evaluate``)."""
    dataset, _, description, notes = evaluation_split(run, data)
    if verbose:
        for note in run.notes + notes:
            print(f"note: {note}")
    started = time.time()
    probs, labels = _probabilities_and_labels(run, dataset, batch_size)
    if len(labels) == 0:
        from keras_recipes.errors import RecipeError

        raise RecipeError(f"{description} has no examples")
    result = metrics_from(probs, labels, run.class_names)
    json_path = run.run_dir / rundir.EVALUATION
    plot_path = run.run_dir / rundir.CONFUSION
    result.update(
        data=description, checkpoint=run.checkpoint, model=os.fspath(run.model_path),
        precision=run.precision, wall_time_s=round(time.time() - started, 2),
        notes=run.notes + notes, files={"json": os.fspath(json_path), "plot": os.fspath(plot_path)},
    )
    plot_confusion_matrix(result["confusion_matrix"], run.class_names, plot_path,
                          title=f"{run.run_dir.name}: {run.checkpoint} model, accuracy "
                                f"{result['accuracy']:.4f}")
    rundir.write_json(json_path, result)
    if verbose:
        top5 = f", top-5 accuracy {result['top5_accuracy']:.4f}" if "top5_accuracy" in result else ""
        print(f"{run.checkpoint} model on {description} ({result['examples']} examples): accuracy "
              f"{result['accuracy']:.4f}, loss {result['loss']:.4f}{top5}; wrote {json_path}")
    return result
