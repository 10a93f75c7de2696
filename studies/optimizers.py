"""optimizers: momentum speeds up SGD; adaptive methods start fastest.

Six runs of ResNet-20 (cifar-resnet's fast schedule, no weight decay so the
losses compare optimisation alone), each optimizer at a rate it is commonly
used at: plain SGD, SGD with momentum 0.9 and Nesterov momentum at lr 0.1;
Adam, AdamW (decoupled decay 0.05) and RMSprop at lr 0.001.
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare, describe, value
from keras_recipes.studies._budgets import CIFAR_CPU_SUBSET, CIFAR_VALIDATION

_SGD = {"train.optimizer": "sgd", "train.lr": 0.1}
_ADAPTIVE = {"train.lr": 0.001}
_SGD_RUNS = ("sgd", "momentum", "nesterov")
_ADAPTIVE_RUNS = ("adam", "adamw", "rmsprop")


def check(results) -> Verdict:
    evidence = []
    momentum = compare(results["momentum"], "<", results["sgd"], "loss", evidence=evidence)
    nesterov = compare(results["nesterov"], "<", results["sgd"], "loss", evidence=evidence)
    # "Lowest of the first epoch" means below every SGD variant, not just plain SGD.
    def first_loss(result):
        return value(result, "loss", "first", float("inf"))

    adaptive = min((results[k] for k in _ADAPTIVE_RUNS), key=first_loss)
    sgd_family = min((results[k] for k in _SGD_RUNS), key=first_loss)
    start = compare(adaptive, "<", sgd_family, "loss", pick="first", evidence=evidence)
    evidence.append("first-epoch losses: " + ", ".join(
        describe(results[k], "loss", "first") for k in results))
    return Verdict(momentum and nesterov and start, evidence)


register_study(Study(
    name="optimizers",
    lesson="optimisers: SGD, momentum, Nesterov, Adam, AdamW, RMSprop",
    claim="At the same learning rate, SGD with momentum and with Nesterov momentum end at a "
          "lower training loss than plain SGD; an adaptive method (Adam, AdamW or RMSprop) "
          "has the lowest training loss of the first epoch.",
    source="Sutskever et al. 2013, On the importance of initialization and momentum; "
           "Kingma & Ba 2015, Adam; Goodfellow et al. 2016, Deep Learning, sec. 8.3-8.5",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("sgd", "cifar-resnet", "fast", {**_SGD, "train.momentum": 0.0,
                                                  "train.nesterov": False}),
        StudyRun("momentum", "cifar-resnet", "fast", {**_SGD, "train.momentum": 0.9,
                                                       "train.nesterov": False}),
        StudyRun("nesterov", "cifar-resnet", "fast", {**_SGD, "train.momentum": 0.9,
                                                       "train.nesterov": True}),
        StudyRun("adam", "cifar-resnet", "fast", {**_ADAPTIVE, "train.optimizer": "adam"}),
        StudyRun("adamw", "cifar-resnet", "fast", {**_ADAPTIVE, "train.optimizer": "adamw",
                                                    "train.weight_decay": 0.05}),
        StudyRun("rmsprop", "cifar-resnet", "fast", {**_ADAPTIVE, "train.optimizer": "rmsprop"}),
    ),
    budgets={
        "cpu": {**CIFAR_CPU_SUBSET, "train.weight_decay": 0.0, "train.epochs": 4},
        "gpu": {**CIFAR_VALIDATION, "train.weight_decay": 0.0, "train.epochs": 30},
    },
    check=check,
))
