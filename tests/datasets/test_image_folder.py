"""Image folders: `root/<class>/*` and `root/train|val|test/<class>/*`, and their bad inputs."""

import os

import numpy as np
import pytest
from data_helpers import CIFAR_CLASSES, collect, make_image_folder, write_image, write_text

from keras_recipes.datasets import DataError, DataWarning, load_splits


def test_real_cifar_folder_gives_uint8_images_int_labels_and_a_stratified_val_split(cifar_folder, capsys):
    splits = load_splits(cifar_folder, kind="image", val_fraction=0.1, seed=0)

    assert splits.kind == "image"
    assert splits.class_names == CIFAR_CLASSES
    assert splits.counts == {"train": 180, "val": 20, "test": 0}
    assert splits.test is None
    assert splits.summary() == "train 180 / val 20 / test 0 examples, 10 classes, images 32x32x3 uint8"
    assert splits.summary() in capsys.readouterr().out  # printed once loaded
    x, y = collect(splits.train)
    assert x.dtype == np.uint8 and x.shape == (180, 32, 32, 3)
    assert splits.train.element_spec[1].dtype.name == "int32"
    assert np.bincount(y, minlength=10).tolist() == [18] * 10
    _, y_val = collect(splits.val)
    assert np.bincount(y_val, minlength=10).tolist() == [2] * 10  # 10% of every class
    assert splits.train.cardinality().numpy() == 180


def test_val_split_is_deterministic_given_the_seed_and_disjoint_from_train(cifar_folder):
    def val_pixels(seed):
        splits = load_splits(cifar_folder, kind="image", seed=seed, progress=False)
        return collect(splits.val)[0], collect(splits.train)[0]

    val_a, train_a = val_pixels(0)
    val_b, _ = val_pixels(0)
    val_c, _ = val_pixels(1)
    np.testing.assert_array_equal(val_a, val_b)
    assert not np.array_equal(val_a, val_c)
    train_keys = {img.tobytes() for img in train_a}
    assert not any(img.tobytes() in train_keys for img in val_a)


def test_train_examples_come_in_a_seeded_random_order_not_class_by_class(cifar_folder):
    # A shuffle buffer smaller than the data set would otherwise see one class at a time.
    labels = [collect(load_splits(cifar_folder, kind="image", seed=s, progress=False).train)[1] for s in (0, 0, 1)]
    assert len(set(labels[0][:20].tolist())) >= 5
    np.testing.assert_array_equal(labels[0], labels[1])
    assert not np.array_equal(labels[0], labels[2])


def test_val_fraction_zero_keeps_everything_in_train(cifar_folder):
    splits = load_splits(cifar_folder, kind="image", val_fraction=0.0, progress=False)
    assert splits.val is None
    assert splits.counts == {"train": 200, "val": 0, "test": 0}


def test_images_decoded_lazily_from_files_equal_images_kept_in_memory(cifar_folder):
    in_memory = load_splits(cifar_folder, kind="image", progress=False)
    from_files = load_splits(cifar_folder, kind="image", progress=False, max_in_memory_mb=0)
    for a, b in [(in_memory.train, from_files.train), (in_memory.val, from_files.val)]:
        xa, ya = collect(a)
        xb, yb = collect(b)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)


def test_split_layout_uses_its_val_and_test_folders(tmp_path):
    for split, n in [("train", 6), ("validation", 2), ("test", 3)]:
        make_image_folder(tmp_path / split, per_class=n)
    splits = load_splits(tmp_path, kind="image", val_fraction=0.5, progress=False)
    assert splits.counts == {"train": 12, "val": 4, "test": 6}  # val_fraction unused: val exists
    assert splits.class_names == ["cat", "dog"]


def test_split_layout_without_val_carves_it_from_train(tmp_path):
    make_image_folder(tmp_path / "train", per_class=10)
    make_image_folder(tmp_path / "test", per_class=3)
    splits = load_splits(tmp_path, kind="image", val_fraction=0.2, progress=False)
    assert splits.counts == {"train": 16, "val": 4, "test": 6}


