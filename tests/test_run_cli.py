"""`recipes run` and `recipes resume` through the real command line."""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from click.testing import CliRunner

from keras_recipes import rundir
from keras_recipes.cli.main import cli


@pytest.mark.parametrize("recipe", ["cifar-resnet", "imdb-lstm", "imdb-gru", "imdb-cnn"])
def test_smoke_runs_every_recipe(recipe, tmp_path):
    result = CliRunner().invoke(cli, ["run", recipe, "--smoke", "-q", "--output", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "smoke check passed" in result.output
    assert (tmp_path / "r" / rundir.FINAL_MODEL).is_file()


def write_image_folder(root, classes=3, per_class=40, size=8):
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(classes):
        folder = root / f"class{c}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 60, (size, size, 3)) + 80 * c
            Image.fromarray(pixels.astype("uint8")).save(folder / f"{i}.png")
    return root


# Runs the CLI with the toy recipe registered (a subprocess cannot see fixtures).
DRIVER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from tests_support.toy_recipe import register_toy
    register_toy()
    from keras_recipes.cli.main import main
    sys.argv = ["recipes"] + sys.argv[1:]
    main()
""")


def recipes_cli(tmp_path, *args, **kwargs):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests=os.path.dirname(__file__)))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.Popen([sys.executable, str(driver), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def test_killed_run_resumes_without_gaps_or_repeats(tmp_path):
    data = write_image_folder(tmp_path / "data")
    run_dir = tmp_path / "run"
    epochs = 40
    proc = recipes_cli(tmp_path, "run", "toy-cnn", "--data", str(data), "--output", str(run_dir),
                       "--epochs", str(epochs), "-q")
    meta = run_dir / rundir.BACKUP / "training_metadata.json"
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if meta.is_file() and json.loads(meta.read_text() or "{}").get("epoch", 0) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed:\n" + proc.stdout.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (run_dir / rundir.METRICS).exists()

    resumed = recipes_cli(tmp_path, "resume", str(run_dir), "-q")
    output, _ = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, output
    assert "resuming" in output
    with open(run_dir / rundir.HISTORY) as f:
        history = [int(row["epoch"]) for row in csv.DictReader(f)]
    assert history == list(range(epochs))
    metrics = json.loads((run_dir / rundir.METRICS).read_text())
    assert metrics["epochs"] == epochs


def test_corrupt_backup_is_a_clear_error(tmp_path):
    data = write_image_folder(tmp_path / "data", per_class=8)
    run_dir = tmp_path / "run"
    proc = recipes_cli(tmp_path, "run", "toy-cnn", "--data", str(data), "--output", str(run_dir),
                       "--epochs", "1", "-q")
    proc.communicate(timeout=300)
    backup = run_dir / rundir.BACKUP
    backup.mkdir()
    (backup / "training_metadata.json").write_text('{"epoch": 1, "batch": 0}')
    (backup / "latest.weights.h5").write_bytes(b"not an h5 file")
    (run_dir / rundir.METRICS).unlink()
    out, _ = recipes_cli(tmp_path, "resume", str(run_dir)).communicate(timeout=300)
    assert "Error:" in out and "--overwrite" in out and "Traceback" not in out
