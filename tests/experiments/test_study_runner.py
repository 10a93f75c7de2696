"""A study end to end on a tiny image folder: its runs train through the
normal engine, an interrupted study continues without retraining finished
runs, and the report states the claim, the numbers and the verdict."""

import json

import keras
import pytest
from click.testing import CliRunner
from PIL import Image

from keras_recipes import config as config_lib
from keras_recipes import rundir
from keras_recipes.cli.main import cli
from keras_recipes.errors import RunDirError, RunInterrupted
from keras_recipes.registry import config_from_yaml
from keras_recipes.experiments import (Study, StudyRun, Verdict, register_study, report_study,
                                       study, unregister_study)
from keras_recipes.experiments.checks import compare
from keras_recipes.experiments.runner import plan, state
from keras_recipes.training import trainer
from tests_support.toy_data import toy_images

NAME = "toy-learning-rate"
OPPOSITE = "toy-frozen-learns"


def image_folder(root, n=24):
    x, y = toy_images(n=n, classes=3)
    for i, (pixels, label) in enumerate(zip(x, y)):
        folder = root / f"class{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(folder / f"{i}.png")
    return root


def check(results):
    evidence = []
    holds = compare(results["learns"], "<", results["frozen"], "loss", evidence=evidence)
    return Verdict(holds, evidence, note="" if holds else "a learning rate of 1e-7 learned as much")


@pytest.fixture
def toy_study(toy_recipe):
    # A backup after every batch, so an interrupt anywhere leaves one.
    common = {"runtime.precision": "float32", "train.batch_size": 8,
              "train.backup_minutes": 1e-9}
    facts = dict(lesson="learning rates", source="any textbook", data="toy images",
                 runs=(StudyRun("learns", toy_recipe, overrides={**common, "train.lr": 0.1}),
                       StudyRun("frozen", toy_recipe, overrides={**common, "train.lr": 1e-7})),
                 budgets={"cpu": {"train.epochs": 2}, "gpu": {"train.epochs": 30}})
    spec = register_study(Study(name=NAME, claim="Training with a learning rate learns.",
                                check=check, **facts))
    # The same runs judged by the opposite claim, for the report of a claim that fails.
    register_study(Study(name=OPPOSITE, claim="A learning rate of 1e-7 learns more.",
                         check=lambda results: Verdict(False, ["learns is not worse"],
                                                       note="needs a bigger budget"), **facts))
    yield spec
    unregister_study(NAME)
    unregister_study(OPPOSITE)


class _InterruptOnce(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if self.model.optimizer.iterations.numpy() == 5:  # 3 steps an epoch: in the second
            raise KeyboardInterrupt


def test_an_interrupted_study_resumes_and_skips_finished_runs(toy_study, tmp_path, monkeypatch,
                                                             capsys):
    data, out = image_folder(tmp_path / "images"), tmp_path / "study"
    real_run = trainer.run
    calls = []

    def run(cfg, path, **kwargs):  # Ctrl-C in the second run's second epoch, once
        calls.append(path.name)
        if path.name == "frozen" and calls.count("frozen") == 1:
            kwargs["callbacks"] = [_InterruptOnce()]
        return real_run(cfg, path, **kwargs)

    monkeypatch.setattr(trainer, "run", run)
    with pytest.raises(RunInterrupted, match=f"recipes study run {NAME}"):
        study(NAME, data=str(data), output=out, verbose=2)
    finished = (out / "learns" / rundir.METRICS).stat().st_mtime_ns
    assert not (out / "frozen" / rundir.METRICS).exists()

    result = study(NAME, data=str(data), output=out, verbose=2)
    said = capsys.readouterr().out
    assert "learns: finished, skipped" in said and "frozen" in said and "(resuming)" in said
    assert calls == ["learns", "frozen"]  # the second invocation resumed, it did not start over
    assert (out / "learns" / rundir.METRICS).stat().st_mtime_ns == finished
    epochs = [int(line.split(",")[0]) for line in
              (out / "frozen" / rundir.HISTORY).read_text().splitlines()[1:]]
    assert epochs == [0, 1]  # each epoch once, as in an uninterrupted run

    assert result.verdict.holds
    report = result.markdown.read_text()
    assert "Training with a learning rate learns." in report and "any textbook" in report
    assert "the claim holds" in report and "learns final loss" in report
    assert (out / "curves.png").stat().st_size > 0
    assert json.loads((out / "study.json").read_text())["study"] == NAME


def test_seeds_repeat_each_run_and_the_report_gives_their_spread(toy_study, tmp_path):
    data, out = image_folder(tmp_path / "images"), tmp_path / "study"
    result = study(NAME, data=str(data), output=out, seeds=2, verbose=0)
    for label in ("learns", "frozen"):
        seeds = [config_from_yaml(out / name / rundir.CONFIG).runtime.seed
                 for name in (label, f"{label}-seed1")]
        assert seeds[1] == seeds[0] + 1
    assert " +- " in result.markdown.read_text()  # mean +- std over the two seeds


def test_report_redraws_from_finished_runs_and_says_when_the_claim_fails(toy_study, tmp_path):
    data, out = image_folder(tmp_path / "images"), tmp_path / "study"
    study(NAME, data=str(data), output=out, verbose=0)
    (out / "report.md").unlink()
    # The same runs judged by the opposite claim: the report must say it failed.
    saved = json.loads((out / "study.json").read_text())
    (out / "study.json").write_text(json.dumps({**saved, "study": OPPOSITE}))
    result = CliRunner().invoke(cli, ["study", "report", str(out)])
    assert result.exit_code == 0, result.output
    assert "DOES NOT HOLD" in result.output
    report = (out / "report.md").read_text()
    assert "the claim does not hold" in report and "needs a bigger budget" in report


def test_a_folder_trained_with_other_settings_is_refused_before_training(toy_study, tmp_path):
    data, out = str(tmp_path / "images"), tmp_path / "study"
    for planned in plan(toy_study, "cpu", out, data=data):  # as a cpu-budget study leaves them
        planned.path.mkdir(parents=True)
        config_lib.save(planned.cfg, planned.path / rundir.CONFIG)
    with pytest.raises(RunDirError, match=r"learns holds a run with other settings.*train.epochs"):
        study(NAME, budget="gpu", data=data, output=out, verbose=0)


def test_report_of_a_folder_that_is_no_study_is_a_clear_error(tmp_path):
    with pytest.raises(RunDirError, match="not a study folder"):
        report_study(tmp_path)


def test_a_diverged_run_is_a_result_and_is_not_trained_again(toy_study, tmp_path, capsys):
    """A run whose loss went to NaN in its first epoch (no history row) is
    skipped on the next invocation and reported, not retried or fatal."""
    data, out = image_folder(tmp_path / "images"), tmp_path / "study"
    frozen = [p for p in plan(toy_study, "cpu", out, data=str(data)) if p.spec.label == "frozen"][0]
    frozen.path.mkdir(parents=True)
    config_lib.save(frozen.cfg, frozen.path / rundir.CONFIG)
    rundir.write_json(frozen.path / rundir.METRICS, {"recipe": frozen.cfg.recipe, "diverged": True,
                                                     "epochs": 1})
    assert state(frozen) == "diverged"
    result = study(NAME, data=str(data), output=out, verbose=2)
    assert "frozen: diverged, skipped" in capsys.readouterr().out
    assert "learns final loss" in result.verdict.evidence[0]
    assert not (frozen.path / rundir.HISTORY).exists()  # never retrained
