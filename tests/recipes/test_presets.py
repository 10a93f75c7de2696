"""Named recipe presets: resolved as data, shown, recorded in config.yaml,
overridden by --set, usable from --config and `recipes tune`."""

import dataclasses

import pytest
from click.testing import CliRunner

from keras_recipes import config as C
from keras_recipes.cli.main import cli
from keras_recipes.errors import ConfigError
from keras_recipes.registry import _REGISTRY, config_from_yaml, get_recipe, list_recipes

TOY_PRESET = {"train.lr": 0.0123, "model.filters": 6, "runtime.precision": "float32"}


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def toy_with_preset(toy_recipe, monkeypatch):
    monkeypatch.setitem(_REGISTRY, toy_recipe, dataclasses.replace(
        _REGISTRY[toy_recipe], presets={"quick": TOY_PRESET}))
    return toy_recipe


def test_every_builtin_preset_resolves_to_a_valid_config():
    presets = [(r, name) for r in list_recipes() for name in r.presets]
    assert ("cifar-resnet", "fast") in [(r.name, name) for r, name in presets]
    for recipe, name in presets:
        cfg = recipe.config(preset=name)
        assert cfg.preset == name and cfg.recipe == recipe.name
        for key, value in recipe.presets[name].items():
            section, field = key.split(".")
            assert getattr(getattr(cfg, section), field) == value


def test_fast_preset_is_data_and_scales_with_epochs():
    fast = get_recipe("cifar-resnet").config(preset="fast")
    assert fast.train.schedule == "cosine" and fast.train.warmup_fraction > 0
    assert fast.train.warmup_epochs == 0  # a fraction of the run, not absolute epochs
    # 5k of 50k held out: the run reports accuracy on images it never trained on.
    assert fast.data.val_fraction == 0.1
    # Measured choices (module docstring): 2-pixel shifts, test-time flip averaging.
    assert fast.augment.preset == "cifar" and fast.augment.pad == 2
    assert fast.augment.test_time == "flip"
    assert get_recipe("cifar-resnet").config().train.schedule == "step"  # the paper stays default


