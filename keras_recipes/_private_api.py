"""The private Keras and TensorFlow APIs keras-recipes still needs, in one place.

Each has no public equivalent today; a release may remove or rename it without
notice. tests/test_private_api.py imports every symbol in ``PRIVATE_SYMBOLS``
and fails naming the one that is gone, so an upgrade breaks there, loudly,
and not in a user's training run. Each function says which public API would
replace it.

Replaced by public APIs already (keep them out of here): ``model._flatten_layers``
where a walk over ``Model.layers`` reaches (see ``sublayers``), ``layer._inbound_nodes``
(``Model.get_config``),
``keras.src.export.tf2onnx_lib`` (tf2onnx >= 1.17 supports NumPy 2 itself).
"""

from __future__ import annotations

# Where each symbol lives: "module:attribute" (attribute of the module), or
# "keras.Model():attribute" (an attribute every TensorFlow-backend model has).
PRIVATE_SYMBOLS = (
    "tensorflow.python.util._pywrap_util_port:IsMklEnabled",
    "keras.Model():_distribute_strategy",
    "keras.Model():_flatten_layers",
)


def onednn_enabled() -> bool | None:
    """Whether the loaded TensorFlow runs its oneDNN (MKL) CPU kernels; None
    when this build cannot say.

    Public replacement: none yet (``tf.sysconfig.get_build_info()`` reports
    how TensorFlow was built, not whether ``TF_ENABLE_ONEDNN_OPTS`` took).
    """
    try:
        from tensorflow.python.util import _pywrap_util_port
    except ImportError:
        return None
    return bool(_pywrap_util_port.IsMklEnabled())


def unpin_distribute_strategy(model) -> None:
    """Make ``model.fit`` take its strategy from the surrounding
    ``strategy.scope()`` instead of the one pinned when the model was built,
    which skips Keras' symbolic build that breaks multi-worker training
    (keras-team/keras#20585; see runtime/multi_worker.py).

    Public replacement: a fix of that issue (then this call can go), or a
    public setter for ``Model.distribute_strategy``.
    """
    model._distribute_strategy = None


def sublayers(layer, of_type=None) -> list:
    """Every layer inside ``layer`` at any depth, also those a custom layer
    builds itself (e.g. the batch norm inside ``ConvPoolBN``), which a walk
    over ``Model.layers`` does not reach; only instances of ``of_type`` (a
    class or tuple of classes) when given.

    Public replacement: none yet (Keras 3 lists only a model's direct layers).
    """
    found = layer._flatten_layers(include_self=False, recursive=True)
    return [sub for sub in found if of_type is None or isinstance(sub, of_type)]
