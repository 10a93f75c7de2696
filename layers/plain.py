"""`plain_cifar`: the plain (shortcut-free) CIFAR networks of He et al.
(2016a, sec. 4.2) as a functional `keras.Model`."""

import keras

from . import _cifar, _utils
from .conv_bn_relu import ConvBNReLU

# Per-stage channels as multiples of `width` (16 in the paper), as in
# `resnet_cifar`: the two families differ only in the shortcuts.
_STAGE_MULTIPLIERS = (1, 2, 4)


def plain_cifar(
    depth=20,
    num_classes=10,
    input_shape=(32, 32, 3),
    width=16,
    include_top=True,
    classifier_activation="softmax",
    name=None,
    pooling=None,
    preprocessing=None,
    kernel_regularizer=None,
    bn_momentum=0.9,
    bn_epsilon=1e-5,
    activation="relu",
    batch_norm=True,
):
    """Builds a plain CIFAR network (He et al. 2016a, sec. 4.2) as a
    functional `keras.Model`.

    The "plain" baselines of the ResNet paper: `resnet_cifar(depth)` with
    the shortcuts taken out, everything else equal. Layout: a 3x3
    conv-BN-ReLU stem with `width` channels; 3 stages of 2n 3x3
    conv-BN-ReLU layers with `width * (1, 2, 4)` channels (16/32/64), the
    first conv of stages 2 and 3 with stride 2; global average pooling; a
    `Dense(num_classes)` head. depth = 6n + 2 weighted layers.

    These networks show the degradation problem (the paper's Fig. 6,
    left): plain-56 has a *higher training error* than plain-20, although
    it could copy plain-20 and set its extra layers to identities; the
    residual versions of the same depths do not degrade.

    The parameter count equals the ResNet's with its parameter-free
    "option A" shortcuts: plain-20 has 269,722 trainable parameters
    (271,098 with the BN moving statistics), plain-56 853,018.

    The head is created with `dtype="float32"`, so under a mixed-precision
    policy the logits and the softmax stay float32.

    Args:
        depth: number of weighted layers, 6n+2 (20, 32, 44, 56, 110, ...).
        num_classes: size of the head (used when `include_top=True`).
        input_shape: shape of one input image, channels last by default.
        width: channels of the stem and the first stage. Defaults to 16.
        include_top: add global average pooling and the Dense head. When
            False, the model outputs the last feature map (or a pooled
            vector, see `pooling`).
        classifier_activation: activation of the head; None for logits.
        name: model name; defaults to e.g. `"plain20_cifar"`.
        pooling: with `include_top=False`: None (feature map), `"avg"` or
            `"max"` (global pooling).
        preprocessing: None, a layer/callable, or a list of them, applied to
            the input before the stem (e.g. `keras.layers.Rescaling(1/255)`).
        kernel_regularizer: regularizer of every conv and the head; None
            (default) leaves weight decay to the optimizer.
        bn_momentum: batch-norm momentum. Defaults to 0.9.
        bn_epsilon: batch-norm epsilon. Defaults to 1e-5.
        activation: activation of every conv layer (a Keras activation name
            or callable). Defaults to `"relu"`, as in the paper; `"sigmoid"`
            shows vanishing gradients in a deep stack.
        batch_norm: batch normalization after every conv. Defaults to True,
            as in the paper; False gives the convs a bias instead.

    Returns:
        A `keras.Model` (not compiled).

    Example:

    >>> model = plain_cifar(depth=20)
    >>> model.count_params()  # the same as resnet_cifar(depth=20)
    271098
    >>> plain_cifar(depth=56).name
    'plain56_cifar'
    """
    n = _cifar.blocks_per_stage(depth)
    width = _utils.positive_int(width, "width")
    include_top, num_classes, pooling = _cifar.check_head(
        include_top, num_classes, classifier_activation, pooling
    )
    if name is None:
        name = f"plain{depth}_cifar"

    common = dict(_cifar.conv_args(kernel_regularizer, bn_momentum, bn_epsilon),
                  activation=activation, batch_norm=bool(batch_norm))
    inputs, x = _cifar.model_input(input_shape, preprocessing)
    x = ConvBNReLU(width, 3, name="stem", **common)(x)
    for stage, multiplier in enumerate(_STAGE_MULTIPLIERS):
        # 2n convs per stage: the two convs of each of a ResNet's n blocks.
        for i in range(2 * n):
            x = ConvBNReLU(
                width * multiplier,
                3,
                strides=2 if stage > 0 and i == 0 else 1,
                name=f"stage{stage + 1}_conv{i + 1}",
                **common,
            )(x)
    x = _cifar.head(x, include_top, pooling, num_classes,
                    classifier_activation, kernel_regularizer)
    return keras.Model(inputs, x, name=name)
