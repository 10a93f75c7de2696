"""A small layer test harness: the checks Keras runs on its own layers.

Modelled on `keras/src/testing/test_case.py::run_layer_test`. One call of
`run_layer_checks` verifies, for one layer configuration:

- every constructor argument is in `get_config()`, and `get_config` ->
  `from_config` (and `keras.saving` serialize -> deserialize) round-trips;
- `build()` creates the expected numbers of trainable / non-trainable
  weights (and non-trainable variables, e.g. seed-generator states);
- symbolic and eager calls give the expected shape and float32 dtype, and
  `compute_output_shape` agrees;
- a model around it accepts any batch size;
- inference under `tf.function(jit_compile=True)` (XLA) matches eager, and
  a training-mode forward + backward pass compiles (one XLA compile);
- the model saved as `.keras` reloads with identical outputs (1e-6) and
  trains one `fit` step afterwards;
- under `mixed_float16` / `mixed_bfloat16` the variables stay float32, the
  output has the compute dtype, and gradients flow without dtype errors.

Tests may use TensorFlow (the backend here); only `layers/` must not.
"""

import inspect
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")


def random_inputs(shape, seed=0):
    return np.random.RandomState(seed).standard_normal(shape).astype("float32")


def assert_value_error(fn, name, value):
    """`fn()` raises a ValueError naming `name` and ending with its value."""
    with pytest.raises(ValueError) as info:
        fn()
    message = str(info.value)
    assert name in message, message
    assert f"Received: {name}={value!r}" in message, message
    return message


def assert_config_round_trip(layer):
    cls = type(layer)
    config = layer.get_config()
    args = [
        p
        for p in inspect.signature(cls.__init__).parameters
        if p not in ("self", "kwargs")
    ]
    missing = [a for a in args if a not in config]
    assert not missing, f"get_config() lacks constructor args {missing}"
    revived = cls.from_config(config)
    assert revived.get_config() == config
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"keras_recipes>{cls.__name__}"
    deserialized = keras.saving.deserialize_keras_object(serialized)
    assert type(deserialized) is cls
    assert deserialized.get_config() == config


def run_layer_checks(
    layer_cls,
    init_kwargs,
    input_shape,
    expected_output_shape,
    expected_num_trainable_weights,
    expected_num_non_trainable_weights,
    expected_num_non_trainable_variables=None,
    tmp_path=None,
    check_xla=True,
    check_mixed_precision=True,
):
    if expected_num_non_trainable_variables is None:
        expected_num_non_trainable_variables = (
            expected_num_non_trainable_weights
        )
    input_shape = tuple(input_shape)
    expected_output_shape = tuple(expected_output_shape)
    x = random_inputs(input_shape)

    # 1. Serialization of the unbuilt layer.
    assert_config_round_trip(layer_cls(**init_kwargs))

    # 2. build() creates all the state.
    layer = layer_cls(**init_kwargs)
    layer.build(input_shape)
    assert layer.built
    assert len(layer.trainable_weights) == expected_num_trainable_weights
    assert (
        len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    )
    assert (
        len(layer.non_trainable_variables)
        == expected_num_non_trainable_variables
    )
    assert tuple(layer.compute_output_shape(input_shape)) == (
        expected_output_shape
    )
    # Built layers round-trip too (config does not depend on build state).
    assert_config_round_trip(layer)

    # 3. Symbolic call with a dynamic batch size.
    layer = layer_cls(**init_kwargs)
    inputs = keras.Input(shape=input_shape[1:], batch_size=None)
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None,) + expected_output_shape[1:]
    assert outputs.dtype == "float32"
    assert len(layer.trainable_weights) == expected_num_trainable_weights
    assert (
        len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    )
    model = keras.Model(inputs, outputs)

    # 4. Eager calls, training and inference, at several batch sizes.
    y = model(x, training=False)
    assert tuple(y.shape) == expected_output_shape
    assert keras.backend.standardize_dtype(y.dtype) == "float32"
    y_train = model(x, training=True)
    assert tuple(y_train.shape) == expected_output_shape
    for batch in (1, 3):
        xb = random_inputs((batch,) + input_shape[1:], seed=batch)
        assert tuple(model(xb, training=False).shape) == (
            (batch,) + expected_output_shape[1:]
        )
    y = keras.ops.convert_to_numpy(model(x, training=False))

    # 5. XLA (tf.function(jit_compile=True)), compiled once: inference
    # matches eager, and a training-mode forward + backward pass works.
    if check_xla:

        @tf.function(jit_compile=True)
        def xla_step(t):
            inference = model(t, training=False)  # before BN stats move
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(model(t, training=True)))
            grads = tape.gradient(loss, model.trainable_variables)
            return inference, loss, grads

        y_xla, loss, gradients = xla_step(x)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(y_xla), y, rtol=1e-4, atol=1e-4
        )
        assert np.isfinite(float(loss))
        assert all(g is not None for g in gradients)
        # The training pass may have moved BN statistics.
        y = keras.ops.convert_to_numpy(model(x, training=False))

    # 6. Save as .keras, reload, same outputs, and it still trains.
    if tmp_path is not None:
        path = str(tmp_path / f"{layer_cls.__name__}.keras")
        model.save(path)
        loaded = keras.saving.load_model(path)
        assert isinstance(loaded.layers[-1], layer_cls)
        y_loaded = keras.ops.convert_to_numpy(loaded(x, training=False))
        np.testing.assert_allclose(y_loaded, y, rtol=0, atol=1e-6)
        assert loaded.layers[-1].get_config() == layer.get_config()
        before = [w.numpy().copy() for w in loaded.trainable_weights]
        loaded.compile(optimizer="sgd", loss="mse", jit_compile=False)
        with warnings.catch_warnings():
            # A weightless layer (DropPath) still runs through fit().
            warnings.filterwarnings("ignore", "The model does not have any")
            history = loaded.fit(
                x, np.zeros_like(y), batch_size=len(x), epochs=1, verbose=0
            )
        assert np.isfinite(history.history["loss"][0])
        after = [w.numpy() for w in loaded.trainable_weights]
        if before:
            assert any(not np.array_equal(b, a) for b, a in zip(before, after))

    # 7. Mixed precision: float32 variables, compute-dtype outputs.
    if check_mixed_precision:
        for policy in MIXED_POLICIES:
            check_mixed_precision_layer(
                layer_cls(**init_kwargs, dtype=policy), x
            )


def check_mixed_precision_layer(layer, x):
    """Variables float32, output in the compute dtype, gradients flow."""
    compute_dtype = layer.dtype_policy.compute_dtype
    with tf.GradientTape() as tape:
        y = layer(x, training=True)
        loss = tf.reduce_sum(tf.cast(y, "float32"))
    assert keras.backend.standardize_dtype(y.dtype) == compute_dtype
    assert np.isfinite(float(loss))
    for variable in layer.weights:
        assert variable.dtype == "float32", variable.path
    gradients = tape.gradient(loss, layer.trainable_variables)
    assert all(g is not None for g in gradients)
    for g, v in zip(gradients, layer.trainable_variables):
        assert g.dtype == v.dtype
    y_infer = layer(x, training=False)
    assert keras.backend.standardize_dtype(y_infer.dtype) == compute_dtype
    spec = layer.compute_output_spec(
        keras.KerasTensor(x.shape, dtype=compute_dtype)
    )
    assert spec.dtype == compute_dtype
