"""A new recipe is one file: registering it is all the recipe tests need.

The toy here is a non-recurrent sequence classifier (embedding, global
average pooling, dense), declared the way a user's recipe module would; the
registry-driven tests of test_recipes.py and test_recipe_precision.py take
it as one more parameter, without any edit.
"""

from dataclasses import dataclass

import pytest

from keras_recipes.config import DataConfig, RecipeConfig, TrainConfig
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe, unregister_recipe
from tests_support.recipe_cases import recipe_names

# The test modules themselves (pytest puts their folder on sys.path).
import test_recipe_precision
import test_recipes

NAME = "toy-bag-of-embeddings"


@dataclass
class BagOfEmbeddingsConfig:
    embed_dim: int = 16


def build_model(cfg, info):
    import keras

    tokens = keras.Input((info.sequence_length,), dtype="int64", name="tokens")
    x = keras.layers.Embedding(info.vocab_size, cfg.model.embed_dim, name="embed")(tokens)
    x = keras.layers.GlobalAveragePooling1D(name="pool")(x)
    outputs = keras.layers.Dense(info.num_classes, activation="softmax", dtype="float32",
                                 name="classifier")(x)
    return keras.Model(tokens, outputs, name="bag_of_embeddings")


def defaults() -> RecipeConfig:
    """Averaged word embeddings and a softmax (fastText without n-grams)."""
    return RecipeConfig(
        model=BagOfEmbeddingsConfig(),
        data=DataConfig(source="", kind="text", vocab_size=200, sequence_length=16,
                        val_fraction=0.25),
        train=TrainConfig(epochs=2, batch_size=16, optimizer="adam", lr=1e-2),
    )


def register():
    register_recipe(NAME, build_model=build_model, problem="text classification",
                    dataset="synthetic", num_classes=2, model="embedding + average + dense",
                    params="3.2k", reference="none",
                    presets={"tiny": tiny({"model.embed_dim": 8})})(defaults)
    return NAME


@pytest.fixture
def new_recipe():
    yield register()
    unregister_recipe(NAME)


def test_the_registry_driven_recipe_tests_take_a_newly_registered_recipe(tmp_path):
    assert NAME not in recipe_names()
    new_recipe = register()
    try:
        run_the_recipe_tests(new_recipe, tmp_path)
    finally:
        unregister_recipe(NAME)


def run_the_recipe_tests(new_recipe, tmp_path):
    assert new_recipe in recipe_names()  # what the recipe tests are parametrised with
    # Each registry-driven test, run on the new recipe as pytest would.
    test_recipes.test_listed_parameter_count_matches_the_built_model(new_recipe)
    test_recipes.test_every_recipe_declares_a_tiny_preset(new_recipe)
    test_recipes.test_every_recipe_trains_its_tiny_preset_from_the_cli(new_recipe, tmp_path)
    assert (new_recipe, "mixed_bfloat16") in [
        (name, policy) for name in recipe_names() for policy in ("mixed_float16", "mixed_bfloat16")]
    test_recipe_precision.test_recipe_model_under_each_precision(new_recipe, "mixed_bfloat16")


def test_a_recipe_without_a_tiny_preset_fails_the_recipe_tests(new_recipe, monkeypatch):
    import dataclasses

    from keras_recipes.registry import _REGISTRY

    monkeypatch.setitem(_REGISTRY, new_recipe, dataclasses.replace(_REGISTRY[new_recipe], presets={}))
    with pytest.raises(AssertionError, match="declares no `tiny` preset"):
        test_recipes.test_every_recipe_declares_a_tiny_preset(new_recipe)
