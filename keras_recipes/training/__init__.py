"""Training a recipe: the ``Trainer`` (``trainer``), the model's input
handling (``model_inputs``), callbacks, optimizers and learning-rate
schedules."""
