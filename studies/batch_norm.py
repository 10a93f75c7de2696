"""batch-norm: batch normalization trains faster and tolerates a higher rate.

Ioffe & Szegedy 2015 (sec. 4.2): with batch norm a network reaches the same
accuracy in far fewer steps and trains at learning rates where the
unnormalized network fails. Three runs of one VGG-11 (cifar-vgg, CPU width):
with batch norm at lr 0.1, without it at the same lr 0.1, and without it at
lr 0.01, a rate a normalization-free VGG trains at.
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare
from keras_recipes.studies._budgets import CIFAR_CPU_SUBSET, CIFAR_VALIDATION

_NET = {"model.depth": 11, "model.width": 32}


def check(results) -> Verdict:
    evidence = []
    # A run that diverged trained to nothing: count it as error 1.
    tolerates = compare(results["bn-lr0.1"], "<", results["no-bn-lr0.1"], "error",
                        fallback=1.0, evidence=evidence)
    faster = compare(results["bn-lr0.1"], "<", results["no-bn-lr0.01"], "error",
                     fallback=1.0, evidence=evidence)
    return Verdict(tolerates and faster, evidence)


register_study(Study(
    name="batch-norm",
    lesson="batch normalization",
    claim="With batch norm the network ends at a lower training error after the same "
          "epochs at lr 0.1 than without it at lr 0.1 (too high for it) and than without "
          "it at its workable lr 0.01.",
    source="Ioffe & Szegedy 2015, Batch Normalization, sec. 4.2 and Fig. 2",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("bn-lr0.1", "cifar-vgg", "fast", {**_NET, "train.lr": 0.1}),
        StudyRun("no-bn-lr0.1", "cifar-vgg", "fast",
                 {**_NET, "model.batch_norm": False, "train.lr": 0.1}),
        StudyRun("no-bn-lr0.01", "cifar-vgg", "fast",
                 {**_NET, "model.batch_norm": False, "train.lr": 0.01}),
    ),
    budgets={
        "cpu": {**CIFAR_CPU_SUBSET, "train.epochs": 5},
        "gpu": {**CIFAR_VALIDATION, "train.epochs": 30, "model.width": 64},
    },
    measured={"cpu": "5 min, holds (2-core EPYC, 2026-12-07)"},
    check=check,
))
