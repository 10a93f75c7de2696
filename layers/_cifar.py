"""What the CIFAR model builders (`resnet_cifar`, `plain_cifar`) share:
the 6n+2 depth rule, argument checks, the preprocessing in front and the
classification head.

Private: not part of the public API. One copy of each rule, so that a plain
network and its residual counterpart can only differ where the paper says
they do (the shortcuts).
"""

import numbers

import keras

from . import _utils


def blocks_per_stage(depth, block_type="basic"):
    """n from depth = 6n + 2 (basic) or 9n + 2 (bottleneck)."""
    layers_per_block = 2 if block_type == "basic" else 3
    layers_per_n = 3 * layers_per_block  # one block per stage per n
    valid = (
        _utils.is_int(depth)
        and depth > 2
        and (depth - 2) % layers_per_n == 0
    )
    if not valid:
        if block_type == "basic":
            hint = "6n+2 (20, 32, 44, 56, 110, ...)"
        else:
            hint = (
                "9n+2 for bottleneck blocks (20, 29, 56, 110, 164, 1001, ...)"
            )
        raise _utils.ArgumentError(f"depth must be {hint}. Received: depth={depth!r}")
    return (depth - 2) // layers_per_n


def check_head(include_top, num_classes, classifier_activation, pooling):
    """Validated `(include_top, num_classes, pooling)` of a builder's head."""
    include_top = bool(include_top)
    if include_top:
        num_classes = _utils.positive_int(num_classes, "num_classes")
        _utils.activation(classifier_activation, "classifier_activation")
    elif pooling is not None:
        pooling = _utils.one_of(pooling, "pooling", ("avg", "max"))
    return include_top, num_classes, pooling


def check_input_shape(input_shape):
    """`input_shape` as a tuple of 3 positive ints (or None entries)."""
    try:
        shape = tuple(input_shape)
    except TypeError:
        shape = None
    if (
        shape is None
        or len(shape) != 3
        or not all(
            d is None or (isinstance(d, numbers.Integral) and d > 0)
            for d in shape
        )
    ):
        raise _utils.ArgumentError(
            "`input_shape` must be a tuple of 3 positive integers or None "
            "(height, width, channels). "
            f"Received: input_shape={shape!r}"
        )
    return shape


def check_preprocessing(preprocessing):
    """None, a callable, or a list of callables (a single layer is listed)."""
    if preprocessing is None or callable(preprocessing):
        return preprocessing
    try:
        preprocessing = list(preprocessing)
    except TypeError:
        preprocessing = [preprocessing]
    if not all(callable(layer) for layer in preprocessing):
        raise _utils.ArgumentError(
            "`preprocessing` must be None, a layer or a list of layers. "
            f"Received: preprocessing={preprocessing!r}"
        )
    return preprocessing


def model_input(input_shape, preprocessing):
    """`(inputs, x)`: the model's `Input` and the preprocessed tensor the
    stem reads; both arguments are checked first."""
    input_shape = check_input_shape(input_shape)
    preprocessing = check_preprocessing(preprocessing)
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if callable(preprocessing):
        x = preprocessing(x)
    elif preprocessing is not None:
        for layer in preprocessing:
            x = layer(x)
    return inputs, x


def conv_args(kernel_regularizer, bn_momentum, bn_epsilon):
    """The keyword arguments every conv block of a builder gets."""
    return dict(
        kernel_regularizer=kernel_regularizer,
        bn_momentum=bn_momentum,
        bn_epsilon=bn_epsilon,
    )


def head(x, include_top, pooling, num_classes, classifier_activation,
         kernel_regularizer):
    """Global average pooling + Dense head, or the requested pooling."""
    if include_top:
        x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
        # float32 head: logits and softmax stay float32 under mixed precision.
        return keras.layers.Dense(
            num_classes,
            activation=classifier_activation,
            kernel_regularizer=kernel_regularizer,
            dtype="float32",
            name="predictions",
        )(x)
    if pooling == "avg":
        return keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if pooling == "max":
        return keras.layers.GlobalMaxPooling2D(name="max_pool")(x)
    return x
