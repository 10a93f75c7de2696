"""benchmarks/gpu_check.sh, run on the CPU against a fake `recipes` command:
every step is recorded, and gpu_report.py reads the run directories into the
table, the ratios and the JSON."""

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

# Writes what a real run writes (metrics.json, environment.json); fails the
# GRU under float16 the way a crash would.
FAKE_RECIPES = textwrap.dedent("""\
    import json, os, sys
    args = sys.argv[1:]
    if args[0] == "doctor":
        print("ok tensorflow 2.21"); sys.exit(0)
    recipe, out = args[1], args[args.index("--output") + 1]
    precision = args[args.index("--precision") + 1] if "--precision" in args else "auto"
    if recipe == "imdb-gru" and precision == "mixed_float16":
        print("Error: CUDNN_STATUS_BAD_PARAM in the GRU kernel"); sys.exit(1)
    mirrored = "runtime.strategy=mirrored" in args
    xla = "runtime.jit_compile=true" in args
    rate = {"float32": 1000.0, "auto": 2500.0}.get(precision, 2000.0) * (1.8 if mirrored else 1.0)
    rate *= 1.25 if xla else 1.0
    os.makedirs(out, exist_ok=True)
    json.dump({"train_examples_per_s": rate, "peak_memory_mb": {"host": 900.0, "gpu0": 2048.0}},
              open(os.path.join(out, "metrics.json"), "w"))
    json.dump({"precision": "mixed_bfloat16" if precision == "auto" else precision,
               "strategy": "mirrored" if mirrored else "one_device", "replicas": 2 if mirrored else 1,
               "jit_compile": xla}, open(os.path.join(out, "environment.json"), "w"))
""")


def test_gpu_check_records_every_step_and_reports_them(tmp_path):
    fake = tmp_path / "recipes"
    fake.write_text(f"#!{sys.executable}\n" + FAKE_RECIPES)
    fake.chmod(0o755)
    (tmp_path / "cifar").mkdir()
    (tmp_path / "imdb").mkdir()
    out = tmp_path / "out"
    env = dict(os.environ, RECIPES_CMD=str(fake), CIFAR_DIR=str(tmp_path / "cifar"),
               IMDB_DIR=str(tmp_path / "imdb"), DATA_ARCHIVES=str(tmp_path / "none"), STEP_TIMEOUT="60")
    done = subprocess.run(["bash", str(BENCHMARKS / "gpu_check.sh"), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads((out / "gpu_check.json").read_text())
    steps = {row["step"]: row for row in report["steps"]}
    from keras_recipes import list_recipes

    expected = {"doctor", "cifar-auto", "cifar-float32", "cifar-xla-on", "cifar-xla-off", "cifar-mirrored",
                "imdb-lstm-auto", "imdb-lstm-float32", "imdb-lstm-mixed_bfloat16", "imdb-lstm-mixed_float16",
                "imdb-gru-mixed_bfloat16", "imdb-gru-mixed_float16"}
    expected |= {f"smoke-{r.name}" for r in list_recipes()}
    assert set(steps) == expected
    assert report["failed"] == 1 and not steps["imdb-gru-mixed_float16"]["ok"]
    assert "CUDNN_STATUS_BAD_PARAM" in steps["imdb-gru-mixed_float16"]["error"]
    assert steps["cifar-mirrored"]["strategy"] == "mirrored" and steps["cifar-mirrored"]["replicas"] == 2
    assert steps["cifar-auto"]["peak_gpu_mb"] == 2048.0
    ratios = {r["measure"]: r["ratio"] for r in report["ratios"]}
    assert ratios["cifar-resnet auto / float32"] == 2.5
    assert ratios["cifar-resnet XLA on / off"] == 1.25
    assert re.search(r"^imdb-gru-mixed_float16 +NO \(1\)", done.stdout, re.M)
    assert "cifar-resnet auto / float32: 2.500x" in done.stdout
