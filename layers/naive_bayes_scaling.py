"""`NaiveBayesScaling`: scales each feature of a bag of words / n-grams by its
Naive Bayes log-count ratio, and `naive_bayes_ratio`, which fits that ratio
to labelled bags (the features of NBSVM / NB-LR, Wang & Manning 2012)."""

import keras
from keras import ops

from . import _utils


def class_feature_sums(bags, labels):
    """`[2, features]`: the sums of the bags (rows) of class 0 and of class 1.

    The additive half of `naive_bayes_ratio`: sums of batches add up, so a
    training set too large for one matrix is summed batch by batch.

    Args:
        bags: `[N, features]` floats, dense or sparse (a `TextVectorization`
            multi-hot or count output).
        labels: `[N]` integer labels in {0, 1}.

    Example:

    >>> sums = class_feature_sums([[1.0, 0.0], [1.0, 1.0]], [0, 1])
    >>> keras.ops.convert_to_numpy(sums).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    bags = ops.cast(bags, "float32")
    one_hot = ops.one_hot(ops.cast(ops.convert_to_tensor(labels), "int32"), 2, dtype="float32")
    return ops.matmul(ops.transpose(one_hot), bags)  # dense one-hot^T x (maybe sparse) bags


def log_count_ratio(sums, alpha=1.0):
    """`[features]`: `log((p / |p|_1) / (q / |q|_1))` with `p = alpha +
    sums[1]` (class 1) and `q = alpha + sums[0]` (class 0).

    Args:
        sums: `[2, features]` from `class_feature_sums` (added over batches).
        alpha: the smoothing count added to every feature. Defaults to 1.

    Example (a feature twice as frequent in class 1: log 2):

    >>> r = log_count_ratio([[1.0, 3.0], [3.0, 1.0]], alpha=1.0)
    >>> [round(float(v), 3) for v in keras.ops.convert_to_numpy(r)]
    [0.693, -0.693]
    """
    smoothed = ops.cast(sums, "float32") + _utils.positive_float(alpha, "alpha")
    normalized = smoothed / ops.sum(smoothed, axis=1, keepdims=True)
    return ops.log(normalized[1]) - ops.log(normalized[0])


def naive_bayes_ratio(bags, labels, alpha=1.0):
    """The Naive Bayes log-count ratio of every feature of `bags`.

    `r = log((p / |p|_1) / (q / |q|_1))`, where `p = alpha + ` the sum of
    the bags of class 1 and `q = alpha + ` the sum of the bags of class 0
    (Wang & Manning 2012, "Baselines and Bigrams", with binarized bags: a
    multi-hot `TextVectorization` output). A feature seen mostly in class 1
    gets a large positive ratio, one seen equally in both about 0, so a
    linear classifier on `r * bag` starts from Naive Bayes' evidence.

    Args:
        bags: `[N, features]` floats, dense or sparse.
        labels: `[N]` integer labels in {0, 1}.
        alpha: the smoothing count. Defaults to 1.

    Returns:
        a float32 `[features]` tensor for `NaiveBayesScaling.set_ratio`.

    Example:

    >>> bags = [[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]
    >>> r = naive_bayes_ratio(bags, [1, 0])  # p = (2, 2, 1), q = (1, 2, 2)
    >>> [round(float(v), 3) for v in keras.ops.convert_to_numpy(r)]
    [0.693, 0.0, -0.693]
    """
    return log_count_ratio(class_feature_sums(bags, labels), alpha)


@keras.saving.register_keras_serializable(package="keras_recipes")
class NaiveBayesScaling(keras.layers.Layer):
    """Multiplies each feature of a bag by a frozen per-feature ratio.

    The ratio is data: fit it with `naive_bayes_ratio(train_bags, labels)`
    and `layer.set_ratio(r)` before training. It is a (non-trainable)
    weight, so a resumed run, a saved `.keras` model and an export carry
    it. A sparse input (a `TextVectorization` bag with `sparse=True`) stays
    sparse: only its stored values are scaled. Until a ratio is set the
    layer is the identity (a ratio of ones).

    Args:
        **kwargs: base layer arguments (`name`, `dtype`, `trainable`).

    Example:

    >>> bags = keras.ops.convert_to_tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    >>> layer = NaiveBayesScaling()
    >>> layer.build(bags.shape)
    >>> layer.set_ratio(naive_bayes_ratio(bags, [1, 0]))
    >>> tuple(layer(bags).shape)
    (2, 3)
    """

    def build(self, input_shape):
        self.ratio = self.add_weight(name="ratio", shape=(input_shape[-1],), initializer="ones",
                                     trainable=False)

    def set_ratio(self, ratio):
        """Replace the frozen ratio, e.g. with `naive_bayes_ratio(bags, labels)`."""
        _utils.assign_fitted(self.ratio, ratio, "ratio")

    def call(self, inputs):
        x = ops.cast(inputs, self.compute_dtype)
        # Keras multiplies a sparse tensor only by one of its own shape (it
        # gathers the factor at the stored indices), hence the broadcast.
        ratio = ops.broadcast_to(ops.cast(self.ratio, self.compute_dtype), ops.shape(x))
        return ops.multiply(x, ratio)

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(inputs.shape, dtype=self.compute_dtype,
                                 sparse=getattr(inputs, "sparse", False))
