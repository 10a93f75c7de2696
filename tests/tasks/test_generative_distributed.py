"""The VAE's compute_loss under tf.distribute: MirroredStrategy over two
logical CPUs trains like one device (the loss is scaled for the replicas)."""

import textwrap

from tests_support.subprocess_json import run_json

MIRRORED_VAE = textwrap.dedent("""
    import json, tempfile
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from keras_recipes import config as C, datasets, get_recipe, run
    splits = datasets.synthetic_splits("image", num_examples=64, image_size=28, channels=1, seed=0)
    out = {}
    for strategy in ("default", "mirrored"):
        cfg = C.apply_overrides(get_recipe("mnist-vae").config(), [
            "runtime.verbose=0", f"runtime.strategy={strategy}", "runtime.precision=float32",
            "train.epochs=1", "train.batch_size=32", "model.filters=[4,8]", "model.dense_units=16",
            "model.latent_dim=2", "train.lr=3e-3"])
        d = tempfile.mkdtemp()
        metrics = run(cfg, d + "/r", data=splits)
        env = json.load(open(d + "/r/environment.json"))
        out[strategy] = [env["replicas"], metrics["final"]]
    print(json.dumps(out))
""")


def test_vae_step_under_mirrored_strategy_matches_one_device():
    got = run_json(MIRRORED_VAE)
    (one_replicas, one), (two_replicas, two) = got["default"], got["mirrored"]
    assert one_replicas == 1 and two_replicas == 2
    for key in ("loss", "neg_elbo", "reconstruction", "val_loss"):
        # Same global batch and data; only the posterior samples differ (each
        # replica draws its own). A loss not scaled for the replicas would
        # report and step twice the loss.
        assert abs(one[key] - two[key]) <= 0.02 * abs(one[key]), (key, one, two)
    assert abs(two["loss"] - (two["reconstruction"] + two["kl"])) <= 1e-4 * two["loss"]
