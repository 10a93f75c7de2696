"""`recipes evaluate` and `recipes predict` on tiny trained runs: held-out
data by default, per-class accuracy and a confusion matrix written to the run
directory; top-k predictions for image files, folders, arrays and texts; one-
line errors for inputs that cannot be used."""

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from keras_recipes import evaluate, predict, rundir
from tests_support.cli_asserts import invoke, one_line_error
from tests_support.serving_runs import image_run, text_run, train
from tests_support.toy_data import toy_texts

CLASSES = ["cat", "dog", "frog"]


def write_image_folder(root, per_class, size=(10, 12), seed=0):
    """root/<class>/<i>.png, class c about 80 * c bright (not the model's 8x8)."""
    rng = np.random.default_rng(seed)
    for c, name in enumerate(CLASSES):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 60, (*size, 3)) + 80 * c
            Image.fromarray(pixels.astype("uint8")).save(root / name / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def data_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("pictures")
    write_image_folder(root / "train", per_class=12)
    write_image_folder(root / "test", per_class=4, seed=1)
    return root


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory, data_root):
    """The toy CNN trained on an image folder with train/ and test/ splits."""
    return train(tmp_path_factory.mktemp("folder-run") / "run", "toy-cnn",
                 [f"data.source={data_root}"])


# -- evaluate ---------------------------------------------------------------------

def test_evaluate_uses_the_test_split_and_writes_json_and_png(folder_run, data_root):
    result = invoke("evaluate", folder_run)
    assert result.exit_code == 0, result.output
    saved = json.loads((folder_run / "evaluation.json").read_text())
    assert saved["data"] == f"the test split of {data_root}"
    assert saved["examples"] == 12 and saved["checkpoint"] == "best"
    matrix = np.array(saved["confusion_matrix"])
    assert matrix.shape == (3, 3) and matrix.sum() == 12 and (matrix.sum(axis=1) == 4).all()
    assert saved["accuracy"] == pytest.approx(np.trace(matrix) / 12)
    assert set(saved["per_class"]) == set(CLASSES)
    for i, name in enumerate(CLASSES):
        assert saved["per_class"][name]["support"] == 4
        assert saved["per_class"][name]["accuracy"] == pytest.approx(matrix[i, i] / 4)
    png = folder_run / "confusion_matrix.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The printed report: the summary, the per-class table, the matrix.
    assert f"accuracy {saved['accuracy']:.4f}" in result.output
    assert "class  examples  accuracy  precision" in result.output
    assert "confusion matrix (rows: true class, columns: predicted class):" in result.output


def test_evaluate_json_prints_what_it_writes(folder_run):
    result = invoke("evaluate", folder_run, "--json")
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == json.loads((folder_run / "evaluation.json").read_text())
    assert printed["examples"] == 12 and "confusion_matrix" in printed


def test_evaluate_matches_the_keras_model_on_the_same_images(folder_run, data_root):
    import keras

    from keras_recipes.inference.inputs import read_image

    model = keras.saving.load_model(folder_run / rundir.BEST_MODEL)
    paths = sorted((data_root / "test").rglob("*.png"))
    x = np.stack([read_image(p, (8, 8, 3)) for p in paths])
    y = np.array([CLASSES.index(p.parent.name) for p in paths])
    expected = float(np.mean(model.predict(x, verbose=0).argmax(-1) == y))
    assert evaluate(folder_run, verbose=False)["accuracy"] == pytest.approx(expected)


