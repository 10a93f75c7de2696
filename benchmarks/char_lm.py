"""shakespeare-char vs a hand-written Keras character LSTM on the same text.

Both models train on the same text with the same contiguous tail held out
(``--val-fraction``, default 10%) and are scored the same way on it: mean
nats per character over non-overlapping windows of 128 characters, every
position scored (training's ``val_loss``). Generation speed: the recipe's
``kr.generate`` (stateful step model, compiled chunks of steps) vs the hand-
written way, a compiled forward pass over the last 128 characters for each
new character. Prints one table::

    model                       nats/char  bits/char  gen chars/s  train min
    shakespeare-char (cpu)         ...

Usage::

    python benchmarks/char_lm.py                      # full: the cpu preset, ~20 min each on 2 free cores
    python benchmarks/char_lm.py --quick              # a minute or two: is everything wired?
    python benchmarks/char_lm.py --recipe-run runs/x  # score a finished recipe run instead of training one

The hand-written model is the issue's yardstick (embedding 64, 2 x LSTM-256,
dropout 0.1, windows of 128, batch 64, Adam 2e-3 at a constant rate) and
uses nothing from keras_recipes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_DATA = "/work/shared/data/shakespeare_train.txt"
WINDOW = 128
GEN_CHARS = 300


def read_split(path, val_fraction, limit=None):
    text = Path(path).read_text(encoding="utf-8")
    if limit:
        text = text[:limit]
    cut = len(text) - int(round(len(text) * val_fraction))
    return text, text[:cut], text[cut:]


# -- the hand-written yardstick: plain Keras, nothing from keras_recipes ------------------
def hand_written(train_text, val_text, *, epochs, units=256, minutes=None, seed=0):
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    vocab = sorted(set(train_text))
    index = {c: i for i, c in enumerate(vocab)}
    train_ids = np.array([index[c] for c in train_text], np.int32)
    val_ids = np.array([index[c] for c in val_text if c in index], np.int32)

    def windows(ids):
        n = (len(ids) - 1) // WINDOW
        return ids[:n * WINDOW].reshape(n, WINDOW), ids[1:n * WINDOW + 1].reshape(n, WINDOW)

    x, y = windows(train_ids)
    vx, vy = windows(val_ids)
    inputs = keras.Input((None,), dtype="int32")
    h = keras.layers.Embedding(len(vocab), 64)(inputs)
    for _ in range(2):
        h = keras.layers.LSTM(units, return_sequences=True)(h)
        h = keras.layers.Dropout(0.1)(h)
    model = keras.Model(inputs, keras.layers.Dense(len(vocab))(h))
    model.compile(keras.optimizers.Adam(2e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    callbacks = []
    if minutes:
        class Budget(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if time.time() - started > minutes * 60:
                    self.model.stop_training = True
        callbacks.append(Budget())
    started = time.time()
    history = model.fit(x, y, batch_size=64, epochs=epochs, shuffle=True, verbose=0,
                        callbacks=callbacks)
    train_s = time.time() - started
    nats = model.evaluate(vx, vy, batch_size=256, verbose=0)

    forward = tf.function(lambda ids: model(ids, training=False)[:, -1, :], reduce_retracing=True)
    context = list(train_ids[-WINDOW:])
    rng = np.random.default_rng(seed)
    forward(np.array([context], np.int32))  # trace
    started = time.time()
    for _ in range(GEN_CHARS):  # the whole window again for every character
        logits = np.asarray(forward(np.array([context[-WINDOW:]], np.int32)))[0] / 0.8
        p = np.exp(logits - logits.max())
        context.append(int(rng.choice(len(p), p=p / p.sum())))
    gen = GEN_CHARS / (time.time() - started)
    return {"nats": float(nats), "gen_chars_per_s": gen, "train_s": train_s,
            "epochs": len(history.epoch)}


# -- the recipe -----------------------------------------------------------------------
def recipe(data_path, work, *, overrides, run_dir=None):
    import keras_recipes as kr
    from keras_recipes.config import apply_overrides

    if run_dir is None:
        cfg = kr.get_recipe("shakespeare-char").config()
        cfg = kr.get_recipe("shakespeare-char").with_preset(cfg, "cpu")
        cfg = apply_overrides(cfg, [f"data.source={data_path}", "runtime.verbose=0", *overrides])
        run_dir = Path(work) / "recipe"
        metrics = kr.run(cfg, run_dir, overwrite=True)
    else:
        metrics = json.loads((Path(run_dir) / "metrics.json").read_text())
    train_s = metrics["wall_time_s"]
    epochs = metrics["epochs"]
    ev = kr.evaluate(run_dir, verbose=False)
    gen = kr.generate(run_dir, "ROMEO:", GEN_CHARS, temperature=0.8, seed=0)
    return {"nats": ev["nats_per_char"], "nats_carried": ev["nats_per_char_carried"],
            "gen_chars_per_s": gen["chars_per_s"], "train_s": train_s, "epochs": epochs,
            "run": str(run_dir)}


def table(rows):
    head = f"{'model':<38} {'nats/char':>9} {'bits/char':>9} {'gen chars/s':>11} {'train min':>9}"
    lines = [head, "-" * len(head)]
    for name, r in rows:
        lines.append(f"{name:<38} {r['nats']:>9.4f} {r['nats'] / math.log(2):>9.4f} "
                     f"{r['gen_chars_per_s']:>11.0f} {r['train_s'] / 60:>9.1f}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--work", default="/tmp/char_lm_bench")
    parser.add_argument("--quick", action="store_true",
                        help="first 60k characters, 1 epoch, 64 units: a wiring check, not a result")
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs of both models (default: the recipe's cpu preset, 16)")
    parser.add_argument("--recipe-run", default=None, help="score this finished recipe run")
    parser.add_argument("--hand-minutes", type=float, default=None,
                        help="stop the hand-written model after this many minutes of training")
    parser.add_argument("--skip-hand-written", action="store_true")
    parser.add_argument("--json", default=None, help="also write the rows here")
    args = parser.parse_args(argv)

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    data = args.data
    overrides, units = [], 256
    if args.quick:
        _, head, tail = read_split(data, 0.1, limit=60_000)
        data = str(work / "quick.txt")
        Path(data).write_text(head + tail, encoding="utf-8")
        overrides, units = ["model.units=64", "train.epochs=1"], 64
    if args.epochs:
        overrides.append(f"train.epochs={args.epochs}")
    epochs = args.epochs or (1 if args.quick else 16)
    _, train_text, val_text = read_split(data, 0.1)

    print(f"data: {data}: {len(train_text):,} training / {len(val_text):,} held-out characters "
          f"(contiguous tail); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
          flush=True)
    row = recipe(data, work, overrides=overrides, run_dir=args.recipe_run)
    rows = [(f"shakespeare-char (cpu preset), {row['epochs']} ep", row)]
    if not args.skip_hand_written:
        row = hand_written(train_text, val_text, epochs=epochs, units=units,
                           minutes=args.hand_minutes)
        rows.append((f"hand-written 2xLSTM-{units}, {row['epochs']} ep", row))
    print(table(rows))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(rows), indent=2) + "\n")
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
