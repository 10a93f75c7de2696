"""The GAN: its two-optimizer train_step (float32, mixed precision), seeds,
serialization, and mnist-dcgan end to end through the task contract: sample
grids per epoch, resume mid-run, `sample`, export, evaluate."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes import config as C
from keras_recipes import get_recipe, rundir
from keras_recipes.errors import RecipeError, RunInterrupted
from keras_recipes.layers import dcgan_discriminator, dcgan_generator
from keras_recipes.tasks.gan_model import GAN
from keras_recipes.training.trainer import resume, run

LATENT = 8


def toy_digits(n=32, seed=0):
    """28x28 uint8 'digits': a bright bar whose row gives the class."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.integers(0, 40, (n, 28, 28, 1))
    for i, c in enumerate(y):
        x[i, 6 + 7 * c:10 + 7 * c, 4:24] = 220
    return x.astype("uint8"), y.astype("int64")


def tiny_gan(seed=0, **compile_args):
    keras.utils.set_random_seed(seed)
    gan = GAN(dcgan_generator(LATENT, (28, 28, 1), width=4), dcgan_discriminator((28, 28, 1), width=4),
              seed=seed)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), **compile_args)
    return gan


def weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("policy", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_train_step_updates_both_players_with_their_own_optimizer(policy):
    keras.mixed_precision.set_global_policy(policy)
    # Eager: the same ops, without tracing two tapes (the engine's runs below trace).
    gan = tiny_gan(run_eagerly=True)
    g0, d0 = weights(gan.generator), weights(gan.discriminator)
    history = gan.fit(toy_digits(32)[0], batch_size=8, epochs=1, verbose=0).history
    assert sorted(history) == ["d_loss", "d_real", "g_loss", "loss"]
    assert all(np.isfinite(v[0]) for v in history.values())
    assert history["loss"][0] == pytest.approx(history["d_loss"][0] + history["g_loss"][0], rel=1e-5)
    assert not any(np.array_equal(a, b) for a, b in zip(g0, weights(gan.generator)) if a.ndim > 1)
    assert not any(np.array_equal(a, b) for a, b in zip(d0, weights(gan.discriminator)) if a.ndim > 1)
    # Each optimizer holds slots for its own player only, and stepped 4 times.
    n_g, n_d = len(gan.generator.trainable_variables), len(gan.discriminator.trainable_variables)
    inner = [getattr(o, "inner_optimizer", o) for o in (gan.g_optimizer, gan.d_optimizer)]
    assert [int(o.iterations) for o in inner] == [4, 4]
    assert len(inner[0]._momentums) == n_g and len(inner[1]._momentums) == n_d
    assert isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer) == (policy == "mixed_float16")
    images = gan(np.zeros((2, LATENT), "float32"))
    assert images.dtype == "float32" and images.shape == (2, 28, 28, 1)


def test_same_seed_same_training_other_seed_other_training():
    x = toy_digits(16)[0]
    runs = []
    for seed in (0, 0, 1):
        gan = tiny_gan(seed, run_eagerly=True)  # tiny: eager beats tracing three times
        gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
        runs.append(weights(gan.generator))
    for a, b in zip(runs[0], runs[1]):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0], runs[2]))


def test_compile_errors_are_clear():
    gan = GAN(dcgan_generator(LATENT, (28, 28, 1), width=4), dcgan_discriminator((28, 28, 1), width=4))
    with pytest.raises(RecipeError, match="d_optimizer and g_optimizer"):
        gan.compile(d_optimizer=keras.optimizers.Adam())
    with pytest.raises(RecipeError, match="takes no loss"):
        gan.compile(d_optimizer=keras.optimizers.Adam(), g_optimizer=keras.optimizers.Adam(), loss="mse")


def test_builders_validate_their_arguments():
    with pytest.raises(ValueError, match="image_shape"):
        dcgan_generator(8, (30, 30, 1))
    with pytest.raises(ValueError, match="dropout"):
        dcgan_discriminator((28, 28, 1), dropout=1.0)


def test_saved_gan_loads_back_with_the_same_generator(tmp_path):
    gan = tiny_gan(run_eagerly=True)
    gan.fit(toy_digits(16)[0], batch_size=8, epochs=1, verbose=0)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras", compile=False)
    noise = np.random.default_rng(0).standard_normal((4, LATENT)).astype("float32")
    np.testing.assert_allclose(np.asarray(loaded(noise)), np.asarray(gan(noise)), atol=1e-6)
    assert loaded.seed == gan.seed and loaded.latent_dim == LATENT


# -- mnist-dcgan through the engine -------------------------------------------------------

def dcgan_cfg(*overrides):
    return C.apply_overrides(get_recipe("mnist-dcgan").config(), [
        f"model.latent_dim={LATENT}", "model.generator_width=4", "model.discriminator_width=4",
        "model.sample_grid=9", "train.epochs=2", "train.batch_size=16", "train.lr=1e-3",
        "runtime.precision=float32", "runtime.verbose=0", "data.source=''", *overrides])


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory):
    from tests_support.toy_recipe import register_toy

    name = register_toy()
    cfg = C.apply_overrides(get_recipe(name).config(), [
        "data.image_size=28", "data.channels=1", "data.val_fraction=0.0", "train.epochs=2",
        "runtime.precision=float32", "runtime.verbose=0"])
    out = tmp_path_factory.mktemp("cls") / "cnn"
    run(cfg, out, data=toy_digits(48))
    return out


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gan") / "dcgan"
    run(dcgan_cfg(), out, data=toy_digits(32))
    return out


