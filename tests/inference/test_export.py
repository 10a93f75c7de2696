"""`recipes export`: every format serves without keras-recipes and matches the
Keras model; mixed-precision runs export float32; bad requests fail in one line.

The artifacts are loaded back in a fresh Python that imports only
TensorFlow / ONNX Runtime / NumPy (and Keras for .keras archives), once for
the whole module, and every test reads its part of that one report.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_recipes import rundir
from tests_support.cli_asserts import invoke, one_line_error
from tests_support.serving_runs import bf16_run, image_run, text_run
from tests_support.toy_data import toy_images

HAS_ONNX = all(__import__("importlib").util.find_spec(m) for m in ("onnxruntime", "tf2onnx"))
TOLERANCE = 1e-4


def keras_probabilities(model, x):
    import tensorflow as tf

    return np.asarray(model(tf.constant(x), training=False))


# -- the standalone reload -----------------------------------------------------------

# Loads each artifact with its own runtime and saves its outputs for batch 1 and 5.
STANDALONE = r"""
import json, sys
import numpy as np
import tensorflow as tf

report = {"signatures": {}}
for job in json.load(open(sys.argv[1])):
    fmt, path, name = job["format"], job["path"], job["input"]
    x = np.load(job["inputs"], allow_pickle=True)
    if fmt == "saved_model":
        serve = tf.saved_model.load(path).signatures["serving_default"]
        report["signatures"][job["id"]] = {
            "inputs": {k: [v.dtype.name, v.shape.as_list()]
                       for k, v in serve.structured_input_signature[1].items()},
            "outputs": {k: [v.dtype.name, v.shape.as_list()]
                        for k, v in serve.structured_outputs.items()},
        }
        run = lambda b: serve(**{name: tf.constant(b)})["probabilities"].numpy()
    elif fmt == "tflite":
        runner = tf.lite.Interpreter(model_path=path).get_signature_runner("serving_default")
        run = lambda b: runner(**{name: b})["probabilities"]
    elif fmt == "onnx":
        import onnxruntime
        session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
        run = lambda b: session.run(["probabilities"], {name: b})[0]
    else:
        import keras
        model = keras.saving.load_model(path, compile=False)
        run = lambda b: np.asarray(model(tf.constant(b), training=False))
    for n in (1, 5):
        out = run(x[:n])
        np.save(job["out"] + f"-{n}.npy", out)
report["keras_recipes_imported"] = sorted(m for m in sys.modules if m.startswith("keras_recipes"))
print("REPORT " + json.dumps(report))
"""


def reload_standalone(jobs, workdir):
    """Run STANDALONE on ``jobs``; return (report, {job id: {batch: outputs}})."""
    spec = workdir / "jobs.json"
    spec.write_text(json.dumps(jobs))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH="")
    proc = subprocess.run([sys.executable, "-c", STANDALONE, str(spec)], capture_output=True,
                          text=True, env=env, cwd=workdir, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("REPORT ")][-1]
    report = json.loads(line[len("REPORT "):])
    outputs = {job["id"]: {n: np.load(job["out"] + f"-{n}.npy") for n in (1, 5)} for job in jobs}
    return report, outputs


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Every supported (run, format) exported, then reloaded without keras_recipes."""
    from keras_recipes import export

    work = tmp_path_factory.mktemp("served")
    runs = {"image": image_run(tmp_path_factory), "text": text_run(tmp_path_factory),
            "bf16": bf16_run(tmp_path_factory)}
    plan = [("image", "saved_model"), ("image", "keras"), ("image", "tflite"),
            ("text", "saved_model"), ("text", "keras"), ("bf16", "saved_model"), ("bf16", "tflite")]
    if HAS_ONNX:
        plan += [("image", "onnx"), ("bf16", "onnx")]
    inputs = {"image": toy_images(5, seed=1)[0], "bf16": toy_images(5, seed=1)[0],
              "text": np.array(["good movie", "bad plot, AWFUL ending!", "", "unseen-word",
                                "good " * 40], dtype=object)}
    for kind, x in inputs.items():
        np.save(work / f"{kind}.npy", x, allow_pickle=True)
    jobs, results = [], {}
    for kind, fmt in plan:
        suffix = {"saved_model": "", "keras": ".keras", "tflite": ".tflite", "onnx": ".onnx"}[fmt]
        results[kind, fmt] = export(runs[kind], format=fmt, output=work / f"{kind}-{fmt}{suffix}",
                                    verbose=False)
        # Keras alone cannot load a .keras archive that uses keras_recipes layers (the
        # toy image model's ConvBNReLU, the text model's SequencePooling): checked below.
        if fmt != "keras":
            jobs.append({"id": f"{kind}-{fmt}", "format": fmt, "path": str(results[kind, fmt].path),
                         "input": results[kind, fmt].input_name, "inputs": str(work / f"{kind}.npy"),
                         "out": str(work / f"{kind}-{fmt}-out")})
    report, outputs = reload_standalone(jobs, work)
    # The Keras models' own outputs: as trained, and rebuilt in float32.
    from keras_recipes.inference.run import float32_model, load_run

    trained, float32 = {}, {}
    for kind, run_dir in runs.items():
        loaded = load_run(run_dir)
        trained[kind] = keras_probabilities(loaded.model, inputs[kind])
        float32[kind] = keras_probabilities(float32_model(loaded), inputs[kind])
    return {"runs": runs, "results": results, "report": report, "outputs": outputs,
            "inputs": inputs, "trained": trained, "float32": float32}


