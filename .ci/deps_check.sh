#!/usr/bin/env bash
# Do the declared dependency ranges hold at both ends?
#
#   .ci/deps_check.sh lowest   every direct dependency (pyproject.toml, with the
#                              test and export extras) at the floor it declares
#   .ci/deps_check.sh latest   every dependency at its newest release
#
# Each builds a fresh virtual environment (KR_DEPS_VENV, default
# /tmp/keras-recipes-deps-<mode>), installs the project into it with uv's
# resolver (`--resolution lowest-direct` is what pins the direct dependencies to
# their floors while letting their own dependencies resolve), prints the
# versions it got, lints, and runs a fast subset of the tests that touches every
# declared package: layers (Keras, JAX backend), augmentation presets (Keras'
# image layers), config/registry (OmegaConf), CLI (click), export (tf2onnx,
# ONNX Runtime, LiteRT), tuning (KerasTuner, scikit-learn), sample quality
# (SciPy), plots (matplotlib, Pillow), TensorBoard HParams.
# .ci/run calls it when KR_DEPS_CHECK=lowest|latest; the default CI does not.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-${KR_DEPS_CHECK:-}}"
case "$mode" in
    lowest) resolution=lowest-direct ;;
    latest) resolution=highest ;;
    *) echo "usage: $0 lowest|latest (or KR_DEPS_CHECK=lowest|latest)" >&2; exit 2 ;;
esac
venv="${KR_DEPS_VENV:-/tmp/keras-recipes-deps-$mode}"
python="${KR_DEPS_PYTHON:-python3}"

rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet uv
# --system-certs: trust the system's certificate store, as pip does.
"$venv/bin/python" -m uv pip install --system-certs --python "$venv/bin/python" \
    --resolution "$resolution" -e ".[test]"
"$venv/bin/python" -m uv pip list --python "$venv/bin/python" 2>/dev/null | grep -iE \
    '^(tensorflow|keras|tensorboard|tensorflow-datasets|importlib.resources|keras-tuner|scikit-learn|scipy|click|omegaconf|matplotlib|numpy|pillow|onnxruntime|tf2onnx|onnx|ai-edge-litert|pytest|pytest-xdist|jax|ruff|protobuf|ml-dtypes) '

export TF_CPP_MIN_LOG_LEVEL=2
"$venv/bin/python" -m ruff check .
"$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_config.py tests/test_registry.py tests/test_private_api.py \
    tests/layers/test_residual_block.py tests/layers/test_jax_backend.py \
    tests/datasets/test_augmentation_presets.py tests/datasets/test_batch_mixer.py \
    tests/cli/test_cli.py tests/cli/test_completion.py \
    tests/inference/test_export.py tests/inference/test_sample_quality.py \
    tests/rundir tests/training/test_hparams.py \
    tests/tuning/test_tune.py::test_bayesian_search tests/tuning/test_tune.py::test_space_specs_map_to_typed_values
