"""Classification, the default task: images or raw text in, class
probabilities out; sparse or one-hot cross-entropy and accuracy; evaluation
with a confusion matrix; ``predict`` (ranked classes); a ``serving_default``
export returning ``probabilities``, in every format.

The recipe builds only the body (normalised floats or token ids in,
probabilities out); this task puts in front of it what makes the saved model
self-contained: uint8 pixels with optional on-device augmentation and the
normalisation inside the model, or raw strings with the adapted
``TextVectorization`` inside the model.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np

from keras_recipes import rundir
from keras_recipes.errors import RecipeError, RunDirError
from keras_recipes.tasks.base import DataInfo, Evaluation, RunFiles, Signature, Task, TaskModels

OUTPUT_KEY = "probabilities"  # the exported signature's output
PARITY_EXAMPLES = 16  # real inputs (synthetic without local data) an export is checked on
MAX_PRINTED_CLASSES = 20  # larger confusion matrices go to the PNG and JSON only
TEXT_UNSUPPORTED = {
    "tflite": (
        "tflite export is not supported for text models: the in-model TextVectorization needs "
        "TensorFlow string ops (StringLower, StaticRegexReplace, StringSplitV2) that LiteRT runs "
        "only through the Flex delegate, which neither tensorflow's tf.lite.Interpreter nor "
        "ai-edge-litert ships, so the export could not be verified; use --format saved_model"
    ),
    "onnx": (
        "onnx export is not supported for text models: ONNX has no standard ops for the in-model "
        "TextVectorization (StringLower, StaticRegexReplace, StringSplitV2); use --format saved_model"
    ),
}


def metrics_from(probs: np.ndarray, labels: np.ndarray, class_names) -> dict:
    """Accuracy, loss, top-5 accuracy, per-class accuracy and the confusion matrix."""
    k = len(class_names)
    predicted = probs.argmax(axis=-1)
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    picked = np.clip(probs[np.arange(len(labels)), labels], 1e-7, 1.0)
    result = {
        "examples": int(len(labels)),
        "accuracy": float(np.mean(predicted == labels)),
        "loss": float(np.mean(-np.log(picked))),
        "per_class": {},
        "confusion_matrix": matrix.tolist(),
        "class_names": list(class_names),
    }
    if k > 5:
        top5 = np.argsort(-probs, axis=-1)[:, :5]
        result["top5_accuracy"] = float(np.mean(np.any(top5 == labels[:, None], axis=-1)))
    for i, name in enumerate(class_names):
        support = int(matrix[i].sum())
        predicted_as = int(matrix[:, i].sum())
        result["per_class"][name] = {
            "support": support,
            "accuracy": float(matrix[i, i] / support) if support else None,  # recall
            "precision": float(matrix[i, i] / predicted_as) if predicted_as else None,
        }
    return result


def probabilities_and_labels(model, dataset, batch_size: int, num_classes: int):
    """float32 probabilities [N, K] and int64 labels [N] of ``model`` on ``(x, y)`` examples."""
    import tensorflow as tf

    from keras_recipes.inference.run import compiled_inference

    call = compiled_inference(model)
    probs, labels = [], []
    for x, y in dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE):
        probs.append(np.asarray(call(x), dtype=np.float32))
        labels.append(y.numpy())
    if not probs:
        return np.zeros((0, num_classes), np.float32), np.zeros((0,), np.int64)
    return np.concatenate(probs), np.concatenate(labels).astype(np.int64)


class ClassificationTask(Task):
    """Images or texts -> one of ``num_classes`` classes."""

    name = "classification"

    def __init__(self, cfg, recipe=None):
        super().__init__(cfg, recipe)
        self.vectorizer = None  # adapted by prepare() for text data
        self._parity = None  # (run, inputs, where from): an export reads its inputs once

    # -- training ------------------------------------------------------------------
    def prepare(self, splits, files: RunFiles) -> None:
        self.vectorizer = self._vectorizer(splits, files) if splits.kind == "text" else None

    def _vectorizer(self, splits, files: RunFiles):
        from keras_recipes.inference.model_inputs import fit_vectorizer, make_vectorizer

        if files.resume and (files.run_dir / rundir.VOCABULARY).is_file():
            return make_vectorizer(self.cfg.data, vocabulary=rundir.read_vocabulary(files.run_dir))
        vectorizer = fit_vectorizer(self.cfg.data, splits.train.map(lambda x, y: x).batch(1024))
        if files.chief:
            rundir.write_vocabulary(files.run_dir, vectorizer.get_vocabulary())
        return vectorizer

    def data_info(self, splits) -> DataInfo:
        info = super().data_info(splits)
        if info.kind == "text":
            if self.vectorizer is None:
                raise RuntimeError("ClassificationTask.prepare(splits, files) must run first: "
                                   "it adapts the text vectorizer")
            info.vocab_size = self.vectorizer.vocabulary_size()
            info.sequence_length = self.cfg.data.sequence_length
        return info

    @property
    def one_hot(self) -> bool:
        """Soft labels (mixing, label smoothing) need one-hot targets everywhere."""
        return bool(self.cfg.augment.mix) or self.cfg.train.label_smoothing > 0

    def pipeline_options(self, splits, training: bool) -> Dict[str, Any]:
        import tensorflow as tf

        from keras_recipes import datasets

        a = self.cfg.augment
        num_classes = len(splits.class_names)

        def to_model_inputs(x, y):
            if splits.kind == "image":
                # The model takes uint8 pixels; augmentation may return floats.
                if x.dtype != tf.uint8:
                    x = tf.cast(tf.round(tf.clip_by_value(x, 0.0, 255.0)), tf.uint8)
            else:
                x = self.vectorizer(x)
            return x, y

        options = {"map_fn": to_model_inputs, "num_classes": num_classes if self.one_hot else None}
        if training and a.mix:
            options["mixer"] = datasets.batch_mixer(a.mix, alpha=a.mix_alpha, num_classes=num_classes,
                                                    seed=self.cfg.runtime.seed)
        return options

    def build(self, info: DataInfo, augmenter=None) -> TaskModels:
        from keras_recipes.inference.model_inputs import image_model, test_time_averaged, text_model

        body = self.recipe.build_model(self.cfg, info)
        name = self.cfg.recipe.replace("-", "_")
        if info.kind == "image":
            model = image_model(body, info, self.cfg.data, augmenter, name=name)
            if self.cfg.augment.test_time != "none":
                # Around the body without the augmentation layers (an export
                # must hold no random ops), sharing the body's weights.
                plain = image_model(body, info, self.cfg.data, name=f"{name}_plain")
                averaged = test_time_averaged(plain, self.cfg.augment.test_time, name=name)
                return TaskModels(train=model, serving=averaged, evaluation=averaged)
            return TaskModels(train=model, serving=model)
        return TaskModels(train=body, serving=text_model(body, self.vectorizer, name=name))

    def compile_args(self, optimizer) -> Dict[str, Any]:
        import keras

        if self.one_hot:
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=self.cfg.train.label_smoothing)
            accuracy = keras.metrics.CategoricalAccuracy(name="accuracy")
        else:
            loss = keras.losses.SparseCategoricalCrossentropy()
            accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
        return {"optimizer": optimizer, "loss": loss, "metrics": [accuracy]}

    def metric_names(self) -> tuple:
        return ("loss", "accuracy")

    # -- serving -------------------------------------------------------------------
    def describe(self, run) -> None:
        spec = run.model.inputs[0]
        dtype = str(spec.dtype)
        if dtype == "string":
            run.kind, run.image_shape = "text", None
        elif len(spec.shape) == 4:
            run.kind, run.image_shape = "image", tuple(int(d) for d in spec.shape[1:])
        else:
            raise RunDirError(
                f"{run.model_path} is not an end-to-end classifier: its input is {dtype} "
                f"{tuple(spec.shape)}, expected uint8 images [batch, H, W, C] or strings [batch]"
            )
        num_classes = int(run.model.outputs[0].shape[-1])
        names_path = run.run_dir / rundir.CLASS_NAMES
        if names_path.is_file():
            run.class_names = [str(c) for c in rundir.read_json(names_path)]
            if len(run.class_names) != num_classes:
                raise RunDirError(
                    f"{names_path} lists {len(run.class_names)} classes but {run.model_path} "
                    f"outputs {num_classes}"
                )
        else:
            run.class_names = [str(i) for i in range(num_classes)]

    def evaluate(self, run, data=None, *, batch_size: int = 256) -> Evaluation:
        """Accuracy, loss, top-5 accuracy (more than 5 classes), per-class
        accuracy and precision, and the confusion matrix (also drawn to
        ``RUN_DIR/confusion_matrix.png``; rows: true class)."""
        from keras_recipes.inference.data import evaluation_split
        from keras_recipes.rundir.plots import plot_confusion_matrix

        dataset, _, description, notes = evaluation_split(run, data)
        probs, labels = probabilities_and_labels(run.model, dataset, batch_size,
                                                 len(run.class_names))
        if len(labels) == 0:
            raise RecipeError(f"{description} has no examples")
        metrics = metrics_from(probs, labels, run.class_names)
        plot_path = run.run_dir / rundir.CONFUSION
        plot_confusion_matrix(metrics["confusion_matrix"], run.class_names, plot_path,
                              title=f"{run.run_dir.name}: {run.checkpoint} model, accuracy "
                                    f"{metrics['accuracy']:.4f}")
        top5 = f", top-5 accuracy {metrics['top5_accuracy']:.4f}" if "top5_accuracy" in metrics else ""
        summary = (f"{run.checkpoint} model on {description} ({metrics['examples']} examples): "
                   f"accuracy {metrics['accuracy']:.4f}, loss {metrics['loss']:.4f}{top5}")
        return Evaluation(metrics, summary, description, notes, files={"plot": str(plot_path)})

    def format_evaluation(self, result: dict) -> str:
        """The summary, the per-class table and (up to 20 classes) the confusion matrix."""
        from keras_recipes.rundir.tables import text_table

        def fmt(value):
            return "-" if value is None else f"{value:.4f}"

        rows = [(name, m["support"], fmt(m["accuracy"]), fmt(m["precision"]))
                for name, m in result["per_class"].items()]
        lines = [result["summary"], "", text_table(("class", "examples", "accuracy", "precision"), rows), ""]
        names = result["class_names"]
        if len(names) <= MAX_PRINTED_CLASSES:
            lines.append("confusion matrix (rows: true class, columns: predicted class):")
            lines.append(text_table(("", *names),
                                    [(name, *row) for name, row in zip(names, result["confusion_matrix"])]))
        else:
            lines.append(f"confusion matrix: {len(names)} classes, see the PNG")
        return "\n".join(lines)

    def predict(self, run, inputs, *, top_k: int = 3, files=None, batch_size: int = 256) -> list:
        from keras_recipes.inference.inputs import image_inputs, text_inputs
        from keras_recipes.inference.predict import top_k_rows
        from keras_recipes.inference.run import InputError, predict_probabilities

        is_array = not isinstance(inputs, (list, tuple))  # an array or a tensor
        if not is_array and len(inputs) == 0:
            raise InputError("no inputs to predict")
        if run.kind == "image":
            names, batch = image_inputs(inputs, run.image_shape)
        else:
            items = [x.decode("utf-8", errors="replace") if isinstance(x, bytes) else x
                     for x in (np.asarray(inputs).tolist() if is_array else inputs)]
            names, batch = text_inputs(items, files=files)
        probs = predict_probabilities(run.model, batch, batch_size)
        return top_k_rows(names, probs, run.class_names, top_k)

    def export_unsupported(self, run, format: str) -> Optional[str]:
        return TEXT_UNSUPPORTED.get(format) if run.kind == "text" else None

    def export_model(self, run, model):
        """The model without its on-device augmentation (the identity at
        inference), so the graph holds no random ops, which ONNX cannot express."""
        from keras_recipes.inference.run import without_augmentation

        return without_augmentation(model)

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        import tensorflow as tf

        from keras_recipes.inference.data import parity_inputs

        if self._parity is None or self._parity[0] is not run:
            self._parity = (run, *parity_inputs(run, PARITY_EXAMPLES))
        _, inputs, inputs_from = self._parity
        plain = self.export_model(run, model)
        spec = (tf.TensorSpec([None, *run.image_shape], tf.uint8, name=run.input_name)
                if run.kind == "image" else tf.TensorSpec([None], tf.string, name=run.input_name))
        return {"serving_default": Signature(
            fn=lambda inputs: {OUTPUT_KEY: plain(inputs, training=False)},
            input_signature=[spec], example=[inputs], example_from=inputs_from,
            reference=lambda inputs: {OUTPUT_KEY: model(inputs, training=False)})}

    def export_assets(self, run) -> Dict[str, str]:
        import json

        # TF Serving's place for files that travel with a model: the label order.
        return {"class_names.json": json.dumps(run.class_names) + "\n"}
