"""Character-by-character sampling from a recurrent language model (embedding
-> LSTM/GRU layers -> dense logits), carrying the recurrent state.

A trained model maps a window of character ids to next-character logits,
recomputing the whole window on every call. Generation instead uses a
*step model* sharing the same layers: ``(ids [B, T], states) -> (logits
[B, T, V], new states)``. The prompt is read in one call (T = its length),
then each sampled character is fed back alone (T = 1) with the recurrent
state the previous call returned, so a character costs one step of the
recurrence, not a pass over the window. Carrying the state across calls
computes exactly what one forward pass over the whole text computes
(``tests/tasks/test_language_model.py`` checks it). The exported
SavedModel's ``generate`` signature runs the same step in a ``tf.while_loop``.

What is recurrent lives here and in ``RecurrentLanguageModelTask``; a
language model of another kind (a transformer) is a task with a sampler of
its own, and ``keras_recipes.inference.generate`` does not change.

Example:

>>> from keras_recipes.tasks.recurrent_sampler import RecurrentSampler
>>> sampler = RecurrentSampler(model, vocabulary)
>>> "".join(sampler.vocabulary[i] for i in sampler.iter_ids(sampler.prompt_ids("ROMEO:"), 20))
"""

from __future__ import annotations

from typing import Iterator, List, Sequence

import numpy as np

from keras_recipes.errors import RecipeError

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


class RecurrentSampler:
    """A trained recurrent language model as compiled samplers.

    ``advance(ids [B, T], states, temperature, top_k, seed) -> (next ids
    [B], states)`` reads a prompt (or one character) and draws the next id;
    ``advance_n(id [1], states, ..., seed, start, n) -> (ids [n], states)``
    draws ``n`` more, one step of the recurrence each, in a ``tf.while_loop``.
    Both are ``tf.function``s traced once (``input_signature`` with None
    dimensions), so no prompt length or chunk size retraces them.
    """

    def __init__(self, model, vocabulary: Sequence[str]):
        import tensorflow as tf

        from keras_recipes.inference.generate import sample_next

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
        from keras_recipes.inference.generate import START_CHARACTER

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
