"""The model a VAE task trains: encoder + reparameterised sampling + decoder,
with the negative ELBO computed in ``compute_loss`` (backend-agnostic: the
Keras 3 way of a custom loss, so ``fit`` runs it under ``tf.distribute`` and
on JAX unchanged).

Bernoulli likelihood on binary pixels, standard normal prior, diagonal
Gaussian posterior (Kingma & Welling 2014). Everything is in nats per image:

    reconstruction = -log p(x | z) = sum over pixels of BCE(x, sigmoid(logits))
    kl             = KL(q(z | x) || N(0, I)) = -1/2 sum(1 + log_var - mean^2 - exp(log_var))
    loss           = reconstruction + beta * kl       (beta = 1: the negative ELBO)
"""

from __future__ import annotations

import keras
from keras import ops

from keras_recipes.layers import Binarize, GaussianSampling


def elbo_terms(target, logits, mean, log_var):
    """Per-example ``(reconstruction, kl)`` in nats (float32 [batch] each)."""
    target = ops.cast(target, "float32")
    logits = ops.cast(logits, "float32")
    mean = ops.cast(mean, "float32")
    log_var = ops.cast(log_var, "float32")
    bce = ops.binary_crossentropy(target, logits, from_logits=True)
    reconstruction = ops.sum(ops.reshape(bce, (ops.shape(bce)[0], -1)), axis=-1)
    kl = -0.5 * ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1)
    return reconstruction, kl


@keras.saving.register_keras_serializable(package="keras_recipes")
class NegativeELBO(keras.losses.Loss):
    """``reconstruction + beta * kl`` per example, averaged over the batch.

    ``y_true``: the binary target images; ``y_pred``: a dict with ``logits``,
    ``mean`` and ``log_var``. Being a ``keras.losses.Loss``, it is reduced
    and scaled for the replicas of a ``tf.distribute`` strategy as Keras'
    own losses are.
    """

    def __init__(self, beta=1.0, name="negative_elbo", **kwargs):
        super().__init__(name=name, **kwargs)
        self.beta = float(beta)

    def call(self, y_true, y_pred):
        reconstruction, kl = elbo_terms(y_true, y_pred["logits"], y_pred["mean"], y_pred["log_var"])
        return reconstruction + self.beta * kl

    def get_config(self):
        return {**super().get_config(), "beta": self.beta}


class VariationalAutoencoder(keras.Model):
    """The training model of a VAE: uint8 images in; logits, mean, log_var
    and the binarised target out; the loss in ``compute_loss``.

    ``encoder``: images in [0, 1] -> ``[mean, log_var]``; ``decoder``: latent
    -> Bernoulli logits. The input pixels are binarised inside the model
    (``Binarize``): by a threshold, or stochastically with a fresh draw at
    each step. Only its weights are saved (backups, best checkpoint); the
    run's ``model.keras`` is the task's functional serving model, which
    shares the encoder and decoder.

    Metrics (per image, nats): ``loss`` (with ``beta``), ``neg_elbo`` (the
    negative ELBO, beta = 1), ``reconstruction`` and ``kl``.
    """

    def __init__(self, encoder, decoder, *, binarize="threshold", threshold=0.5, beta=1.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.beta = float(beta)
        self.rescale = keras.layers.Rescaling(1.0 / 255, name="rescale")
        self.binarize = Binarize(binarize, threshold, seed=seed, name="binarize")
        self.sampling = GaussianSampling(seed=None if seed is None else seed + 1, name="sampling")
        self.negative_elbo = NegativeELBO(beta)
        self.neg_elbo_tracker = keras.metrics.Mean(name="neg_elbo")
        self.reconstruction_tracker = keras.metrics.Mean(name="reconstruction")
        self.kl_tracker = keras.metrics.Mean(name="kl")

    def call(self, images, training=False):
        target = self.binarize(self.rescale(images))
        mean, log_var = self.encoder(target, training=training)
        logits = self.decoder(self.sampling([mean, log_var]), training=training)
        return {"logits": logits, "mean": mean, "log_var": log_var, "target": target}

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction, kl = elbo_terms(y_pred["target"], y_pred["logits"], y_pred["mean"],
                                        y_pred["log_var"])
        self.neg_elbo_tracker.update_state(reconstruction + kl)
        self.reconstruction_tracker.update_state(reconstruction)
        self.kl_tracker.update_state(kl)
        # A keras Loss: averaged over the batch and scaled for the replicas.
        # (Layer regularisers are not added: the recipe's layers have none.)
        return self.negative_elbo(y_pred["target"], y_pred, sample_weight=sample_weight)
