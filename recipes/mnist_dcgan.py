"""mnist-dcgan: a DCGAN (Radford et al. 2016) generating MNIST digits.

A transposed-convolution generator (noise -> 7x7x4w -> 7x7x2w -> 14x14xw ->
28x28x1, tanh) against a strided-convolution discriminator with dropout
(``keras_recipes.layers.dcgan_generator`` / ``dcgan_discriminator``), each
with its own Adam (lr 2e-4, beta_1 0.5: the DCGAN paper's settings), trained
by one ``train_step`` (``keras_recipes.tasks.gan_model.GAN``).

The run directory holds a sample grid per epoch from fixed noise
(``samples/epoch_NNN.png``). Judge the samples with a trained classifier:
``recipes evaluate RUN --classifier CNN_RUN`` (an ``mnist-cnn`` run) prints
the Frechet distance of its features and its Inception Score for the
generator, for real held-out images (the ceiling) and for the untrained
generator (the floor).

Course flags: ``--set model.beta_1=0.9`` (Keras' default Adam: watch the
grids oscillate), ``--set model.dropout=0`` (a discriminator that wins
outright), ``--set model.latent_dim=2``.
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import DataConfig, RecipeConfig, TrainConfig
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe
from keras_recipes.tasks.gan import GanTask


@dataclass
class DCGANConfig:
    latent_dim: int = 100  # length of the noise vector z ~ N(0, I)
    generator_width: int = 64  # channels of G's last hidden stage (4w, 2w, w)
    discriminator_width: int = 64  # channels of D's first conv (w, 2w)
    dropout: float = 0.3  # in D, after each LeakyReLU
    beta_1: float = 0.5  # Adam's first-moment decay for both players (DCGAN sec. 4)
    sample_grid: int = 64  # images in each per-epoch grid


def build_model(cfg: RecipeConfig, info):
    from keras_recipes.layers import dcgan_discriminator, dcgan_generator
    from keras_recipes.tasks.gan_model import GAN

    m = cfg.model
    generator = dcgan_generator(m.latent_dim, info.image_shape, width=m.generator_width)
    discriminator = dcgan_discriminator(info.image_shape, width=m.discriminator_width,
                                        dropout=m.dropout)
    return GAN(generator, discriminator, seed=cfg.runtime.seed, name="dcgan")


@register_recipe(
    "mnist-dcgan",
    build_model=build_model,
    task=GanTask,
    problem="image generation (GAN)",
    dataset="MNIST",
    model="DCGAN (G 2.3M, D 0.21M)",
    params="2.5M",
    reference="DCGAN (Radford et al. 2016); judged by an mnist-cnn classifier's FD and IS",
    presets={
        # <= 20 minutes on 2 CPU cores: half-width players, 64-d noise, 12 epochs.
        "cpu": {"model.latent_dim": 64, "model.generator_width": 32,
                "model.discriminator_width": 32, "train.epochs": 12},
        "tiny": tiny({"model.latent_dim": 8, "model.generator_width": 4,
                      "model.discriminator_width": 4, "model.sample_grid": 4}),
    },
)
def mnist_dcgan() -> RecipeConfig:
    """DCGAN on MNIST digits: generator and discriminator, two Adams, one step."""
    return RecipeConfig(
        model=DCGANConfig(),
        # No validation split: no model is chosen by a held-out score (a
        # GAN's losses do not rank its samples); evaluation reads the test split.
        data=DataConfig(source="tfds:mnist", kind="image", image_size=28, channels=1,
                        val_fraction=0.0),
        train=TrainConfig(epochs=30, batch_size=128, optimizer="adam", lr=2e-4, momentum=0.0,
                          monitor="g_loss"),
    )
