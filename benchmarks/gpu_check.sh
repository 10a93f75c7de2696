#!/usr/bin/env bash
# GPU readiness check for keras-recipes: at most ~8 minutes on a machine with
# one or more NVIDIA GPUs, then one table (and JSON) of what worked and how fast.
#
#   bash benchmarks/gpu_check.sh [OUT_DIR]
#
# Data: CIFAR_DIR (an image folder, e.g. the extracted cifar10_train.tar.gz's
# train/) and IMDB_DIR (aclImdb/train) if set; else DATA_ARCHIVES (a folder
# holding cifar10_train.tar.gz and aclImdb_train.tar.gz, default ../shared/data)
# is extracted into OUT_DIR. Without data, the real-epoch rows are skipped.
#
# Steps (each with its own time limit, STEP_TIMEOUT seconds, default 150):
#   recipes doctor; every recipe's --smoke run under auto precision; one real
#   epoch of cifar-resnet and of imdb-lstm under auto and float32 (img/s,
#   peak GPU memory); XLA on vs off; MirroredStrategy over all visible GPUs;
#   imdb-lstm / imdb-gru under mixed_bfloat16 and mixed_float16 (the fused
#   cuDNN kernel or Keras' own fallback, never a crash).
# Every step appends a line to OUT_DIR/steps.jsonl; benchmarks/gpu_report.py
# turns them and the run directories into the table and OUT_DIR/gpu_check.json.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}"
STEP_TIMEOUT="${STEP_TIMEOUT:-150}"
RECIPES="${RECIPES_CMD:-recipes}"
mkdir -p "$OUT/runs" "$OUT/logs"
: > "$OUT/steps.jsonl"

# step NAME RUN_DIR COMMAND...: run with a time limit, log, record the outcome.
step() {
    local name="$1" run_dir="$2"
    shift 2
    local start end rc
    start=$(date +%s.%N)
    timeout "$STEP_TIMEOUT" "$@" > "$OUT/logs/$name.log" 2>&1
    rc=$?
    end=$(date +%s.%N)
    printf '{"step": "%s", "rc": %d, "seconds": %.1f, "run_dir": "%s", "log": "%s"}\n' \
        "$name" "$rc" "$(awk "BEGIN {print $end - $start}")" "$run_dir" "$OUT/logs/$name.log" >> "$OUT/steps.jsonl"
    echo "[gpu_check] $name: exit $rc"
}

extract() {  # extract ARCHIVE into DEST once
    local archive="$1" dest="$2"
    [ -f "$archive" ] || return 1
    mkdir -p "$dest" && tar xzf "$archive" -C "$dest"
}

ARCHIVES="${DATA_ARCHIVES:-$HERE/../../shared/data}"
if [ -z "${CIFAR_DIR:-}" ] && extract "$ARCHIVES/cifar10_train.tar.gz" "$OUT/data"; then
    CIFAR_DIR="$OUT/data/train"
fi
if [ -z "${IMDB_DIR:-}" ] && extract "$ARCHIVES/aclImdb_train.tar.gz" "$OUT/data"; then
    IMDB_DIR="$OUT/data/aclImdb/train"
fi

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/logs/nvidia-smi.csv" 2>&1
step doctor "" "$RECIPES" doctor

for recipe in $(python -c "import keras_recipes as kr; print(' '.join(r.name for r in kr.list_recipes()))"); do
    step "smoke-$recipe" "$OUT/runs/smoke-$recipe" \
        "$RECIPES" run "$recipe" --smoke -q --output "$OUT/runs/smoke-$recipe"
done

epoch() {  # epoch NAME RECIPE DATA [--set ...]: one real epoch, no validation split
    local name="$1" recipe="$2" data="$3"
    shift 3
    step "$name" "$OUT/runs/$name" "$RECIPES" run "$recipe" --data "$data" --epochs 1 -q \
        --set data.val_fraction=0 --output "$OUT/runs/$name" "$@"
}

if [ -n "${CIFAR_DIR:-}" ]; then
    epoch cifar-auto cifar-resnet "$CIFAR_DIR" --precision auto
    epoch cifar-float32 cifar-resnet "$CIFAR_DIR" --precision float32
    epoch cifar-xla-on cifar-resnet "$CIFAR_DIR" --set runtime.jit_compile=true
    epoch cifar-xla-off cifar-resnet "$CIFAR_DIR" --set runtime.jit_compile=false
    epoch cifar-mirrored cifar-resnet "$CIFAR_DIR" --set runtime.strategy=mirrored \
        --set train.batch_size=512 --set train.lr_scaling=linear
fi
if [ -n "${IMDB_DIR:-}" ]; then
    epoch imdb-lstm-auto imdb-lstm "$IMDB_DIR" --precision auto
    epoch imdb-lstm-float32 imdb-lstm "$IMDB_DIR" --precision float32
    for cell in lstm gru; do
        for policy in mixed_bfloat16 mixed_float16; do
            epoch "imdb-$cell-$policy" "imdb-$cell" "$IMDB_DIR" --precision "$policy" \
                --set train.steps_per_epoch=60
        done
    done
fi

python "$HERE/gpu_report.py" "$OUT"
