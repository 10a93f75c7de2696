"""Images side by side in one PNG: how generative runs show their samples
(sample grids per epoch, noisy / denoised / clean triplets, a VAE's latent
manifold)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def to_uint8(images) -> np.ndarray:
    """uint8 images as they are; float images in [0, 1] scaled and rounded."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images
    return np.clip(np.round(images.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)


def image_grid(images, columns: int | None = None, pad: int = 2, background: int = 255) -> np.ndarray:
    """Tile images ``[N, H, W, C]`` (uint8, or floats in [0, 1]) into one uint8
    ``[rows*(H+pad)-pad, columns*(W+pad)-pad, C]`` image, row by row;
    ``columns`` defaults to the smallest square grid."""
    images = to_uint8(images)
    if images.ndim != 4 or not len(images):
        raise ValueError(f"expected images [N, H, W, C]; received shape {images.shape}")
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, c), background, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[r * (h + pad):r * (h + pad) + h, col * (w + pad):col * (w + pad) + w] = image
    return grid


def save_image(image, path, scale: int = 2) -> Path:
    """Write one image ``[H, W, C]`` (uint8 or floats in [0, 1]) as a PNG,
    enlarged ``scale`` times without smoothing (28x28 digits are unreadable
    at 1:1)."""
    from PIL import Image

    pixels = to_uint8(image)
    picture = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        picture.save(path)
    except ValueError as err:  # PIL: "unknown file extension"
        from keras_recipes.errors import RecipeError

        raise RecipeError(f"cannot write an image to {path} ({err}): name a .png or .jpg "
                          "file, or a folder") from None
    return path


def save_grid(images, path, columns: int | None = None, scale: int = 2) -> Path:
    """``save_image(image_grid(images, columns), path, scale)``."""
    return save_image(image_grid(images, columns), path, scale)