def test_a_train_folder_named_directly_uses_the_test_folder_beside_it(tmp_path):
    """`--data data/train` (how the archives unpack) keeps data/test as the test split."""
    make_image_folder(tmp_path / "train", per_class=10)
    make_image_folder(tmp_path / "test", per_class=3)
    splits = load_splits(tmp_path / "train", kind="image", val_fraction=0.2, progress=False)
    assert splits.counts == {"train": 16, "val": 4, "test": 6}
    # Any other folder name is the train split alone.
    os.rename(tmp_path / "train", tmp_path / "images")
    splits = load_splits(tmp_path / "images", kind="image", val_fraction=0.2, progress=False)
    assert splits.counts == {"train": 16, "val": 4, "test": 0}
    # The MNIST PNG archives name them training/ and testing/.
    os.rename(tmp_path / "images", tmp_path / "training")
    os.rename(tmp_path / "test", tmp_path / "testing")
    for source in (tmp_path, tmp_path / "training"):
        splits = load_splits(source, kind="image", val_fraction=0.2, progress=False)
        assert splits.counts == {"train": 16, "val": 4, "test": 6}


def test_class_names_pick_and_order_the_class_folders(tmp_path):
    make_image_folder(tmp_path, classes=("a", "b", "c"), per_class=2)
    splits = load_splits(tmp_path, kind="image", class_names=["c", "a"], val_fraction=0, progress=False)
    assert splits.class_names == ["c", "a"]
    assert splits.counts["train"] == 4


def test_images_of_mixed_sizes_are_resized_to_image_size(tmp_path):
    write_image(tmp_path / "a" / "big.png", np.full((40, 30, 3), 200))
    write_image(tmp_path / "a" / "small.jpg", np.full((10, 12, 3), 100))
    write_image(tmp_path / "b" / "exact.png", np.full((16, 16, 3), 50))
    splits = load_splits(tmp_path, kind="image", image_size=16, val_fraction=0, progress=False)
    x, _ = collect(splits.train)
    assert x.shape == (3, 16, 16, 3) and x.dtype == np.uint8
    assert sorted(x[:, 8, 8, 0].tolist()) == [50, 100, 200]  # flat colours survive resizing


def test_images_of_mixed_sizes_without_image_size_name_two_files(tmp_path):
    write_image(tmp_path / "a" / "1.png", np.zeros((8, 8, 3)))
    write_image(tmp_path / "b" / "2.png", np.zeros((9, 8, 3)))
    with pytest.raises(DataError, match=r"different sizes .*1\.png.*2\.png.*image_size"):
        load_splits(tmp_path, kind="image", progress=False)


def test_grayscale_and_rgba_images_are_converted_to_the_requested_channels(tmp_path):
    write_image(tmp_path / "gray" / "g.png", np.full((8, 8), 90))
    write_image(tmp_path / "rgba" / "r.png", np.dstack([np.full((8, 8, 3), 30), np.full((8, 8), 7)]))
    rgb, labels = collect(load_splits(tmp_path, kind="image", val_fraction=0, progress=False).train)
    rgb = rgb[np.argsort(labels)]
    assert rgb.shape == (2, 8, 8, 3)
    np.testing.assert_array_equal(rgb[0], np.full((8, 8, 3), 90))
    np.testing.assert_array_equal(rgb[1], np.full((8, 8, 3), 30))  # alpha dropped
    gray = collect(load_splits(tmp_path, kind="image", channels=1, val_fraction=0, progress=False).train)[0]
    assert gray.shape == (2, 8, 8, 1)


def test_one_channel_pngs_keep_every_gray_level_exactly(tmp_path):
    """MNIST's layout: 1-channel PNGs read with channels=1 (decoded via RGB
    and back to luma) must not move any of the 256 levels."""
    levels = np.arange(256).reshape(16, 16)
    write_image(tmp_path / "0" / "all-levels.png", levels)
    write_image(tmp_path / "1" / "reversed.png", levels[::-1])
    images, labels = collect(load_splits(tmp_path, kind="image", channels=1, image_size=16,
                                         val_fraction=0, progress=False).train)
    images = images[np.argsort(labels)]
    assert images.shape == (2, 16, 16, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[0, ..., 0], levels)
    np.testing.assert_array_equal(images[1, ..., 0], levels[::-1])


