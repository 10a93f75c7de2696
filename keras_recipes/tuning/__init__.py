"""Hyperparameter search: the search space (``space``), the search itself,
every trial a normal engine run (``search``), KerasTuner's side of it
(``tuner``) and what a search leaves behind (``results``)."""

from keras_recipes.tuning.results import TuneError, TuneResult
from keras_recipes.tuning.search import tune

__all__ = ["TuneError", "TuneResult", "tune"]
