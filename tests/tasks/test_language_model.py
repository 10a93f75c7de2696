"""shakespeare-char, the language-model task: training on a text file, the
vocabulary in the run directory, evaluation in nats and bits per character,
stateful generation (equal to a full forward pass, reproducible with a seed),
export signatures callable without keras_recipes, and resume."""

import math
import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_recipes as kr
from keras_recipes import config as C
from keras_recipes import rundir
from keras_recipes.errors import RecipeError
from keras_recipes.tasks import DataInfo
from keras_recipes.tasks.recurrent_sampler import build_step_model, zero_states

RECIPE = "shakespeare-char"
LINES = ["ROMEO: to be or not to be, that is the question.",
         "JULIET: what is in a name? a rose by any other name.",
         "ROMEO: but soft, what light through yonder window breaks."]
TEXT = "\n".join(LINES[i % 3] for i in range(80)) + "\n"


def lm_cfg(*overrides, source=""):
    cfg = kr.get_recipe(RECIPE).config()
    return C.apply_overrides(cfg, [
        "model.layers=1", "model.units=24", "model.embedding_dim=8", "model.dropout=0",
        "data.sequence_length=32", "train.epochs=2", "train.batch_size=16", "train.lr=1e-2",
        "runtime.precision=float32", "runtime.verbose=0", *overrides,
        *([f"data.source={source}"] if source else [])])


@pytest.fixture(scope="module")
def lm_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lm")
    corpus = root / "play.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    metrics = kr.run(lm_cfg(source=str(corpus)), root / "run")
    return root / "run", corpus, metrics


def test_trains_with_nats_and_bits_per_character(lm_run):
    _, _, metrics = lm_run
    final = metrics["final"]
    assert final["bpc"] == pytest.approx(final["loss"] / math.log(2), rel=1e-4)
    assert final["val_loss"] < math.log(len(set(TEXT)))  # learnt something beyond uniform


def test_vocabulary_round_trips_through_the_run_directory(lm_run):
    run_dir, corpus, _ = lm_run
    head = TEXT[:len(TEXT) - round(0.1 * len(TEXT))]
    assert rundir.read_json(run_dir / rundir.CLASS_NAMES) == sorted(set(head))
    from keras_recipes.inference.run import load_run

    run = load_run(run_dir)
    assert run.kind == "corpus" and run.class_names == sorted(set(head))