def test_non_image_files_are_ignored(tmp_path):
    make_image_folder(tmp_path, per_class=2)
    write_text(tmp_path / "cat" / "notes.txt", "not an image")
    write_text(tmp_path / "dog" / ".DS_Store", b"\x00\x01")
    write_text(tmp_path / "labels.csv", "a,b")
    splits = load_splits(tmp_path, kind="image", val_fraction=0, progress=False)
    assert splits.counts["train"] == 4 and splits.skipped == []


def test_corrupt_and_truncated_images_are_skipped_with_a_warning_naming_them(tmp_path, cifar_folder):
    make_image_folder(tmp_path, per_class=3)
    cats = os.path.join(cifar_folder, "cat")
    with open(os.path.join(cats, sorted(os.listdir(cats))[0]), "rb") as f:
        good = f.read()
    truncated = write_text(tmp_path / "cat" / "truncated.jpg", good[: len(good) // 2])
    garbage = write_text(tmp_path / "dog" / "garbage.jpg", b"this is not a jpeg")
    with pytest.warns(DataWarning, match="skipped 2 unreadable") as record:
        splits = load_splits(tmp_path, kind="image", val_fraction=0, progress=False)
    message = str(record[0].message)
    assert str(truncated) in message and str(garbage) in message
    assert sorted(splits.skipped) == sorted([str(truncated), str(garbage)])
    assert splits.counts["train"] == 6
    assert "2 unreadable files skipped" in splits.summary()


def test_strict_mode_raises_on_the_first_corrupt_image(tmp_path):
    make_image_folder(tmp_path, per_class=2)
    bad = write_text(tmp_path / "dog" / "broken.png", b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DataError, match=f"unreadable image file {bad}"):
        load_splits(tmp_path, kind="image", strict=True, progress=False)


def test_missing_directory_is_named(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(DataError, match=f"data directory not found: {missing}"):
        load_splits(str(missing), kind="image")


def test_empty_class_folder_is_named(tmp_path):
    make_image_folder(tmp_path, per_class=2)
    write_text(tmp_path / "empty" / "readme.md", "no images here")
    with pytest.raises(DataError, match=f"empty class folder {tmp_path / 'empty'}"):
        load_splits(tmp_path, kind="image", progress=False)


def test_folder_with_one_class_is_refused(tmp_path):
    make_image_folder(tmp_path, classes=("only",), per_class=3)
    with pytest.raises(DataError, match=r"only one class folder \(only\)"):
        load_splits(tmp_path, kind="image", progress=False)


def test_class_names_differing_between_train_and_test_name_both_lists(tmp_path):
    make_image_folder(tmp_path / "train", classes=("cat", "dog"), per_class=2)
    make_image_folder(tmp_path / "test", classes=("cat", "cow"), per_class=2)
    with pytest.raises(DataError, match=r"\['cat', 'dog'\].*\['cat', 'cow'\]"):
        load_splits(tmp_path, kind="image", progress=False)


def test_val_and_test_images_are_resized_to_the_train_size(tmp_path):
    make_image_folder(tmp_path / "train", per_class=2, size=(8, 8))
    make_image_folder(tmp_path / "test", per_class=2, size=(12, 12))
    splits = load_splits(tmp_path, kind="image", val_fraction=0, progress=False)
    assert collect(splits.test)[0].shape == (4, 8, 8, 3)


def test_a_file_instead_of_a_folder_is_reported(tmp_path):
    archive = write_text(tmp_path / "data.tar.gz", b"...")
    with pytest.raises(DataError, match="not a directory"):
        load_splits(str(archive), kind="image")


def test_progress_bar_is_shown_for_large_folders_only(tmp_path, capsys, monkeypatch):
    make_image_folder(tmp_path, per_class=3)
    splits = load_splits(tmp_path, kind="image", val_fraction=0, progress=True)
    assert capsys.readouterr().out == splits.summary() + "\n"  # small: just the summary
    monkeypatch.setattr("keras_recipes.datasets.image_folder.PROGRESS_MIN_FILES", 2)
    monkeypatch.setattr("keras_recipes.datasets.folders.PROGRESS_MIN_FILES", 2)
    load_splits(tmp_path, kind="image", val_fraction=0, progress=True)
    assert "6/6" in capsys.readouterr().out
