"""Reusable, serializable Keras layers (pure `keras.ops`, any backend).

Every layer is registered under the `keras_recipes` package for
`keras.saving`, so a model that uses them saves to `.keras` and loads back
once this module is imported. They follow the dtype policy (mixed
precision) and work under `tf.function`, XLA and JAX.

Example:

>>> import keras
>>> from keras_recipes.layers import ConvBNReLU, ResidualBlock
>>> inputs = keras.Input((32, 32, 3))
>>> x = ConvBNReLU(16)(inputs)
>>> x = ResidualBlock(32, strides=2, se_ratio=0.25, drop_path_rate=0.1)(x)
>>> x = keras.layers.GlobalAveragePooling2D()(x)
>>> model = keras.Model(inputs, keras.layers.Dense(10, dtype="float32")(x))

Or a whole CIFAR ResNet: `keras_recipes.layers.resnet_cifar(depth=20)`, and
its shortcut-free counterpart `keras_recipes.layers.plain_cifar(depth=20)`.
"""

from ._utils import ArgumentError
from .airbench import airbench_cifar
from .alternating_flip import AlternatingFlip
from .batch_norm import BatchNorm
from .binarize import Binarize
from .clipped_gaussian_noise import ClippedGaussianNoise
from .conv_bn_relu import ConvBNReLU
from .conv_pool_bn import ConvPoolBN
from .dcgan import dcgan_discriminator, dcgan_generator
from .dirac import Dirac
from .drop_path import DropPath
from .gaussian_sampling import GaussianSampling
from .horizontal_flip import HorizontalFlip
from .naive_bayes_scaling import NaiveBayesScaling, class_feature_sums, log_count_ratio, naive_bayes_ratio
from .patch_whitening import PatchWhitening, patch_whitening_kernel
from .plain import plain_cifar
from .residual_block import ResidualBlock
from .resnet import resnet_cifar
from .sequence_pooling import SequencePooling
from .shift import Shift
from .squeeze_excite import SqueezeExcite
from .vgg_block import VGGBlock

__all__ = [
    "AlternatingFlip",
    "ArgumentError",
    "BatchNorm",
    "Binarize",
    "ClippedGaussianNoise",
    "ConvBNReLU",
    "ConvPoolBN",
    "Dirac",
    "DropPath",
    "GaussianSampling",
    "HorizontalFlip",
    "NaiveBayesScaling",
    "PatchWhitening",
    "ResidualBlock",
    "SequencePooling",
    "Shift",
    "SqueezeExcite",
    "VGGBlock",
    "airbench_cifar",
    "class_feature_sums",
    "dcgan_discriminator",
    "dcgan_generator",
    "log_count_ratio",
    "naive_bayes_ratio",
    "patch_whitening_kernel",
    "plain_cifar",
    "resnet_cifar",
]
