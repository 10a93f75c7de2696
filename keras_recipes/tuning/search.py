"""Hyperparameter search over any recipe's config, with KerasTuner.

KerasTuner's oracles (random search, Bayesian optimisation, Hyperband) pick
the values; each trial is a normal run of the engine (same data pipeline,
precision and strategy as ``recipes run``) with the trial's values applied
to the config, written to its own run directory. The output folder::

    OUTPUT/
        search.json        what is searched: a rerun resumes only the same search
        tuner/             KerasTuner's oracle state (resume)
        trials/<trial_id>/ one run directory per trial (config.yaml, metrics.json, ...)
        trials.csv         the trials ranked by the objective (also trials.json)
        best_config.yaml   the best trial's full config: `recipes run --config` takes it
        objective.png      the objective of each trial, and the best so far

Running the same search again on the same OUTPUT resumes it: completed trials
are kept, an interrupted trial runs again from scratch (a trial that finished
training but was not recorded is picked up from its run directory), and a
larger ``max_trials`` adds trials.

Example:

>>> import keras_recipes as kr
>>> result = kr.tune("cifar-resnet", space={"train.lr": "loguniform(0.02, 0.4)"},
...                  algorithm="bayesian", max_trials=20, epochs=30, output="runs/tune")
>>> print(result.table())
>>> cfg = result.best_config  # also saved as runs/tune/best_config.yaml
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from keras_recipes import config as config_lib
from keras_recipes import rundir
from keras_recipes.choices import TUNING_ALGORITHMS
from keras_recipes.config import RecipeConfig
from keras_recipes.datasets.paths import require_source
from keras_recipes.errors import ConfigError, RunDirError, did_you_mean
from keras_recipes.registry import get_recipe
from keras_recipes.rundir.plots import plot_objective
from keras_recipes.tuning import space as space_lib
from keras_recipes.tuning.results import (BEST_CONFIG, OBJECTIVE_PLOT, OUTPUT_FILES, PROJECT,
                                          SEARCH, TRIALS, TRIALS_CSV, TRIALS_JSON, TuneError,
                                          TuneResult)
from keras_recipes.tuning.tuner import engine_tuner_class, last_line

ALGORITHMS = TUNING_ALGORITHMS
# The metrics every run's history.csv holds (val_* when there is validation data).
# Hyperband keeps the best 1/FACTOR of each round and gives them FACTOR x the epochs.
HYPERBAND_FACTOR = 3

# Settings that may change between a search and its resumption: where the data
# lives and how chatty the run is do not change what a trial measures.
_NOT_PART_OF_SEARCH = ("data.source", "data.data_dir", "runtime.verbose")


def tune(recipe_or_cfg, space=None, algorithm: str = "random", max_trials: int = 10,
         epochs: Optional[int] = None, objective: Optional[str] = None, output=None,
         data=None, overrides=(), smoke: bool = False, overwrite: bool = False) -> TuneResult:
    """Search ``space`` for the config of ``recipe_or_cfg`` that maximises ``objective``.

    Args:
        recipe_or_cfg: a recipe name or a resolved :class:`RecipeConfig`.
        space: ``{dotted key: spec}`` (see :mod:`keras_recipes.tuning.space`),
            the path of a YAML file holding one, or None for the recipe's own
            ``search_space``.
        algorithm: "random", "bayesian" (needs scikit-learn) or "hyperband".
        max_trials: the most trials to run (Hyperband may stop earlier, when
            its brackets are done).
        epochs: epochs per trial (``train.epochs``); Hyperband's largest budget.
        objective: a metric of the recipe's task, on validation (``val_``)
            or training data, e.g. "val_accuracy" (maximised) or "val_loss"
            (minimised); default: the config's ``train.monitor``. A trial
            scores its best epoch.
        output: the search folder (default ``runs/<recipe>-tune-<UTC time>``);
            an existing one holding the same search is resumed.
        data: in-memory data for every trial (as for ``Trainer``), or a source
            string (sets ``data.source``).
        overrides: ``key=value`` config overrides applied before the search.
        smoke: train every trial on tiny synthetic data (an installation check).
        overwrite: discard a previous search in ``output`` and start again.

    Returns:
        A :class:`TuneResult`; its files are in ``output``.

    Raises:
        ConfigError / TuneError: invalid settings, before any training starts.
    """
    search = Search.plan(recipe_or_cfg, space=space, algorithm=algorithm,
                         max_trials=max_trials, epochs=epochs, objective=objective,
                         output=output, data=data, overrides=overrides, smoke=smoke)
    search.prepare_output(overwrite=overwrite)
    return search.run()


def objectives(recipe, cfg) -> tuple:
    """What a search of ``recipe`` may optimise: its task's metrics (and the
    loss), on training or validation data, and the run's ``train.monitor``."""
    names = recipe.task(cfg, recipe).metric_names()
    return tuple(dict.fromkeys([cfg.train.monitor, *(f"val_{n}" for n in names), *names]))


