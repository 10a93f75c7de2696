"""Tasks: what a recipe trains (see ``keras_recipes.tasks.base`` for the contract)."""

from keras_recipes.tasks.base import DataInfo, RunFiles, Signature, Task, TaskModels, task_for
from keras_recipes.tasks.classification import ClassificationTask
from keras_recipes.tasks.denoising import DenoisingTask
from keras_recipes.tasks.variational import VariationalTask

__all__ = ["ClassificationTask", "DataInfo", "DenoisingTask", "RunFiles", "Signature", "Task",
           "TaskModels", "VariationalTask", "task_for"]
