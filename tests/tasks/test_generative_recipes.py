"""mnist-dae and mnist-vae on tiny synthetic 28x28 data: the tasks' batches,
losses (float32 and mixed precision), evaluation against their baselines,
export signatures (also called by plain TensorFlow), sampling, resume and
seeds. The 2-replica MirroredStrategy check of the VAE step is in
test_generative_distributed.py."""

import textwrap

import numpy as np
import pytest

import keras_recipes as kr
from keras_recipes import config as C
from keras_recipes import datasets, rundir
from keras_recipes.errors import ConfigError
from tests_support.subprocess_json import run_json

TINY = {
    "mnist-dae": ["model.filters=[4,8]", "train.lr=3e-3"],
    "mnist-vae": ["model.filters=[4,8]", "model.dense_units=16", "model.latent_dim=2",
                  "model.importance_samples=4", "train.lr=3e-3"],
}


def tiny_config(name, *overrides):
    cfg = kr.get_recipe(name).config()
    return C.apply_overrides(cfg, ["runtime.precision=float32", "runtime.verbose=0",
                                   "train.epochs=2", "train.batch_size=16", *TINY[name], *overrides])


def digits(n=48, seed=0):
    return datasets.synthetic_splits("image", num_examples=n, image_size=28, channels=1, seed=seed)


@pytest.fixture(scope="module")
def dae_run(tmp_path_factory):
    splits = digits()
    run_dir = tmp_path_factory.mktemp("dae") / "run"
    metrics = kr.run(tiny_config("mnist-dae", "train.epochs=3"), run_dir, data=splits)
    return run_dir, metrics, splits


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory):
    splits = digits()
    run_dir = tmp_path_factory.mktemp("vae") / "run"
    metrics = kr.run(tiny_config("mnist-vae", "runtime.deterministic=true"), run_dir, data=splits)
    return run_dir, metrics, splits


# -- the VAE loss ----------------------------------------------------------------------

def _reference_terms(target, logits, mean, log_var):
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    bce = -(target * np.log(p) + (1 - target) * np.log(1 - p))
    kl = -0.5 * np.sum(1 + log_var - mean ** 2 - np.exp(log_var), axis=-1)
    return bce.reshape(len(bce), -1).sum(-1), kl


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_elbo_terms_match_the_formulas_in_float32(dtype):
    """Logits, means and log-variances of any precision give float32 terms
    that match the closed forms (nats)."""
    import keras

    from keras_recipes.tasks.vae_model import NegativeELBO, elbo_terms

    rng = np.random.default_rng(0)
    target = (rng.random((3, 28, 28, 1)) > 0.5).astype("float32")
    logits, mean = rng.normal(0, 3, (3, 28, 28, 1)), rng.normal(0, 1, (3, 4))
    log_var = rng.normal(0, 1, (3, 4))
    cast = lambda a: keras.ops.cast(a.astype("float32"), dtype)  # noqa: E731
    recon, kl = elbo_terms(target, cast(logits), cast(mean), cast(log_var))
    assert keras.backend.standardize_dtype(recon.dtype) == "float32"
    # The reference sees the same (rounded) inputs.
    rounded = [keras.ops.convert_to_numpy(keras.ops.cast(cast(a), "float32")) for a in (logits, mean, log_var)]
    want_recon, want_kl = _reference_terms(target, *rounded)
    np.testing.assert_allclose(recon, want_recon, rtol=1e-5)
    np.testing.assert_allclose(kl, want_kl, rtol=1e-4, atol=1e-5)
    loss = NegativeELBO(beta=2.0)(target, {"logits": cast(logits), "mean": cast(mean),
                                           "log_var": cast(log_var)})
    np.testing.assert_allclose(float(loss), np.mean(want_recon + 2.0 * want_kl), rtol=1e-5)


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
def test_vae_trains_under_mixed_precision_with_a_float32_loss(precision, vae_run, tmp_path):
    _, reference, splits = vae_run  # the same run in float32
    cfg = tiny_config("mnist-vae", f"runtime.precision={precision}", "runtime.deterministic=true")
    final = kr.run(cfg, tmp_path / "r", data=splits)["final"]
    assert np.isfinite(final["loss"]) and np.isfinite(final["val_loss"])
    # ~540 nats per image: summed in half precision it would be off by several
    # nats; the float32 sum of float32 logits stays within a few tenths.
    assert final["neg_elbo"] == pytest.approx(reference["final"]["neg_elbo"], rel=0.01)


