"""Optimizers, learning-rate schedules and weight decay from a TrainConfig."""

from __future__ import annotations

import keras

from keras_recipes.config import TrainConfig
from keras_recipes.training.schedules import LinearWarmup, OneCycle, Triangular


def scaled_lr(train: TrainConfig) -> float:
    """The peak learning rate after the recipe's batch-size scaling rule."""
    if train.lr_scaling == "linear":
        return train.lr * train.batch_size / train.base_batch_size
    return train.lr


def make_schedule(train: TrainConfig, steps_per_epoch: int):
    """A Keras LearningRateSchedule (or a float) for the whole run."""
    lr = scaled_lr(train)
    total = max(1, train.epochs * steps_per_epoch)
    warmup = int(round(train.warmup_epochs * steps_per_epoch + train.warmup_fraction * total))
    if train.schedule == "onecycle":
        return OneCycle(max_lr=lr, total_steps=total)
    if train.schedule == "triangular":  # the warmup is its rise (airbench's 23% when unset)
        return Triangular(max_lr=lr, total_steps=total, peak_at=warmup / total if warmup else 0.23)
    if train.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=0.0 if warmup else lr,
            decay_steps=max(1, total - warmup),
            warmup_target=lr if warmup else None,
            warmup_steps=warmup,
        )
    if train.schedule == "step":
        boundaries = sorted({max(1, int(f * total)) for f in train.decay_at})
        values = [lr * train.decay_factor**i for i in range(len(boundaries) + 1)]
        schedule = keras.optimizers.schedules.PiecewiseConstantDecay(boundaries, values)
    else:  # constant
        schedule = lr
    if warmup:
        if not callable(schedule):
            schedule = keras.optimizers.schedules.PiecewiseConstantDecay([1], [lr, lr])
        return LinearWarmup(schedule, warmup)
    return schedule


def _decays(variable) -> bool:
    """Kernels decay; biases and batch-norm scales/offsets (1-D) do not."""
    return len(variable.shape) > 1


def make_optimizer(train: TrainConfig, schedule, model: keras.Model):
    """The optimizer, with weight decay applied the way the recipe asks.

    SGD, Adam and RMSprop get the papers' coupled L2 penalty (``wd/2 * ||w||^2`` added
    to the loss through each kernel's regularizer, so the gradient is
    ``wd * w``); AdamW gets Keras' decoupled decay. Either way only kernels
    decay, never biases or batch-norm parameters.
    """
    common = dict(
        learning_rate=schedule,
        clipnorm=train.clipnorm,
        use_ema=train.ema,
        ema_momentum=train.ema_momentum,
    )
    if train.optimizer == "adamw":
        optimizer = keras.optimizers.AdamW(weight_decay=train.weight_decay, **common)
        optimizer.exclude_from_weight_decay(
            var_list=[v for v in model.trainable_variables if not _decays(v)]
        )
        return optimizer
    if train.weight_decay:
        l2 = keras.regularizers.L2(train.weight_decay / 2.0)
        for variable in model.trainable_variables:
            if _decays(variable):
                variable.regularizer = l2
    if train.optimizer == "sgd":
        return keras.optimizers.SGD(momentum=train.momentum, nesterov=train.nesterov, **common)
    if train.optimizer == "rmsprop":  # Hinton's lecture 6e; train.momentum is SGD's, not used here
        return keras.optimizers.RMSprop(**common)
    return keras.optimizers.Adam(**common)
