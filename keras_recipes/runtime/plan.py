"""The runtime plan: every choice about where and how a run computes, made
once from the config and the hardware, each with its reason.

A setting is either requested in the config or ``auto``; ``auto`` follows a
rule of the hardware: ``precision.auto_precision``, ``strategy.auto_strategy``,
``auto_placement`` (augmentation) and ``auto_jit`` here. ``choose`` is that
one rule; ``plan_runtime`` applies it to every setting (and ``runtime.gpus``,
parsed here only), and ``apply_plan`` carries the plan out. The Trainer
trains by it, ``recipes doctor`` shows it and environment.json records it.

Example:

>>> from keras_recipes.runtime.hardware import Hardware
>>> from keras_recipes.runtime.plan import choose, plan_runtime
>>> choose("runtime.precision", "auto", Hardware(cpu_flags=frozenset({"avx512_bf16"})))
Choice(value='mixed_bfloat16', reason='CPU has native bfloat16 (avx512_bf16/amx_bf16)')
>>> plan = plan_runtime(cfg, Hardware())
>>> plan.strategy
Choice(value='default', reason='no accelerator: single-device default strategy')
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, Tuple

from keras_recipes.config import check_choice
from keras_recipes.errors import ConfigError
from keras_recipes.runtime.fused_norm import choose_batch_norm
from keras_recipes.runtime.hardware import Hardware
from keras_recipes.runtime.precision import auto_precision
from keras_recipes.runtime.strategy import auto_strategy

REQUESTED = "requested in the config"


class Choice(NamedTuple):
    """A planned value and why it was chosen."""

    value: Any
    reason: str


def auto_placement(hw: Hardware) -> Tuple[str, str]:
    """``augment.placement=auto``: ``"model"`` on an accelerator, else ``"pipeline"``.

    On a CPU augmentation stays in the tf.data pipeline, where it overlaps
    with training: on a 2-core AVX512-BF16 CPU with the cores to itself,
    cifar-resnet trained at 0.89x (float32) and 0.87x (bfloat16) with
    augmentation in the model instead (benchmarks/precision_speed.py, median
    of 3 paired rounds).
    """
    if hw.gpus or hw.tpu:
        return "model", "accelerator: it runs on the device"
    return "pipeline", "CPU: there it overlaps with training"


def auto_jit(hw: Hardware) -> Tuple[str, str]:
    """``runtime.jit_compile=auto`` is Keras' own rule (hand-written Keras gets the same)."""
    return "auto", "Keras' rule: XLA when every layer supports it and op determinism is off"


_AUTO = {
    "runtime.precision": auto_precision,
    "runtime.strategy": auto_strategy,
    "augment.placement": auto_placement,
    "runtime.jit_compile": auto_jit,
}


def choose(key: str, requested: str, hw: Hardware) -> Choice:
    """The value of setting ``key`` (``runtime.precision``, ``runtime.strategy``,
    ``augment.placement``, ``runtime.jit_compile``): ``requested`` as it is,
    or, for ``auto``, what the hardware's rule picks, with its reason."""
    check_choice(key, requested)
    if requested != "auto":
        return Choice(requested, REQUESTED)
    return Choice(*_AUTO[key](hw))


def gpu_indices(gpus: Optional[str], available: int) -> Optional[list]:
    """Parse ``runtime.gpus`` (``"0,1"``) against ``available`` GPUs; None: all."""
    if not gpus:
        return None
    try:
        wanted = [int(i) for i in str(gpus).split(",") if i.strip()]
        if not wanted or any(i < 0 or i >= available for i in wanted):
            raise ValueError
    except ValueError:
        raise ConfigError(
            f"runtime.gpus={gpus!r} names GPUs that do not exist; visible: {available}"
        ) from None
    return wanted