def test_without_a_test_split_evaluate_uses_validation_and_says_so(folder_run, data_root, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(folder_run, run_dir)
    config = run_dir / rundir.CONFIG
    alone = tmp_path / "alone"  # a train/ folder with no test/ beside it
    alone.mkdir()
    (alone / "train").symlink_to(data_root / "train")
    config.write_text(config.read_text().replace(str(data_root), str(alone / "train")))
    result = invoke("evaluate", run_dir, "--checkpoint", "final")
    assert result.exit_code == 0, result.output
    assert "has no test split; evaluating on the validation split (9 examples held out" in result.output
    saved = json.loads((run_dir / "evaluation.json").read_text())
    assert saved["examples"] == 9 and saved["checkpoint"] == "final"
    assert saved["data"] == f"the validation split of {alone / 'train'}"
    # Pointed at the run's own training folder, it still scores only the held-out part.
    saved = evaluate(run_dir, data=str(alone / "train"), verbose=False)
    assert saved["examples"] == 9 and saved["notes"][0].startswith(
        f"{alone / 'train'} is the data this run trained on; evaluating on the part")
    # With nothing held out, scoring the training folder is refused.
    config.write_text(config.read_text().replace("val_fraction: 0.25", "val_fraction: 0.0"))
    line = one_line_error(invoke("evaluate", run_dir, "--data", alone / "train"))
    assert "is the data" in line and "measures memorisation" in line
    # A test/ folder beside the train/ folder the run names is its test split.
    config.write_text(config.read_text().replace(str(alone / "train"), str(data_root / "train")))
    saved = evaluate(run_dir, verbose=False)
    assert saved["examples"] == 12 and saved["data"] == f"the test split of {data_root / 'train'}"
    # A val/ folder is the validation split as it is (test/ plays it here).
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "train").symlink_to(data_root / "train")
    (layout / "val").symlink_to(data_root / "test")
    config.write_text(config.read_text().replace(str(data_root / "train"), str(layout)))
    saved = evaluate(run_dir, verbose=False)
    assert saved["examples"] == 12 and saved["data"] == f"the validation split of {layout}"
    assert saved["notes"] == [f"{layout} has no test split; evaluating on its validation split "
                              f"({layout / 'val'})"]


def test_evaluate_other_data_and_in_memory_runs(tmp_path_factory, data_root):
    run_dir = image_run(tmp_path_factory)  # trained on arrays: no data source to fall back to
    line = one_line_error(invoke("evaluate", run_dir))
    assert "trained on in-memory data" in line and "--data" in line
    # Class folders are matched to the run's class names (here 0, 1, 2).
    line = one_line_error(invoke("evaluate", run_dir, "--data", data_root / "test"))
    assert f"class folder {data_root / 'test' / '0'} not found" in line
    x, y = np.zeros((6, 8, 8, 3), np.uint8), np.arange(6) % 3
    saved = evaluate(run_dir, data=(x, y), verbose=False)
    assert saved["examples"] == 6 and saved["data"] == "all of the given data"


def test_evaluate_text_run(tmp_path_factory):
    texts, labels = toy_texts(12, seed=3)
    saved = evaluate(text_run(tmp_path_factory), data=(texts, labels), verbose=False)
    assert saved["examples"] == 12 and len(saved["confusion_matrix"]) == 2
    assert "top5_accuracy" not in saved


# -- predict ----------------------------------------------------------------------

def test_predict_images_from_files_and_folders(folder_run, data_root):
    result = invoke("predict", folder_run, data_root / "test" / "cat", data_root / "test" / "dog" / "0.png",
                    "--top-k", "2", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["input"] for r in rows] == [
        *(str(data_root / "test" / "cat" / f"{i}.png") for i in range(4)),
        str(data_root / "test" / "dog" / "0.png")]
    for row in rows:
        probs = [p["probability"] for p in row["predictions"]]
        assert len(probs) == 2 and probs == sorted(probs, reverse=True)
        assert {p["class"] for p in row["predictions"]} <= set(CLASSES)
    table = invoke("predict", folder_run, data_root / "test" / "frog" / "1.png", "-k", "1")
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0].split() == ["input", "rank", "class", "probability"]


