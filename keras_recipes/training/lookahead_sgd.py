"""``LookaheadSGD``: SGD with per-variable learning-rate multipliers and
step limits, L2 that ignores the multipliers, and Lookahead-style averaging
of the weights, as airbench94 trains (Jordan 2024, "94% on CIFAR-10 in 3.29
Seconds on a Single GPU")."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_recipes")
class LookaheadSGD(keras.optimizers.SGD):
    """SGD (momentum, optionally Nesterov) with three additions.

    - **Per-variable learning rates**: ``scale_learning_rate(variables, k)``
      multiplies their learning rate by ``k`` (airbench: 64 for the batch
      norm biases); ``train_until(variables, step)`` stops updating them
      from that step on, momentum included (airbench: the whitening bias
      after 3 epochs). Like ``exclude_from_weight_decay``, call them before
      the first step.
    - **L2 independent of those multipliers**: ``l2 * w`` is added to every
      trainable variable's gradient, divided by its multiplier, so a variable
      with a 64x learning rate decays as fast as the others (coupled L2, as
      in PyTorch's SGD ``weight_decay``, passed through the momentum).
    - **Lookahead-style averaging** (Zhang et al. 2019; airbench's
      ``LookaheadState``): every ``lookahead_every`` steps from step
      ``lookahead_start`` on, a slow copy moves towards the weights,
      ``slow = rho * slow + (1 - rho) * w`` with ``rho = lookahead_decay **
      lookahead_every * (step / total_steps) ** lookahead_power`` (averaging
      more strongly as training ends), and the weights are reset to it; at
      the end of every epoch (``epoch_steps``) the weights are reset to the
      slow copy once more. ``lookahead_every=0`` turns it off.

    The slow copies are optimizer variables (as Keras' own ``use_ema`` keeps
    its average), so a backup of the model's weights and optimizer state
    holds them and a resumed run continues exactly. Batch-norm statistics are
    not averaged (an optimizer sees trainable variables only); the reference
    averages them too.

    Example:

    >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    >>> optimizer = LookaheadSGD(learning_rate=0.1, momentum=0.85, nesterov=True, l2=1e-3,
    ...                          lookahead_every=5, lookahead_start=20, total_steps=100,
    ...                          epoch_steps=10)
    >>> optimizer.scale_learning_rate([model.layers[0].bias], 64.0)
    >>> model.compile(optimizer=optimizer, loss="mse")
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, nesterov=False, l2=0.0,
                 lookahead_every=0, lookahead_start=0, lookahead_decay=0.95, lookahead_power=3.0,
                 total_steps=1, epoch_steps=0, name="lookahead_sgd", **kwargs):
        super().__init__(learning_rate=learning_rate, momentum=momentum, nesterov=nesterov,
                         name=name, **kwargs)
        if not momentum:
            raise ValueError(f"LookaheadSGD needs momentum > 0. Received: momentum={momentum!r}")
        self.l2 = float(l2)
        self.lookahead_every = int(lookahead_every)
        self.lookahead_start = int(lookahead_start)
        self.lookahead_decay = float(lookahead_decay)
        self.lookahead_power = float(lookahead_power)
        self.total_steps = max(1, int(total_steps))
        self.epoch_steps = int(epoch_steps)
        self._multipliers, self._limits = {}, {}

    # -- per-variable settings ---------------------------------------------------------
    def scale_learning_rate(self, variables, factor: float) -> None:
        """Multiply the learning rate of ``variables`` by ``factor`` (> 0)."""
        if not factor > 0:
            raise ValueError(f"factor must be > 0. Received: factor={factor!r}")
        self._set(self._multipliers, variables, float(factor))

    def train_until(self, variables, step: int) -> None:
        """Update ``variables`` only in the first ``step`` steps."""
        self._set(self._limits, variables, int(step))

    def _set(self, table, variables, value):
        if self.built:
            raise ValueError("set per-variable learning rates before the optimizer is built "
                             "(before the first step)")
        for variable in variables:
            table[self._var_key(variable)] = value

    # -- state -------------------------------------------------------------------------
    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        keys = [self._var_key(v) for v in variables]
        self._multiplier_of = [self._multipliers.get(k, 1.0) for k in keys]
        self._limit_of = [self._limits.get(k) for k in keys]
        self._slow = []
        if self.lookahead_every:
            self._slow = [self.add_variable_from_reference(v, name="lookahead") for v in variables]
            self._slow_ready = self.add_variable((), initializer="zeros", dtype="float32",
                                                 name="lookahead_ready")

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        multiplier, limit = self._multiplier_of[index], self._limit_of[index]
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype) * multiplier
        gradient = ops.cast(gradient, dtype)
        if self.l2:
            gradient = gradient + (self.l2 / multiplier) * variable
        velocity = self.momentums[index]
        new_velocity = self.momentum * velocity - lr * gradient
        delta = self.momentum * new_velocity - lr * gradient if self.nesterov else new_velocity
        if limit is not None:  # frozen from step `limit` on: no step, momentum kept
            active = ops.cast(ops.less(self.iterations, limit), dtype)
            new_velocity = velocity + active * (new_velocity - velocity)
            delta = active * delta
        self.assign(velocity, new_velocity)
        self.assign_add(variable, delta)

    def apply(self, grads, trainable_variables=None):
        super().apply(grads, trainable_variables)
        if self.lookahead_every and self._slow:
            self._lookahead(self._trainable_variables)

    def _lookahead(self, variables):
        step = ops.cast(self.iterations, "float32")  # steps done, this one included
        every = float(self.lookahead_every)
        due = ops.logical_and(ops.greater(step, float(self.lookahead_start)),
                              ops.equal(ops.mod(step, every), 0.0))
        ready = ops.greater(self._slow_ready, 0.0)
        rho = self.lookahead_decay**self.lookahead_every * (step / self.total_steps) ** self.lookahead_power
        rho = ops.where(ready, rho, 0.0)  # the first time: the slow copy starts at the weights
        epoch_end = (ops.equal(ops.mod(step, float(self.epoch_steps)), 0.0) if self.epoch_steps
                     else ops.zeros((), "bool"))
        reset = ops.logical_or(due, ops.logical_and(ready, epoch_end))
        for variable, slow in zip(variables, self._slow):
            new_slow = ops.where(due, rho * slow + (1.0 - rho) * variable, slow)
            self.assign(slow, new_slow)
            self.assign(variable, ops.where(reset, new_slow, variable))
        self.assign(self._slow_ready, ops.where(ops.logical_or(ready, due), 1.0, 0.0))

    def get_config(self):
        return {**super().get_config(), "l2": self.l2, "lookahead_every": self.lookahead_every,
                "lookahead_start": self.lookahead_start, "lookahead_decay": self.lookahead_decay,
                "lookahead_power": self.lookahead_power, "total_steps": self.total_steps,
                "epoch_steps": self.epoch_steps}
