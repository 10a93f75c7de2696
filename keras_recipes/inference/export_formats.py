"""What an export promises, importable without TensorFlow: the formats (the
``recipes export --format`` choices, ``keras_recipes.choices.EXPORT_FORMATS``),
their default file names, the parity tolerance and the result type.

Example:

>>> from keras_recipes.inference.export_formats import DEFAULT_NAMES, TOLERANCE
>>> DEFAULT_NAMES["tflite"], TOLERANCE
('model.tflite', 0.0001)
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Dict, List

DEFAULT_NAMES = {"saved_model": "saved_model", "keras": "model.keras", "tflite": "model.tflite",
                 "onnx": "model.onnx"}
TOLERANCE = 1e-4  # max |exported - keras| on float32 outputs


@dataclasses.dataclass
class ExportResult:
    """What ``export`` wrote and how closely it matches the Keras model."""

    path: Path
    format: str
    signatures: Dict[str, str]  # name -> "inputs -> outputs", e.g. "image uint8 [None, 32, 32, 3] -> ..."
    input_names: Dict[str, List[str]]  # signature name -> its inputs' names
    max_abs_diff: float  # max |exported - keras model (float32)| over every signature
    examples: int  # the parity check's batch size (it also runs a batch of one)
    inputs_from: str  # where those inputs came from
    precision: str  # the policy the run's model was trained under
    notes: List[str] = dataclasses.field(default_factory=list)

    @property
    def input_name(self) -> str:
        """The first signature's first input (a classifier's "image" or "text")."""
        return next(iter(self.input_names.values()))[0]

    def summary(self) -> str:
        lines = [f"exported {self.format} to {self.path}"]
        lines += [f"  signature {name!r}: {text}" for name, text in self.signatures.items()]
        lines.append(f"  parity: max |{self.format} - keras| = {self.max_abs_diff:.2e} < "
                     f"{TOLERANCE:g} on batches of {self.examples} and 1: {self.inputs_from}")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])
