"""Run code around the first import of a module, without importing it now.

Two things must happen when TensorFlow or Keras is first imported, and not
before (`recipes --help` must not pay seconds for TensorFlow):

- our layers register with Keras right after Keras loads, so that
  `keras.saving.load_model` finds them after `import keras_recipes` alone
  (as `import keras_hub` does for its layers);
- on the command line, TensorFlow's C++ start-up log (oneDNN notices, CUDA
  probes, printed before its logging is configured, so TF_CPP_MIN_LOG_LEVEL
  does not hide it) is held back while TensorFlow loads.

`around_first_import(name, wrapper)` wraps the loading of the top-level
module ``name`` in ``wrapper(load)``; when the module is already loaded,
``wrapper`` runs at once with a no-op ``load``.

Why an import hook, the smallest one that works: Python has no post-import
callback, and Keras finds a class it was not told about only in its own
packages (``keras``, ``keras_hub``, ...), so our layers must be registered
before ``load_model`` runs, yet importing them at ``import keras_recipes``
would import TensorFlow. One finder on ``sys.meta_path``, removed at its
first use, and a loader proxy that calls the real loader are all it takes;
nothing else in the import system changes.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import sys
import tempfile


class _WrapFirstImport(importlib.abc.MetaPathFinder):
    def __init__(self, name, wrapper):
        self.name = name
        self.wrapper = wrapper

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # one shot; find_spec below must not find us again
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _LoaderProxy(spec.loader, self.wrapper)
        return spec


class _LoaderProxy(importlib.abc.Loader):
    """Per-spec proxy: the wrapped loader object may be shared."""

    def __init__(self, loader, wrapper):
        self._loader = loader
        self._wrapper = wrapper

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._wrapper(lambda: self._loader.exec_module(module))

    def __getattr__(self, name):  # get_resource_reader, is_package, ...
        return getattr(self._loader, name)


def around_first_import(name: str, wrapper) -> None:
    if name in sys.modules:
        wrapper(lambda: None)
        return
    sys.meta_path.insert(0, _WrapFirstImport(name, wrapper))


def register_layers_with_keras() -> None:
    def load_then_register(load):
        load()
        __import__("keras_recipes.layers")

    around_first_import("keras", load_then_register)


@contextlib.contextmanager
def native_stderr_held_back():
    """Hold back what is written to file descriptor 2 (C++ libraries log
    there directly) while the block runs; replay it if the block fails."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                sink.seek(0)
                os.write(2, sink.read())


_QUIET = False  # set by quiet_tensorflow_startup (the command line)


def quiet_native_log():
    """native_stderr_held_back() on the command line, else a no-op: for the
    places where TensorFlow probes hardware and logs CUDA errors (cuInit)."""
    return native_stderr_held_back() if _QUIET else contextlib.nullcontext()


def quiet_tensorflow_startup() -> None:
    """Hold back TensorFlow's C++ log while it loads (for the command line)."""
    global _QUIET
    _QUIET = True

    def load_quietly(load):
        with native_stderr_held_back():
            load()

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # later C++ INFO/WARNING lines
    around_first_import("tensorflow", load_quietly)
