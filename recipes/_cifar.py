"""What the CIFAR-10 recipes share: the data, the augmentation, the paper's
schedule and the short-budget ``fast`` preset.

``cifar-resnet``, ``cifar-plain`` and ``cifar-vgg`` differ only in their
model (and VGG in its long schedule), so that ``--preset fast --epochs N``
and the lessons that compare them train like with like. Why the ``fast``
values were chosen is in ``cifar_resnet.py``'s docstring.

Example (a recipe of your own on the same data and schedule):

>>> from keras_recipes.recipes import _cifar
>>> cfg = RecipeConfig(model=MyModel(), data=_cifar.data(), augment=_cifar.augment(),
...                    train=_cifar.paper_train())
"""

from __future__ import annotations

from keras_recipes.config import AugmentConfig, DataConfig, TrainConfig

# Per-channel pixel mean / std of the CIFAR-10 training set (0-255 scale).
CIFAR10_MEAN = [125.31, 122.95, 113.87]
CIFAR10_STD = [62.99, 62.09, 66.70]

# The short-budget schedule (3-30 epochs), chosen on a fixed 45k/5k split of
# the training archive; runs keep that 5k held out (data.val_fraction).
# Warmup is a fraction of the run, so `--epochs N` rescales the whole
# schedule. Everything but the model (schedule, data, augmentation,
# test-time flips): each recipe adds its own model keys.
FAST_SCHEDULE = {
    "train.epochs": 30,
    "train.schedule": "cosine",
    "train.warmup_fraction": 0.1,
    "train.batch_size": 64,
    "train.lr": 0.1,
    "train.nesterov": True,
    "train.weight_decay": 5e-4,
    # 5k of the 50k images held out: the run reports accuracy on images it
    # never trained on, for 10% fewer training images.
    "data.val_fraction": 0.1,
    "augment.pad": 2,
    "augment.test_time": "flip",
}


def data() -> DataConfig:
    """CIFAR-10, 45k/5k train/validation split, per-channel normalisation."""
    return DataConfig(source="tfds:cifar10", kind="image", image_size=32, channels=3,
                      val_fraction=0.1, mean=list(CIFAR10_MEAN), std=list(CIFAR10_STD))


def augment() -> AugmentConfig:
    """4-pixel padding + random 32x32 crop + horizontal flip (He et al. 2016)."""
    return AugmentConfig(preset="cifar")


def paper_train() -> TrainConfig:
    """He et al. 2016 sec. 4.2: batch 128, SGD 0.9, wd 1e-4, lr 0.1 / 10 at
    32k and 48k of 64k steps (182 epochs of 45k images)."""
    return TrainConfig(epochs=182, batch_size=128, optimizer="sgd", lr=0.1, momentum=0.9,
                       weight_decay=1e-4, schedule="step", decay_at=[0.5, 0.75],
                       decay_factor=0.1)
