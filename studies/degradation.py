"""degradation: deeper plain nets train worse; residual connections fix it.

He et al. 2016 (Fig. 1 and 6): a 56-layer plain network ends at a higher
*training* error than a 20-layer one, which overfitting cannot explain (it
is the training error); the residual networks of the same depths do not
degrade. Four runs: plain-20, plain-56, resnet-20, resnet-56, otherwise
equal (cifar-resnet's short ``fast`` schedule, same data and augmentation).
"""

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import compare
from keras_recipes.studies._budgets import CIFAR_CPU_SUBSET, CIFAR_VALIDATION


def check(results) -> Verdict:
    evidence = []
    plain = compare(results["plain-56"], ">", results["plain-20"], "error", evidence=evidence)
    residual = compare(results["resnet-56"], "<=", results["resnet-20"], "error",
                       evidence=evidence)
    notes = []
    if not plain:
        notes.append("The plain nets did not separate at this budget; the paper's curves are "
                     "over 164 epochs (`--budget gpu`).")
    if not residual:
        notes.append("The 56-layer ResNet had not caught up with the 20-layer one within this "
                     "budget's epochs: a deeper net takes longer to train, and the paper's "
                     "comparison is at 164 epochs (`--budget gpu`).")
    return Verdict(plain and residual, evidence, " ".join(notes))


register_study(Study(
    name="degradation",
    lesson="residual connections vs the degradation of plain nets",
    claim="The 56-layer plain net ends at a higher training error than the 20-layer one; "
          "the 56-layer residual net does not end higher than the 20-layer one.",
    source="He et al. 2016, Deep Residual Learning for Image Recognition, Fig. 1 and Fig. 6",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("plain-20", "cifar-plain", "fast", {"model.depth": 20}),
        StudyRun("plain-56", "cifar-plain", "fast", {"model.depth": 56}),
        # Option A (zero-padding) shortcuts: the paper's CIFAR nets, with exactly
        # the plain nets' parameters (the fast preset's own is option B).
        StudyRun("resnet-20", "cifar-resnet", "fast", {"model.depth": 20, "model.shortcut": "zero_pad"}),
        StudyRun("resnet-56", "cifar-resnet", "fast", {"model.depth": 56, "model.shortcut": "zero_pad"}),
    ),
    budgets={
        "cpu": {**CIFAR_CPU_SUBSET, "train.epochs": 5},
        "gpu": {**CIFAR_VALIDATION, "train.epochs": 164},
    },
    check=check,
    measured={"cpu": "20 min, does not hold (2-core EPYC, 2026-12-07)"},
))
