"""The denoising task: noisy images in, clean images out (Vincent et al. 2008).

Batches are ``(clean uint8 image, clean image in [0, 1])``; the model trained
puts ``ClippedGaussianNoise`` (``model.noise``: the standard deviation on the
[0, 1] scale, clipped to [0, 1]) in front of the recipe's denoiser, so the
noise is fresh at every step and seeded by ``runtime.seed`` (a resumed run
restarts that stream: Keras backs up no seed-generator state). The validation loss is the
MSE of denoised and clean images on freshly corrupted validation images.

The run directory keeps the serving model: uint8 noisy image -> denoised
image in [0, 1], no noise layer.

Held-out evaluation corrupts every held-out image once with the run's noise
level and a fixed seed (quantised to uint8, as a real noisy picture would
be), and reports the MSE and PSNR of the denoised images against the clean
ones beside the same figures for the noisy input itself (the identity
baseline): the PSNR gain is what the model adds.
"""

from __future__ import annotations

from typing import Any, Dict

import numpy as np

from keras_recipes.errors import ConfigError, RecipeError
from keras_recipes.tasks.base import Evaluation, Signature, Task, TaskModels

# Seed of the held-out corruption: fixed, so every run is scored on the same noisy images.
HELD_OUT_NOISE_SEED = 20080705
SAMPLES_FILE = "denoising_samples.png"
TRIPLETS_PER_ROW = 16


def corrupt(clean_uint8, stddev: float, rng) -> np.ndarray:
    """uint8 images -> uint8 noisy images: + N(0, stddev^2) on the [0, 1]
    scale, clipped to [0, 1], rounded to the 256 levels of a stored image."""
    clean = np.asarray(clean_uint8, np.float32) / 255.0
    noisy = np.clip(clean + stddev * rng.standard_normal(clean.shape).astype(np.float32), 0.0, 1.0)
    return np.round(noisy * 255.0).astype(np.uint8)


def psnr(mse, peak: float = 1.0):
    """Peak signal-to-noise ratio in dB of a mean squared error (images in [0, peak])."""
    return 10.0 * np.log10(peak ** 2 / np.maximum(np.asarray(mse, np.float64), 1e-12))


