"""A study's report: the claim and its source, a table of the runs and the
numbers the check compared, the verdict, and the figure(s) as PNG.

The verdict is written as the check returned it: a claim that did not show
at this budget says so, with its numbers, never softened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Sequence, Tuple

from keras_recipes.errors import RunDirError
from keras_recipes.experiments.results import LabelResult, Results
from keras_recipes.experiments.spec import Study, Verdict
from keras_recipes.rundir import plots, tables

REPORT = "report.md"
CURVES = "curves.png"


def default_columns(study: Study) -> Tuple[Tuple[str, Callable], ...]:
    """Final training and validation values of the study's metrics, and the best validation one."""
    columns: List[Tuple[str, Callable]] = []
    for m in study.metrics:
        columns += [(f"final {m}", lambda r, m=m: _pm(r.final(m), r.final_std(m))),
                    (f"final val_{m}", lambda r, m=m: _pm(r.final(f"val_{m}"),
                                                          r.final_std(f"val_{m}"))),
                    (f"best val_{m}", lambda r, m=m: _pm(r.best(f"val_{m}"),
                                                         r.best_std(f"val_{m}")))]
    return tuple(columns)


def _pm(mean, std) -> str:
    """``0.2130 +- 0.0040`` (one seed: the value alone); ``-`` when absent."""
    if mean is None:
        return "-"
    if std is None or std == 0.0:
        return f"{mean:.4f}"
    return f"{mean:.4f} +- {std:.4f}"


def _settings(study: Study, label: str, budget: str) -> str:
    spec = study.run(label)
    values = {**spec.overrides, **spec.budgets.get(budget, {})}
    preset = [f"--preset {spec.preset}"] if spec.preset else []
    return ", ".join(preset + [f"{k}={v}" for k, v in values.items()]) or "defaults"


def folders(study: Study, output: Path, seeds: int) -> dict:
    """``{label: [run dir per seed]}``; a missing or unfinished run is a clear error."""
    from keras_recipes import rundir

    found = {}
    for spec in study.runs:
        paths = [output / (spec.label if k == 0 else f"{spec.label}-seed{k}") for k in range(seeds)]
        for path in paths:
            saved = rundir.read_run(path) if path.is_dir() else None
            if saved is None or not (saved.finished or saved.diverged):
                raise RunDirError(f"{path} is not a finished run; `recipes study run {study.name} "
                                  f"--output {output}` trains what is missing")
        found[spec.label] = paths
    return found


def verdict_line(study: Study, verdict: Verdict) -> str:
    word = "HOLDS" if verdict.holds else "DOES NOT HOLD"
    return f"{study.name}: the claim {word}. " + "; ".join(verdict.evidence)


def markdown(study: Study, budget: str, results: Results, verdict: Verdict,
             figures: Sequence[Path]) -> str:
    columns = study.columns or default_columns(study)
    headers = ["run", "recipe", "settings", "seeds", "epochs", *(h for h, _ in columns),
               "wall time (s)"]
    rows = []
    for label, result in results.items():
        rows.append([label, result.runs[0].recipe, _settings(study, label, budget),
                     len(result.runs), result.epochs, *(fn(result) for _, fn in columns),
                     f"{result.wall_time_s:.0f}"])
    word = "holds" if verdict.holds else "does not hold"
    lines = [f"# {study.name}: {study.lesson}", "",
             f"**Claim.** {study.claim}", "", f"**Source.** {study.source}", "",
             f"**Budget.** `{budget}`: " + (", ".join(f"{k}={v}" for k, v in
                                                     study.budget(budget).items()) or "defaults"),
             "", "## Runs", "", tables.markdown_table(headers, rows), "",
             f"## Verdict: the claim {word} at this budget", ""]
    lines += [f"- {line}" for line in verdict.evidence]
    if verdict.note:
        lines += ["", verdict.note]
    lines += [""] + [f"![{p.stem}]({p.name})" for p in figures]
    return "\n".join(lines) + "\n"


def write(study: Study, budget: str, output, seeds: int = 1):
    """Check the claim on the finished runs in ``output`` and write
    ``report.md`` and the figures there; returns a ``StudyReport``."""
    from keras_recipes.experiments.runner import StudyReport

    output = Path(output)
    results = Results.load(folders(study, output, seeds))
    verdict = study.check(results)
    figures = []
    if study.metrics:
        runs = [(label, r.mean_history()) for label, r in results.items()]
        figures.append(plots.plot_runs(runs, study.metrics, output / CURVES,
                                       title=f"{study.name} ({budget} budget)"))
    for figure in study.figures:
        figures += list(figure(results, output))
    path = output / REPORT
    path.write_text(markdown(study, budget, results, verdict, figures), encoding="utf-8")
    return StudyReport(study, budget, output, verdict, path, figures)


def numbers(result: LabelResult, metric: str, pick: str = "final") -> str:
    """``label metric 0.213`` for a verdict's evidence (mean over seeds)."""
    value = result.final(metric) if pick == "final" else result.best(metric)
    return f"{result.label} {metric} {value:.4f}" if value is not None else f"{result.label} {metric} -"
