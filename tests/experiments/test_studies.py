"""The built-in studies: each resolves at every budget (recipes, presets and
settings valid), and each claim check reads constructed results right, in a
case where the claim holds and one where it does not."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from keras_recipes import config as config_lib
from keras_recipes import rundir
from keras_recipes.cli.main import cli
from keras_recipes.errors import ConfigError
from keras_recipes.experiments import BUDGETS, get_study, list_studies
from keras_recipes.experiments import report as report_lib
from keras_recipes.experiments.runner import plan

STUDIES = ("augmentation", "batch-norm", "degradation", "optimizers", "regularization",
           "small-filters", "vae-beta", "vanishing-gradients")


def test_the_course_lessons_are_registered():
    assert set(STUDIES) <= {s.name for s in list_studies()}


@pytest.mark.parametrize("name", [s.name for s in list_studies()])
@pytest.mark.parametrize("budget", BUDGETS)
def test_every_study_resolves_at_every_budget(name, budget, tmp_path):
    spec = get_study(name)
    runs = plan(spec, budget, tmp_path, data="some/folder")
    assert [r.name for r in runs] == [r.label for r in spec.runs]
    for r in runs:
        assert r.cfg.data.source == "some/folder"
        resolved = config_lib.flat_values(r.cfg)
        for key, value in r.spec.settings(spec.budget(budget), budget).items():
            assert resolved[key] == value, (r.name, key)
    assert spec.claim.endswith(".") and spec.source and spec.lesson


def test_an_unknown_study_or_budget_suggests_the_closest_name(tmp_path):
    with pytest.raises(ConfigError, match="did you mean `degradation`"):
        get_study("degradaton")
    with pytest.raises(ConfigError, match="did you mean `cpu`"):
        plan(get_study("degradation"), "cpus", tmp_path)


# -- the claim checks on constructed runs ---------------------------------------------------


def fake_run(path, recipe, rows, metrics=None):
    """A finished run directory with the given history rows."""
    path.mkdir(parents=True)
    (path / rundir.CONFIG).write_text(f"recipe: {recipe}\n")
    keys = sorted({k for row in rows for k in row})
    lines = [",".join(["epoch", *keys])]
    lines += [",".join([str(i), *(str(row.get(k, "NA")) for k in keys)]) for i, row in enumerate(rows)]
    (path / rundir.HISTORY).write_text("\n".join(lines) + "\n")
    rundir.write_json(path / rundir.METRICS, {"recipe": recipe, "epochs": len(rows),
                                              "wall_time_s": 1.0, **(metrics or {})})


def errors(train_error, val_error=0.5):
    return [{"loss": 2.0, "accuracy": 0.5, "val_accuracy": 0.4},
            {"loss": 1.0, "accuracy": 1 - train_error, "val_accuracy": 1 - val_error}]


@pytest.mark.parametrize("plain56, holds", [(0.30, True), (0.20, False)])
def test_degradation_holds_only_when_the_deep_plain_net_trains_worse(tmp_path, plain56, holds):
    train_error = {"plain-20": 0.25, "plain-56": plain56, "resnet-20": 0.22, "resnet-56": 0.18}
    for label, error in train_error.items():
        fake_run(tmp_path / label, "cifar-plain", errors(error))
    result = report_lib.write(get_study("degradation"), "cpu", tmp_path)
    assert result.verdict.holds is holds
    assert f"plain-56 final error {plain56:.4f} > plain-20 final error 0.2500" in \
        result.verdict.evidence[0]
    text = result.markdown.read_text()
    assert ("the claim holds" if holds else "the claim does not hold") in text
    assert "| plain-56 | cifar-plain |" in text and "curves.png" in text


def test_batch_norm_counts_a_diverged_run_as_error_one(tmp_path):
    fake_run(tmp_path / "bn-lr0.1", "cifar-vgg", errors(0.3))
    fake_run(tmp_path / "no-bn-lr0.1", "cifar-vgg", [], {"diverged": True})
    fake_run(tmp_path / "no-bn-lr0.01", "cifar-vgg", errors(0.6))
    verdict = report_lib.write(get_study("batch-norm"), "cpu", tmp_path).verdict
    assert verdict.holds
    assert "no-bn-lr0.1 diverged (counted as error 1.0)" in verdict.evidence[0]


def test_optimizers_compare_momentum_with_plain_sgd_and_the_first_epoch(tmp_path):
    losses = {"sgd": (2.0, 1.5), "momentum": (1.8, 1.0), "nesterov": (1.8, 0.9),
              "adam": (1.2, 1.1), "adamw": (1.3, 1.1), "rmsprop": (1.4, 1.2)}
    for label, (first, last) in losses.items():
        fake_run(tmp_path / label, "cifar-resnet", [{"loss": first}, {"loss": last}])
    verdict = report_lib.write(get_study("optimizers"), "cpu", tmp_path).verdict
    assert verdict.holds, verdict.evidence
    fake_run(tmp_path / "x", "cifar-resnet", [])  # unused; the check reads only its labels
    (tmp_path / "momentum" / rundir.HISTORY).write_text("epoch,loss\n0,2.0\n1,1.6\n")
    assert not report_lib.write(get_study("optimizers"), "cpu", tmp_path).verdict.holds


def test_optimizers_first_epoch_claim_is_against_every_sgd_variant(tmp_path):
    # Adam starts below plain SGD but Nesterov starts lower still: "lowest" does not hold.
    losses = {"sgd": (2.0, 1.5), "momentum": (1.8, 1.0), "nesterov": (1.1, 0.9),
              "adam": (1.2, 1.1), "adamw": (1.3, 1.1), "rmsprop": (1.4, 1.2)}
    for label, (first, last) in losses.items():
        fake_run(tmp_path / label, "cifar-resnet", [{"loss": first}, {"loss": last}])
    verdict = report_lib.write(get_study("optimizers"), "cpu", tmp_path).verdict
    assert not verdict.holds
    assert "adam first loss 1.2000 < nesterov first loss 1.1000: no" in verdict.evidence


def test_regularization_reads_the_train_validation_gap(tmp_path):
    rows = {"none": (1.0, 0.50), "dropout": (0.9, 0.55), "weight-decay": (0.85, 0.56),
            "early-stopping": (0.8, 0.52)}
    for label, (train, val) in rows.items():
        fake_run(tmp_path / label, "cifar-vgg", [{"loss": 1.0, "accuracy": train - 0.1,
                                                  "val_accuracy": val - 0.02},
                                                 {"loss": 0.5, "accuracy": train,
                                                  "val_accuracy": val}])
    result = report_lib.write(get_study("regularization"), "cpu", tmp_path)
    assert result.verdict.holds, result.verdict.evidence
    assert "dropout train/val gap 0.3500 < none 0.5000: yes" in result.verdict.evidence
    assert "| 0.5000 |" in result.markdown.read_text()  # the gap column


def test_vanishing_gradients_reads_the_recorded_norms(tmp_path):
    import json

    ratios = {"plain-sigmoid": 1e-5, "plain-relu": 0.1, "plain-relu-bn": 3.0, "resnet": 1.0}
    for label, ratio in ratios.items():
        fake_run(tmp_path / label, "cifar-plain", errors(0.5))
        (tmp_path / label / rundir.GRADIENT_NORMS).write_text(json.dumps(
            {"layers": ["first", "last", "head"], "steps": {"0": [ratio, 1.0, 2.0],
                                                          "300": [ratio, 1.0, 1.0]}}))
    result = report_lib.write(get_study("vanishing-gradients"), "cpu", tmp_path)
    assert result.verdict.holds, result.verdict.evidence
    assert (tmp_path / "gradient_norms.png").stat().st_size > 0
    assert "gradient_norms.png" in result.markdown.read_text()


def test_a_missing_run_is_named_with_the_command_that_trains_it(tmp_path):
    with pytest.raises(Exception, match="plain-20 is not a finished run.*recipes study run"):
        report_lib.write(get_study("degradation"), "cpu", tmp_path)


# -- the command line -------------------------------------------------------------------------


def test_study_list_shows_every_study_without_importing_tensorflow():
    code = ("import sys; from keras_recipes.cli.main import main; sys.argv=['recipes','study','list']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    for name in STUDIES:
        assert name in out.stdout


def test_study_list_fits_an_80_column_terminal(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(cli, ["study", "list"])
    assert result.exit_code == 0 and "vanishing-gradients" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_study_run_refuses_bad_names_and_budgets_in_one_line():
    result = CliRunner().invoke(cli, ["study", "run", "degradaton"])
    assert result.exit_code == 2 and "did you mean `degradation`" in result.output
    result = CliRunner().invoke(cli, ["study", "run", "degradation", "--budget", "tpu"])
    assert result.exit_code == 2 and "'cpu', 'gpu'" in result.output


def test_the_default_folder_is_beside_the_recipes_runs():
    from keras_recipes.experiments.runner import default_output

    assert str(default_output("degradation", "cpu")) == "runs/study-degradation-cpu"
