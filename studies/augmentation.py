"""augmentation: on a small training set, augmentation raises held-out accuracy.

Three runs of ResNet-20 on 10,000 training images (cifar-resnet's fast
schedule, test-time flips off so only training augmentation differs): no
augmentation; the ``cifar`` preset (pad-4 random crop and horizontal flip,
He et al. 2016); the ``strong`` preset (RandAugment-style colour and
geometry, Cubuk et al. 2020).
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare
from keras_recipes.studies._budgets import CIFAR_CPU_SUBSET, CIFAR_VALIDATION

# The preset's own options (the fast preset's 2-pixel shift is for 3 epochs).
_PRESET_OPTIONS = {"augment.pad": None, "augment.flip": None, "augment.test_time": "none"}


def check(results) -> Verdict:
    evidence = []
    cifar = compare(results["cifar"], ">", results["none"], "val_accuracy", pick="best",
                    evidence=evidence)
    strong = compare(results["strong"], ">", results["none"], "val_accuracy", pick="best",
                     evidence=evidence)
    return Verdict(cifar and strong, evidence)


register_study(Study(
    name="augmentation",
    lesson="data augmentation",
    claim="On 10,000 training images, both the crop-and-flip preset and the strong preset "
          "reach a higher held-out accuracy than training without augmentation.",
    source="Krizhevsky et al. 2012 (sec. 4.1); He et al. 2016 (sec. 4.2); "
           "Cubuk et al. 2020, RandAugment",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("none", "cifar-resnet", "fast", {**_PRESET_OPTIONS, "augment.preset": "none"}),
        StudyRun("cifar", "cifar-resnet", "fast", {**_PRESET_OPTIONS, "augment.preset": "cifar"}),
        StudyRun("strong", "cifar-resnet", "fast",
                 {**_PRESET_OPTIONS, "augment.preset": "strong"}),
    ),
    budgets={
        "cpu": {**CIFAR_CPU_SUBSET, "train.epochs": 8},
        "gpu": {**CIFAR_VALIDATION, "data.train_examples": 10_000, "train.epochs": 60},
    },
    measured={"cpu": "21 min at load 8, does not hold (2-core EPYC, 2026-12-07)"},
    metrics=("loss", "accuracy"),
    check=check,
))
