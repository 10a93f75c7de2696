"""Compare settings of a recipe on its tuning split, over several init seeds.

    python benchmarks/tuning_split.py --data DIR/train cifar-resnet --preset fast --epochs 3 \\
        --seeds 1,2 --set augment.pad=2
    python benchmarks/tuning_split.py --data DIR/aclImdb/train imdb-lstm --seeds 1337 \\
        --set model.pooling=avg_max --set train.epochs=2

This is how the recipes' choices were made (the tables in the recipes'
docstrings and benchmarks/RESULTS.md). The validation split is always the
one of `runtime.seed=1337` with `val_fraction=0.1` (random for images, the
recipe's `data.val_split` otherwise: blocks for IMDB), whatever the init
seed, so settings are compared on the same examples; benchmarks/accuracy.py
leaves exactly these rows out of its held-out block. Each seed is one
`keras_recipes.run` on those splits; the score is the accuracy of the model
the run keeps (`--checkpoint final`: the last weights, what a preset without
a validation split keeps; `best`: the best checkpoint), through its saved
end-to-end model, so test-time augmentation counts when the config asks for
it. Prints one line per seed and mean +- std; `--json` appends them;
`--runs DIR` keeps each run directory (its history.csv).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure
import numpy as np

import keras_recipes as kr  # first: it turns oneDNN on before TensorFlow loads
from keras_recipes import config as C

# The split every tuning run validated on (benchmarks/accuracy.py leaves it out).
TUNING_SEED = 1337
TUNING_VAL_FRACTION = 0.1


def tuning_splits(recipe_cfg, data):
    """The recipe's data with the tuning validation split."""
    from keras_recipes import datasets

    d = recipe_cfg.data
    return datasets.load_splits(str(data), kind=d.kind, image_size=d.image_size, channels=d.channels,
                                val_fraction=TUNING_VAL_FRACTION, seed=TUNING_SEED, val_split=d.val_split,
                                progress=False)


def score(run_dir, splits, checkpoint):
    """Accuracy of the run's kept end-to-end model on the validation split."""
    from keras_recipes.inference.run import load_run, predict_probabilities

    x, y = measure.arrays(splits.val)
    model = load_run(run_dir, checkpoint).model
    return float(np.mean(predict_probabilities(model, x).argmax(axis=1) == y))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe")
    parser.add_argument("--data", required=True, help="the recipe's training folder")
    parser.add_argument("--preset")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--seeds", default="1,2", help="comma-separated init seeds")
    parser.add_argument("--set", action="append", default=[], help="a config override")
    parser.add_argument("--checkpoint", choices=("final", "best"), default="final")
    parser.add_argument("--json", help="append one JSON line per seed to this file")
    parser.add_argument("--runs", help="keep each seed's run directory (history.csv: every epoch's "
                        "training and validation accuracy) under this folder, as seed-N")
    args = parser.parse_args(argv)

    base = kr.get_recipe(args.recipe).config(preset=args.preset)
    splits = tuning_splits(base, args.data)
    scores = []
    with contextlib.nullcontext(args.runs) if args.runs else tempfile.TemporaryDirectory() as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            overrides = [f"runtime.seed={seed}", "runtime.verbose=0", f"data.val_fraction={TUNING_VAL_FRACTION}",
                         *([f"train.epochs={args.epochs}"] if args.epochs else []), *args.set]
            cfg = C.apply_overrides(base, overrides)
            run_dir = Path(tmp, f"seed-{seed}")
            started = time.time()
            kr.run(cfg, run_dir, data=splits)
            accuracy = score(run_dir, splits, args.checkpoint)
            scores.append(accuracy)
            record = {"recipe": args.recipe, "preset": args.preset, "set": args.set,
                      "epochs": cfg.train.epochs, "seed": seed, "checkpoint": args.checkpoint,
                      "val_accuracy": accuracy, "wall_s": round(time.time() - started)}
            print(json.dumps(record), flush=True)
            if args.json:
                with open(args.json, "a") as f:
                    f.write(json.dumps(record) + "\n")
    std = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    print(f"{args.recipe} {' '.join(args.set)}: {100 * np.mean(scores):.2f} +- {100 * std:.2f}% "
          f"over seeds {args.seeds} ({args.checkpoint} weights, {splits.counts['val']} validation examples)")
    return scores


if __name__ == "__main__":
    main()
