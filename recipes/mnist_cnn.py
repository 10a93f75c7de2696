"""mnist-cnn: a small CNN on MNIST handwritten digits.

Two stages of two 3x3 conv + batch-norm + ReLU layers (32 and 64 channels),
each followed by 2x2 max pooling, a 128-unit dense layer, dropout and a
softmax: the VGG-style small CNN behind the 99.6-99.7% results of the
literature (with light augmentation; the held-out figures measured here
are in benchmarks/RESULTS.md).

Chosen on the validation rows (seed 1337, 10%) of the 50,000 images that
benchmarks/mnist_holdout.py leaves for training, best epoch
(`python benchmarks/tuning_split.py --data HOLDOUT/train mnist-cnn --seeds
1337 --checkpoint best`): 99.50% after 10 epochs (97.62 after the first,
99.50 after the eighth; train accuracy 99.36%, below validation: the
regularisation (dropout 0.5, L2 5e-4, 2-pixel shifts) leaves room),
1,046 s on a shared 2-core EPYC under a load average of about 10.

``--preset lenet`` is the LeNet-style model of the first lessons: one 5x5
conv per stage (LeNet-5's layout, LeCun et al. 1998, with ReLU, max
pooling and batch normalization) for 6 epochs, 99.2%+ in a few CPU minutes.

Course flags: ``--set model.batch_norm=false`` (what BN buys),
``--set model.dropout=0`` (regularisation), ``--set model.kernel_size=5``,
``--set model.convs_per_stage=1``,
``--set augment.preset=none`` (the ``digits`` preset shifts by up to 2
pixels and never flips: a mirrored 2 is not a 2),
``--set train.momentum=0 --set train.nesterov=false`` (plain SGD),
``--set train.optimizer=adam --set train.lr=1e-3`` (Adam: watch the
training accuracy, dying ReLUs in the wide dense layer).
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import AugmentConfig, DataConfig, RecipeConfig, TrainConfig
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe

# Pixel mean / std of the MNIST training images (0-255 scale): 0.1307 and
# 0.3081 on the [0, 1] scale, the values every MNIST example normalises with.
MNIST_MEAN = [33.32]
MNIST_STD = [78.57]


@dataclass
class SmallCNNConfig:
    filters: int = 32  # first conv stage; the second has twice as many
    kernel_size: int = 3  # 5: LeNet's 5x5 (the lenet preset)
    convs_per_stage: int = 2  # 1: LeNet's one conv before each pooling
    dense_units: int = 128
    dropout: float = 0.5  # before the classifier; 0 = off
    batch_norm: bool = True  # false: conv + bias -> ReLU, as in LeNet


# The LeNet-style model and schedule of the first lessons (the defaults until
# the small VGG-style CNN replaced them): 99.28% on the seeded 10k held out of
# the training archive (benchmarks/mnist_holdout.py), about 3 CPU minutes. It
# keeps the regularisation it was measured with: dropout 0.5 and the digits
# preset's shifts alone (no rotation or zoom), the GAN judge's training too.
LENET = {"model.kernel_size": 5, "model.convs_per_stage": 1, "train.epochs": 6, "model.dropout": 0.5,
         "augment.rotate": 0.0, "augment.zoom": 0.0}


def build_model(cfg: RecipeConfig, info):
    import keras

    from keras_recipes.layers import ArgumentError, ConvBNReLU

    m = cfg.model
    if m.convs_per_stage < 1:
        raise ArgumentError(f"model.convs_per_stage must be >= 1. Received: {m.convs_per_stage}")
    inputs = keras.Input(shape=info.image_shape, name="image")
    x = inputs
    for stage, filters in enumerate((m.filters, 2 * m.filters)):
        for i in range(m.convs_per_stage):  # conv1, conv2 (LeNet); conv1, conv1b, conv2, conv2b
            x = ConvBNReLU(filters, m.kernel_size, batch_norm=m.batch_norm,
                           name=f"conv{stage + 1}" + "b" * i)(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool{stage + 1}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(m.dense_units, activation="relu", name="fc")(x)
    x = keras.layers.Dropout(m.dropout, name="dropout")(x)
    outputs = keras.layers.Dense(info.num_classes, activation="softmax", dtype="float32",
                                 name="predictions")(x)
    return keras.Model(inputs, outputs, name="lenet" if m.convs_per_stage == 1 else "small_cnn")


@register_recipe(
    "mnist-cnn",
    build_model=build_model,
    problem="image classification",
    dataset="MNIST",
    num_classes=10,
    model="small CNN (2x2 conv 3x3 + 2 dense); --preset lenet: LeNet-style",
    params="0.47M",
    reference="99.6-99.7% (small CNNs with augmentation); LeNet-5 (LeCun et al. 1998): 99.05%",
    presets={"lenet": LENET, "tiny": tiny({"model.filters": 4, "model.dense_units": 8})},
    search_space={
        "train.lr": "loguniform(3e-4, 1e-2)",
        "model.dropout": "uniform(0.0, 0.5)",
        "model.kernel_size": "choice(3, 5)",
        "model.convs_per_stage": "choice(1, 2)",
        "augment.preset": "choice(none, digits)",
    },
)
def mnist_cnn() -> RecipeConfig:
    """Small VGG-style CNN on MNIST digits (grayscale 28x28); --preset lenet: LeNet-style."""
    return RecipeConfig(
        model=SmallCNNConfig(),
        data=DataConfig(source="tfds:mnist", kind="image", image_size=28, channels=1,
                        val_fraction=0.1, mean=list(MNIST_MEAN), std=list(MNIST_STD)),
        augment=AugmentConfig(preset="digits"),
        # SGD + Nesterov momentum with a one-cycle schedule: 99.15% validation
        # accuracy after 3 epochs here. Adam (lr 2e-3, and still at 1e-3) killed
        # most ReLUs of the 3136-input dense layer (10 of 128 alive after 6
        # epochs), so dropout halved what was left: 98.5% after 6 epochs.
        train=TrainConfig(epochs=10, batch_size=128, optimizer="sgd", lr=0.1, momentum=0.9,
                          nesterov=True, schedule="onecycle", weight_decay=5e-4),
    )
