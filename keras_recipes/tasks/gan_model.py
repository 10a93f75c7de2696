"""``GAN``: a generator and a discriminator trained by ``fit``, each with its
own optimizer, in one ``train_step``.

Keras' ``compute_loss`` hook has one loss and one optimizer, so a GAN
overrides ``train_step`` itself, as Keras 3's guide "Customizing what happens
in fit() with TensorFlow" does: one ``tf.GradientTape`` per player. The math
(pixel scaling, the losses) is ``keras.ops``; the TensorFlow parts are the
tapes and the noise. It runs under ``tf.distribute`` strategies: each replica
scales its loss by ``1 / replicas`` and the optimizers sum the replicas'
gradients, so two replicas with half batches step like one with the whole.
On JAX, Keras' trainer threads only ``self.optimizer``'s variables through
its stateless ``train_step``; two optimizers would need one wrapper holding
both, which is not written yet, so a GAN on another backend fails at
``compile`` with a clear message.

Losses (Goodfellow et al. 2014, the non-saturating generator loss):
``d_loss = BCE(1, D(x)) + BCE(0, D(G(z)))`` and ``g_loss = BCE(1, D(G(z)))``,
on logits. ``loss`` is their sum, logged so that a NaN in either player stops
the run.

Noise is stateless: step ``k`` draws the global batch's noise seeded by
``(seed, 2k + player)``, ``k`` being the generator optimizer's iteration
count, and each replica takes its slice. Runs are repeatable, two replicas
draw the noise one device would, and a resumed run (which restores the
optimizers) draws what an uninterrupted one would have drawn.

Example:

>>> import keras, numpy as np
>>> from keras_recipes.layers import dcgan_discriminator, dcgan_generator
>>> gan = GAN(dcgan_generator(16, (28, 28, 1), width=8), dcgan_discriminator((28, 28, 1), width=8))
>>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
>>> images = np.zeros((16, 28, 28, 1), np.uint8)  # raw pixels, 0-255
>>> sorted(gan.fit(images, batch_size=8, epochs=1, verbose=0).history)
['d_loss', 'd_real', 'g_loss', 'loss']
"""

from __future__ import annotations

import keras
from keras import ops

from keras_recipes.errors import RecipeError


def _bce_from_logits(target: float, logits):
    """Mean binary cross-entropy of ``logits`` against a constant label."""
    labels = ops.full_like(logits, target)
    return ops.mean(ops.binary_crossentropy(labels, logits, from_logits=True))


