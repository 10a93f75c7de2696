"""Training curves (curves.png) from a run's history.csv."""

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


def plot_curves(rows: list[dict], path) -> Path:
    """Loss and accuracy per epoch, train vs validation, side by side."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    epochs = [r["epoch"] + 1 for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for prefix, label in (("", "train"), ("val_", "validation")):
            key = prefix + metric
            if rows and key in rows[0]:
                ax.plot(epochs, [r[key] for r in rows], marker="o", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(Path(path).parent.name)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)
