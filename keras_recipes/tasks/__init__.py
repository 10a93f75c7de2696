"""Tasks: what a recipe trains (see ``keras_recipes.tasks.base`` for the
contract and the order the Trainer calls it in).

- ``ClassificationTask``: images or text -> classes (the default);
- ``DenoisingTask``: noisy image -> clean image (``mnist-dae``);
- ``VariationalTask``: a VAE's negative ELBO (``mnist-vae``);
- ``GanTask``: a generator and a discriminator, two optimizers (``mnist-dcgan``);
- ``LanguageModelTask``: the next character of a text, any architecture;
  ``RecurrentLanguageModelTask``: an LSTM/GRU one, sampled with its state
  carried (``shakespeare-char``).

Importing this package imports no TensorFlow: the tasks import it when they run.
"""

from keras_recipes.tasks.base import (DataInfo, Evaluation, RunFiles, Signature, Task, TaskModels,
                                      task_for)
from keras_recipes.tasks.classification import ClassificationTask
from keras_recipes.tasks.denoising import DenoisingTask
from keras_recipes.tasks.gan import GanTask
from keras_recipes.tasks.language_model import LanguageModelTask, RecurrentLanguageModelTask
from keras_recipes.tasks.variational import VariationalTask

__all__ = ["ClassificationTask", "DataInfo", "DenoisingTask", "Evaluation", "GanTask",
           "LanguageModelTask", "RecurrentLanguageModelTask", "RunFiles", "Signature", "Task",
           "TaskModels", "VariationalTask", "task_for"]