@dataclass(frozen=True)
class RuntimePlan:
    """How a run computes; each choice with its reason (see ``plan_runtime``)."""

    hardware: Hardware  # as the choices saw it: runtime.gpus applied
    gpus: Optional[Tuple[int, ...]]  # runtime.gpus as indices; None: every visible GPU
    precision: Choice  # the Keras dtype policy
    strategy: Choice  # the tf.distribute strategy, or the JAX backend's distribution
    replicas: Choice  # copies of the model the global batch is split over
    augment_on_device: Choice  # True: augmentation inside the model (on the device)
    jit_compile: Choice  # compile()'s jit_compile: True, False or "auto"
    batch_norm: Choice  # True: layers.BatchNorm trains with the backend's fused kernel
    jax_devices: Tuple[str, ...] = ()  # the JAX backend's device mesh

    def environment(self) -> dict:
        """The plan's entries of environment.json."""
        return {"precision": self.precision.value, "precision_reason": self.precision.reason,
                "strategy": self.strategy.value, "strategy_reason": self.strategy.reason,
                "replicas": self.replicas.value, "replicas_reason": self.replicas.reason,
                "augment_on_device": self.augment_on_device.value,
                "augment_reason": self.augment_on_device.reason,
                "jit_compile_reason": self.jit_compile.reason,
                "batch_norm": {"fused": self.batch_norm.value, "why": self.batch_norm.reason}}

    def rows(self) -> list:
        """``(setting, "value (reason)")`` for each choice, as logs and doctor show them."""
        where = "in the model" if self.augment_on_device.value else "in the tf.data pipeline"
        replicas = "" if self.replicas.value is None else f", {self.replicas.value} replica(s)"
        return [("precision", f"{self.precision.value} ({self.precision.reason})"),
                ("strategy", f"{self.strategy.value} ({self.strategy.reason}){replicas}"),
                ("augmentation", f"{where} ({self.augment_on_device.reason})"),
                ("jit_compile", f"{self.jit_compile.value} ({self.jit_compile.reason})"),
                ("fused batch norm", f"{self.batch_norm.value} ({self.batch_norm.reason})")]


def place_augmentation(requested: str, hw: Hardware, required=None) -> Choice:
    """Where augmentation runs (``"model"`` or ``"pipeline"``): ``requested``
    (``augment.placement``) by ``choose``'s rule, unless the task requires a
    place (``Task.augmentation_placement``: ``(place, why)``); then ``auto``
    gives that place with the task's reason, and another request is refused."""
    if required is None:
        return choose("augment.placement", requested, hw)
    place, why = required
    check_choice("augment.placement", requested)
    if requested not in ("auto", place):
        raise ConfigError(f"augment.placement={requested}: this recipe augments in the {place} "
                          f"({why}); set augment.placement={place} or auto")
    return Choice(place, why)


def plan_runtime(cfg, hw: Hardware, backend: str = "tensorflow", *,
                 augmentation_placement=None) -> RuntimePlan:
    """The runtime plan of ``cfg`` (a RecipeConfig) on ``hw``. Nothing is
    applied yet (``apply_plan`` does) and, on TensorFlow, nothing is imported:
    the replicas are counted once the strategy exists (None until then).
    ``augmentation_placement``: the task's required ``(place, why)``, if any
    (see ``place_augmentation``)."""
    rt = cfg.runtime
    jax_devices: Tuple[str, ...] = ()
    wanted = None
    if backend == "jax":
        # tf.distribute does nothing for JAX; keras.distribution does.
        import keras

        from keras_recipes.runtime import jax_distribution

        jax_devices = jax_distribution.select_devices(keras.distribution.list_devices(), rt.gpus)
        strategy, replicas = jax_distribution.plan(jax_devices)
    else:
        wanted = gpu_indices(rt.gpus, len(hw.gpus))
        if wanted is not None:
            hw = dataclasses.replace(hw, gpus=tuple(hw.gpus[i] for i in wanted))
        strategy = choose("runtime.strategy", rt.strategy, hw)
        replicas = Choice(None, "counted by the strategy once it exists")
    placement = place_augmentation(cfg.augment.placement, hw, augmentation_placement)
    jit = choose("runtime.jit_compile", rt.jit_compile, hw)
    return RuntimePlan(
        hardware=hw, gpus=tuple(wanted) if wanted is not None else None,
        precision=choose("runtime.precision", rt.precision, hw), strategy=strategy,
        replicas=replicas, augment_on_device=Choice(placement.value == "model", placement.reason),
        jit_compile=Choice({"true": True, "false": False}.get(jit.value, jit.value), jit.reason),
        batch_norm=Choice(*choose_batch_norm(backend)), jax_devices=jax_devices)


def apply_plan(plan: RuntimePlan):
    """Carry ``plan`` out: the visible GPUs, the global dtype policy, and the
    strategy (or JAX distribution). Returns ``(strategy, plan with its
    replicas counted)``; call it before TensorFlow first touches a GPU."""
    import tensorflow as tf

    from keras_recipes.runtime.fused_norm import apply_batch_norm
    from keras_recipes.runtime.precision import apply_precision
    from keras_recipes.runtime.strategy import make_strategy, restrict_gpus

    if plan.gpus is not None:
        restrict_gpus(plan.gpus)
    apply_precision(plan.precision.value)
    apply_batch_norm(plan.batch_norm.value)
    if plan.jax_devices:
        from keras_recipes.runtime import jax_distribution

        jax_distribution.install(plan.jax_devices)
        return tf.distribute.get_strategy(), plan
    strategy = make_strategy(plan.strategy.value)
    replicas = Choice(strategy.num_replicas_in_sync, "the strategy's replicas in sync")
    return strategy, dataclasses.replace(plan, replicas=replicas)
