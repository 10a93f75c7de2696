"""The mixed-precision policy: what ``auto`` picks, and applying it.

``auto`` follows the hardware: float16 on NVIDIA GPUs with tensor cores
(compute capability 7.x), bfloat16 on TPUs and on GPUs of compute capability
8.0+ (as fast as float16 there and needs no loss scaling), bfloat16 on CPUs
with native bfloat16 instructions, float32 everywhere else. Variables stay
float32 under every policy; the model's classifier head is built in float32.
"""

from __future__ import annotations

from typing import Tuple

from keras_recipes.runtime.hardware import Hardware


def auto_precision(hw: Hardware) -> Tuple[str, str]:
    """``(policy_name, reason)`` of ``runtime.precision=auto`` on ``hw``
    (``plan.choose`` applies it)."""
    if hw.tpu:
        return "mixed_bfloat16", "TPU: bfloat16 is native"
    if hw.gpus:
        caps = [g.compute_capability for g in hw.gpus if g.compute_capability]
        if caps and min(caps) >= (8, 0):
            return "mixed_bfloat16", f"GPU compute capability {min(caps)[0]}.{min(caps)[1]} >= 8.0: bfloat16 tensor cores, no loss scaling needed"  # noqa: E501
        if caps and min(caps) >= (7, 0):
            return "mixed_float16", f"GPU compute capability {min(caps)[0]}.{min(caps)[1]} >= 7.0: float16 tensor cores (with loss scaling)"  # noqa: E501
        return "float32", "GPU without tensor cores (compute capability < 7.0 or unknown)"
    if hw.cpu_bfloat16:
        return "mixed_bfloat16", "CPU has native bfloat16 (avx512_bf16/amx_bf16)"
    return "float32", "CPU without native bfloat16: mixed precision would only add casts"


def apply_precision(policy: str) -> None:
    import keras

    keras.mixed_precision.set_global_policy(policy)
