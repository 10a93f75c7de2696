"""Training a recipe: the ``Trainer`` (``trainer``), the model's input
handling (``model_inputs``), callbacks, optimizers, learning-rate schedules
and the early check of data paths (``data_paths``)."""
