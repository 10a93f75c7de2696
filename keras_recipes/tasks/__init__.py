"""Tasks: what a recipe trains (see ``keras_recipes.tasks.base`` for the contract)."""

from keras_recipes.tasks.base import DataInfo, RunFiles, Signature, Task, TaskModels, task_for
from keras_recipes.tasks.classification import ClassificationTask

__all__ = ["ClassificationTask", "DataInfo", "RunFiles", "Signature", "Task", "TaskModels",
           "task_for"]
