"""benchmarks/vs_pytorch.py on tiny sizes: the Keras side always, the PyTorch
side where torch is installed (the optional `bench` extra; CI has none)."""

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def vs():
    sys.path.insert(0, str(BENCHMARKS))
    import vs_pytorch

    yield vs_pytorch
    sys.path.remove(str(BENCHMARKS))


def test_keras_side_times_the_recipe_and_writes_json(vs, tmp_path, capsys):
    out = tmp_path / "vs.json"
    vs.main(["--tiny", "--in-process", "--no-torch", "--models", "char-lstm", "--precisions", "float32",
             "--rounds", "1", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "avx512_bf16" in printed and "char-lstm (batch 8)" in printed
    results = json.loads(out.read_text())
    rates = results["results"]["char-lstm"]["rates"]
    assert list(rates) == ["keras engine float32"] and rates["keras engine float32"][0] > 0
    assert set(results["machine"]["flags"]) >= {"avx512_bf16", "amx_bf16"}


def test_synthetic_inputs_match_between_the_sides(vs):
    spec = vs.spec_for({"model": "bilstm", "tiny": True})
    (texts, labels), (ids, same_labels) = vs.synthetic(spec, 6)
    assert ids.shape == (6, vs.SEQUENCE) and (labels == same_labels).all()
    # Right-padded ids of the same lengths as the reviews, inside the recipe's vocabulary.
    assert [int((row != 0).sum()) for row in ids] == [len(t.split()) for t in texts]
    assert ids.max() < vs.VOCAB
    text, (x, y) = vs.synthetic(vs.spec_for({"model": "char-lstm"}), 3)
    assert len(text) == 3 * vs.WINDOW + 1 and (x[:, 1:] == y[:, :-1]).all()


def test_torch_models_are_the_recipes_architectures(vs):
    pytest.importorskip("torch")
    import torch_models

    def trainable(model):
        return sum(p.numel() for p in model.parameters() if p.requires_grad)

    # ResNet-20, option A: the paper's (and resnet_cifar's) 269,722.
    assert trainable(torch_models.ResNet20()) == 269_722
    # PyTorch's LSTM has two bias vectors per gate where Keras has one.
    keras_bilstm = 10_000 * 128 + 2 * 4 * (64 * (128 + 64) + 64) + 4 * 64 * 2 + 2
    assert trainable(torch_models.BiLSTM()) == keras_bilstm + 2 * 4 * 64
    keras_char = 65 * 64 + 4 * (256 * (64 + 256) + 256) + 4 * (256 * 512 + 256) + 256 * 65 + 65
    assert trainable(torch_models.CharLSTM()) == keras_char + 2 * 4 * 256


def test_torch_side_trains_and_profiles_every_model(vs):
    pytest.importorskip("torch")
    for model in vs.MODELS:
        rates = vs.torch_rates(vs.spec_for({"model": model, "tiny": True}), ["float32", "bfloat16"])
        assert rates["float32"] > 0 and rates["bfloat16"] > 0, model
    profile = vs.profile_torch(vs.spec_for({"model": "resnet20", "tiny": True}), 2)
    kinds = profile["ms_per_step"]
    assert kinds["convolution"] > 0 and kinds["batch norm"] > 0 and kinds["step time (wall)"] > 0
    assert vs.torch_kind("aten::mkldnn_rnn_layer_backward") == "recurrent (fused LSTM)"
    assert vs.torch_kind("aten::_foreach_add_") == "optimizer update"
    assert vs.torch_kind("aten::_to_copy") == "cast"


def test_airbench_reference_runs_the_published_package_on_the_cpu(tmp_path):
    import importlib.util
    import subprocess

    pytest.importorskip("torch")
    if importlib.util.find_spec("airbench") is None:
        pytest.skip("the airbench package is not installed (the bench extra)")
    # Its own process: the script patches torch's CUDA calls for the whole process.
    out = tmp_path / "ref.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "airbench_reference.py"), "--synthetic",
                           "--quick", "--json", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "[airbench94 reference] seed 0" in done.stdout
    result = json.loads(out.read_text())
    assert result["images"]["test"] > 0 and result["epochs"] == 1 and len(result["runs"]) == 1
    assert 0.0 <= result["accuracy_mean"] <= 1.0
