"""Side by side on one machine and one split: `cifar-airbench` (its default
schedule, 10 epochs) against `cifar-resnet --preset fast --epochs 30`, each
timed to the end of training and scored on held-out images.

    python benchmarks/airbench_vs_resnet.py --data DIR              # DIR/train/<class>/*.jpg, 3 seeds
    python benchmarks/airbench_vs_resnet.py --data DIR --seeds 1
    python benchmarks/airbench_vs_resnet.py --data DIR --baseline-seeds 1   # ResNet-20 once, airbench 3x
    python benchmarks/airbench_vs_resnet.py --data DIR --quick      # 1 epoch, 2 seeds, 100 files per class
    python benchmarks/airbench_vs_resnet.py --synthetic --quick     # tiny generated images (the test)

The held-out images are benchmarks/accuracy.py's: the last 10% of each
class in natural file-name order, among the files no recipe choice was
validated on; the rest is the training folder, from which each recipe holds
out its own validation split as it always does (`data.val_fraction=0.1`).
The public test split is never read. Seeds alternate between the two
recipes (seed 0 of each, then seed 1, ...), so a change in the machine's
load hits both alike.

Per run: the held-out accuracy (metrics.json's test accuracy: the best
checkpoint, as served, test-time augmentation included), the training time
(from the start to the end of `fit`, validation passes included, as the
progress bar counts it) and the whole run's wall time (data loading,
whitening fit, compilation, final evaluation and saving included). Prints a
table of mean +- std and the time ratio, and writes JSON (default
benchmarks/airbench_vs_resnet.json) with the machine and its load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure
from accuracy import holdout_layout, summarise, synthetic_archives

import keras_recipes as kr  # first: it turns oneDNN on before TensorFlow loads
import keras  # after keras_recipes, as above
from keras_recipes import config as C

# (row, recipe, preset, overrides)
ROWS = [
    ("cifar-resnet-fast-30ep", "cifar-resnet", "fast", ("train.epochs=30",)),
    ("cifar-airbench", "cifar-airbench", None, ()),
]


class TrainTimer(keras.callbacks.Callback):
    """Seconds from the start to the end of ``fit`` (summed over a resumed run's fits)."""

    seconds = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_end(self, logs=None):
        self.seconds += time.perf_counter() - self._start


def run_row(recipe, preset, overrides, layout, seed, args, run_dir) -> dict:
    cfg = kr.get_recipe(recipe).config(preset=preset)
    settings = [f"runtime.seed={seed}", "runtime.verbose=0", f"data.source={layout}",
                f"runtime.precision={args.precision}", *overrides, *args.set]
    if args.epochs:
        settings.append(f"train.epochs={args.epochs}")
    timer = TrainTimer()
    metrics = kr.run(C.apply_overrides(cfg, settings), run_dir, callbacks=[timer])
    return {"seed": seed, "accuracy": metrics["test"]["accuracy"], "epochs": metrics["epochs"],
            "train_s": round(timer.seconds, 1), "wall_time_s": metrics["wall_time_s"],
            "load_average": os.getloadavg()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="~/.cache/keras-recipes/data",
                        help="folder holding train/<class>/ (CIFAR-10 images)")
    parser.add_argument("--synthetic", action="store_true", help="tiny generated images")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per recipe (default 3)")
    parser.add_argument("--baseline-seeds", type=int,
                        help="seeds of the cifar-resnet row (default: --seeds); its first seeds")
    parser.add_argument("--quick", action="store_true", help="1 epoch, 2 seeds, 100 files per class")
    parser.add_argument("--epochs", type=int, help="epochs of both rows (default: each row's own)")
    parser.add_argument("--per-class", type=int, help="keep this many files per class")
    parser.add_argument("--precision", default="auto", choices=C.PRECISIONS)
    parser.add_argument("--set", action="append", default=[], help="a config override for both rows")
    parser.add_argument("--json", default=str(Path(__file__).with_name("airbench_vs_resnet.json")))
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs = args.epochs or 1
        args.seeds = min(args.seeds, 2)
        args.per_class = args.per_class or 100

    baseline_seeds = args.seeds if args.baseline_seeds is None else min(args.baseline_seeds, args.seeds)
    info = measure.machine()
    runs = {name: [] for name, *_ in ROWS}
    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_archives(Path(tmp, "archives")) if args.synthetic else Path(args.data).expanduser()
        layout = holdout_layout(data / "train", Path(tmp, "holdout"), "image", "random", args.per_class)
        held_out = sum(1 for p in Path(layout, "test").rglob("*") if p.is_file())
        for seed in range(args.seeds):
            for name, recipe, preset, overrides in ROWS:
                if name == ROWS[0][0] and seed >= baseline_seeds:
                    continue
                result = run_row(recipe, preset, overrides, layout, seed, args,
                                 os.path.join(tmp, f"{name}-{seed}"))
                runs[name].append(result)
                print(f"[{name}] seed {seed}: held-out accuracy {result['accuracy']:.4f}, "
                      f"training {result['train_s']:.1f}s, run {result['wall_time_s']:.1f}s, "
                      f"load {result['load_average'][0]:.2f}", flush=True)
    rows = []
    for name, recipe, preset, overrides in ROWS:
        accuracy = summarise([r["accuracy"] for r in runs[name]])
        train_s = summarise([r["train_s"] for r in runs[name]])
        rows.append({"row": name, "recipe": recipe, "preset": preset, "overrides": list(overrides),
                     "epochs": runs[name][0]["epochs"], "seeds": len(runs[name]),
                     "accuracy_mean": accuracy[0], "accuracy_std": accuracy[1],
                     "train_s_mean": train_s[0], "train_s_std": train_s[1], "runs": runs[name]})
    ratio = rows[1]["train_s_mean"] / rows[0]["train_s_mean"]
    result = {"machine": info, "held_out_images": held_out, "settings": vars(args), "rows": rows,
              "airbench_over_resnet_train_time": ratio}
    Path(args.json).write_text(json.dumps(result, indent=2, default=str))
    print(f"\n{info['cpu']}, {info['cores']} cores, load {info['load_average']}; {info['date']}; "
          f"{held_out} held-out images")
    print(table(rows))
    print(f"\ncifar-airbench's training time / cifar-resnet's: {ratio:.2f}\nwrote {args.json}")
    return result


def table(rows) -> str:
    lines = ["| recipe | epochs | seeds | held-out accuracy | training time |", "|---|---|---|---|---|"]
    for r in rows:
        what = f"`{r['recipe']}`" + (f" `--preset {r['preset']}`" if r["preset"] else "") + \
            "".join(f" `--set {o}`" for o in r["overrides"])
        lines.append(f"| {what} | {r['epochs']} | {r['seeds']} | "
                     f"{100 * r['accuracy_mean']:.2f} +- {100 * r['accuracy_std']:.2f}% | "
                     f"{r['train_s_mean']:.0f} +- {r['train_s_std']:.0f} s |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
