"""The GAN's train_step under a 2-replica MirroredStrategy on logical CPUs:
with the same global batch, 2 replicas must train exactly what one device
trains (each replica scales its loss by 1/2, the optimizers sum the replicas'
gradients, and each replica takes its rows of the global batch's noise)."""

import textwrap

from tests_support.cli_driver import TESTS_DIR
from tests_support.subprocess_json import run_json

MIRRORED_GAN = textwrap.dedent("""
    import json, sys, tempfile
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    tf.config.experimental.enable_op_determinism()
    import keras
    sys.path.insert(0, {tests!r})
    from tasks.test_gan import toy_digits
    from keras_recipes.layers import dcgan_discriminator
    from keras_recipes.tasks.gan_model import GAN

    def players():
        # No batch norm and no dropout: nothing depends on the per-replica
        # batch, so 2 replicas must reproduce one device up to summation order.
        keras.utils.set_random_seed(0)
        noise = keras.Input((8,))
        x = keras.layers.Dense(7 * 7 * 4, activation="relu")(noise)
        x = keras.layers.Reshape((7, 7, 4))(x)
        x = keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu")(x)
        images = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="tanh")(x)
        return keras.Model(noise, images), dcgan_discriminator((28, 28, 1), width=4, dropout=0.0)

    x = toy_digits(32)[0]
    result = {{}}
    for name, strategy in (("one", tf.distribute.OneDeviceStrategy("/cpu:0")),
                           ("two", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))):
        with strategy.scope():
            gan = GAN(*players(), seed=0)
            # Plain SGD: unlike Adam, its step is proportional to the gradient,
            # so a wrong per-replica loss scale (x2) shows in the weights.
            gan.compile(d_optimizer=keras.optimizers.SGD(0.2), g_optimizer=keras.optimizers.SGD(0.2))
            gan.fit(x, batch_size=16, epochs=2, shuffle=False, verbose=0)
        result[name] = [w.tolist() for w in gan.get_weights()]

    print(json.dumps(result))
""")


def test_mirrored_gan_over_two_cpus_matches_one_device():
    out = run_json(MIRRORED_GAN.format(tests=TESTS_DIR))
    import numpy as np

    assert len(out["one"]) == len(out["two"]) > 0
    for a, b in zip(out["one"], out["two"]):
        np.testing.assert_allclose(np.array(a), np.array(b), rtol=1e-4, atol=1e-4)
