"""The ``tiny`` preset every recipe declares: seconds of training on a CPU.

A tiny run trains one epoch of a few small batches, so a new recipe is
checked end to end by the registry-driven tests (``tests/recipes``) and a
user sees in seconds that a recipe runs on their data:
``recipes run RECIPE --preset tiny --data DIR`` (or ``--smoke`` for
synthetic data). Each recipe adds the model keys that make it small.

Example (in a recipe module):

>>> from keras_recipes.recipes._tiny import tiny
>>> presets = {"tiny": tiny({"model.depth": 8, "model.width": 4})}
"""

from __future__ import annotations

from typing import Any, Dict

# One epoch of 4 batches of 16: a tiny run's whole training.
TINY_RUN = {"train.epochs": 1, "train.steps_per_epoch": 4, "train.batch_size": 16}


def tiny(model_keys: Dict[str, Any]) -> Dict[str, Any]:
    """A ``tiny`` preset: :data:`TINY_RUN` plus the recipe's small-model keys."""
    return {**TINY_RUN, **model_keys}
