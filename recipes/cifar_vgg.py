"""cifar-vgg: VGG networks (Simonyan & Zisserman 2015) on CIFAR-10.

The CIFAR adaptation everyone reproduces (kuangliu/pytorch-cifar): the
ImageNet configurations' conv stacks (VGG-11/13/16/19: 64-128-256-512-512
channels, 3x3 convs, each stage ending in 2x2 max pooling) with batch
normalization after every conv; after five poolings a 32x32 image is 1x1x512,
so the three 4096-unit dense layers become one linear classifier.
Defaults: batch 128, SGD 0.1 with momentum 0.9, weight decay 5e-4, cosine
decay over 200 epochs, pad-4 crop + flip (pytorch-cifar's training script).
The pytorch-cifar README reports 92.64% CIFAR-10 test accuracy for VGG-16;
that figure was listed with the repository's earlier step schedule (lr 0.1,
0.01, 0.001 over 350 epochs).

Course flags:

- ``model.depth``: 11, 13, 16 or 19.
- ``model.batch_norm=false``: the original, normalization-free VGG (it needs
  a smaller learning rate, e.g. ``train.lr=0.01``, and trains far slower).
- ``model.dropout``: dropout before the classifier (0 = off).
- ``model.large_filters=true``: each stage's stack of n 3x3 convs becomes one
  (2n+1)x(2n+1) conv with the same receptive field (VGG sec. 2.3: fewer
  weights and n non-linearities for the stack).
- ``model.width``: channels of the first stage (64); 16 trains on a CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import RecipeConfig, TrainConfig, check_choice_of
from keras_recipes.recipes import _cifar
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe

# Convs per stage of VGG's configurations A, B, D and E (table 1 of the paper).
CONVS_PER_STAGE = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3),
                   19: (2, 2, 4, 4, 4)}
# Channels per stage as multiples of `width` (64 in the paper): 64-128-256-512-512.
STAGE_MULTIPLIERS = (1, 2, 4, 8, 8)
# Five 2x2 poolings: the input must be at least 2**5 pixels on a side.
MIN_IMAGE_SIZE = 2 ** len(STAGE_MULTIPLIERS)


@dataclass
class VGGConfig:
    depth: int = 16  # 11 | 13 | 16 | 19
    width: int = 64  # channels of the first stage
    batch_norm: bool = True
    dropout: float = 0.0  # before the classifier; 0 = off (as in pytorch-cifar)
    large_filters: bool = False  # one (2n+1)x(2n+1) conv instead of n 3x3 convs

    def __post_init__(self):  # runs on every resolved config, before any data loads
        check_choice_of("model.depth", self.depth, sorted(CONVS_PER_STAGE))


def build_model(cfg: RecipeConfig, info):
    import keras

    from keras_recipes.layers import ArgumentError, VGGBlock

    m = cfg.model
    if m.depth not in CONVS_PER_STAGE:
        raise ArgumentError(f"model.depth must be one of {sorted(CONVS_PER_STAGE)}. "
                         f"Received: depth={m.depth}")
    if min(info.image_shape[:2]) < MIN_IMAGE_SIZE:
        raise ArgumentError(f"VGG pools 5 times and needs images of at least {MIN_IMAGE_SIZE}x"
                         f"{MIN_IMAGE_SIZE}. Received: image_shape={info.image_shape}")
    inputs = keras.Input(shape=info.image_shape, name="image")
    x = inputs
    for stage, (convs, multiplier) in enumerate(zip(CONVS_PER_STAGE[m.depth], STAGE_MULTIPLIERS)):
        # Same receptive field either way: n 3x3 convs see (2n+1)x(2n+1).
        num_convs, kernel = (1, 2 * convs + 1) if m.large_filters else (convs, 3)
        x = VGGBlock(m.width * multiplier, num_convs=num_convs, kernel_size=kernel,
                     batch_norm=m.batch_norm, name=f"stage{stage + 1}")(x)
    # At 32x32 the features are 1x1 here, so this is pytorch-cifar's flatten.
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = keras.layers.Dropout(m.dropout, name="dropout")(x)
    outputs = keras.layers.Dense(info.num_classes, activation="softmax", dtype="float32",
                                 name="predictions")(x)
    suffix = "_bn" if m.batch_norm else ""
    return keras.Model(inputs, outputs, name=f"vgg{m.depth}{suffix}")


@register_recipe(
    "cifar-vgg",
    build_model=build_model,
    problem="image classification",
    dataset="CIFAR-10",
    num_classes=10,
    model="VGG-16 + BN",
    params="14.7M",
    reference="92.64% test, VGG-16 (kuangliu/pytorch-cifar README, 200-epoch cosine)",
    presets={"fast": _cifar.FAST_SCHEDULE,  # cifar-resnet's short-budget schedule
             "tiny": tiny({"model.depth": 11, "model.width": 4})},
    search_space={
        "train.lr": "loguniform(0.01, 0.2)",
        "train.weight_decay": "loguniform(1e-4, 1e-3)",
        "model.depth": "choice(11, 13, 16)",
        "model.dropout": "uniform(0.0, 0.5)",
    },
)
def cifar_vgg() -> RecipeConfig:
    """VGG with batch normalization on CIFAR-10 (the pytorch-cifar adaptation)."""
    return RecipeConfig(
        model=VGGConfig(), data=_cifar.data(), augment=_cifar.augment(),
        train=TrainConfig(epochs=200, batch_size=128, optimizer="sgd", lr=0.1, momentum=0.9,
                          weight_decay=5e-4, schedule="cosine"),
    )