def test_vae_metrics_are_the_negative_elbo_and_its_parts(vae_run):
    _, metrics, _ = vae_run
    final = metrics["final"]
    assert {"loss", "neg_elbo", "reconstruction", "kl", "val_loss", "val_neg_elbo"} <= set(final)
    assert final["neg_elbo"] == pytest.approx(final["reconstruction"] + final["kl"], rel=1e-5)
    assert final["loss"] == pytest.approx(final["neg_elbo"], rel=1e-5)  # beta = 1
    assert 0 < final["neg_elbo"] < 28 * 28 * np.log(2) + 50  # below a coin flip per pixel, roughly


def test_beta_weights_the_kl_term_of_the_loss():
    from keras_recipes.tasks import DataInfo, task_for
    from keras_recipes.tasks.vae_model import elbo_terms

    cfg = tiny_config("mnist-vae", "model.beta=4")
    task = task_for(cfg, kr.get_recipe("mnist-vae"))
    model = task.build(DataInfo(kind="image", num_classes=10, image_shape=(28, 28, 1))).train
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28, 1), dtype=np.uint8)
    out = model(x)
    recon, kl = elbo_terms(out["target"], out["logits"], out["mean"], out["log_var"])
    loss = model.compute_loss(x=x, y_pred=out)
    assert float(loss) == pytest.approx(float(np.mean(recon + 4 * kl)), rel=1e-5)
    assert float(model.neg_elbo_tracker.result()) == pytest.approx(float(np.mean(recon + kl)), rel=1e-5)


# -- evaluation, export, sampling -------------------------------------------------

def test_vae_evaluate_reports_nats_and_the_importance_bound(vae_run):
    run_dir, metrics, splits = vae_run
    result = kr.evaluate(run_dir, data=splits, verbose=False)
    assert result["neg_elbo_nats"] == pytest.approx(result["reconstruction_nats"] + result["kl_nats"])
    # One sample of the same posterior as the test split the Trainer scored.
    assert result["neg_elbo_nats"] == pytest.approx(metrics["test"]["neg_elbo"], rel=0.02)
    # The importance-weighted bound is tighter (K = 4 >= 1), up to sampling noise.
    assert result["neg_iw_bound_nats"] <= result["neg_elbo_nats"] + 0.5
    assert "nats" in result["summary"] and rundir.read_json(run_dir / rundir.EVALUATION)["examples"] == 12
    again = kr.evaluate(run_dir, data=splits, verbose=False)
    assert again["neg_elbo_nats"] == result["neg_elbo_nats"]  # seeded posterior samples


def test_vae_sample_writes_a_grid_and_the_2d_manifold(vae_run, tmp_path):
    from PIL import Image

    run_dir, _, _ = vae_run
    result = kr.sample(run_dir, 6, output=tmp_path / "s.png", seed=1, verbose=False)
    grid = np.asarray(Image.open(result["files"]["grid"]))
    assert grid.shape == (2 * (2 * 30 - 2), 2 * (3 * 30 - 2))  # 2 rows of 3 cells, 2 px between, 2x
    manifold = np.asarray(Image.open(result["files"]["manifold"]))
    assert manifold.shape == (20 * 30 - 2, 20 * 30 - 2)
    same = kr.sample(run_dir, 6, output=tmp_path / "t.png", seed=1, verbose=False)
    assert np.array_equal(np.asarray(Image.open(same["files"]["grid"])), grid)


def test_dae_evaluate_beats_the_identity_baseline(dae_run):
    run_dir, _, splits = dae_run
    result = kr.evaluate(run_dir, data=splits, verbose=False)
    assert 0.05 < result["mse_noisy"] < 0.25  # noise std 0.5, clipped to [0, 1]
    assert result["mse"] < result["mse_noisy"] and result["psnr_gain_db"] > 0
    assert result["psnr_gain_db"] == pytest.approx(result["psnr_db"] - result["psnr_noisy_db"], abs=1e-6)
    assert "gain" in result["summary"]
    assert kr.evaluate(run_dir, data=splits, verbose=False)["mse"] == result["mse"]  # fixed noise


def test_psnr_and_corruption_helpers():
    from keras_recipes.tasks.denoising import corrupt, psnr

    assert psnr(0.01) == pytest.approx(20.0) and psnr(1.0) == pytest.approx(0.0)
    clean = np.full((2000, 4), 128, np.uint8)
    noisy = corrupt(clean, 0.1, np.random.default_rng(0))
    assert noisy.dtype == np.uint8 and abs(noisy.astype(float).std() / 255 - 0.1) < 0.01
    assert np.array_equal(noisy, corrupt(clean, 0.1, np.random.default_rng(0)))


