"""Accuracy benchmark: each recipe (and its hand-written baseline) at fixed
budgets, several seeds, scored on examples no choice was tuned on.

    python benchmarks/accuracy.py --data DIR            # DIR/train/<class>/*.jpg, DIR/aclImdb/train/{neg,pos}
    python benchmarks/accuracy.py --data DIR --quick    # 1 epoch, 2 seeds, 100 files per class
    python benchmarks/accuracy.py --synthetic --quick   # tiny generated folders (what the test runs)
    python benchmarks/accuracy.py --data DIR --only cifar-resnet-fast --seeds 1
    python benchmarks/accuracy.py --data DIR --only mnist-cnn      # DIR/train/<digit>/*.png

The held-out split. The recipes' choices (the `fast` preset, the IMDB
defaults) were made on validation rows of the training archives: the split
`runtime.seed=1337`, `val_fraction=0.1` gives (random for CIFAR-10, blocks
for IMDB). This benchmark leaves those rows out of its held-out set: from
each class's remaining files it holds out the last 10% in natural file-name
order (a contiguous block of ids, so IMDB movies do not straddle it except
at one edge) and trains on everything else. MNIST rows hold out the seeded
10,000 of benchmarks/mnist_holdout.py (a sixth of a smaller folder); their
settings were chosen on the seed-1337 validation rows of the other 50,000.
The public test splits are never read.

Each row runs every seed (runtime.seed = 0, 1, 2, ...); the recipe rows go
through `keras_recipes.run` exactly as `recipes run` does, and report
metrics.json's test accuracy (the best checkpoint when the recipe keeps a
validation split, else the final weights). Prints a table of mean +- std
and writes JSON (default benchmarks/accuracy.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hand_written
import measure
import numpy as np
from tuning_split import TUNING_SEED, TUNING_VAL_FRACTION

import keras_recipes as kr  # first: it turns oneDNN on before TensorFlow loads
from keras_recipes import config as C
from keras_recipes.datasets.folders import list_class_files
from keras_recipes.datasets.spec import IMAGE_EXTENSIONS, TEXT_EXTENSIONS
from keras_recipes.datasets.splits import natural_key, split_rows

HOLDOUT = 0.1


@dataclasses.dataclass
class Row:
    name: str
    data: str  # "cifar" | "imdb"
    epochs: int
    recipe: str = ""  # a recipe row: `recipes run RECIPE [--preset P] [--set ...]`
    preset: str | None = None
    overrides: tuple = ()
    hand: str = ""  # a hand-written row: the function in hand_written.py
    seeds: int = 3


ROWS = [
    Row("cifar-resnet-fast-3ep", "cifar", 3, recipe="cifar-resnet", preset="fast"),
    Row("hand-written-resnet20-3ep", "cifar", 3, hand="fit_resnet20_accuracy"),
    Row("cifar-resnet-fast-10ep", "cifar", 10, recipe="cifar-resnet", preset="fast", seeds=1),
    Row("cifar-resnet-fast-30ep", "cifar", 30, recipe="cifar-resnet", preset="fast", seeds=1),
    Row("imdb-lstm", "imdb", 0, recipe="imdb-lstm"),  # epochs 0: the recipe's own
    Row("imdb-gru", "imdb", 0, recipe="imdb-gru"),
    Row("hand-written-bilstm-2ep", "imdb", 2, hand="fit_bilstm_accuracy"),
    Row("imdb-ngram", "imdb", 0, recipe="imdb-ngram"),
    Row("hand-written-bigrams-2ep", "imdb", 2, hand="fit_bigrams_accuracy"),
    Row("mnist-cnn", "mnist", 0, recipe="mnist-cnn"),
    Row("mnist-cnn-lenet", "mnist", 0, recipe="mnist-cnn", preset="lenet"),
]
# Where each archive is, under --data, its kind and the split its tuning runs validated on
# (MNIST: None, held out by benchmarks/mnist_holdout.py instead).
SOURCES = {"cifar": ("train", "image", "random"), "imdb": ("aclImdb/train", "text", "blocks"),
           "mnist": ("train", "image", None)}


def holdout_layout(src, out, kind, tuning_split, per_class=None):
    """`out/train/<class>/` and `out/test/<class>/` as symlinks into `src`.

    test = the last HOLDOUT of each class (natural file-name order) among the
    files the tuning runs did not validate on; `per_class` first keeps only
    that many files of each class (a quick subset)."""
    extensions = IMAGE_EXTENSIONS if kind == "image" else TEXT_EXTENSIONS
    paths, labels, names = list_class_files(src, extensions, progress=False)
    _, tuned_on = split_rows(labels, TUNING_VAL_FRACTION, TUNING_SEED, tuning_split, paths)
    free = np.setdiff1d(np.arange(labels.size), tuned_on)
    out = Path(out)
    for label, name in enumerate(names):
        rows = sorted(free[labels[free] == label], key=lambda i: natural_key(paths[i]))
        rows = rows[:per_class] if per_class else rows
        n_test = max(1, round(HOLDOUT * len(rows)))
        for split, chosen in (("train", rows[:-n_test]), ("test", rows[-n_test:])):
            folder = out / split / name
            folder.mkdir(parents=True)
            for i in chosen:
                (folder / os.path.basename(paths[i])).symlink_to(os.path.abspath(paths[i]))
    return out


def mnist_layout(src, out, per_class=None):
    """benchmarks/mnist_holdout.py's split of `src` (train/<digit>/*.png):
    its seeded 10,000 of the 60,000 as test/, or a sixth of a smaller folder;
    `per_class` first keeps that many files of each class (in name order)."""
    from mnist_holdout import make_holdout

    if per_class:
        src = _first_files(src, Path(out).with_name(Path(out).name + "-subset"), per_class)
    total = sum(1 for _ in Path(src).glob("*/*.png"))
    make_holdout(src, out, holdout=10_000 if total >= 60_000 else total // 6)
    return Path(out)


def _first_files(src, out, per_class):
    for folder in sorted(p for p in Path(src).iterdir() if p.is_dir()):
        (out / folder.name).mkdir(parents=True)
        for path in sorted(folder.glob("*.png"), key=natural_key)[:per_class]:
            (out / folder.name / path.name).symlink_to(path.resolve())
    return out


def synthetic_archives(root):
    """Tiny stand-ins for the two archives: 4 classes of 32x32 PNGs whose
    brightness gives the class, and aclImdb-style reviews `<id>_<rating>.txt`."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for c in range(4):
        folder = Path(root, "train", f"c{c}")
        folder.mkdir(parents=True)
        for i in range(30):
            pixels = rng.integers(0, 64, (32, 32, 3)) + 60 * c
            Path(folder, f"{i}.png").write_bytes(tf.io.encode_png(pixels.astype("uint8")).numpy())
    words = {"neg": "dull awful boring", "pos": "great superb moving"}
    for label, cue in words.items():
        folder = Path(root, "aclImdb", "train", label)
        folder.mkdir(parents=True)
        for i in range(30):
            filler = " ".join(rng.choice(["film", "plot", "actor", "scene"], 20))
            Path(folder, f"{i}_{rng.integers(1, 11)}.txt").write_text(f"{cue} {filler}")
    return Path(root)


