"""A tiny recipe for engine tests: trains in well under a second per epoch."""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import DataConfig, RecipeConfig, TrainConfig
from keras_recipes.registry import _REGISTRY, register_recipe

TOY = "toy-cnn"


@dataclass
class ToyModel:
    filters: int = 4


def build_toy(cfg, info):
    import keras

    from keras_recipes.layers import ConvBNReLU

    inputs = keras.Input(info.image_shape)
    x = ConvBNReLU(cfg.model.filters, 3, strides=2)(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(info.num_classes, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs)


def toy_config() -> RecipeConfig:
    """A two-layer CNN on 8x8 images."""
    return RecipeConfig(
        model=ToyModel(),
        data=DataConfig(source="", image_size=8, val_fraction=0.25),
        train=TrainConfig(epochs=2, batch_size=8, lr=0.05, schedule="constant"),
    )


def register_toy() -> str:
    if TOY not in _REGISTRY:
        register_recipe(TOY, build_model=build_toy, problem="image classification",
                        dataset="synthetic", model="toy CNN", params="0.1k",
                        reference="none")(toy_config)
    return TOY
