"""Export of a run whose task is not a classifier (an autoencoder, a VAE, a
GAN, a language model): a SavedModel with the task's named signatures
(``reconstruct``, ``sample``, ``encode``, ``step``...) or a ``.keras`` archive,
checked like a classifier's export: the artifact is loaded back with its own
runtime and every signature is called on the task's example inputs and
compared with the Keras model, for the whole batch and for a batch of one.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Dict, List

import numpy as np

from keras_recipes.inference.run import ExportError, LoadedRun, float32_model
from keras_recipes.tasks import Signature

TOLERANCE = 1e-4
FORMATS = ("saved_model", "keras")


@dataclasses.dataclass
class TaskExportResult:
    """What ``export`` wrote for a non-classifier run."""

    path: Path
    format: str
    signatures: Dict[str, str]  # name -> "inputs -> outputs"
    max_abs_diff: float
    precision: str
    notes: List[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        lines = [f"exported {self.format} to {self.path}"]
        lines += [f"  signature {name!r}: {text}" for name, text in self.signatures.items()]
        lines.append(f"  parity: max |{self.format} - keras| = {self.max_abs_diff:.2e} < "
                     f"{TOLERANCE:g} on the task's example inputs (batch and one)")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])


def _describe(signature: Signature, outputs: dict) -> str:
    def spec(s):
        shape = ", ".join("None" if d is None else str(d) for d in s.shape)
        return f"{s.name} {s.dtype.name} [{shape}]"

    ins = ", ".join(spec(s) for s in signature.input_signature)
    outs = ", ".join(f"{k} {np.asarray(v).dtype} [None, {', '.join(map(str, np.shape(v)[1:]))}]"
                     for k, v in outputs.items())
    return f"{ins} -> {outs}"


def _numpy(outputs) -> Dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in outputs.items()}


def _max_diff(name, got: dict, want: dict) -> float:
    if sorted(got) != sorted(want):
        raise ExportError(f"signature {name!r} returns {sorted(got)}; the Keras model {sorted(want)}")
    diff = 0.0
    for key in want:
        if np.asarray(want[key]).dtype.kind in "OSU":  # strings (generated text) must be equal
            if not np.array_equal(np.asarray(got[key]), np.asarray(want[key])):
                raise ExportError(f"signature {name!r} output {key!r} differs from the Keras "
                                  f"model's: {np.asarray(got[key])[:2]} vs {np.asarray(want[key])[:2]}")
            continue
        g, w = np.asarray(got[key], np.float64), np.asarray(want[key], np.float64)
        if g.shape != w.shape:
            raise ExportError(f"signature {name!r} output {key!r} has shape {g.shape}; "
                              f"the Keras model {w.shape}")
        diff = max(diff, float(np.max(np.abs(g - w))) if g.size else 0.0)
    return diff


def export_task(run: LoadedRun, format: str, path: Path, *, verbose: bool = True):
    """Export ``run`` (a non-classifier) to ``path`` in ``format``."""
    import keras
    import tensorflow as tf

    from keras_recipes.inference.export import _remove, _write_saved_model

    if format not in FORMATS:
        raise ExportError(f"{run.task.name} runs export as {' or '.join(FORMATS)}; "
                          f"{format} holds a single classifier signature")
    model = float32_model(run)
    signatures = run.task.export_signatures(run, model)
    reference = {}
    for name, sig in signatures.items():
        args = [tf.constant(x) for x in sig.example]
        reference[name] = (_numpy(sig.fn(*args)), _numpy(sig.fn(*[a[:1] for a in args])))
    staging = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    _remove(staging)
    diff = 0.0
    try:
        if format == "saved_model":
            _write_saved_model(model, run, staging)
            loaded = tf.saved_model.load(str(staging))
            for name, sig in signatures.items():
                fn = loaded.signatures[name]
                names = [s.name for s in sig.input_signature]
                for arrays, want in zip((sig.example, [x[:1] for x in sig.example]), reference[name]):
                    got = fn(**{n: tf.constant(x) for n, x in zip(names, arrays)})
                    diff = max(diff, _max_diff(name, _numpy(got), want))
        else:
            model.save(staging)
            reloaded = keras.saving.load_model(staging, compile=False)
            for name, sig in run.task.export_signatures(run, reloaded).items():
                for arrays, want in zip((sig.example, [x[:1] for x in sig.example]), reference[name]):
                    got = sig.fn(*[tf.constant(x) for x in arrays])
                    diff = max(diff, _max_diff(name, _numpy(got), want))
        if not diff < TOLERANCE:  # also catches NaN
            raise ExportError(f"parity check failed: the exported {format} model differs from the "
                              f"Keras model by {diff:.3g} (tolerance {TOLERANCE:g}); nothing was "
                              f"written to {path}")
        _remove(path)
        os.replace(staging, path)
    finally:
        _remove(staging)
    notes = list(run.notes)
    if run.precision != "float32":
        notes.append(f"trained under {run.precision}; exported in float32")
    result = TaskExportResult(
        path=path, format=format, precision=run.precision, max_abs_diff=diff, notes=notes,
        signatures={name: _describe(sig, reference[name][0]) for name, sig in signatures.items()})
    if verbose:
        print(result.summary())
    return result
