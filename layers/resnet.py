"""`resnet_cifar`: the CIFAR ResNets of He et al. (2016a, 2016b) as a
functional `keras.Model`."""

import keras

from . import _cifar, _utils
from .batch_norm import BatchNorm
from .conv_bn_relu import ConvBNReLU
from .residual_block import BLOCK_TYPES, SHORTCUTS, ResidualBlock

# Per-stage channels as multiples of `width` (16 in the papers).
_STAGE_MULTIPLIERS = (1, 2, 4)


def resnet_cifar(
    depth=20,
    version=1,
    num_classes=10,
    input_shape=(32, 32, 3),
    width=16,
    shortcut="zero_pad",
    se_ratio=None,
    drop_path_rate=0.0,
    include_top=True,
    classifier_activation="softmax",
    name=None,
    block_type="basic",
    pooling=None,
    preprocessing=None,
    kernel_regularizer=None,
    bn_momentum=0.9,
    bn_epsilon=1e-5,
):
    """Builds a CIFAR ResNet (He et al. 2016a sec. 4.2; 2016b) as a
    functional `keras.Model`.

    Layout: a 3x3 conv stem with `width` channels; 3 stages of n residual
    blocks with `width * (1, 2, 4)` channels (16/32/64 by default), the
    first block of stages 2 and 3 with stride 2; global average pooling; a
    `Dense(num_classes)` head.

    - `version=1`: post-activation blocks, stem conv -> BN -> ReLU
      (ResNet-20/32/44/56/110 of He et al. 2016a).
    - `version=2`: pre-activation blocks, stem is a bare conv and the last
      block is followed by BN -> ReLU (He et al. 2016b).
    - `block_type="basic"`: depth = 6n + 2. `"bottleneck"` (1x1-3x3-1x1,
      4x expansion): depth = 9n + 2, e.g. the pre-activation ResNet-164
      (`depth=164, version=2, block_type="bottleneck",
      shortcut="projection"`: 1,703,258 trainable parameters, the paper's
      1.7M).

    Parameter counts match the papers: with the default `shortcut="zero_pad"`
    (option A, the one used for the CIFAR table of He et al. 2016a) and 10
    classes, ResNet-20 / 32 / 44 / 56 / 110 have 0.27M / 0.46M / 0.66M /
    0.85M / 1.7M trainable parameters (269,722 / 464,154 / 658,586 /
    853,018 / 1,727,962 exactly). `model.count_params()` adds the
    non-trainable BN moving statistics (ResNet-20: 271,098).
    `shortcut="projection"` (option B) adds a 1x1 conv + BN at the two
    stage transitions: +2,752 trainable parameters for width 16 (ResNet-20:
    272,474 trainable, 274,042 in all).

    The head is created with `dtype="float32"`, so under a mixed-precision
    policy the logits and the softmax stay float32 (as the loss needs).

    Inputs are expected already scaled/normalised. Put preprocessing in
    front with `preprocessing=` (a layer or a list of layers applied to the
    input before the stem), or compose the model like any layer:

        inputs = keras.Input((32, 32, 3))
        x = keras.layers.Rescaling(1 / 255)(inputs)
        outputs = resnet_cifar(depth=20)(x)
        model = keras.Model(inputs, outputs)

    Args:
        depth: number of weighted layers; 6n+2 for basic blocks (20, 32, 44,
            56, 110, ...), 9n+2 for bottleneck ones (164, 1001, ...).
        version: 1 (post-activation) or 2 (pre-activation).
        num_classes: size of the head (used when `include_top=True`).
        input_shape: shape of one input image, channels last by default.
        width: channels of the stem and the first stage. Defaults to 16.
        shortcut: `"zero_pad"` (option A, default) or `"projection"`
            (option B), used where a block changes shape.
        se_ratio: None, or squeeze-and-excitation ratio in (0, 1] in every
            block.
        drop_path_rate: stochastic depth rate of the last block; rates grow
            linearly from ~0 at the first block (Huang et al. 2016).
        include_top: add global average pooling and the Dense head. When
            False, the model outputs the last feature map (or a pooled
            vector, see `pooling`).
        classifier_activation: activation of the head; None for logits.
        name: model name; defaults to e.g. `"resnet20_cifar"`.
        block_type: `"basic"` (default) or `"bottleneck"`.
        pooling: with `include_top=False`: None (feature map), `"avg"` or
            `"max"` (global pooling).
        preprocessing: None, a layer/callable, or a list of them, applied to
            the input before the stem (e.g. `keras.layers.Rescaling(1/255)`).
        kernel_regularizer: regularizer of every conv and the head, e.g.
            `keras.regularizers.L2(1e-4)`; None (default) leaves weight decay
            to the optimizer.
        bn_momentum: batch-norm momentum. Defaults to 0.9.
        bn_epsilon: batch-norm epsilon. Defaults to 1e-5.

    Returns:
        A `keras.Model` (not compiled).

    Example:

    >>> model = resnet_cifar(depth=20)          # option A, 10 classes
    >>> model.count_params()
    271098
    >>> resnet164 = resnet_cifar(  # doctest: +SKIP
    ...     depth=164, version=2, block_type="bottleneck",
    ...     shortcut="projection", num_classes=100)
    """
    block_type = _utils.one_of(block_type, "block_type", BLOCK_TYPES)
    n = _cifar.blocks_per_stage(depth, block_type)
    version = _utils.one_of(version, "version", (1, 2))
    shortcut = _utils.one_of(shortcut, "shortcut", SHORTCUTS)
    width = _utils.positive_int(width, "width")
    se_ratio = _utils.optional_ratio(se_ratio, "se_ratio")
    drop_path_rate = _utils.rate(drop_path_rate, "drop_path_rate")
    include_top, num_classes, pooling = _cifar.check_head(
        include_top, num_classes, classifier_activation, pooling
    )
    if name is None:
        suffix = "_v2" if version == 2 else ""
        name = f"resnet{depth}{suffix}_cifar"

    common = _cifar.conv_args(kernel_regularizer, bn_momentum, bn_epsilon)
    inputs, x = _cifar.model_input(input_shape, preprocessing)

    if version == 1:
        x = ConvBNReLU(width, 3, name="stem", **common)(x)
    else:
        # Pre-activation: the first block's BN-ReLU follows the stem conv.
        x = keras.layers.Conv2D(
            width,
            3,
            padding="same",
            use_bias=False,
            kernel_initializer="he_normal",
            kernel_regularizer=kernel_regularizer,
            name="stem_conv",
        )(x)

    num_blocks = 3 * n
    block_index = 0
    for stage, multiplier in enumerate(_STAGE_MULTIPLIERS):
        for i in range(n):
            block_index += 1
            x = ResidualBlock(
                width * multiplier,
                strides=2 if stage > 0 and i == 0 else 1,
                block_type=block_type,
                version=version,
                shortcut=shortcut,
                se_ratio=se_ratio,
                # Linear decay rule of Huang et al.: deeper blocks are
                # dropped more often, the last one with `drop_path_rate`.
                drop_path_rate=drop_path_rate * block_index / num_blocks,
                name=f"stage{stage + 1}_block{i + 1}",
                **common,
            )(x)

    if version == 2:
        x = BatchNorm(
            momentum=bn_momentum, epsilon=bn_epsilon, name="post_bn"
        )(x)
        x = keras.layers.Activation("relu", name="post_relu")(x)

    x = _cifar.head(x, include_top, pooling, num_classes,
                    classifier_activation, kernel_regularizer)
    return keras.Model(inputs, x, name=name)
