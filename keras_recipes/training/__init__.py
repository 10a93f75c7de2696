"""Training a recipe: the ``Trainer`` (``trainer``), callbacks, optimizers,
learning-rate schedules and the early check of data paths (``data_paths``).
The serving model a classifier saves is assembled in
``keras_recipes.inference.model_inputs``."""
