"""The variational autoencoder task: binarised images, the negative ELBO in
nats, samples from the prior and the latent-space manifold.

The recipe's ``build_model(cfg, info)`` returns ``(encoder, decoder)``:
``encoder`` maps images in [0, 1] to ``[mean, log_var]``, ``decoder`` maps a
latent vector to Bernoulli logits. The task trains them inside
``VariationalAutoencoder`` (``keras_recipes.tasks.vae_model``, the loss in
``compute_loss``) and keeps a functional serving model in the run directory:
uint8 image -> binarise -> encoder -> ``mean``, ``log_var`` and the
``reconstruction`` decoded from the mean.

Binarisation (``data.binarize``):

- ``threshold`` (default): pixel > ``data.threshold`` (0.5), the same for
  training and held-out data;
- ``stochastic``: training images are re-binarised at every step
  (pixel ~ Bernoulli(intensity)); validation and held-out images are
  binarised once, with a fixed seed keyed by the image's content, so every
  run and every ``recipes evaluate`` scores the same binary images (the
  protocol of the published numbers: ~86.5 nats for a conv VAE).

Held-out metric: the negative ELBO with one posterior sample per image
(nats, lower is better) and, with ``model.importance_samples`` = K > 0, the
importance-weighted bound ``-log mean_k p(x, z_k) / q(z_k | x)`` (Burda et
al. 2016), which approaches -log p(x) as K grows.
"""

from __future__ import annotations

from typing import Any, Dict

import numpy as np

from keras_recipes.errors import ConfigError, RecipeError, did_you_mean
from keras_recipes.tasks.base import Evaluation, Signature, Task, TaskModels

BINARIZE_MODES = ("threshold", "stochastic")
# Seed of the one-off binarisation of held-out images (data.binarize=stochastic):
# fixed, so every run is scored on the same binary images.
HELD_OUT_BINARIZATION_SEED = 20140101
SAMPLES_FILE = "samples.png"
MANIFOLD_FILE = "latent_manifold.png"


