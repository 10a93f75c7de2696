"""`read_run`: the one reader of what a run directory holds."""

import pytest

from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.errors import RunDirError
from keras_recipes.registry import get_recipe


def _write_run(path, *, finished=True, **overrides):
    cfg = C.apply_overrides(get_recipe("imdb-lstm").config(),
                            [f"{k}={v}" for k, v in overrides.items()])
    path.mkdir()
    C.save(cfg, path / rundir.CONFIG)
    rundir.write_json(path / rundir.CLASS_NAMES, ["neg", "pos"])
    rundir.write_vocabulary(path, ["", "[UNK]", "the", "movie"])
    rundir.write_json(path / rundir.ENVIRONMENT, {"precision": "float32"})
    (path / rundir.HISTORY).write_text("epoch,loss,val_loss\n0,0.9,NA\n1,0.5,0.6\n")
    if finished:
        rundir.write_json(path / rundir.METRICS, {"recipe": cfg.recipe, "epochs": 2})
    return cfg


def test_a_finished_run_is_read_whole(tmp_path):
    cfg = _write_run(tmp_path / "r", **{"train.lr": 0.05})
    run = rundir.read_run(tmp_path / "r")
    assert run.finished and not run.diverged and run.recipe == "imdb-lstm"
    assert run.class_names == ["neg", "pos"] and run.vocabulary == ["the", "movie"]
    assert run.history == [{"epoch": 0, "loss": 0.9}, {"epoch": 1, "loss": 0.5, "val_loss": 0.6}]
    assert run.environment == {"precision": "float32"} and run.metrics["epochs"] == 2
    assert run.flat_config()["train.lr"] == 0.05 and run.config["train"]["lr"] == 0.05
    # Resolved on the recipe's defaults, with overrides on top (how resume reads it).
    assert run.resolve() == cfg
    assert run.resolve(["runtime.verbose=2"]).runtime.verbose == 2
    assert run.data_config() == cfg.data


def test_what_a_run_has_not_written_is_empty(tmp_path):
    _write_run(tmp_path / "r", finished=False)
    (tmp_path / "r" / rundir.VOCABULARY).unlink()
    run = rundir.read_run(tmp_path / "r")
    assert not run.finished and run.metrics == {} and run.vocabulary is None
    bare = tmp_path / "bare"
    bare.mkdir()
    run = rundir.read_run(bare)
    assert run.config == {} and run.files == frozenset() and run.class_names is None
    assert run.data_config() == C.DataConfig()  # the defaults
    with pytest.raises(RunDirError, match="no config.yaml"):
        run.resolve()


def test_a_diverged_run_is_not_finished(tmp_path):
    _write_run(tmp_path / "r")
    rundir.write_json(tmp_path / "r" / rundir.METRICS, {"diverged": True, "epochs": 1})
    run = rundir.read_run(tmp_path / "r")
    assert run.diverged and not run.finished


def test_unreadable_runs_are_one_line_errors(tmp_path):
    with pytest.raises(RunDirError, match="run directory not found"):
        rundir.read_run(tmp_path / "missing")
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / rundir.CONFIG).write_text("- a list\n- not a config\n")
    with pytest.raises(RunDirError, match="not a mapping"):
        rundir.read_run(tmp_path / "r")
    (tmp_path / "r" / rundir.CONFIG).write_text("train: {lr: [unclosed\n")
    with pytest.raises(RunDirError, match="cannot read config file"):
        rundir.read_run(tmp_path / "r")


def test_a_recipes_own_data_keys_are_left_out_of_the_data_section(tmp_path):
    """A run of a recipe this process does not know still yields its data
    section (a user's own classifier still serves)."""
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / rundir.CONFIG).write_text(
        "recipe: someone-elses\ndata:\n  source: /data/x\n  binarize: stochastic\n  image_size: 28\n")
    data = rundir.read_run(tmp_path / "r").data_config()
    assert (data.source, data.image_size, data.kind) == ("/data/x", 28, "image")
