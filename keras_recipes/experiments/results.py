"""What a study's check reads: each run's finished run directories (one per
seed), with their numbers averaged over the seeds.

Example (inside a study's check):

>>> plain = results["plain-56"]
>>> plain.final("error")          # mean over seeds of the last epoch's training error
0.213
>>> plain.final_std("error")
0.004
>>> plain.best("val_accuracy")    # mean over seeds of each seed's best epoch
0.874
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Mapping, Optional

import numpy as np

from keras_recipes import rundir
from keras_recipes.rundir import plots
from keras_recipes.rundir.reader import SavedRun, read_run


def _mean_std(values) -> tuple[Optional[float], Optional[float]]:
    values = [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
    if not values:
        return None, None
    return float(np.mean(values)), float(np.std(values))


def _minimised(metric: str) -> bool:
    return "loss" in metric or "error" in metric or metric in ("bpc", "neg_elbo", "kl")


@dataclass
class LabelResult:
    """One study run over its seeds: the finished run directories of each seed."""

    label: str
    runs: List[SavedRun]

    def curve(self, metric: str) -> Optional[np.ndarray]:
        """Per-epoch values of ``metric`` averaged over the seeds (``error`` is
        1 - accuracy; ``val_`` prefixes the validation split), or None."""
        series = [plots.metric_values(run.history, metric) for run in self.runs]
        series = [s for s in series if s]
        if not series:
            return None
        length = min(len(s) for s in series)
        return np.mean([[np.nan if v is None else v for v in s[:length]] for s in series], axis=0)

    def _per_seed(self, metric: str, pick) -> List[float]:
        values = []
        for run in self.runs:
            series = [v for v in plots.metric_values(run.history, metric) or [] if v is not None]
            if series:
                values.append(pick(series))
        return values

    def final(self, metric: str) -> Optional[float]:
        """The last epoch's ``metric``, mean over seeds."""
        return _mean_std(self._per_seed(metric, lambda s: s[-1]))[0]

    def final_std(self, metric: str) -> Optional[float]:
        return _mean_std(self._per_seed(metric, lambda s: s[-1]))[1]

    def best(self, metric: str) -> Optional[float]:
        """Each seed's best epoch of ``metric`` (lowest for losses and errors), mean over seeds."""
        return _mean_std(self._per_seed(metric, min if _minimised(metric) else max))[0]

    def best_std(self, metric: str) -> Optional[float]:
        return _mean_std(self._per_seed(metric, min if _minimised(metric) else max))[1]

    def metric(self, *path: str) -> Optional[float]:
        """A number of metrics.json (``metric("best", "val_accuracy")``), mean over seeds."""
        values = []
        for run in self.runs:
            node = run.metrics
            for key in path:
                node = node.get(key) if isinstance(node, Mapping) else None
            values.append(node)
        return _mean_std(values)[0]

    @property
    def wall_time_s(self) -> float:
        """Training wall time, summed over the seeds."""
        return float(sum(run.metrics.get("wall_time_s") or 0.0 for run in self.runs))

    @property
    def epochs(self) -> int:
        return int(max(run.metrics.get("epochs", len(run.history)) for run in self.runs))

    def mean_history(self) -> List[dict]:
        """The history rows averaged over the seeds (what the curves figure draws)."""
        if len(self.runs) == 1:
            return self.runs[0].history
        length = min(len(run.history) for run in self.runs)
        rows = []
        for epoch in range(length):
            keys = set.intersection(*(set(run.history[epoch]) for run in self.runs))
            row = {"epoch": epoch}
            for key in keys - {"epoch"}:
                values = [run.history[epoch][key] for run in self.runs]
                if all(isinstance(v, (int, float)) for v in values):
                    row[key] = float(np.mean(values))
            rows.append(row)
        return rows

    def gradient_norms(self) -> tuple[list, Dict[int, np.ndarray]]:
        """``(layer names, {step: norms})`` of ``train.gradient_norm_steps``,
        mean over seeds; empty when the runs did not record them."""
        import json

        layers, per_step = [], {}
        for run in self.runs:
            path = run.path / rundir.GRADIENT_NORMS
            if not path.is_file():
                continue
            saved = json.loads(path.read_text())
            layers = saved["layers"]
            for step, norms in saved["steps"].items():
                per_step.setdefault(int(step), []).append(norms)
        return layers, {step: np.mean(v, axis=0) for step, v in sorted(per_step.items())}


class Results(Mapping[str, LabelResult]):
    """``{label: LabelResult}`` of a study's finished runs, in the study's order."""

    def __init__(self, by_label: Dict[str, LabelResult]):
        self._by_label = dict(by_label)

    def __getitem__(self, label: str) -> LabelResult:
        return self._by_label[label]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_label)

    def __len__(self) -> int:
        return len(self._by_label)

    @classmethod
    def load(cls, folders: Mapping[str, List[Path]]) -> "Results":
        """Read ``{label: [run dir of each seed]}``; every run must be finished."""
        return cls({label: LabelResult(label, [_read(p) for p in paths])
                    for label, paths in folders.items()})


def _read(path: Path) -> SavedRun:
    """A finished run; a diverged one (its loss went to NaN, perhaps in its
    first epoch, before any history row) with what it wrote."""
    run = read_run(path)
    if not run.diverged:
        rundir.require_finished(path)
    return run
