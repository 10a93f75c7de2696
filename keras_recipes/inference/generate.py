"""Character-by-character generation from a recurrent language model.

A trained model maps a window of character ids to next-character logits,
recomputing the whole window on every call. Generation instead uses a
*step model* sharing the same layers: ``(ids [B, T], states) -> (logits
[B, T, V], new states)``. The prompt is read in one call (T = its length),
then each sampled character is fed back alone (T = 1) with the recurrent
state the previous call returned, so a character costs one step of the
recurrence, not a pass over the window. Carrying the state across calls
computes exactly what one forward pass over the whole text computes
(``tests/tasks/test_language_model.py`` checks it).

Sampling (``sample_next``): logits / temperature (0: greedy), optionally
restricted to the ``top_k`` most likely characters, drawn with
``tf.random.stateless_categorical`` seeded by ``(seed, index of the
character)``: the same seed gives the same text, in Python as in the
exported SavedModel's ``generate`` signature, which runs the same step in a
``tf.while_loop``.

Example:

>>> import keras_recipes as kr
>>> result = kr.generate("runs/shakespeare", prompt="ROMEO:", length=200, seed=1)
>>> print(result["text"])
"""

from __future__ import annotations

import sys
import time
from typing import Iterator, List, Optional, Sequence

import numpy as np

from keras_recipes.errors import RecipeError

# The first character when the prompt is empty: a newline (the start of a
# line, where most text starts), else the vocabulary's first character.
START_CHARACTER = "\n"
# Characters sampled per compiled call (each one step of the recurrence).
CHUNK = 16


def recurrent_layers(model) -> list:
    """The model's LSTM/GRU layers, input to output."""
    import keras

    return [layer for layer in model.layers if isinstance(layer, (keras.layers.LSTM, keras.layers.GRU))]


def state_names(model) -> List[str]:
    """Names of the recurrent states: ``state_<layer>_h`` (and ``_c`` for an LSTM)."""
    import keras

    names = []
    for i, layer in enumerate(recurrent_layers(model)):
        names.append(f"state_{i}_h")
        if isinstance(layer, keras.layers.LSTM):
            names.append(f"state_{i}_c")
    return names


def build_step_model(model):
    """``(ids, *states) -> [logits, *new_states]`` sharing ``model``'s layers.

    ``model`` is embedding -> LSTM/GRU layers (built with
    ``return_state=True``) with dropout between -> dense logits, as the
    ``shakespeare-char`` recipe builds it. Dropout is left out (inference).
    """
    import keras

    embeddings = [layer for layer in model.layers if isinstance(layer, keras.layers.Embedding)]
    rnns = recurrent_layers(model)
    head = model.layers[-1]
    if len(embeddings) != 1 or not rnns or not isinstance(head, keras.layers.Dense):
        raise RecipeError(f"model {model.name!r} is not an embedding -> LSTM/GRU -> dense language "
                          "model; cannot build its step model")
    not_stateful = [layer.name for layer in rnns if not layer.return_state]
    if not_stateful:
        raise RecipeError(f"recurrent layers {not_stateful} of {model.name!r} do not return their "
                          "state (build them with return_state=True)")
    ids = keras.Input((None,), dtype="int32", name="ids")
    names = state_names(model)
    states_in = [keras.Input((rnn.units,), name=name) for name in names
                 for rnn in [rnns[int(name.split("_")[1])]]]
    x = embeddings[0](ids)
    states_out, k = [], 0
    for rnn in rnns:
        n = 2 if isinstance(rnn, keras.layers.LSTM) else 1
        outputs = rnn(x, initial_state=states_in[k:k + n])
        x, k = outputs[0], k + n
        states_out += list(outputs[1:])
    logits = head(x)
    return keras.Model([ids, *states_in], [logits, *states_out], name=f"{model.name}_step")


def zero_states(step_model, batch: int = 1) -> list:
    import tensorflow as tf

    return [tf.zeros([batch, int(s.shape[-1])], tf.float32) for s in step_model.inputs[1:]]


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


