"""resnet_cifar: the CIFAR ResNets of He et al. 2016a/b."""

import collections

import keras
import numpy as np
import pytest
import tensorflow as tf
from layers_harness import assert_value_error, random_inputs

from keras_recipes.layers import ConvBNReLU, ResidualBlock, resnet_cifar


def _trainable_params(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


# (depth, shortcut): (trainable, count_params). Trainable counts are the
# papers' 0.27M / 0.85M / 1.7M (option A is the CIFAR table's setting);
# count_params() adds the BN moving mean / variance (2 per channel).
PAPER_COUNTS = {
    (20, "zero_pad"): (269_722, 271_098),
    (56, "zero_pad"): (853_018, 857_082),
    (110, "zero_pad"): (1_727_962, 1_736_058),
    # Option B: + a 1x1 conv and BN at the two stage transitions (+2,752
    # trainable); the same numbers for every depth otherwise (56: 855,770,
    # 110: 1,730,714), so only ResNet-20 is built here, to keep tests fast.
    (20, "projection"): (272_474, 274_042),
}


@pytest.mark.parametrize("depth, shortcut", list(PAPER_COUNTS), ids=str)
def test_parameter_counts_match_the_papers(depth, shortcut):
    trainable, total = PAPER_COUNTS[depth, shortcut]
    model = resnet_cifar(depth=depth, shortcut=shortcut)
    assert _trainable_params(model) == trainable
    assert model.count_params() == total
    paper = {20: 0.27e6, 56: 0.85e6, 110: 1.7e6}[depth]
    assert abs(trainable - paper) / paper < 0.02


def test_resnet20_layout():
    model = resnet_cifar()
    assert model.name == "resnet20_cifar"
    blocks = [layer for layer in model.layers if isinstance(layer, ResidualBlock)]
    assert len(blocks) == 9  # 3 stages x n=3
    assert [b.filters for b in blocks] == [16] * 3 + [32] * 3 + [64] * 3
    assert [b.strides for b in blocks if b.strides != (1, 1)] == [(2, 2), (2, 2)]
    assert blocks[3].name == "stage2_block1" and blocks[3].shortcut == "zero_pad"
    assert isinstance(model.get_layer("stem"), ConvBNReLU)
    # 19 convs + 19 BN (gamma, beta) + dense kernel/bias; 19 x 2 BN statistics.
    assert len(model.trainable_weights) == 19 + 38 + 2
    assert len(model.non_trainable_weights) == 38
    assert tuple(model.output.shape) == (None, 10)


def _hand_written_resnet(n, input_shape):
    """ResNet-(6n+2), option B, from plain Conv2D / BatchNormalization / ReLU."""

    def conv_bn(x, filters, strides=1, kernel=3):
        x = keras.layers.Conv2D(filters, kernel, strides, padding="same", use_bias=False)(x)
        return keras.layers.BatchNormalization()(x)

    inputs = keras.Input(input_shape)
    x = keras.layers.ReLU()(conv_bn(inputs, 16))
    for stage, filters in enumerate((16, 32, 64)):
        for i in range(n):
            strides = 2 if stage and i == 0 else 1
            y = keras.layers.ReLU()(conv_bn(x, filters, strides))
            y = conv_bn(y, filters)
            if strides != 1:
                x = conv_bn(x, filters, strides, kernel=1)
            x = keras.layers.ReLU()(keras.layers.Add()([x, y]))
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))


