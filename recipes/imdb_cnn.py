"""imdb-cnn: the convolutional text baseline (embedding + Conv1D + global max
pool), to compare with the recurrent recipes."""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import RecipeConfig
from keras_recipes.recipes._text import TINY_TEXT, imdb_data, imdb_train
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe


@dataclass
class ConvTextConfig:
    embed_dim: int = 128
    filters: int = 128
    kernel_size: int = 7
    blocks: int = 2
    dropout: float = 0.5


def build_model(cfg: RecipeConfig, info):
    import keras

    m = cfg.model
    inputs = keras.Input(shape=(info.sequence_length,), dtype="int64", name="tokens")
    x = keras.layers.Embedding(info.vocab_size, m.embed_dim, name="embed")(inputs)
    x = keras.layers.Dropout(m.dropout)(x)
    for i in range(m.blocks):
        x = keras.layers.Conv1D(m.filters, m.kernel_size, strides=3 if i else 1,
                                activation="relu", padding="valid", name=f"conv_{i}")(x)
    x = keras.layers.GlobalMaxPooling1D()(x)
    x = keras.layers.Dense(m.filters, activation="relu")(x)
    x = keras.layers.Dropout(m.dropout)(x)
    outputs = keras.layers.Dense(info.num_classes, activation="softmax", dtype="float32",
                                 name="classifier")(x)
    return keras.Model(inputs, outputs, name="conv_text_classifier")


@register_recipe(
    "imdb-cnn",
    build_model=build_model,
    problem="text classification",
    dataset="IMDB reviews",
    num_classes=2,
    model="Conv1D x2",
    params="2.7M",
    reference="~86-88% (keras.io text classification from scratch)",
    presets={"tiny": tiny({**TINY_TEXT, "model.filters": 4, "model.embed_dim": 8,
                           "model.kernel_size": 3})},
)
def imdb_cnn() -> RecipeConfig:
    """Embedding + Conv1D + global max pooling on IMDB reviews."""
    return RecipeConfig(model=ConvTextConfig(), data=imdb_data(), train=imdb_train(epochs=3))
