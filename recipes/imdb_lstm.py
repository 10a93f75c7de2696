"""imdb-lstm: a bidirectional LSTM classifying IMDB reviews from raw text."""

from keras_recipes.recipes._text import TINY_RECURRENT, build_recurrent, recurrent_defaults
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe


def build_model(cfg, info):
    return build_recurrent(cfg, info, "lstm")


@register_recipe(
    "imdb-lstm",
    build_model=build_model,
    problem="text classification",
    dataset="IMDB reviews",
    num_classes=2,
    model="BiLSTM-64, avg+max pooled",
    params="1.4M",
    reference="84-87% (keras.io BiLSTM, 2 epochs); tuned LSTM 86-89%",
    presets={"tiny": tiny(TINY_RECURRENT)},
    search_space={"train.lr": "loguniform(3e-4, 3e-3)", "model.units": "choice(32, 64, 128)"},
)
def imdb_lstm():
    """Bidirectional LSTM on IMDB reviews (raw strings in)."""
    return recurrent_defaults()
