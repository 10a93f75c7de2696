"""The registry refuses duplicates and suggests the closest name."""

import pytest

from keras_recipes import get_recipe, list_recipes, register_recipe
from keras_recipes.config import RecipeConfig
from keras_recipes.errors import UnknownRecipeError
from keras_recipes.registry import unregister_recipe


def test_builtin_recipes_are_listed():
    names = [r.name for r in list_recipes()]
    assert "cifar-resnet" in names and names == sorted(names)


def test_unknown_name_suggests_closest():
    with pytest.raises(UnknownRecipeError) as err:
        get_recipe("cifar-resnt")
    assert "did you mean `cifar-resnet`?" in str(err.value).lower()
    assert "known recipes: " in str(err.value)


def test_duplicate_registration_raises():
    def defaults():
        return RecipeConfig()

    register_recipe("dup-test", build_model=lambda cfg, info: None)(defaults)
    try:
        with pytest.raises(ValueError, match="already registered"):
            register_recipe("dup-test", build_model=lambda cfg, info: None)(defaults)
    finally:
        unregister_recipe("dup-test")


def test_config_carries_recipe_name():
    assert get_recipe("cifar-resnet").config().recipe == "cifar-resnet"


def test_builtin_recipes_come_through_the_entry_point_group():
    """The engine finds its own recipes as it finds a user's package's: through
    the `keras_recipes.recipes` entry points, not by importing them by name."""
    from keras_recipes.named_registry import _entry_points

    assert "keras_recipes.recipes" in [e.value for e in _entry_points("keras_recipes.recipes")]
    assert "keras_recipes.studies" in [e.value for e in _entry_points("keras_recipes.studies")]


def test_an_installed_package_registers_through_its_entry_point(tmp_path, monkeypatch):
    from importlib import metadata

    from keras_recipes import named_registry
    from keras_recipes.named_registry import NamedRegistry

    shapes = NamedRegistry("shape", group="test_shapes")
    (tmp_path / "my_shapes.py").write_text(
        "from tests_registry_shapes import SHAPES\nSHAPES.add('hexagon', 6)\n")
    import sys
    import types

    monkeypatch.setitem(sys.modules, "tests_registry_shapes", types.SimpleNamespace(SHAPES=shapes))
    monkeypatch.syspath_prepend(str(tmp_path))
    entry = metadata.EntryPoint(name="mine", value="my_shapes", group="test_shapes")
    monkeypatch.setattr(named_registry, "_entry_points",
                        lambda group: [entry] if group == "test_shapes" else [])
    assert shapes.lookup("hexagon") == 6

    empty = NamedRegistry("shape", group="nothing_declares_this")
    with pytest.raises(Exception, match="no shapes are installed.*reinstall"):
        empty.entries()
