"""cifar-plain: the plain (shortcut-free) networks of He et al. 2016, sec. 4.2,
the baselines that show the degradation problem.

Same widths (16/32/64), depths (6n+2) and training as cifar-resnet; only the
shortcuts are gone. In the paper's Fig. 6 (left) plain-56 ends with a higher
*training* error than plain-20, which more layers could not cause by
overfitting; the ResNets of the same depths (Fig. 6, middle) improve with
depth. The lesson in four runs and one comparison::

    recipes run cifar-plain  --set model.depth=20 --output runs/plain-20
    recipes run cifar-plain  --set model.depth=56 --output runs/plain-56
    recipes run cifar-resnet --set model.depth=20 --output runs/resnet-20
    recipes run cifar-resnet --set model.depth=56 --output runs/resnet-56
    recipes compare runs/plain-* runs/resnet-*
"""

from __future__ import annotations

from dataclasses import dataclass

from keras_recipes.config import RecipeConfig, check_depth_6n2, check_range
from keras_recipes.recipes import _cifar
from keras_recipes.recipes._tiny import tiny
from keras_recipes.registry import register_recipe


@dataclass
class PlainConfig:
    depth: int = 20  # 6n+2: 20, 32, 44, 56 in the paper
    width: int = 16  # channels of the first stage (16/32/64 in the paper)
    # The paper's ReLU and batch norm; "sigmoid" / batch_norm=false show why
    # deep plain stacks needed them (vanishing gradients).
    activation: str = "relu"
    batch_norm: bool = True

    def __post_init__(self):  # runs on every resolved config, before any data loads
        check_depth_6n2(self.depth)
        check_range("model.width", self.width, "> 0", lambda v: v > 0)


def build_model(cfg: RecipeConfig, info):
    from keras_recipes.layers import plain_cifar

    m = cfg.model
    return plain_cifar(depth=m.depth, width=m.width, num_classes=info.num_classes,
                       input_shape=info.image_shape, name=f"plain{m.depth}",
                       activation=m.activation, batch_norm=m.batch_norm)


@register_recipe(
    "cifar-plain",
    build_model=build_model,
    problem="image classification",
    dataset="CIFAR-10",
    num_classes=10,
    model="plain-20 (6n+2, no shortcuts)",
    params="0.27M",
    reference="He et al. 2016 Fig. 6: plain-56 trains to a higher error than plain-20 "
              "(degradation); ResNet-20: 91.25%",
    # cifar-resnet's short-budget schedule, without its projection shortcuts
    presets={"fast": _cifar.FAST_SCHEDULE, "tiny": tiny({"model.depth": 8, "model.width": 4})},
    search_space={
        "train.lr": "loguniform(0.02, 0.4)",
        "train.weight_decay": "loguniform(1e-5, 1e-3)",
        "model.depth": "choice(20, 32, 44, 56)",
    },
)
def cifar_plain() -> RecipeConfig:
    """Plain CNN on CIFAR-10, the ResNet paper's baseline (sec. 4.2)."""
    return RecipeConfig(model=PlainConfig(), data=_cifar.data(), augment=_cifar.augment(),
                        train=_cifar.paper_train())
