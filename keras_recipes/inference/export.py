"""``export``: a run's model as a SavedModel, .keras, LiteRT or ONNX artifact
that serves without keras-recipes, checked against the Keras model.

What the artifact computes is the run's task's (``Task.export_signatures``):
named functions with their example inputs. A classifier has one,
``serving_default``::

    format       input                                   output
    saved_model  "image" uint8 [None, H, W, C]           "probabilities" float32 [None, K]
                 or "text" string [None]                 (signature "serving_default")
    keras        the same end-to-end model as a .keras archive
    tflite       "image" uint8 [None, H, W, C]           "probabilities" (signature
                 (text models: not supported)            "serving_default")
    onnx         "image" uint8 [None, H, W, C]           "probabilities"
                 (text models: not supported)

other tasks theirs (an autoencoder's ``reconstruct``, a VAE's ``encode`` and
``sample``, a language model's ``step`` and ``generate``), as a SavedModel or
a .keras archive (``Task.export_unsupported`` says which formats a run takes).

One pipeline for every task: exports compute in float32 (a model trained
under mixed precision is rebuilt with float32 layers and the same weights
first, so the artifact is portable and can be checked to 1e-4); the task may
leave out layers that are the identity at inference (``Task.export_model``:
a classifier's on-device augmentation, so the graph holds no random ops).
The artifact is written to a staging path, loaded back with its own runtime
(``tf.saved_model.load``, ``keras.saving.load_model``, the LiteRT
interpreter, ONNX Runtime), and every signature is called on its example
inputs, for the whole batch and for a batch of one, and compared with the
Keras model; a difference of ``TOLERANCE`` or more fails the export and
leaves nothing at the output path. Otherwise the artifact replaces what was
there.

Example:

>>> import keras_recipes as kr
>>> result = kr.export("runs/r20", format="saved_model")
>>> import tensorflow as tf
>>> serve = tf.saved_model.load(str(result.path)).signatures["serving_default"]
>>> serve(image=tf.zeros([2, 32, 32, 3], tf.uint8))["probabilities"].shape
TensorShape([2, 10])
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Dict

import numpy as np

from keras_recipes.choices import EXPORT_FORMATS
from keras_recipes.inference.export_formats import DEFAULT_NAMES, TOLERANCE, ExportResult
from keras_recipes.inference.run import ExportError, LoadedRun, custom_classes, float32_model, load_run


# -- writers: (model, signatures, run, path) -> None, one per format -------------------

def _write_saved_model(model, signatures, run: LoadedRun, path: Path) -> None:
    """A SavedModel with the task's named functions as its signatures."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    for name, signature in signatures.items():
        archive.add_endpoint(name=name, fn=signature.fn, input_signature=signature.input_signature)
    archive.write_out(str(path), verbose=False)
    assets = run.task.export_assets(run)
    if assets:
        # TF Serving's place for files that travel with a model.
        extra = path / "assets.extra"
        extra.mkdir(exist_ok=True)
        for name, text in assets.items():
            (extra / name).write_text(text)


def _write_keras(model, signatures, run: LoadedRun, path: Path) -> None:
    model.save(path)


def _write_tflite(model, signatures, run: LoadedRun, path: Path) -> None:
    import tensorflow as tf

    with tempfile.TemporaryDirectory(prefix="keras-recipes-tflite-") as tmp:
        saved = Path(tmp) / "saved_model"
        _write_saved_model(model, signatures, run, saved)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(saved),
                                                             signature_keys=list(signatures))
        try:
            flatbuffer = converter.convert()
        except Exception as err:
            raise ExportError(f"the LiteRT converter failed: {_first_line(err)}") from None
    path.write_bytes(flatbuffer)