def test_run_writes_a_sample_grid_per_epoch_and_no_classifier_files(dcgan_run):
    grids = sorted(p.name for p in (dcgan_run / "samples").iterdir())
    assert grids == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]
    from PIL import Image

    assert Image.open(dcgan_run / "samples" / "epoch_002.png").size == (2 * (3 * 30 - 2),) * 2
    history = (dcgan_run / rundir.HISTORY).read_text().splitlines()
    assert history[0].split(",")[:5] == ["epoch", "d_loss", "d_real", "g_loss", "loss"]
    assert (dcgan_run / rundir.FINAL_MODEL).is_file()
    assert not (dcgan_run / rundir.BACKUP).exists()


def test_sample_writes_a_grid_repeatably(dcgan_run, tmp_path):
    import keras_recipes as kr

    a = kr.sample(dcgan_run, n=6, seed=3, output=tmp_path / "a.png", verbose=False)
    kr.sample(dcgan_run, n=6, seed=3, output=tmp_path / "b.png", verbose=False)
    assert a["files"]["grid"].endswith("a.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_exported_sample_signature_is_plain_tensorflow(dcgan_run, tmp_path):
    import keras_recipes as kr

    kr.export(dcgan_run, output=tmp_path / "sm", verbose=False)
    loaded = tf.saved_model.load(str(tmp_path / "sm"))
    noise = np.random.default_rng(0).standard_normal((5, LATENT)).astype("float32")
    images = loaded.signatures["sample"](noise=tf.constant(noise))["image"]
    assert images.dtype == tf.uint8 and images.shape == (5, 28, 28, 1)
    model = keras.saving.load_model(dcgan_run / rundir.FINAL_MODEL, compile=False)
    want = np.clip(np.round((np.asarray(model(noise)) + 1.0) * 127.5), 0, 255)
    assert np.max(np.abs(images.numpy().astype(int) - want)) <= 1


def test_evaluate_scores_generator_ceiling_and_floor(dcgan_run, classifier_run):
    import keras_recipes as kr

    with pytest.raises(RecipeError, match="--classifier"):
        kr.evaluate(dcgan_run, data=toy_digits(40, seed=1), verbose=False)
    result = kr.evaluate(dcgan_run, data=toy_digits(40, seed=1), classifier=classifier_run,
                         verbose=False)
    scores = result["scores"]
    assert list(scores) == ["real held-out (ceiling)", "trained generator",
                            "untrained generator (floor)"]
    for s in scores.values():
        assert s["frechet_distance"] >= 0 and 1.0 <= s["inception_score"] <= 3.0 + 1e-6
        assert sum(s["class_histogram"]) == result["examples"] == 20
    # Real held-out images are nearer the reference than noise from an untrained G.
    assert scores["real held-out (ceiling)"]["frechet_distance"] < \
        scores["untrained generator (floor)"]["frechet_distance"]
    assert json.loads((dcgan_run / rundir.EVALUATION).read_text())["frechet_distance"] == \
        pytest.approx(result["frechet_distance"])
    with pytest.raises(RecipeError, match="do not apply"):
        kr.evaluate(classifier_run, data=toy_digits(40), classifier=classifier_run, verbose=False)


class _Crash(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt("simulated crash")


def test_interrupted_and_resumed_gan_ends_where_an_uninterrupted_one_does(tmp_path):
    """One batch per epoch, so the data order cannot differ: both players'
    weights, both optimizers' slots and the noise stream must be restored.
    Without dropout: Keras does not save a Dropout layer's seed state, so
    after a resume its masks come from a restarted stream (any Keras model's
    resume has that; ours draws the GAN's noise statelessly instead)."""
    cfg = dcgan_cfg("train.epochs=3", "train.batch_size=16", "runtime.deterministic=true",
                    "model.dropout=0")
    data = toy_digits(16)
    run(cfg, tmp_path / "whole", data=data)
    with pytest.raises(RunInterrupted, match="recipes resume"):
        run(cfg, tmp_path / "cut", data=data, callbacks=[_Crash()])
    resume(tmp_path / "cut", data=data)
    whole, cut = (keras.saving.load_model(tmp_path / name / rundir.FINAL_MODEL, compile=False)
                  for name in ("whole", "cut"))
    for a, b in zip(whole.get_weights(), cut.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sorted(p.name for p in (tmp_path / "cut" / "samples").iterdir())[-1] == "epoch_003.png"


def test_cli_sample_and_evaluate_without_classifier(dcgan_run, tmp_path):
    from click.testing import CliRunner

    from keras_recipes.cli.main import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["sample", str(dcgan_run), "-n", "4", "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 0 and (tmp_path / "g.png").is_file(), result.output
    result = runner.invoke(cli, ["evaluate", str(dcgan_run)])
    assert result.exit_code != 0 and "--classifier RUN_DIR" in result.output
    assert "Traceback" not in result.output


def test_augmentation_is_refused(tmp_path):
    from keras_recipes.errors import ConfigError

    with pytest.raises(ConfigError, match="augment.preset=none"):
        run(dcgan_cfg("augment.preset=digits"), tmp_path / "r", data=toy_digits(16))


def test_held_out_halves_do_not_depend_on_the_loader_order(dcgan_run, classifier_run):
    """The ceiling is a property of the data: shuffling the held-out images
    (another run's seed shuffles its loader) must not change it."""
    import keras_recipes as kr

    x, y = toy_digits(40, seed=1)
    order = np.random.default_rng(5).permutation(len(x))
    scores = [kr.evaluate(dcgan_run, data=data, classifier=classifier_run, verbose=False)["scores"]
              for data in ((x, y), (x[order], y[order]))]
    ceiling = [s["real held-out (ceiling)"]["frechet_distance"] for s in scores]
    assert ceiling[0] == pytest.approx(ceiling[1], rel=1e-6)
