"""Augmentation presets: Keras preprocessing layers that work in tf.data and inside the model."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_recipes.datasets import augmentation, make_pipeline

SIZE = 16
N = 1152  # 9 batches of 128


def _marker_image():
    """Two markers on black: 200 at (8, 4) and 100 at (8, 11), so shift and flip can be read back."""
    image = np.zeros((SIZE, SIZE, 3), np.uint8)
    image[8, 4] = 200
    image[8, 11] = 100
    return image


def _shifts_and_flips(images):
    """(dy, dx, flipped) of each augmented marker image (translation, then flip)."""
    dy, dx, flipped = [], [], []
    for image in images:
        (ra, ca), (_, cb) = np.argwhere(image[..., 0] == 200)[0], np.argwhere(image[..., 0] == 100)[0]
        flip = ca > cb
        dy.append(ra - 8)
        dx.append((SIZE - 1 - ca) - 4 if flip else ca - 4)
        flipped.append(flip)
    return np.array(dy), np.array(dx), np.array(flipped)


def _histogram(shifts):
    return np.bincount(shifts + 4, minlength=9) / shifts.size


def _in_pipeline(aug):
    ds = tf.data.Dataset.from_tensor_slices((np.repeat(_marker_image()[None], N, 0), np.zeros(N, np.int32)))
    return np.concatenate([x.numpy() for x, _ in make_pipeline(ds, batch_size=128, training=True, augment=aug)])


def _in_model(aug, training=True):
    inputs = keras.Input((SIZE, SIZE, 3))
    model = keras.Model(inputs, aug(inputs))
    batch = np.repeat(_marker_image()[None], 128, 0).astype("float32")
    return np.concatenate([keras.ops.convert_to_numpy(model(batch, training=training)) for _ in range(N // 128)])


def test_cifar_preset_pads_4_crops_and_flips_every_image_independently():
    images = _in_pipeline(augmentation("cifar", image_size=SIZE, seed=0))
    assert images.dtype == np.float32
    assert set(np.unique(images)) <= {0.0, 100.0, 200.0}  # pixels move, never blend
    dy, dx, flipped = _shifts_and_flips(images)
    for shifts in (dy, dx):
        np.testing.assert_allclose(_histogram(shifts), np.full(9, 1 / 9), atol=0.04)  # uniform on -4..4
    assert abs(flipped.mean() - 0.5) < 0.06
    first_batch = set(zip(dy[:128], dx[:128]))
    assert len(first_batch) > 30  # one random crop per image, not one per batch


def test_digits_preset_shifts_up_to_2_pixels_and_never_flips():
    assert [type(layer).__name__ for layer in augmentation("digits", image_size=SIZE, rotate=10, zoom=0.1).layers] == [
        "RandomRotation", "RandomZoom", "RandomTranslation"]
    images = _in_pipeline(augmentation("digits", image_size=SIZE, seed=0))
    assert set(np.unique(images)) <= {0.0, 100.0, 200.0}  # pixels move, never blend
    dy, dx, flipped = _shifts_and_flips(images)
    assert not flipped.any()  # a mirrored digit is not that digit
    for shifts in (dy, dx):
        histogram = _histogram(shifts)
        np.testing.assert_allclose(histogram[2:7], np.full(5, 1 / 5), atol=0.04)  # uniform on -2..2
        assert histogram[[0, 1, 7, 8]].sum() == 0


def _bar_geometry(images):
    """(angle in degrees, length) of a bright bar in each image, from the
    second moments of its pixel intensities (a bar of n pixels: sqrt(12 var) ~ n)."""
    rows, cols = np.mgrid[:images.shape[1], :images.shape[2]]
    angles, lengths = [], []
    for image in keras.ops.convert_to_numpy(images)[..., 0]:
        w = image / image.sum()
        r, c = (w * rows).sum(), (w * cols).sum()
        mu20, mu02, mu11 = (w * (c - cols) ** 2).sum(), (w * (r - rows) ** 2).sum(), (w * (c - cols) * (r - rows)).sum()
        angles.append(np.degrees(0.5 * np.arctan2(2 * mu11, mu20 - mu02)))
        spread = (mu20 + mu02) / 2 + np.sqrt(((mu20 - mu02) / 2) ** 2 + mu11 ** 2)  # along the bar
        lengths.append(np.sqrt(12 * spread))
    return np.abs(np.array(angles)), np.array(lengths)


def test_digits_preset_options_rotate_up_to_10_degrees_and_zoom_up_to_10_percent():
    bar = np.zeros((1, 28, 28, 1), np.float32)
    bar[0, 13:15, 6:22] = 255.0  # 16 pixels long, centred
    batch = np.repeat(bar, 256, 0)
    angle, length = _bar_geometry(augmentation("digits", image_size=28, seed=0, pad=0, rotate=10)(batch, training=True))
    assert angle.max() <= 10.5 and angle.max() > 8 and np.median(angle) > 3  # uniform on -10..10 degrees
    np.testing.assert_allclose(length, 16, atol=0.8)  # rotation keeps the size
    angle, length = _bar_geometry(augmentation("digits", image_size=28, seed=0, pad=0, zoom=0.1)(batch, training=True))
    assert angle.max() < 0.5  # zoom keeps the angle
    assert 16 * 0.88 < length.min() < 16 * 0.95 and 16 * 1.05 < length.max() < 16 * 1.12  # +- 10%
    with pytest.raises(ValueError, match=r"option `rotate` must be in \[0, 180\); received -5"):
        augmentation("digits", image_size=28, rotate=-5)


@pytest.mark.parametrize("policy_name", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_pipeline_and_in_model_placements_give_the_same_distribution(policy_name, policy):
    policy(policy_name)
    aug = augmentation("cifar", image_size=SIZE, seed=1)
    assert all(layer.compute_dtype == "float32" for layer in aug.layers)
    on_cpu = _in_pipeline(aug)
    in_model = _in_model(augmentation("cifar", image_size=SIZE, seed=2))
    assert in_model.dtype == np.float32
    assert set(np.unique(in_model)) <= {0.0, 100.0, 200.0}  # not rounded by float16 / bfloat16
    a, b = _shifts_and_flips(on_cpu), _shifts_and_flips(in_model)
    assert abs(a[2].mean() - b[2].mean()) < 0.08  # flip rates
    for shifts_a, shifts_b in zip(a[:2], b[:2]):
        np.testing.assert_allclose(_histogram(shifts_a), _histogram(shifts_b), atol=0.05)
    np.testing.assert_allclose(on_cpu.mean(axis=0), in_model.mean(axis=0), atol=6.0)  # per-pixel means


@pytest.mark.parametrize("preset, policy_name", [("cifar", "float32"), ("strong", "mixed_float16")])
def test_augmentation_inside_the_model_is_off_at_inference(preset, policy_name, policy):
    policy(policy_name)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (8, SIZE, SIZE, 3)).astype("float32")
    inputs = keras.Input((SIZE, SIZE, 3))
    model = keras.Model(inputs, augmentation(preset, image_size=SIZE)(inputs))
    out = model.predict(x, verbose=0)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, x)
    assert not np.array_equal(keras.ops.convert_to_numpy(model(x, training=True)), x)


@pytest.mark.parametrize("policy_name", ["mixed_float16", "mixed_bfloat16"])
def test_strong_preset_trains_under_mixed_precision_without_dtype_errors(policy_name, policy):
    policy(policy_name)
    inputs = keras.Input((SIZE, SIZE, 3))
    h = augmentation("strong", image_size=SIZE, seed=0)(inputs)
    h = keras.layers.Rescaling(1 / 255)(h)
    h = keras.layers.Conv2D(4, 3)(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    outputs = keras.layers.Dense(3, dtype="float32")(h)
    model = keras.Model(inputs, outputs)
    # Eager steps: the same train_step code, without minutes of graph tracing of RandAugment.
    model.compile("sgd", keras.losses.SparseCategoricalCrossentropy(from_logits=True), run_eagerly=True)
    x = np.random.default_rng(0).integers(0, 256, (8, SIZE, SIZE, 3)).astype("uint8")
    history = model.fit(x, np.arange(8) % 3, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_strong_preset_adds_rand_augment_and_random_erasing_and_stays_in_range():
    aug = augmentation("strong", image_size=SIZE, seed=0)
    names = [type(layer).__name__ for layer in aug.layers]
    assert names == ["RandomTranslation", "RandomFlip", "RandAugment", "RandomErasing"]
    x = np.random.default_rng(0).integers(0, 256, (64, SIZE, SIZE, 3)).astype("uint8")
    out = keras.ops.convert_to_numpy(aug(x, training=True))
    assert out.min() >= 0.0 and out.max() <= 255.0
    assert not set(np.unique(out)) <= set(range(256))  # RandAugment interpolates / blends


def test_same_seed_gives_the_same_augmentation():
    x = np.repeat(_marker_image()[None], 32, 0)
    a = augmentation("cifar", image_size=SIZE, seed=5)(x, training=True)
    b = augmentation("cifar", image_size=SIZE, seed=5)(x, training=True)
    np.testing.assert_array_equal(a, b)


def test_options_can_be_overridden():
    aug = augmentation("cifar", image_size=SIZE, pad=2, flip=False)
    assert [type(layer).__name__ for layer in aug.layers] == ["RandomTranslation"]
    dy, dx, flipped = _shifts_and_flips(_in_pipeline(aug))
    assert set(dy) == set(range(-2, 3)) and not flipped.any()


@pytest.mark.parametrize("pad", [1, 2, 4])
def test_the_largest_shifts_the_layer_can_draw_stay_within_pad(pad):
    # A shift of exactly -(pad + 1/2) rounds away from zero to -(pad + 1): CI once drew it.
    layer = augmentation("cifar", image_size=SIZE, pad=pad, flip=False).layers[0]
    extremes = np.array([[layer.width_upper, layer.height_upper], [layer.width_lower, layer.height_lower]])
    x = np.repeat(_marker_image()[None], 2, 0).astype("float32")
    transformation = {"translations": (extremes * SIZE).astype("float32"), "input_shape": x.shape}
    dy, dx, _ = _shifts_and_flips(keras.ops.convert_to_numpy(layer.transform_images(x, transformation)))
    assert list(dy) == list(dx) == [pad, -pad]


def test_none_preset_is_no_augmentation():
    assert augmentation("none", image_size=32) is None
    assert augmentation(None, image_size=32) is None
    # Options that leave no layer are no augmentation too (Keras cannot call an empty Pipeline).
    assert augmentation("cifar", image_size=32, pad=0, flip=False) is None


def test_unknown_preset_and_option_list_the_choices_with_the_closest():
    expected = r"unknown augmentation preset 'cifra'; presets: \['none', 'cifar', 'strong', 'digits'\]; did you mean `cifar`\?"  # noqa: E501
    with pytest.raises(ValueError, match=expected):
        augmentation("cifra", image_size=32)
    with pytest.raises(ValueError, match=r"unknown option 'pading'.*did you mean `pad`\?"):
        augmentation("cifar", image_size=32, pading=2)


def test_model_with_augmentation_inside_saves_and_loads(tmp_path):
    inputs = keras.Input((SIZE, SIZE, 3))
    h = augmentation("cifar", image_size=SIZE)(inputs)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(keras.layers.Rescaling(1 / 255)(h)))
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    x = np.random.default_rng(0).integers(0, 256, (4, SIZE, SIZE, 3)).astype("float32")
    np.testing.assert_allclose(loaded(x, training=False), model(x, training=False), rtol=1e-5)


def test_strong_preset_config_round_trips():
    aug = augmentation("strong", image_size=SIZE, seed=3, erasing_probability=0.25)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(aug))
    assert [type(layer).__name__ for layer in restored.layers] == [type(layer).__name__ for layer in aug.layers]
    assert restored.layers[-1].get_config() == aug.layers[-1].get_config()
