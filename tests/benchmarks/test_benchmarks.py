"""The benchmark suite runs end to end (tiny, synthetic) and its table holds real measurements."""

import json
import os
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))
    import measure
    import suite

    yield suite, measure
    sys.path.remove(str(BENCHMARKS))


def test_subset_folder_links_the_first_files_of_each_class(bench, tmp_path):
    _, measure = bench
    for name in ("cat", "dog"):
        (tmp_path / "src" / name).mkdir(parents=True)
        for i in range(5):
            (tmp_path / "src" / name / f"{i}.txt").write_text(f"{name} {i}")
    out = measure.subset_folder(tmp_path / "src", 2, tmp_path / "sub")
    assert sorted(p.name for p in (out / "dog").iterdir()) == ["0.txt", "1.txt"]
    assert (out / "cat" / "1.txt").read_text() == "cat 1"


def test_suite_measures_recipe_and_hand_written_and_writes_json(bench, tmp_path, capsys):
    suite, _ = bench
    out = tmp_path / "results.json"
    suite.main(["--synthetic", "--models", "resnet20", "--examples", "384", "--rounds", "1",
                "--epochs", "2", "--json", str(out)])
    table = capsys.readouterr().out
    assert "recipe / hand-written (median of per-round ratios)" in table
    results = json.loads(out.read_text())
    assert results["machine"]["tensorflow"] and results["machine"]["cores"] >= 1
    rows = {row["measure"]: row for row in results["rows"]}
    ratio = rows["recipe / hand-written (median of per-round ratios)"]
    assert ratio["value"] > 0 and ratio["target"] == 0.97 and isinstance(ratio["ok"], bool)
    assert rows["input pipeline alone"]["value"] > 0
    assert rows["time to first step (import + data + build + step)"]["value"] > 0
    assert rows["peak host memory (recipes run)"]["value"] > 100
    rates = rows["details"]["value"]["rates"]
    assert set(rates) >= {"hand", "recipe", "xla_on", "xla_off"}
    assert all(r > 0 for values in rates.values() for r in values)


def test_profile_step_reads_tensorflows_op_stats_and_groups_them(bench, tmp_path):
    import glob

    import profile_step
    import tensorflow as tf

    conv = tf.function(lambda x, k: tf.nn.relu(tf.nn.conv2d(x, k, 1, "SAME")))
    x, k = tf.ones([4, 16, 16, 3]), tf.ones([3, 3, 3, 8])
    conv(x, k)
    tf.profiler.experimental.start(str(tmp_path))
    for _ in range(3):
        conv(x, k)
    tf.profiler.experimental.stop()
    rows = profile_step.op_stats(glob.glob(f"{tmp_path}/**/*.xplane.pb", recursive=True))
    kinds = profile_step.by_kind(rows, steps=3)
    assert kinds["convolution"] > 0
    assert kinds["total (op self time)"] == sum(v for k, v in kinds.items() if k != "total (op self time)")
    assert profile_step.kind_of("_MklNativeConv2DBackpropFilter") == "convolution"
    assert profile_step.kind_of("FusedBatchNormGradV3") == "batch norm"
    assert profile_step.kind_of("ResourceApplyKerasMomentum") == "optimizer update"
    assert profile_step.kind_of("SomethingNew") == "other"


def test_inference_benchmark_measures_evaluate_predict_and_saved_model(bench, toy_recipe, tmp_path, capsys):
    import inference

    rows = inference.main(["--recipes", toy_recipe, "--examples", "96", "--repeats", "2", "--eager",
                           "--json", str(tmp_path / "inf.json")])
    row = rows[0]
    for key in ("train_ex_per_s", "evaluate_ex_per_s", "inference_ex_per_s", "inference_eager_ex_per_s",
                "predict_batch1_ms", "saved_model_batch1_ms"):
        assert row[key] > 0, key
    assert "eval/train (>= 3)" in capsys.readouterr().out
    assert json.loads((tmp_path / "inf.json").read_text())["rows"][0]["recipe"] == toy_recipe


@pytest.fixture(scope="module")
def accuracy():
    sys.path.insert(0, str(BENCHMARKS))
    import accuracy

    yield accuracy
    sys.path.remove(str(BENCHMARKS))


def test_holdout_leaves_out_the_tuning_rows_and_takes_the_last_ids(accuracy, tmp_path):
    for name in ("neg", "pos"):
        (tmp_path / "src" / name).mkdir(parents=True)
        for i in range(100):
            (tmp_path / "src" / name / f"{i}_7.txt").write_text(f"{name} {i}")
    out = accuracy.holdout_layout(tmp_path / "src", tmp_path / "h", "text", "blocks")
    from keras_recipes.datasets.folders import list_class_files
    from keras_recipes.datasets.splits import split_rows

    paths, labels, _ = list_class_files(str(tmp_path / "src"), (".txt",), progress=False)
    tuned = {os.path.basename(paths[i]) for i in split_rows(labels, 0.1, 1337, "blocks", paths)[1]}
    for name in ("neg", "pos"):
        test = {p.name for p in (out / "test" / name).iterdir()}
        train = {p.name for p in (out / "train" / name).iterdir()}
        assert len(test) == 9 and not test & tuned and not test & train
        assert len(train) == 81 and max(int(n.split("_")[0]) for n in test) == 99


