"""tf.distribute without GPUs: MirroredStrategy over two logical CPUs, and
MultiWorkerMirroredStrategy with two worker processes on localhost."""

import json
import socket
import textwrap

from keras_recipes import rundir
from tests_support.cli_driver import TESTS_DIR, recipes_cli, write_image_folder
from tests_support.subprocess_json import run_json

MIRRORED = textwrap.dedent("""
    import json, sys, tempfile
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    sys.path.insert(0, {tests!r})
    from tests_support.toy_recipe import register_toy
    from tests_support.toy_data import toy_images
    from keras_recipes import config as C, get_recipe, run
    name = register_toy()
    losses = {{}}
    for strategy in ("default", "mirrored"):
        cfg = C.apply_overrides(get_recipe(name).config(), [
            "runtime.verbose=0", f"runtime.strategy={{strategy}}", "train.epochs=3",
            "runtime.deterministic=true", "data.val_fraction=0.0", "train.batch_size=32"])
        out = tempfile.mkdtemp()
        run(cfg, out + "/r", data=toy_images(96))
        env = json.load(open(out + "/r/environment.json"))
        rows = open(out + "/r/history.csv").read().splitlines()[1:]
        losses[strategy] = (env["replicas"], [float(r.split(",")[2]) for r in rows])
    print(json.dumps(losses))
""")


def test_mirrored_over_two_cpus_matches_one_device():
    losses = run_json(MIRRORED.format(tests=TESTS_DIR))
    assert losses["default"][0] == 1 and losses["mirrored"][0] == 2
    one, two = losses["default"][1], losses["mirrored"][1]
    assert len(one) == len(two) == 3
    # Same global batch; batch norm sees half-batches per replica, hence a tolerance.
    for a, b in zip(one, two):
        assert abs(a - b) <= 0.1 * max(abs(a), 1e-3), (one, two)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_multi_worker_run_through_the_cli(tmp_path):
    data = write_image_folder(tmp_path / "data", per_class=16)
    run_dir = tmp_path / "run"
    workers = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    procs = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        procs.append(recipes_cli(tmp_path, "run", "toy-cnn", "--data", str(data), "--output",
                                 str(run_dir), "--epochs", "2", "-q",
                                 env={"TF_CONFIG": json.dumps(tf_config)}))
    outputs = [p.communicate(timeout=600)[0] for p in procs]
    for p, out in zip(procs, outputs):
        assert p.returncode == 0, out[-3000:]
    assert "multi_worker" in outputs[0]
    env = json.loads((run_dir / rundir.ENVIRONMENT).read_text())
    assert env["strategy"] == "multi_worker" and env["replicas"] == 2
    assert (run_dir / rundir.FINAL_MODEL).is_file() and (run_dir / rundir.METRICS).is_file()
    history = (run_dir / rundir.HISTORY).read_text().splitlines()
    assert len(history) == 3  # one writer: header + 2 epochs, no duplicated rows
    # Only the chief wrote the run directory: no lock or half-written file left,
    # nothing but the run's own files (the worker wrote into a private folder).
    names = {p.name for p in run_dir.iterdir()}
    assert names <= {rundir.CONFIG, rundir.ENVIRONMENT, rundir.CLASS_NAMES, rundir.HISTORY,
                     rundir.METRICS, rundir.FINAL_MODEL, rundir.BEST_MODEL, rundir.CURVES,
                     rundir.LOGS, "checkpoints"}, names
