"""Runs every layer and `resnet_cifar` on the JAX backend, without TensorFlow.

Run by `test_jax_backend.py` in a subprocess with `KERAS_BACKEND=jax`
(the backend is fixed when Keras is first imported). TensorFlow is made
unimportable first, so this also proves `keras_recipes.layers` does not need
it. Prints "JAX OK" at the end.
"""

import os
import sys

sys.modules["tensorflow"] = None  # `import tensorflow` now raises ImportError

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_recipes import layers as L  # noqa: E402

assert keras.backend.backend() == "jax", keras.backend.backend()

# One model with every layer in it, so that everything compiles once.
inputs = keras.Input((8, 8, 3))
x = L.ConvBNReLU(4, 3)(inputs)
x = L.ConvBNReLU(None, 3, depthwise=True, activation="relu6")(x)
x = L.ConvBNReLU(4, 1, groups=2, activation=None)(x)
x = L.VGGBlock(4, num_convs=1, pool_size=None)(x)
x = L.SqueezeExcite(0.5)(x)
x = L.DropPath(0.2)(x)
x = L.ResidualBlock(4, version=2, se_ratio=0.5, drop_path_rate=0.2)(x)
x = L.ResidualBlock(2, block_type="bottleneck", shortcut="projection")(x)
x = L.ResidualBlock(16, strides=2, version=2, shortcut="zero_pad")(x)
resnet = L.resnet_cifar(
    depth=8, input_shape=(4, 4, 16), se_ratio=0.5, drop_path_rate=0.2, name="resnet"
)
model = keras.Model(inputs, resnet(x))

images = np.random.RandomState(0).standard_normal((4, 8, 8, 3)).astype("float32")
labels = np.arange(4) % 10
trainable = [v.value for v in model.trainable_variables]
non_trainable = [v.value for v in model.non_trainable_variables]


def loss_fn(trainable, non_trainable, images, labels):
    probs, non_trainable = model.stateless_call(
        trainable, non_trainable, images, training=True
    )
    loss = keras.losses.sparse_categorical_crossentropy(labels, probs)
    return keras.ops.mean(loss), non_trainable


# Forward + backward in training mode, compiled by XLA through jax.jit.
(loss, new_non_trainable), grads = jax.jit(
    jax.value_and_grad(loss_fn, has_aux=True)
)(trainable, non_trainable, images, labels)
assert np.isfinite(float(loss)), loss
assert len(grads) == len(trainable)
assert all(np.all(np.isfinite(g)) for g in grads)
assert sum(float(np.abs(g).sum()) > 0 for g in grads) > len(grads) // 2
# BN statistics and seed-generator states moved in training mode.
assert any(
    not np.array_equal(a, b) for a, b in zip(non_trainable, new_non_trainable)
)

# Inference is deterministic (no drop path) and gives probabilities.
infer = jax.jit(
    lambda t, n, x: model.stateless_call(t, n, x, training=False)[0]
)
p1 = np.asarray(infer(trainable, non_trainable, images))
p2 = np.asarray(infer(trainable, non_trainable, images))
np.testing.assert_array_equal(p1, p2)
np.testing.assert_allclose(p1.sum(axis=1), 1.0, rtol=1e-5)
assert p1.shape == (4, 10) and p1.dtype == np.float32
# The DCGAN builders: noise -> image in [-1, 1] -> one logit, jitted.
gen = L.dcgan_generator(8, (8, 8, 1), width=2)
disc = L.dcgan_discriminator((8, 8, 1), width=2)
gan = keras.Model(gen.inputs, disc(gen.outputs[0]))
logits = jax.jit(lambda t, n, z: gan.stateless_call(t, n, z, training=False)[0])(
    [v.value for v in gan.trainable_variables], [v.value for v in gan.non_trainable_variables],
    np.zeros((3, 8), "float32"))
assert np.asarray(logits).shape == (3, 1) and np.all(np.isfinite(np.asarray(logits)))

# Masked pooling over a recurrent layer's steps, jitted: padding is left out.
tokens = keras.Input((6,), dtype="int32")
steps = keras.layers.Embedding(12, 4, mask_zero=True)(tokens)
steps = keras.layers.GRU(3, return_sequences=True)(steps)
reader = keras.Model(tokens, L.SequencePooling("avg_max")(steps))
read = jax.jit(lambda t, n, x: reader.stateless_call(t, n, x)[0])
weights = ([v.value for v in reader.trainable_variables],
           [v.value for v in reader.non_trainable_variables])
ids = np.array([[3, 4, 5, 0, 0, 0], [3, 4, 5, 6, 7, 0]], "int32")
pooled = np.asarray(read(*weights, ids))
assert pooled.shape == (2, 6) and np.all(np.isfinite(pooled))

# The generative layers: corruption, binarisation and the reparameterisation
# trick, differentiated through and compiled by XLA, fresh noise each step.
pixels = keras.Input((4, 4, 1))
noisy = L.ClippedGaussianNoise(0.3, seed=1)(pixels)
binary = L.Binarize("stochastic", seed=2)(noisy)
flat = keras.layers.Flatten()(binary)
mean, log_var = keras.layers.Dense(2)(flat), keras.layers.Dense(2)(flat)
z = L.GaussianSampling(seed=3)([mean, log_var])
vae_like = keras.Model(pixels, keras.layers.Dense(1)(z))
gen_t = [v.value for v in vae_like.trainable_variables]
gen_n = [v.value for v in vae_like.non_trainable_variables]
x_gen = np.random.RandomState(1).random_sample((8, 4, 4, 1)).astype("float32")


def gen_loss(t, n, x):
    out, n = vae_like.stateless_call(t, n, x, training=True)
    return keras.ops.mean(keras.ops.square(out)), n


step = jax.jit(jax.value_and_grad(gen_loss, has_aux=True))
(l1, gen_n1), g = step(gen_t, gen_n, x_gen)
(l2, _), _ = step(gen_t, gen_n1, x_gen)
assert np.isfinite(float(l1)) and all(np.all(np.isfinite(v)) for v in g)
assert float(l1) != float(l2)  # the seed states moved: a fresh draw

# Naive Bayes scaling of a sparse (BCOO) bag, fitted on it and jitted: the
# same ratio and outputs as the dense bag.
from jax.experimental import sparse as jax_sparse  # noqa: E402

bags = np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 1, 1], [0, 1, 0, 0]], "float32")
bag_labels = np.array([1, 1, 0, 0])
sparse_bags = jax_sparse.BCOO.fromdense(bags)
ratio = L.naive_bayes_ratio(sparse_bags, bag_labels)
np.testing.assert_allclose(np.asarray(ratio), np.asarray(L.naive_bayes_ratio(bags, bag_labels)),
                           rtol=1e-6)
bag_inputs = keras.Input((4,), sparse=True)
scaling = L.NaiveBayesScaling()
bag_model = keras.Model(bag_inputs, keras.layers.Dense(2)(scaling(bag_inputs)))
scaling.set_ratio(ratio)
scored = jax.jit(lambda t, n, x: bag_model.stateless_call(t, n, x)[0])(
    [v.value for v in bag_model.trainable_variables],
    [v.value for v in bag_model.non_trainable_variables], sparse_bags)
np.testing.assert_allclose(np.asarray(scored), np.asarray(bag_model(bags)), rtol=1e-5, atol=1e-6)
assert os.environ.get("KERAS_BACKEND") == "jax"
print("JAX OK")