class DenoisingTask(Task):
    """Noisy images -> clean images, scored by MSE and PSNR against the noisy input."""

    name = "denoising"

    def __init__(self, cfg, recipe=None):
        super().__init__(cfg, recipe)
        if cfg is not None and not cfg.model.noise > 0:
            raise ConfigError(f"config key `model.noise` must be > 0 (the noise's standard "
                              f"deviation on the [0, 1] scale); received {cfg.model.noise!r}")

    @property
    def noise(self) -> float:
        return float(self.cfg.model.noise)

    # -- training ------------------------------------------------------------------
    def pipeline_options(self, splits, training: bool) -> Dict[str, Any]:
        import tensorflow as tf

        def clean_pairs(x, y):  # the labels are not used: the clean image is the target
            return x, tf.cast(x, tf.float32) / 255.0

        return {"map_fn": clean_pairs}

    def build(self, info, augmenter=None) -> TaskModels:
        import keras

        from keras_recipes.layers import ClippedGaussianNoise

        denoiser = self.recipe.build_model(self.cfg, info)
        name = self.cfg.recipe.replace("-", "_")
        image = keras.Input(info.image_shape, dtype="uint8", name="image")
        clean = keras.layers.Rescaling(1.0 / 255, name="rescale")(image)
        noisy = ClippedGaussianNoise(self.noise, 0.0, 1.0, seed=self.cfg.runtime.seed,
                                     name="noise")(clean)
        train = keras.Model(image, denoiser(noisy), name=f"{name}_train")
        serving_in = keras.Input(info.image_shape, dtype="uint8", name="image")
        serving = keras.Model(serving_in, denoiser(keras.layers.Rescaling(1.0 / 255, name="rescale")(serving_in)),
                              name=name)
        return TaskModels(train=train, serving=serving)

    def compile_args(self, optimizer) -> Dict[str, Any]:
        return {"optimizer": optimizer, "loss": "mse"}

    # -- serving -------------------------------------------------------------------
    def describe(self, run) -> None:
        spec = run.model.inputs[0]
        if len(spec.shape) != 4 or tuple(run.model.outputs[0].shape[1:]) != tuple(spec.shape[1:]):
            from keras_recipes.errors import RunDirError

            raise RunDirError(f"{run.model_path} is not an image -> image denoiser")
        run.kind = "image"
        run.image_shape = tuple(int(d) for d in spec.shape[1:])

    def _noisy_clean(self, run, data, batch_size, seed, limit=None):
        """Yields ``(noisy uint8, clean uint8)`` batches of the held-out data;
        with ``limit``, a seeded random draw of that many (folders list their
        files class by class: the first images would all be one digit)."""
        from keras_recipes.inference.data import evaluation_split

        dataset, count, description, notes = evaluation_split(run, data)
        if limit is not None:
            dataset = dataset.shuffle(max(count, 1), seed=seed,
                                      reshuffle_each_iteration=False).take(limit)
        rng = np.random.default_rng(seed)

        def batches():
            for x, _ in dataset.batch(batch_size):
                clean = x.numpy()
                yield corrupt(clean, self.noise, rng), clean

        return batches(), description, notes

    def evaluate(self, run, data=None, *, batch_size: int = 256) -> Evaluation:
        from keras_recipes.inference.run import compiled_inference

        batches, description, notes = self._noisy_clean(run, data, batch_size, HELD_OUT_NOISE_SEED)
        call = compiled_inference(run.model)
        noisy_mse, denoised_mse = [], []
        for noisy, clean in batches:
            target = clean.astype(np.float32) / 255.0
            denoised = np.asarray(call(noisy), np.float32)
            axes = tuple(range(1, target.ndim))
            noisy_mse.append(np.mean((noisy.astype(np.float32) / 255.0 - target) ** 2, axis=axes))
            denoised_mse.append(np.mean((denoised - target) ** 2, axis=axes))
        if not noisy_mse:
            raise RecipeError(f"{description} has no examples")
        noisy_mse, denoised_mse = np.concatenate(noisy_mse), np.concatenate(denoised_mse)
        gain = psnr(denoised_mse) - psnr(noisy_mse)  # per image, dB
        n = len(gain)
        result = {
            "examples": int(n), "noise_stddev": self.noise,
            "mse": float(denoised_mse.mean()), "mse_noisy": float(noisy_mse.mean()),
            # PSNR per image, averaged (an image's quality, as users see it) ...
            "psnr_db": float(psnr(denoised_mse).mean()), "psnr_noisy_db": float(psnr(noisy_mse).mean()),
            "psnr_gain_db": float(gain.mean()),
            "psnr_gain_stderr_db": float(gain.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
            # ... and of the mean squared error (the data set's figure).
            "psnr_of_mean_mse_db": float(psnr(denoised_mse.mean())),
            "psnr_of_mean_mse_noisy_db": float(psnr(noisy_mse.mean())),
        }
        summary = (f"{run.checkpoint} model on {description} ({n} images, noise stddev "
                   f"{self.noise:g}): PSNR {result['psnr_db']:.2f} dB vs {result['psnr_noisy_db']:.2f} "
                   f"dB for the noisy input (gain {result['psnr_gain_db']:+.2f} dB); MSE "
                   f"{result['mse']:.5f} vs {result['mse_noisy']:.5f}")
        return Evaluation(result, summary, description, notes)

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        import tensorflow as tf

        def reconstruct(image):
            denoised = tf.cast(model(image, training=False), tf.float32)
            return {"image": tf.cast(tf.round(tf.clip_by_value(denoised, 0.0, 1.0) * 255.0), tf.uint8)}

        clean = np.zeros((4, *run.image_shape), np.uint8)
        clean[:, 6:-6, 10:-10] = 255  # a bar: something to denoise
        example = corrupt(clean, self.noise, np.random.default_rng(0))
        return {"reconstruct": Signature(
            reconstruct, [tf.TensorSpec([None, *run.image_shape], tf.uint8, name="image")], [example])}

    def sample(self, run, n: int, *, output=None, seed: int = 0, verbose: bool = True,
               **options) -> dict:
        """Noisy / denoised / clean triplets of ``n`` held-out images (``data=``
        another source), rows of up to 16 triplets."""
        from pathlib import Path

        from keras_recipes.inference.run import compiled_inference
        from keras_recipes.rundir.image_grid import image_grid, save_image

        batches, description, _ = self._noisy_clean(run, options.get("data"), max(n, 1), seed, limit=n)
        noisy, clean = next(batches)
        denoised = np.asarray(compiled_inference(run.model)(noisy), np.float32)
        blocks = []
        for start in range(0, len(clean), TRIPLETS_PER_ROW):
            part = slice(start, start + TRIPLETS_PER_ROW)
            rows = [noisy[part].astype(np.float32) / 255.0, denoised[part],
                    clean[part].astype(np.float32) / 255.0]
            blocks.append(np.concatenate([np.pad(r, ((0, TRIPLETS_PER_ROW - len(r)), (0, 0), (0, 0), (0, 0)),
                                                 constant_values=1.0) for r in rows]))
        grid = image_grid(np.concatenate(blocks), TRIPLETS_PER_ROW)
        path = save_image(grid, Path(output) if output else run.run_dir / SAMPLES_FILE)
        summary = (f"wrote {len(clean)} noisy / denoised / clean triplets (rows of 3, noise stddev "
                   f"{self.noise:g}) of {description} to {path}")
        if verbose:
            print(summary)
        return {"summary": summary, "files": {"triplets": str(path)}}
