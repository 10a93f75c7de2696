"""The task contract: a recipe that is not a classifier trains, resumes,
evaluates, exports and samples through the same engine."""

import numpy as np
import pytest

import keras_recipes as kr
from keras_recipes import datasets, rundir
from keras_recipes.errors import RecipeError
from keras_recipes.tasks import ClassificationTask
from keras_recipes.registry import unregister_recipe
from tests_support.toy_autoencoder import TOY_AE, ToyReconstructionTask, register_toy_autoencoder


@pytest.fixture(scope="module", autouse=True)
def toy_autoencoder():
    """The toy recipe, registered for this module only (other tests list recipes)."""
    yield register_toy_autoencoder()
    unregister_recipe(TOY_AE)


@pytest.fixture(scope="module")
def ae_run(tmp_path_factory, toy_autoencoder):
    name = toy_autoencoder
    cfg = kr.get_recipe(name).config()
    cfg.runtime.precision = "float32"
    cfg.runtime.verbose = 0
    splits = datasets.synthetic_splits("image", num_examples=32, image_size=8, seed=0)
    run_dir = tmp_path_factory.mktemp("ae") / "run"
    metrics = kr.run(cfg, run_dir, data=splits)
    return run_dir, metrics, splits


def test_recipes_default_to_classification_and_may_name_their_task(toy_recipe):
    assert kr.get_recipe("cifar-resnet").task is ClassificationTask
    assert kr.get_recipe(toy_recipe).task is ClassificationTask
    assert kr.get_recipe(TOY_AE).task is ToyReconstructionTask


def test_trainer_uses_the_tasks_batches_loss_and_metrics(ae_run):
    run_dir, metrics, _ = ae_run
    # The task's loss and metric, not the classifier's accuracy.
    assert {"loss", "mae"} <= set(metrics["test"]) and "accuracy" not in metrics["test"]
    assert metrics["best"]["val_loss"] > 0
    assert (run_dir / rundir.BEST_MODEL).is_file() and (run_dir / rundir.FINAL_MODEL).is_file()


def test_evaluate_uses_the_tasks_metrics(ae_run):
    run_dir, _, splits = ae_run
    result = kr.evaluate(run_dir, data=splits, verbose=False)
    assert result["summary"].startswith("reconstruction MSE") and 0 < result["mse"] < 1
    assert rundir.read_json(run_dir / rundir.EVALUATION)["mse"] == pytest.approx(result["mse"])


def test_export_writes_the_tasks_signature_and_checks_it(ae_run, tmp_path):
    import tensorflow as tf

    run_dir, _, _ = ae_run
    result = kr.export(run_dir, format="saved_model", output=tmp_path / "sm", verbose=False)
    assert list(result.signatures) == ["reconstruct"] and result.max_abs_diff < 1e-4
    serve = tf.saved_model.load(str(tmp_path / "sm")).signatures["reconstruct"]
    out = serve(image=tf.zeros([3, 8, 8, 3], tf.uint8))["image"]
    assert out.shape == (3, 8, 8, 3)
    with pytest.raises(kr.ExportError, match="saved_model or keras"):
        kr.export(run_dir, format="onnx", output=tmp_path / "m.onnx", verbose=False)


def test_sample_and_predict_follow_the_task(ae_run, tmp_path):
    run_dir, _, _ = ae_run
    result = kr.sample(run_dir, 5, output=tmp_path / "s.npy", verbose=False)
    assert np.load(tmp_path / "s.npy").shape == (5, 8, 8, 3) and "5 reconstructions" in result["summary"]
    with pytest.raises(kr.InputError, match="for classifiers"):
        kr.predict(run_dir, np.zeros((1, 8, 8, 3), np.uint8))


def test_a_classifier_has_nothing_to_sample(tmp_path, toy_recipe):
    cfg = kr.get_recipe(toy_recipe).config()
    cfg.runtime.verbose = 0
    cfg.train.epochs = 1
    run_dir = tmp_path / "run"
    kr.run(cfg, run_dir, data=datasets.synthetic_splits("image", num_examples=16, image_size=8))
    with pytest.raises(RecipeError, match="nothing to sample"):
        kr.sample(run_dir, 2)


