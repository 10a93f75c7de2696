"""Argument validation shared by the layers of `keras_recipes.layers`.

Private: not part of the public API. Every check raises an
`ArgumentError` (a `ValueError`) that names the argument and ends with
`Received: name=value`, the convention of Keras' own layers, so a bad
argument is reported where it is passed rather than as a shape error deep
inside `build()`.
"""

import numbers

import keras


class ArgumentError(ValueError):
    """A layer or model-builder argument out of its range.

    A `ValueError`, as Keras raises for bad arguments; its own class lets
    the engine tell a bad setting (a failed tuning trial) from a bug in a
    model's code (which should surface, not be recorded as a failed trial).
    """


def _received(name, value):
    return f"Received: {name}={value!r}"


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, name):
    """Returns `value` as an `int`; raises unless it is an integer >= 1."""
    if not is_int(value) or value < 1:
        raise ArgumentError(
            f"`{name}` must be a positive integer. {_received(name, value)}"
        )
    return int(value)


def int_tuple(value, name, length=2):
    """Returns a `length`-tuple of positive ints from an int or a sequence."""
    if is_int(value):
        values = (value,) * length
    else:
        try:
            values = tuple(value)
        except TypeError:
            values = None
    if (
        values is None
        or len(values) != length
        or not all(is_int(v) and v >= 1 for v in values)
    ):
        raise ArgumentError(
            f"`{name}` must be a positive integer or a tuple of {length} "
            f"positive integers. {_received(name, value)}"
        )
    return tuple(int(v) for v in values)


def one_of(value, name, choices):
    """Returns `value` (lower-cased when a string) if it is in `choices`."""
    normalized = value.lower() if isinstance(value, str) else value
    if normalized not in choices or type(normalized) not in {
        type(c) for c in choices
    }:
        raise ArgumentError(
            f"`{name}` must be one of {list(choices)}. {_received(name, value)}"
        )
    return normalized


def rate(value, name):
    """Returns `value` as a float in [0, 1); raises otherwise."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0.0 <= value < 1.0
    ):
        raise ArgumentError(
            f"`{name}` must be a float in [0, 1). {_received(name, value)}"
        )
    return float(value)


def optional_ratio(value, name):
    """Returns None or `value` as a float in (0, 1]; raises otherwise."""
    if value is None:
        return None
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0.0 < value <= 1.0
    ):
        raise ArgumentError(
            f"`{name}` must be None or a float in (0, 1]. "
            f"{_received(name, value)}"
        )
    return float(value)


def positive_float(value, name):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not value > 0
    ):
        raise ArgumentError(
            f"`{name}` must be a positive number. {_received(name, value)}"
        )
    return float(value)


def assign_fitted(variable, value, name):
    """Assigns `value` (a fitted array) to `variable`; raises unless the shapes match."""
    value = keras.ops.convert_to_tensor(value, dtype=variable.dtype)
    if tuple(value.shape) != tuple(variable.shape):
        raise ArgumentError(
            f"`{name}` must have shape {tuple(variable.shape)}. "
            f"Received: {name}.shape={tuple(value.shape)}"
        )
    variable.assign(value)


def activation(value, name="activation"):
    """Returns the activation function for `value`, or None for None."""
    if value is None:
        return None
    return _keras_get(
        keras.activations.get, value, name,
        "None, a callable or the name of a Keras activation (e.g. 'relu', 'swish')",
    )


def serialize_activation(fn):
    return None if fn is None else keras.activations.serialize(fn)


def initializer(value, name):
    return _keras_get(
        keras.initializers.get, value, name, "a Keras initializer or its name"
    )


def regularizer(value, name):
    return _keras_get(
        keras.regularizers.get, value, name, "None or a Keras regularizer"
    )


def _keras_get(get, value, name, expected):
    """`get(value)` (a `keras.*.get`), or a ValueError naming the argument."""
    try:
        return get(value)
    except (ValueError, TypeError):
        raise ArgumentError(
            f"`{name}` must be {expected}. {_received(name, value)}"
        ) from None


def clone_initializer(init):
    """A fresh copy of `init` for one sublayer.

    Keras 3 initializers draw a fixed seed when they are created, so one
    unseeded instance shared by two layers gives both the *same* weights.
    Each sublayer therefore gets its own copy (an explicitly seeded
    initializer still gives identical copies, which is what a seed means).
    """
    return init.__class__.from_config(init.get_config())


def data_format(value):
    if value is None:
        return keras.config.image_data_format()
    normalized = str(value).lower()
    if normalized not in ("channels_last", "channels_first"):
        raise ArgumentError(
            "`data_format` must be 'channels_last' or 'channels_first'. "
            f"{_received('data_format', value)}"
        )
    return normalized


def batch_norm_args(momentum, epsilon):
    return rate(momentum, "bn_momentum"), positive_float(epsilon, "bn_epsilon")


def set_conv_block_args(layer, act, kernel_init, kernel_reg, momentum, epsilon, fmt):
    """Validate and store the constructor arguments that ConvBNReLU,
    ResidualBlock and VGGBlock share (`conv_block_config` serializes them)."""
    layer.activation = activation(act)
    layer.kernel_initializer = initializer(kernel_init, "kernel_initializer")
    layer.kernel_regularizer = regularizer(kernel_reg, "kernel_regularizer")
    layer.bn_momentum, layer.bn_epsilon = batch_norm_args(momentum, epsilon)
    layer.data_format = data_format(fmt)


def conv_block_config(layer):
    """The constructor arguments that ConvBNReLU, ResidualBlock and VGGBlock
    share, serialized for `get_config`."""
    return {
        "activation": serialize_activation(layer.activation),
        "kernel_initializer": keras.initializers.serialize(layer.kernel_initializer),
        "kernel_regularizer": keras.regularizers.serialize(layer.kernel_regularizer),
        "bn_momentum": layer.bn_momentum,
        "bn_epsilon": layer.bn_epsilon,
        "data_format": layer.data_format,
    }
