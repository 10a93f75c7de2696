"""The benchmark suite runs end to end (tiny, synthetic) and its table holds real measurements."""

import json
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


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