def test_list_and_show_name_the_presets(runner, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # the wide table, one line per recipe
    listed = runner.invoke(cli, ["list"])
    assert listed.exit_code == 0 and "presets" in listed.output.splitlines()[0]
    row = next(line for line in listed.output.splitlines() if line.startswith("cifar-resnet"))
    assert " fast, tiny " in row
    shown = runner.invoke(cli, ["show", "cifar-resnet"])
    assert shown.exit_code == 0
    assert "#   fast: train.epochs=30, train.schedule=cosine" in shown.output
    assert "preset: null" in shown.output


def test_set_wins_over_preset_in_either_order(runner):
    for args in (["--preset", "fast", "--set", "train.lr=0.05"],
                 ["--set", "train.lr=0.05", "--preset", "fast"]):
        shown = runner.invoke(cli, ["show", "cifar-resnet", *args])
        assert shown.exit_code == 0, shown.output
        assert "preset: fast" in shown.output and "  lr: 0.05" in shown.output
        assert "schedule: cosine" in shown.output


def test_unknown_preset_is_one_line_with_a_suggestion(runner):
    result = runner.invoke(cli, ["show", "cifar-resnet", "--preset", "fsat"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert result.output.strip().splitlines() == [
        "Error: unknown preset 'fsat' for recipe cifar-resnet; did you mean `fast`?; "
        "presets of cifar-resnet: fast, tiny"]


def test_preset_round_trips_through_config_yaml(tmp_path):
    cfg = C.apply_overrides(get_recipe("cifar-resnet").config(preset="fast"), ["train.epochs=3"])
    C.save(cfg, tmp_path / "config.yaml")
    assert config_from_yaml(tmp_path / "config.yaml") == cfg
    # A hand-written two-line file names the preset; its own keys go on top.
    (tmp_path / "short.yaml").write_text("recipe: cifar-resnet\npreset: fast\ntrain:\n  epochs: 3\n")
    assert config_from_yaml(tmp_path / "short.yaml") == cfg
    (tmp_path / "bad.yaml").write_text("recipe: cifar-resnet\npreset: slow\n")
    with pytest.raises(ConfigError, match="unknown preset 'slow'"):
        config_from_yaml(tmp_path / "bad.yaml")


def test_config_file_with_preset_option(runner, tmp_path):
    (tmp_path / "c.yaml").write_text("recipe: cifar-resnet\ntrain:\n  batch_size: 64\n")
    shown = runner.invoke(cli, ["show", "--config", str(tmp_path / "c.yaml"), "--preset", "fast"])
    assert shown.exit_code == 0, shown.output
    assert "preset: fast" in shown.output and "batch_size: 64" in shown.output


def test_run_records_the_preset_and_its_config_reproduces_it(runner, toy_with_preset, tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(cli, ["run", toy_with_preset, "--preset", "quick", "--epochs", "1",
                                 "--smoke", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    saved = config_from_yaml(out / "config.yaml")
    assert saved.preset == "quick" and saved.train.lr == 0.0123 and saved.model.filters == 6
    assert saved == get_recipe(toy_with_preset).with_preset(saved, "quick")


def test_tune_takes_a_preset(runner, toy_with_preset, tmp_path):
    out = tmp_path / "search"
    result = runner.invoke(cli, ["tune", toy_with_preset, "--preset", "quick", "--smoke", "-q",
                                 "--max-trials", "1", "--epochs", "1", "--output", str(out),
                                 "--space", "train.momentum=uniform(0.8, 0.9)"])
    assert result.exit_code == 0, result.output
    best = config_from_yaml(out / "best_config.yaml")
    assert best.preset == "quick" and best.train.lr == 0.0123 and best.model.filters == 6


def test_warmup_fraction_is_a_share_of_all_steps():
    from keras_recipes.training.optimizers import make_schedule

    for epochs in (3, 30):
        train = C.TrainConfig(epochs=epochs, lr=0.2, schedule="cosine", warmup_fraction=0.1)
        schedule = make_schedule(train, steps_per_epoch=100)
        peak = epochs * 10  # 10% of epochs * 100 steps
        assert float(schedule(0)) < 0.01 and float(schedule(peak)) == pytest.approx(0.2, rel=1e-3)
        assert float(schedule(peak // 2)) == pytest.approx(0.1, rel=0.05)
    with pytest.raises(ConfigError, match="warmup_fraction"):
        C.apply_overrides(get_recipe("cifar-resnet").config(), ["train.warmup_fraction=1.5"])


def test_a_run_without_validation_split_keeps_its_final_weights(toy_recipe, tmp_path, capsys):
    """What data.val_fraction=0 does on data without a test split: no best checkpoint to
    pick, monitor and early stopping are skipped, and the headline is the final epoch."""
    from keras_recipes import rundir
    from keras_recipes.cli.train_commands import report
    from keras_recipes.training.trainer import run
    from tests_support.toy_data import toy_images

    cfg = C.apply_overrides(get_recipe(toy_recipe).config(), [
        "runtime.verbose=0", "runtime.precision=float32", "data.val_fraction=0",
        "train.ema=true", "train.early_stopping_patience=1", "train.warmup_fraction=0.5",
        "train.schedule=cosine"])
    metrics = run(cfg, tmp_path / "run", data=toy_images())
    assert metrics["epochs"] == 2 and "best" not in metrics
    assert "val_accuracy" not in metrics["final"] and metrics["final"]["accuracy"] >= 0
    assert (tmp_path / "run" / rundir.FINAL_MODEL).is_file()
    assert not (tmp_path / "run" / rundir.BEST_MODEL).exists()
    report(metrics)
    assert "final train accuracy" in capsys.readouterr().out


def test_the_cifar_recipes_share_the_fast_schedule():
    """`--preset fast --epochs N` compares like with like across the course's CIFAR recipes."""
    from keras_recipes.registry import get_recipe

    schedules = []
    for name in ("cifar-resnet", "cifar-plain", "cifar-vgg"):
        fast = get_recipe(name).presets["fast"]
        schedules.append({k: v for k, v in fast.items() if not k.startswith("model.")})
    assert schedules[0] == schedules[1] == schedules[2]
    assert schedules[0]["train.schedule"] == "cosine"
