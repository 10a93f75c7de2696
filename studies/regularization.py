"""regularization: dropout, weight decay and early stopping on a small training set.

With a few thousand images and no augmentation a VGG-11 fits its training
set and stops generalising. Four runs: no regularisation; dropout 0.5 before
the classifier; weight decay 5e-3; early stopping (patience 3 on the
validation accuracy; the run keeps its best epoch). The train/validation
gap is final training accuracy minus final validation accuracy.
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare, number
from keras_recipes.studies._budgets import CIFAR_VALIDATION

_NET = {"model.depth": 11, "model.width": 32, "augment.preset": "none",
        "augment.pad": None, "augment.flip": None, "augment.test_time": "none",
        "train.weight_decay": 0.0}


def gap(result) -> float | None:
    train, val = result.final("accuracy"), result.final("val_accuracy")
    return None if train is None or val is None else train - val


def gap_column(result) -> str:
    value = gap(result)
    return "-" if value is None else f"{value:.4f}"


def check(results) -> Verdict:
    evidence = []
    none = results["none"]
    holds = True
    for name in ("dropout", "weight-decay"):
        run = results[name]
        narrower = gap(run) is not None and gap(none) is not None and gap(run) < gap(none)
        evidence.append(f"{name} train/val gap {gap_column(run)} < none {gap_column(none)}: "
                        f"{'yes' if narrower else 'no'}")
        better = compare(run, ">", none, "val_accuracy", evidence=evidence)
        holds = holds and narrower and better
    stopped = results["early-stopping"]
    kept = compare(stopped, ">=", none, "val_accuracy", pick="best", evidence=evidence)
    evidence.append(f"early stopping trained {stopped.epochs} of "
                    f"{none.epochs} epochs")
    return Verdict(holds and kept, evidence)


register_study(Study(
    name="regularization",
    lesson="regularisation: dropout, weight decay, early stopping",
    claim="On a small training set the unregularised network overfits; dropout and weight "
          "decay each narrow the train/validation gap and end at a higher validation "
          "accuracy; early stopping keeps an epoch at least as good as the last one of the "
          "unregularised run.",
    source="Srivastava et al. 2014, Dropout; Krogh & Hertz 1992, A Simple Weight Decay "
           "Can Improve Generalization; Goodfellow et al. 2016, Deep Learning, ch. 7",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("none", "cifar-vgg", "fast", _NET),
        StudyRun("dropout", "cifar-vgg", "fast", {**_NET, "model.dropout": 0.5}),
        StudyRun("weight-decay", "cifar-vgg", "fast", {**_NET, "train.weight_decay": 5e-3}),
        StudyRun("early-stopping", "cifar-vgg", "fast",
                 {**_NET, "train.early_stopping_patience": 3}),
    ),
    budgets={
        # 5% held out (2,500 images) keeps 15 evaluations per run cheap.
        "cpu": {"data.val_fraction": 0.05, "data.train_examples": 4_000, "train.epochs": 15},
        "gpu": {**CIFAR_VALIDATION, "data.train_examples": 10_000, "train.epochs": 60,
                "model.width": 64},
    },
    measured={"cpu": "12 min at load 6, does not hold (2-core EPYC, 2026-12-07)"},
    metrics=("loss", "accuracy"),
    columns=(("final accuracy", lambda r: number(r, "accuracy", digits=4)),
             ("final val_accuracy", lambda r: number(r, "val_accuracy", digits=4)),
             ("train/val gap", gap_column),
             ("best val_accuracy", lambda r: number(r, "val_accuracy", "best", 4))),
    check=check,
))
