"""keras-recipes: ready-made, proven Keras deep-learning recipes.

Light names (configs, registry) import instantly; the engine, which imports
TensorFlow, loads on first use.

Example:

>>> import keras_recipes as kr
>>> cfg = kr.get_recipe("cifar-resnet").config()
>>> metrics = kr.run(cfg, "runs/demo", smoke=True)
"""

from keras_recipes.runtime.onednn import prefer_onednn

prefer_onednn()  # before anything imports TensorFlow: it reads the switch once

from keras_recipes._import_hooks import register_layers_with_keras  # noqa: E402

# `keras.saving.load_model` then finds our layers after `import keras_recipes`
# alone, without this import paying for TensorFlow.
register_layers_with_keras()

from keras_recipes._version import __version__  # noqa: E402
from keras_recipes.config import RecipeConfig  # noqa: E402
from keras_recipes.errors import ConfigError, RecipeError, RunDirError, UnknownRecipeError  # noqa: E402
from keras_recipes.registry import get_recipe, list_recipes, register_recipe  # noqa: E402

_LAZY = {
    "Trainer": "keras_recipes.training.trainer",
    "run": "keras_recipes.training.trainer",
    "resume": "keras_recipes.training.trainer",
    "DataInfo": "keras_recipes.tasks",
    "evaluate": "keras_recipes.inference.evaluate",
    "predict": "keras_recipes.inference.predict",
    "export": "keras_recipes.inference.export",
    "sample": "keras_recipes.inference.sample",
    "generate": "keras_recipes.inference.generate",
    "ExportError": "keras_recipes.inference.run",
    "InputError": "keras_recipes.inference.run",
    "tune": "keras_recipes.tuning.search",
    "compare": "keras_recipes.rundir.comparison",
    "study": "keras_recipes.experiments.runner",
    "report_study": "keras_recipes.experiments.runner",
    "list_studies": "keras_recipes.experiments.spec",
}

__all__ = [
    "__version__", "RecipeConfig", "ConfigError", "RecipeError", "RunDirError",
    "UnknownRecipeError", "get_recipe", "list_recipes", "register_recipe", *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'keras_recipes' has no attribute {name!r}")
