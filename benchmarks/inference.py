"""Inference speed of every recipe: evaluation throughput against training
throughput, and batch-1 latency of `predict` and of the exported SavedModel.

For each recipe, on synthetic in-memory data of the recipe's input shape
(speed does not depend on what the pixels or words say):
  - training examples/s: the steady state of a 2-epoch `kr.run`;
  - evaluate examples/s: `kr.evaluate` on the same examples, end to end
    (loading the run, the data, tracing, metrics, files; target >= 3x
    training), and the model alone as evaluate calls it (one compiled graph)
    and as it was called before (`--eager`: one eager call per batch);
  - predict, batch 1: `kr.predict` on one input with the run's model loaded
    once (median of repeated calls), and the first call after loading;
  - SavedModel, batch 1: the exported `serving_default` signature (median).

    python benchmarks/inference.py                  # every recipe
    python benchmarks/inference.py --quick          # small data, two recipes
    python benchmarks/inference.py --recipes cifar-resnet imdb-lstm --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure
import numpy as np
import tensorflow as tf

import keras_recipes as kr  # first: it turns oneDNN on before TensorFlow loads
from keras_recipes import config as C
from keras_recipes import rundir

TARGET = 3.0  # evaluation examples/s over training examples/s
HEAVY = {"cifar-vgg": 4}  # recipes trained on 1/N of the examples (CPU time)


def synthetic(cfg, n, seed=0):
    rng = np.random.default_rng(seed)
    classes = 10 if cfg.data.kind == "image" else 2
    y = np.arange(n) % classes
    if cfg.data.kind == "image":
        d = cfg.data
        x = rng.integers(0, 256, (n, d.image_size, d.image_size, d.channels), dtype=np.uint8)
    else:
        words = np.array([f"w{i}" for i in range(2000)])
        x = np.array([" ".join(rng.choice(words, 200)) for _ in range(n)])
    return x, y.astype(np.int64)


def median_seconds(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def model_rate(call, x, batch):
    """Examples/s of ``call`` over ``x`` in batches, after one warm-up batch."""
    call(tf.constant(x[:batch]))
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        call(tf.constant(x[i:i + batch]))
    return len(x) / (time.perf_counter() - start)


def bench_recipe(name, n, repeats, eager, tmp) -> dict:
    cfg = kr.get_recipe(name).config()
    n = max(64, n // HEAVY.get(name, 1))
    cfg = C.apply_overrides(cfg, ["train.epochs=2", "data.val_fraction=0.0", "runtime.verbose=0"])
    x, y = synthetic(cfg, n)
    run_dir = Path(tmp) / name
    metrics = kr.run(cfg, run_dir, data=(x, y))
    row = {"recipe": name, "examples": n, "precision": json.loads(
        (run_dir / rundir.ENVIRONMENT).read_text())["precision"],
        "train_ex_per_s": metrics["train_examples_per_s"]}
    kr.evaluate(run_dir, data=(x[:64], y[:64]), verbose=False)  # load and trace once
    started = time.perf_counter()
    result = kr.evaluate(run_dir, data=(x, y), verbose=False)
    row["evaluate_ex_per_s"] = result["examples"] / (time.perf_counter() - started)
    row["evaluate_over_train"] = row["evaluate_ex_per_s"] / row["train_ex_per_s"]
    from keras_recipes.inference.run import compiled_inference, load_run, predict_probabilities

    model = load_run(run_dir).model
    # The model alone, as evaluate runs it (compiled), and as it ran before (eager).
    row["inference_ex_per_s"] = model_rate(compiled_inference(model), x, 256)
    if eager:
        row["inference_eager_ex_per_s"] = model_rate(lambda b: model(b, training=False), x, 256)
    one = x[:1]
    started = time.perf_counter()
    kr.predict(run_dir, one)
    row["predict_first_call_ms"] = (time.perf_counter() - started) * 1e3
    row["predict_batch1_ms"] = median_seconds(lambda: predict_probabilities(model, one), repeats) * 1e3
    export = kr.export(run_dir, "saved_model", verbose=False)
    serve = tf.saved_model.load(str(export.path)).signatures["serving_default"]
    arg = {export.input_name: tf.constant(one)}
    serve(**arg)
    row["saved_model_batch1_ms"] = median_seconds(lambda: serve(**arg), repeats) * 1e3
    return row


def table(rows) -> str:
    cols = [("recipe", "recipe", "{}"), ("precision", "precision", "{}"),
            ("train ex/s", "train_ex_per_s", "{:.0f}"), ("evaluate ex/s", "evaluate_ex_per_s", "{:.0f}"),
            (f"eval/train (>= {TARGET:g})", "evaluate_over_train", "{:.1f}x"),
            ("model compiled ex/s", "inference_ex_per_s", "{:.0f}"),
            ("model eager ex/s", "inference_eager_ex_per_s", "{:.0f}"),
            ("predict b1 ms", "predict_batch1_ms", "{:.1f}"),
            ("predict 1st call ms", "predict_first_call_ms", "{:.0f}"),
            ("SavedModel b1 ms", "saved_model_batch1_ms", "{:.1f}")]
    cols = [c for c in cols if any(c[1] in r for r in rows)]
    body = [[fmt.format(r[key]) if key in r else "" for _, key, fmt in cols] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) for i, (h, _, _) in enumerate(cols)]
    lines = ["  ".join(h.ljust(w) for (h, _, _), w in zip(cols, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(b, widths)) for b in body]
    return "\n".join(line.rstrip() for line in lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", help="default: every registered recipe")
    parser.add_argument("--examples", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=30, help="calls per batch-1 latency (median)")
    parser.add_argument("--eager", action="store_true", help="also time the old eager evaluate loop")
    parser.add_argument("--quick", action="store_true", help="256 examples, cifar-resnet and imdb-lstm")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    names = args.recipes or [r.name for r in kr.list_recipes()]
    if args.quick:
        names = args.recipes or ["cifar-resnet", "imdb-lstm"]
        args.examples, args.repeats = 256, 5
    info = measure.machine()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            rows.append(bench_recipe(name, args.examples, args.repeats, args.eager, tmp))
            print(f"[inference] {name} done", file=sys.stderr)
    print(f"machine: {info['cpu']} ({info['cores']} cores), native bfloat16: {info['cpu_bfloat16']}, "
          f"TensorFlow {info['tensorflow']}, load average {info['load_average']}")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "rows": rows}, indent=2, default=str))
    return rows


if __name__ == "__main__":
    main()
