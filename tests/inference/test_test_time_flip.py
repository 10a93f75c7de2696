"""augment.test_time=flip: the saved, evaluated and exported classifier
averages its probabilities over each image and its mirror image."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes import config as C
from keras_recipes import export, rundir
from keras_recipes.datasets import load_splits
from keras_recipes.errors import ConfigError
from keras_recipes.registry import get_recipe
from keras_recipes.training.trainer import run
from tests_support.serving_runs import train
from tests_support.toy_data import toy_images, toy_texts


@pytest.fixture(scope="module")
def flip_run(tmp_path_factory):
    x, y = toy_images(80)
    splits = load_splits((x[:64], y[:64]), kind="image", image_size=8, val_fraction=0.25, seed=0)
    test = load_splits((x[64:], y[64:]), kind="image", image_size=8, val_fraction=0.0, seed=0)
    splits.test, splits.counts["test"] = test.train, test.counts["train"]
    # Augmentation inside the model (as on a GPU): the averaging model must not carry it.
    run_dir = train(tmp_path_factory.mktemp("flip") / "run", "toy-cnn", [
        "runtime.precision=float32", "augment.test_time=flip", "augment.preset=cifar",
        "augment.placement=model", "train.epochs=2"], data=splits)
    metrics = json.loads((run_dir / rundir.METRICS).read_text())
    return run_dir, metrics, (x[64:], y[64:])


def test_saved_model_averages_the_image_and_its_mirror(flip_run):
    run_dir, metrics, (x, y) = flip_run
    model = keras.saving.load_model(run_dir / rundir.FINAL_MODEL)
    inner = model.get_layer("toy_cnn_plain")
    assert not [layer for layer in inner.layers if "augmentation" in layer.name]
    direct, mirrored = np.asarray(inner(x)), np.asarray(inner(x[:, :, ::-1]))
    assert not np.allclose(direct, mirrored)  # the mirror changes the prediction ...
    averaged = np.asarray(model(x))
    np.testing.assert_allclose(averaged, (direct + mirrored) / 2, rtol=1e-5, atol=1e-6)
    # ... and metrics.json scores the averaged model, which the run keeps.
    assert metrics["test_final"]["accuracy"] == pytest.approx(float(np.mean(averaged.argmax(1) == y)))


def test_exported_saved_model_serves_the_average(flip_run, tmp_path):
    run_dir, _, (x, _) = flip_run
    result = export(run_dir, format="saved_model", output=tmp_path / "sm", checkpoint="final",
                    verbose=False)
    serve = tf.saved_model.load(str(result.path)).signatures["serving_default"]
    expected = np.asarray(keras.saving.load_model(run_dir / rundir.FINAL_MODEL)(x))
    np.testing.assert_allclose(serve(image=tf.constant(x))["probabilities"].numpy(), expected,
                               atol=1e-5)


def test_text_classifiers_refuse_it(tmp_path):
    cfg = C.apply_overrides(get_recipe("imdb-gru").config(), [
        "runtime.verbose=0", "augment.test_time=flip", "model.units=4", "model.embed_dim=8",
        "data.vocab_size=100", "data.sequence_length=8"])
    with pytest.raises(ConfigError, match="augment.test_time=flip: the imdb-gru recipe's "
                                          "ClassificationTask has no test-time augmentation"):
        run(cfg, tmp_path / "r", data=toy_texts())
    with pytest.raises(ConfigError, match="augment.test_time.*must be one of none, flip"):
        C.apply_overrides(cfg, ["augment.test_time=mirror"])


@pytest.mark.skipif(not all(__import__("importlib").util.find_spec(m) for m in ("onnxruntime", "tf2onnx")),
                    reason="needs onnxruntime and tf2onnx (the `export` extra)")
def test_onnx_export_serves_the_average(flip_run, tmp_path):
    import onnxruntime

    run_dir, _, (x, _) = flip_run
    result = export(run_dir, format="onnx", output=tmp_path / "m.onnx", checkpoint="final",
                    verbose=False)
    session = onnxruntime.InferenceSession(str(result.path), providers=["CPUExecutionProvider"])
    expected = np.asarray(keras.saving.load_model(run_dir / rundir.FINAL_MODEL)(x))
    np.testing.assert_allclose(session.run(["probabilities"], {result.input_name: x})[0], expected,
                               atol=1e-5)
