"""Training curves: a run's curves.png from its history.csv, and several runs'
curves overlaid (``recipes compare``)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


def figure(**kwargs):
    """A matplotlib ``Figure`` of the object API: it draws to files only (its
    ``savefig`` picks the Agg canvas for a PNG) and needs no display. Not
    pyplot, whose figures need a backend: choosing Agg for it would switch
    the backend of the user's whole process (a notebook would lose its inline
    plots), and pyplot keeps every figure alive until it is closed."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def save(fig, path) -> Path:
    from keras_recipes.rundir.atomic import staged

    fig.tight_layout()
    with staged(path) as tmp:
        fig.savefig(tmp, dpi=100)
    return Path(path)


def read_history(path) -> list[dict]:
    """history.csv rows with numbers parsed; ``epoch`` as int.

    Keras' CSVLogger always adds ``val_*`` columns and writes ``NA`` in them
    when there is no validation split; such cells are left out of the row."""
    path = Path(path)
    if not path.is_file():
        return []
    rows = []
    with path.open(newline="") as f:
        for raw in csv.DictReader(f):
            row = {}
            for key, value in raw.items():
                if value == "NA":
                    continue
                try:
                    row[key] = int(value) if key == "epoch" else float(value)
                except (TypeError, ValueError):
                    row[key] = value
            rows.append(row)
    return rows


def metric_values(rows: list[dict], key: str) -> list | None:
    """The per-epoch values of ``key``; ``error`` / ``val_error`` are
    1 - accuracy (the ResNet papers plot error). None when absent."""
    if not rows:
        return None
    if key in rows[0]:
        return [r[key] for r in rows]
    if key.endswith("error"):
        accuracy = key[: -len("error")] + "accuracy"
        if accuracy in rows[0]:
            return [None if not isinstance(r[accuracy], float) else 1.0 - r[accuracy]
                    for r in rows]
    return None


def plot_runs(runs: list[tuple[str, list[dict]]], metrics, path, title: str = "") -> Path:
    """One panel per metric, training and validation curves of every run.

    ``runs`` is ``[(label, history rows), ...]``. One run: "train" and
    "validation" lines; several: one colour per run, training dashed and
    validation solid (He et al. 2016 draw training error dashed, test bold).
    """
    import matplotlib

    metrics = list(metrics)
    single = len(runs) == 1
    # Several runs: one legend beside the last panel (2.5 inches more), not
    # the same long legend over every panel's curves.
    width = 5 * len(metrics) + (0 if single else 2.5)
    fig = figure(figsize=(width, 4))
    axes = fig.subplots(1, len(metrics), squeeze=False)
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], metrics):
        for i, (label, rows) in enumerate(runs):
            epochs = [r["epoch"] + 1 for r in rows]
            for prefix, split, style in (("", "train", "--"), ("val_", "validation", "-")):
                values = metric_values(rows, prefix + metric)
                if values is None:
                    continue
                if single:
                    ax.plot(epochs, values, marker="o", label=split)
                else:
                    ax.plot(epochs, values, style, color=colors[i % len(colors)],
                            linewidth=1.0 if prefix == "" else 2.0,
                            label=f"{label} ({'train' if prefix == '' else 'val'})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if single and ax.get_legend_handles_labels()[0]:
            ax.legend()
    if not single and axes[0][-1].get_legend_handles_labels()[0]:
        axes[0][-1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(title)
    return save(fig, path)


_NOT_CURVES = ("epoch", "learning_rate", "lr")


def plot_curves(rows: list[dict], path) -> Path:
    """The loss and the task's metrics (accuracy for classifiers) per epoch,
    train vs validation, side by side (at most three panels)."""
    names = [k for k in (rows[0] if rows else {}) if not k.startswith("val_") and k not in _NOT_CURVES]
    metrics = (["loss"] if "loss" in names else []) + [k for k in names if k != "loss"]
    return plot_runs([("", rows)], metrics[:3] or ["loss"], path, title=Path(path).parent.name)


def plot_confusion_matrix(matrix, class_names, path, title: str = "") -> Path:
    """The confusion matrix as a PNG, rows normalised, counts written in small ones."""
    matrix = np.asarray(matrix)
    k = len(class_names)
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros(matrix.shape, float), where=rows > 0)
    size = min(4 + 0.45 * k, 24)
    fig = figure(figsize=(size, size * 0.85))
    ax = fig.subplots()
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    if k <= 30:
        ax.set_xticks(range(k), class_names, rotation=90 if k > 6 else 0)
        ax.set_yticks(range(k), class_names)
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if share[i, j] > 0.5 else "black")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return save(fig, path)


def plot_objective(rows, objective: str, direction: str, path: Path, title: str) -> Path:
    """Each completed trial's objective by trial number, and the best so far."""
    done = sorted((int(r["trial_id"]), r[objective]) for r in rows if r["rank"] is not None)
    fig = figure(figsize=(7, 4))
    ax = fig.subplots()
    if done:
        xs, ys = zip(*done)
        pick = max if direction == "max" else min
        best = [pick(ys[: i + 1]) for i in range(len(ys))]
        ax.plot(xs, ys, "o", label="trial")
        ax.step(xs, best, where="post", label="best so far")
        ax.legend()
    ax.set_xlabel("trial")
    ax.set_ylabel(objective)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    return save(fig, path)


def plot_gradient_norms(runs, path, title: str = "") -> Path:
    """Per-layer gradient norms against depth, log scale: one colour per run,
    its first recorded step solid and its last dashed.

    ``runs`` is ``[(label, layer names, {step: norms}), ...]``
    (``training.gradient_norms``): vanishing gradients show as a curve that
    falls by orders of magnitude towards the input.
    """
    import matplotlib

    fig = figure(figsize=(8, 4.5))
    ax = fig.subplots()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, layers, steps) in enumerate(runs):
        if not steps:
            continue
        first, last = min(steps), max(steps)
        depth = np.arange(1, len(layers) + 1)
        for step, style in ((first, "-"), (last, "--")) if last != first else ((first, "-"),):
            norms = np.maximum(np.asarray(steps[step], dtype=float), 1e-12)  # log scale: no zeros
            ax.plot(depth, norms, style, color=colors[i % len(colors)], label=f"{label} (step {step})")
    ax.set_yscale("log")
    ax.set_xlabel("layer (input -> output)")
    ax.set_ylabel("gradient norm of the layer's kernel\n(a zero is drawn at 1e-12)")
    ax.grid(alpha=0.3, which="both")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    fig.suptitle(title)
    return save(fig, path)
