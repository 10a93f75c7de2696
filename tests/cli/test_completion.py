"""Shell completion (click's, as `_RECIPES_COMPLETE=bash_source recipes` sets
it up): recipe names, run directories, and the choices of closed options."""

import pytest
from click.testing import CliRunner

from keras_recipes import rundir
from keras_recipes.cli.main import cli


def complete(words: str, shell: str = "bash") -> list:
    """What the shell gets for the command line ``words`` (TAB after its last word)."""
    cword = len(words.split()) - (0 if words.endswith(" ") else 1)
    env = {"_RECIPES_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    result = CliRunner().invoke(cli, [], prog_name="recipes", env=env)
    assert result.exit_code == 0, result.output
    return [line.split(",", 1) for line in result.output.splitlines()]


def test_recipe_names_complete():
    got = complete("recipes run cifar-")
    assert ["plain", "cifar-resnet"] in got
    assert all(value.startswith("cifar-") for _, value in got)
    assert ["plain", "mnist-cnn"] in complete("recipes show mn")
    assert ["plain", "cifar-resnet"] in complete("recipes tune cifar-r")


def test_study_names_and_budgets_complete():
    assert complete("recipes study run deg") == [["plain", "degradation"]]
    assert ["plain", "vae-beta"] in complete("recipes study run ")
    assert complete("recipes study run degradation --budget ") == [["plain", "cpu"], ["plain", "gpu"]]


def test_run_directories_complete(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("r20", "r56"):
        (tmp_path / "runs" / name).mkdir(parents=True)
        (tmp_path / "runs" / name / rundir.CONFIG).write_text("recipe: cifar-resnet\n")
    (tmp_path / "runs" / "notes").mkdir()  # not a run
    assert complete("recipes export runs/r") == [["plain", "runs/r20"], ["plain", "runs/r56"]]
    assert complete("recipes evaluate ru") == [["plain", "runs/r20"], ["plain", "runs/r56"]]
    assert complete("recipes compare runs/r20 runs/r5") == [["plain", "runs/r56"]]
    # Nothing that is a run: the shell completes directories itself.
    assert complete("recipes resume elsewhere/") == [["dir", "elsewhere/"]]


@pytest.mark.parametrize("words, expected", [
    ("recipes export runs/r20 --format ", ["saved_model", "keras", "tflite", "onnx"]),
    ("recipes tune cifar-resnet -a ", ["random", "bayesian", "hyperband"]),
    ("recipes run cifar-resnet --precision mixed", ["mixed_float16", "mixed_bfloat16"]),
])
def test_closed_options_complete_their_choices(words, expected):
    assert [value for _, value in complete(words)] == expected


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_shell_gets_a_setup_script(shell):
    result = CliRunner().invoke(cli, [], prog_name="recipes",
                                env={"_RECIPES_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0 and "_RECIPES_COMPLETE" in result.output
