"""Every recipe's model trains under each precision policy: float32
variables, low-precision compute, float32 probabilities and loss."""

import keras
import numpy as np
import pytest

from keras_recipes import config as C
from keras_recipes import get_recipe
from keras_recipes.modeling import DataInfo, image_model

SMALL = {
    "cifar-resnet": ["model.depth=8", "model.width=4"],
    "imdb-lstm": ["model.units=4", "model.embed_dim=8", "data.vocab_size=50", "data.sequence_length=12"],
    "imdb-gru": ["model.units=4", "model.embed_dim=8", "data.vocab_size=50", "data.sequence_length=12"],
    "imdb-cnn": ["model.filters=4", "model.embed_dim=8", "model.kernel_size=3", "data.vocab_size=50",
                 "data.sequence_length=12"],
}


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("name", sorted(SMALL))
def test_recipe_model_under_mixed_precision(name, policy):
    keras.mixed_precision.set_global_policy(policy)
    recipe = get_recipe(name)
    cfg = C.apply_overrides(recipe.config(), SMALL[name])
    rng = np.random.default_rng(0)
    if cfg.data.kind == "image":
        info = DataInfo(kind="image", num_classes=10, image_shape=(16, 16, 3))
        model = image_model(recipe.build_model(cfg, info), info, cfg.data)
        x = rng.integers(0, 256, (8, 16, 16, 3)).astype("uint8")
        y = np.arange(8) % 10
    else:
        info = DataInfo(kind="text", num_classes=2, vocab_size=50, sequence_length=12)
        model = recipe.build_model(cfg, info)
        x = rng.integers(0, 50, (8, 12))
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
    assert policy.split("_")[1] in compute  # the body really computes in low precision
