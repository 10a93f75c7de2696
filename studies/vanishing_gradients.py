"""vanishing-gradients: per-layer gradient norms of a deep plain network.

Glorot & Bengio 2010: in a deep stack of sigmoids the gradient that reaches
the first layers is orders of magnitude smaller than at the last; ReLUs with
batch norm (Ioffe & Szegedy 2015) and residual connections (He et al. 2016)
keep it in range. Four 32-layer networks on CIFAR-10, their per-layer
gradient norms recorded on one fixed batch at initialisation and after a few
hundred steps (``train.gradient_norm_steps``) and plotted against depth:
plain with sigmoids and no batch norm, plain with ReLUs and no batch norm,
plain with ReLUs and batch norm, and the ResNet.
"""

from pathlib import Path

from keras_recipes.experiments import Study, StudyRun, Verdict, register_study
from keras_recipes.experiments.checks import number
from keras_recipes.studies._budgets import CIFAR_VALIDATION

# The first conv's gradient norm over the last conv's, at initialisation
# (the head's dense kernel left out): "vanished" is below 1e-2, "not
# vanishing" above 1e-1. Measured on random inputs at initialisation, 32
# layers: sigmoid 3e-17, ReLU 0.14, ReLU + BN 45 (batch norm's train-mode
# statistics grow the gradient towards the input), ResNet 2.9.
VANISHED, IN_RANGE = 1e-2, 1e-1
_PLAIN = {"model.depth": 32}


def attenuation(result, step=None):
    """first conv / last conv gradient norm at ``step`` (None: the first recorded)."""
    layers, steps = result.gradient_norms()
    if not steps:
        return None
    norms = steps[min(steps) if step is None else step]
    return float(norms[0] / norms[-2]) if norms[-2] > 0 else None  # [-1]: the dense head


def check(results) -> Verdict:
    evidence, holds = [], True
    for label, (op, bound) in (("plain-sigmoid", ("<", VANISHED)),
                               ("plain-relu-bn", (">", IN_RANGE)),
                               ("resnet", (">", IN_RANGE))):
        ratio = attenuation(results[label])
        ok = ratio is not None and (ratio < bound if op == "<" else ratio > bound)
        evidence.append(f"{label}: first/last conv gradient norm at initialisation "
                        f"{'-' if ratio is None else f'{ratio:.2e}'} {op} {bound:g}: "
                        f"{'yes' if ok else 'no'}")
        holds = holds and ok
    ratio = attenuation(results["plain-relu"])
    evidence.append(f"plain-relu (no batch norm, for comparison): "
                    f"{'-' if ratio is None else f'{ratio:.2e}'}")
    return Verdict(holds, evidence)


def figure(results, folder) -> list:
    from keras_recipes.rundir import plots

    runs = [(label, *r.gradient_norms()) for label, r in results.items()]
    return [plots.plot_gradient_norms(runs, Path(folder) / "gradient_norms.png",
                                      title="gradient norm per layer, 32 layers")]


def attenuation_column(result) -> str:
    ratio = attenuation(result)
    return "-" if ratio is None else f"{ratio:.2e}"


register_study(Study(
    name="vanishing-gradients",
    lesson="vanishing and exploding gradients",
    claim="At initialisation, the first layer of a 32-layer plain sigmoid network gets a "
          "gradient more than 100x smaller than its last layer; with ReLUs and batch norm, "
          "and in the ResNet, it does not vanish: the first layer gets at least 1/10 of "
          "the last layer's gradient.",
    source="Glorot & Bengio 2010, Understanding the difficulty of training deep feedforward "
           "neural networks; Ioffe & Szegedy 2015; He et al. 2016",
    data="CIFAR-10 (an image folder with one sub-folder per class, or tfds:cifar10)",
    runs=(
        StudyRun("plain-sigmoid", "cifar-plain", "fast",
                 {**_PLAIN, "model.activation": "sigmoid", "model.batch_norm": False}),
        StudyRun("plain-relu", "cifar-plain", "fast", {**_PLAIN, "model.batch_norm": False}),
        StudyRun("plain-relu-bn", "cifar-plain", "fast", _PLAIN),
        StudyRun("resnet", "cifar-resnet", "fast", {**_PLAIN, "model.shortcut": "zero_pad"}),
    ),
    budgets={
        # 6,400 images at batch 64: 100 steps an epoch, 3 epochs.
        "cpu": {**CIFAR_VALIDATION, "data.train_examples": 6_400, "train.epochs": 3,
                "train.gradient_norm_steps": [0, 300]},
        "gpu": {**CIFAR_VALIDATION, "train.epochs": 10,
                "train.gradient_norm_steps": [0, 100, 1000, 7000]},
    },
    figures=(figure,),
    measured={"cpu": "8 min, holds (2-core EPYC, 2026-12-07)"},
    columns=(("first/last gradient at init", attenuation_column),
             ("final error", lambda r: number(r, "error", digits=4))),
    check=check,
))
