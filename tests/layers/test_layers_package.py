"""The package as users see it: exports, docs, registration, no TensorFlow."""

import ast
import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path

import keras
import pytest

import keras_recipes.layers as layers_pkg

LAYERS_DIR = Path(layers_pkg.__file__).parent
SOURCES = sorted(LAYERS_DIR.glob("*.py"))
MODULES = ["keras_recipes.layers"] + [
    f"keras_recipes.layers.{m.name}" for m in pkgutil.iter_modules([str(LAYERS_DIR)])
]
PUBLIC = ["AlternatingFlip", "BatchNorm", "Binarize", "ClippedGaussianNoise", "ConvBNReLU",
          "ConvPoolBN", "Dirac", "DropPath", "GaussianSampling", "HorizontalFlip",
          "NaiveBayesScaling", "PatchWhitening", "ResidualBlock", "SequencePooling", "Shift", "SqueezeExcite",
          "VGGBlock", "airbench_cifar", "class_feature_sums", "dcgan_discriminator", "dcgan_generator",
          "log_count_ratio", "naive_bayes_ratio",
          "patch_whitening_kernel", "plain_cifar", "resnet_cifar"]


def _called_name(call):
    return getattr(call.func, "attr", getattr(call.func, "id", ""))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_tensorflow_import(path):
    """layers/ is pure keras.ops: it must run on JAX (and torch) too."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Call) and _called_name(node) in ("import_module", "__import__"):
            names = [a.value for a in node.args if isinstance(a, ast.Constant)]
        else:
            continue
        for name in names:
            assert str(name).split(".")[0] not in ("tensorflow", "tf_keras"), (
                f"{path.name}:{node.lineno} imports {name}"
            )


# Raised for an argument out of range; a ValueError, as Keras' own layers raise.
ERRORS = ["ArgumentError"]


def test_public_api():
    assert sorted(layers_pkg.__all__) == sorted(PUBLIC + ERRORS)
    assert issubclass(layers_pkg.ArgumentError, ValueError)
    for name in PUBLIC:
        obj = getattr(layers_pkg, name)
        assert obj.__doc__ and "Example" in obj.__doc__, f"{name} lacks a usage example"
        if inspect.isclass(obj):
            # layers, and the initializer of airbench's convs (Dirac)
            assert issubclass(obj, (keras.layers.Layer, keras.initializers.Initializer))
            assert keras.saving.get_registered_name(obj) == f"keras_recipes>{name}"
            assert keras.saving.get_registered_object(f"keras_recipes>{name}") is obj
            # one public class per file, named for it in snake case
            assert obj.__module__.rsplit(".", 1)[-1].replace("_", "") == name.lower()


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(mod, module, globs={"keras": keras, **vars(layers_pkg)}):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0


LOAD_AFTER_IMPORT = r"""
import sys
import keras_recipes
assert "tensorflow" not in sys.modules and "keras" not in sys.modules, "import keras_recipes stays light"
import keras
model = keras.saving.load_model(sys.argv[1])
print(type(model.layers[-1]).__name__)
"""
LOAD_KERAS_FIRST = r"""
import sys
import keras
import keras_recipes
print(type(keras.saving.load_model(sys.argv[1]).layers[-1]).__name__)
"""


@pytest.mark.parametrize("code", [LOAD_AFTER_IMPORT, LOAD_KERAS_FIRST], ids=["keras-later", "keras-first"])
def test_import_keras_recipes_is_enough_to_load_a_model_of_our_layers(code, tmp_path):
    """A user's own model built from our layers loads in a fresh process after
    `import keras_recipes` alone, whether Keras is imported before or after."""
    import subprocess
    import sys

    from keras_recipes.layers import ConvBNReLU, ResidualBlock

    inputs = keras.Input((8, 8, 3))
    outputs = ResidualBlock(4)(ConvBNReLU(4, 3)(inputs))
    path = tmp_path / "mine.keras"
    keras.Model(inputs, outputs).save(path)
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "ResidualBlock"
