"""Language modelling: predict the next character of a text.

Data (``data.kind: corpus``, ``keras_recipes.datasets.corpus``): one text
whose contiguous tail is held out; training windows of
``data.sequence_length`` character ids with the same window shifted by one
as targets. The vocabulary is the training text's characters, in code
point order; the engine keeps it as the run's ``class_names.json`` (the
classes of next-character prediction) and checks it on resume.

The model maps ids ``[B, T]`` to float32 logits ``[B, T, V]``; the loss is
sparse cross-entropy from logits, i.e. nats per character, reported with
bits per character (``bpc`` = nats / ln 2). Evaluation scores held-out text
as training measured it (non-overlapping windows, every position scored).

``LanguageModelTask`` holds what any next-character model shares (data,
vocabulary, loss, evaluation, ``recipes sample`` through its sampler); its
export is a ``logits`` signature (ids in, logits out). What depends on the
architecture is a subclass: ``RecurrentLanguageModelTask`` (embedding ->
LSTM/GRU -> dense, ``shakespeare-char``) adds the score with the recurrent
state carried from window to window (how the model is used when it
generates), the streaming sampler of ``recipes generate`` and an export with
a ``step`` signature (ids and states in, logits and states out) and a
``generate`` signature (prompts in, text out), callable without
keras_recipes. A transformer would be another subclass, with its own
``text_sampler``.
"""

from __future__ import annotations

import math
from typing import Any, Dict

import numpy as np

from keras_recipes import rundir
from keras_recipes.errors import RecipeError, RunDirError
from keras_recipes.tasks.base import DataInfo, Evaluation, RunFiles, Signature, Task, TaskModels

LN2 = math.log(2.0)
# Held-out text is read as this many contiguous streams when the state is carried.
CARRIED_STREAMS = 32


def bits_per_character(y_true, y_pred):
    """Sparse cross-entropy of logits in bits (nats / ln 2), per character."""
    import keras

    nats = keras.losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True)
    return nats / LN2


def cross_entropy_nats(logits: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """float64 ``-log p(target)`` per position of float logits ``[..., V]``."""
    z = logits.astype(np.float64)
    z -= z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(z).sum(axis=-1))
    picked = np.take_along_axis(z, targets[..., None].astype(np.int64), axis=-1)[..., 0]
    return log_norm - picked


