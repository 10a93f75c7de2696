"""The recipes: what `recipes list` claims and that each trains, for every
registered recipe (tests_support.recipe_cases), then each recipe's own
checks (the text recipes' raw-string round trips)."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf
from click.testing import CliRunner

from keras_recipes import config as C
from keras_recipes import export, get_recipe, list_recipes, rundir
from keras_recipes.cli.main import cli
from keras_recipes.datasets import augmentation
from keras_recipes.tasks import DataInfo
from tests_support.recipe_cases import built_models, recipe_names
from tests_support.serving_runs import TEXT_OVERRIDES, shared_run, train
from tests_support.toy_data import toy_texts


def declared_params(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([kM])", text).groups()
    return float(number) * {"k": 1e3, "M": 1e6}[unit]


def image_info(cfg, num_classes=10) -> DataInfo:
    """What the trainer tells build_model about the recipe's own images."""
    d = cfg.data
    return DataInfo(kind="image", num_classes=num_classes,
                    image_shape=(d.image_size, d.image_size, d.channels))


# -- every registered recipe: a new recipe is tested here without editing a test --------

@pytest.mark.parametrize("name", recipe_names())
def test_listed_parameter_count_matches_the_built_model(name):
    recipe = get_recipe(name)
    params = sum(model.count_params() for model in built_models(recipe.config(), recipe))
    assert params == pytest.approx(declared_params(recipe.params), rel=0.05)


@pytest.mark.parametrize("name", recipe_names())
def test_every_recipe_declares_a_tiny_preset(name):
    """Seconds on a CPU: one epoch of a few small batches of a small model."""
    recipe = get_recipe(name)
    assert "tiny" in recipe.presets, f"{name} declares no `tiny` preset (recipes/_tiny.py)"
    cfg = recipe.config(preset="tiny")
    assert cfg.train.epochs == 1 and cfg.train.steps_per_epoch <= 8 and cfg.train.batch_size <= 16
    assert sum(model.count_params() for model in built_models(cfg, recipe)) < 50_000