class Sampler:
    """A trained language model as compiled samplers.

    ``advance(ids [B, T], states, temperature, top_k, seed) -> (next ids
    [B], states)`` reads a prompt (or one character) and draws the next id;
    ``advance_n(id [1], states, ..., seed, start, n) -> (ids [n], states)``
    draws ``n`` more, one step of the recurrence each, in a ``tf.while_loop``.
    Both are ``tf.function``s traced once (``input_signature`` with None
    dimensions), so no prompt length or chunk size retraces them.
    """

    def __init__(self, model, vocabulary: Sequence[str]):
        import tensorflow as tf

        self.model = model
        self.vocabulary = list(vocabulary)
        self.step_model = build_step_model(model)
        self.state_names = state_names(model)
        if int(model.outputs[0].shape[-1]) != len(self.vocabulary):
            raise RecipeError(f"the model predicts {int(model.outputs[0].shape[-1])} characters "
                              f"but the vocabulary has {len(self.vocabulary)}")
        state_specs = [tf.TensorSpec([None, int(s.shape[-1])], tf.float32, name=name)
                       for name, s in zip(self.state_names, self.step_model.inputs[1:])]
        self.state_specs = state_specs
        step_model = self.step_model

        def advance(ids, states, temperature, top_k, seed):
            outputs = step_model([ids, *states], training=False)
            next_ids = sample_next(outputs[0][:, -1, :], temperature, top_k, seed)
            return next_ids, list(outputs[1:])

        def advance_n(current, states, temperature, top_k, seed, start, n):
            # Feed ``current`` (the id sampled at index ``start``) and the
            # n - 1 ids sampled after it: ids [n] at indices start+1..start+n.
            out = tf.TensorArray(tf.int32, size=n)

            shapes = [current.shape, [s.shape for s in states]]

            def body(i, current, states, out):
                current, states = advance(current[:, None], states, temperature, top_k,
                                          tf.stack([seed, start + i + 1]))
                # The loop keeps the shapes it started with (the model says [None, ...]).
                current = tf.ensure_shape(current, shapes[0])
                states = [tf.ensure_shape(s, shape) for s, shape in zip(states, shapes[1])]
                return i + 1, current, states, out.write(i, current[0])

            _, _, states, out = tf.while_loop(lambda i, *_: i < n, body, (0, current, states, out))
            return out.stack(), states

        scalar = tf.TensorSpec([], tf.float32), tf.TensorSpec([], tf.int32)
        self._advance, self._advance_n = advance, advance_n
        self.advance = tf.function(advance, input_signature=[
            tf.TensorSpec([None, None], tf.int32), state_specs, *scalar, tf.TensorSpec([2], tf.int32)])
        # A Python call costs more than a step of a small recurrent network;
        # chunks of steps in one graph call sample ~4x faster (2.4k vs 0.5k
        # characters/s for 2 x LSTM-256 on a loaded 2-core CPU).
        self.advance_n = tf.function(advance_n, input_signature=[
            tf.TensorSpec([1], tf.int32), state_specs, *scalar, *[tf.TensorSpec([], tf.int32)] * 3])

    def warm_up(self) -> None:
        """Trace both compiled functions (a second or so), so timing excludes it."""
        for _ in self.iter_ids(np.array([self.start_id], np.int32), 2):
            pass

    @property
    def start_id(self) -> int:
        return self.vocabulary.index(START_CHARACTER) if START_CHARACTER in self.vocabulary else 0

    def prompt_ids(self, prompt: str, unknown: str = "error") -> np.ndarray:
        """int32 ids of ``prompt``; characters outside the vocabulary raise a
        RecipeError naming them (``unknown="drop"``: left out). An empty
        prompt starts from ``START_CHARACTER``."""
        from keras_recipes.datasets.corpus import encode

        ids, _ = encode(prompt, self.vocabulary, unknown=unknown, what="the prompt",
                        fix="remove them, or leave them out with --drop-unknown "
                            "(Python: unknown=\"drop\")")
        return ids if len(ids) else np.array([self.start_id], np.int32)

    def iter_ids(self, prompt_ids: np.ndarray, length: int, *, temperature: float = 1.0,
                 top_k: int = 0, seed: int = 0, chunk: int = CHUNK) -> Iterator[int]:
        """The ``length`` sampled ids, carrying the recurrent state: the prompt
        in one call, then ``chunk`` characters per call, one step each. Id
        ``i`` is drawn with the stateless seed ``(seed, i)``."""
        import tensorflow as tf

        if length < 1:
            return
        temperature = tf.constant(float(temperature), tf.float32)
        top_k = tf.constant(int(top_k or 0), tf.int32)
        seed_t = tf.constant(int(seed), tf.int32)
        current, states = self.advance(tf.constant(np.asarray(prompt_ids, np.int32)[None, :]),
                                       zero_states(self.step_model), temperature, top_k,
                                       tf.constant([seed, 0], tf.int32))
        yield int(current[0])
        done = 1
        while done < length:
            n = min(chunk, length - done)
            ids, states = self.advance_n(current, states, temperature, top_k, seed_t,
                                         tf.constant(done - 1), tf.constant(n))
            ids = ids.numpy()
            yield from (int(i) for i in ids)
            current, done = tf.constant(ids[-1:]), done + n

    # -- the SavedModel's generate signature ------------------------------------------
    def graph_generate(self, prompt, length, temperature, top_k, seed):
        """``generate`` for a batch of prompts, in graph ops: strings ``[B]``
        in, prompt + ``length[b]`` sampled characters out. Characters of a
        prompt outside the vocabulary are dropped (a graph cannot ask)."""
        import tensorflow as tf

        vocab_codes = tf.constant([ord(c) for c in self.vocabulary], tf.int32)
        vocab_chars = tf.constant(self.vocabulary)
        start = tf.constant([self.start_id], tf.int32)
        units = [int(s.shape[-1]) for s in self.step_model.inputs[1:]]
        advance, advance_n = self._advance, self._advance_n

        def one(row):
            text, n, temp, k, s = row
            codes = tf.strings.unicode_decode(text, "UTF-8")
            index = tf.minimum(tf.searchsorted(vocab_codes, codes), len(self.vocabulary) - 1)
            ids = tf.boolean_mask(index, tf.equal(tf.gather(vocab_codes, index), codes))
            ids = tf.cond(tf.size(ids) > 0, lambda: ids, lambda: start)
            states = [tf.zeros([1, u]) for u in units]
            first, states = advance(ids[None, :], states, temp, k, tf.stack([s, 0]))
            rest, _ = advance_n(first, states, temp, k, s, 0, tf.maximum(n - 1, 0))
            sampled = tf.concat([first, rest], 0)[:n]
            return text + tf.strings.reduce_join(tf.gather(vocab_chars, sampled))

        return tf.map_fn(one, (prompt, length, temperature, top_k, seed),
                         fn_output_signature=tf.TensorSpec([], tf.string))


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
    if not hasattr(run.task, "sampler"):
        raise RecipeError(f"{run.run_dir} is a {run.task.name} run: `recipes generate` samples "
                          "text from language-model runs (e.g. shakespeare-char)")
    sampler = run.task.sampler(run, float32_model(run))
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
