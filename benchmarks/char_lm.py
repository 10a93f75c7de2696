"""shakespeare-char vs a hand-written Keras character LSTM, both scored on
text that follows what they trained on and that nothing was chosen on.

The protocol: of the given text, both models train on the first
``--train-end`` (default 80%) and are scored on the part from there to
``--test-end`` (default 90%): the recipe is given a file of the first 80%
and does with it what its ``cpu`` preset does (today: trains on all of it),
then ``kr.evaluate(run, data=<80-90% file>)`` scores it; the hand-written
model trains on the same 80% for ``--hand-minutes`` (default 20) and is
scored on the same text. Scores are mean nats per character over
non-overlapping windows of 128 characters, every position scored (training's
``val_loss``); the recipe's row also gives the score with the recurrent
state carried across windows. The last 10% of the shared file, on which the
``cpu`` preset's budget was chosen, is not read. Generation speed: the
recipe's ``kr.generate`` (stateful step model, compiled chunks of steps) vs
the hand-written way, a compiled forward pass over the last 128 characters
for each new character. Prints one table::

    model                       nats/char  bits/char  gen chars/s  train min
    shakespeare-char (cpu)         ...

Usage::

    python benchmarks/char_lm.py --data shakespeare.txt          # ~20 min per model on 2 free cores
    python benchmarks/char_lm.py --quick                          # a minute or two: is everything wired?
    python benchmarks/char_lm.py --recipe-run runs/x             # score a finished recipe run instead

The hand-written model is the yardstick (embedding 64, 2 x LSTM-256,
dropout 0.1, windows of 128, batch 64, Adam 2e-3 at a constant rate, as
long as its minutes allow) and uses nothing from keras_recipes.
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

DEFAULT_DATA = "~/.cache/keras-recipes/data/shakespeare.txt"
WINDOW = 128
GEN_CHARS = 300


def read_protocol(path, train_end, test_end, limit=None):
    """(train, test): the text up to ``train_end`` and from there to ``test_end`` (fractions)."""
    text = Path(path).expanduser().read_text(encoding="utf-8")
    if limit:
        text = text[:limit]
    if not 0 < train_end < test_end <= 1:
        raise SystemExit(f"need 0 < --train-end < --test-end <= 1, got {train_end}, {test_end}")
    cut, end = int(len(text) * train_end), int(len(text) * test_end)
    return text[:cut], text[cut:end]


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
    history = model.fit(x, y, batch_size=64, epochs=epochs, shuffle=True, verbose=2,
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
            "epochs": len(history.epoch),
            "train_chars_per_s": x.size * len(history.epoch) / train_s}


# -- the recipe -----------------------------------------------------------------------
def recipe(data_path, test_path, work, *, overrides, run_dir=None):
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
    ev = kr.evaluate(run_dir, data=test_path, verbose=False)
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
    parser.add_argument("--train-end", type=float, default=0.8,
                        help="both models train on the text up to this fraction (default 0.8)")
    parser.add_argument("--test-end", type=float, default=0.9,
                        help="and are scored on the text from --train-end to here (default 0.9)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="the recipe's epochs (default: its cpu preset's)")
    parser.add_argument("--recipe-run", default=None, help="score this finished recipe run")
    parser.add_argument("--hand-minutes", type=float, default=20.0,
                        help="minutes of training for the hand-written model (default 20)")
    parser.add_argument("--hand-epochs", type=int, default=200,
                        help="epoch cap of the hand-written model (default 200: its minutes end it)")
    parser.add_argument("--skip-hand-written", action="store_true")
    parser.add_argument("--skip-recipe", action="store_true",
                        help="the hand-written model only (run the two in parallel processes)")
    parser.add_argument("--set", action="append", default=[], help="a config override of the recipe")
    parser.add_argument("--json", default=None, help="also write the rows here")
    args = parser.parse_args(argv)

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    overrides, units = list(args.set), 256
    limit = None
    if args.quick:
        limit = 60_000
        overrides, units = ["model.units=64", "train.epochs=1", *overrides], 64
        args.hand_minutes, args.hand_epochs = None, 1
    if args.epochs:
        overrides.append(f"train.epochs={args.epochs}")
    train_text, test_text = read_protocol(args.data, args.train_end, args.test_end, limit)
    train_path, test_path = work / "train.txt", work / "test.txt"
    train_path.write_text(train_text, encoding="utf-8")
    test_path.write_text(test_text, encoding="utf-8")

    print(f"data: {args.data}: training on the first {len(train_text):,} characters "
          f"({args.train_end:.0%}), scored on the next {len(test_text):,} (to {args.test_end:.0%}); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    rows = []
    if not args.skip_recipe:
        row = recipe(str(train_path), str(test_path), work, overrides=overrides,
                     run_dir=args.recipe_run)
        rows.append((f"shakespeare-char (cpu preset), {row['epochs']} ep", row))
        print(f"recipe: {row['nats']:.4f} nats/char ({row['nats_carried']:.4f} with the state "
              f"carried), {row['train_s'] / 60:.1f} min; load average {os.getloadavg()[0]:.1f}",
              flush=True)
    if not args.skip_hand_written:
        row = hand_written(train_text, test_text, epochs=args.hand_epochs, units=units,
                           minutes=args.hand_minutes)
        rows.append((f"hand-written 2xLSTM-{units}, {row['epochs']} ep", row))
    print(table(rows))
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(dict(rows), indent=2) + "\n")
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