def run_recipe(row, layout, seed, args, tmp):
    cfg = kr.get_recipe(row.recipe).config(preset=row.preset)
    overrides = [f"runtime.seed={seed}", "runtime.verbose=0", f"data.source={layout}",
                 f"runtime.precision={args.precision}", *row.overrides]
    if args.synthetic:  # one stand-in folder of 32x32 colour images serves every image row
        overrides.append("data.convert=true")
    if row.epochs:
        overrides.append(f"train.epochs={args.epochs or row.epochs}")
    elif args.epochs:
        overrides.append(f"train.epochs={args.epochs}")
    cfg = C.apply_overrides(cfg, overrides + list(args.set))
    metrics = kr.run(cfg, os.path.join(tmp, f"{row.name}-{seed}"))
    return metrics["test"]["accuracy"], {"epochs": metrics["epochs"], "wall_time_s": metrics["wall_time_s"],
                                         "test_final": metrics.get("test_final", {}).get("accuracy")}


def run_hand(row, layout, seed, args, tmp):
    import time

    from keras_recipes.datasets import load_splits
    from keras_recipes.runtime import hardware
    from keras_recipes.runtime.plan import choose
    from keras_recipes.runtime.precision import apply_precision

    kind = SOURCES[row.data][1]
    splits = load_splits(str(layout), kind=kind, image_size=32 if kind == "image" else None,
                         val_fraction=0.0, progress=False)
    arrays = [measure.arrays(splits.train), measure.arrays(splits.test)]
    apply_precision(choose("runtime.precision", args.precision, hardware.detect()).value)  # as the recipe rows
    started = time.time()
    accuracy = getattr(hand_written, row.hand)(*arrays, args.epochs or row.epochs, seed)
    return accuracy, {"epochs": args.epochs or row.epochs, "wall_time_s": round(time.time() - started, 1)}


