"""Studies: a course lesson as an experiment with a verdict.

A study (``spec.Study``) is data: ordinary recipe runs, budgets, and a claim
with its source and a check. ``study(NAME, budget=...)`` trains the runs
(each a complete run directory; finished ones are skipped, interrupted ones
resumed) and writes ``report.md`` with the numbers and an honest verdict.
The built-in studies live in ``studies/``, one file each.

Declaring and listing studies imports no TensorFlow; running one does.

Example:

>>> import keras_recipes as kr
>>> [s.name for s in kr.list_studies()][:2]
['augmentation', 'batch-norm']
>>> kr.study("degradation", budget="cpu", data="~/data/cifar10/train")
"""

from keras_recipes.experiments.spec import (BUDGETS, Study, StudyRun, Verdict, get_study,
                                            list_studies, register_study, unregister_study)

__all__ = ["BUDGETS", "Study", "StudyRun", "Verdict", "get_study", "list_studies",
           "register_study", "unregister_study", "study", "report_study"]


def __getattr__(name):
    if name in ("study", "report_study"):  # they import TensorFlow: load on first use
        from keras_recipes.experiments import runner

        return getattr(runner, name)
    raise AttributeError(f"module 'keras_recipes.experiments' has no attribute {name!r}")
