"""The registry as test parameters: every recipe test iterates over what is
registered, so a recipe added as one file is tested without editing a test.

``recipe_names()`` is read when pytest collects, after the built-in recipes
(and any a test module registered at import) are in the registry.
"""

from __future__ import annotations

from typing import List

import numpy as np

# tiny-shakespeare's 65 characters: what a corpus recipe's vocabulary is on
# the text its parameter count was declared for.
CORPUS_VOCABULARY = 65


def recipe_names() -> List[str]:
    """The names of every registered recipe, sorted."""
    from keras_recipes.registry import list_recipes

    return [recipe.name for recipe in list_recipes()]


def is_classifier(recipe) -> bool:
    from keras_recipes.tasks import ClassificationTask

    return issubclass(recipe.task, ClassificationTask)


def data_info(cfg, recipe):
    """What the trainer tells ``recipe.build_model(cfg, info)`` about the
    recipe's own data (its image shape, vocabulary and review length)."""
    from keras_recipes.tasks import DataInfo

    d = cfg.data
    if d.kind == "image":
        return DataInfo(kind="image", num_classes=recipe.num_classes or 10,
                        image_shape=(d.image_size, d.image_size, d.channels))
    if d.kind == "corpus":
        return DataInfo(kind="corpus", num_classes=CORPUS_VOCABULARY, vocab_size=CORPUS_VOCABULARY)
    return DataInfo(kind=d.kind, num_classes=recipe.num_classes or 2, vocab_size=d.vocab_size,
                    sequence_length=d.sequence_length)


def built_models(cfg, recipe) -> list:
    """``recipe.build_model``'s models as a list (a VAE builds two)."""
    built = recipe.build_model(cfg, data_info(cfg, recipe))
    return list(built) if isinstance(built, (tuple, list)) else [built]


def functional_parts(model) -> list:
    """The functional models inside ``model`` (itself, or a GAN's players)."""
    import keras

    try:
        if model.inputs:
            return [model]
    except AttributeError:  # a subclassed model has no symbolic inputs
        pass
    return [layer for layer in model._flatten_layers(include_self=False, recursive=False)
            if isinstance(layer, keras.Model)]


def example_inputs(model, info, batch: int = 4, steps: int = 12, seed: int = 0):
    """Random inputs for a functional ``model``: ids below the vocabulary,
    uint8 pixels, or floats in [0, 1)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for tensor in model.inputs:
        shape = [batch] + [steps if d is None else d for d in tensor.shape[1:]]
        dtype = str(tensor.dtype)
        if "int" in dtype and dtype != "uint8":
            arrays.append(rng.integers(0, info.vocab_size or 2, shape).astype(dtype))
        elif dtype == "uint8":
            arrays.append(rng.integers(0, 256, shape).astype("uint8"))
        else:
            arrays.append(rng.random(shape).astype("float32"))
    return arrays[0] if len(arrays) == 1 else arrays
