"""Where a training step's time goes, by op kind: recipe vs hand-written,
float32 vs mixed bfloat16 (or any policies), on whatever machine runs it.

TensorFlow's profiler records one epoch of each contender after a warm-up
epoch; its framework-op statistics (the table TensorBoard's profile plugin
shows) are grouped into kinds: convolutions, batch norm, casts, element-wise,
pooling/padding/slicing, the optimizer update, input pipeline and the rest.
Times are host self-times in ms per step; on a CPU they add up to about the
step time (ops run on a thread pool, so they can exceed it).

    python benchmarks/profile_step.py                        # ResNet-20, float32 vs mixed_bfloat16
    python benchmarks/profile_step.py --policies float32 mixed_float16 --steps 20
    python benchmarks/profile_step.py --json profile.json

It runs anywhere; the bfloat16 column is only meaningful on CPUs with native
bfloat16 (avx512_bf16 / amx_bf16: see `recipes doctor`), elsewhere bfloat16
is emulated and slow. The CPU is printed with the table.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import keras_recipes as kr  # first: it turns oneDNN on before TensorFlow loads
import keras
import numpy as np
import tensorflow as tf

import hand_written
import measure
from keras_recipes import config as C

# Op type (as TensorFlow names it) -> kind; the first matching pattern wins.
KINDS = [
    ("convolution", r"Conv2D|Conv3D|DepthwiseConv|Conv2DBackprop|_MklNativeConv|_FusedConv"),
    ("batch norm", r"FusedBatchNorm|BatchNorm"),
    ("cast", r"^Cast$|_MklCast|CastBf16"),
    ("optimizer update", r"^ResourceApply|^Assign(Add|Sub)?VariableOp|^ResourceScatter"),
    ("matmul", r"MatMul|BatchMatMul|_MklNativeMatMul|_FusedMatMul"),
    ("pooling / pad / slice", r"Pool|^Pad|PadV2|MirrorPad|StridedSlice|^Slice|Concat|Transpose"),
    ("reduction / loss", r"^Sum$|^Mean$|^Max$|Softmax|SparseSoftmax|CrossEntropy|^Prod$|^ArgMax"),
    ("augmentation (image ops)", r"ImageProjective|Stateless.*Random|RandomUniform|Rng|Crop|Flip|"
                                 r"ResizeBilinear|AdjustContrast|AdjustHue|AdjustSaturation"),
    ("input pipeline", r"Iterator|Dataset|Prefetch"),
    ("element-wise", r"Relu|^Add|^AddV2|^AddN|^Sub$|^Mul$|^RealDiv$|^Square|^Sqrt|^Rsqrt|BiasAdd|"
                     r"Maximum|Minimum|^Neg$|^Exp$|^Log$|Select|^Equal|^Greater|^Less|Tanh|Sigmoid"),
]


def kind_of(op_type: str) -> str:
    return measure.first_kind(op_type, KINDS)


def op_stats(xplane_paths) -> list[dict]:
    """Rows of TensorFlow's framework_op_stats: type, self time (us), occurrences."""
    from tensorflow.python.profiler.internal import _pywrap_profiler_plugin as plugin

    raw, ok = plugin.xspace_to_tools_data(list(xplane_paths), "framework_op_stats", {})
    if not ok:
        raise RuntimeError("the profiler produced no framework_op_stats")
    return parse_op_stats(raw)


def parse_op_stats(raw) -> list[dict]:
    """The DataTable JSON TensorFlow returns, as plain rows (host ops only,
    without the idle pseudo-op)."""
    tables = json.loads(raw)
    table = tables[0] if isinstance(tables, list) else tables
    ids = [col["id"] for col in table["cols"]]
    rows = []
    for row in table.get("rows", []):
        values = dict(zip(ids, (cell.get("v") if cell else None for cell in row["c"])))
        if values.get("type") in (None, "IDLE"):
            continue
        rows.append({"type": values["type"], "operation": values.get("operation", ""),
                     "self_us": float(values.get("total_self_time") or 0.0),
                     "occurrences": int(values.get("occurrences") or 0)})
    return rows


def by_kind(rows, steps: int) -> dict:
    """ms per step by kind (and the total)."""
    totals = {}
    for row in rows:
        kind = kind_of(row["type"])
        totals[kind] = totals.get(kind, 0.0) + row["self_us"] / 1e3 / steps
    totals["total (op self time)"] = sum(totals.values())
    return totals


