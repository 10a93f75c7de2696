"""``GanTask``: a generator and a discriminator trained against each other.

What it adds to the engine's run:

- batches: images only (labels are dropped), raw 0-255 pixels; the ``GAN``
  model (``keras_recipes.tasks.gan_model``) scales them to [-1, 1];
- two optimizers: the engine's (``train.optimizer``/``lr``/schedule, built
  by ``keras_recipes.training.optimizers.make_optimizer``) trains the discriminator, and a
  second one built the same way trains the generator; with Adam both use
  the recipe's ``model.beta_1`` (0.5 in DCGAN);
- per-epoch sample grids from fixed noise (``RUN/samples/epoch_NNN.png``,
  ``epoch_000`` is the untrained generator): the curves of a GAN are
  pictures, since neither loss says whether the samples look right;
- ``evaluate``: sample quality judged by a trained classifier run
  (``classifier=``, ``recipes evaluate --classifier``): Frechet distance of
  its penultimate-layer features and its Inception Score, for the trained
  generator, the real held-out images (the ceiling) and the untrained
  generator (the floor), see ``keras_recipes.inference.sample_quality``;
- export: a ``sample`` signature, noise float32 ``[batch, latent]`` -> uint8
  images ``[batch, H, W, C]`` named ``image``;
- ``sample``: a grid of ``n`` samples as a PNG.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from keras_recipes.errors import ConfigError, RecipeError
from keras_recipes.tasks.base import Evaluation, Signature, Task, TaskModels

SAMPLES_DIR = "samples"  # RUN/samples/epoch_NNN.png
SAMPLE_GRID = "samples.png"  # what `recipes sample` writes by default
EVAL_SEED = 2018  # the evaluation's noise and held-out halves; fixed, so runs compare


def to_pixels(images):
    """Generator output in [-1, 1] -> uint8 pixels (keras.ops, any backend)."""
    from keras import ops

    return ops.cast(ops.clip(ops.round((images + 1.0) * 127.5), 0.0, 255.0), "uint8")


def fixed_noise(n: int, latent_dim: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


def generate(generator, noise: np.ndarray, batch_size: int = 500) -> np.ndarray:
    """uint8 images of ``generator`` (inference mode) for ``noise``, batched."""
    from keras_recipes.inference.run import predict_batches

    return np.concatenate([np.asarray(to_pixels(images))
                           for images in predict_batches(generator, noise, batch_size)])


def sample_grid_callback(folder, latent_dim: int, n: int, seed: int):
    """A callback writing ``folder/epoch_NNN.png``: the generator's images
    for the same ``n`` noise vectors after every epoch (``epoch_000``: before
    training), so the grids of one run can be compared frame by frame."""
    import keras

    from keras_recipes.rundir.image_grid import save_grid

    class SampleGrids(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.folder = Path(folder)
            self.noise = fixed_noise(n, latent_dim, seed)

        def _write(self, epoch):
            images = np.asarray(to_pixels(self.model.generator(self.noise, training=False)))
            save_grid(images, self.folder / f"epoch_{epoch:03d}.png")

        def on_train_begin(self, logs=None):
            if not (self.folder / "epoch_000.png").is_file():  # a resumed run has it
                self._write(0)

        def on_epoch_end(self, epoch, logs=None):
            self._write(epoch + 1)

    return SampleGrids()


def feature_model(classifier):
    """``image -> (penultimate features, probabilities)`` of a classifier
    whose layers form a chain (``image -> preprocessing -> body``, the body
    possibly a nested model ending in its classifier layer)."""
    import keras

    last = classifier.layers[-1]
    if isinstance(last, keras.Model) and last.layers:
        inner = feature_model(last)
        spec = classifier.inputs[0]
        x = inputs = keras.Input(batch_shape=spec.shape, dtype=spec.dtype, name="image")
        for layer in classifier.layers[1:-1]:
            x = layer(x)
        return keras.Model(inputs, inner(x), name="features")
    return keras.Model(classifier.inputs, [last.input, classifier.outputs[0]], name="features")


def classify(features, images: np.ndarray, batch_size: int = 500):
    """``(features [N, D], probabilities [N, K])`` as float32 numpy."""
    from keras_recipes.inference.run import predict_batches

    feats, probs = [], []
    for f, p in predict_batches(features, images, batch_size):
        feats.append(np.asarray(f, np.float32).reshape(len(f), -1))
        probs.append(np.asarray(p, np.float32))
    return np.concatenate(feats), np.concatenate(probs)


class GanTask(Task):
    """A ``GAN`` (``keras_recipes.tasks.gan_model``) built by the recipe's
    ``build_model(cfg, info)``; see the module docstring."""

    name = "gan"
    evaluate_options = ("classifier",)

    # -- training ---------------------------------------------------------------------------
    def pipeline_options(self, splits, training):
        import tensorflow as tf

        def images_only(x, y):  # a GAN learns p(x): the labels are dropped
            return tf.cast(x, tf.uint8)

        return {"map_fn": images_only}

    def build(self, info, augmenter=None):
        if self.cfg.augment.preset != "none" or self.cfg.augment.mix:
            # Augmenting only the real images teaches G the augmented distribution.
            raise ConfigError("a GAN learns the images as they are: set augment.preset=none "
                              f"(and no augment.mix); received {self.cfg.augment.preset!r}")
        gan = self.recipe.build_model(self.cfg, info)
        self._gan = gan
        return TaskModels(train=gan, serving=gan)

    def compile_args(self, optimizer):
        import keras

        from keras_recipes.training.optimizers import make_optimizer, scaled_lr

        # The engine's optimizer trains D. G's is built by the same function
        # with the same schedule object (stateless: it maps a step to a rate).
        schedule = getattr(optimizer, "_learning_rate", None)
        if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
            schedule = scaled_lr(self.cfg.train)
        g_optimizer = make_optimizer(self.cfg.train, schedule, self._gan.generator)
        for opt in (optimizer, g_optimizer):
            if isinstance(opt, keras.optimizers.Adam):  # and AdamW: DCGAN's 0.5 damps the two players' oscillation
                opt.beta_1 = float(self.cfg.model.beta_1)
        return {"d_optimizer": optimizer, "g_optimizer": g_optimizer}

    def callbacks(self, write_dir):
        m = self.cfg.model
        return [sample_grid_callback(Path(write_dir) / SAMPLES_DIR, m.latent_dim, m.sample_grid,
                                     self.cfg.runtime.seed)]

    def metric_names(self) -> tuple:
        # Neither loss says whether the samples look right (README): tune
        # a GAN on them knowingly, or judge runs with `recipes evaluate`.
        return ("loss", "d_loss", "g_loss", "d_real")

    # -- serving ----------------------------------------------------------------------------
    def custom_objects(self) -> dict:
        from keras_recipes.tasks.gan_model import GAN

        return {"GAN": GAN}

    def describe(self, run):
        generator = getattr(run.model, "generator", None)
        if generator is None:
            raise RecipeError(f"{run.model_path} holds no GAN (no generator)")
        run.kind = "image"
        run.image_shape = tuple(int(d) for d in generator.outputs[0].shape[1:])
        run.class_names = []

    def _latent_dim(self, run) -> int:
        return int(run.model.generator.inputs[0].shape[-1])

    def export_signatures(self, run, model):
        import tensorflow as tf

        generator = model.generator
        latent = int(generator.inputs[0].shape[-1])
        return {"sample": Signature(
            fn=lambda noise: {"image": to_pixels(generator(noise, training=False))},
            input_signature=[tf.TensorSpec([None, latent], tf.float32, name="noise")],
            example=[fixed_noise(8, latent, 0)])}

    def sample(self, run, n, *, output=None, seed=0, verbose=True, **options):
        from keras_recipes.rundir.image_grid import save_grid

        if options:
            raise RecipeError(f"unknown sample options for a GAN run: {sorted(options)}")
        images = generate(run.model.generator, fixed_noise(n, self._latent_dim(run), seed))
        path = save_grid(images, output or run.run_dir / SAMPLE_GRID)
        summary = f"wrote a grid of {n} samples (noise seed {seed}) to {path}"
        if verbose:
            print(summary)
        return {"summary": summary, "files": {"grid": os.fspath(path)}}

    def evaluate(self, run, data=None, *, batch_size=256, classifier=None) -> Evaluation:
        import keras

        from keras_recipes.inference import sample_quality as sq
        from keras_recipes.inference.data import evaluation_split
        from keras_recipes.inference.run import float32_model, load_run
        from keras_recipes.tasks.classification import ClassificationTask

        if not classifier:
            raise RecipeError(
                "a GAN run is scored with a trained classifier's features: name its run with "
                "--classifier RUN_DIR (Python: classifier=...), e.g. a finished "
                "`recipes run mnist-cnn --data SAME_DATA` run")
        judge = load_run(classifier, "best")
        # The judge's penultimate features and class probabilities: a classifier's.
        if not isinstance(judge.task, ClassificationTask) or judge.image_shape is None:
            raise RecipeError(f"--classifier {classifier} is not an image classifier run")
        if tuple(judge.image_shape) != tuple(run.image_shape):
            raise RecipeError(f"the classifier {classifier} takes {judge.image_shape} images; "
                              f"the generator makes {run.image_shape}")
        features = feature_model(float32_model(judge))

        dataset, _, description, notes = evaluation_split(run, data)
        real = np.stack([x.numpy() for x, _ in dataset]).astype(np.uint8)
        if len(real) < 20:
            raise RecipeError(f"{description} has {len(real)} images; the scores need at least 20")
        # Two disjoint halves of the held-out images: one is the reference
        # every set is compared with, the other is scored like a generator
        # (the ceiling), so all Frechet distances share one sample size. The
        # loader's order follows the run's seed; sorting by content first
        # gives every run on the same data the same halves.
        real = real[np.argsort([hashlib.sha1(image.tobytes()).hexdigest() for image in real],
                                kind="stable")]
        order = np.random.default_rng(EVAL_SEED).permutation(len(real))
        half = len(real) // 2
        reference, ceiling = real[order[:half]], real[order[half:2 * half]]

        generator = float32_model(run).generator
        keras.utils.set_random_seed(run.seed)  # the floor's initial weights, repeatable
        untrained = keras.models.clone_model(generator)
        noise = fixed_noise(half, self._latent_dim(run), EVAL_SEED)
        sets = {"real held-out (ceiling)": ceiling, "trained generator": generate(generator, noise),
                "untrained generator (floor)": generate(untrained, noise)}

        ref_features, _ = classify(features, reference)
        ref_stats = sq.feature_statistics(ref_features)
        scores = {}
        for label, images in sets.items():
            feats, probs = classify(features, images)
            is_mean, is_std = sq.inception_score(probs)
            scores[label] = {
                "frechet_distance": sq.frechet_distance_from_statistics(
                    *sq.feature_statistics(feats), *ref_stats),
                "inception_score": is_mean, "inception_score_std": is_std,
                "class_histogram": np.bincount(probs.argmax(1), minlength=probs.shape[1]).tolist(),
            }
        trained = scores["trained generator"]
        metrics = {
            "examples": int(half), "classifier": os.fspath(classifier),
            "feature_dim": int(ref_features.shape[1]), "scores": scores,
            "frechet_distance": trained["frechet_distance"],
            "inception_score": trained["inception_score"]
        }
        summary = (f"sample quality of {run.run_dir} ({run.checkpoint} model), {half} images per set; "
                   f"reference: {half} images of {description}; features: penultimate layer "
                   f"({ref_features.shape[1]}-d) of the classifier {classifier}")
        return Evaluation(metrics, summary, description, notes)

    def format_evaluation(self, result: dict) -> str:
        """The summary and the table of scores (trained generator, ceiling, floor)."""
        lines = [result["summary"], f"{'':30s}{'Frechet distance':>18s}{'Inception Score':>22s}"]
        for label, sc in result["scores"].items():
            lines.append(f"{label:30s}{sc['frechet_distance']:18.3f}"
                         f"{sc['inception_score']:14.3f} +- {sc['inception_score_std']:.3f}")
        classes = len(next(iter(result["scores"].values()))["class_histogram"])
        lines.append(f"(Frechet distance: lower is better, 0 = the reference's statistics; "
                     f"Inception Score: higher is better, at most {classes})")
        return "\n".join(lines)
