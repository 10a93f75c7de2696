"""A recipe checks a data folder against what it was made for, before loading it."""

import numpy as np
import pytest
from PIL import Image

from keras_recipes import config as C
from keras_recipes.errors import DataError
from keras_recipes.registry import get_recipe
from keras_recipes.training.data_fit import data_fit_warnings


def folder(root, classes=10, size=(32, 32), mode="RGB", ext="png"):
    rng = np.random.default_rng(0)
    for c in range(classes):
        (root / f"c{c}").mkdir(parents=True)
        if ext == "txt":
            (root / f"c{c}" / "0.txt").write_text("a review")
            continue
        shape = (*size, 3) if mode == "RGB" else size
        Image.fromarray(rng.integers(0, 256, shape).astype("uint8"), mode).save(root / f"c{c}" / f"0.{ext}")
    return root


def cfg(recipe, *overrides):
    return C.apply_overrides(get_recipe(recipe).config(), list(overrides))


def test_what_the_recipe_was_made_for_passes_silently(tmp_path):
    assert data_fit_warnings(cfg("cifar-resnet"), folder(tmp_path / "cifar")) == []
    assert data_fit_warnings(cfg("mnist-cnn"), folder(tmp_path / "mnist", size=(28, 28), mode="L")) == []
    # Grayscale digits saved as RGB files are grayscale.
    gray_rgb = tmp_path / "gray-rgb"
    for c in range(10):
        (gray_rgb / str(c)).mkdir(parents=True)
        Image.new("RGB", (28, 28), (90, 90, 90)).save(gray_rgb / str(c) / "0.png")
    assert data_fit_warnings(cfg("mnist-cnn"), gray_rgb) == []


def test_a_cifar_folder_for_mnist_cnn_is_refused_unless_asked_for(tmp_path):
    cifar = folder(tmp_path / "cifar")
    with pytest.raises(DataError, match=r"holds 32x32 colour images, but mnist-cnn is made for "
                                        r"28x28 grayscale ones .*data.convert=true"):
        data_fit_warnings(cfg("mnist-cnn"), cifar)
    notes = data_fit_warnings(cfg("mnist-cnn", "data.convert=true"), cifar)
    assert notes == [f"mnist-cnn converts the 32x32 colour images of {cifar} to 28x28 grayscale "
                     "(data.image_size, data.channels)"]


def test_one_conversion_or_other_classes_is_a_warning(tmp_path):
    small = folder(tmp_path / "small", classes=5, size=(28, 28))
    notes = data_fit_warnings(cfg("cifar-resnet"), small)
    assert notes[0] == (f"cifar-resnet is made for 10 classes; {small} has 5 class folders, "
                        "so it trains a 5-class model")
    assert notes[1].startswith("cifar-resnet converts the 28x28 colour images")


def test_text_for_an_image_recipe_and_images_for_a_text_recipe_are_refused(tmp_path):
    with pytest.raises(DataError, match="holds text files, but mnist-cnn trains on images"):
        data_fit_warnings(cfg("mnist-cnn"), folder(tmp_path / "text", classes=2, ext="txt"))
    with pytest.raises(DataError, match="holds images, but imdb-lstm trains on text"):
        data_fit_warnings(cfg("imdb-lstm"), folder(tmp_path / "images", classes=2))


def test_the_cli_refuses_it_in_one_line_before_loading(tmp_path):
    from click.testing import CliRunner

    from keras_recipes.cli.main import cli

    result = CliRunner().invoke(cli, ["run", "mnist-cnn", "--data", str(folder(tmp_path / "c")),
                                      "--output", str(tmp_path / "run")])
    assert result.exit_code == 2 and "but mnist-cnn is made for 28x28 grayscale" in result.output
    assert not (tmp_path / "run").exists()
