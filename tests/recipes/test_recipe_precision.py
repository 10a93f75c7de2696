"""Every registered recipe's model under each mixed-precision policy: float32
variables, low-precision compute, float32 outputs; classifiers also train a
batch with a float32 loss and give float32 probabilities. Float32 itself is
what every recipe's tiny CLI run trains in (test_recipes.py)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes import get_recipe
from keras_recipes.inference.model_inputs import image_model, is_bag
from tests_support.recipe_cases import (built_models, data_info, example_inputs, functional_parts,
                                        is_classifier, recipe_names)

CASES = [(name, policy) for name in recipe_names() for policy in ("mixed_float16", "mixed_bfloat16")]


def assert_float32_variables_and_low_precision_compute(model, policy):
    assert all(v.dtype == "float32" for v in model.weights if "seed" not in v.path)
    compute = {layer.compute_dtype for layer in model._flatten_layers() if layer.weights}
    # The body really computes in the policy's precision (low in the mixed ones).
    assert policy.split("_")[-1] in compute


@pytest.mark.parametrize("name, policy", CASES)
def test_recipe_model_under_each_precision(name, policy):
    keras.mixed_precision.set_global_policy(policy)
    recipe = get_recipe(name)
    cfg = recipe.config(preset="tiny")
    info = data_info(cfg, recipe)
    if not is_classifier(recipe):  # its task's own tests train it (tests/tasks)
        for model in built_models(cfg, recipe):
            assert_float32_variables_and_low_precision_compute(model, policy)
            for part in functional_parts(model):
                outputs = part(example_inputs(part, info))
                for output in tf.nest.flatten(outputs):
                    assert output.dtype == "float32" and np.isfinite(np.asarray(output)).all()
        return
    rng = np.random.default_rng(0)
    if cfg.data.kind == "image":
        # The recipe's own image shape (VGG needs 32x32, MNIST is grayscale).
        model = image_model(recipe.build_model(cfg, info), info, cfg.data)
        x = rng.integers(0, 256, (8, *info.image_shape)).astype("uint8")
    else:
        model = recipe.build_model(cfg, info)
        x = rng.integers(0, info.vocab_size, (8, info.sequence_length))
        if is_bag(cfg.data):  # what the vectorizer hands it: a sparse multi-hot bag
            x = tf.sparse.from_dense((rng.random((8, info.vocab_size)) < 0.2).astype("float32"))
    y = np.arange(8) % info.num_classes
    # compile() wraps float16 optimizers in a LossScaleOptimizer itself.
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    probs = np.asarray(model(x, training=False))  # eager: no predict function to trace
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)
    assert_float32_variables_and_low_precision_compute(model, policy)