def _check_choice(name: str, value, allowed) -> None:
    if value not in allowed:
        hint = did_you_mean(value, allowed)
        raise ConfigError(f"unknown {name} {value!r} (known: {', '.join(allowed)}){hint}")


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer; received {value!r}")
    return value


@dataclass
class Search:
    """A validated search: everything is checked when it is planned, so a bad
    space or setting fails before the first trial trains."""

    base: RecipeConfig  # the config every trial starts from
    params: Dict[str, space_lib.Param]
    algorithm: str
    max_trials: int
    objective: str
    output: Path
    data: Any = None
    smoke: bool = False
    fit_calls: int = field(default=0, repr=False)

    @property
    def direction(self) -> str:
        from keras_recipes.training.callbacks import monitor_mode

        return monitor_mode(self.objective)

    # -- planning (no TensorFlow) -------------------------------------------
    @classmethod
    def plan(cls, recipe_or_cfg, *, space=None, algorithm="random", max_trials=10,
             epochs=None, objective=None, output=None, data=None, overrides=(),
             smoke=False) -> "Search":
        _check_choice("algorithm", algorithm, ALGORITHMS)
        _positive_int("max_trials", max_trials)
        if epochs is not None:
            _positive_int("epochs", epochs)
        if algorithm == "bayesian" and importlib.util.find_spec("sklearn") is None:
            raise TuneError("--algorithm bayesian needs scikit-learn: pip install scikit-learn")

        if isinstance(recipe_or_cfg, str):
            cfg = get_recipe(recipe_or_cfg).config()
        elif isinstance(recipe_or_cfg, RecipeConfig):
            if not recipe_or_cfg.recipe:
                raise ConfigError("the config names no recipe; set its `recipe` field")
            cfg = dataclasses.replace(recipe_or_cfg)
        else:
            raise ConfigError(
                f"expected a recipe name or a RecipeConfig; received {type(recipe_or_cfg).__name__}"
            )
        recipe = get_recipe(cfg.recipe)
        extra = list(overrides)
        if isinstance(data, (str, os.PathLike)):
            extra.append(f"data.source={data}")
            data = None
        if epochs is not None:
            extra.append(f"train.epochs={epochs}")
        base = config_lib.apply_overrides(cfg, extra)
        if smoke:
            from keras_recipes.training.trainer import smoke_config  # TensorFlow: only for --smoke

            base = smoke_config(base)
            if epochs is not None:
                base.train.epochs = epochs
        elif data is None:
            require_source(base.data.source, f"recipe {base.recipe}'s config",
                           also=" (data= in Python), or --smoke for synthetic data")

        if space is None:
            entries = dict(recipe.search_space)
        elif isinstance(space, (str, os.PathLike)):
            entries = space_lib.read_space_file(space)
        else:
            entries = dict(space)
        objective = objective or base.train.monitor
        _check_choice("objective", objective, objectives(recipe, base))
        params = space_lib.parse_space(entries, base)
        if algorithm == "hyperband" and "train.epochs" in params:
            raise TuneError("--algorithm hyperband sets train.epochs itself; "
                            "remove train.epochs from the space (use --epochs for the largest budget)")
        if output is None:
            output = (tempfile.mkdtemp(prefix=f"{base.recipe}-tune-smoke-") if smoke
                      else rundir.default_run_dir(f"{base.recipe}-tune"))
        return cls(base=base, params=params, algorithm=algorithm, max_trials=max_trials,
                   objective=objective, output=Path(output), data=data, smoke=smoke)

    def describe(self) -> dict:
        """What makes this search this search (saved as search.json)."""
        cfg = _comparable(config_lib.to_dict(self.base))
        return {"recipe": self.base.recipe, "algorithm": self.algorithm,
                "objective": self.objective, "smoke": self.smoke,
                "space": {k: p.spec for k, p in self.params.items()}, "config": cfg}

    def prepare_output(self, *, overwrite: bool = False) -> None:
        """Create OUTPUT, or check that it holds this same search (to resume it)."""
        out = self.output
        if out.exists() and not out.is_dir():
            raise RunDirError(f"search directory {out} exists and is a file")
        if overwrite:
            for name in (PROJECT, TRIALS):
                shutil.rmtree(out / name, ignore_errors=True)
            for name in OUTPUT_FILES:
                (out / name).unlink(missing_ok=True)
        saved_path = out / SEARCH
        wanted = json.loads(json.dumps(self.describe(), default=str))
        if saved_path.is_file():
            saved = rundir.read_json(saved_path)
            changed = [k for k in wanted if saved.get(k) != wanted[k]]
            if changed:
                raise TuneError(
                    f"{out} holds a different search (changed: {', '.join(changed)}); "
                    f"pass --overwrite to start again there, or choose another --output"
                )
        out.mkdir(parents=True, exist_ok=True)
        rundir.write_json(saved_path, wanted)

    # -- trials ---------------------------------------------------------------
    def trial_values(self, hp_values: Mapping[str, Any]) -> Dict[str, Any]:
        """Config values for the hyperparameter values KerasTuner sampled."""
        return {k: p.to_config_value(hp_values[k]) for k, p in self.params.items()
                if k in hp_values}

    def trial_config(self, hp_values: Mapping[str, Any]) -> RecipeConfig:
        """The base config with a trial's values (and Hyperband's epochs) applied."""
        values = self.trial_values(hp_values)
        if "tuner/epochs" in hp_values:
            # Hyperband's budget for this trial. The trial trains from scratch
            # for that many epochs (rather than continuing an earlier trial's
            # weights), so schedules span the whole run and every run
            # directory stands alone.
            values["train.epochs"] = int(hp_values["tuner/epochs"])
        return space_lib.apply_values(self.base, values)

    def trial_dir(self, trial_id: str) -> Path:
        return self.output / TRIALS / str(trial_id)

    def _trial_data(self, cfg):
        if not self.smoke:
            return self.data
        from keras_recipes.training.trainer import smoke_data

        return smoke_data(cfg)

    def run_trial(self, trial_id: str, hp_values: Mapping[str, Any]) -> Dict[str, float]:
        """Train one trial into OUTPUT/trials/<trial_id>; return ``{objective: best value}``."""
        from keras_recipes.training import trainer

        cfg = self.trial_config(hp_values)
        run_dir = self.trial_dir(trial_id)
        if not _finished_run(run_dir, cfg):
            # A new trial, or one whose run was interrupted: (re)train it.
            self.fit_calls += 1
            trainer.Trainer(cfg, run_dir, data=self._trial_data(cfg), overwrite=True).fit()
        return {self.objective: self._score(run_dir)}

    def _score(self, run_dir: Path) -> float:
        rows = rundir.read_run(run_dir).history
        if rows and self.objective not in rows[0]:
            known = ", ".join(k for k in rows[0] if k != "epoch")
            hint = (" (no validation data: set data.val_fraction > 0)"
                    if self.objective.startswith("val_") else "")
            raise TuneError(f"objective {self.objective} is not among the run's metrics "
                            f"({known}){hint}")
        scores = [float(r[self.objective]) for r in rows
                  if isinstance(r.get(self.objective), (int, float))
                  and math.isfinite(r[self.objective])]
        if not scores:
            raise ValueError(f"{self.objective} is not finite in any epoch of {run_dir}")
        return max(scores) if self.direction == "max" else min(scores)

    # -- the search -------------------------------------------------------------
    def hyperparameters(self):
        import keras_tuner as kt

        hp = kt.HyperParameters()
        for key, p in self.params.items():
            if p.kind == "choice":
                hp.Choice(key, list(p.tokens))
            elif p.kind == "int":
                hp.Int(key, p.low, p.high, step=p.step or 1)
            else:
                hp.Float(key, float(p.low), float(p.high),
                         sampling="log" if p.kind == "loguniform" else "linear")
        return hp

    def oracle(self):
        import keras_tuner as kt

        common = dict(objective=kt.Objective(self.objective, direction=self.direction),
                      hyperparameters=self.hyperparameters(), seed=self.base.runtime.seed)
        if self.algorithm == "random":
            return kt.oracles.RandomSearchOracle(max_trials=self.max_trials, **common)
        if self.algorithm == "bayesian":
            return kt.oracles.BayesianOptimizationOracle(max_trials=self.max_trials, **common)
        oracle = kt.oracles.HyperbandOracle(max_epochs=self.base.train.epochs,
                                            factor=HYPERBAND_FACTOR, **common)
        oracle.max_trials = self.max_trials  # a cap: Hyperband has no max_trials argument
        return oracle

    def run(self) -> TuneResult:
        """Run (or resume) the search, then write and return the ranked results."""
        import keras_tuner as kt

        tuner = engine_tuner_class()(self.oracle(), self, directory=str(self.output),
                                      project_name=PROJECT, overwrite=False)
        tuner.save()  # so an interruption during the first trial resumes too
        try:
            tuner.search(verbose=1 if self.base.runtime.verbose else 0)
        except kt.errors.FatalError as err:
            if tuner.stop_error is not None:
                raise tuner.stop_error from None
            raise TuneError(f"KerasTuner stopped the search: {last_line(str(err))}") from None
        except RuntimeError as err:
            if "consecutive failures" not in str(err):
                raise
            self.write_results(tuner.oracle)
            last = last_line(str(err))
            raise TuneError(
                f"stopped: {tuner.oracle.max_consecutive_failed_trials} trials in a row failed; "
                f"last error: {last} (see {self.output / TRIALS_JSON})"
            ) from None
        result = self.write_results(tuner.oracle)
        result.trained = self.fit_calls
        if result.best is None:
            raise TuneError(f"no trial completed; see the errors in {self.output / TRIALS_JSON}")
        return result

    # -- results ----------------------------------------------------------------
    def rows(self, oracle) -> List[Dict[str, Any]]:
        """One row per trial, ranked best first; trials that did not complete last."""
        rows = []
        for trial_id, trial in oracle.trials.items():
            values = trial.hyperparameters.values
            run_dir = self.trial_dir(trial_id)
            saved = _saved(run_dir)
            metrics = saved.metrics if saved is not None else {}
            history = len(saved.history) if saved is not None else 0
            completed = trial.status == "COMPLETED"
            row = {"rank": None, "trial_id": trial_id, "status": trial.status}
            row.update(self.trial_values(values))
            row[self.objective] = trial.score if completed else None
            row["epochs"] = history or values.get("tuner/epochs") or self.base.train.epochs
            row["wall_time_s"] = metrics.get("wall_time_s")
            row["run_dir"] = str(run_dir)
            row["error"] = None if completed else (last_line(trial.message or "") or None)
            rows.append(row)
        done = [r for r in rows if r["status"] == "COMPLETED" and r[self.objective] is not None]
        sign = -1 if self.direction == "max" else 1
        done.sort(key=lambda r: (sign * r[self.objective], int(r["trial_id"])))
        for rank, row in enumerate(done, 1):
            row["rank"] = rank
        rest = sorted((r for r in rows if r["rank"] is None), key=lambda r: int(r["trial_id"]))
        return done + rest

    def write_results(self, oracle) -> TuneResult:
        rows = self.rows(oracle)
        result = TuneResult(output=self.output, recipe=self.base.recipe, algorithm=self.algorithm,
                            objective=self.objective, direction=self.direction,
                            keys=list(self.params), rows=rows)
        with (self.output / TRIALS_CSV).open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=result.columns())
            writer.writeheader()
            writer.writerows(rows)
        best = result.best
        rundir.write_json(self.output / TRIALS_JSON, {
            "recipe": self.base.recipe, "algorithm": self.algorithm,
            "objective": self.objective, "direction": self.direction,
            "space": {k: p.spec for k, p in self.params.items()},
            "best_trial": best["trial_id"] if best else None, "trials": rows,
        })
        if best is not None:
            trial = oracle.trials[best["trial_id"]]
            cfg = self.trial_config(trial.hyperparameters.values)
            if self.smoke or self.data is not None:
                # As in a run's config.yaml: the data did not come from
                # data.source, so `recipes run --config` must not use it silently.
                cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, source=""))
            result.best_config = cfg
            config_lib.save(result.best_config, self.output / BEST_CONFIG)
        plot_objective(rows, self.objective, self.direction, self.output / OBJECTIVE_PLOT,
                        title=f"{self.base.recipe}: {self.algorithm} search")
        return result


def _comparable(cfg: dict) -> dict:
    """``cfg`` (nested) without the settings that are no part of a search."""
    left_out = [tuple(key.split(".")) for key in _NOT_PART_OF_SEARCH]
    return {section: ({k: v for k, v in values.items() if (section, k) not in left_out}
                      if isinstance(values, dict) else values)
            for section, values in cfg.items()}


def _saved(run_dir: Path) -> Optional[rundir.SavedRun]:
    """What a trial's run directory holds; None when there is none or it is unreadable."""
    try:
        return rundir.read_run(run_dir)
    except RunDirError:
        return None


def _finished_run(run_dir: Path, cfg) -> bool:
    """A run directory that holds a finished run of ``cfg`` (where its data came
    from aside: the engine blanks data.source when data is passed in)."""
    saved = _saved(run_dir)
    return (saved is not None and {rundir.METRICS, rundir.HISTORY} <= saved.files
            and _comparable(saved.config) == _comparable(config_lib.to_dict(cfg)))
