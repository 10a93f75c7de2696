"""`recipes tune` / `keras_recipes.tune`: search spaces, the three KerasTuner
algorithms over engine runs, ranked results, the best config, resuming."""

import csv
import dataclasses
import json

import pytest
from click.testing import CliRunner

import keras_recipes as kr
from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.cli.main import cli
from keras_recipes.registry import _REGISTRY, get_recipe
from keras_recipes.training.trainer import Trainer
from keras_recipes.tuning.search import Search, TuneError
from keras_recipes.tuning.space import SearchSpaceError, parse_space, space_from_options
from tests_support.toy_data import toy_images

SPACE = {"train.lr": "loguniform(0.01, 0.2)", "model.filters": "choice(4, 8)"}


@pytest.fixture
def fits(monkeypatch):
    """Counts Trainer.fit calls; ``fits.hook(n)`` runs before the n-th call."""
    real_fit = Trainer.fit

    class Counter:
        calls = 0
        hooks = {}

        def hook(self, n, fn):
            self.hooks[n] = fn

    counter = Counter()

    def fit(trainer):
        counter.calls += 1
        hook = counter.hooks.pop(counter.calls, None)
        if hook is not None:
            return hook(trainer, lambda: real_fit(trainer))
        return real_fit(trainer)

    monkeypatch.setattr(Trainer, "fit", fit)
    return counter


def tune_toy(toy_recipe, output, **kwargs):
    kwargs.setdefault("space", SPACE)
    kwargs.setdefault("epochs", 1)
    # data.source is unused (the arrays are): a finished trial is still recognised
    # as such, and best_config.yaml does not point at that source.
    return kr.tune(toy_recipe, output=output, data=toy_images(),
                   overrides=["runtime.verbose=0", "data.source=unused/folder"], **kwargs)


def check_results(result, output, n_trials):
    """The table, trials.csv / .json and best_config.yaml agree and lie in SPACE."""
    assert [r["rank"] for r in result.rows] == list(range(1, n_trials + 1))
    scores = [r["val_accuracy"] for r in result.rows]
    assert scores == sorted(scores, reverse=True)
    for row in result.rows:
        assert 0.01 <= row["train.lr"] <= 0.2 and row["model.filters"] in (4, 8)
        assert row["status"] == "COMPLETED" and row["wall_time_s"] > 0
        assert (output / "trials" / row["trial_id"] / rundir.METRICS).is_file()
    with (output / "trials.csv").open() as f:
        saved = list(csv.DictReader(f))
    assert [r["trial_id"] for r in saved] == [r["trial_id"] for r in result.rows]
    assert {"rank", "train.lr", "model.filters", "val_accuracy", "epochs",
            "wall_time_s"} <= set(saved[0])
    report = json.loads((output / "trials.json").read_text())
    assert report["best_trial"] == result.rows[0]["trial_id"] and len(report["trials"]) == n_trials
    assert (output / "objective.png").stat().st_size > 0
    table = result.table().splitlines()
    assert table[0].split()[:4] == ["rank", "trial", "status", "train.lr"]
    assert len(table) == n_trials + 2
    # The best config is a full config `recipes run --config` takes; it holds the best values.
    best = C.load(output / "best_config.yaml", get_recipe(result.recipe).config())
    assert best.recipe == result.recipe
    assert best.train.lr == pytest.approx(result.rows[0]["train.lr"])
    assert best.model.filters == result.rows[0]["model.filters"]
    assert best == result.best_config and best.data.source == ""
    return best


# -- search spaces ------------------------------------------------------------

def test_space_specs_map_to_typed_values(toy_recipe):
    base = get_recipe(toy_recipe).config()
    space = parse_space({
        "train.lr": "choice(0.1, 1)",  # a float key: 1 becomes 1.0
        "model.filters": "int(4, 16, 4)",
        "train.momentum": "uniform(0.8, 0.99)",
        "train.weight_decay": "loguniform(1e-5, 1e-3)",
        "augment.mix": "choice(null, mixup)",  # mixed types: KerasTuner gets YAML text
        "augment.preset": "choice(cifar, 'strong')",
    }, base)
    assert space["train.lr"].values == (0.1, 1.0)
    assert isinstance(space["train.lr"].values[1], float)
    p = space["model.filters"]
    assert (p.kind, p.low, p.high, p.step) == ("int", 4, 16, 4)
    assert space["train.weight_decay"].low == pytest.approx(1e-5)
    mix = space["augment.mix"]
    assert mix.values == (None, "mixup") and mix.tokens == ("null", '"mixup"')
    assert mix.to_config_value("null") is None
    assert space["augment.preset"].tokens == ("cifar", "strong")

    hp = Search(base=base, params=space, algorithm="random", max_trials=1,
                objective="val_accuracy", output=None).hyperparameters()
    kinds = {p.name: (type(p).__name__, getattr(p, "sampling", None)) for p in hp.space}
    assert kinds["train.lr"][0] == "Choice" and kinds["model.filters"][0] == "Int"
    assert kinds["train.momentum"] == ("Float", "linear")
    assert kinds["train.weight_decay"] == ("Float", "log")


