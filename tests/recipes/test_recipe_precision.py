"""Every recipe's model trains under each precision policy: float32
variables, low-precision compute (in the mixed policies), float32
probabilities and loss."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes import config as C
from keras_recipes import get_recipe
from keras_recipes.inference.model_inputs import image_model, is_bag
from keras_recipes.tasks import DataInfo

SMALL = {
    "cifar-resnet": ["model.depth=8", "model.width=4"],
    "imdb-lstm": ["model.units=4", "model.embed_dim=8", "data.vocab_size=50", "data.sequence_length=12"],
    "imdb-gru": ["model.units=4", "model.embed_dim=8", "data.vocab_size=50", "data.sequence_length=12"],
    "imdb-ngram": ["model.hidden_units=4", "data.vocab_size=50"],
    "imdb-cnn": ["model.filters=4", "model.embed_dim=8", "model.kernel_size=3", "data.vocab_size=50",
                 "data.sequence_length=12"],
    "mnist-cnn": ["model.filters=4", "model.dense_units=8"],
    "cifar-plain": ["model.depth=8", "model.width=4"],
    "cifar-vgg": ["model.depth=11", "model.width=4", "model.dropout=0.5"],
}
# The recipes added with float32 in the list; the older ones run the mixed
# policies only (float32 is what every other test of them trains in).
FLOAT32_TOO = ("mnist-cnn", "cifar-plain", "cifar-vgg", "imdb-ngram")
CASES = [(name, policy) for name in sorted(SMALL)
         for policy in ("float32", "mixed_float16", "mixed_bfloat16")
         if policy != "float32" or name in FLOAT32_TOO]


@pytest.mark.parametrize("name, policy", CASES)
def test_recipe_model_under_each_precision(name, policy):
    keras.mixed_precision.set_global_policy(policy)
    recipe = get_recipe(name)
    cfg = C.apply_overrides(recipe.config(), SMALL[name])
    rng = np.random.default_rng(0)
    if cfg.data.kind == "image":
        # The recipe's own image shape (VGG needs 32x32, MNIST is grayscale).
        shape = (cfg.data.image_size, cfg.data.image_size, cfg.data.channels)
        info = DataInfo(kind="image", num_classes=10, image_shape=shape)
        model = image_model(recipe.build_model(cfg, info), info, cfg.data)
        x = rng.integers(0, 256, (8, *shape)).astype("uint8")
        y = np.arange(8) % 10
    else:
        info = DataInfo(kind="text", num_classes=2, vocab_size=50, sequence_length=12)
        model = recipe.build_model(cfg, info)
        x = rng.integers(0, 50, (8, 12))
        if is_bag(cfg.data):  # what the vectorizer hands it: a sparse multi-hot bag
            x = tf.sparse.from_dense((rng.random((8, 50)) < 0.2).astype("float32"))
        y = np.arange(8) % 2
    # compile() wraps float16 optimizers in a LossScaleOptimizer itself.
    model.compile(keras.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    loss = model.train_on_batch(x, y)
    assert np.isfinite(loss)
    assert all(v.dtype == "float32" for v in model.weights if "seed" not in v.path)
    probs = model.predict(x, verbose=0)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)
    compute = {layer.compute_dtype for layer in model._flatten_layers() if layer.weights}
    # The body really computes in the policy's precision (low in the mixed ones).
    assert policy.split("_")[-1] in compute
