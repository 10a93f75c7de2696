"""Every config value is checked when the config is resolved: a bad value is
one line, exit code 2, before TensorFlow or any data loads; `recipes show`
reports the same error."""

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from keras_recipes import config as C
from keras_recipes.cli.main import cli
from keras_recipes.errors import ConfigError
from keras_recipes.registry import get_recipe

BAD = [
    (["--set", "train.batch_size=0"], "`train.batch_size` must be > 0; received 0"),
    (["--set", "train.batch_size=-5"], "`train.batch_size` must be > 0; received -5"),
    (["--set", "model.depth=21"], "`model.depth` must be 6n+2"),
    (["--set", "train.lr=-1"], "`train.lr` must be > 0; received -1.0"),
    (["--epochs", "0"], "`train.epochs` must be >= 1; received 0"),
    (["--set", "data.val_fraction=1"], "`data.val_fraction` must be in [0, 1)"),
    (["--set", "model.version=3"], "`model.version` must be one of 1, 2"),
    (["--set", "data.mean=[1,2]"], "`data.mean` must be empty or 3 value(s)"),
]


@pytest.mark.parametrize("args,message", BAD)
def test_bad_value_fails_before_the_data_loads(args, message, monkeypatch, tmp_path):
    import keras_recipes.training.trainer as trainer

    def no_training(*a, **k):
        raise AssertionError("the run started: the bad value was not caught first")

    monkeypatch.setattr(trainer, "run", no_training)
    data = tmp_path / "data"
    data.mkdir()
    result = CliRunner().invoke(cli, ["run", "cifar-resnet", "--data", str(data), "--preset", "fast",
                                      *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("args,message", BAD[:4])
def test_show_reports_the_same_errors(args, message):
    result = CliRunner().invoke(cli, ["show", "cifar-resnet", *args])
    assert result.exit_code == 2 and message in result.output


def test_a_bad_value_fails_in_under_a_second_without_tensorflow(tmp_path):
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c",
         "import sys; from keras_recipes.cli.main import main; sys.argv = ['recipes', 'run', "
         "'cifar-resnet', '--data', sys.argv[1], '--set', 'model.depth=21']\n"
         "try:\n    main()\nfinally:\n    assert 'tensorflow' not in sys.modules",
         str(tmp_path)], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "Error: config key `model.depth` must be 6n+2 (20, 32, 44, 56, 110, ...); received 21"]
    assert elapsed < 3.0  # < 1 s unloaded; margin for a shared CI machine


def test_every_builtin_recipe_and_preset_passes_its_own_checks():
    from keras_recipes.registry import list_recipes

    for recipe in list_recipes():
        for preset in [None, *recipe.presets]:
            C.merge(recipe.config(preset))


def test_optional_keys_may_stay_unset():
    cfg = C.apply_overrides(get_recipe("cifar-resnet").config(), ["train.clipnorm=null"])
    assert cfg.train.clipnorm is None
    with pytest.raises(ConfigError, match="`train.clipnorm` must be > 0"):
        C.apply_overrides(cfg, ["train.clipnorm=0"])


@pytest.mark.parametrize("recipe,override,message", [
    ("cifar-vgg", "model.depth=12", "`model.depth` must be one of 11, 13, 16, 19; received 12"),
    ("imdb-lstm", "model.pooling=mean", "`model.pooling` must be one of last, avg, max, avg_max"),
    ("shakespeare-char", "model.cell=rnn", "`model.cell` must be one of lstm, gru"),
    ("mnist-cnn", "model.dropout=1.5", "`model.dropout` must be in [0, 1); received 1.5"),
    ("mnist-vae", "model.filters=[32,0]", "`model.filters` must be a list of integers > 0"),
    ("imdb-lstm", "model.units=0", "`model.units` must be > 0; received 0"),
])
def test_every_recipes_model_settings_are_checked_too(recipe, override, message):
    with pytest.raises(ConfigError) as err:
        C.apply_overrides(get_recipe(recipe).config(), [override])
    assert message in str(err.value)
    assert C.apply_overrides(get_recipe("mnist-vae").config(), ["model.importance_samples=0"])


def test_a_model_setting_out_of_range_fails_one_trial_not_the_search():
    """It is a ModelBuildError (a TrialError): `recipes tune` records the trial as failed."""
    from keras_recipes.errors import ModelBuildError, TrialError
    from keras_recipes.tuning.space import apply_values, parse_param

    with pytest.raises(ModelBuildError):
        apply_values(get_recipe("cifar-resnet").config(), {"model.depth": 21})
    assert issubclass(ModelBuildError, TrialError)
    parse_param("model.depth", "int(20, 60)", get_recipe("cifar-resnet").config())  # 60: a failed trial
    with pytest.raises(ConfigError, match="train.lr"):
        parse_param("train.lr", "uniform(-1, 0.1)", get_recipe("cifar-resnet").config())
