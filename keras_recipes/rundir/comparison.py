"""Compare finished runs: their curves overlaid in one plot, and a table of
what differs between them and how each ended.

Example:

>>> import keras_recipes as kr
>>> result = kr.compare(["runs/plain-20", "runs/plain-56"], output="compare-plain")
>>> print(result.table())              # also written as compare-plain/compare.md
>>> result.plot                        # compare-plain/compare.png: loss and error

``runs`` may hold glob patterns (``runs/plain-*``): the shell expands them on
the command line, but not in every shell and not from Python.
"""

from __future__ import annotations

import datetime as _dt
import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Sequence

from keras_recipes import rundir
from keras_recipes.errors import RunDirError
from keras_recipes.rundir import plots, tables
from keras_recipes.rundir.reader import SavedRun, read_run

PLOT = "compare.png"
MARKDOWN = "compare.md"
# He et al. plot loss-free error curves; loss and error (1 - accuracy) side
# by side show both what is optimised and what is measured.
DEFAULT_METRICS = ("loss", "error")
# Settings of environment.json that change a run's speed or numerics; shown
# like config keys when they differ.
_ENVIRONMENT_KEYS = ("precision", "strategy", "replicas", "global_batch_size", "jit_compile",
                     "cpu_count")
_GLOB_CHARS = set("*?[")


def run_settings(run: SavedRun) -> Dict[str, Any]:
    """A run's config keys plus its environment's speed-relevant entries (``env.*``)."""
    env = {f"env.{k}": run.environment.get(k) for k in _ENVIRONMENT_KEYS if k in run.environment}
    return {**run.flat_config(), **env}


def load_run(path) -> SavedRun:
    """Read a finished run directory; a clear ``RunDirError`` otherwise."""
    return read_run(rundir.require_finished(path))


def expand_runs(patterns: Sequence) -> List[Path]:
    """Run paths from paths and glob patterns, in the order given (each
    pattern's matches sorted), without repeats."""
    paths: List[Path] = []
    for pattern in patterns:
        text = str(pattern)
        if _GLOB_CHARS.intersection(text) and not Path(text).exists():
            matches = sorted(glob.glob(text))
            if not matches:
                raise RunDirError(f"no run directory matches {text}")
            found = [Path(m) for m in matches if Path(m).is_dir()]
        else:
            found = [Path(text)]
        paths += [p for p in found if p not in paths]
    if not paths:
        raise RunDirError("name at least one run directory to compare")
    return paths


def differing_keys(runs: Sequence[SavedRun]) -> List[str]:
    """The settings whose values are not the same in every run (a key one
    run lacks counts as different), in config order."""
    settings = [run_settings(r) for r in runs]
    keys: List[str] = []
    for s in settings:
        keys += [k for k in s if k not in keys]
    missing = object()
    return [k for k in keys if k != "recipe"
            and len({repr(s.get(k, missing)) for s in settings}) > 1]


def _best(values, metric: str):
    values = [v for v in values or [] if isinstance(v, float)]
    if not values:
        return None
    # Losses and errors are minimised; everything else (accuracy) maximised.
    return min(values) if ("loss" in metric or "error" in metric) else max(values)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_cell(v) for v in value) + "]"
    return str(value)


@dataclass
class Comparison:
    """Compared runs: ``headers`` and ``rows`` (one per run) of the table,
    the keys that differ, and the files written into ``output``."""

    runs: List[SavedRun]
    metrics: List[str]
    keys: List[str]
    headers: List[str] = field(default_factory=list)
    rows: List[List[Any]] = field(default_factory=list)
    output: Path | None = None
    plot: Path | None = None
    markdown: Path | None = None

    def table(self, width: int | None = None) -> str:
        """The table as aligned text, for the terminal; with ``width`` (e.g.
        ``tables.terminal_width()``) a table wider than that is transposed
        (a column per run) and wrapped to fit."""
        cells = [[_cell(c) for c in r] for r in self.rows]
        table = tables.text_table(self.headers, cells)
        if width is None or tables.fits(table, width):
            return table
        # Too wide: one column per run, one row per setting or metric.
        return tables.text_table(["run", *(r[0] for r in cells)],
                                 [[h, *(r[j] for r in cells)] for j, h in
                                  enumerate(self.headers) if j], width)

    def markdown_table(self) -> str:
        return tables.markdown_table(self.headers, [[_cell(c) for c in r] for r in self.rows])


def _labels(runs: Sequence[SavedRun]) -> List[str]:
    """Folder names, or the paths when two runs share a name."""
    names = [r.path.name for r in runs]
    return names if len(set(names)) == len(names) else [str(r.path) for r in runs]


def _table(runs: Sequence[SavedRun], labels, keys, metrics):
    headers = ["run", "recipe", *keys, "epochs"]
    for m in metrics:
        headers += [f"final {m}", f"final val_{m}", f"best val_{m}"]
    headers += ["wall time (s)", "examples/s"]
    rows = []
    for run, label in zip(runs, labels):
        values = run_settings(run)
        row = [label, run.recipe, *(values.get(k) for k in keys),
               run.metrics.get("epochs", len(run.history))]
        for m in metrics:
            train = plots.metric_values(run.history, m)
            val = plots.metric_values(run.history, f"val_{m}")
            row += [train[-1] if train else None, val[-1] if val else None, _best(val, m)]
        row += [run.metrics.get("wall_time_s"), run.metrics.get("train_examples_per_s")]
        rows.append(row)
    return headers, rows


def default_output(root=".") -> Path:
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return Path(root) / f"compare-{stamp}"


def compare(runs: Sequence, output=None, metrics: Sequence[str] = DEFAULT_METRICS) -> Comparison:
    """Compare finished run directories.

    Args:
        runs: run directories or glob patterns (``runs/plain-*``).
        output: folder for ``compare.png`` and ``compare.md`` (created;
            default ``compare-<UTC time>`` in the current directory).
        metrics: history metrics to plot and tabulate; ``error`` is
            1 - accuracy. Each gets its training and validation curve.

    Returns:
        a :class:`Comparison` (``print(result.table())`` for the terminal).

    Raises:
        RunDirError: a path that is not a finished run directory, or a
            pattern that matches nothing.
    """
    metrics = [str(m) for m in metrics] or list(DEFAULT_METRICS)
    loaded = [load_run(p) for p in expand_runs(runs)]
    keys = differing_keys(loaded)
    labels = _labels(loaded)
    headers, rows = _table(loaded, labels, keys, metrics)
    output = Path(output) if output is not None else default_output()
    if output.exists() and not output.is_dir():
        raise RunDirError(f"output {output} exists and is a file")
    output.mkdir(parents=True, exist_ok=True)
    result = Comparison(runs=loaded, metrics=metrics, keys=keys, headers=headers, rows=rows,
                        output=output)
    title = " vs ".join(labels) if len(labels) <= 4 else f"{len(labels)} runs"
    result.plot = plots.plot_runs(list(zip(labels, (r.history for r in loaded))), metrics,
                                  output / PLOT, title=title)
    lines = [f"# {title}", "", result.markdown_table(), "",
             f"![{', '.join(metrics)}]({PLOT})", ""]
    if keys:
        lines.insert(2, "Settings that differ: " + ", ".join(f"`{k}`" for k in keys) + ".\n")
    result.markdown = output / MARKDOWN
    result.markdown.write_text("\n".join(lines))
    return result