def _train_step_ops(model, x, y):
    """Op types, with counts, of one forward + backward pass as TF traces it."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()

    @tf.function
    def step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return tape.gradient(loss, model.trainable_variables)

    graph = step.get_concrete_function(x, y).graph
    return collections.Counter(op.type for op in graph.get_operations())


def test_as_fast_as_a_hand_written_keras_resnet():
    """Our layers add no op to a plain Keras ResNet: the training graphs are
    op-for-op the same (option B), and option A only removes ops (two 1x1
    conv + BN become a strided slice + pad). ResNet-8 keeps this fast; the
    layout is the same at every depth."""
    assert _hand_written_resnet(3, (32, 32, 3)).count_params() == resnet_cifar(
        depth=20, shortcut="projection"
    ).count_params()
    x, y = tf.constant(random_inputs((2, 8, 8, 3))), tf.constant([1, 2])
    reference = _train_step_ops(_hand_written_resnet(1, (8, 8, 3)), x, y)
    option_b = resnet_cifar(depth=8, shortcut="projection", input_shape=(8, 8, 3))
    assert _train_step_ops(option_b, x, y) == reference
    option_a = _train_step_ops(resnet_cifar(depth=8, input_shape=(8, 8, 3)), x, y)
    assert option_a["Conv2D"] == reference["Conv2D"] - 2
    assert sum(option_a.values()) < sum(reference.values())
    assert option_a["Cast"] == reference["Cast"]  # no extra casts
    # With the fused kernel a training run installs, each batch norm is one op.
    from keras_recipes.layers.batch_norm import use_fused_training
    from keras_recipes.runtime.fused_norm import tf_fused_batch_norm

    use_fused_training(tf_fused_batch_norm)
    fused = _train_step_ops(resnet_cifar(depth=8, shortcut="projection", input_shape=(8, 8, 3)), x, y)
    assert fused["FusedBatchNormV3"] == reference["Conv2D"]
    assert sum(fused.values()) < 0.7 * sum(reference.values())  # 525 vs 873 ops for ResNet-8


def test_forward_train_save_reload(tmp_path):
    model = resnet_cifar(depth=8, se_ratio=0.25, drop_path_rate=0.2, num_classes=5,
                         input_shape=(16, 16, 3), shortcut="projection")
    x = random_inputs((4, 16, 16, 3))
    y = keras.ops.convert_to_numpy(model(x, training=False))
    assert y.shape == (4, 5) and y.dtype == np.float32
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)  # softmax
    for batch in (1, 3):  # dynamic batch size
        assert tuple(model(x[:batch]).shape) == (batch, 5)
    path = str(tmp_path / "resnet.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded(x, training=False), y, rtol=0, atol=1e-6)
    # Trains afterwards. (XLA is covered by test_xla_inference_matches_eager
    # and per layer; compiling a whole train step under XLA takes ~5 s here.)
    loaded.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                   jit_compile=False)
    before = loaded.get_layer("stem").conv.kernel.numpy().copy()
    history = loaded.fit(x, np.arange(4) % 5, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert not np.allclose(loaded.get_layer("stem").conv.kernel.numpy(), before)


def test_drop_path_rates_grow_linearly():
    model = resnet_cifar(depth=14, drop_path_rate=0.3)
    rates = [layer.drop_path_rate for layer in model.layers if isinstance(layer, ResidualBlock)]
    np.testing.assert_allclose(rates, [0.3 * i / 6 for i in range(1, 7)])


def test_mixed_precision_keeps_head_float32(mixed_policy):
    model = resnet_cifar(depth=8, input_shape=(8, 8, 3), se_ratio=0.5, drop_path_rate=0.1)
    compute_dtype = mixed_policy.split("_")[1]
    assert all(w.dtype == "float32" for w in model.weights)
    assert model.get_layer("stage3_block1").compute_dtype == compute_dtype
    assert model.get_layer("stage3_block1").output.dtype == compute_dtype
    assert model.get_layer("predictions").compute_dtype == "float32"
    assert model.output.dtype == "float32"
    # One training step, as the trainer does it: float32 loss, loss scaling
    # under float16, float32 updates.
    x = random_inputs((2, 8, 8, 3))
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1))
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    before = [w.numpy().copy() for w in model.trainable_weights]
    with tf.GradientTape() as tape:
        probs = model(x, training=True)
        loss = loss_fn(np.array([1, 2]), probs)
        scaled = optimizer.scale_loss(loss)
    assert keras.backend.standardize_dtype(probs.dtype) == "float32"
    grads = tape.gradient(scaled, model.trainable_weights)
    assert all(g is not None and g.dtype == "float32" for g in grads)
    optimizer.apply(grads, model.trainable_weights)
    assert np.isfinite(float(loss))
    changed = [not np.array_equal(b, w.numpy()) for b, w in zip(before, model.trainable_weights)]
    assert all(changed)
    assert all(w.dtype == "float32" for w in model.weights)


def test_pre_activation_layout_and_bottleneck():
    v2 = resnet_cifar(depth=8, version=2, input_shape=(8, 8, 3))
    assert v2.name == "resnet8_v2_cifar"
    names = [layer.name for layer in v2.layers]
    assert names[1] == "stem_conv" and names[-4:-2] == ["post_bn", "post_relu"]
    x = random_inputs((2, 8, 8, 3))
    assert tuple(v2(x).shape) == (2, 10)
    # 9n+2 bottleneck depths (ResNet-164 is depth=164); here n=1.
    b = resnet_cifar(depth=11, version=2, block_type="bottleneck", input_shape=(8, 8, 3),
                     include_top=False)
    assert tuple(b.output.shape) == (None, 2, 2, 256)
    assert tuple(b(x).shape) == (2, 2, 2, 256)


def test_xla_inference_matches_eager():
    model = resnet_cifar(depth=8, input_shape=(8, 8, 3), classifier_activation=None,
                         shortcut="projection")
    x = random_inputs((2, 8, 8, 3))
    xla = tf.function(lambda t: model(t, training=False), jit_compile=True)
    np.testing.assert_allclose(xla(x), model(x, training=False), atol=1e-4)


def test_headless_pooling_and_preprocessing():
    features = resnet_cifar(depth=8, include_top=False, input_shape=(8, 8, 3))
    assert tuple(features.output.shape) == (None, 2, 2, 64)
    pooled = resnet_cifar(depth=8, include_top=False, pooling="avg", width=4)
    assert tuple(pooled.output.shape) == (None, 16)
    logits = resnet_cifar(depth=8, classifier_activation=None, input_shape=(8, 8, 3))
    x = np.random.RandomState(0).uniform(0, 255, (2, 8, 8, 3)).astype("float32")
    assert not np.allclose(keras.ops.sum(logits(x / 255), axis=1), 1.0)
    # preprocessing= and plain composition give the same model.
    with_pre = resnet_cifar(depth=8, input_shape=(8, 8, 3), classifier_activation=None,
                            preprocessing=keras.layers.Rescaling(1 / 255))
    with_pre.set_weights(logits.get_weights())
    np.testing.assert_allclose(with_pre(x), logits(x / 255), atol=1e-5)
    inputs = keras.Input((8, 8, 3))
    composed = keras.Model(inputs, logits(keras.layers.Rescaling(1 / 255)(inputs)))
    np.testing.assert_allclose(composed(x), logits(x / 255), atol=1e-5)


def test_wrong_depth_names_valid_values():
    message = assert_value_error(lambda: resnet_cifar(depth=21), "depth", 21)
    assert message == "depth must be 6n+2 (20, 32, 44, 56, 110, ...). Received: depth=21"
    message = assert_value_error(
        lambda: resnet_cifar(depth=21, block_type="bottleneck"), "depth", 21
    )
    assert "9n+2" in message and "164" in message
    for depth in (2, 0, -4, 20.0, "20"):
        assert_value_error(lambda d=depth: resnet_cifar(depth=d), "depth", depth)


@pytest.mark.parametrize(
    "kwargs, name, value",
    [
        (dict(version=3), "version", 3),
        (dict(shortcut="B"), "shortcut", "B"),
        (dict(block_type="wide"), "block_type", "wide"),
        (dict(num_classes=0), "num_classes", 0),
        (dict(width=-16), "width", -16),
        (dict(se_ratio=4), "se_ratio", 4),
        (dict(drop_path_rate=1.5), "drop_path_rate", 1.5),
        (dict(classifier_activation="nope"), "classifier_activation", "nope"),
        (dict(input_shape=(32, 32)), "input_shape", (32, 32)),
        (dict(include_top=False, pooling="mean"), "pooling", "mean"),
        (dict(preprocessing=[3]), "preprocessing", [3]),
    ],
)
def test_bad_arguments(kwargs, name, value):
    assert_value_error(lambda: resnet_cifar(**kwargs), name, value)
