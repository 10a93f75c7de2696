"""Register keras-recipes' layers with Keras as soon as Keras is imported.

`keras.saving.load_model` finds a custom layer only once its class has been
registered, which happens when `keras_recipes.layers` is imported. Users
expect `import keras_recipes` to be enough, as `import keras_hub` is; but
importing the layers imports Keras and with it TensorFlow (seconds), which
`recipes --help` must not pay for. So: if Keras is already imported, import
the layers now; otherwise import them right after Keras is first imported,
through a one-shot import hook on the `keras` module.
"""

from __future__ import annotations

import importlib.abc
import sys

LAYERS = "keras_recipes.layers"


def _register() -> None:
    __import__(LAYERS)


class _AfterKerasImport(importlib.abc.MetaPathFinder):
    """Wraps the loader of the top-level `keras` module so that the layers
    are imported once Keras itself has finished loading."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)  # one shot; also keeps find_spec below from recursing
        import importlib.util

        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            _register()

        # A per-spec proxy: the loader object itself may be shared.
        spec.loader = _LoaderProxy(loader, exec_then_register)
        return spec


class _LoaderProxy(importlib.abc.Loader):
    def __init__(self, loader, exec_module):
        self._loader = loader
        self._exec_module = exec_module

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._exec_module(module)

    def __getattr__(self, name):  # get_resource_reader, is_package, ...
        return getattr(self._loader, name)


def register_layers_with_keras() -> None:
    if "keras" in sys.modules:
        _register()
    elif not any(isinstance(f, _AfterKerasImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterKerasImport())
