"""Run a study: each of its runs through the normal engine, then the report.

Every run is an ordinary run directory (``OUTPUT/<label>``, and
``OUTPUT/<label>-seed<k>`` for the extra seeds of ``seeds=N``), so resume,
evaluate, export and compare all work on it. Running the same study again
skips the finished runs and resumes an interrupted one from its backup.

Example:

>>> import keras_recipes as kr
>>> report = kr.study("degradation", budget="cpu", data="~/data/cifar10/train")
>>> report.verdict.holds, report.markdown
(True, PosixPath('runs/study-degradation-cpu/report.md'))
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from keras_recipes import config as config_lib
from keras_recipes import rundir
from keras_recipes.errors import (ConfigError, DivergedError, RunDirError, RunInterrupted,
                                  RunPreempted)
from keras_recipes.experiments.spec import Study, StudyRun, get_study

STUDY_FILE = "study.json"  # which study, budget and seeds a study folder holds
# Settings that change how a run reports, not what it trains: a study run
# again with other values of these still reuses its finished runs.
_REPORTING_KEYS = ("runtime.verbose",)


@dataclass
class PlannedRun:
    """One run directory a study needs: a run of the study at one seed."""

    spec: StudyRun
    seed_index: int
    cfg: config_lib.RecipeConfig
    path: Path

    @property
    def name(self) -> str:
        return self.spec.label if self.seed_index == 0 else f"{self.spec.label}-seed{self.seed_index}"


def default_output(study: str, budget: str, root="runs") -> Path:
    """``runs/study-<name>-<budget>``: beside the recipes' own runs."""
    return Path(root) / f"study-{study}-{budget}"


def plan(study: Study, budget: str, output, *, data: Optional[str] = None, seeds: int = 1,
         verbose: int = 1) -> List[PlannedRun]:
    """The resolved config and folder of every run, seed after seed of each run.

    The config of a run is its recipe's (preset) defaults, then the study's
    budget settings, the run's own overrides and its budget settings; then
    ``data`` (``data.source``) and the seed (the recipe's ``runtime.seed`` + k).
    Raises ConfigError for an unknown budget or a setting the recipe lacks.
    """
    from keras_recipes.registry import get_recipe

    if seeds < 1:
        raise ConfigError(f"--seeds must be at least 1; received {seeds}")
    study_settings = study.budget(budget)
    output = Path(output)
    planned = []
    for spec in study.runs:
        base = get_recipe(spec.recipe).config(preset=spec.preset)
        try:
            cfg = config_lib.merge_values(base, spec.settings(study_settings, budget))
        except ConfigError as err:
            raise ConfigError(f"study {study.name}, run {spec.label}: {err}") from None
        if data is not None:
            cfg.data.source = str(data)
        cfg.runtime.verbose = verbose
        first_seed = cfg.runtime.seed
        for k in range(seeds):
            seeded = config_lib.merge_values(cfg, {"runtime.seed": first_seed + k})
            planned.append(PlannedRun(spec, k, seeded, output / (
                spec.label if k == 0 else f"{spec.label}-seed{k}")))
    return planned


def _differences(saved: dict, wanted: dict) -> List[str]:
    keys = [k for k in {**saved, **wanted} if k not in _REPORTING_KEYS]
    return [f"{k}: {saved.get(k)!r} there, {wanted.get(k)!r} here" for k in keys
            if saved.get(k) != wanted.get(k)]


def state(run: PlannedRun) -> str:
    """``"finished"``, ``"diverged"`` (a result too: its loss went to NaN),
    ``"interrupted"`` (a backup to resume from), ``"new"``.

    Raises RunDirError when the folder holds a run of other settings (another
    budget, data or recipe): reusing it would mix two experiments.
    """
    path = run.path
    if not (path / rundir.CONFIG).is_file():
        return "new"
    saved = rundir.read_run(path)
    differ = _differences(config_lib.flat_values(saved.resolve()), config_lib.flat_values(run.cfg))
    if differ:
        raise RunDirError(
            f"{path} holds a run with other settings ({'; '.join(differ[:3])}); "
            f"give the study another --output, or delete {path} to train it again")
    if saved.diverged:
        return "diverged"
    if saved.finished:
        return "finished"
    backup = path / rundir.BACKUP
    return "interrupted" if backup.is_dir() and any(backup.iterdir()) else "new"


@dataclass
class StudyReport:
    """A finished study: its verdict and the files of its report."""

    study: Study
    budget: str
    output: Path
    verdict: "object"  # spec.Verdict
    markdown: Path
    figures: List[Path]


