"""``generate``: text sampled character by character from a language-model run.

The run's task supplies the sampler (``Task.text_sampler``): for a recurrent
model, ``keras_recipes.tasks.recurrent_sampler.RecurrentSampler``, which
carries the recurrent state from character to character; a model of another
kind brings its own sampler with the same methods, and this module does not
change.

Sampling (``sample_next``, shared by every sampler): logits / temperature
(0: greedy), optionally restricted to the ``top_k`` most likely characters,
drawn with
``tf.random.stateless_categorical`` seeded by ``(seed, index of the
character)``: the same seed gives the same text, in Python as in the
exported SavedModel's ``generate`` signature.

Example:

>>> import keras_recipes as kr
>>> result = kr.generate("runs/shakespeare", prompt="ROMEO:", length=200, seed=1)
>>> print(result["text"])
"""

from __future__ import annotations

import sys
import time
from typing import Optional

import numpy as np

from keras_recipes.errors import RecipeError

# The first character when the prompt is empty: a newline (the start of a
# line, where most text starts), else the vocabulary's first character.
START_CHARACTER = "\n"


def sample_next(logits, temperature, top_k, seed):
    """int32 ``[B]`` next ids from float ``[B, V]`` logits (graph ops only).

    ``temperature`` <= 0 picks the most likely character; ``top_k`` > 0
    samples among the ``top_k`` most likely only; ``seed`` is an int32
    ``[2]`` stateless seed.
    """
    import tensorflow as tf

    logits = tf.cast(logits, tf.float32)

    def greedy():
        return tf.argmax(logits, axis=-1, output_type=tf.int32)

    def draw():
        scaled = logits / tf.cast(temperature, tf.float32)
        vocab = tf.shape(scaled)[-1]
        k = tf.where(top_k > 0, tf.minimum(top_k, vocab), vocab)
        kth = tf.math.top_k(scaled, k=k).values[:, -1:]
        scaled = tf.where(scaled < kth, tf.fill(tf.shape(scaled), -np.inf), scaled)
        return tf.cast(tf.random.stateless_categorical(scaled, 1, seed=seed)[:, 0], tf.int32)

    return tf.cond(temperature > 0, draw, greedy)


def generate(run_dir, prompt: str = "", length: int = 500, *, temperature: float = 0.8,
             top_k: Optional[int] = None, seed: int = 0, checkpoint: str = "best",
             stream=None, unknown: str = "error") -> dict:
    """Sample ``length`` characters after ``prompt`` from a language-model run.

    Args:
        run_dir: a finished run of a language-model recipe (``shakespeare-char``).
        prompt: the text to continue ("" starts at a new line). Characters
            the model never saw raise a RecipeError naming them, unless
            ``unknown="drop"`` (they are then left out of the prompt).
        length: characters to sample.
        temperature: > 0 divides the logits (lower: more conservative); 0:
            always the most likely character.
        top_k: sample among the k most likely characters only (None: all).
        seed: same seed, same text.
        checkpoint: ``best`` or ``final``.
        stream: a file-like object (e.g. ``sys.stdout``) the prompt and each
            character are written to as soon as sampled; None: nothing.

    Returns:
        ``{"text": prompt + sample, "sample": the sampled characters,
        "chars_per_s": sampling speed (tracing excluded, the prompt included),
        "seconds": ..., "seed": ..., ...}``.
    """
    from keras_recipes.inference.run import float32_model, load_run

    if length < 0:
        raise RecipeError(f"length must be at least 0; received {length}")
    if temperature < 0:
        raise RecipeError(f"temperature must be >= 0 (0: greedy); received {temperature}")
    if top_k is not None and top_k < 0:
        raise RecipeError(f"top_k must be positive; received {top_k}")
    run = load_run(run_dir, checkpoint)
    sampler = run.task.text_sampler(run, float32_model(run))
    ids = sampler.prompt_ids(prompt, unknown=unknown)
    sampler.warm_up()
    if stream is not None:
        stream.write(prompt)
        stream.flush()
    chars, started = [], time.perf_counter()
    for next_id in sampler.iter_ids(ids, length, temperature=temperature, top_k=top_k or 0,
                                    seed=seed):
        char = sampler.vocabulary[next_id]
        chars.append(char)
        if stream is not None:
            stream.write(char)
            stream.flush()
    end = time.perf_counter()
    if stream is not None and stream in (sys.stdout, sys.stderr):
        stream.write("\n")
    sample = "".join(chars)
    speed = length / (end - started) if length and end > started else float("nan")
    return {"text": prompt + sample, "sample": sample, "prompt": prompt, "length": length,
            "temperature": temperature, "top_k": top_k, "seed": seed,
            "checkpoint": run.checkpoint, "seconds": round(end - started, 3),
            "chars_per_s": round(speed, 1)}
