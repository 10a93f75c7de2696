"""Training curves: a run's curves.png from its history.csv, and several runs'
curves overlaid (``recipes compare``)."""

from __future__ import annotations

import csv
from pathlib import Path


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

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    metrics = list(metrics)
    single = len(runs) == 1
    # Several runs: one legend beside the last panel (2.5 inches more), not
    # the same long legend over every panel's curves.
    width = 5 * len(metrics) + (0 if single else 2.5)
    fig, axes = plt.subplots(1, len(metrics), figsize=(width, 4), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
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
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_curves(rows: list[dict], path) -> Path:
    """Loss and accuracy per epoch, train vs validation, side by side."""
    return plot_runs([("", rows)], ("loss", "accuracy"), path, title=Path(path).parent.name)
