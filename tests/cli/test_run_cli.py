"""`recipes run` and `recipes resume` through the real command line."""

import csv
import json
import signal
import time

from keras_recipes import rundir
from keras_recipes.rundir.backups import BackupStore
from tests_support.cli_driver import recipes_cli, write_image_folder


def test_killed_run_resumes_without_gaps_or_repeats(tmp_path):
    data = write_image_folder(tmp_path / "data")
    run_dir = tmp_path / "run"
    epochs = 40
    proc = recipes_cli(tmp_path, "run", "toy-cnn", "--data", str(data), "--output", str(run_dir),
                       "--epochs", str(epochs), "-q")
    store = BackupStore(run_dir / rundir.BACKUP)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if (store.newest() or {}).get("epoch", 0) >= 2:
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
    assert f"taking over the lock of {run_dir} from pid {proc.pid}" in output  # kill -9 left it
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
