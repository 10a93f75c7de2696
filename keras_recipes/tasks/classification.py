"""Classification, the default task: images or raw text in, class
probabilities out; sparse or one-hot cross-entropy and accuracy; evaluation
with a confusion matrix; a ``serving_default`` export returning
``probabilities``.

The recipe builds only the body (normalised floats or token ids in,
probabilities out); this task puts in front of it what makes the saved model
self-contained: uint8 pixels with optional on-device augmentation and the
normalisation inside the model, or raw strings with the adapted
``TextVectorization`` inside the model.
"""

from __future__ import annotations

from typing import Any, Dict

from keras_recipes import rundir
from keras_recipes.errors import RunDirError
from keras_recipes.tasks.base import DataInfo, RunFiles, Signature, Task, TaskModels

OUTPUT_KEY = "probabilities"


class ClassificationTask(Task):
    """Images or texts -> one of ``num_classes`` classes."""

    name = "classification"
    predicts_classes = True

    def __init__(self, cfg, recipe=None):
        super().__init__(cfg, recipe)
        self.vectorizer = None  # adapted by prepare() for text data

    # -- training ------------------------------------------------------------------
    def prepare(self, splits, files: RunFiles) -> None:
        self.vectorizer = self._vectorizer(splits, files) if splits.kind == "text" else None

    def _vectorizer(self, splits, files: RunFiles):
        from keras_recipes.training.model_inputs import fit_vectorizer, make_vectorizer

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
        from keras_recipes.training.model_inputs import image_model, test_time_averaged, text_model

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

    def evaluate(self, run, data=None, *, batch_size: int = 256, verbose: bool = True) -> dict:
        from keras_recipes.inference.evaluate import evaluate_classifier

        return evaluate_classifier(run, data, batch_size=batch_size, verbose=verbose)

    def export_signatures(self, run, model) -> Dict[str, Signature]:
        from keras_recipes.inference.export import input_spec

        return {"serving_default": Signature(
            fn=lambda inputs: {OUTPUT_KEY: model(inputs, training=False)},
            input_signature=[input_spec(run)], example=[])}
