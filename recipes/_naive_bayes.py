"""The task of imdb-ngram: text classification (``ClassificationTask``) whose
bag of n-grams may be scaled by Naive Bayes log-count ratios (NBSVM's
features, Wang & Manning 2012).

- ``prepare``: after the vectorizer is adapted, fits the ratio of every
  vocabulary entry to the training bags and labels (``model.nb_scaling``;
  the way cifar-airbench fits its whitening kernel there); a resumed run
  takes it from its backup, where it is a (frozen) weight;
- ``build``: hands the fitted ratio to the model's ``NaiveBayesScaling``
  layer, so ``model.keras``, backups and exports carry it.

Imports no TensorFlow at module level (the registry imports it).
"""

from __future__ import annotations

from keras_recipes._private_api import sublayers
from keras_recipes.errors import ConfigError
from keras_recipes.tasks.classification import ClassificationTask

# Reviews vectorized per step of the ratio's sums (a sparse [batch, vocabulary] bag).
_BATCH = 1024


class NaiveBayesTask(ClassificationTask):
    """Classification of bags whose features the model scales by their Naive Bayes ratio."""

    def __init__(self, cfg, recipe=None):
        super().__init__(cfg, recipe)
        self.ratio = None

    def prepare(self, splits, files) -> None:
        super().prepare(splits, files)
        self.ratio = None
        if not self.cfg.model.nb_scaling:
            return
        if len(splits.class_names) != 2:
            raise ConfigError(
                f"model.nb_scaling needs two classes (a Naive Bayes ratio compares a class with "
                f"the other); the data has {len(splits.class_names)}: set model.nb_scaling=false")
        # A resumed run restores the ratio from its backup (it is a weight).
        self.ratio = None if files.resume else self.fit_ratio(splits.train)

    def fit_ratio(self, train):
        """The log-count ratio of every vocabulary entry over the training bags."""
        from keras_recipes.layers import class_feature_sums, log_count_ratio

        sums = 0.0
        bags = train.batch(_BATCH).map(lambda x, y: (self.vectorizer(x), y))
        for bag, labels in bags:
            sums = sums + class_feature_sums(bag, labels)
        return log_count_ratio(sums, self.cfg.model.nb_alpha)

    def build(self, info, augmenter=None):
        from keras_recipes.layers import NaiveBayesScaling

        models = super().build(info, augmenter)
        if self.ratio is not None:
            (layer,) = sublayers(models.train, NaiveBayesScaling)
            layer.set_ratio(self.ratio)
        return models
