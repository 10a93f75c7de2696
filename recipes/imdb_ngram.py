"""imdb-ngram: a bag of word n-grams (words, word pairs and triples) scaled
by their Naive Bayes log-count ratios, classifying IMDB reviews from raw
text: the baseline every sequence model must beat.

The vectorizer inside the model turns a review into one multi-hot row over
the most frequent ``data.vocab_size`` unigrams, bigrams and trigrams
(``data.ngrams=3``, ``data.text_output=multi_hot``: present or not). Before
training, the task fits each entry's Naive Bayes log-count ratio ``r =
log((p / |p|_1) / (q / |q|_1))`` to the training bags (``p``, ``q``: 1 plus
the entry's count over the positive / negative reviews), and the model
multiplies the bag by it (``layers.NaiveBayesScaling``, a frozen weight
that every saved model and export carries): NBSVM's features (Wang &
Manning 2012: 91.2% on the IMDB test split with bigrams). A small dense
head with dropout classifies the scaled bag (``model.hidden_units=0``: a
linear classifier, logistic regression on it: "NB-LR"). Word order beyond
triples is ignored, which is why it trains in minutes on two CPU cores
and why it is the yardstick of the LSTM and GRU recipes (Chollet, *Deep
Learning with Python*, 2nd ed., ch. 11: binary bigrams + Dense(16) 90.4%
on the test split).

Course flags: ``--set model.nb_scaling=false`` (what the Naive Bayes
scaling buys), ``--set data.ngrams=2`` or ``1`` (what word triples / pairs
buy), ``--set data.text_output=count`` (counts instead of presence),
``--set model.hidden_units=0`` (a linear model), ``--set
data.vocab_size=100000``.

Example::

    recipes run imdb-ngram --data ~/data/aclImdb/train --output runs/ngram
    recipes predict runs/ngram "not good at all, a waste of time"
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import RecipeConfig, check_range
from keras_recipes.recipes._naive_bayes import NaiveBayesTask
from keras_recipes.recipes._text import TINY_TEXT, imdb_data, imdb_train
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe


@dataclass
class BagConfig:
    hidden_units: int = 16  # one ReLU layer on the bag; 0: linear
    dropout: float = 0.5  # after the hidden layer (the sparse bag itself takes none)
    # Scale each bag entry by its Naive Bayes log-count ratio, fitted to the
    # training bags before training (NBSVM's features; recipes/_naive_bayes.py).
    nb_scaling: bool = True
    nb_alpha: float = 1.0  # the ratio's smoothing count

    def __post_init__(self):  # runs on every resolved config, before any data loads
        check_range("model.nb_alpha", self.nb_alpha, "> 0", lambda v: v > 0)


def build_model(cfg: RecipeConfig, info):
    """Sparse bag [batch, vocabulary] -> [Naive Bayes scaling] -> [Dense(hidden,
    relu) -> dropout] -> softmax."""
    import keras

    from keras_recipes.layers import ArgumentError, NaiveBayesScaling
    from keras_recipes.inference.model_inputs import is_bag

    if not is_bag(cfg.data):
        raise ArgumentError("imdb-ngram reads a bag of n-grams: data.text_output must be "
                            f"multi_hot or count. Received: text_output={cfg.data.text_output!r}")
    m = cfg.model
    if m.hidden_units < 0:
        raise ArgumentError(f"model.hidden_units must be >= 0. Received: hidden_units={m.hidden_units}")
    inputs = keras.Input(shape=(info.vocab_size,), sparse=True, name="bag")
    x = inputs
    if m.nb_scaling:  # the task sets its ratio (NaiveBayesTask.build)
        x = NaiveBayesScaling(name="nb_scaling")(x)
    if m.hidden_units:
        x = keras.layers.Dense(m.hidden_units, activation="relu", name="hidden")(x)
        x = keras.layers.Dropout(m.dropout, name="dropout")(x)
    outputs = keras.layers.Dense(info.num_classes, activation="softmax", dtype="float32",
                                 name="classifier")(x)
    return keras.Model(inputs, outputs, name="ngram_classifier")


def ngram_defaults() -> RecipeConfig:
    """Chosen on the honest (blocks) split of aclImdb train, seed 1337, best
    epoch (`python benchmarks/tuning_split.py --data .../aclImdb/train
    imdb-ngram --seeds 1337 --checkpoint best --set ...`), a shared 2-core
    EPYC; Dense(16), dropout 0.5, 2 epochs of cosine decay unless said:

    =========================================================  ======  ==============
    2026-12-07, the textbook model: bigrams, 100k entries        88.00%  166 s (7.8)
    ... ``model.hidden_units=64``                               88.40%   79 s (12)
    ... ``data.vocab_size=200000``                              88.12%  117 s (10)
    ... ``data.ngrams=3 data.vocab_size=200000``                88.48%  148 s (10)
    2026-12-08, Naive Bayes scaling: bigrams, 100k entries       89.36%  156 s (11)
    ... ``model.hidden_units=0`` (NB-LR), best of 4 epochs      89.32%  225 s (13)
    ... ``data.vocab_size=200000``                              89.60%  298 s (12)
    ... ``data.ngrams=3 data.vocab_size=300000`` (**chosen**)   89.72%  418 s (12)
    =========================================================  ======  ==============

    (wall time of the whole tuning run, load average in brackets). One
    seed's noise is about 0.65 point on 2,500 reviews: without the scaling
    nothing moved the textbook model out of 88.0-88.5%; the scaling added
    1.4 points at once, and with it more n-grams scored higher step by step
    (within noise of each other, so the default is the best measured, at
    2-3x the bigram model's time). The Dense(16) head matches a linear one
    trained twice as long. Before the recipe, the same split in a plain
    script said: 20k bigrams + Dense(16) 88.48% (best of 4 epochs), 100k
    bigrams linear 88.52%, 100k TF-IDF linear 85.32% (unscaled TF-IDF suits
    a linear head badly, and Keras' sparse TF-IDF output fails to trace, so
    the representation is multi-hot); the Dense(16) head peaks by its
    second epoch, so training stops after two."""
    data = imdb_data()
    data.text_output = "multi_hot"
    data.ngrams = 3
    data.vocab_size = 300_000
    train = imdb_train(epochs=2)
    train.batch_size = 128
    train.schedule = "cosine"
    return RecipeConfig(model=BagConfig(), data=data, train=train)


@register_recipe(
    "imdb-ngram",
    build_model=build_model,
    task=NaiveBayesTask,
    problem="text classification",
    dataset="IMDB reviews",
    num_classes=2,
    model="bag of 1-3-grams (multi-hot), Naive Bayes-scaled + Dense(16)",
    params="5.1M",
    reference="89-91% (binary bigrams + Dense(16): 90.4%, Chollet 2021; NBSVM-bi 91.2%)",
    presets={"tiny": tiny({**TINY_TEXT, "model.hidden_units": 4})},
    search_space={"train.lr": "loguniform(3e-4, 3e-3)", "model.hidden_units": "choice(0, 16, 64)",
                  "data.vocab_size": "choice(100000, 200000, 300000)",
                  "model.nb_scaling": "choice(true, false)"},
)
def imdb_ngram() -> RecipeConfig:
    """Bag of word 1-3-grams (multi-hot), Naive Bayes-scaled, + a small dense head on IMDB reviews (raw strings in)."""
    return ngram_defaults()