class LanguageModelTask(Task):
    """Characters in, the next character's logits out (any architecture)."""

    name = "language model"

    # -- training ------------------------------------------------------------------
    def prepare(self, splits, files: RunFiles) -> None:
        if splits.kind != "corpus":
            raise RecipeError(f"{self.cfg.recipe} trains on a text corpus (data.kind=corpus); "
                              f"data.kind is {splits.kind!r}")
        self.vocabulary = list(splits.class_names)

    def data_info(self, splits) -> DataInfo:
        return DataInfo(kind="corpus", num_classes=len(splits.class_names),
                        class_names=list(splits.class_names), vocab_size=len(splits.class_names),
                        sequence_length=self.cfg.data.sequence_length)

    def build(self, info: DataInfo, augmenter=None) -> TaskModels:
        import keras

        model = self.recipe.build_model(self.cfg, info)
        # The saved model shares the layers but is never compiled, so
        # model.keras loads (compile=True too) without this module's metric.
        serving = keras.Model(model.inputs, model.outputs, name=model.name)
        return TaskModels(train=model, serving=serving)

    def compile_args(self, optimizer) -> Dict[str, Any]:
        import keras

        return {"optimizer": optimizer,
                "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                "metrics": [keras.metrics.MeanMetricWrapper(bits_per_character, name="bpc")]}

    def metric_names(self) -> tuple:
        return ("loss", "bpc")

    # -- serving -------------------------------------------------------------------
    def describe(self, run) -> None:
        spec = run.model.inputs[0]
        if len(spec.shape) != 2 or "int" not in str(spec.dtype):
            raise RunDirError(f"{run.model_path} is not a character language model: its input is "
                              f"{spec.dtype} {tuple(spec.shape)}, expected int ids [batch, time]")
        path = run.run_dir / rundir.CLASS_NAMES
        if not path.is_file():
            raise RunDirError(f"{path} (the run's vocabulary) is missing")
        run.kind = "corpus"
        run.class_names = [str(c) for c in rundir.read_json(path)]
        size = int(run.model.outputs[0].shape[-1])
        if size != len(run.class_names):
            raise RunDirError(f"{path} lists {len(run.class_names)} characters but "
                              f"{run.model_path} predicts {size}")

    def _held_out_text(self, run, data):
        from keras_recipes.datasets.corpus import read_corpus, tail_split

        if data is not None:
            text, origin = read_corpus(data)
            return text, f"{origin} (all of it)"
        d = run.data
        if d is None or not str(d.source).strip():
            raise RecipeError(f"{run.run_dir} has no data source in its config (a smoke or "
                              "in-memory run); name the held-out text with --data FILE")
        text, origin = read_corpus(d.source)
        _, tail = tail_split(text, d.val_fraction)
        if not tail:
            raise RecipeError(f"the run held nothing out of {origin} (data.val_fraction=0); "
                              "name the held-out text with --data FILE")
        return tail, f"the last {d.val_fraction:.0%} of {origin} (held out of training)"

    def evaluate(self, run, data=None, *, batch_size: int = 256) -> Evaluation:
        """Nats and bits per character on held-out text.

        ``data``: a ``.txt`` file or folder, all of it scored; None: the
        tail of the run's own source that training held out. Characters
        outside the vocabulary are dropped from the text (reported in
        ``notes`` and ``unknown_dropped``). ``nats_per_char`` is over
        non-overlapping windows of ``data.sequence_length`` with every
        position scored (as training's ``val_loss``); a subclass may add
        figures of its own (``more_metrics``).
        """
        from keras_recipes.datasets.corpus import describe_characters, encode, unknown_characters
        from keras_recipes.datasets.corpus import window_arrays
        from keras_recipes.inference.run import compiled_inference, float32_model

        text, description = self._held_out_text(run, data)
        vocabulary = run.class_names
        ids, dropped = encode(text, vocabulary, unknown="drop")
        notes = []
        if dropped:
            notes.append(f"{dropped} characters outside the vocabulary were left out: "
                         f"{describe_characters(unknown_characters(text, vocabulary))}")
        length = int(run.data.sequence_length) if run.data is not None else 128
        x, y = window_arrays(ids, length)
        if not len(x):
            raise RecipeError(f"{description} has {len(ids)} known characters: too few for one "
                              f"window of {length} (+1)")
        model = float32_model(run)
        call = compiled_inference(model)
        windows = max(1, batch_size)  # windows per model call
        total = 0.0
        for start in range(0, len(x), windows):
            logits = np.asarray(call(x[start:start + windows]))
            total += float(cross_entropy_nats(logits, y[start:start + windows]).sum())
        nats = total / y.size
        metrics = {
            "examples": int(len(x)), "characters": int(y.size), "sequence_length": length,
            "nats_per_char": nats, "bits_per_char": nats / LN2, "loss": nats,
            "unknown_dropped": int(dropped),
        }
        more, said = self.more_metrics(run, model, ids, length)
        metrics.update(more)
        summary = (f"{nats:.4f} nats/char ({nats / LN2:.4f} bits/char) over {y.size:,} "
                   f"characters in windows of {length}{said}; on {description}")
        return Evaluation(metrics, summary, description, notes)

    def more_metrics(self, run, model, ids: np.ndarray, length: int):
        """``(figures, words for the summary)`` an architecture adds to
        ``evaluate`` on the held-out ids (none here)."""
        return {}, ""

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        """``logits``: int32 ids ``[batch, time]`` -> float32 logits ``[batch, time, V]``."""
        import tensorflow as tf

        ids = np.random.default_rng(0).integers(0, len(run.class_names), (3, 5)).astype(np.int32)
        return {"logits": Signature(
            fn=lambda ids: {"logits": tf.cast(model(ids, training=False), tf.float32)},
            input_signature=[tf.TensorSpec([None, None], tf.int32, name="ids")], example=[ids])}

    def sample(self, run, n: int, *, output=None, seed: int = 0, verbose: bool = True,
               **options) -> dict:
        """``n`` texts of ``options["length"]`` (default 300) characters from
        an empty prompt, written to ``samples.txt`` (``recipes sample``), by
        the task's ``text_sampler``."""
        from keras_recipes.inference.run import float32_model

        length = int(options.get("length", 300))
        sampler = self.text_sampler(run, float32_model(run))
        start = sampler.prompt_ids("")
        texts = ["".join(sampler.vocabulary[i] for i in sampler.iter_ids(
            start, length, temperature=float(options.get("temperature", 0.8)),
            top_k=int(options.get("top_k", 0) or 0), seed=seed + k)) for k in range(n)]
        path = output or run.run_dir / "samples.txt"
        with open(path, "w", encoding="utf-8") as f:
            for k, text in enumerate(texts):
                f.write(f"--- sample {k + 1} (seed {seed + k}) ---\n{text}\n")
        summary = f"wrote {n} samples of {length} characters to {path}"
        if verbose:
            print(summary)
        return {"summary": summary, "files": {"samples": str(path)}}


class RecurrentLanguageModelTask(LanguageModelTask):
    """A recurrent language model (embedding -> LSTM/GRU layers built with
    ``return_state=True`` -> dense logits): generation and evaluation carry
    the recurrent state (``keras_recipes.tasks.recurrent_sampler``)."""

    def text_sampler(self, run, model):
        from keras_recipes.tasks.recurrent_sampler import RecurrentSampler

        return RecurrentSampler(model, run.class_names)

    def more_metrics(self, run, model, ids: np.ndarray, length: int):
        """``nats_per_char_carried``: the recurrent state carried across
        windows (``CARRIED_STREAMS`` contiguous streams; how generation uses
        the model)."""
        carried, count = self._carried(run, model, ids, length)
        return ({"nats_per_char_carried": carried, "bits_per_char_carried": carried / LN2,
                 "characters_carried": count},
                f"; {carried:.4f} nats/char with the state carried")

    def _carried(self, run, model, ids: np.ndarray, length: int):
        """Mean nats per character with the state carried: the text is cut
        into ``CARRIED_STREAMS`` contiguous streams read side by side in
        chunks of ``length``; every character but each stream's first is
        scored."""
        import tensorflow as tf

        from keras_recipes.tasks.recurrent_sampler import build_step_model, zero_states

        streams = max(1, min(CARRIED_STREAMS, (len(ids) - 1) // max(length, 1)))
        span = len(ids) // streams
        rows = ids[:span * streams].reshape(streams, span)
        step_model = build_step_model(model)
        call = tf.function(lambda x, s: step_model([x, *s], training=False), reduce_retracing=True)
        states = zero_states(step_model, streams)
        total, count = 0.0, 0
        for start in range(0, span - 1, length):
            x = rows[:, start:min(start + length, span - 1)]
            y = rows[:, start + 1:start + 1 + x.shape[1]]
            outputs = call(tf.constant(x), states)
            states = list(outputs[1:])
            total += float(cross_entropy_nats(np.asarray(outputs[0]), y).sum())
            count += y.size
        return total / max(count, 1), int(count)

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        import tensorflow as tf

        sampler = self.text_sampler(run, model)
        step_model = sampler.step_model
        names = sampler.state_names
        rng = np.random.default_rng(0)
        vocab = len(sampler.vocabulary)
        example_states = [rng.normal(0, 0.5, (3, int(s.shape[-1]))).astype(np.float32)
                          for s in step_model.inputs[1:]]

        def step(ids, *states):
            outputs = step_model([ids, *states], training=False)
            return {"logits": outputs[0], **dict(zip(names, outputs[1:]))}

        # Only characters of the vocabulary, so the example needs no dropping.
        known = [c for c in "ROMEO: to be or" if c in sampler.vocabulary] or sampler.vocabulary[:1]
        prompts = np.array(["".join(known), "", "".join(known[:3])], dtype=object)

        def generate(prompt, length, temperature, top_k, seed):
            return {"text": sampler.graph_generate(prompt, length, temperature, top_k, seed)}

        return {
            "step": Signature(
                fn=step,
                input_signature=[tf.TensorSpec([None, None], tf.int32, name="ids"),
                                 *[tf.TensorSpec([None, int(s.shape[-1])], tf.float32, name=n)
                                   for n, s in zip(names, step_model.inputs[1:])]],
                example=[rng.integers(0, vocab, (3, 5)).astype(np.int32), *example_states]),
            "generate": Signature(
                fn=tf.function(generate),
                input_signature=[tf.TensorSpec([None], tf.string, name="prompt"),
                                 tf.TensorSpec([None], tf.int32, name="length"),
                                 tf.TensorSpec([None], tf.float32, name="temperature"),
                                 tf.TensorSpec([None], tf.int32, name="top_k"),
                                 tf.TensorSpec([None], tf.int32, name="seed")],
                example=[prompts, np.array([20, 5, 12], np.int32),
                         np.array([0.8, 0.0, 1.0], np.float32), np.array([0, 0, 5], np.int32),
                         np.array([1, 2, 3], np.int32)]),
        }
