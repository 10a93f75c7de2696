"""Run directories never overwrite a user's files by accident."""

import pytest

from keras_recipes import rundir
from keras_recipes.errors import RunDirError


def test_default_name_has_recipe_and_utc_stamp():
    path = rundir.default_run_dir("cifar-resnet", root="runs")
    assert path.parent.name == "runs" and path.name.startswith("cifar-resnet-")
    assert path.name.endswith("Z")


def test_refuses_non_empty_dir_without_overwrite(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(RunDirError, match="not empty.*--overwrite"):
        rundir.prepare(tmp_path)


def test_the_refusal_says_what_the_folder_holds(tmp_path):
    """Only an unfinished run (one with a backup) is offered `recipes resume`."""
    (tmp_path / rundir.METRICS).write_text("{}")
    with pytest.raises(RunDirError) as finished:
        rundir.prepare(tmp_path)
    assert "holds a finished run" in str(finished.value) and "resume" not in str(finished.value)
    (tmp_path / rundir.METRICS).unlink()
    (tmp_path / rundir.BACKUP).mkdir()
    (tmp_path / rundir.BACKUP / "training_metadata.json").write_text("{}")
    with pytest.raises(RunDirError, match=f"unfinished run; `recipes resume {tmp_path}` continues"):
        rundir.prepare(tmp_path)


def test_overwrite_replaces_run_files_only(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / rundir.METRICS).write_text("{}")
    (tmp_path / rundir.BACKUP).mkdir()
    rundir.prepare(tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not (tmp_path / rundir.METRICS).exists() and not (tmp_path / rundir.BACKUP).exists()


def test_require_and_json(tmp_path):
    with pytest.raises(RunDirError, match="not found"):
        rundir.require(tmp_path / "nope")
    with pytest.raises(RunDirError, match="not a run directory"):
        rundir.require(tmp_path)
    rundir.write_json(tmp_path / "m.json", {"a": 1})
    assert rundir.read_json(tmp_path / "m.json") == {"a": 1}
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(RunDirError, match="corrupt"):
        rundir.read_json(tmp_path / "bad.json")