def summarise(values):
    mean = statistics.mean(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return mean, std


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="~/.cache/keras-recipes/data",
                        help="folder holding train/<class>/ (CIFAR-10) and aclImdb/train/ (IMDB)")
    parser.add_argument("--synthetic", action="store_true", help="tiny generated archives")
    parser.add_argument("--quick", action="store_true", help="1 epoch, 2 seeds, 100 files per class")
    parser.add_argument("--only", help="comma-separated row names (default: all)")
    parser.add_argument("--seeds", type=int, help="seeds per row (default: the row's, >= 3 at short budgets)")
    parser.add_argument("--epochs", type=int, help="epochs of every row (default: the row's budget)")
    parser.add_argument("--per-class", type=int, help="keep this many files per class")
    parser.add_argument("--precision", default="auto", choices=C.PRECISIONS, help="every row's precision")
    parser.add_argument("--set", action="append", default=[], help="a config override for recipe rows")
    parser.add_argument("--json", default=str(Path(__file__).with_name("accuracy.json")))
    parser.add_argument("--markdown", action="store_true",
                        help="print the rows saved in --json as a Markdown table and exit (trains nothing)")
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(Path(args.json).read_text())))
        return []
    if args.quick:
        args.epochs = args.epochs or 1
        args.seeds = args.seeds or 2
        args.per_class = args.per_class or 100
    rows = ROWS
    if args.only:
        wanted = args.only.split(",")
        unknown = [w for w in wanted if w not in {r.name for r in ROWS}]
        if unknown:
            parser.error(f"unknown row {unknown[0]!r}; rows: {', '.join(r.name for r in ROWS)}")
        rows = [r for r in ROWS if r.name in wanted]

    info = measure.machine()
    results = []
    # Rows of earlier invocations stay in the JSON unless re-run, so the
    # long rows can be run one at a time.
    saved = json.loads(Path(args.json).read_text()) if Path(args.json).is_file() else {}
    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_archives(Path(tmp, "archives")) if args.synthetic else Path(args.data).expanduser()
        layouts = {}
        for row in rows:
            if row.data not in layouts:
                sub, kind, tuned = SOURCES[row.data]
                layouts[row.data] = (mnist_layout(data / sub, Path(tmp, "holdout", row.data), args.per_class)
                                     if tuned is None else
                                     holdout_layout(data / sub, Path(tmp, "holdout", row.data), kind, tuned,
                                                    args.per_class))
            fit = run_recipe if row.recipe else run_hand
            scores, details = [], []
            for seed in range(args.seeds or row.seeds):
                accuracy, detail = fit(row, layouts[row.data], seed, args, tmp)
                scores.append(accuracy)
                details.append({"seed": seed, "accuracy": accuracy, **detail})
                print(f"[{row.name}] seed {seed}: test accuracy {accuracy:.4f} {detail}", flush=True)
            mean, std = summarise(scores)
            results.append({"row": row.name, "recipe": row.recipe or None, "preset": row.preset,
                            "hand_written": row.hand or None, "epochs": details[0]["epochs"],
                            "seeds": len(scores), "mean": mean, "std": std, "runs": details,
                            "machine": info, "settings": vars(args)})
            counts = {k: sum(1 for p in Path(v, "test").rglob("*") if p.is_file()) for k, v in layouts.items()}
            _write(args.json, results, saved, counts)
    print(f"\n{info['cpu']}, {info['cores']} cores; TF {info['tensorflow']}, Keras {info['keras']}; "
          f"{info['date']}; held-out files: {counts}")
    print(f"{'row':<28} {'epochs':>6} {'seeds':>5}  {'held-out accuracy':>20}")
    for r in results:
        print(f"{r['row']:<28} {str(r['epochs']):>6} {r['seeds']:>5}  "
              f"{100 * r['mean']:>10.2f} +- {100 * r['std']:.2f}%")
    print(f"\nwrote {args.json}")
    return results


def markdown(saved) -> str:
    """The saved rows as the table RESULTS.md shows."""
    lines = ["| row | budget | seeds | held-out accuracy, mean +- std | per seed |", "|---|---|---|---|---|"]
    order = {row.name: i for i, row in enumerate(ROWS)}
    for r in sorted(saved["rows"], key=lambda r: order.get(r["row"], len(order))):
        seeds = ", ".join(f"{100 * run['accuracy']:.2f}" for run in r["runs"])
        spread = f" +- {100 * r['std']:.2f}" if r["seeds"] > 1 else ""  # no spread from one run
        what = f"`{r['recipe']}`" + (f" `--preset {r['preset']}`" if r["preset"] else "") if r["recipe"] \
            else f"hand-written `{r['hand_written']}`"
        lines.append(f"| {what} | {r['epochs']} epochs | {r['seeds']} | "
                     f"**{100 * r['mean']:.2f}{spread}%** | {seeds} |")
    return "\n".join(lines)


def _write(path, results, saved, counts):
    """The JSON after every row: this invocation's rows replace saved ones of the same name."""
    done = {r["row"] for r in results}
    rows = [r for r in saved.get("rows", []) if r["row"] not in done] + results
    counts = {**saved.get("holdout", {}).get("files", {}), **counts}
    with open(path, "w") as f:
        json.dump({"holdout": {
            "rule": f"last {HOLDOUT:.0%} per class in natural file-name order, among files not in the "
                    f"tuning validation split (seed {TUNING_SEED}, val_fraction {TUNING_VAL_FRACTION}); "
                    "MNIST: the seeded 10,000 of benchmarks/mnist_holdout.py",
            "files": counts}, "rows": rows}, f, indent=2, default=str)


if __name__ == "__main__":
    main()