def test_accuracy_quick_runs_recipe_and_hand_written_rows(accuracy, tmp_path, capsys):
    out = tmp_path / "accuracy.json"
    accuracy.main(["--synthetic", "--quick", "--only", "imdb-lstm,hand-written-bilstm-2ep",
                   "--precision", "float32", "--json", str(out)])
    table = capsys.readouterr().out
    assert "imdb-lstm" in table and "+-" in table
    results = json.loads(out.read_text())
    assert "natural file-name order" in results["holdout"]["rule"]
    rows = {r["row"]: r for r in results["rows"]}
    assert set(rows) == {"imdb-lstm", "hand-written-bilstm-2ep"}
    for row in rows.values():
        assert row["seeds"] == 2 and row["epochs"] == 1 and len(row["runs"]) == 2
        assert 0.0 <= row["mean"] <= 1.0 and row["std"] >= 0.0 and row["machine"]["cpu"]
    accuracy.main(["--markdown", "--json", str(out)])
    assert "| `imdb-lstm` | 1 epochs | 2 |" in capsys.readouterr().out


def test_accuracy_quick_runs_the_ngram_and_mnist_rows(accuracy, tmp_path, capsys):
    out = tmp_path / "accuracy.json"
    accuracy.main(["--synthetic", "--quick", "--only", "imdb-ngram,hand-written-bigrams-2ep,mnist-cnn",
                   "--seeds", "1", "--precision", "float32", "--json", str(out)])
    rows = {r["row"]: r for r in json.loads(out.read_text())["rows"]}
    assert set(rows) == {"imdb-ngram", "hand-written-bigrams-2ep", "mnist-cnn"}
    assert all(0.0 <= r["mean"] <= 1.0 and r["epochs"] == 1 for r in rows.values())


def test_mnist_layout_is_the_mnist_holdout_split(accuracy, tmp_path):
    from mnist_holdout import make_holdout

    for digit in range(3):
        (tmp_path / "src" / str(digit)).mkdir(parents=True)
        for i in range(20):
            (tmp_path / "src" / str(digit) / f"{i}.png").write_bytes(b"")
    out = accuracy.mnist_layout(tmp_path / "src", tmp_path / "h")
    test = sorted(p.relative_to(out / "test") for p in (out / "test").glob("*/*.png"))
    assert len(test) == 10 and len(list((out / "train").glob("*/*.png"))) == 50  # a sixth held out
    make_holdout(tmp_path / "src", tmp_path / "again", holdout=10)
    assert sorted(p.relative_to(tmp_path / "again" / "test")
                  for p in (tmp_path / "again" / "test").glob("*/*.png")) == test


def test_tuning_split_scores_seeds_on_the_fixed_split(accuracy, tmp_path, capsys):
    import tuning_split

    archives = accuracy.synthetic_archives(tmp_path / "archives")
    log = tmp_path / "tuning.jsonl"
    scores = tuning_split.main(["cifar-resnet", "--data", str(archives / "train"), "--preset", "fast",
                                "--epochs", "1", "--seeds", "0,1", "--set", "runtime.precision=float32",
                                "--set", "train.batch_size=32", "--json", str(log), "--runs", str(tmp_path / "runs")])
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["seed"] for r in records] == [0, 1] and records[0]["epochs"] == 1
    assert (tmp_path / "runs" / "seed-1" / "history.csv").is_file()  # --runs keeps the run directories
    assert "+-" in capsys.readouterr().out
    # The split is the seed-1337 one whatever the init seed: 10% of each class.
    from keras_recipes.registry import get_recipe

    splits = tuning_split.tuning_splits(get_recipe("cifar-resnet").config(), archives / "train")
    assert splits.counts["val"] == 12 and splits.counts["train"] == 108


def test_airbench_vs_resnet_quick_times_and_scores_both_recipes(accuracy, tmp_path, capsys):
    import airbench_vs_resnet

    out = tmp_path / "side_by_side.json"
    airbench_vs_resnet.main(["--synthetic", "--quick", "--seeds", "1", "--per-class", "12",
                             "--precision", "float32", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "| `cifar-airbench` | 1 | 1 |" in printed and "training time / cifar-resnet's" in printed
    result = json.loads(out.read_text())
    rows = {r["row"]: r for r in result["rows"]}
    assert set(rows) == {"cifar-resnet-fast-30ep", "cifar-airbench"}
    for row in rows.values():
        (run,) = row["runs"]
        assert 0.0 <= run["accuracy"] <= 1.0 and 0 < run["train_s"] <= run["wall_time_s"]
    assert result["airbench_over_resnet_train_time"] > 0 and result["machine"]["load_average"]
