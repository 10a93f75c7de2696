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