def assert_matches(served, kind, fmt):
    reference = served["float32"][kind]
    for n in (1, 5):
        got = served["outputs"][f"{kind}-{fmt}"][n]
        assert got.shape == (n, reference.shape[1]) and got.dtype == np.float32
        np.testing.assert_allclose(got, reference[:n], atol=TOLERANCE, rtol=0)
        np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)


def test_reload_never_imports_keras_recipes(served):
    assert served["report"]["keras_recipes_imported"] == []


def test_image_saved_model_takes_uint8_images_of_any_batch_size(served):
    signature = served["report"]["signatures"]["image-saved_model"]
    assert signature == {"inputs": {"image": ["uint8", [None, 8, 8, 3]]},
                         "outputs": {"probabilities": ["float32", [None, 3]]}}
    assert_matches(served, "image", "saved_model")
    result = served["results"]["image", "saved_model"]
    assert result.max_abs_diff < TOLERANCE and result.examples == 16
    assert json.loads((result.path / "assets.extra" / "class_names.json").read_text()) == ["0", "1", "2"]


def test_text_saved_model_takes_raw_strings(served):
    signature = served["report"]["signatures"]["text-saved_model"]
    assert signature == {"inputs": {"text": ["string", [None]]},
                         "outputs": {"probabilities": ["float32", [None, 2]]}}
    assert_matches(served, "text", "saved_model")


def test_tflite_serves_images(served):
    assert_matches(served, "image", "tflite")


@pytest.mark.skipif(not HAS_ONNX, reason="needs onnxruntime and tf2onnx (the `export` extra)")
def test_onnx_serves_images(served):
    assert_matches(served, "image", "onnx")


