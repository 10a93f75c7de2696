"""The CLI: fast light commands, one-line errors, no tracebacks."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from keras_recipes import __version__
from keras_recipes.cli.main import cli


@pytest.fixture
def runner():
    return CliRunner()


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_list_is_a_table(runner, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    result = runner.invoke(cli, ["list"])
    assert result.exit_code == 0
    header = result.output.splitlines()[0].split()
    assert header[:5] == ["name", "task", "dataset", "model", "params"]
    assert "cifar-resnet" in result.output and "91.25%" in result.output


def test_list_fits_the_terminal_width(runner, monkeypatch):
    """COLUMNS=80: the model and reference result go, wrapped, under each row."""
    monkeypatch.setenv("COLUMNS", "80")
    result = runner.invoke(cli, ["list"])
    lines = result.output.splitlines()
    assert result.exit_code == 0 and max(len(line) for line in lines) <= 80
    assert lines[0].split() == ["name", "task", "dataset", "params", "presets"]
    row = next(i for i, line in enumerate(lines) if line.startswith("cifar-resnet "))
    # (a long cell such as the task may wrap onto the next line first)
    assert any(line.startswith("    ResNet-20 (6n+2); reference: 91.25% test")
               for line in lines[row + 1:row + 3])


def test_show_prints_resolved_yaml(runner):
    result = runner.invoke(cli, ["show", "cifar-resnet", "--set", "train.epochs=3"])
    assert result.exit_code == 0
    assert "epochs: 3" in result.output and "recipe: cifar-resnet" in result.output


def test_show_lists_only_the_settings_that_apply(runner, tmp_path):
    vae = runner.invoke(cli, ["show", "mnist-vae"]).output
    assert "image_size: 28" in vae and "vocab_size" not in vae and "sequence_length" not in vae
    text = runner.invoke(cli, ["show", "imdb-lstm"]).output
    assert "vocab_size" in text and "image_size" not in text and "augment:" not in text
    # Still a whole config: what is left out keeps its default.
    path = tmp_path / "vae.yaml"
    path.write_text(vae.split("# presets")[0])
    again = runner.invoke(cli, ["show", "--config", str(path)])
    assert again.exit_code == 0 and again.output == vae


def test_show_from_config_file(runner, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("recipe: cifar-resnet\ntrain:\n  epochs: 5\n")
    result = runner.invoke(cli, ["show", "--config", str(path)])
    assert result.exit_code == 0 and "epochs: 5" in result.output


@pytest.mark.parametrize("args, message", [
    (["run", "cifar-resnt"], "did you mean `cifar-resnet`?"),
    (["show", "cifar-resnet", "--set", "train.epoch=3"], "did you mean `train.epochs`?"),
    (["show", "cifar-resnet", "--set", "train.epochs=abc"], "expects int, received 'abc'"),
    (["show", "cifar-resnet", "--set", "train.epochs"], "expected KEY=VALUE"),
])
def test_bad_input_is_one_clear_line(runner, args, message):
    result = runner.invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_help_and_list_do_not_import_tensorflow():
    code = ("import sys; from keras_recipes.cli.main import cli\n"
            "from click.testing import CliRunner\n"
            "r = CliRunner()\n"
            "assert r.invoke(cli, ['--help']).exit_code == 0\n"
            "assert r.invoke(cli, ['list']).exit_code == 0\n"
            "assert r.invoke(cli, ['show', 'cifar-resnet']).exit_code == 0\n"
            "tab = {'_RECIPES_COMPLETE': 'bash_complete', 'COMP_WORDS': 'recipes run ci',\n"
            "       'COMP_CWORD': '2'}\n"
            "assert 'cifar-resnet' in r.invoke(cli, [], prog_name='recipes', env=tab).output\n"
            "heavy = [m for m in ('tensorflow', 'keras') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_help_shows_every_command_on_one_whole_line(runner):
    result = runner.invoke(cli, ["--help"], terminal_width=80)
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    assert len(listed) == len(cli.commands), listed  # none wrapped onto a second line
    assert not [line for line in listed if "..." in line], listed
    assert all(command.short_help for command in cli.commands.values())


def test_console_script_is_installed():
    result = subprocess.run(["recipes", "list"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "cifar-resnet" in result.stdout


def test_no_top_level_layers_or_datasets_installed(tmp_path):
    code = ("import importlib.util as u, sys\n"
            "assert u.find_spec('keras_recipes.layers') is not None\n"
            "assert u.find_spec('keras_recipes.datasets') is not None\n"
            "assert u.find_spec('layers') is None and u.find_spec('datasets') is None\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_doctor_reports_versions_and_auto_choices(runner):
    result = runner.invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    for topic in ("tensorflow", "keras", "cpu", "precision=auto", "strategy=auto", "onednn", "xla",
                  "training", "tfds"):
        assert topic in result.output
    assert "BAD" not in result.output


def test_doctor_reports_a_broken_tfds_download_path(monkeypatch):
    import tensorflow_datasets as tfds

    from keras_recipes.runtime import doctor

    def broken(name):
        raise ModuleNotFoundError("No module named 'importlib_resources'")

    monkeypatch.setattr(tfds, "builder_cls", broken)
    topic, finding, ok = doctor._tfds()
    assert topic == "tfds" and not ok
    assert "importlib_resources" in finding and "pip install" in finding


def test_python_dash_m_keras_recipes_is_the_recipes_command():
    out = subprocess.run([sys.executable, "-m", "keras_recipes", "list"], check=True,
                         capture_output=True, text=True).stdout
    assert "cifar-resnet" in out and "imdb-lstm" in out


def test_doctor_reads_gpu_memory_from_nvidia_smi_and_copes_without_it():
    from types import SimpleNamespace

    from keras_recipes.runtime.doctor import _gpu_memory_mib

    assert _gpu_memory_mib(lambda *a, **k: SimpleNamespace(stdout="81559\n81559\n")) == [81559, 81559]

    def missing(*a, **k):
        raise FileNotFoundError("nvidia-smi")

    assert _gpu_memory_mib(missing) == []
