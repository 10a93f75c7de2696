"""A toy non-classifier recipe for the task contract's tests: a tiny
convolutional autoencoder (uint8 images in, images in [0, 1] out) with its
own batch preparation, loss, evaluation, export signature and sampler."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from keras_recipes.config import DataConfig, RecipeConfig, TrainConfig
from keras_recipes.registry import _REGISTRY, register_recipe
from keras_recipes.tasks import Evaluation, Signature, Task, TaskModels

TOY_AE = "toy-autoencoder"


@dataclass
class ToyAutoencoderModel:
    filters: int = 4


class ToyReconstructionTask(Task):
    """Images -> the same images: targets are the inputs, scaled to [0, 1]."""

    name = "reconstruction"

    def pipeline_options(self, splits, training):
        import tensorflow as tf

        def to_pairs(x, y):  # labels are dropped: the image is its own target
            pixels = tf.cast(tf.round(tf.clip_by_value(tf.cast(x, tf.float32), 0.0, 255.0)), tf.uint8)
            return pixels, tf.cast(pixels, tf.float32) / 255.0

        return {"map_fn": to_pairs}

    def build(self, info, augmenter=None):
        model = self.recipe.build_model(self.cfg, info)
        return TaskModels(train=model, serving=model)

    def compile_args(self, optimizer):
        return {"optimizer": optimizer, "loss": "mse", "metrics": ["mae"]}

    def describe(self, run):
        run.kind = "image"
        run.image_shape = tuple(int(d) for d in run.model.inputs[0].shape[1:])

    def evaluate(self, run, data=None, *, batch_size=256):
        from keras_recipes.inference.data import evaluation_split
        from keras_recipes.inference.run import compiled_inference

        dataset, _, description, notes = evaluation_split(run, data)
        call = compiled_inference(run.model)
        errors = []
        for x, _ in dataset.batch(batch_size):
            clean = x.numpy().astype(np.float32) / 255.0
            errors.append(np.mean((np.asarray(call(x), np.float32) - clean) ** 2, axis=(1, 2, 3)))
        mse = float(np.mean(np.concatenate(errors)))
        return Evaluation({"examples": int(sum(len(e) for e in errors)), "mse": mse},
                          f"reconstruction MSE {mse:.4f} on {description}", description, notes)

    def export_signatures(self, run, model):
        import tensorflow as tf

        example = np.random.default_rng(0).integers(0, 256, (4, *run.image_shape), dtype=np.uint8)
        return {"reconstruct": Signature(
            fn=lambda image: {"image": model(image, training=False)},
            input_signature=[tf.TensorSpec([None, *run.image_shape], tf.uint8, name="image")],
            example=[example])}

    def sample(self, run, n, *, output=None, seed=0, verbose=True, **options):
        rng = np.random.default_rng(seed)
        noise = rng.integers(0, 256, (n, *run.image_shape), dtype=np.uint8)
        images = np.asarray(run.model(noise, training=False))
        path = output or run.run_dir / "samples.npy"
        np.save(path, images)
        return {"summary": f"wrote {n} reconstructions of noise to {path}",
                "files": {"samples": str(path)}}


def build_toy_autoencoder(cfg, info):
    import keras

    inputs = keras.Input(info.image_shape, dtype="uint8", name="image")
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(cfg.model.filters, 3, padding="same", activation="relu")(x)
    outputs = keras.layers.Conv2D(info.image_shape[-1], 3, padding="same",
                                  activation="sigmoid", dtype="float32")(x)
    return keras.Model(inputs, outputs)


def toy_autoencoder_config() -> RecipeConfig:
    """A two-convolution autoencoder on 8x8 images."""
    return RecipeConfig(
        model=ToyAutoencoderModel(),
        data=DataConfig(source="", image_size=8, val_fraction=0.25),
        train=TrainConfig(epochs=2, batch_size=8, optimizer="adam", lr=1e-2, monitor="val_loss"),
    )


def register_toy_autoencoder() -> str:
    if TOY_AE not in _REGISTRY:
        register_recipe(TOY_AE, build_model=build_toy_autoencoder, task=ToyReconstructionTask,
                        problem="reconstruction", dataset="synthetic", model="toy conv AE",
                        params="0.2k", reference="none")(toy_autoencoder_config)
    return TOY_AE