@pytest.mark.parametrize("kind, layer", [("image", "ConvBNReLU"), ("text", "SequencePooling")])
def test_keras_archive_round_trips(served, kind, layer):
    # The export says what loading the archive needs, and with it the archive loads.
    result = served["results"][kind, "keras"]
    assert any(layer in note and "keras_recipes.layers" in note for note in result.notes)
    model = keras.saving.load_model(result.path, compile=False)
    np.testing.assert_allclose(keras_probabilities(model, served["inputs"][kind]),
                               served["trained"][kind], atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("fmt", ["saved_model", "tflite", "onnx"])
def test_mixed_bfloat16_run_with_augmentation_exports_float32(served, fmt):
    if fmt == "onnx" and not HAS_ONNX:
        pytest.skip("needs onnxruntime and tf2onnx")
    result = served["results"]["bf16", fmt]
    assert result.precision == "mixed_bfloat16" and result.max_abs_diff < TOLERANCE
    assert any("mixed_bfloat16" in note for note in result.notes)
    assert any("left out the augmentation layers" in note for note in result.notes)
    assert_matches(served, "bf16", fmt)  # exact to the float32 rebuild ...
    got = served["outputs"][f"bf16-{fmt}"][5]
    np.testing.assert_allclose(got, served["trained"]["bf16"], atol=2e-2)  # ... close to bf16
    assert np.abs(served["trained"]["bf16"] - served["float32"]["bf16"]).max() > 0  # really bf16


# -- the CLI and its errors ----------------------------------------------------------

def test_cli_export_prints_the_parity_check(tmp_path_factory, tmp_path):
    run_dir = image_run(tmp_path_factory)
    result = invoke("export", run_dir, "--format", "saved_model", "--checkpoint", "final")
    assert result.exit_code == 0, result.output
    assert f"exported saved_model to {run_dir / 'export' / 'saved_model'}" in result.output
    assert ("signature 'serving_default': image uint8 [None, 8, 8, 3] -> probabilities float32 "
            "[None, 3]") in result.output
    assert "parity: max |saved_model - keras| =" in result.output
    assert (run_dir / "export" / "saved_model" / "saved_model.pb").is_file()
    # Exporting again replaces the earlier export.
    assert invoke("export", run_dir).exit_code == 0


def test_unknown_format_lists_the_formats(tmp_path_factory):
    result = invoke("export", image_run(tmp_path_factory), "--format", "tflight")
    assert result.exit_code == 2  # click's Choice: the formats, before anything loads
    assert "'tflight' is not one of 'saved_model', 'keras', 'tflite', 'onnx'" in result.output
    from keras_recipes import export
    from keras_recipes.errors import RecipeError

    with pytest.raises(RecipeError, match="unknown export format 'tflight'.*did you mean `tflite`"):
        export(image_run(tmp_path_factory), format="tflight")


def test_run_dir_without_a_model_names_the_path(tmp_path):
    (tmp_path / rundir.CONFIG).write_text("recipe: toy-cnn\n")
    line = one_line_error(invoke("export", tmp_path))
    assert f"no trained model in {tmp_path}" in line and str(tmp_path / rundir.BEST_MODEL) in line
    line = one_line_error(invoke("export", tmp_path / "missing"))
    assert f"run directory not found: {tmp_path / 'missing'}" in line


@pytest.mark.parametrize("fmt", ["tflite", "onnx"])
def test_text_models_refuse_tflite_and_onnx_clearly(tmp_path_factory, fmt):
    line = one_line_error(invoke("export", text_run(tmp_path_factory), "--format", fmt))
    assert f"{fmt} export is not supported for text models" in line and "saved_model" in line


def test_a_failed_parity_check_fails_loudly_and_writes_nothing(tmp_path_factory, tmp_path,
                                                               monkeypatch):
    from keras_recipes.inference import export as _serving_export

    run_saved_model = _serving_export._RUNNERS["saved_model"]

    def off_by_a_little(path, run, signatures):
        serve = run_saved_model(path, run, signatures)["serving_default"]
        return {"serving_default": lambda x: {k: v + 1e-3 for k, v in serve(x).items()}}

    monkeypatch.setitem(_serving_export._RUNNERS, "saved_model", off_by_a_little)
    out = tmp_path / "sm"
    line = one_line_error(invoke("export", image_run(tmp_path_factory), "-o", out))
    assert "parity check failed" in line and "by 0.001" in line
    assert not out.exists() and not list(tmp_path.iterdir())


def test_refuses_to_replace_a_folder_that_is_not_a_saved_model(tmp_path_factory, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    line = one_line_error(invoke("export", image_run(tmp_path_factory), "-o", tmp_path))
    assert "not a SavedModel" in line
    assert (tmp_path / "notes.txt").read_text() == "mine"
