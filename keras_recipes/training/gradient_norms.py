"""Per-layer gradient norms: how strongly the loss reaches each layer.

Vanishing gradients are a statement about depth: in a deep stack of
sigmoids the gradient reaching the first layers is orders of magnitude
smaller than the one reaching the last (Glorot & Bengio 2010); ReLUs,
batch norm and residual connections keep it in range. This module measures
that on any compiled Keras model, so a lesson can plot it against depth.

Example:

>>> norms = gradient_norms(model, x, y)       # {"stem/conv": 0.013, ...}, input to output
>>> callback = GradientNorms((x, y), steps=[0, 100, 300], path="runs/a/gradient_norms.json")
>>> model.fit(ds, epochs=2, callbacks=[callback])
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, Iterable

import keras
import numpy as np
import tensorflow as tf


def _kernel_name(variable, model_name: str) -> str:
    """`resnet/stage1_conv1/conv/kernel` -> `stage1_conv1/conv`: the layer a kernel belongs to."""
    path = getattr(variable, "path", variable.name)
    path = path[: -len("/kernel")] if path.endswith("/kernel") else path
    return path[len(model_name) + 1:] if path.startswith(model_name + "/") else path


def data_loss(model: keras.Model, x, y, y_pred, sample_weight=None):
    """The model's compiled loss on the batch, without weight-decay penalties.

    An L2 penalty adds ``wd * w`` to every kernel's gradient: a floor that
    would hide a vanishing gradient (at ``wd = 5e-4`` it is about 1e-3,
    far above a sigmoid stack's 1e-17). A model with one loss (the usual
    ``compile(loss=...)``) is measured on that loss alone; one with several
    or with its own ``compute_loss`` (a VAE) on ``compute_loss`` less the
    model's added losses.
    """
    loss = model.loss
    if loss is not None and not isinstance(loss, (dict, list, tuple)):
        fn = keras.losses.get(loss) if isinstance(loss, str) else loss
        per_example = fn(y, y_pred) if sample_weight is None else fn(y, y_pred, sample_weight)
        return keras.ops.mean(per_example)  # a Loss object has reduced already
    total = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                               training=True)
    penalties = [keras.ops.sum(p) for p in model.losses]
    return total - keras.ops.cast(sum(penalties), total.dtype) if penalties else total


def gradient_norms(model: keras.Model, x, y, sample_weight=None) -> Dict[str, float]:
    """The L2 norm of the loss's gradient with respect to every kernel of ``model``.

    Kernels are the weights of conv and dense layers (biases, batch-norm and
    embedding weights are left out: depth is carried by the kernels). The
    loss is the compiled one on the batch ``(x, y)`` in training mode,
    without weight-decay penalties (``data_loss``). Names run from the
    input to the output in the order the layers were created.

    Raises:
        ValueError: if the model is not compiled or has no kernel.
    """
    if not getattr(model, "compiled", False):
        raise ValueError("gradient_norms needs a compiled model (its loss); call model.compile first")
    kernels = [v for v in model.trainable_weights if getattr(v, "path", v.name).endswith("kernel")]
    if not kernels:
        raise ValueError(f"model {model.name!r} has no trainable kernel to measure")
    with tf.GradientTape() as tape:
        loss = data_loss(model, x, y, model(x, training=True), sample_weight)
    grads = tape.gradient(loss, kernels)
    return {_kernel_name(v, model.name): (float(tf.norm(tf.cast(g, tf.float32)))
                                          if g is not None else 0.0)
            for v, g in zip(kernels, grads)}


class GradientNorms(keras.callbacks.Callback):
    """Records ``gradient_norms`` on one fixed batch at the given training steps.

    Step 0 is the initialised model, before the first update; step N is after
    N updates (``optimizer.iterations``, so a resumed run counts on). The
    result goes to ``path`` as JSON after each measurement (so an interrupted
    run keeps what it measured): ``{"layers": [...], "steps": {"0": [norms in
    layer order], ...}}``; a resumed run adds to the file it finds.

    Args:
        batch: ``(x, y)`` to measure on; the same batch at every step, so the
            numbers differ only because the weights did.
        steps: training steps to measure at.
        path: where the JSON goes (None: only kept in ``self.records``).
    """

    def __init__(self, batch, steps: Iterable[int], path=None):
        super().__init__()
        self.x, self.y = batch
        self.steps = sorted({int(s) for s in steps})
        if any(s < 0 for s in self.steps):
            raise ValueError(f"steps must be >= 0. Received: steps={self.steps}")
        self.path = Path(path) if path is not None else None
        self.layers: list = []
        self.records: Dict[str, list] = {}
        if self.path is not None and self.path.is_file():
            saved = json.loads(self.path.read_text())
            self.layers, self.records = saved.get("layers", []), saved.get("steps", {})

    def _step(self) -> int:
        return int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def _measure(self, step: int) -> None:
        if str(step) in self.records or step not in self.steps:
            return
        norms = gradient_norms(self.model, self.x, self.y)
        self.layers = list(norms)
        self.records[str(step)] = [round(v, 10) for v in norms.values()]
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"layers": self.layers, "steps": self.records}, indent=1))
            os.replace(tmp, self.path)

    def on_train_begin(self, logs=None):
        self._measure(self._step())

    def on_train_batch_end(self, batch, logs=None):
        self._measure(self._step())


def read_gradient_norms(path) -> tuple[list, Dict[int, np.ndarray]]:
    """``(layer names, {step: norms})`` from a ``GradientNorms`` file."""
    saved = json.loads(Path(path).read_text())
    return saved["layers"], {int(k): np.asarray(v) for k, v in saved["steps"].items()}
