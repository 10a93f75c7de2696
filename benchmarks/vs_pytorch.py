"""A recipe against the same model in PyTorch, on the same CPU, in one run.

For ResNet-20 (cifar-resnet), the BiLSTM (imdb-lstm) and the char LSTM
(shakespeare-char --preset cpu), in float32 and bfloat16:
  - keras: the recipe through the engine (`kr.run`) on in-memory data, no
    augmentation (model-only: uint8 images / raw reviews / a text, batch as
    the recipe's), as `benchmarks/suite.py` times it;
  - keras e2e (ResNet-20): the same with the recipe's augmentation on;
  - torch: the same architecture and optimizer in PyTorch eager
    (benchmarks/torch_models.py), `torch.autocast("cpu", torch.bfloat16)` for
    bfloat16, on in-memory tensors (token ids for the text models).
Each side trains in its own process (the frameworks' thread pools never
share a process); rounds alternate which side goes first. Ratios are keras /
torch within a round, median over rounds; the e2e ratio is against torch's
model-only figure (what a PyTorch script without augmentation trains at).

    python benchmarks/vs_pytorch.py                      # 3 rounds, all three models
    python benchmarks/vs_pytorch.py --quick              # 1 round, fewer steps
    python benchmarks/vs_pytorch.py --models resnet20 --variants engine amp_rewrite xla
    python benchmarks/vs_pytorch.py --profile --models resnet20   # bfloat16 step by op kind, both sides

``--variants`` times other Keras/TensorFlow settings (LEVERS below) beside
the engine's own, each in its own process. torch is an optional benchmark
dependency (``pip install keras-recipes[bench]``); without it only the Keras
side runs. Prints the CPU's flags (avx512_bf16, amx_*): bfloat16 is only
fast with them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

PRECISIONS = ("float32", "bfloat16")
KERAS_POLICY = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")


class Spec:
    """One model: its recipe, batch, sizes and the synthetic data both sides train on."""

    def __init__(self, name, recipe, batch, unit, steps, overrides=(), augment=None):
        self.name, self.recipe, self.batch, self.unit = name, recipe, batch, unit
        self.steps, self.overrides, self.augment = steps, list(overrides), augment


MODELS = {
    "resnet20": Spec("resnet20", "cifar-resnet", 128, "img/s", 20, augment="cifar"),
    "bilstm": Spec("bilstm", "imdb-lstm", 64, "ex/s", 10),
    "char-lstm": Spec("char-lstm", "shakespeare-char", 64, "seq/s", 10, ["model.layers=2", "model.units=256",
                                                                         "model.dropout=0.1", "train.lr=3e-3"]),
}
VOCAB, SEQUENCE, WINDOW, CHARS = 10_000, 400, 128, 65


def spec_for(job: dict) -> Spec:
    """The job's model; ``tiny``: batch 8, 3 steps (a wiring check); ``quick``: half the steps."""
    spec = MODELS[job["model"]]
    batch, steps = spec.batch, spec.steps
    if job.get("tiny"):
        batch, steps = 8, 3
    elif job.get("quick"):
        steps = max(4, steps // 2)
    return Spec(spec.name, spec.recipe, batch, spec.unit, steps, spec.overrides, spec.augment)


def synthetic(spec: Spec, n: int, seed=0):
    """``(keras data, torch data)`` of ``n`` examples: the recipe's raw input for
    the engine, the model's input tensors (numpy) for PyTorch. Reviews are
    100-400 words over 12k words (the vectorizer keeps 10k, the recipe's
    vocabulary), right-padded token ids for PyTorch; the text is 65 characters."""
    rng = np.random.default_rng(seed)
    if spec.name == "resnet20":
        x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        y = (np.arange(n) % 10).astype(np.int64)
        return (x, y), (x, y)
    if spec.name == "bilstm":
        lengths = rng.integers(100, SEQUENCE + 1, n)
        words = np.array([f"w{i}" for i in range(12_000)])
        texts = np.array([" ".join(rng.choice(words, k)) for k in lengths], dtype=object)
        y = (np.arange(n) % 2).astype(np.int64)
        ids = np.zeros((n, SEQUENCE), np.int64)
        for i, k in enumerate(lengths):
            ids[i, :k] = rng.integers(2, VOCAB, k)
        return (texts, y), (ids, y)
    chars = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,;:!?'\n-&$3"))
    text = rng.choice(chars[:CHARS], n * WINDOW + 1)
    ids = rng.integers(0, CHARS, n * WINDOW + 1)
    return "".join(text), (ids[:-1].reshape(n, WINDOW), ids[1:].reshape(n, WINDOW))


# -- Keras levers: settings tried against the engine's own (--variants) -------------------
# name -> (config overrides, environment for the worker, TensorFlow settings before the run)
LEVERS = {
    "engine": ([], {}, {}),
    # TensorFlow's grappler rewrites the float32 graph to bfloat16 where oneDNN has kernels
    # (Keras policy float32: no casts of variables in the graph Keras builds).
    "amp_rewrite": (["runtime.precision=float32"], {}, {"amp_onednn": True}),
    "policy+amp_rewrite": ([], {}, {"amp_onednn": True}),
    "xla": (["runtime.jit_compile=true"], {}, {}),
    "inter_op_1": ([], {}, {"inter_op": 1}),
    "intra_op_1": ([], {}, {"intra_op": 1}),
    "jax": ([], {"KERAS_BACKEND": "jax"}, {}),
    # Keras' own batch norm (separate ops) instead of keras_recipes.layers.BatchNorm's fused kernel.
    "keras_bn": ([], {}, {"keras_bn": True}),
}


def _apply_tf_settings(settings):
    import tensorflow as tf

    if settings.get("keras_bn"):
        from keras_recipes.runtime import plan

        plan.choose_batch_norm = lambda backend: (False, "vs_pytorch.py --variants keras_bn")
    if settings.get("amp_onednn"):
        tf.config.optimizer.set_experimental_options({"auto_mixed_precision_onednn_bfloat16": True})
    if "inter_op" in settings:
        tf.config.threading.set_inter_op_parallelism_threads(settings["inter_op"])
    if "intra_op" in settings:
        tf.config.threading.set_intra_op_parallelism_threads(settings["intra_op"])


def keras_overrides(spec: Spec, precision: str, lever: str, e2e: bool) -> list[str]:
    overrides = [f"train.batch_size={spec.batch}", f"train.steps_per_epoch={spec.steps}",
                 f"runtime.precision={KERAS_POLICY[precision]}", *spec.overrides]
    if e2e and spec.augment:
        overrides.append(f"augment.preset={spec.augment}")
    if spec.name != "resnet20":  # the text models' cosine/early stopping need no tuning here
        overrides.append("train.early_stopping_patience=0")
    return overrides + LEVERS[lever][0]


def keras_rates(spec: Spec, lever: str, precisions, e2e: bool) -> dict:
    """``{precision: examples/s}`` of the recipe through the engine (2 epochs of
    ``spec.steps``; the second, less its first batch, is timed)."""
    import suite

    _apply_tf_settings(LEVERS[lever][2])
    data, _ = synthetic(spec, spec.batch * spec.steps)
    rates = {}
    with tempfile.TemporaryDirectory() as tmp:
        if isinstance(data, str):  # the corpus: a text file
            path = Path(tmp, "corpus.txt")
            path.write_text(data, encoding="utf-8")
            data = str(path)
        for precision in precisions:
            rates[precision] = suite.recipe_rate(spec.recipe, data, 2, *keras_overrides(spec, precision, lever, e2e))
    return rates


def torch_rates(spec: Spec, precisions, channels_last=False) -> dict:
    """``{precision: examples/s}`` of the PyTorch model: ``spec.steps`` warm-up
    steps, then ``spec.steps`` timed, on in-memory tensors."""
    import torch
    import torch_models

    torch.manual_seed(0)
    if spec.batch < 16:
        # A wiring check on tiny batches: one thread, since OpenMP's barriers
        # stall for seconds when a busy machine deschedules one of its threads.
        torch.set_num_threads(1)
    _, (x, y) = synthetic(spec, spec.batch * spec.steps)
    x, y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))
    batches = [(x[i:i + spec.batch], y[i:i + spec.batch]) for i in range(0, len(x), spec.batch)]
    rates = {}
    for precision in precisions:
        _, _, step = torch_models.build(spec.name, channels_last=channels_last)
        bf16 = precision == "bfloat16"
        for bx, by in batches:  # warm-up: allocator, oneDNN primitive caches
            step(bx, by, bf16)
        started = time.perf_counter()
        for bx, by in batches:
            loss = step(bx, by, bf16)
        float(loss.detach())
        rates[precision] = spec.batch * len(batches) / (time.perf_counter() - started)
    return rates