@keras.saving.register_keras_serializable(package="keras_recipes")
class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit``.

    ``fit`` takes raw uint8-range images (0-255, ``[batch, H, W, C]``; a
    ``(images, labels)`` batch has its labels ignored) and scales them to
    [-1, 1], the generator's tanh range. Calling the model draws images from
    noise: ``gan(noise)`` is ``gan.generator(noise)``.

    Args:
        generator: a model ``[batch, latent_dim] -> [batch, H, W, C]`` in [-1, 1].
        discriminator: a model ``[batch, H, W, C] -> [batch, 1]`` logits.
        seed: seeds the training noise (see the module docstring).
    """

    def __init__(self, generator, discriminator, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.seed = int(seed)
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.d_optimizer = None
        self.g_optimizer = None
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        # The discriminator's mean probability on real images: near 1, D is
        # winning outright; near 0.5 the game is balanced.
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.built = True  # both players are built functional models

    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    def compile(self, d_optimizer=None, g_optimizer=None, **kwargs):
        """``d_optimizer`` / ``g_optimizer``: one per player (required);
        other arguments (``jit_compile``, ``steps_per_execution``) go to
        ``keras.Model.compile``. Under ``mixed_float16`` both are wrapped in a
        ``LossScaleOptimizer``, as ``compile`` does for a model's own."""
        if keras.backend.backend() != "tensorflow":
            raise RecipeError(
                f"the GAN's train_step uses tf.GradientTape (two optimizers in one step); it "
                f"runs on the TensorFlow backend, not {keras.backend.backend()!r}: set "
                "KERAS_BACKEND=tensorflow"
            )
        if d_optimizer is None or g_optimizer is None:
            raise RecipeError("GAN.compile needs d_optimizer and g_optimizer (one per player)")
        if kwargs.get("loss") is not None:
            raise RecipeError("GAN.compile takes no loss: the GAN losses are its own")
        super().compile(optimizer=None, **kwargs)
        if self.dtype_policy.name == "mixed_float16":
            d_optimizer, g_optimizer = (
                o if isinstance(o, keras.optimizers.LossScaleOptimizer)
                else keras.optimizers.LossScaleOptimizer(o) for o in (d_optimizer, g_optimizer))
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        # Built now, so a backup restored at the start of fit (resume) finds
        # their slots to load into instead of skipping them.
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)

    @property
    def metrics(self):
        return [self.loss_tracker, self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker]

    # -- training ---------------------------------------------------------------------------
    @staticmethod
    def _real_images(data):
        x = data[0] if isinstance(data, (tuple, list)) else data
        return ops.cast(x, "float32") / 127.5 - 1.0  # 0..255 -> [-1, 1], tanh's range

    def _noise(self, batch, player: int):
        import tensorflow as tf

        context = tf.distribute.get_replica_context()
        replica = context.replica_id_in_sync_group if context is not None else 0
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        step = tf.cast(self.g_optimizer.iterations, tf.int64)
        seed = tf.stack([tf.constant(self.seed, tf.int64), 2 * step + player])
        # The global batch's noise, of which this replica takes its rows: N
        # replicas see the noise one device would (tf.distribute hands replica
        # r the r-th slice of the global batch, too).
        noise = tf.random.stateless_normal((batch * replicas, self.latent_dim), seed=seed)
        return noise[replica * batch:(replica + 1) * batch]

    def _d_loss(self, real, noise, training):
        fake = self.generator(noise, training=training)
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        d_loss = _bce_from_logits(1.0, real_logits) + _bce_from_logits(0.0, fake_logits)
        return d_loss, real_logits

    def train_step(self, data):
        import tensorflow as tf

        real = self._real_images(data)
        batch = ops.shape(real)[0]
        replicas = tf.distribute.get_strategy().num_replicas_in_sync

        # The discriminator's step: real -> 1, fake -> 0.
        noise = self._noise(batch, player=0)
        with tf.GradientTape() as tape:
            d_loss, real_logits = self._d_loss(real, noise, training=True)
            d_total = d_loss + self._penalty(self.discriminator)
            scaled = self.d_optimizer.scale_loss(d_total / replicas)
        d_vars = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(scaled, d_vars), d_vars))

        # The generator's step: make D call the fakes real (non-saturating).
        noise = self._noise(batch, player=1)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(noise, training=True), training=True)
            g_loss = _bce_from_logits(1.0, fake_logits)
            g_total = g_loss + self._penalty(self.generator)
            scaled = self.g_optimizer.scale_loss(g_total / replicas)
        g_vars = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(scaled, g_vars), g_vars))
        return self._track(d_loss, g_loss, real_logits)

    def test_step(self, data):
        """Both losses on held-out real images, without updates (fixed noise)."""
        import tensorflow as tf

        real = self._real_images(data)
        noise = tf.random.stateless_normal((ops.shape(real)[0], self.latent_dim),
                                           seed=[self.seed, -1])
        d_loss, real_logits = self._d_loss(real, noise, training=False)
        fake_logits = self.discriminator(self.generator(noise, training=False), training=False)
        return self._track(d_loss, _bce_from_logits(1.0, fake_logits), real_logits)

    @staticmethod
    def _penalty(model):
        """Kernel regularizers (``train.weight_decay`` with SGD/Adam), if any."""
        losses = model.losses
        return ops.sum(ops.stack([ops.cast(v, "float32") for v in losses])) if losses else 0.0

    def _track(self, d_loss, g_loss, real_logits):
        self.loss_tracker.update_state(d_loss + g_loss)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(ops.mean(ops.sigmoid(real_logits)))
        return {m.name: m.result() for m in self.metrics}

    # -- serialization ------------------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(generator=keras.saving.serialize_keras_object(self.generator),
                      discriminator=keras.saving.serialize_keras_object(self.discriminator),
                      seed=self.seed)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("generator", "discriminator"):
            config[key] = keras.saving.deserialize_keras_object(config[key],
                                                                custom_objects=custom_objects)
        return cls(**config)
