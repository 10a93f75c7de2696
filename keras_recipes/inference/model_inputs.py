"""Serving-model assembly: a recipe's model body behind the inputs a saved
model takes.

Recipes build only the body (normalised floats or token ids in, class
probabilities out). The classification task puts in front of it what makes
the saved and exported models self-contained: raw uint8 pixels in, with
optional on-device augmentation and the normalisation inside the model; or
raw strings in, with the adapted ``TextVectorization`` inside the model.

Example:

>>> from keras_recipes.inference.model_inputs import image_model
>>> model = image_model(body, info, cfg.data, augmenter=None, name="r20")
>>> model.inputs[0].dtype
'uint8'
"""

from __future__ import annotations

import keras

from keras_recipes.config import DataConfig


def normalization(data: DataConfig) -> keras.layers.Layer:
    """Pixel normalisation inside the model, in float32 so no precision is
    lost on 0-255 inputs whatever the global policy."""
    if data.mean:
        channels = len(data.mean)
        std = data.std or [1.0] * channels
        if len(std) != channels:
            raise ValueError(
                f"data.mean and data.std must have the same length. "
                f"Received: mean={list(data.mean)}, std={list(std)}"
            )
        return keras.layers.Normalization(
            mean=list(data.mean), variance=[s * s for s in std], dtype="float32",
            name="normalize",
        )
    return keras.layers.Rescaling(1.0 / 255.0, dtype="float32", name="normalize")


def image_model(body: keras.Model, info, data: DataConfig,
                augmenter=None, name: str = "model") -> keras.Model:
    """uint8 images of ``info.image_shape`` (a ``tasks.DataInfo``) ->
    [augmentation] -> normalisation -> body."""
    inputs = keras.Input(shape=info.image_shape, dtype="uint8", name="image")
    x = inputs
    if augmenter is not None:
        x = augmenter(x)
    x = normalization(data)(x)
    return keras.Model(inputs, body(x), name=name)


def test_time_averaged(model: keras.Model, mode: str, name: str = "model") -> keras.Model:
    """``model`` averaged over views of each image (``augment.test_time``):

    - ``"flip"``: the image and its mirror image, 1/2 each;
    - ``"multicrop"``: that pair (1/2), and the image moved one pixel
      up-left and one down-right with reflected borders, each with its
      mirror image (1/8 each): airbench's six views (Jordan 2024).

    Every view calls the one ``model`` (shared weights); the means stay
    float32 under a mixed-precision policy. An export holds these layers, so
    every format serves the average.
    """
    from keras_recipes.layers import HorizontalFlip, Shift

    inputs = keras.Input(shape=model.inputs[0].shape[1:], dtype=model.inputs[0].dtype, name="image")

    def mirror_pair(images, tag):
        mirrored = HorizontalFlip(name=f"mirror{tag}")(images)
        return keras.layers.Average(dtype="float32", name=f"flip_average{tag}")(
            [model(images), model(mirrored)])

    outputs = mirror_pair(inputs, "")
    if mode == "multicrop":
        shifted = [mirror_pair(Shift(d, d, name=f"shift_{tag}")(inputs), f"_{tag}")
                   for d, tag in ((-1, "up_left"), (1, "down_right"))]
        shifted = keras.layers.Average(dtype="float32", name="shift_average")(shifted)
        outputs = keras.layers.Average(dtype="float32", name="crop_average")([outputs, shifted])
    elif mode != "flip":
        raise ValueError(f"unknown test-time augmentation {mode!r}; expected 'flip' or 'multicrop'")
    return keras.Model(inputs, outputs, name=name)


def text_model(body: keras.Model, vectorizer, name: str = "model") -> keras.Model:
    """Raw strings -> TextVectorization -> body: serving needs no Python."""
    inputs = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(inputs, body(vectorizer(inputs)), name=name)


# Characters that str.splitlines() breaks lines at. Keras re-reads a saved
# vocabulary with splitlines(), so a token holding one (IMDB has "\x85")
# would turn into "" and make the saved model impossible to load.
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def fit_vectorizer(data: DataConfig, texts):
    """The recipe's TextVectorization adapted on ``texts`` (training text
    only), keeping only tokens a .keras file can hold.

    Dropping tokens builds a fresh layer from the kept vocabulary: adapting
    builds the layer, and a bag-of-words output cannot change its width after that.
    """
    vectorizer = make_vectorizer(data)
    vectorizer.adapt(texts)
    vocabulary = vectorizer.get_vocabulary(include_special_tokens=False)
    kept = [token for token in vocabulary if not _LINE_BREAKS.intersection(token)]
    return make_vectorizer(data, vocabulary=kept) if len(kept) < len(vocabulary) else vectorizer


def is_bag(data: DataConfig) -> bool:
    """Whether the vectorizer hands the model a bag of words / n-grams
    (``data.text_output`` multi_hot or count) instead of token ids."""
    return data.text_output != "int"


def make_vectorizer(data: DataConfig, vocabulary=None):
    """The recipe's TextVectorization; adapt it on training text only.

    ``data.text_output="int"``: token ids padded or cut to
    ``data.sequence_length``. A bag (``multi_hot``/``count``) is a
    ``[batch, vocabulary]`` SparseTensor: dense, a batch of 128 reviews over
    100k n-grams would be 100 MB per step, nearly all zeros (timings in
    benchmarks/RESULTS.md). ``data.ngrams=2`` adds word pairs to the vocabulary.
    """
    bag = is_bag(data)
    return keras.layers.TextVectorization(
        max_tokens=data.vocab_size,
        ngrams=data.ngrams if data.ngrams > 1 else None,
        output_mode=data.text_output,
        output_sequence_length=None if bag else data.sequence_length,
        sparse=bag,
        vocabulary=vocabulary,
        name="vectorize",
    )
