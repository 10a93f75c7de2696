"""small-filters: a stack of 3x3 convolutions beats one large filter.

Simonyan & Zisserman 2015 (sec. 2.3): two 3x3 convs see what one 5x5 sees,
three see a 7x7, with fewer weights (27 C^2 instead of 49 C^2 for three) and
a non-linearity after each. Three runs of cifar-vgg (VGG-16 layout, CPU
width): the 3x3 stacks; each stage's stack as one (2n+1)x(2n+1) conv at the
same width (about 1.8x the weights); and the large filters narrowed to
three quarters of the width (about the 3x3 stacks' weights).
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare
from keras_recipes.studies._budgets import CIFAR_CPU_SUBSET, CIFAR_VALIDATION


def check(results) -> Verdict:
    evidence = []
    wider = compare(results["3x3-stacks"], ">", results["large-filters"], "val_accuracy",
                    pick="best", evidence=evidence)
    same_size = compare(results["3x3-stacks"], ">", results["large-filters-narrow"],
                        "val_accuracy", pick="best", evidence=evidence)
    return Verdict(wider and same_size, evidence)


register_study(Study(
    name="small-filters",
    lesson="small filters: why VGG stacks 3x3 convolutions",
    claim="A stack of 3x3 convolutions reaches a higher held-out accuracy than one large "
          "filter with the same receptive field, both at the same width (where the large "
          "filters have more weights) and at about the same number of weights.",
    source="Simonyan & Zisserman 2015, Very Deep Convolutional Networks, sec. 2.3",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("3x3-stacks", "cifar-vgg", "fast", {"model.width": 16}),
        StudyRun("large-filters", "cifar-vgg", "fast",
                 {"model.width": 16, "model.large_filters": True}),
        StudyRun("large-filters-narrow", "cifar-vgg", "fast",
                 {"model.width": 12, "model.large_filters": True}),
    ),
    budgets={
        "cpu": {**CIFAR_CPU_SUBSET, "data.train_examples": 20_000, "train.epochs": 6},
        "gpu": {**CIFAR_VALIDATION, "train.epochs": 60},
    },
    measured={"cpu": "10 min at load 8, does not hold (2-core EPYC, 2026-12-07)"},
    metrics=("loss", "accuracy"),
    check=check,
))
