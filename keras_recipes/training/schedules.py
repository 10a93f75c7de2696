"""Learning-rate schedules Keras does not ship: one-cycle and linear warmup.

Step decay and cosine (with warmup) come from ``keras.optimizers.schedules``.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_recipes")
class OneCycle(keras.optimizers.schedules.LearningRateSchedule):
    """Smith's one-cycle policy: linear warm-up to ``max_lr`` over
    ``pct_start`` of training, then cosine annealing down to
    ``max_lr / final_div``. Fast schedules for short budgets use it.

    Example:
    >>> schedule = OneCycle(max_lr=0.4, total_steps=10_000)
    """

    def __init__(self, max_lr, total_steps, pct_start=0.25, div=25.0, final_div=1e4):
        if total_steps <= 0:
            raise ValueError(f"total_steps must be positive. Received: total_steps={total_steps}")
        self.max_lr = float(max_lr)
        self.total_steps = int(total_steps)
        self.pct_start = float(pct_start)
        self.div = float(div)
        self.final_div = float(final_div)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        up = max(1.0, self.pct_start * self.total_steps)
        down = max(1.0, self.total_steps - up)
        start, end = self.max_lr / self.div, self.max_lr / self.final_div
        warm = start + (self.max_lr - start) * ops.minimum(step / up, 1.0)
        progress = ops.clip((step - up) / down, 0.0, 1.0)
        cool = end + 0.5 * (self.max_lr - end) * (1.0 + ops.cos(3.141592653589793 * progress))
        return ops.where(step < up, warm, cool)

    def get_config(self):
        return {"max_lr": self.max_lr, "total_steps": self.total_steps,
                "pct_start": self.pct_start, "div": self.div, "final_div": self.final_div}


@keras.saving.register_keras_serializable(package="keras_recipes")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """Ramp linearly from 0 to ``after(warmup_steps)``, then follow ``after``."""

    def __init__(self, after, warmup_steps):
        self.after = after
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        target = self.after(step)
        ramp = target * ops.minimum((step + 1.0) / float(max(1, self.warmup_steps)), 1.0)
        return ops.where(step < self.warmup_steps, ramp, target)

    def get_config(self):
        return {"after": keras.saving.serialize_keras_object(self.after),
                "warmup_steps": self.warmup_steps}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["after"] = keras.saving.deserialize_keras_object(config["after"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_recipes")
class Triangular(keras.optimizers.schedules.LearningRateSchedule):
    """Linear up from ``start * max_lr`` to ``max_lr`` at ``peak_at`` of
    ``total_steps``, then linear down to ``end * max_lr`` at the last step:
    the schedule of airbench (Jordan 2024; start 0.2, peak at 0.23, end 0.07).

    Example:
    >>> schedule = Triangular(max_lr=1.5, total_steps=440, peak_at=0.23)
    """

    def __init__(self, max_lr, total_steps, peak_at=0.23, start=0.2, end=0.07):
        if total_steps <= 0:
            raise ValueError(f"total_steps must be positive. Received: total_steps={total_steps}")
        self.max_lr = float(max_lr)
        self.total_steps = int(total_steps)
        self.peak_at = float(peak_at)
        self.start = float(start)
        self.end = float(end)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        peak = float(int(self.peak_at * self.total_steps))
        up = self.start + (1.0 - self.start) * step / max(peak, 1.0)
        down = 1.0 + (self.end - 1.0) * (step - peak) / max(self.total_steps - peak, 1.0)
        return self.max_lr * ops.where(step < peak, up, ops.maximum(down, self.end))

    def get_config(self):
        return {"max_lr": self.max_lr, "total_steps": self.total_steps, "peak_at": self.peak_at,
                "start": self.start, "end": self.end}
