"""``predict``: the top-k classes of a run's model for images or texts.

Images (files, folders of them, or uint8 arrays) are decoded, their channels
checked and they are resized to the model's input size exactly as training
read image folders (see ``_serving_inputs``); texts are strings or .txt
files, fed raw (the model vectorizes them itself).

Example:

>>> import keras_recipes as kr
>>> kr.predict("runs/r20", ["cat.png"], top_k=2)
[{'input': 'cat.png', 'predictions': [{'class': 'cat', 'probability': 0.91},
                                      {'class': 'dog', 'probability': 0.06}]}]
>>> kr.predict("runs/imdb", ["A wonderful, moving film."], top_k=1)
"""

from __future__ import annotations

import os

import numpy as np

from keras_recipes.inference.run import InputError, load_run


def top_k_rows(names, probs, class_names, top_k: int) -> list:
    k = max(1, min(int(top_k), len(class_names)))
    rows = []
    for name, p in zip(names, probs):
        best = np.argsort(-p, kind="stable")[:k]
        rows.append({"input": name, "predictions": [
            {"class": class_names[i], "probability": float(p[i])} for i in best]})
    return rows


def predict(run_dir, inputs, top_k: int = 3, checkpoint: str = "best", *,
            files: bool | None = None, batch_size: int = 256) -> list:
    """Top-``top_k`` classes with probabilities for each input, as the run's
    task predicts them (``Task.predict``: classifiers).

    Args:
        run_dir: a finished run directory.
        inputs: image models: image paths and folders, or a uint8 array
            (one image [H, W, C] or a batch [N, H, W, C]); text models:
            strings and/or .txt files. A single path or string may be
            passed on its own.
        top_k: how many classes per input (at most the number of classes).
        checkpoint: ``best`` or ``final``.
        files: text models: True reads every input as a file or a folder of
            .txt files, False takes every input as text, None (default)
            reads the inputs that are existing .txt files.
        batch_size: inputs per model call.

    Returns:
        ``[{"input": name, "predictions": [{"class": c, "probability": p}, ...]}, ...]``
        in input order (folders expanded in sorted order), best class first.

    Raises:
        InputError: a missing or unreadable file, an image with the wrong
            number of channels, no inputs.
    """
    if isinstance(inputs, (str, bytes, os.PathLike)):
        inputs = [inputs]
    if top_k < 1:
        raise InputError(f"top_k must be at least 1; received {top_k}")
    run = load_run(run_dir, checkpoint)
    return run.task.predict(run, inputs, top_k=top_k, files=files, batch_size=batch_size)
