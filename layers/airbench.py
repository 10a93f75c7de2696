"""`airbench_cifar`: the airbench94 network (Jordan 2024) as a functional `keras.Model`."""

import keras

from . import _utils
from .conv_pool_bn import ConvPoolBN
from .patch_whitening import PatchWhitening


def airbench_cifar(
    num_classes=10,
    input_shape=(32, 32, 3),
    widths=(64, 256, 256),
    whitening_kernel_size=2,
    logit_scale=1 / 9,
    bn_momentum=0.4,
    bn_epsilon=1e-5,
    name="airbench",
):
    """The network of Jordan 2024, "94% on CIFAR-10 in 3.29 Seconds on a
    Single GPU" (airbench94): 2x2 patch whitening -> GELU -> three
    `ConvPoolBN` groups of `widths` (64/256/256) channels -> global max
    pooling -> a bias-free `Dense` whose logits are scaled by
    `logit_scale` (1/9) -> softmax (float32 under mixed precision).

    The whitening layer (`PatchWhitening`) comes with a placeholder kernel:
    set it from the training images with `patch_whitening_kernel` before
    training. Inputs are normalised floats (per-channel mean/std).
    With the default widths and 10 classes: 1.97M parameters.

    Example:

    >>> model = airbench_cifar()
    >>> images = keras.random.normal((64, 32, 32, 3))
    >>> whitening = model.get_layer("whitening")
    >>> whitening.set_kernel(patch_whitening_kernel(images))
    >>> tuple(model(images).shape)
    (64, 10)
    """
    widths = tuple(_utils.positive_int(w, "widths") for w in widths)
    inputs = keras.Input(input_shape)
    x = PatchWhitening(whitening_kernel_size, name="whitening")(inputs)
    x = keras.layers.Activation("gelu", name="whitening_gelu")(x)
    for i, width in enumerate(widths, 1):
        x = ConvPoolBN(width, bn_momentum=bn_momentum, bn_epsilon=bn_epsilon, name=f"group{i}")(x)
    x = keras.layers.GlobalMaxPooling2D(name="pool")(x)
    x = keras.layers.Dense(_utils.positive_int(num_classes, "num_classes"), use_bias=False,
                           name="logits")(x)
    x = keras.layers.Rescaling(_utils.positive_float(logit_scale, "logit_scale"),
                               dtype="float32", name="logit_scale")(x)
    outputs = keras.layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
