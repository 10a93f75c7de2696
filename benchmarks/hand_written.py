"""The yardsticks: what a Keras user would type by hand for the same models.

Each model matches its recipe's defaults (layers, initialisers,
regularisation, optimizer, batch size) but uses nothing from keras_recipes
except the Throughput meter, so the suite compares the engine with plain
``model.fit``.
"""

from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops

from keras_recipes.recipes._cifar import CIFAR10_MEAN, CIFAR10_STD
from keras_recipes.training.callbacks import Throughput

RESNET_BATCH = 128
LSTM_BATCH = 64


def resnet20(weight_decay=1e-4, projection=False):
    """ResNet-20 of He et al. 2016 (option-A shortcuts, L2 1e-4 as the recipe);
    ``projection=True``: 1x1 conv + BN shortcuts where the shape changes (option B)."""
    l2 = keras.regularizers.L2(weight_decay / 2)  # Keras' L2 adds l * w^2: wd/2 is weight decay wd

    def conv_bn(x, filters, strides=1, relu=True, kernel=3):
        x = layers.Conv2D(filters, kernel, strides, padding="same", use_bias=False,
                          kernel_initializer="he_normal", kernel_regularizer=l2)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x) if relu else x

    def shortcut_a(x, filters):
        pad = filters - x.shape[-1]
        return layers.Lambda(lambda t: ops.pad(t[:, ::2, ::2, :],
                                               [[0, 0], [0, 0], [0, 0], [pad // 2, pad - pad // 2]]))(x)

    inputs = keras.Input((32, 32, 3), dtype="uint8")
    x = layers.Normalization(mean=CIFAR10_MEAN, variance=[s * s for s in CIFAR10_STD])(inputs)
    x = conv_bn(x, 16)
    for stage, filters in enumerate((16, 32, 64)):
        for block in range(3):
            strides = 2 if stage > 0 and block == 0 else 1
            y = conv_bn(x, filters, strides)
            y = conv_bn(y, filters, relu=False)
            shortcut = x
            if strides == 2:
                shortcut = conv_bn(x, filters, 2, relu=False, kernel=1) if projection else shortcut_a(x, filters)
            x = layers.ReLU()(layers.Add()([y, shortcut]))
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax", kernel_regularizer=l2, dtype="float32")(x)
    return keras.Model(inputs, outputs)


def bilstm(vocab_size=20_000, sequence_length=256):
    """imdb-lstm by hand: Embedding(128, masked) -> BiLSTM(64) -> dropout -> softmax."""
    inputs = keras.Input((sequence_length,), dtype="int64")
    x = layers.Embedding(vocab_size, 128, mask_zero=True)(inputs)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(2, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs)


def train_resnet20(x, y, epochs):
    """Steady-state img/s of the hand-written ResNet-20 on in-memory uint8 batches."""
    keras.utils.set_random_seed(0)
    model = resnet20()
    model.compile(keras.optimizers.SGD(0.1, momentum=0.9),
                  keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    ds = tf.data.Dataset.from_tensor_slices((x, y)).cache().shuffle(10_000).batch(RESNET_BATCH)
    return _fit_rate(model, ds.prefetch(tf.data.AUTOTUNE), epochs, RESNET_BATCH)


def train_bilstm(texts, labels, epochs):
    """Steady-state examples/s of the hand-written BiLSTM on raw strings."""
    keras.utils.set_random_seed(0)
    vectorizer = layers.TextVectorization(20_000, output_sequence_length=256)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(texts).batch(1024))
    model = bilstm()
    model.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0),
                  keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    ds = tf.data.Dataset.from_tensor_slices((texts, labels)).cache().shuffle(10_000).batch(LSTM_BATCH)
    ds = ds.map(lambda t, y: (vectorizer(t), y), num_parallel_calls=tf.data.AUTOTUNE)
    return _fit_rate(model, ds.prefetch(tf.data.AUTOTUNE), epochs, LSTM_BATCH)


def _fit_rate(model, ds, epochs, batch_size):
    meter = Throughput(batch_size)
    model.fit(ds, epochs=epochs, callbacks=[meter], verbose=0)
    return meter.steady


# -- accuracy baselines (benchmarks/accuracy.py) ------------------------------

def fit_resnet20_accuracy(train, test, epochs, seed, *, lr=0.2, weight_decay=5e-4, warmup=0.1):
    """Test accuracy of the short-budget hand-written ResNet-20: projection
    shortcuts, SGD nesterov 0.9, L2 5e-4, cosine decay after a linear warmup
    over 10% of the steps to lr 0.2, batch 128, pad-4 crop + flip, all of
    ``train`` (no validation split). ``train``/``test``: (uint8 images, labels)."""
    keras.utils.set_random_seed(seed)
    steps = epochs * -(-len(train[1]) // RESNET_BATCH)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=steps - int(warmup * steps), warmup_target=lr, warmup_steps=int(warmup * steps))
    model = resnet20(weight_decay, projection=True)
    model.compile(keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True),
                  keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])

    def augment(x, y):
        x = tf.image.resize_with_crop_or_pad(x, 40, 40)
        return tf.image.random_flip_left_right(tf.image.random_crop(x, [32, 32, 3])), y

    ds = (tf.data.Dataset.from_tensor_slices(train).cache().shuffle(50_000, seed=seed)
          .map(augment, num_parallel_calls=tf.data.AUTOTUNE).batch(RESNET_BATCH))
    model.fit(ds.prefetch(tf.data.AUTOTUNE), epochs=epochs, verbose=0)
    return _test_accuracy(model, test, RESNET_BATCH)


def fit_bilstm_accuracy(train, test, epochs, seed):
    """Test accuracy of the hand-written BiLSTM (Adam 1e-3, clipnorm 1, batch
    64, 20k words x 256 tokens) trained on all of ``train``: (texts, labels)."""
    keras.utils.set_random_seed(seed)
    vectorizer = layers.TextVectorization(20_000, output_sequence_length=256)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(train[0]).batch(1024))
    model = bilstm()
    model.compile(keras.optimizers.Adam(1e-3, clipnorm=1.0),
                  keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    ds = tf.data.Dataset.from_tensor_slices(train).cache().shuffle(25_000, seed=seed).batch(LSTM_BATCH)
    model.fit(ds.map(lambda t, y: (vectorizer(t), y)).prefetch(tf.data.AUTOTUNE), epochs=epochs,
              verbose=0)
    return _test_accuracy(model, (vectorizer(test[0]), test[1]), LSTM_BATCH)


def fit_bigrams_accuracy(train, test, epochs, seed):
    """Test accuracy of the bag-of-bigrams model as *Deep Learning with Python*
    (2nd ed., listing 11.8) types it: a multi-hot TextVectorization over the
    20k most frequent unigrams and bigrams, Dense(16, relu), dropout 0.5,
    RMSprop, batch 32, trained on all of ``train``: (texts, labels)."""
    keras.utils.set_random_seed(seed)
    vectorizer = layers.TextVectorization(20_000, ngrams=2, output_mode="multi_hot", pad_to_max_tokens=True)
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(train[0]).batch(1024))
    inputs = keras.Input((20_000,))
    x = layers.Dropout(0.5)(layers.Dense(16, activation="relu")(inputs))
    model = keras.Model(inputs, layers.Dense(2, activation="softmax", dtype="float32")(x))
    model.compile("rmsprop", keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"])
    ds = tf.data.Dataset.from_tensor_slices(train).shuffle(25_000, seed=seed).batch(32)
    model.fit(ds.map(lambda t, y: (vectorizer(t), y), num_parallel_calls=tf.data.AUTOTUNE)
              .prefetch(tf.data.AUTOTUNE), epochs=epochs, verbose=0)
    return _test_accuracy(model, (vectorizer(test[0]), test[1]), 32)


def _test_accuracy(model, test, batch_size):
    return float(model.evaluate(test[0], test[1], batch_size=batch_size, verbose=0, return_dict=True)["accuracy"])