@pytest.mark.parametrize("name", recipe_names())
def test_every_recipe_trains_its_tiny_preset_from_the_cli(name, tmp_path):
    # float32: `auto` picks bfloat16 on some CPUs only; test_recipe_precision.py
    # trains every recipe's tiny model under the mixed policies.
    result = CliRunner().invoke(cli, ["run", name, "--preset", "tiny", "--smoke", "-q",
                                      "--precision", "float32", "--output", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "smoke check passed" in result.output
    assert (tmp_path / "r" / rundir.FINAL_MODEL).is_file()


def test_every_recipe_names_its_reference_result():
    for recipe in list_recipes():
        assert recipe.reference and recipe.problem and recipe.dataset and recipe.model


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


def test_cifar_plain_trains_exactly_like_cifar_resnet():
    plain, resnet = get_recipe("cifar-plain").config(), get_recipe("cifar-resnet").config()
    assert (plain.data, plain.augment, plain.train) == (resnet.data, resnet.augment, resnet.train)
    assert (plain.model.depth, plain.model.width) == (resnet.model.depth, resnet.model.width)


def test_cifar_plain_has_no_shortcuts_and_rejects_other_depths():
    recipe = get_recipe("cifar-plain")
    cfg = C.apply_overrides(recipe.config(), ["model.depth=56"])
    model = recipe.build_model(cfg, image_info(cfg))
    assert model.name == "plain56"
    assert not any(isinstance(layer, keras.layers.Add) for layer in model._flatten_layers())
    with pytest.raises(ValueError, match="6n\\+2"):
        recipe.build_model(C.apply_overrides(recipe.config(), ["model.depth=21"]), image_info(cfg))


def test_mnist_cnn_reads_grayscale_28x28_and_never_flips():
    cfg = get_recipe("mnist-cnn").config()
    assert (cfg.data.source, cfg.data.image_size, cfg.data.channels) == ("tfds:mnist", 28, 1)
    assert len(cfg.data.mean) == len(cfg.data.std) == 1
    aug = augmentation(cfg.augment.preset, image_size=28)
    assert not any(isinstance(layer, keras.layers.RandomFlip) for layer in aug.layers)


@pytest.mark.parametrize("overrides, dense_layers, has_bn, convs", [
    ([], 2, True, 4),
    (["model.batch_norm=false", "model.dropout=0.0", "model.kernel_size=5"], 2, False, 4),
    (["model.convs_per_stage=1"], 2, True, 2),
])
def test_mnist_cnn_course_flags(overrides, dense_layers, has_bn, convs):
    from keras_recipes.layers import ConvBNReLU

    recipe = get_recipe("mnist-cnn")
    cfg = C.apply_overrides(recipe.config(), overrides)
    model = recipe.build_model(cfg, image_info(cfg))
    layers = list(model._flatten_layers())
    assert sum(isinstance(layer, keras.layers.Dense) for layer in layers) == dense_layers
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in layers) == has_bn
    assert sum(isinstance(layer, ConvBNReLU) for layer in layers) == convs
    conv = model.get_layer("conv1").conv
    assert conv.kernel_size == (cfg.model.kernel_size,) * 2
    assert model.get_layer("dropout").rate == cfg.model.dropout


def test_mnist_cnn_lenet_preset_is_the_lessons_model():
    recipe = get_recipe("mnist-cnn")
    default, lenet = recipe.config(), recipe.config(preset="lenet")
    assert (default.model.kernel_size, default.model.convs_per_stage) == (3, 2)
    assert (lenet.model.kernel_size, lenet.model.convs_per_stage, lenet.train.epochs) == (5, 1, 6)
    assert lenet.data == default.data and lenet.augment.preset == default.augment.preset == "digits"
    # its measured regularisation: dropout 0.5, the digits shifts without rotation or zoom
    assert (lenet.model.dropout, lenet.augment.rotate, lenet.augment.zoom) == (0.5, 0.0, 0.0)
    model = recipe.build_model(lenet, image_info(lenet))
    assert model.name == "lenet" and model.count_params() == 455_210
    assert [layer.name for layer in model.layers if layer.name.startswith("conv")] == ["conv1", "conv2"]
    with pytest.raises(ValueError, match="`model.convs_per_stage` must be > 0; received 0"):
        C.apply_overrides(default, ["model.convs_per_stage=0"])  # before any model is built


def test_cifar_vgg_variants():
    recipe = get_recipe("cifar-vgg")
    cfg = recipe.config()
    assert (cfg.train.optimizer, cfg.train.lr, cfg.train.weight_decay, cfg.train.schedule) == \
        ("sgd", 0.1, 5e-4, "cosine")

    def build(*overrides):
        c = C.apply_overrides(cfg, ["model.width=4", *overrides])
        return recipe.build_model(c, image_info(c))

    def convs(model):
        return [layer.conv for layer in model._flatten_layers()
                if isinstance(layer, keras.layers.Layer) and hasattr(layer, "bn")]

    assert {d: len(convs(build(f"model.depth={d}"))) for d in (11, 13, 16, 19)} == \
        {11: 8, 13: 10, 16: 13, 19: 16}  # + the classifier = the depth
    large = convs(build("model.large_filters=true"))  # VGG-16: stages of 2, 2, 3, 3, 3 convs
    assert [c.kernel_size[0] for c in large] == [5, 5, 7, 7, 7]
    plain = build("model.batch_norm=false", "model.dropout=0.3")
    assert plain.name == "vgg16" and plain.get_layer("dropout").rate == 0.3
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for layer in plain._flatten_layers())
    with pytest.raises(ValueError, match="`model.depth` must be one of 11, 13, 16, 19"):
        build("model.depth=12")  # refused when the config resolves
    with pytest.raises(ValueError, match="at least 32x32"):
        recipe.build_model(cfg, DataInfo(kind="image", num_classes=10, image_shape=(16, 16, 3)))


HARD_TEXTS = ["a good film", "", "\ufffd\ufffd caf\xe9 awful", "word " * 5000]


NGRAM_OVERRIDES = ["model.hidden_units=4", "data.vocab_size=200", "data.val_fraction=0.25",
                   "train.batch_size=16"]


@pytest.fixture(scope="module")
def raw_text_run(tmp_path_factory):
    """``(recipe, overrides) -> run_dir``: one trained run per text recipe, on
    texts with tokens Keras' vocabulary file cannot hold."""
    def make(recipe, overrides):
        texts, labels = toy_texts()
        texts[0] += " caf\x85 line\u2028break"
        # float32: on CPUs with native bfloat16 `auto` trains in mixed_bfloat16, and
        # the float32 export then differs from the bf16 Keras model by ~4e-5.
        return shared_run(tmp_path_factory, f"raw-text-{recipe}", lambda path: train(
            path, recipe, [*overrides, "runtime.precision=float32"], data=(texts, labels)))

    return make