def _write_onnx(model, signatures, run: LoadedRun, path: Path) -> None:
    import tensorflow as tf
    import tf2onnx

    if len(signatures) != 1:
        raise ExportError(f"an ONNX model holds one function; {run.run_dir} exports "
                          f"{', '.join(signatures)}")
    (signature,) = signatures.values()
    serve = tf.function(signature.fn, input_signature=signature.input_signature, autograph=False)
    concrete = serve.get_concrete_function()
    # Freeze first, naming only the real inputs: `tf2onnx.convert.from_function`
    # would turn tensors the function captures (e.g. Normalization's mean and
    # variance) into extra graph inputs.
    count = len(signature.input_signature)
    inputs = [t.name for t in concrete.inputs[:count]]
    outputs = [t.name for t in concrete.outputs]
    keys = sorted(concrete.structured_outputs)  # the order tf.nest flattens a dict in
    renames = {**{t: s.name for t, s in zip(inputs, signature.input_signature)},
               **dict(zip(outputs, keys))}
    try:
        with _quiet_tf_logging():
            graph_def = tf2onnx.tf_loader.from_function(concrete, inputs, outputs)
            tf2onnx.convert.from_graph_def(
                graph_def, name=run.run_dir.name, input_names=inputs, output_names=outputs,
                tensors_to_rename=renames, output_path=str(path),
            )
    except Exception as err:
        raise ExportError(f"the ONNX converter (tf2onnx) failed: {_first_line(err)}") from None


@contextlib.contextmanager
def _quiet_tf_logging():
    """Hide TensorFlow's and tf2onnx's INFO/deprecation chatter during a conversion."""
    loggers = [logging.getLogger(name) for name in ("tensorflow", "tf2onnx")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


# -- runners: (path, run, signatures) -> {name: callable(*arrays) -> {output: array}} --

def _run_saved_model(path: Path, run: LoadedRun, signatures):
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))

    def runner(name, signature):
        fn = loaded.signatures[name]
        names = [s.name for s in signature.input_signature]
        return lambda *arrays: fn(**{n: tf.constant(x) for n, x in zip(names, arrays)})

    return {name: runner(name, signature) for name, signature in signatures.items()}


def _run_keras(path: Path, run: LoadedRun, signatures):
    import keras
    import tensorflow as tf

    reloaded = keras.saving.load_model(path, custom_objects=run.task.custom_objects(), compile=False)
    return {name: (lambda fn: lambda *arrays: fn(*[tf.constant(x) for x in arrays]))(signature.fn)
            for name, signature in run.task.export_signatures(run, reloaded).items()}


