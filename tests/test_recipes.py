"""The built-in recipes: what `recipes list` claims, and the text recipes'
raw-string round trips."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes import export, get_recipe, list_recipes, rundir
from keras_recipes.modeling import DataInfo
from tests_support.serving_runs import TEXT_OVERRIDES, train
from tests_support.toy_data import toy_texts


def declared_params(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([kM])", text).groups()
    return float(number) * {"k": 1e3, "M": 1e6}[unit]


@pytest.mark.parametrize("name", ["cifar-resnet", "imdb-lstm", "imdb-gru", "imdb-cnn"])
def test_listed_parameter_count_matches_the_built_model(name):
    recipe = get_recipe(name)
    cfg = recipe.config()
    if cfg.data.kind == "image":
        info = DataInfo(kind="image", num_classes=10, image_shape=(32, 32, 3))
    else:
        info = DataInfo(kind="text", num_classes=2, vocab_size=cfg.data.vocab_size,
                        sequence_length=cfg.data.sequence_length)
    model = recipe.build_model(cfg, info)
    assert model.count_params() == pytest.approx(declared_params(recipe.params), rel=0.05)


def test_every_recipe_names_its_reference_result():
    for recipe in list_recipes():
        assert recipe.reference and recipe.task and recipe.dataset and recipe.model


def test_cifar_resnet_defaults_are_the_papers():
    cfg = get_recipe("cifar-resnet").config()
    t = cfg.train
    assert (cfg.model.depth, t.batch_size, t.optimizer, t.lr, t.momentum, t.weight_decay) == \
        (20, 128, "sgd", 0.1, 0.9, 1e-4)
    # 64k iterations of batch 128 over 45k images; lr / 10 at 32k and 48k.
    steps_per_epoch = int(np.ceil(45_000 / 128))
    assert abs(t.epochs * steps_per_epoch - 64_000) < steps_per_epoch
    assert t.schedule == "step" and t.decay_at == [0.5, 0.75] and t.decay_factor == 0.1
    assert cfg.augment.preset == "cifar" and cfg.data.val_fraction == 0.1


HARD_TEXTS = ["a good film", "", "\ufffd\ufffd caf\xe9 awful", "word " * 5000]


@pytest.mark.parametrize("recipe", ["imdb-lstm", "imdb-gru"])
def test_text_models_round_trip_raw_strings(recipe, tmp_path):
    texts, labels = toy_texts()
    texts[0] += " caf\x85 line\u2028break"  # tokens Keras' vocabulary file cannot hold
    run_dir = train(tmp_path / "run", recipe, TEXT_OVERRIDES, data=(texts, labels))
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    raw = tf.constant([t.encode("utf-8") for t in HARD_TEXTS] + [b"\xff\xfe not utf-8 \xc3"])
    expected = np.asarray(model(raw))
    assert expected.shape == (5, 2) and np.isfinite(expected).all()
    # Save / load of the .keras archive.
    model.save(tmp_path / "again.keras")
    reloaded = keras.saving.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(np.asarray(reloaded(raw)), expected, atol=1e-5, rtol=0)
    # The SavedModel serves the same strings without any Python preprocessing.
    result = export(run_dir, format="saved_model", output=tmp_path / "sm", checkpoint="final",
                    verbose=False)
    serve = tf.saved_model.load(str(result.path)).signatures["serving_default"]
    # 1e-4: the export check's own bound. On an AVX512_BF16 EPYC with oneDNN the
    # SavedModel and Keras paths differ by 2-5e-5 in float32 (GRU already at c534738).
    np.testing.assert_allclose(serve(text=raw)["probabilities"].numpy(), expected, atol=1e-4, rtol=0)