# -- one side in its own process ------------------------------------------------------------
def measure_side(job: dict) -> dict:
    spec = spec_for(job)
    if job["side"] == "torch":
        return torch_rates(spec, job["precisions"], job.get("channels_last", False))
    return keras_rates(spec, job["lever"], job["precisions"], job.get("e2e", False))


def run_side(job: dict, in_process: bool) -> dict:
    if in_process:
        return _measure_job(job)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           **(LEVERS[job["lever"]][1] if job["side"] == "keras" else {})}
    done = subprocess.run([sys.executable, __file__, "--worker", json.dumps(job)], capture_output=True,
                          text=True, env=env)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"{job} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def torch_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def contenders(model: str, variants, with_torch: bool, precisions, sizes: dict, e2e=True):
    """What one round trains for ``model``: name -> job."""
    jobs = {}
    for lever in variants:
        jobs[f"keras {lever}"] = {"side": "keras", "model": model, "lever": lever, "precisions": precisions}
    if e2e and MODELS[model].augment:
        jobs["keras e2e"] = {"side": "keras", "model": model, "lever": variants[0], "precisions": precisions,
                             "e2e": True}
    if with_torch:
        jobs["torch"] = {"side": "torch", "model": model, "precisions": precisions}
    for job in jobs.values():
        job.update(sizes)
    return jobs


