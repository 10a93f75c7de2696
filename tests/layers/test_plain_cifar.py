"""plain_cifar: the shortcut-free baselines of He et al. 2016a (sec. 4.2)."""

import keras
import numpy as np
import pytest
from layers_harness import assert_value_error, random_inputs

from keras_recipes.layers import ConvBNReLU, ResidualBlock, plain_cifar, resnet_cifar


def _trainable_params(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize("depth", [20, 56])
def test_same_parameter_count_as_the_option_a_resnet(depth):
    # Option-A shortcuts have no parameters: the two families differ only in
    # the additions, so a fair comparison has equal counts.
    plain, resnet = plain_cifar(depth=depth), resnet_cifar(depth=depth)
    assert _trainable_params(plain) == _trainable_params(resnet)
    assert plain.count_params() == resnet.count_params()
    assert _trainable_params(plain) == {20: 269_722, 56: 853_018}[depth]


def test_plain20_layout():
    model = plain_cifar()
    assert model.name == "plain20_cifar"
    assert not any(isinstance(layer, (ResidualBlock, keras.layers.Add)) for layer in model.layers)
    convs = [layer for layer in model.layers if isinstance(layer, ConvBNReLU)]
    assert len(convs) == 19  # stem + 3 stages x 2n (n=3); + the dense head = 20 layers
    assert [c.filters for c in convs] == [16] * 7 + [32] * 6 + [64] * 6
    assert [c.name for c in convs if c.strides != (1, 1)] == ["stage2_conv1", "stage3_conv1"]
    assert tuple(model.output.shape) == (None, 10)


def test_activation_and_batch_norm_are_the_lessons_switches():
    # A sigmoid stack without batch norm: the vanishing-gradients study's net.
    model = plain_cifar(depth=8, activation="sigmoid", batch_norm=False)
    convs = [layer for layer in model.layers if isinstance(layer, ConvBNReLU)]
    assert all(c.get_config()["activation"] == "sigmoid" for c in convs)
    assert not any(c.batch_norm for c in convs) and all(c.conv.use_bias for c in convs)
    # The defaults stay the paper's: ReLU and batch norm.
    assert all(c.batch_norm for c in plain_cifar(depth=8).layers if isinstance(c, ConvBNReLU))


def test_forward_train_save_reload(tmp_path):
    model = plain_cifar(depth=8, width=4, num_classes=5, input_shape=(16, 16, 3))
    x = random_inputs((4, 16, 16, 3))
    y = keras.ops.convert_to_numpy(model(x, training=False))
    assert y.shape == (4, 5) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)
    path = str(tmp_path / "plain.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(x, training=False), y, rtol=0, atol=1e-6)
    assert loaded.get_layer("stage2_conv1").get_config() == model.get_layer("stage2_conv1").get_config()
    loaded.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", jit_compile=False)
    before = loaded.get_layer("stem").conv.kernel.numpy().copy()
    history = loaded.fit(x, np.arange(4) % 5, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.allclose(loaded.get_layer("stem").conv.kernel.numpy(), before)


def test_mixed_precision_keeps_head_float32(mixed_policy):
    model = plain_cifar(depth=8, width=4, input_shape=(8, 8, 3))
    y = model(random_inputs((2, 8, 8, 3)), training=True)
    assert keras.backend.standardize_dtype(y.dtype) == "float32"
    assert model.get_layer("stem").compute_dtype == mixed_policy.split("_")[1]
    assert all(w.dtype == "float32" for w in model.weights)


def test_headless_pooling_and_preprocessing():
    features = plain_cifar(depth=8, include_top=False, input_shape=(8, 8, 3))
    assert tuple(features.output.shape) == (None, 2, 2, 64)
    pooled = plain_cifar(depth=8, include_top=False, pooling="max", width=4)
    assert tuple(pooled.output.shape) == (None, 16)
    x = np.random.RandomState(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    bare = plain_cifar(depth=8, input_shape=(8, 8, 3), classifier_activation=None)
    with_pre = plain_cifar(depth=8, input_shape=(8, 8, 3), classifier_activation=None,
                           preprocessing=keras.layers.Rescaling(1 / 255))
    with_pre.set_weights(bare.get_weights())
    np.testing.assert_allclose(with_pre(x), bare(x / 255), atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(depth=21), "depth", 21),
        (dict(depth="20"), "depth", "20"),
        (dict(num_classes=0), "num_classes", 0),
        (dict(width=0), "width", 0),
        (dict(input_shape=(32, 32)), "input_shape", (32, 32)),
        (dict(include_top=False, pooling="mean"), "pooling", "mean"),
        (dict(classifier_activation="nope"), "classifier_activation", "nope"),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: plain_cifar(**kwargs), name, value)