def test_resume_continues_a_task_run(tmp_path):
    cfg = kr.get_recipe(TOY_AE).config()
    cfg.runtime.verbose = 0
    cfg.runtime.precision = "float32"
    cfg.train.epochs = 3
    splits = datasets.synthetic_splits("image", num_examples=16, image_size=8)

    import keras

    class StopAfterEpoch2(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    run_dir = tmp_path / "run"
    with pytest.raises(kr.RecipeError, match="resume"):
        kr.run(cfg, run_dir, data=splits, callbacks=[StopAfterEpoch2()])
    metrics = kr.resume(run_dir, data=splits)
    assert metrics["epochs"] == 3


def test_tuning_optimises_the_tasks_metrics(tmp_path):
    from keras_recipes.errors import ConfigError
    from keras_recipes.tuning.search import Search

    space = {"train.lr": "loguniform(1e-3, 1e-1)"}
    search = Search.plan(TOY_AE, space=space, smoke=True, output=tmp_path / "s")
    # The recipe's monitor, minimised: no accuracy to maximise here.
    assert (search.objective, search.direction) == ("val_loss", "min")
    with pytest.raises(ConfigError, match="unknown objective 'val_accuracy'"):
        Search.plan(TOY_AE, space=space, smoke=True, objective="val_accuracy", output=tmp_path / "t")


@pytest.mark.parametrize("recipe, objective", [
    ("shakespeare-char", "val_bpc"), ("mnist-vae", "val_neg_elbo"), ("mnist-dcgan", "g_loss"),
    ("mnist-dae", "val_loss"),
])
def test_every_task_names_the_metrics_a_search_may_optimise(recipe, objective):
    from keras_recipes.tuning.search import objectives

    r = kr.get_recipe(recipe)
    cfg = r.config()
    allowed = objectives(r, cfg)
    assert cfg.train.monitor in allowed and objective in allowed and "val_accuracy" not in allowed


def test_a_task_without_test_time_augmentation_refuses_it(tmp_path):
    cfg = kr.get_recipe(TOY_AE).config()
    cfg.runtime.verbose = 0
    cfg.augment.test_time = "flip"
    splits = datasets.synthetic_splits("image", num_examples=16, image_size=8)
    with pytest.raises(kr.ConfigError, match="augment.test_time=flip: .*ToyReconstructionTask has no "
                                             "test-time augmentation"):
        kr.run(cfg, tmp_path / "run", data=splits)
    assert not (tmp_path / "run").exists()  # a failed run leaves no folder


def test_the_engine_writes_the_evaluation_envelope_once(ae_run):
    run_dir, _, splits = ae_run
    result = kr.evaluate(run_dir, data=splits, verbose=False)
    saved = rundir.read_json(run_dir / rundir.EVALUATION)
    # The task measured only examples and mse; the engine added what every run records.
    assert saved == result and saved["examples"] == 8
    assert {"data", "checkpoint", "model", "precision", "wall_time_s", "notes", "files",
            "summary"} <= set(saved)
    assert saved["checkpoint"] == "best" and saved["files"] == {"json": str(run_dir / rundir.EVALUATION)}


def test_serving_methods_a_task_does_not_offer_raise_clear_errors(ae_run):
    from types import SimpleNamespace

    from keras_recipes.tasks import Task

    run_dir = ae_run[0]
    run, task = SimpleNamespace(run_dir=run_dir), Task(None)
    with pytest.raises(RecipeError, match=f"{run_dir} is a task run: it cannot be evaluated"):
        task.evaluate(run)
    with pytest.raises(kr.ExportError, match="it cannot be exported"):
        task.export_signatures(run, None)
    with pytest.raises(kr.InputError, match="`recipes predict` is for classifiers"):
        task.predict(run, [])
    assert task.export_unsupported(run, "keras") is None
    assert "export as saved_model or keras" in task.export_unsupported(run, "tflite")
    # Through the engine: an autoencoder run has no text sampler.
    with pytest.raises(RecipeError, match="reconstruction run: `recipes generate` samples text"):
        kr.generate(run_dir, "x", 3)


def test_a_non_recurrent_language_model_needs_no_engine_change(tmp_path):
    """A causal convolution LM (tests_support/toy_window_lm.py): its own file
    declares the recipe, a LanguageModelTask subclass and its sampler; train,
    evaluate, export, sample and generate are the engine's, unchanged."""
    import tensorflow as tf

    from tests_support.toy_window_lm import TOY_LM, register_toy_window_lm

    register_toy_window_lm()
    try:  # unregistered at the end: other tests list the recipes
        corpus = tmp_path / "text.txt"
        corpus.write_text("to be or not to be, that is the question.\n" * 30, encoding="utf-8")
        cfg = kr.get_recipe(TOY_LM).config()
        cfg.data.source = str(corpus)
        run_dir = tmp_path / "run"
        metrics = kr.run(cfg, run_dir)
        result = kr.evaluate(run_dir, verbose=False)
        assert result["nats_per_char"] == pytest.approx(metrics["best"]["val_loss"], rel=1e-3)
        assert "nats_per_char_carried" not in result  # the recurrent subclass's figure
        text = kr.generate(run_dir, "to be", 12, seed=1)
        assert text["text"].startswith("to be") and len(text["sample"]) == 12
        assert kr.generate(run_dir, "to be", 12, seed=1)["text"] == text["text"]
        sampled = kr.sample(run_dir, 2, output=tmp_path / "s.txt", verbose=False, length=8)
        assert "2 samples of 8 characters" in sampled["summary"]
        export = kr.export(run_dir, output=tmp_path / "sm", verbose=False)
        assert list(export.signatures) == ["logits"] and export.max_abs_diff < 1e-4
        served = tf.saved_model.load(str(tmp_path / "sm")).signatures["logits"]
        vocabulary = rundir.read_json(run_dir / rundir.CLASS_NAMES)
        assert served(ids=tf.zeros([2, 7], tf.int32))["logits"].shape == (2, 7, len(vocabulary))
    finally:
        unregister_recipe(TOY_LM)