def fixed_binarization(images, seed: int = HELD_OUT_BINARIZATION_SEED):
    """uint8 images [B, H, W, C] -> uint8 0/255, each pixel 255 with
    probability intensity / 255, drawn from a stateless generator seeded by
    ``seed`` and the image's own fingerprint: the same image always gets the
    same binary version, whatever its batch, position or split."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    flat = tf.reshape(images, [tf.shape(images)[0], -1])
    fingerprint = tf.bitcast(tf.reshape(tf.fingerprint(flat), [-1, 2, 4]), tf.int32)  # [B, 2]
    seeds = tf.stack([fingerprint[:, 0] ^ tf.constant(seed % 2**31, tf.int32), fingerprint[:, 1]],
                     axis=1)
    shape = tf.shape(images)[1:]
    uniform = tf.map_fn(lambda s: tf.random.stateless_uniform(shape, seed=s), seeds,
                        fn_output_signature=tf.float32)
    intensity = tf.cast(images, tf.float32) / 255.0
    return tf.cast(uniform < intensity, tf.uint8) * 255


class VariationalTask(Task):
    """Images -> the negative ELBO of a Bernoulli VAE (nats per image)."""

    name = "variational autoencoder"

    def __init__(self, cfg, recipe=None):
        super().__init__(cfg, recipe)
        if cfg is not None:
            mode = getattr(cfg.data, "binarize", "threshold")
            if mode not in BINARIZE_MODES:
                raise ConfigError(f"config key `data.binarize` must be one of "
                                  f"{', '.join(BINARIZE_MODES)}; received {mode!r}"
                                  f"{did_you_mean(mode, BINARIZE_MODES)}")
            threshold = getattr(cfg.data, "threshold", 0.5)
            if not 0.0 < threshold < 1.0:
                raise ConfigError(f"config key `data.threshold` must be in (0, 1); received {threshold!r}")

    @property
    def binarize(self) -> str:
        return getattr(self.cfg.data, "binarize", "threshold")

    @property
    def threshold(self) -> float:
        return float(getattr(self.cfg.data, "threshold", 0.5))

    # -- training ------------------------------------------------------------------
    def pipeline_options(self, splits, training: bool) -> Dict[str, Any]:
        stochastic = self.binarize == "stochastic"

        def images_only(x, y):  # no targets: the loss compares the model with its input
            if stochastic and not training:
                return fixed_binarization(x)
            return x

        return {"map_fn": images_only}

    def build(self, info, augmenter=None) -> TaskModels:
        from keras_recipes.tasks.vae_model import VariationalAutoencoder

        encoder, decoder = self.recipe.build_model(self.cfg, info)
        seed = self.cfg.runtime.seed
        vae = VariationalAutoencoder(encoder, decoder, binarize=self.binarize,
                                     threshold=self.threshold, beta=self.cfg.model.beta, seed=seed,
                                     name=self.cfg.recipe.replace("-", "_"))
        vae(np.zeros((1, *info.image_shape), np.uint8))  # build, so a backup can be restored into it
        return TaskModels(train=vae, serving=serving_model(encoder, decoder, info.image_shape,
                                                           self.threshold, name=vae.name))

    def compile_args(self, optimizer) -> Dict[str, Any]:
        return {"optimizer": optimizer}  # the loss is the model's compute_loss

    def metric_names(self) -> tuple:
        return ("loss", "neg_elbo", "reconstruction", "kl")

    # -- serving -------------------------------------------------------------------
    def describe(self, run) -> None:
        names = [layer.name for layer in run.model.layers]
        if "encoder" not in names or "decoder" not in names:
            from keras_recipes.errors import RunDirError

            raise RunDirError(f"{run.model_path} is not a VAE serving model (no encoder/decoder)")
        run.kind = "image"
        run.image_shape = tuple(int(d) for d in run.model.inputs[0].shape[1:])

    @staticmethod
    def parts(run):
        return run.model.get_layer("encoder"), run.model.get_layer("decoder")

    def _binary_batches(self, run, dataset, batch_size):
        """Held-out batches as float32 0/1 images, binarised as in training."""
        import tensorflow as tf

        stochastic = self.binarize == "stochastic"
        threshold = self.threshold

        def to_binary(x, y):
            if stochastic:
                x = fixed_binarization(x)
            return tf.cast(tf.cast(x, tf.float32) / 255.0 > threshold, tf.float32)

        return dataset.batch(batch_size).map(to_binary).prefetch(2)

    def evaluate(self, run, data=None, *, batch_size: int = 256) -> Evaluation:
        import tensorflow as tf

        from keras_recipes.inference.data import evaluation_split
        from keras_recipes.tasks.vae_model import elbo_terms

        dataset, _, description, notes = evaluation_split(run, data)
        encoder, decoder = self.parts(run)
        k = int(getattr(self.cfg.model, "importance_samples", 0) or 0)

        @tf.function(reduce_retracing=True)
        def one_sample(x, eps):
            mean, log_var = encoder(x, training=False)
            z = mean + tf.exp(0.5 * log_var) * eps
            return elbo_terms(x, decoder(z, training=False), mean, log_var)

        @tf.function(reduce_retracing=True)
        def log_sum_weights(x, eps):  # eps [K, B, L] -> log sum_k p(x, z_k) / q(z_k | x)
            mean, log_var = encoder(x, training=False)
            z = mean[None] + tf.exp(0.5 * log_var)[None] * eps  # [K, B, L]
            flat = tf.reshape(z, [-1, tf.shape(z)[-1]])
            logits = decoder(flat, training=False)
            targets = tf.tile(x, [tf.shape(eps)[0], 1, 1, 1])
            bce = tf.nn.sigmoid_cross_entropy_with_logits(labels=targets, logits=tf.cast(logits, tf.float32))
            log_px_z = -tf.reshape(tf.reduce_sum(bce, axis=[1, 2, 3]), tf.shape(eps)[:2])
            log_pz = -0.5 * tf.reduce_sum(tf.square(z) + np.log(2 * np.pi), axis=-1)
            log_qz = -0.5 * tf.reduce_sum(tf.square(eps) + np.log(2 * np.pi) + log_var[None], axis=-1)
            log_w = log_px_z + log_pz - log_qz
            return tf.reduce_logsumexp(log_w, axis=0)

        rng = np.random.default_rng(run.seed)  # the posterior samples: same seed, same figure
        latent = int(decoder.inputs[0].shape[-1])
        recon, kl, iw = [], [], []
        for x in self._binary_batches(run, dataset, batch_size):
            eps = rng.standard_normal((x.shape[0], latent)).astype(np.float32)
            r, d = one_sample(x, eps)
            recon.append(r.numpy())
            kl.append(d.numpy())
            if k:
                chunk = max(1, 4096 // max(1, int(x.shape[0])))  # samples per decoder call
                bounds = []
                for start in range(0, k, chunk):
                    m = min(chunk, k - start)
                    e = rng.standard_normal((m, x.shape[0], latent)).astype(np.float32)
                    bounds.append(log_sum_weights(x, e).numpy())
                iw.append(-(np.logaddexp.reduce(np.stack(bounds), axis=0) - np.log(k)))
        if not recon:
            raise RecipeError(f"{description} has no examples")
        recon, kl = np.concatenate(recon), np.concatenate(kl)
        neg_elbo = recon + kl
        n = len(neg_elbo)
        result = {
            "examples": int(n), "binarize": self.binarize, "threshold": self.threshold,
            "neg_elbo_nats": float(neg_elbo.mean()),
            "neg_elbo_stderr": float(neg_elbo.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0,
            "reconstruction_nats": float(recon.mean()), "kl_nats": float(kl.mean()),
            "posterior_samples": 1,
        }
        summary = (f"negative ELBO {result['neg_elbo_nats']:.2f} nats "
                   f"(+- {result['neg_elbo_stderr']:.2f}; reconstruction "
                   f"{result['reconstruction_nats']:.2f} + KL {result['kl_nats']:.2f})")
        if k:
            iw = np.concatenate(iw)
            result.update(importance_samples=k, neg_iw_bound_nats=float(iw.mean()))
            summary += f", importance-weighted bound (K={k}) {result['neg_iw_bound_nats']:.2f} nats"
        return Evaluation(result, f"{run.checkpoint} model on {description} ({n} images, "
                                  f"{self.binarize} binarisation): {summary}", description, notes)

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        import tensorflow as tf

        decoder = model.get_layer("decoder")
        latent = int(decoder.inputs[0].shape[-1])
        rng = np.random.default_rng(0)

        def encode(image):
            out = model(image, training=False)
            return {"mean": out["mean"], "log_var": out["log_var"]}

        def sample(latent_vector):
            return {"image": tf.sigmoid(tf.cast(decoder(latent_vector, training=False), tf.float32))}

        images = rng.integers(0, 256, (4, *run.image_shape), dtype=np.uint8)
        return {
            "encode": Signature(encode, [tf.TensorSpec([None, *run.image_shape], tf.uint8, name="image")],
                                [images]),
            "sample": Signature(sample, [tf.TensorSpec([None, latent], tf.float32, name="latent")],
                                [rng.standard_normal((4, latent)).astype(np.float32)]),
        }

    def sample(self, run, n: int, *, output=None, seed: int = 0, verbose: bool = True,
               **options) -> dict:
        from pathlib import Path

        from keras_recipes.rundir.image_grid import save_grid

        _, decoder = self.parts(run)
        latent = int(decoder.inputs[0].shape[-1])
        z = np.random.default_rng(seed).standard_normal((n, latent)).astype(np.float32)
        probabilities = decode(decoder, z)
        path = Path(output) if output else run.run_dir / SAMPLES_FILE
        files = {"grid": str(save_grid(probabilities, path))}
        summary = f"wrote {n} samples from the prior (Bernoulli means) to {path}"
        if latent == 2:
            manifold = path.with_name(f"{path.stem}_manifold{path.suffix or '.png'}") if output \
                else run.run_dir / MANIFOLD_FILE
            files["manifold"] = str(latent_manifold(decoder, manifold))
            summary += f" and the 2-D latent manifold to {manifold}"
        if verbose:
            print(summary)
        return {"summary": summary, "files": files}


def decode(decoder, z, batch_size: int = 512) -> np.ndarray:
    """Bernoulli means (float32 in [0, 1]) of ``decoder`` at latent points ``z``."""
    import tensorflow as tf

    from keras_recipes.inference.run import predict_batches

    return np.concatenate([tf.sigmoid(tf.cast(logits, tf.float32)).numpy()
                           for logits in predict_batches(decoder, z, batch_size)])


def latent_manifold(decoder, path, steps: int = 20):
    """The decoder's images over a ``steps`` x ``steps`` grid of a 2-D latent
    space, at the standard normal's quantiles 0.05 ... 0.95 (equal prior mass
    between neighbours, as in Kingma & Welling 2014, fig. 4)."""
    from statistics import NormalDist

    from keras_recipes.rundir.image_grid import save_grid

    quantiles = [NormalDist().inv_cdf(p) for p in np.linspace(0.05, 0.95, steps)]
    z = np.array([[x, y] for y in reversed(quantiles) for x in quantiles], np.float32)
    return save_grid(decode(decoder, z), path, columns=steps, scale=1)


def serving_model(encoder, decoder, image_shape, threshold: float, name: str = "vae"):
    """uint8 images -> ``mean``, ``log_var`` and the ``reconstruction`` (the
    decoder's Bernoulli means at the posterior mean), sharing the layers."""
    import keras

    from keras_recipes.layers import Binarize

    image = keras.Input(image_shape, dtype="uint8", name="image")
    x = keras.layers.Rescaling(1.0 / 255, name="rescale")(image)
    x = Binarize("threshold", threshold, name="binarize")(x)
    mean, log_var = encoder(x)
    logits = decoder(mean)
    reconstruction = keras.layers.Activation("sigmoid", dtype="float32", name="reconstruction")(logits)
    return keras.Model(image, {"mean": mean, "log_var": log_var, "reconstruction": reconstruction},
                       name=name)
