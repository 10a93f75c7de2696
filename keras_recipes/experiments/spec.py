"""What a study is, as data: runs, budgets and a claim with its check.

A study turns a lesson of the course into an experiment with a verdict: a
list of ordinary recipe runs (each a complete run directory), the budgets
they can be trained at (a CPU budget a student finishes in about a quarter of
an hour, a GPU budget of the paper's size), and one claim, with its source,
checked against what the runs measured. Declaring a study imports no
TensorFlow, so ``recipes study list`` answers at once.

Example (a whole study file; the built-in ones live in ``studies/``, one file each):

>>> from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
>>> def deeper_is_better(results):
...     a, b = results["d20"].final("error"), results["d56"].final("error")
...     return Verdict(b < a, [f"d56 train error {b:.3f} vs d20 {a:.3f}"])
>>> register_study(Study(
...     name="toy-depth", lesson="depth", claim="A deeper ResNet trains to a lower error.",
...     source="He et al. 2016, Fig. 6", data="CIFAR-10",
...     runs=(StudyRun("d20", "cifar-resnet", overrides={"model.depth": 20}),
...           StudyRun("d56", "cifar-resnet", overrides={"model.depth": 56})),
...     budgets={"cpu": {"train.epochs": 3}, "gpu": {"train.epochs": 182}},
...     check=deeper_is_better))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from keras_recipes.choices import STUDY_BUDGETS as BUDGETS
from keras_recipes.errors import ConfigError, did_you_mean
from keras_recipes.named_registry import NamedRegistry


@dataclass(frozen=True)
class StudyRun:
    """One run of a study: a recipe, its preset and the settings that make
    this run differ from the others.

    ``budgets`` adds settings for one budget only (e.g. a smaller batch on
    the CPU budget for this run alone); the study's own budget settings come
    first, then ``overrides``, then these.
    """

    label: str  # the run's folder in the study's output and its name in tables and plots
    recipe: str
    preset: Optional[str] = None
    overrides: Mapping[str, Any] = field(default_factory=dict)
    budgets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def settings(self, study_budget: Mapping[str, Any], budget: str) -> Dict[str, Any]:
        """Every dotted setting of this run at ``budget``, later ones winning."""
        return {**study_budget, **self.overrides, **self.budgets.get(budget, {})}


@dataclass(frozen=True)
class Verdict:
    """What the check found: does the claim hold, and the numbers it compared
    (one sentence each, with the values, so the report shows the evidence)."""

    holds: bool
    evidence: Sequence[str]
    note: str = ""  # e.g. what budget the claim would need when it did not show


@dataclass(frozen=True)
class Study:
    """A lesson's experiment: runs, budgets, claim and check.

    Attributes:
        name: kebab-case name (``recipes study run NAME``).
        lesson: the course lesson it belongs to, in a few words.
        claim: one sentence, what the lesson says should happen.
        source: where the claim comes from (paper, section, figure).
        data: the data set its recipes need, for the docs and ``--data``.
        runs: the runs, in the order they train.
        budgets: ``{budget: {dotted key: value}}`` applied to every run;
            every study has ``cpu`` and ``gpu``.
        check: ``Results -> Verdict`` (``keras_recipes.experiments.results``).
        metrics: the history metrics the curves figure overlays
            (``error`` = 1 - accuracy); empty: no curves figure.
        figures: extra figures, ``(Results, folder) -> [paths]``.
        columns: the numbers the report's table shows per run, as
            ``(heading, Results-label -> value)`` pairs; None: the defaults
            of ``report.default_columns``.
        measured: ``{budget: text}`` what a real run of the study took and
            on which machine, shown by ``recipes study list``.
    """

    name: str
    lesson: str
    claim: str
    source: str
    data: str
    runs: Tuple[StudyRun, ...]
    budgets: Mapping[str, Mapping[str, Any]]
    check: Callable[..., Verdict]
    metrics: Tuple[str, ...] = ("loss", "error")
    figures: Tuple[Callable, ...] = ()
    columns: Optional[Tuple[Tuple[str, Callable], ...]] = None
    measured: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        labels = [r.label for r in self.runs]
        if not self.runs:
            raise ValueError(f"study {self.name!r} declares no runs")
        if len(set(labels)) != len(labels):
            raise ValueError(f"study {self.name!r} repeats a run label: {labels}")
        missing = [b for b in BUDGETS if b not in self.budgets]
        if missing:
            raise ValueError(f"study {self.name!r} has no {', '.join(missing)} budget")

    def budget(self, name: str) -> Mapping[str, Any]:
        """The study-wide settings of budget ``name``; an unknown one lists the known ones."""
        if name not in self.budgets:
            raise ConfigError(f"unknown budget {name!r} for study {self.name}"
                              f"{did_you_mean(name, sorted(self.budgets))}; "
                              f"budgets: {', '.join(sorted(self.budgets))}")
        return self.budgets[name]

    def run(self, label: str) -> StudyRun:
        for r in self.runs:
            if r.label == label:
                return r
        raise KeyError(label)


_STUDIES = NamedRegistry("study", group="keras_recipes.studies", plural="studies")


def register_study(study: Study) -> Study:
    """Add ``study`` to the registry; a name registered twice is an error."""
    _STUDIES.add(study.name, study)
    return study


def unregister_study(name: str) -> None:
    """Remove a study (for tests and interactive sessions)."""
    _STUDIES.pop(name, None)


def get_study(name: str) -> Study:
    """The study called ``name``; an unknown name suggests the closest one."""
    return _STUDIES.lookup(name)


def list_studies() -> List[Study]:
    """All registered studies, sorted by name."""
    return _STUDIES.entries()
