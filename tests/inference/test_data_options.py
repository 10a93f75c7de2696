"""Evaluation reads data as training did: one mapping from the config's data
section to `load_splits`, and one refusal of a config without data."""

import pytest

from keras_recipes import datasets
from keras_recipes.config import DataConfig
from keras_recipes.errors import ConfigError
from keras_recipes.inference import data as inference_data
from keras_recipes.inference.run import LoadedRun


def _run(tmp_path, data):
    return LoadedRun(run_dir=tmp_path, model_path=tmp_path / "model.keras", checkpoint="best",
                     model=None, precision="float32", data=data, kind="image",
                     image_shape=(8, 8, 1), class_names=["a", "b"])


def test_evaluation_loads_with_the_options_training_used(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(datasets, "load_splits", lambda source, **kw: seen.update(kw))
    data = DataConfig(source="x", strict=True, val_split="blocks", data_dir="/tfds",
                      train_examples=10, image_size=32, channels=3)
    inference_data._load(_run(tmp_path, data), "some/folder", 0.1, seed=3)
    training = data.load_options(3)
    for key in ("strict", "val_split", "data_dir", "sequence_length", "seed", "val_fraction"):
        assert seen[key] == training[key], key
    # What differs, and why: the trained model's input shape, and every held-out example.
    assert (seen["image_size"], seen["channels"], seen["train_examples"]) == ((8, 8), 1, None)
    assert seen["class_names"] == ["a", "b"] and seen["progress"] is False


def test_a_run_without_a_data_source_is_refused_as_training_refuses_it(tmp_path):
    with pytest.raises(ConfigError, match="data.source is empty.*trained on in-memory data.*--data"):
        inference_data.evaluation_split(_run(tmp_path, DataConfig(source="")))