def test_dae_sample_writes_noisy_denoised_clean_triplets(dae_run, tmp_path):
    from PIL import Image

    run_dir, _, splits = dae_run
    result = kr.sample(run_dir, 5, output=tmp_path / "t.png", data=splits, verbose=False)
    image = np.asarray(Image.open(result["files"]["triplets"]))
    assert image.shape == (2 * (3 * 30 - 2), 2 * (16 * 30 - 2))  # 3 rows of up to 16 images
    assert "5 noisy / denoised / clean" in result["summary"]


EXPORTS = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    dae, vae = (tf.saved_model.load(p) for p in sys.argv[1:3])
    noisy = tf.constant(np.random.default_rng(0).integers(0, 256, (3, 28, 28, 1), dtype=np.uint8))
    out = dae.signatures["reconstruct"](image=noisy)["image"]
    code = vae.signatures["encode"](image=noisy)
    image = vae.signatures["sample"](latent=code["mean"])["image"]
    print(json.dumps({"no_keras_recipes": "keras_recipes" not in sys.modules,
                      "dae": [out.dtype.name, out.shape.as_list()],
                      "encode": sorted(code), "mean": code["mean"].shape.as_list(),
                      "sample": [image.dtype.name, image.shape.as_list(),
                                 float(tf.reduce_min(image)), float(tf.reduce_max(image))]}))
