"""Small pieces the studies' checks are written with: a number with its
label for the evidence, and comparisons that say what they compared.

A diverged run (its loss went to NaN) has no final numbers; ``value``
returns ``fallback`` for it (e.g. an error of 1.0), and the evidence says so.
"""

from __future__ import annotations

from typing import List, Optional

from keras_recipes.experiments.results import LabelResult


def value(result: LabelResult, metric: str, pick: str = "final", fallback: Optional[float] = None):
    """``result``'s ``metric`` (mean over seeds): ``"final"`` epoch, ``"best"``
    epoch, ``"first"`` epoch; ``fallback`` when the run has no such number."""
    if pick == "first":
        curve = result.curve(metric)
        found = None if curve is None or not len(curve) else float(curve[0])
    else:
        found = result.final(metric) if pick == "final" else result.best(metric)
    return fallback if found is None else found


def diverged(result: LabelResult) -> bool:
    return any(run.metrics.get("diverged") for run in result.runs)


def describe(result: LabelResult, metric: str, pick: str = "final", fallback=None) -> str:
    """``plain-56 final error 0.3120`` (``diverged`` where it did)."""
    if diverged(result):
        return f"{result.label} diverged (counted as {metric} {fallback})"
    number = value(result, metric, pick, fallback)
    text = "-" if number is None else f"{number:.4f}"
    return f"{result.label} {pick} {metric} {text}"


def compare(a: LabelResult, op: str, b: LabelResult, metric: str, pick: str = "final",
            fallback=None, evidence: Optional[List[str]] = None) -> bool:
    """``a op b`` on ``metric`` (``op``: ``<``, ``<=``, ``>``, ``>=``); the
    comparison, its numbers and its outcome are appended to ``evidence``:
    ``plain-56 final error 0.3120 > plain-20 final error 0.2540: yes``."""
    x, y = value(a, metric, pick, fallback), value(b, metric, pick, fallback)
    ok = x is not None and y is not None and _OPS[op](x, y)
    if evidence is not None:
        evidence.append(f"{describe(a, metric, pick, fallback)} {op} "
                        f"{describe(b, metric, pick, fallback)}: {'yes' if ok else 'no'}")
    return ok


_OPS = {"<": lambda x, y: x < y, "<=": lambda x, y: x <= y,
        ">": lambda x, y: x > y, ">=": lambda x, y: x >= y}


def number(result: LabelResult, metric: str, pick: str = "final", digits: int = 4) -> str:
    """A table cell: ``metric`` (mean over seeds) to ``digits`` places, ``-`` when absent."""
    found = value(result, metric, pick)
    return "-" if found is None else f"{found:.{digits}f}"
