"""A toy non-recurrent language model for the task contract's tests: a causal
convolution over a window of characters, as a transformer would be, with a
sampler that reads the last window again for every character (no state to
carry). It is a recipe, a ``LanguageModelTask`` subclass and a sampler, in
this file only: the engine (training, evaluate, export, sample, generate)
does not change for it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_recipes.config import DataConfig, RecipeConfig, RuntimeConfig, TrainConfig
from keras_recipes.registry import register_recipe
from keras_recipes.tasks import LanguageModelTask

TOY_LM = "toy-window-lm"


@dataclass
class ToyWindowModel:
    filters: int = 16
    embedding_dim: int = 8
    context: int = 16  # characters the sampler reads before each next one


class WindowSampler:
    """Next characters from the last ``context`` ids, one model call each."""

    def __init__(self, model, vocabulary, context: int):
        import tensorflow as tf

        from keras_recipes.inference.generate import sample_next

        self.vocabulary = list(vocabulary)
        self.context = context
        self.next_id = tf.function(
            lambda ids, temperature, top_k, seed: sample_next(
                model(ids, training=False)[:, -1, :], temperature, top_k, seed),
            reduce_retracing=True)

    def prompt_ids(self, prompt: str, unknown: str = "error") -> np.ndarray:
        from keras_recipes.datasets.corpus import encode

        ids, _ = encode(prompt, self.vocabulary, unknown=unknown, what="the prompt", fix="remove them")
        return ids if len(ids) else np.zeros([1], np.int32)

    def warm_up(self) -> None:
        list(self.iter_ids(np.zeros([1], np.int32), 1))

    def iter_ids(self, prompt_ids, length: int, *, temperature: float = 1.0, top_k: int = 0,
                 seed: int = 0):
        import tensorflow as tf

        ids = list(np.asarray(prompt_ids, np.int32))
        for i in range(length):
            window = tf.constant([ids[-self.context:]], tf.int32)
            next_id = int(self.next_id(window, tf.constant(float(temperature)),
                                       tf.constant(int(top_k or 0)), tf.constant([seed, i]))[0])
            ids.append(next_id)
            yield next_id


class WindowLanguageModelTask(LanguageModelTask):
    """A language model without state: its sampler re-reads the context."""

    def text_sampler(self, run, model):
        return WindowSampler(model, run.class_names, int(self.cfg.model.context))


def build_toy_window_lm(cfg, info):
    import keras

    m = cfg.model
    ids = keras.Input((None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(info.vocab_size, m.embedding_dim)(ids)
    x = keras.layers.Conv1D(m.filters, 3, padding="causal", activation="relu")(x)
    logits = keras.layers.Dense(info.vocab_size, dtype="float32", name="logits")(x)
    return keras.Model(ids, logits, name="toy_window_lm")


def toy_window_lm_config() -> RecipeConfig:
    """A causal convolution over characters, windows of 16."""
    return RecipeConfig(
        model=ToyWindowModel(),
        data=DataConfig(source="", kind="corpus", sequence_length=16, val_fraction=0.1),
        train=TrainConfig(epochs=1, batch_size=16, optimizer="adam", lr=1e-2, monitor="val_loss"),
        runtime=RuntimeConfig(precision="float32", verbose=0),
    )


def register_toy_window_lm() -> str:
    """Register the toy recipe (the caller unregisters it: other tests list recipes)."""
    register_recipe(TOY_LM, build_model=build_toy_window_lm, task=WindowLanguageModelTask,
                    problem="language modelling", dataset="any text", model="toy causal conv",
                    params="1k", reference="none")(toy_window_lm_config)
    return TOY_LM
