"""Runs and tuning trials show up in TensorBoard's HParams tab: a real
TensorBoard on localhost, over two finished tiny runs, answers their
hyperparameters and final metrics through its HTTP API."""

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from keras_recipes.rundir.hparams import final_metrics, hparams_of
from tests_support.serving_runs import train
from tests_support.toy_data import toy_images


def test_hparams_are_the_flat_config_in_types_tensorboard_takes():
    from keras_recipes.registry import get_recipe

    flat = hparams_of(get_recipe("cifar-resnet").config())
    assert flat["recipe"] == "cifar-resnet" and isinstance(flat["train.lr"], float)
    assert all(isinstance(v, (bool, int, float, str)) for v in flat.values())
    assert final_metrics({"test": {"accuracy": 0.5}, "best": {"val_loss": 1}, "epochs": 3,
                          "final": {"note": "x"}}) == {"test/accuracy": 0.5, "best/val_loss": 1.0}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "X-XSRF-Protected": "1"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def tensorboard_over(tmp_path):
    """Start TensorBoard on 127.0.0.1 over a folder; yield (its base URL, its
    process, its log file); kill it afterwards."""
    procs = []

    def start(logdir):
        port = _free_port()
        log = tmp_path / "tensorboard.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir), "--host",
                 "127.0.0.1", "--port", str(port), "--load_fast", "false", "--reload_interval", "1"],
                stdout=out, stderr=subprocess.STDOUT)
        procs.append(proc)
        return f"http://127.0.0.1:{port}", proc, log

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=30)


def test_tensorboard_lists_both_runs_with_their_hyperparameters(tmp_path, tensorboard_over):
    runs = tmp_path / "runs"
    for name, lr in (("slow", 0.01), ("fast", 0.2)):
        train(runs / name, "toy-cnn", [f"train.lr={lr}"], data=toy_images(32))
        assert (runs / name / "logs").is_dir()
    url, proc, log = tensorboard_over(runs)
    base = url + "/data/plugin/hparams"

    # TensorBoard imports TensorFlow (seconds; minutes on a loaded machine), then loads the logs.
    groups, deadline = [], time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            groups = _post(base + "/session_groups", {
                "experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS"],
                "colParams": [], "startIndex": 0, "sliceSize": 10}).get("sessionGroups", [])
        except OSError:
            groups = []
        if len(groups) == 2:
            break
        time.sleep(1)
    assert len(groups) == 2, (f"TensorBoard listed {len(groups)} runs in HParams, expected 2; "
                              f"its log ends: {log.read_text()[-2000:]}")
    by_run = {g["name"]: g for g in groups}
    assert {by_run["slow"]["hparams"]["train.lr"], by_run["fast"]["hparams"]["train.lr"]} == {0.01, 0.2}
    assert by_run["fast"]["hparams"]["recipe"] == "toy-cnn"

    experiment = _post(base + "/experiment", {"experimentName": ""})
    hparams = {info["name"]: info for info in experiment["hparamInfos"]}
    assert hparams["train.lr"]["differs"] and not hparams["recipe"].get("differs", False)
    metrics = {info["name"]["tag"] for info in experiment["metricInfos"]}
    assert "best/val_accuracy" in metrics and "epoch_accuracy" in metrics
