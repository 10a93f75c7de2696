"""Work around Keras 3's `model.fit` under MultiWorkerMirroredStrategy.

Keras 3 (seen on 3.15) breaks multi-worker training in two places
(keras-team/keras#20585):

1. ``fit`` first "symbolically builds" a model created in a strategy scope by
   all-reducing a batch of *input data* across workers, which fails with
   "Attempt to convert a value (PerReplica ...) to a Tensor". Our models are
   already built, so we skip that step by not pinning the strategy on the
   model; ``fit`` then takes the strategy from the surrounding
   ``strategy.scope()``, which the Trainer always enters.
2. The per-step logs, scalars, are reduced with ``strategy.reduce("MEAN",
   v, axis=0)``, which fails for rank-0 tensors. Returning each log as a
   1-element vector makes that reduction return the scalar mean.

Only multi-worker runs get these patches; every other strategy is untouched.
"""

from __future__ import annotations

import tensorflow as tf

from keras_recipes._private_api import unpin_distribute_strategy


def patch_for_multi_worker(model) -> None:
    unpin_distribute_strategy(model)  # (1): the strategy comes from the scope
    for name in ("train_step", "test_step"):
        step = getattr(model, name)

        def as_vectors(data, step=step):  # (2)
            return {key: tf.reshape(value, [1]) for key, value in step(data).items()}

        setattr(model, name, as_vectors)