def bench(model, args, with_torch) -> dict:
    jobs = contenders(model, args.variants, with_torch, args.precisions, sizes(args), not args.no_e2e)
    rates = {f"{name} {p}": [] for name in jobs for p in args.precisions}
    for r in range(args.rounds):
        order = list(jobs) if r % 2 == 0 else list(reversed(jobs))  # alternate who goes first
        for name in order:
            for precision, rate in run_side(jobs[name], args.in_process).items():
                rates[f"{name} {precision}"].append(round(rate, 1))
        print(f"[{model}] round {r + 1}: " + ", ".join(f"{k} {v[-1]}" for k, v in rates.items())
              + f" {MODELS[model].unit} (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)

    def paired(a, b):
        return round(statistics.median(x / y for x, y in zip(rates[a], rates[b])), 3)

    ratios = {}
    for p in args.precisions:
        if with_torch:
            for name in jobs:
                if name != "torch":
                    ratios[f"{name} / torch, {p}"] = paired(f"{name} {p}", f"torch {p}")
        if p != "float32" and "float32" in args.precisions:
            for name in jobs:
                ratios[f"{name}: {p} / float32"] = paired(f"{name} {p}", f"{name} float32")
    spec = spec_for({"model": model, **sizes(args)})
    return {"unit": spec.unit, "batch": spec.batch, "steps": spec.steps, "rates": rates, "ratios": ratios}


def machine() -> dict:
    """measure.machine() (CPU, cores, date, load), with the CPU's flags and the frameworks' versions."""
    import measure

    from keras_recipes.runtime.hardware import cpu_flags

    info = measure.machine()
    versions = {}
    for module in ("tensorflow", "keras", "torch", "jax"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = None
    flags = cpu_flags()
    info.update(flags={f: f in flags for f in FLAGS}, versions=versions,
                load_average=[round(v, 2) for v in os.getloadavg()])
    return info


def print_results(info, results):
    print(f"machine: {info['cpu']} ({info['cores']} cores), {info['date']}, load average "
          f"{info['load_average']}")
    print("CPU flags: " + ", ".join(f"{f} {'yes' if v else 'no'}" for f, v in info["flags"].items()))
    print("versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v))
    for model, result in results.items():
        print(f"\n{model} (batch {result['batch']}), {result['unit']}, rounds:")
        for name, values in result["rates"].items():
            print(f"  {name:<40} median {statistics.median(values):8.1f}   {values}")
        for name, value in result["ratios"].items():
            print(f"  {name:<52} {value:.3f}x")


# -- profile: the bfloat16 step of both sides by op kind ------------------------------------
TORCH_KINDS = [  # aten / autograd op name -> the kinds of profile_step.KINDS; the first match wins
    ("optimizer update", r"_foreach_|Optimizer\.|sgd|adam|clip_grad"),
    ("convolution", r"conv|Convolution"),
    ("batch norm", r"batch_norm|BatchNorm"),
    ("recurrent (fused LSTM)", r"rnn|lstm|Rnn|Lstm"),
    ("cast", r"aten::to$|_to_copy|aten::copy_|ToCopy"),
    ("matmul", r"mm$|addmm|matmul|linear|Mm|Addmm"),
    ("pooling / pad / slice", r"pool|pad|slice|cat|transpose|permute|index|select|narrow|contiguous|"
                              r"Pad|Slice|Cat|Permute|Index|Select|clone|embedding|Embedding"),
    ("reduction / loss", r"sum|mean|amax|softmax|nll_loss|cross_entropy|Sum|Mean|Amax|Softmax|Nll"),
    ("element-wise", r"relu|add|sub|mul|div|threshold|sqrt|neg|exp|log|where|masked_fill|dropout|"
                     r"bernoulli|tanh|sigmoid|clamp|Relu|Add|Sub|Mul|Div|Threshold|MaskedFill|Dropout"),
]


def torch_kind(name: str) -> str:
    import measure

    return measure.first_kind(name, TORCH_KINDS)


def profile_torch(spec: Spec, steps: int) -> dict:
    """ms per bfloat16 step by kind (torch.profiler self CPU time), and the wall step time."""
    import torch
    import torch_models
    from torch.profiler import ProfilerActivity, profile

    if spec.batch < 16:  # as torch_rates: a wiring check runs on one thread
        torch.set_num_threads(1)
    _, (x, y) = synthetic(spec, spec.batch)
    x, y = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))
    _, _, step = torch_models.build(spec.name)
    for _ in range(steps):
        step(x, y, True)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        started = time.perf_counter()
        for _ in range(steps):
            step(x, y, True)
        seconds = time.perf_counter() - started
    kinds, top = {}, []
    for event in prof.key_averages():
        ms = event.self_cpu_time_total / 1e3 / steps
        kind = torch_kind(event.key)
        kinds[kind] = kinds.get(kind, 0.0) + ms
        top.append((ms, event.key))
    kinds["total (op self time)"] = sum(kinds.values())
    kinds["step time (wall)"] = seconds * 1e3 / steps
    return {"ms_per_step": kinds, "top_ops": sorted(top, reverse=True)[:10]}


def profile_keras(spec: Spec, steps: int, lever: str) -> dict:
    """ms per mixed_bfloat16 step by kind (benchmarks/profile_step.py's grouping)."""
    import glob

    import profile_step

    _apply_tf_settings(LEVERS[lever][2])
    data, _ = synthetic(spec, spec.batch * steps)
    with tempfile.TemporaryDirectory() as logdir:
        if isinstance(data, str):
            Path(logdir, "corpus.txt").write_text(data, encoding="utf-8")
            data = str(Path(logdir, "corpus.txt"))
        overrides = keras_overrides(spec, "bfloat16", lever, e2e=False)
        overrides = [o for o in overrides if not o.startswith(("train.batch_size", "train.steps_per_epoch"))]
        seconds = profile_step.profile_recipe(None, None, KERAS_POLICY["bfloat16"], steps, spec.batch,
                                              os.path.join(logdir, "trace"), recipe=spec.recipe, data=data,
                                              overrides=overrides)
        rows = profile_step.op_stats(glob.glob(f"{logdir}/trace/**/*.xplane.pb", recursive=True))
    kinds = profile_step.by_kind(rows, steps)
    kinds["step time (wall)"] = seconds * 1e3 / steps
    by_type = {}
    for row in rows:
        by_type[row["type"]] = by_type.get(row["type"], 0.0) + row["self_us"] / 1e3 / steps
    return {"ms_per_step": kinds, "top_ops": sorted(((ms, t) for t, ms in by_type.items()), reverse=True)[:10]}


def sizes(args) -> dict:
    return {"tiny": args.tiny, "quick": args.quick}


def profile(model, args, with_torch) -> dict:
    jobs = {"keras bfloat16": {"side": "keras-profile", "model": model, "lever": args.variants[0], **sizes(args)}}
    if with_torch:
        jobs["torch bfloat16"] = {"side": "torch-profile", "model": model, **sizes(args)}
    return {name: run_side(job, args.in_process) for name, job in jobs.items()}


def print_profile(model, result):
    columns = list(result)
    kinds = []
    for column in columns:
        kinds += [k for k in result[column]["ms_per_step"] if k not in kinds]
    last = ["total (op self time)", "step time (wall)"]
    kinds = [k for k in kinds if k not in last] + last
    print(f"\n{model}: ms per bfloat16 step by op kind")
    print(f"{'':<28}" + "".join(f"{c:>18}" for c in columns))
    for kind in kinds:
        print(f"{kind:<28}" + "".join(f"{result[c]['ms_per_step'].get(kind, 0.0):>18.1f}" for c in columns))
    for column in columns:
        print(f"top ops, {column}: " + ", ".join(f"{name} {ms:.1f}" for ms, name in result[column]["top_ops"]))


def _measure_job(job):
    """The worker's dispatch (also used in-process)."""
    side = job["side"]
    if side.endswith("-profile"):
        spec = spec_for(job)
        if side == "torch-profile":
            return profile_torch(spec, spec.steps)
        return profile_keras(spec, spec.steps, job["lever"])
    return measure_side(job)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--variants", nargs="+", default=["engine"], choices=list(LEVERS),
                        help="Keras settings to time (the first is also the e2e and profiled one)")
    parser.add_argument("--precisions", nargs="+", default=list(PRECISIONS), choices=PRECISIONS)
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (default 3; --quick 1)")
    parser.add_argument("--quick", action="store_true", help="1 round")
    parser.add_argument("--tiny", action="store_true", help="batch 8, 3 steps: a wiring check, not a figure")
    parser.add_argument("--no-torch", action="store_true", help="the Keras side only")
    parser.add_argument("--no-e2e", action="store_true", help="no end-to-end (augmentation) run")
    parser.add_argument("--profile", action="store_true", help="profile the bfloat16 step of both sides")
    parser.add_argument("--in-process", action="store_true",
                        help="run every side in this process (tests; the thread pools then share it)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print("RESULT " + json.dumps(_measure_job(json.loads(args.worker))), flush=True)
        return None
    args.rounds = args.rounds or (1 if args.quick else 3)
    with_torch = not args.no_torch and torch_available()
    if not with_torch and not args.no_torch:
        print("torch is not installed: the Keras side only (pip install keras-recipes[bench])", file=sys.stderr)
    info = machine()
    results = {}
    for model in args.models:
        results[model] = profile(model, args, with_torch) if args.profile else bench(model, args, with_torch)
    info["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    if args.profile:
        print(f"machine: {info['cpu']}, flags {info['flags']}, load {info['load_average']}")
        for model, result in results.items():
            print_profile(model, result)
    else:
        print_results(info, results)
    print(f"load average after: {info['load_average_after']}")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "settings": {k: str(v) for k, v in vars(args).items()},
                                         "results": results}, indent=2, default=str))
    return {"machine": info, "results": results}


if __name__ == "__main__":
    main()
