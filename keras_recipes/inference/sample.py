"""``sample``: draw from a trained generative run, as its task defines it
(``Task.sample``): a grid of generated images, noisy / denoised / clean
triplets, a latent-space manifold. Classifier runs have nothing to sample.

Example:

>>> import keras_recipes as kr
>>> kr.sample("runs/vae", n=64, seed=0)["files"]
{'grid': 'runs/vae/samples.png'}
"""

from __future__ import annotations

from pathlib import Path

from keras_recipes.inference.run import load_run

DEFAULT_NAME = "samples.png"


def image_path(output):
    """Where ``output`` asks the samples to go: a folder (existing, or a name
    without an extension) gets ``samples.png`` inside it; None stays None
    (the task's own file in the run directory)."""
    if output is None:
        return None
    output = Path(output)
    return output / DEFAULT_NAME if output.is_dir() or not output.suffix else output


def sample(run_dir, n: int = 64, *, output=None, checkpoint: str = "best", seed: int = 0,
           verbose: bool = True, **options) -> dict:
    """Draw ``n`` samples from the run in ``run_dir`` and write them to ``output``
    (default: in the run directory); returns what the task wrote and measured."""
    from keras_recipes.errors import RecipeError

    if n < 1:
        raise RecipeError(f"n must be at least 1; received {n}")
    output = image_path(output)
    run = load_run(run_dir, checkpoint)
    return run.task.sample(run, n, output=output, seed=seed, verbose=verbose, **options)