def _say(text: str, verbose: int) -> None:
    if verbose:
        print(text, flush=True)


def _progress(k: int, n: int, run: PlannedRun, started: float, trained: List[float]) -> str:
    from keras_recipes.training.callbacks import format_duration

    elapsed = time.time() - started
    left = ""
    if trained:  # an estimate from the runs this invocation trained
        left = f", about {format_duration(sum(trained) / len(trained) * (n - k + 1))} left"
    cfg = run.cfg
    what = f"{cfg.recipe}" + (f" --preset {cfg.preset}" if cfg.preset else "")
    return (f"[{k}/{n}] {run.name}: {what}, {cfg.train.epochs} epochs "
            f"(study time {format_duration(elapsed)}{left})")


def study(name: str, *, budget: str = "cpu", data: Optional[str] = None, output=None,
          seeds: int = 1, verbose: int = 1) -> StudyReport:
    """Train every run of study ``name`` at ``budget`` (skipping finished
    runs, resuming interrupted ones), then write and return its report.

    Args:
        name: a registered study (``recipes study list``).
        budget: ``"cpu"`` (about a quarter of an hour on 2 cores) or ``"gpu"``
            (the paper's size).
        data: the data of the study's recipes (a folder or ``tfds:NAME``);
            None: the recipes' own default (TFDS).
        output: the study's folder (default ``runs/study-<name>-<budget>``).
        seeds: repeat every run with this many seeds; the report gives mean
            +- std and the check compares means.
        verbose: 0 silent, 1 progress bars, 2 one line per epoch.
    """
    from keras_recipes.experiments import report
    from keras_recipes.training import trainer

    spec = get_study(name)
    output = Path(output) if output is not None else default_output(name, budget)
    runs = plan(spec, budget, output, data=data, seeds=seeds, verbose=verbose)
    states = [state(r) for r in runs]  # refuses a folder of other settings before any training
    _write_study_file(output, spec, budget, seeds, data)
    started, trained = time.time(), []
    for k, (run, was) in enumerate(zip(runs, states), start=1):
        if was in ("finished", "diverged"):
            _say(f"[{k}/{len(runs)}] {run.name}: {was}, skipped", verbose)
            continue
        _say(_progress(k, len(runs), run, started, trained)
             + (" (resuming)" if was == "interrupted" else ""), verbose)
        t0 = time.time()
        try:
            if was == "interrupted":
                trainer.resume(run.path, overrides=[f"runtime.verbose={verbose}"])
            else:
                trainer.run(run.cfg, run.path, overwrite=True)
        except (RunInterrupted, RunPreempted) as err:  # same kind (and exit code), one hint more
            raise type(err)(
                f"{err}. The same `recipes study run {name} --budget {budget}` command "
                f"continues the study: finished runs are skipped") from None
        except DivergedError as err:  # a result, not a failure: e.g. no batch norm at a high rate
            _say(f"{run.name}: {err}; recorded as diverged, the study goes on", verbose)
        trained.append(time.time() - t0)
    result = report.write(spec, budget, output, seeds=seeds)
    _say(report.verdict_line(spec, result.verdict) + f"\nreport: {result.markdown}", verbose)
    return result


def _write_study_file(output: Path, study: Study, budget: str, seeds: int, data) -> None:
    output.mkdir(parents=True, exist_ok=True)
    rundir.write_json(output / STUDY_FILE, {"study": study.name, "budget": budget, "seeds": seeds,
                                            "data": None if data is None else str(data)})


def read_study_file(output) -> Dict:
    """What ``study`` recorded in a study folder; a clear error otherwise."""
    path = Path(output) / STUDY_FILE
    if not path.is_file():
        raise RunDirError(f"{output} is not a study folder (no {STUDY_FILE}); "
                          "`recipes study run NAME --output DIR` makes one")
    try:
        return json.loads(path.read_text())
    except ValueError as err:
        raise RunDirError(f"corrupt file {path}: {err}") from None


def report_study(output, verbose: int = 1) -> StudyReport:
    """Redraw the report of the study folder ``output`` from its finished runs."""
    from keras_recipes.experiments import report

    saved = read_study_file(output)
    study = get_study(saved["study"])
    result = report.write(study, saved["budget"], Path(output), seeds=int(saved.get("seeds", 1)))
    _say(report.verdict_line(study, result.verdict) + f"\nreport: {result.markdown}", verbose)
    return result