class _ProfileEpoch(keras.callbacks.Callback):
    """Profile epoch ``epoch`` (after the warm-up) and time it."""

    def __init__(self, logdir, epoch=1):
        super().__init__()
        self.logdir, self.epoch = logdir, epoch
        self.seconds = None

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            tf.profiler.experimental.start(self.logdir)
            self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self.seconds = time.perf_counter() - self._t0
            tf.profiler.experimental.stop()


def profile_recipe(x, y, policy, steps, batch, logdir, *, recipe="cifar-resnet", data=None, overrides=()):
    """A recipe (cifar-resnet: its default augmentation on) through the engine
    on ``(x, y)`` (or ``data``: any data `kr.run` takes), ``overrides`` last."""
    cfg = C.apply_overrides(kr.get_recipe(recipe).config(), [
        "train.epochs=2", f"train.batch_size={batch}", "data.val_fraction=0.0", "runtime.verbose=0",
        f"runtime.precision={policy}", f"train.steps_per_epoch={steps}", *overrides])
    probe = _ProfileEpoch(logdir)
    with tempfile.TemporaryDirectory() as tmp:
        kr.run(cfg, os.path.join(tmp, "run"), data=(x, y) if data is None else data, callbacks=[probe])
    return probe.seconds


def profile_hand_written(x, y, policy, steps, batch, logdir):
    """The hand-written ResNet-20 (no augmentation) under ``policy``."""
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        model = hand_written.resnet20()
        model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                      keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
        ds = tf.data.Dataset.from_tensor_slices((x, y)).cache().repeat().batch(batch)
        probe = _ProfileEpoch(logdir)
        model.fit(ds.prefetch(tf.data.AUTOTUNE), epochs=2, steps_per_epoch=steps,
                  callbacks=[probe], verbose=0)
        return probe.seconds
    finally:
        keras.mixed_precision.set_global_policy("float32")


CONTENDERS = {"recipe": profile_recipe, "hand": profile_hand_written}


def run_all(policies, steps, batch, contenders=tuple(CONTENDERS)) -> dict:
    rng = np.random.default_rng(0)
    n = steps * batch
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.int64)
    results = {}
    for name in contenders:
        for policy in policies:
            with tempfile.TemporaryDirectory() as logdir:
                seconds = CONTENDERS[name](x, y, policy, steps, batch, logdir)
                rows = op_stats(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))
            kinds = by_kind(rows, steps)
            kinds["step time (wall)"] = seconds * 1e3 / steps
            top = sorted(rows, key=lambda r: -r["self_us"])[:8]
            results[f"{name} {policy}"] = {"ms_per_step": kinds, "img_per_s": n / seconds,
                                           "top_ops": top}
    return results


def table(results) -> str:
    columns = list(results)
    kinds = [k for k, _ in KINDS] + ["other", "total (op self time)", "step time (wall)"]
    width = max(len(k) for k in kinds)
    lines = [f"{'ms per step':<{width}}  " + "  ".join(f"{c:>22}" for c in columns)]
    for kind in kinds:
        values = [results[c]["ms_per_step"].get(kind, 0.0) for c in columns]
        if not any(values):
            continue
        lines.append(f"{kind:<{width}}  " + "  ".join(f"{v:>22.1f}" for v in values))
    lines.append(f"{'img/s':<{width}}  " + "  ".join(f"{results[c]['img_per_s']:>22.1f}" for c in columns))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", nargs="+", default=["float32", "mixed_bfloat16"])
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=list(CONTENDERS))
    parser.add_argument("--steps", type=int, default=30, help="profiled steps (after as many warm-up steps)")
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    info = measure.machine()
    results = run_all(args.policies, args.steps, args.batch, args.contenders)
    print(f"machine: {info.get('cpu')} ({info.get('cores')} cores), TensorFlow {info.get('tensorflow')}, "
          f"native bfloat16: {info.get('cpu_bfloat16')}")
    print(table(results))
    for name, result in results.items():
        print(f"\ntop ops, {name}:")
        for op in result["top_ops"]:
            print(f"  {op['type']:<28} {op['self_us'] / 1e3 / args.steps:8.2f} ms/step  {op['operation'][:70]}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "steps": args.steps, "batch": args.batch,
                                         "results": results}, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