def test_predict_agrees_with_the_model_on_arrays_and_converts_grayscale(folder_run, tmp_path):
    import keras

    model = keras.saving.load_model(folder_run / rundir.BEST_MODEL)
    x = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3)).astype("uint8")
    rows = predict(folder_run, x, top_k=3)
    probs = model.predict(x, verbose=0)
    for row, p in zip(rows, probs):
        assert row["predictions"][0]["class"] == CLASSES[int(p.argmax())]
        assert row["predictions"][0]["probability"] == pytest.approx(float(p.max()), abs=1e-5)
    gray = np.full((8, 8), 200, np.uint8)
    Image.fromarray(gray, mode="L").save(tmp_path / "gray.png")
    [row] = predict(folder_run, tmp_path / "gray.png", top_k=1)
    rgb = np.repeat(gray[None, ..., None], 3, axis=-1)
    assert row["predictions"][0]["class"] == CLASSES[int(model.predict(rgb, verbose=0).argmax())]
    # An opaque alpha channel carries nothing: it is dropped.
    rgba = np.dstack([np.full((8, 8, 3), 90, np.uint8), np.full((8, 8), 255, np.uint8)])
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "opaque.png")
    assert predict(folder_run, [tmp_path / "opaque.png"])[0]["input"] == str(tmp_path / "opaque.png")


def test_predict_texts_from_strings_and_files(tmp_path_factory, tmp_path):
    run_dir = text_run(tmp_path_factory)
    (tmp_path / "review.txt").write_text("good film, good actor")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "a.txt").write_text("bad plot")
    result = invoke("predict", run_dir, "bad movie", tmp_path / "review.txt", "--json", "-k", "5")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["input"] for r in rows] == ["bad movie", str(tmp_path / "review.txt")]
    assert all(len(r["predictions"]) == 2 for r in rows)  # top-k is capped at the classes
    assert sum(p["probability"] for p in rows[0]["predictions"]) == pytest.approx(1.0, abs=1e-5)
    rows = predict(run_dir, [tmp_path / "more", tmp_path / "review.txt"], files=True)
    assert [r["input"] for r in rows] == [str(tmp_path / "more" / "a.txt"), str(tmp_path / "review.txt")]
    # The same text as a string and as a file predicts the same.
    as_text = predict(run_dir, ["good film, good actor"], files=False)[0]["predictions"]
    assert as_text == rows[1]["predictions"]


def test_alpha_is_dropped_as_the_training_loader_drops_it(folder_run, tmp_path):
    rgba = np.random.default_rng(0).integers(0, 256, (8, 8, 4), dtype=np.uint8)
    rgba[..., 3] = 128  # half transparent: the RGB values are what training saw
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "transparent.png")
    Image.fromarray(rgba[..., :3], mode="RGB").save(tmp_path / "opaque.png")
    with_alpha, without = predict(folder_run, [tmp_path / "transparent.png", tmp_path / "opaque.png"])
    assert with_alpha["predictions"] == without["predictions"]


def test_wrong_channels_and_unreadable_files_are_one_line_errors(folder_run, tmp_path):

    two = np.zeros((8, 8, 5), np.uint8)
    with pytest.raises(Exception, match="input 0 has 5 channels; the model takes 3 channels"):
        predict(folder_run, two)

    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    line = one_line_error(invoke("predict", folder_run, tmp_path / "broken.png"))
    assert f"unreadable image file {tmp_path / 'broken.png'}" in line

    line = one_line_error(invoke("predict", folder_run, tmp_path / "nope.jpg"))
    assert f"no such file or folder: {tmp_path / 'nope.jpg'}" in line
    (tmp_path / "empty").mkdir()
    line = one_line_error(invoke("predict", folder_run, tmp_path / "empty"))
    assert "no files ending in .jpg" in line


def test_predict_and_evaluate_need_a_model(tmp_path):
    line = one_line_error(invoke("predict", tmp_path, "x.png"))
    assert f"no trained model in {tmp_path}" in line
    line = one_line_error(invoke("evaluate", tmp_path / "missing"))
    assert "run directory not found" in line


def test_export_checks_parity_on_the_runs_own_images(folder_run, tmp_path):
    from keras_recipes import export

    result = export(folder_run, format="saved_model", output=tmp_path / "sm", verbose=False)
    assert result.inputs_from.startswith("examples from ") and result.examples == 12
    assert result.max_abs_diff < 1e-4
