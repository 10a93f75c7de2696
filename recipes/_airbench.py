"""The task of cifar-airbench: image classification (``ClassificationTask``)
with the airbench94 training method's data-dependent and per-variable parts.

- ``prepare``: fits the whitening layer's kernel to the training images (the
  way a text task adapts its vocabulary there); a resumed run takes it from
  its backup, where it is a (frozen) weight;
- ``build``: the train model flips images in alternate epochs
  (``AlternatingFlip``, first, on the original image) before the random
  shifts, and gets the fitted kernel;
- ``make_optimizer``: ``LookaheadSGD`` from the decoupled hyperparameters
  (learning rate and weight decay per 1,024 examples), with the batch-norm
  biases' learning rate scaled and the whitening bias trained only for the
  first epochs;
- ``callbacks``: sets the flips' epoch.

Imports no TensorFlow at module level (the registry imports it).
"""

from __future__ import annotations

import dataclasses

from keras_recipes._private_api import sublayers
from keras_recipes.errors import ConfigError
from keras_recipes.tasks.classification import ClassificationTask

# The reference code's decoupling unit: hyperparameters are per 1,024 examples.
KILO = 1024


def per_step_lr(train) -> float:
    """The SGD learning rate (mean loss per batch) of the decoupled ``train.lr``.

    airbench divides the learning rate per 1,024 examples by ``1 + 1 / (1 -
    momentum)``, the steady-state size of a Nesterov step for a constant
    gradient, so that momentum does not change the step size; it sums the
    loss over the batch, which a mean loss makes up for with the batch size.
    (11.5 at momentum 0.85, batch 1024: 1.5.)
    """
    return train.lr * train.batch_size / (KILO * (1.0 + 1.0 / (1.0 - train.momentum)))


class AirbenchTask(ClassificationTask):
    """Classification with airbench's whitening, flips and optimizer."""

    augmentation_placement = ("model", "the flips alternate by epoch and must see each image "
                              "before its random shift")

    def __init__(self, cfg, recipe=None):
        super().__init__(cfg, recipe)
        self.whitening_kernel = None
        self.flips = None

    # -- training ------------------------------------------------------------------
    def prepare(self, splits, files) -> None:
        super().prepare(splits, files)
        # A resumed run restores the kernel from its backup (it is a weight).
        self.whitening_kernel = None if files.resume else self.fit_whitening(splits.train)

    def fit_whitening(self, train):
        """The whitening kernel of the first ``model.whitening_images``
        training images, normalised as the model normalises them."""
        import numpy as np

        from keras_recipes.layers import patch_whitening_kernel
        from keras_recipes.inference.model_inputs import normalization

        m = self.cfg.model
        batches = train.take(m.whitening_images).map(lambda x, y: x).batch(1024)
        images = np.concatenate(list(batches.as_numpy_iterator()))
        normalized = np.asarray(normalization(self.cfg.data)(images.astype("float32")))
        return patch_whitening_kernel(normalized, m.whitening_kernel_size, m.whitening_epsilon)

    def build(self, info, augmenter=None):
        import keras

        from keras_recipes.layers import AlternatingFlip, PatchWhitening

        if self.cfg.augment.preset != "none":
            # The plan put augmentation in the model (augmentation_placement),
            # so the shifts, if any (augment.pad > 0), come here, after the flips.
            self.flips = AlternatingFlip(seed=self.cfg.runtime.seed, name="alternating_flip")
            shifts = [augmenter] if augmenter is not None else []
            augmenter = keras.layers.Pipeline([self.flips, *shifts], name="airbench_augmentation")
        models = super().build(info, augmenter)
        (self.whitening,) = sublayers(models.train, PatchWhitening)
        if self.whitening_kernel is not None:
            self.whitening.set_kernel(self.whitening_kernel)
        return models

    def make_optimizer(self, model, steps_per_epoch: int):
        import keras

        from keras_recipes.training.lookahead_sgd import LookaheadSGD
        from keras_recipes.training.optimizers import make_schedule

        t, m = self.cfg.train, self.cfg.model
        if t.optimizer != "sgd" or not t.momentum:
            raise ConfigError(f"{self.cfg.recipe} trains with Nesterov SGD (its LookaheadSGD): "
                              f"train.optimizer must be sgd with train.momentum > 0; received "
                              f"{t.optimizer} with momentum {t.momentum}")
        schedule = make_schedule(dataclasses.replace(t, lr=per_step_lr(t), lr_scaling="none"),
                                 steps_per_epoch)
        optimizer = LookaheadSGD(
            learning_rate=schedule, momentum=t.momentum, nesterov=t.nesterov,
            # Decay per 1,024 examples over lr per 1,024 examples: the L2 whose
            # step (lr * l2 * w) is train.weight_decay per 1,024 examples.
            l2=t.weight_decay / t.lr, clipnorm=t.clipnorm,
            lookahead_every=m.lookahead_every,
            lookahead_start=m.lookahead_start_epochs * steps_per_epoch,
            lookahead_decay=m.lookahead_decay, lookahead_power=m.lookahead_power,
            total_steps=t.epochs * steps_per_epoch, epoch_steps=steps_per_epoch)
        norms = sublayers(model, keras.layers.BatchNormalization)
        optimizer.scale_learning_rate([n.beta for n in norms if n.center], m.bias_lr_scale)
        optimizer.train_until([self.whitening.bias], m.whitening_bias_epochs * steps_per_epoch)
        return schedule, optimizer

    def callbacks(self, write_dir) -> list:
        return [self.flips.Epochs([self.flips])] if self.flips is not None else []

    # -- serving -------------------------------------------------------------------
    def custom_objects(self) -> dict:
        from keras_recipes.training.lookahead_sgd import LookaheadSGD

        return {"keras_recipes>LookaheadSGD": LookaheadSGD}
