"""Training a recipe: the ``Trainer`` (``trainer``), callbacks, optimizers and
learning-rate schedules. The serving model a classifier saves is assembled in
``keras_recipes.inference.model_inputs``; data paths are checked in
``keras_recipes.datasets.paths``."""