def test_evaluate_scores_the_held_out_tail_and_any_text_file(lm_run, tmp_path):
    run_dir, _, metrics = lm_run
    own = kr.evaluate(run_dir, verbose=False)
    assert "last 10%" in own["data"] and "held out" in own["data"]
    assert own["bits_per_char"] == pytest.approx(own["nats_per_char"] / math.log(2))
    # The run's own tail, windows of 32, every position scored: training's val_loss.
    assert own["nats_per_char"] == pytest.approx(metrics["best"]["val_loss"], rel=1e-3)
    other = tmp_path / "other.txt"
    other.write_text("JULIET: é what light through yonder window ¿breaks?\n" * 4, encoding="utf-8")
    result = kr.evaluate(run_dir, data=str(other), verbose=False)
    assert result["unknown_dropped"] == 8 and "left out: 'é'" in result["notes"][-1]
    assert 0 < result["nats_per_char_carried"] and result["characters_carried"] > 0
    assert rundir.read_json(run_dir / rundir.EVALUATION)["nats_per_char"] == result["nats_per_char"]


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_state_carried_step_by_step_equals_a_full_forward_pass(cell):
    cfg = lm_cfg(f"model.cell={cell}", "model.layers=2")
    keras.utils.set_random_seed(0)
    model = kr.get_recipe(RECIPE).build_model(cfg, DataInfo(kind="corpus", num_classes=11,
                                                            vocab_size=11))
    ids = np.random.default_rng(0).integers(0, 11, (2, 12)).astype(np.int32)
    full = np.asarray(model(ids, training=False))
    step = build_step_model(model)
    states = zero_states(step, 2)
    out = step([tf.constant(ids[:, :5]), *states])  # a prompt in one call, then one character per call
    logits, states = [np.asarray(out[0])], list(out[1:])
    for t in range(5, 12):
        out = step([tf.constant(ids[:, t:t + 1]), *states])
        logits.append(np.asarray(out[0]))
        states = list(out[1:])
    np.testing.assert_allclose(np.concatenate(logits, axis=1), full, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def sampler(lm_run):
    from keras_recipes.inference.run import load_run

    run = load_run(lm_run[0])
    return run.task.text_sampler(run, run.model)


def sample(sampler, prompt, length, **options):
    return "".join(sampler.vocabulary[i] for i in sampler.iter_ids(
        sampler.prompt_ids(prompt), length, **options))


def test_generate_is_reproducible_with_a_seed_and_has_the_asked_length(lm_run, sampler):
    result = kr.generate(lm_run[0], "ROMEO:", 40, temperature=0.8, seed=3)
    assert result["text"].startswith("ROMEO:") and len(result["sample"]) == 40
    # Chunks of compiled steps: the length is exact across chunk boundaries.
    assert result["sample"] == sample(sampler, "ROMEO:", 40, temperature=0.8, seed=3)
    assert sample(sampler, "ROMEO:", 40, temperature=0.8, seed=4) != result["sample"]
    assert sample(sampler, "ROMEO:", 17, temperature=0.8, seed=3) == result["sample"][:17]
    top1 = sample(sampler, "ROMEO:", 20, temperature=1.0, top_k=1, seed=5)
    assert top1 == sample(sampler, "ROMEO:", 20, temperature=0.0, seed=6)  # top-1 is greedy
    assert len(sample(sampler, "", 5, seed=0)) == 5  # an empty prompt starts a new line
    assert sample(sampler, "ROMEO:", 0) == ""


def test_unknown_prompt_characters_are_named_or_dropped(sampler):
    with pytest.raises(RecipeError, match=r"prompt has characters outside .*'Z' \(U\+005A\)"):
        sampler.prompt_ids("ZOE:")
    np.testing.assert_array_equal(sampler.prompt_ids("ZOE:", unknown="drop"),
                                  sampler.prompt_ids("OE:"))


def test_saved_model_step_and_generate_serve_without_keras_recipes(lm_run, sampler):
    run_dir, _, _ = lm_run
    result = kr.export(run_dir, verbose=False)
    assert set(result.signatures) == {"step", "generate"}
    # tf.saved_model.load runs the graphs only: no keras_recipes (nor Keras) code.
    served = tf.saved_model.load(str(result.path))
    out = served.signatures["generate"](
        prompt=tf.constant(["ROMEO:", "JULIET:"]), length=tf.constant([40, 3]),
        temperature=tf.constant([0.8, 0.8]), top_k=tf.constant([5, 0]), seed=tf.constant([7, 1]))
    texts = [t.decode() for t in out["text"].numpy()]
    # The same sampler as kr.generate / recipes generate: same seed, same text.
    assert texts[0] == "ROMEO:" + sample(sampler, "ROMEO:", 40, temperature=0.8, top_k=5, seed=7)
    assert len(texts[1]) == len("JULIET:") + 3
    step = served.signatures["step"]
    states = {k: tf.zeros([1, 24]) for k in step.structured_input_signature[1] if k != "ids"}
    got = step(ids=tf.constant([[1, 2, 3]]), **states)
    assert sorted(got) == ["logits", "state_0_c", "state_0_h"]
    assert got["logits"].shape == (1, 3, len(sampler.vocabulary))


def test_generate_command_streams_the_text(lm_run):
    from click.testing import CliRunner

    from keras_recipes.cli.main import cli

    run_dir, _, _ = lm_run
    result = CliRunner().invoke(cli, ["generate", str(run_dir), "--prompt", "JULIET:",
                                      "--length", "25", "--seed", "2", "--top-k", "3"])
    assert result.exit_code == 0, result.output
    expected = kr.generate(run_dir, "JULIET:", 25, top_k=3, seed=2)["text"]
    assert expected in result.output and "characters/s" in result.output
    bad = CliRunner().invoke(cli, ["generate", str(run_dir), "--prompt", "Zed"])
    assert bad.exit_code == 2 and "outside the model's vocabulary" in bad.output
    assert "--drop-unknown" in bad.output


class _Crash(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise KeyboardInterrupt


def test_an_interrupted_run_resumes_to_the_same_model(lm_run, tmp_path):
    _, corpus, _ = lm_run
    # One batch per epoch and no dropout: the resumed run must end where an
    # uninterrupted one does (weights, optimizer state, schedule).
    cfg = lm_cfg("train.batch_size=256", "runtime.deterministic=true", source=str(corpus))
    kr.run(cfg, tmp_path / "whole")
    with pytest.raises(kr.RecipeError, match="recipes resume"):
        kr.run(cfg, tmp_path / "cut", callbacks=[_Crash()])
    metrics = kr.resume(tmp_path / "cut")
    assert metrics["epochs"] == 2
    whole, cut = (keras.saving.load_model(tmp_path / name / rundir.FINAL_MODEL).get_weights()
                  for name in ("whole", "cut"))
    for a, b in zip(whole, cut):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_listed_parameter_count_and_presets():
    recipe = kr.get_recipe(RECIPE)
    info = DataInfo(kind="corpus", num_classes=65, vocab_size=65)  # tiny-shakespeare's 65
    assert recipe.build_model(recipe.config(), info).count_params() == pytest.approx(5.4e6, rel=0.05)
    cpu = recipe.with_preset(recipe.config(), "cpu")
    assert (cpu.model.layers, cpu.model.units, cpu.runtime.jit_compile) == (2, 256, "false")
    assert cpu.data.val_fraction == 0.0  # the budget is chosen: it trains on all of the text
    gru = recipe.build_model(C.apply_overrides(cpu, ["model.cell=gru"]), info)
    assert [type(l).__name__ for l in gru.layers].count("GRU") == 2
    with pytest.raises(ValueError, match="model.cell"):
        recipe.build_model(C.apply_overrides(cpu, ["model.cell=rnn"]), info)


def test_a_run_on_all_of_the_text_reads_its_tail_and_is_scored_on_another_file(tmp_path):
    # What the cpu preset does: no tail held out, so the text's last
    # characters are learnt (here "Z", which appears only at the end), and a
    # held-out score needs a file the run never read.
    corpus, heldout = tmp_path / "play.txt", tmp_path / "next.txt"
    corpus.write_text(TEXT + "ZZZZ\n", encoding="utf-8")
    heldout.write_text(LINES[0] + "\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    metrics = kr.run(lm_cfg("data.val_fraction=0", "train.epochs=1", source=str(corpus)), run_dir)
    assert "Z" in rundir.read_json(run_dir / rundir.CLASS_NAMES)
    assert "val_loss" not in metrics["final"] and "held_out" not in metrics
    with pytest.raises(RecipeError, match="held nothing out"):
        kr.evaluate(run_dir, verbose=False)
    scores = kr.evaluate(run_dir, data=str(heldout), verbose=False)
    assert 0 < scores["nats_per_char"] < math.log(len(set(TEXT)) + 1) + 1