@pytest.mark.parametrize("recipe, overrides", [("imdb-lstm", TEXT_OVERRIDES), ("imdb-gru", TEXT_OVERRIDES),
                                               ("imdb-ngram", NGRAM_OVERRIDES)])
def test_text_models_round_trip_raw_strings(recipe, overrides, raw_text_run, tmp_path):
    run_dir = raw_text_run(recipe, overrides)
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


@pytest.mark.parametrize("pooling, features", [("last", 128), ("max", 128), ("avg_max", 256)])
def test_recurrent_recipes_pool_every_step_or_read_the_last(pooling, features):
    from keras_recipes.layers import SequencePooling

    cfg = C.apply_overrides(get_recipe("imdb-gru").config(), [f"model.pooling={pooling}"])
    info = DataInfo(kind="text", num_classes=2, vocab_size=50, sequence_length=12)
    model = get_recipe("imdb-gru").build_model(cfg, info)
    pools = [layer for layer in model.layers if isinstance(layer, SequencePooling)]
    assert len(pools) == (pooling != "last")
    assert model.get_layer("classifier").input.shape[-1] == features
    assert model.predict(np.ones((2, 12), "int64"), verbose=0).shape == (2, 2)


def test_recurrent_recipes_reject_an_unknown_pooling():
    from keras_recipes.errors import ConfigError

    # Refused when the config resolves, before any data loads.
    with pytest.raises(ConfigError, match="`model.pooling` must be one of last, avg, max, avg_max"):
        C.apply_overrides(get_recipe("imdb-lstm").config(), ["model.pooling=mean"])


def test_imdb_ngram_reads_a_sparse_bag_of_words_and_word_pairs(raw_text_run):
    run_dir = raw_text_run("imdb-ngram", NGRAM_OVERRIDES)  # the round trip's run
    vocabulary = rundir.read_vocabulary(run_dir)
    assert "good" in vocabulary and any(" " in token for token in vocabulary)  # bigrams too
    assert "[UNK]" not in vocabulary and "" not in vocabulary
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    vectorize = model.get_layer("vectorize")
    assert vectorize.get_vocabulary(include_special_tokens=False) == vocabulary
    bag = vectorize(tf.constant(["good good film", ""]))
    assert isinstance(bag, tf.SparseTensor) and bag.shape[1] == len(vocabulary) + 1  # + [UNK]
    # multi-hot: a repeated word counts once
    assert tf.sparse.to_dense(bag).numpy().max() == 1
    # A resumed run rebuilds the same vectorizer from the saved vocabulary.
    from keras_recipes.inference.model_inputs import make_vectorizer

    cfg = C.apply_overrides(get_recipe("imdb-ngram").config(), NGRAM_OVERRIDES)
    again = make_vectorizer(cfg.data, vocabulary=vocabulary)
    np.testing.assert_array_equal(tf.sparse.to_dense(again(tf.constant(["good good film"]))).numpy(),
                                  tf.sparse.to_dense(bag).numpy()[:1])


def test_imdb_ngram_rejects_token_ids_and_negative_widths():
    from keras_recipes.layers import ArgumentError

    recipe = get_recipe("imdb-ngram")
    cfg = C.apply_overrides(recipe.config(), ["data.text_output=int"])
    with pytest.raises(ArgumentError, match="data.text_output must be multi_hot or count"):
        recipe.build_model(cfg, DataInfo(kind="text", num_classes=2, vocab_size=50))
    with pytest.raises(C.ConfigError, match="`model.hidden_units` must be >= 0; received -1"):
        C.apply_overrides(recipe.config(), ["model.hidden_units=-1"])  # before any build


def test_imdb_ngram_linear_head_and_config_checks():
    recipe = get_recipe("imdb-ngram")
    cfg = recipe.config()
    assert (cfg.data.text_output, cfg.data.ngrams, cfg.data.val_split) == ("multi_hot", 3, "blocks")
    assert cfg.model.nb_scaling and cfg.data.vocab_size == 300_000
    linear = recipe.build_model(C.apply_overrides(cfg, ["model.hidden_units=0", "model.nb_scaling=false"]),
                                DataInfo(kind="text", num_classes=2, vocab_size=50))
    assert [type(layer).__name__ for layer in linear.layers] == ["InputLayer", "Dense"]
    with pytest.raises(C.ConfigError, match="data.ngrams` must be >= 1"):
        C.apply_overrides(cfg, ["data.ngrams=0"])
    with pytest.raises(C.ConfigError, match="data.text_output` must be one of int, multi_hot, count"):
        C.apply_overrides(cfg, ["data.text_output=tf_idf"])
