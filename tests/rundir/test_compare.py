"""`recipes compare` / `keras_recipes.compare`: finished runs side by side,
checked on small real runs (two recipes, two lengths)."""

import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import keras_recipes as kr
from keras_recipes import rundir
from keras_recipes.cli.main import cli
from keras_recipes.rundir import comparison, plots
from tests_support.cli_asserts import one_line_error
from tests_support.serving_runs import train
from tests_support.toy_data import toy_images

FLOAT32 = ["runtime.precision=float32"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """runs/toy-short (1 epoch), runs/toy-long (3 epochs, another lr) and
    runs/plain (cifar-plain, 1 epoch), all trained for real on toy images."""
    root = tmp_path_factory.mktemp("compare") / "runs"
    data = toy_images(48)
    train(root / "toy-short", "toy-cnn", FLOAT32, data=data)
    train(root / "toy-long", "toy-cnn", [*FLOAT32, "train.epochs=3", "train.lr=0.1"], data=data)
    train(root / "plain", "cifar-plain",
          [*FLOAT32, "model.depth=8", "model.width=4", "data.image_size=8", "train.batch_size=16"],
          data=data)
    return root


def test_compares_runs_of_different_recipes_and_lengths(runs, tmp_path):
    paths = [runs / "toy-short", runs / "toy-long", runs / "plain"]
    result = kr.compare(paths, output=tmp_path / "out")
    assert kr.compare is comparison.compare  # the lazy export
    assert {"train.lr", "train.epochs", "model.depth", "model.filters"} <= set(result.keys)
    assert "recipe" not in result.keys and "train.optimizer" not in result.keys  # same in all
    rows = {row[0]: dict(zip(result.headers, row)) for row in result.rows}
    assert [rows[p.name]["recipe"] for p in paths] == ["toy-cnn", "toy-cnn", "cifar-plain"]
    assert [rows[p.name]["epochs"] for p in paths] == [1, 3, 1]
    assert rows["toy-long"]["train.lr"] == 0.1 and rows["plain"]["model.filters"] is None
    for path in paths:
        history = plots.read_history(path / rundir.HISTORY)
        metrics = rundir.read_json(path / rundir.METRICS)
        row = rows[path.name]
        assert row["final loss"] == history[-1]["loss"]
        assert row["final error"] == pytest.approx(1 - history[-1]["accuracy"])
        assert row["best val_error"] == pytest.approx(1 - max(r["val_accuracy"] for r in history))
        assert row["wall time (s)"] == metrics["wall_time_s"]
        assert row["examples/s"] == metrics["train_examples_per_s"]
    markdown = (tmp_path / "out" / comparison.MARKDOWN).read_text()
    assert "| run | recipe |" in markdown and "| toy-long | toy-cnn |" in markdown
    assert f"]({comparison.PLOT})" in markdown and "`train.lr`" in markdown
    with Image.open(result.plot) as image:  # a real PNG with two panels side by side
        assert image.format == "PNG" and image.size[0] > 1.5 * image.size[1]
        assert np.asarray(image.convert("L")).std() > 10  # something is drawn


def test_cli_expands_globs_and_takes_a_metric(runs, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    result = CliRunner().invoke(cli, ["compare", str(runs / "toy-*"), "--output", str(tmp_path / "o"),
                                      "--metric", "accuracy"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:2] == ["run", "recipe"] and "final val_accuracy" in lines[0]
    assert sorted(line.split()[0] for line in lines[2:4]) == ["toy-long", "toy-short"]
    assert "plain" not in result.output.split("wrote")[0]
    assert (tmp_path / "o" / comparison.PLOT).is_file()
    assert (tmp_path / "o" / comparison.MARKDOWN).is_file()


def test_the_table_fits_the_terminal_width(runs, tmp_path, monkeypatch):
    """COLUMNS=80: a column per run, a row per setting or metric, every line <= 80."""
    monkeypatch.setenv("COLUMNS", "80")
    paths = [str(runs / name) for name in ("toy-short", "toy-long", "plain")]
    result = CliRunner().invoke(cli, ["compare", *paths, "--output", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    table = result.output.split("\nwrote")[0].splitlines()
    assert max(len(line) for line in table) <= 80
    assert table[0].split() == ["run", "toy-short", "toy-long", "plain"]
    best = next(line for line in table if line.startswith("best val_error"))
    assert len(best.split()) == 2 + 3  # a value for every run
    wide = kr.compare(paths, output=tmp_path / "o").table()
    assert max(len(line) for line in wide.splitlines()) > 80  # so the narrow form was needed


def test_default_output_is_a_new_timestamped_folder(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = comparison.compare([runs / "toy-short"])
    assert result.output.name.startswith("compare-")
    assert [p.name for p in tmp_path.iterdir()] == [result.output.name]  # in the current folder
    assert (tmp_path / result.output.name / comparison.MARKDOWN).is_file()
    assert result.keys == []  # one run: nothing differs


def test_unfinished_or_missing_runs_are_one_line_errors_with_exit_code_2(runs, tmp_path):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(runs / "toy-short", unfinished)
    (unfinished / rundir.METRICS).unlink()
    (tmp_path / "not-a-run").mkdir()
    cases = [
        ([str(runs / "toy-short"), str(unfinished)], f"{unfinished} is not a finished run (no metrics.json)"),
        ([str(tmp_path / "not-a-run")], "is not a run directory (no config.yaml)"),
        ([str(tmp_path / "nothing-*")], "no run directory matches"),
        ([str(tmp_path / "missing")], "run directory not found"),
    ]
    for args, message in cases:
        result = CliRunner().invoke(cli, ["compare", *args, "-o", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        assert message in one_line_error(result)
