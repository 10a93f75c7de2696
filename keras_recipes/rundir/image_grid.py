"""Images side by side in one PNG: how generative runs show their samples."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def image_grid(images, columns: int | None = None, pad: int = 2, background: int = 255) -> np.ndarray:
    """Tile uint8 images ``[N, H, W, C]`` into one ``[rows*(H+pad)-pad, ..., C]``
    image, row by row; ``columns`` defaults to the smallest square grid."""
    images = np.asarray(images)
    if images.ndim != 4 or images.dtype != np.uint8 or not len(images):
        raise ValueError(f"expected uint8 images [N, H, W, C]; received {images.dtype} "
                         f"{images.shape}")
    n, h, w, c = images.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.full((rows * (h + pad) - pad, columns * (w + pad) - pad, c), background, np.uint8)
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        grid[r * (h + pad):r * (h + pad) + h, col * (w + pad):col * (w + pad) + w] = image
    return grid


def save_grid(images, path, columns: int | None = None, scale: int = 2) -> Path:
    """Write ``image_grid(images)`` to ``path`` (PNG), enlarged ``scale`` times
    without smoothing (28x28 digits are unreadable at 1:1)."""
    from PIL import Image

    grid = image_grid(images, columns)
    picture = Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid)
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale), Image.NEAREST)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path)
    return path