""")


def test_exports_are_checked_and_plain_tensorflow_calls_them(dae_run, vae_run, tmp_path):
    paths, described = [], {}
    for (run_dir, _, _), names in ((dae_run, ["reconstruct"]), (vae_run, ["encode", "sample"])):
        result = kr.export(run_dir, format="saved_model", output=tmp_path / run_dir.parent.name,
                           verbose=False)
        assert sorted(result.signatures) == names and result.max_abs_diff < 1e-4
        paths.append(str(result.path))
        described.update(result.signatures)
    assert described["reconstruct"] == "image uint8 [None, 28, 28, 1] -> image uint8 [None, 28, 28, 1]"
    assert described["sample"] == "latent float32 [None, 2] -> image float32 [None, 28, 28, 1]"
    got = run_json(EXPORTS, *paths, timeout=300, cwd=tmp_path)
    assert got["no_keras_recipes"]
    assert got["dae"] == ["uint8", [3, 28, 28, 1]]
    assert got["encode"] == ["log_var", "mean"] and got["mean"] == [3, 2]
    dtype, shape, low, high = got["sample"]
    assert dtype == "float32" and shape == [3, 28, 28, 1] and 0.0 <= low <= high <= 1.0


# -- runs: seeds, resume, config ----------------------------------------------------

def test_same_seed_same_run(vae_run, tmp_path):
    run_dir, _, splits = vae_run
    kr.run(tiny_config("mnist-vae", "runtime.deterministic=true"), tmp_path / "again", data=splits)
    assert (tmp_path / "again" / rundir.HISTORY).read_text() == (run_dir / rundir.HISTORY).read_text()
    kr.run(tiny_config("mnist-vae", "runtime.deterministic=true", "runtime.seed=7"), tmp_path / "other",
           data=splits)
    assert (tmp_path / "other" / rundir.HISTORY).read_text() != (run_dir / rundir.HISTORY).read_text()


def test_resume_mid_run(tmp_path):
    """The VAE (a subclassed model with its own compute_loss and metrics)
    restores from the backup and finishes (the DAE is a plain functional
    model, as in test_task_contract's resume test)."""
    import keras

    seen = {}

    class StopAfterEpoch1(keras.callbacks.Callback):  # runs after the backup was written
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                seen["weights"] = [w.numpy().copy() for w in self.model.trainable_weights]
                seen["steps"] = int(self.model.optimizer.iterations.numpy())
                raise KeyboardInterrupt

    class CheckRestored(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if "resumed_at" not in seen:
                seen["resumed_at"] = epoch
                seen["restored"] = [w.numpy() for w in self.model.trainable_weights]
                seen["restored_steps"] = int(self.model.optimizer.iterations.numpy())

    cfg = tiny_config("mnist-vae", "train.epochs=2")
    splits = digits(32)
    with pytest.raises(kr.RecipeError, match="resume"):
        kr.run(cfg, tmp_path / "run", data=splits, callbacks=[StopAfterEpoch1()])
    metrics = kr.resume(tmp_path / "run", data=splits, callbacks=[CheckRestored()])
    assert metrics["epochs"] == 2 and np.isfinite(metrics["final"]["val_loss"])
    # Epoch 2 starts from the weights and optimizer step where epoch 1 ended.
    assert seen["resumed_at"] == 1 and seen["restored_steps"] == seen["steps"] == 2
    for saved, restored in zip(seen["weights"], seen["restored"]):
        np.testing.assert_array_equal(saved, restored)
    rows = (tmp_path / "run" / rundir.HISTORY).read_text().splitlines()
    assert len(rows) == 3  # header + one row per epoch, none repeated


def test_stochastic_binarisation_is_fixed_for_held_out_images():
    import tensorflow as tf

    from keras_recipes.tasks.variational import fixed_binarization

    images = np.random.default_rng(0).integers(0, 256, (6, 28, 28, 1), dtype=np.uint8)
    a = fixed_binarization(images).numpy()
    assert set(np.unique(a)) <= {0, 255}
    # Keyed by content: the same image gets the same pixels in any batch or order.
    np.testing.assert_array_equal(fixed_binarization(images[::-1]).numpy(), a[::-1])
    np.testing.assert_array_equal(fixed_binarization(tf.constant(images[2:3])).numpy(), a[2:3])
    assert abs(a.mean() / 255 - images.mean() / 255) < 0.02  # P(1) = intensity
    assert not np.array_equal(fixed_binarization(images, seed=1).numpy(), a)


def test_stochastic_binarisation_trains_and_evaluates(tmp_path):
    splits = digits(32)
    cfg = tiny_config("mnist-vae", "data.binarize=stochastic", "train.epochs=1",
                      "model.importance_samples=0")
    kr.run(cfg, tmp_path / "r", data=splits)
    result = kr.evaluate(tmp_path / "r", data=splits, verbose=False)
    assert result["binarize"] == "stochastic" and "neg_iw_bound_nats" not in result
    from keras_recipes.inference.run import load_run

    assert load_run(tmp_path / "r").task.binarize == "stochastic"  # read back from config.yaml


def test_config_errors_name_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"data.binarize.*did you mean"):
        kr.run(tiny_config("mnist-vae", "data.binarize=stochastc"), tmp_path / "a", data=digits(8))
    with pytest.raises(ConfigError, match="data.binarise"):
        tiny_config("mnist-vae", "data.binarise=stochastic")
    with pytest.raises(ConfigError, match="model.noise"):
        kr.run(tiny_config("mnist-dae", "model.noise=0"), tmp_path / "b", data=digits(8))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_recipes_sample_command(vae_run, tmp_path):
    from click.testing import CliRunner

    from keras_recipes.cli.main import cli

    run_dir, _, _ = vae_run
    result = CliRunner().invoke(cli, ["sample", str(run_dir), "-n", "4", "-o", str(tmp_path / "g.png")])
    assert result.exit_code == 0, result.output
    assert "4 samples from the prior" in result.output and "latent manifold" in result.output
    assert (tmp_path / "g.png").is_file() and (tmp_path / "g_manifold.png").is_file()


def test_sample_output_without_an_extension_is_a_folder(vae_run, tmp_path):
    from click.testing import CliRunner

    from keras_recipes.cli.main import cli

    run_dir, _, _ = vae_run
    result = CliRunner().invoke(cli, ["sample", str(run_dir), "-n", "4", "-o", str(tmp_path / "samples")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "samples" / "samples.png").is_file()
    bad = CliRunner().invoke(cli, ["sample", str(run_dir), "-o", str(tmp_path / "s.txt")])
    assert bad.exit_code == 2 and "name a .png or .jpg file, or a folder" in bad.output


def test_dae_sample_is_a_seeded_draw_across_the_classes(dae_run):
    """A folder lists its images class by class: the first 16 would all be one digit."""
    from keras_recipes.inference.run import load_run

    run_dir, _, _ = dae_run
    labels = np.repeat(np.arange(10), 10)
    x = np.broadcast_to((labels * 25).astype(np.uint8)[:, None, None, None], (100, 28, 28, 1)).copy()
    splits = datasets.load_splits({"train": (x, labels), "test": (x, labels)}, kind="image",
                                  channels=1, val_fraction=0, progress=False)
    run = load_run(run_dir)

    def drawn(seed):
        batches, _, _ = run.task._noisy_clean(run, splits, 16, seed, limit=16)
        return next(batches)[1][:, 0, 0, 0]

    assert len(set(drawn(0))) >= 5  # many digits, not the first class only
    assert (drawn(0) == drawn(0)).all() and (drawn(0) != drawn(1)).any()  # seeded
