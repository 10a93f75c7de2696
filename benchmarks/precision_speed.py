"""cifar-resnet end to end, `runtime.precision=auto` vs float32, as users run
it (default augmentation, its default placement), in paired rounds.

The target (issue "Performance II"): on CPUs with native bfloat16
(avx512_bf16 / amx_bf16) `auto` trains >= 1.3x faster than float32 and never
slower. On other CPUs `auto` is float32 and the ratio is 1 by construction.
Also times augmentation in the model against the pipeline for both
policies: on a loaded 2-core CPU the model looked faster, on a quiet one the
pipeline was (benchmarks/RESULTS.md), so `auto` keeps the pipeline on CPUs.

    python benchmarks/precision_speed.py                # 3 rounds, 40 batches of 128 per epoch
    python benchmarks/precision_speed.py --rounds 1 --batches 8
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure
import numpy as np
import suite

import keras_recipes  # noqa: F401  (first: it turns oneDNN on before TensorFlow loads)

VARIANTS = {  # name -> overrides
    "float32": ["runtime.precision=float32"],
    "auto": ["runtime.precision=auto"],
    "float32, augmentation in pipeline": ["runtime.precision=float32", "augment.placement=pipeline"],
    "auto, augmentation in pipeline": ["runtime.precision=auto", "augment.placement=pipeline"],
}


def rate(x, y, overrides, seed) -> float:
    # The suite's recipe_rate turns augmentation off; here it is the recipe's own.
    return suite.recipe_rate("cifar-resnet", (x, y), 2, "augment.preset=cifar",
                             f"runtime.seed={seed}", *overrides)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=40, help="batches of 128 per epoch")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    n = 128 * args.batches
    x = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.int64)
    rates = {name: [] for name in VARIANTS}
    for r in range(args.rounds):
        for name, overrides in VARIANTS.items():
            rates[name].append(rate(x, y, overrides, seed=r))
            print(f"[precision_speed] round {r + 1}: {name} {rates[name][-1]:.1f} img/s", file=sys.stderr)

    def paired(a, b):  # median over rounds of a / b within the same round
        return statistics.median(p / q for p, q in zip(rates[a], rates[b]))

    from keras_recipes.runtime import hardware
    from keras_recipes.runtime.plan import choose

    info = measure.machine()
    result = {"machine": info, "auto_is": choose("runtime.precision", "auto", hardware.detect()).value,
              "rates": rates, "ratios": {
                  "auto / float32": paired("auto", "float32"),
                  "auto / float32, augmentation in pipeline": paired("auto, augmentation in pipeline",
                                                                    "float32, augmentation in pipeline"),
                  "in model / in pipeline, float32": paired("float32", "float32, augmentation in pipeline"),
                  "in model / in pipeline, auto": paired("auto", "auto, augmentation in pipeline")}}
    print(f"machine: {info['cpu']} ({info['cores']} cores), native bfloat16: {info['cpu_bfloat16']}; "
          f"auto = {result['auto_is']}")
    for name, values in rates.items():
        print(f"{name:<36} median {statistics.median(values):7.1f} img/s  rounds {[round(v) for v in values]}")
    for name, value in result["ratios"].items():
        print(f"{name:<44} {value:.2f}x (median of per-round ratios)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    return result


if __name__ == "__main__":
    main()
