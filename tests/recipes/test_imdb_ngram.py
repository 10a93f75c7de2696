"""imdb-ngram's Naive Bayes scaling through the engine: the ratio fitted in
the task's prepare step on the training bags only, saved with the run (and
so in every export), taken from the backup on resume, and the switch off."""

import keras
import numpy as np
import pytest

from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.datasets import load_splits
from keras_recipes.errors import ConfigError
from keras_recipes.layers import NaiveBayesScaling, naive_bayes_ratio
from keras_recipes.recipes._naive_bayes import NaiveBayesTask
from keras_recipes.registry import get_recipe
from keras_recipes.tasks import DataInfo, RunFiles
from tests_support.serving_runs import train
from tests_support.toy_data import toy_texts

OVERRIDES = ["model.hidden_units=4", "data.vocab_size=200", "data.val_fraction=0.25",
             "train.batch_size=16", "runtime.precision=float32"]


def config(*extra):
    return C.apply_overrides(get_recipe("imdb-ngram").config(), [*OVERRIDES, *extra])


def splits_of(cfg, data):
    d = cfg.data
    return load_splits(data, kind="text", val_fraction=d.val_fraction, seed=cfg.runtime.seed,
                       val_split=d.val_split, progress=False)


def test_the_ratio_is_fitted_on_the_training_bags_and_saved(tmp_path):
    cfg, data = config(), toy_texts(48)
    train(tmp_path / "r", "imdb-ngram", OVERRIDES, data=data)
    model = keras.saving.load_model(tmp_path / "r" / rundir.FINAL_MODEL)
    (layer,) = [l for l in model._flatten_layers() if isinstance(l, NaiveBayesScaling)]
    ratio = layer.ratio.numpy()
    vectorize = model.get_layer("vectorize")
    splits = splits_of(cfg, data)
    texts, labels = zip(*splits.train.as_numpy_iterator())
    expected = naive_bayes_ratio(vectorize(np.array(texts)), np.array(labels))
    np.testing.assert_allclose(ratio, keras.ops.convert_to_numpy(expected), rtol=1e-5, atol=1e-6)
    # The toy's first word gives the class: "good" leans to class 1, "bad" to class 0.
    vocabulary = vectorize.get_vocabulary()
    assert ratio[vocabulary.index("good")] > 1.0 and ratio[vocabulary.index("bad")] < -1.0


def test_a_resumed_run_takes_the_ratio_from_its_backup(tmp_path):
    cfg, data = config(), toy_texts(48)
    task = NaiveBayesTask(cfg, get_recipe("imdb-ngram"))
    splits = splits_of(cfg, data)
    task.prepare(splits, RunFiles(tmp_path))
    assert task.ratio is not None and task.ratio.shape == (task.vectorizer.vocabulary_size(),)
    task.prepare(splits, RunFiles(tmp_path, resume=True))  # the vocabulary from the run dir
    assert task.ratio is None  # build() leaves the layer for the backup to fill


def test_the_switch_off_is_the_plain_bag_model():
    recipe = get_recipe("imdb-ngram")
    info = DataInfo(kind="text", num_classes=2, vocab_size=50)

    def names(cfg):
        return [type(layer).__name__ for layer in recipe.build_model(cfg, info).layers]

    assert "NaiveBayesScaling" in names(config())
    assert names(config("model.nb_scaling=false")) == ["InputLayer", "Dense", "Dropout", "Dense"]
    with pytest.raises(C.ConfigError, match="`model.nb_alpha` must be > 0; received 0.0"):
        config("model.nb_alpha=0")


def test_more_than_two_classes_need_the_switch_off(tmp_path):
    texts, _ = toy_texts(30)
    data = (texts, np.arange(30) % 3)
    cfg = config()
    task = NaiveBayesTask(cfg, get_recipe("imdb-ngram"))
    with pytest.raises(ConfigError, match="model.nb_scaling needs two classes.*has 3"):
        task.prepare(splits_of(cfg, data), RunFiles(tmp_path))
