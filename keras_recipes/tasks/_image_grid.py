"""Pictures of a generative run: images in [0, 1] tiled into one PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def tile(images, columns: int, pad: int = 2, fill: float = 1.0) -> np.ndarray:
    """``images`` [N, H, W, C] in [0, 1] -> one [rows*(H+pad)+pad, ...] array,
    row by row, ``columns`` per row, separated by ``pad`` pixels of ``fill``."""
    images = np.asarray(images, np.float32)
    n, h, w, c = images.shape
    rows = -(-n // columns)
    grid = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad, c), fill, np.float32)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + col * (w + pad)
        grid[top:top + h, left:left + w] = image
    return grid


def save_png(array, path, scale: int = 2) -> Path:
    """Write an [H, W, C] array in [0, 1] as a PNG, enlarged ``scale`` times
    (MNIST digits are 28 pixels: too small to judge at 1x)."""
    from PIL import Image

    pixels = np.clip(np.round(np.asarray(array) * 255.0), 0, 255).astype(np.uint8)
    if pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    image = Image.fromarray(pixels)
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.NEAREST)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def save_grid(images, path, columns: int | None = None, scale: int = 2) -> Path:
    """``images`` [N, H, W, C] in [0, 1] as a grid PNG (square by default)."""
    columns = columns or max(1, int(np.ceil(np.sqrt(len(images)))))
    return save_png(tile(images, columns), path, scale)