def tflite_interpreter(path):
    """LiteRT's interpreter (ai-edge-litert) if installed, else TensorFlow's."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    with warnings.catch_warnings():  # tf.lite.Interpreter's deprecation notice
        warnings.simplefilter("ignore")
        return Interpreter(model_path=str(path))


def _run_tflite(path: Path, run: LoadedRun, signatures):
    interpreter = tflite_interpreter(path)

    def runner(name, signature):
        run_signature = interpreter.get_signature_runner(name)
        names = [s.name for s in signature.input_signature]
        return lambda *arrays: run_signature(**{n: np.asarray(x) for n, x in zip(names, arrays)})

    return {name: runner(name, signature) for name, signature in signatures.items()}


def _run_onnx(path: Path, run: LoadedRun, signatures):
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = [o.name for o in session.get_outputs()]
    (name, signature), = signatures.items()
    names = [s.name for s in signature.input_signature]
    return {name: lambda *arrays: dict(zip(outputs, session.run(
        outputs, {n: np.asarray(x) for n, x in zip(names, arrays)})))}


_WRITERS = {"saved_model": _write_saved_model, "keras": _write_keras, "tflite": _write_tflite,
            "onnx": _write_onnx}
_RUNNERS = {"saved_model": _run_saved_model, "keras": _run_keras, "tflite": _run_tflite,
            "onnx": _run_onnx}


def _first_line(err) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# -- the parity check ------------------------------------------------------------------

def _numpy(outputs) -> Dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in outputs.items()}


def _batches(signature):
    """The example inputs as a whole batch and as a batch of one."""
    return signature.example, [x[:1] for x in signature.example]


def _keras_outputs(signatures) -> dict:
    """name -> (outputs on the batch, outputs on one) of the Keras model."""
    import tensorflow as tf

    reference = {}
    for name, sig in signatures.items():
        fn = sig.reference or sig.fn
        reference[name] = [_numpy(fn(*[tf.constant(x) for x in arrays])) for arrays in _batches(sig)]
    return reference


def _max_diff(name, got: dict, want: dict, format: str) -> float:
    """max |got - want| over the outputs of one call; strings must be equal."""
    if sorted(got) != sorted(want):
        raise ExportError(f"signature {name!r} returns {sorted(got)}; the Keras model {sorted(want)}")
    diff = 0.0
    for key in want:
        g, w = np.asarray(got[key]), np.asarray(want[key])
        if g.shape != w.shape:
            raise ExportError(f"the exported {format} model's {name!r} returns {key!r} of shape "
                              f"{g.shape}; the Keras model {w.shape}")
        if w.dtype.kind in "OSU":  # strings (generated text) must be equal
            if not np.array_equal(g, w):
                raise ExportError(f"signature {name!r} output {key!r} differs from the Keras "
                                  f"model's: {g[:2]} vs {w[:2]}")
            continue
        if g.size:
            diff = max(diff, float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))))
    return diff


def _parity(runners, signatures, reference, format: str) -> float:
    diff = 0.0
    for name, sig in signatures.items():
        for arrays, want in zip(_batches(sig), reference[name]):
            got = _numpy(runners[name](*arrays))
            diff = max(diff, _max_diff(name, got, want, format))
    return diff


def _describe(signature, outputs: dict) -> str:
    """``"image uint8 [None, 28, 28, 1] -> image uint8 [None, 28, 28, 1]"``."""
    def spec(s):
        shape = ", ".join("None" if d is None else str(d) for d in s.shape)
        return f"{s.name} {s.dtype.name} [{shape}]"

    ins = ", ".join(spec(s) for s in signature.input_signature)
    outs = ", ".join(f"{k} {np.asarray(v).dtype} [{', '.join(['None', *map(str, np.shape(v)[1:])])}]"
                     for k, v in outputs.items())
    return f"{ins} -> {outs}"


# -- the pipeline ------------------------------------------------------------------------

def check_format(format: str) -> str:
    if format not in EXPORT_FORMATS:
        from keras_recipes.errors import did_you_mean

        hint = did_you_mean(format, EXPORT_FORMATS)
        raise ExportError(f"unknown export format {format!r}; formats: {', '.join(EXPORT_FORMATS)}{hint}")
    return format


def _check_supported(run: LoadedRun, format: str) -> None:
    reason = run.task.export_unsupported(run, format)
    if reason:
        raise ExportError(reason)
    if format == "onnx":
        missing = [m for m in ("tf2onnx", "onnxruntime") if importlib.util.find_spec(m) is None]
        if missing:
            raise ExportError(
                f"onnx export needs {' and '.join(missing)}: pip install \".[export]\" in the keras-recipes source tree (or pip install onnxruntime tf2onnx onnx)"  # noqa: E501
            )


def _output_path(run: LoadedRun, format: str, output) -> Path:
    path = Path(os.path.expanduser(os.fspath(output))) if output is not None else (
        run.run_dir / "export" / DEFAULT_NAMES[format])
    if format == "saved_model":
        if path.is_file():
            raise ExportError(f"{path} is a file; a SavedModel is a directory")
        if path.is_dir() and any(path.iterdir()) and not (path / "saved_model.pb").is_file():
            raise ExportError(f"{path} is a non-empty directory that is not a SavedModel; "
                              "choose another --output")
    else:
        if path.is_dir():
            raise ExportError(
                f"{path} is a directory; pass a file path, e.g. {path / DEFAULT_NAMES[format]}"
            )
        if format == "keras" and path.suffix != ".keras":
            raise ExportError(f"a .keras archive's file name must end in .keras; received {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _notes(run: LoadedRun, format: str, keras_model, model, signatures, reference) -> list:
    """What the user should know about the artifact, beside the parity check."""
    notes = list(run.notes)
    if model is not keras_model:
        kept = {layer.name for layer in model.layers}
        left_out = [layer.name for layer in keras_model.layers if layer.name not in kept]
        if left_out:
            notes.append("left out the augmentation layers, the identity at inference: "
                         + ", ".join(left_out))
    if run.precision != "float32":
        # The run's own model, as trained: how far the float32 artifact is from it.
        trained = _keras_outputs(run.task.export_signatures(run, run.model))
        gaps = [float(np.max(np.abs(np.asarray(t[k], np.float64) - np.asarray(r[k], np.float64))))
                for name in reference for t, r in zip(trained[name], reference[name])
                for k in r if np.asarray(r[k]).dtype.kind == "f" and np.asarray(r[k]).size]
        gap = f" (max |float32 - {run.precision}| = {max(gaps):.2e}: the rounding of " \
              f"{run.precision}, not an export error)" if gaps else ""
        notes.append(f"trained under {run.precision}; exported in float32{gap}")
    if format == "keras":
        custom = custom_classes(model)
        if custom:
            notes.append(
                f"this .keras archive uses keras_recipes classes ({', '.join(custom)}): loading it "
                "needs `import keras_recipes.layers` (and the task's own classes); saved_model, "
                "tflite and onnx need nothing but their runtime")
    assets = run.task.export_assets(run)
    if format == "saved_model" and assets:
        notes.append(f"{', '.join(assets)}: in assets.extra/ of the SavedModel directory")
    return notes


def export(run_dir, format: str = "saved_model", output=None, checkpoint: str = "best", *,
           verbose: bool = True) -> ExportResult:
    """Export a run's model to ``format`` and check it against the Keras model.

    Args:
        run_dir: a finished run directory.
        format: one of ``saved_model``, ``keras``, ``tflite``, ``onnx`` (the
            run's task may take only some: non-classifiers export as
            ``saved_model`` or ``keras``).
        output: where to write (default ``RUN_DIR/export/saved_model``,
            ``model.keras``, ``model.tflite`` or ``model.onnx``); an earlier
            export there is replaced.
        checkpoint: ``best`` (best validation; the final model when the run
            kept none) or ``final``.
        verbose: print the result and the parity check.

    Returns:
        an ``ExportResult``.

    Raises:
        ExportError: an unknown or unsupported format, or outputs that differ
            from the Keras model by ``TOLERANCE`` or more.
        RunDirError: a run directory without a model.
    """
    check_format(format)
    run = load_run(run_dir, checkpoint)
    _check_supported(run, format)
    path = _output_path(run, format, output)
    keras_model = float32_model(run)
    model = run.task.export_model(run, keras_model)  # what the artifact holds
    signatures = run.task.export_signatures(run, keras_model)
    reference = _keras_outputs(signatures)

    staging = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    _remove(staging)
    try:
        _WRITERS[format](model, signatures, run, staging)
        diff = _parity(_RUNNERS[format](staging, run, signatures), signatures, reference, format)
        if not diff < TOLERANCE:  # also catches NaN
            raise ExportError(
                f"parity check failed: the exported {format} model differs from the Keras model by "
                f"{diff:.3g} (tolerance {TOLERANCE:g}); nothing was written to {path}"
            )
        _remove(path)
        os.replace(staging, path)
    finally:
        _remove(staging)

    first = next(iter(signatures.values()))
    result = ExportResult(
        path=path, format=format,
        signatures={name: _describe(sig, reference[name][0]) for name, sig in signatures.items()},
        input_names={name: [s.name for s in sig.input_signature] for name, sig in signatures.items()},
        max_abs_diff=diff, examples=len(first.example[0]) if first.example else 0,
        inputs_from=first.example_from, precision=run.precision,
        notes=_notes(run, format, keras_model, model, signatures, reference),
    )
    if verbose:
        print(result.summary())
    return result