def test_space_file_and_space_options(toy_recipe, tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text("train:\n  lr: loguniform(1e-3, 1e-1)\nmodel.filters: choice(4, 8)\n")
    entries = space_from_options(["model.filters=choice(8, 16)"], path)
    assert entries == {"train.lr": "loguniform(1e-3, 1e-1)", "model.filters": "choice(8, 16)"}
    space = parse_space(entries, get_recipe(toy_recipe).config())
    assert space["model.filters"].values == (8, 16)
    (tmp_path / "list.yaml").write_text("- a\n")
    with pytest.raises(SearchSpaceError, match="must map config keys to specs"):
        space_from_options((), tmp_path / "list.yaml")


def test_keras_recipes_tune_stays_the_function():
    import keras_recipes.tuning.search  # noqa: F401  (importing the module must not shadow it)

    assert callable(kr.tune) and kr.tune.__name__ == "tune" and "tune" in kr.__all__


# -- the three algorithms -----------------------------------------------------

def test_random_search_ranks_trials_and_resumes(toy_recipe, tmp_path, fits, monkeypatch):
    """Two trials; then max_trials=3, interrupted twice in trial 2 (before it
    trains, leaving a partial run directory; after it trains, before it is
    recorded); the reruns train trial 2 once and never rerun trials 0 and 1."""
    import keras

    clears = []
    real_clear = keras.backend.clear_session
    monkeypatch.setattr(keras.backend, "clear_session",
                        lambda *a, **k: (clears.append(1), real_clear(*a, **k)))
    out = tmp_path / "search"

    first = tune_toy(toy_recipe, out, max_trials=2)
    assert fits.calls == 2 and first.trained == 2 and len(clears) >= 2
    check_results(first, out, 2)

    def crash_before_training(trainer, fit):
        (trainer.run_dir / rundir.CONFIG).write_text("partial")
        raise KeyboardInterrupt

    def crash_after_training(trainer, fit):
        fit()
        raise KeyboardInterrupt

    fits.hook(3, crash_before_training)
    with pytest.raises(KeyboardInterrupt):
        tune_toy(toy_recipe, out, max_trials=3)
    fits.hook(4, crash_after_training)
    with pytest.raises(KeyboardInterrupt):
        tune_toy(toy_recipe, out, max_trials=3)  # the partial run directory is overwritten
    assert (out / "trials" / "2" / rundir.METRICS).is_file()

    result = tune_toy(toy_recipe, out, max_trials=3)  # trial 2 is taken from its run directory
    assert fits.calls == 4 and result.trained == 0
    assert sorted(r["trial_id"] for r in result.rows) == ["0", "1", "2"]
    assert sorted(p.name for p in (out / "trials").iterdir()) == ["0", "1", "2"]
    check_results(result, out, 3)
    again = tune_toy(toy_recipe, out, max_trials=3)
    assert fits.calls == 4 and again.rows == result.rows


def test_bayesian_search(toy_recipe, tmp_path, fits):
    pytest.importorskip("sklearn")
    result = tune_toy(toy_recipe, tmp_path / "s", algorithm="bayesian", max_trials=3)
    assert fits.calls == 3
    check_results(result, tmp_path / "s", 3)


def test_hyperband_trains_each_trial_for_its_budget(toy_recipe, tmp_path, fits):
    """max_epochs=3, factor 3: three 1-epoch trials, then the best one again for
    3 epochs (from scratch, so its schedule spans the whole run)."""
    out = tmp_path / "s"
    result = tune_toy(toy_recipe, out, algorithm="hyperband", max_trials=4, epochs=3)
    assert fits.calls == 4
    by_id = {r["trial_id"]: r for r in result.rows}
    assert [by_id[i]["epochs"] for i in "0123"] == [1, 1, 1, 3]
    saved = C.load(out / "trials" / "3" / rundir.CONFIG, get_recipe(toy_recipe).config())
    assert saved.train.epochs == 3
    promoted = max((by_id[i] for i in "012"), key=lambda r: (r["val_accuracy"], -int(r["trial_id"])))
    assert by_id["3"]["train.lr"] == promoted["train.lr"]
    best = check_results(result, out, 4)
    assert best.train.epochs == result.rows[0]["epochs"]


def test_failing_trials_are_recorded_not_fatal(toy_recipe, tmp_path, fits):
    # filters=0 cannot build (refused when the trial's config resolves); the
    # space has one point, so the search ends after it.
    with pytest.raises(TuneError, match="no trial completed"):
        tune_toy(toy_recipe, tmp_path / "s", space={"model.filters": "choice(0)"}, max_trials=2)
    report = json.loads((tmp_path / "s" / "trials.json").read_text())
    assert [t["status"] for t in report["trials"]] == ["FAILED"]
    assert report["trials"][0]["error"].startswith("config key `model.filters` must be > 0; received 0")
    # KerasTuner stops after 3 failures in a row: a one-line error, results kept.
    space = {"model.filters": "choice(0)", "train.lr": "uniform(0.1, 0.2)"}
    with pytest.raises(TuneError, match="3 trials in a row failed; last error: config key `model.filters`"):
        tune_toy(toy_recipe, tmp_path / "t", space=space, max_trials=5)
    report = json.loads((tmp_path / "t" / "trials.json").read_text())
    assert [t["status"] for t in report["trials"]] == ["FAILED"] * 3


def test_a_different_search_in_output_is_refused(toy_recipe, tmp_path):
    Search.plan(toy_recipe, space=SPACE, data=toy_images(), output=tmp_path).prepare_output()
    with pytest.raises(TuneError, match=r"different search \(changed: space\).*--overwrite"):
        Search.plan(toy_recipe, space={"train.lr": "uniform(0.01, 0.2)"}, data=toy_images(),
                    output=tmp_path).prepare_output()
    with pytest.raises(TuneError, match=r"changed: algorithm"):
        Search.plan(toy_recipe, space=SPACE, algorithm="hyperband", data=toy_images(),
                    output=tmp_path).prepare_output()
    Search.plan(toy_recipe, space={"train.lr": "uniform(0.01, 0.2)"}, data=toy_images(),
                output=tmp_path).prepare_output(overwrite=True)


# -- the command line ---------------------------------------------------------

def test_cli_tunes_with_the_recipes_default_space(toy_recipe, tmp_path, monkeypatch, fits):
    monkeypatch.setitem(_REGISTRY, toy_recipe, dataclasses.replace(
        _REGISTRY[toy_recipe], search_space={"train.lr": "loguniform(0.01, 0.2)",
                                             "model.filters": "choice(4, 8)"}))
    out = tmp_path / "search"
    result = CliRunner().invoke(cli, ["tune", toy_recipe, "--smoke", "-q", "--max-trials", "2",
                                      "--epochs", "1", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert fits.calls == 2
    assert "train.lr" in result.output and "best config:" in result.output
    assert f"recipes run --config {out / 'best_config.yaml'}" in result.output
    shown = CliRunner().invoke(cli, ["show", "--config", str(out / "best_config.yaml")])
    assert shown.exit_code == 0, shown.output
    assert f"recipe: {toy_recipe}" in shown.output and "epochs: 1" in shown.output
    best = C.load(out / "best_config.yaml", get_recipe(toy_recipe).config())
    assert 0.01 <= best.train.lr <= 0.2 and best.model.filters in (4, 8)


@pytest.mark.parametrize("args, message", [
    (["--space", "train.lrr=loguniform(0.01, 0.1)"],
     "unknown config key `train.lrr`; did you mean `train.lr`?"),
    (["--space", "train.lr=logunifrm(0.01, 0.1)"], "unknown distribution `logunifrm`"),
    (["--space", "train.lr=loguniform(0.01"], "expected choice(a, b, ...)"),
    (["--space", "train.lr=uniform(0.01)"], "uniform() takes (lo, hi)"),
    (["--space", "model.filters=choice()"], "choice() needs at least one value"),
    (["--space", "model.filters=choice(4, many)"], "`model.filters` expects int, received 'many'"),
    (["--space", "train.lr=uniform(0.2, 0.1)"], "needs lo < hi"),
    (["--space", "train.lr=loguniform(0, 0.1)"], "loguniform needs lo > 0"),
    (["--space", "model.filters=uniform(2, 8)"], "search it with int(lo, hi)"),
    (["--space", "train.optimizer=choice(sgd, adamx)"], "did you mean `adam`?"),
    (["--space", "train.lr=0.1"], "use --set for a fixed value"),
    (["--space", "train.epochs=int(1, 3)", "-a", "hyperband"], "hyperband sets train.epochs"),
    (["--objective", "val_acc", "--space", "train.lr=uniform(0.1, 0.2)"],
     "did you mean `val_accuracy`?"),
    ([], "declares no search space"),
])
def test_cli_rejects_invalid_spaces_before_training(toy_recipe, tmp_path, fits, args, message):
    result = CliRunner().invoke(cli, ["tune", toy_recipe, "--smoke", "-o", str(tmp_path / "s"), *args])
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert message in lines[0]
    assert "Traceback" not in result.output and fits.calls == 0


def test_cli_lists_the_algorithms_of_an_unknown_one(toy_recipe, tmp_path, fits):
    result = CliRunner().invoke(cli, ["tune", toy_recipe, "--smoke", "-a", "randm",
                                      "--space", "train.lr=uniform(0.1, 0.2)"])
    assert result.exit_code == 2 and fits.calls == 0
    assert "'randm' is not one of 'random', 'bayesian', 'hyperband'" in result.output


def test_python_api_names_an_unknown_algorithm(toy_recipe):
    with pytest.raises(kr.ConfigError, match="unknown algorithm .randm."):
        Search.plan(toy_recipe, space={"train.lr": "uniform(0.1, 0.2)"}, algorithm="randm")


def test_cli_needs_data_without_smoke(toy_recipe, tmp_path):
    result = CliRunner().invoke(cli, ["tune", toy_recipe, "--space", "train.lr=uniform(0.1, 0.2)",
                                      "-o", str(tmp_path / "s")])
    assert result.exit_code != 0 and "pass --data" in result.output
