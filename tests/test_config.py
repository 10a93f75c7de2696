"""Configs: typed sections, YAML round trip, dotted overrides, clear errors."""

import pytest

from keras_recipes import config as C
from keras_recipes.errors import ConfigError
from keras_recipes.registry import get_recipe


@pytest.fixture
def cfg():
    return get_recipe("cifar-resnet").config()


def test_sections_are_typed_dataclasses(cfg):
    assert cfg.train.epochs == 182 and isinstance(cfg.train.lr, float)
    assert cfg.model.depth == 20 and cfg.augment.preset == "cifar"


def test_yaml_round_trip(cfg, tmp_path):
    path = C.save(cfg, tmp_path / "config.yaml")
    loaded = C.load(path, get_recipe("cifar-resnet").config())
    assert loaded == cfg


def test_dotted_overrides_are_typed(cfg):
    out = C.apply_overrides(cfg, ["train.epochs=30", "model.depth=56", "train.lr=0.05"])
    assert (out.train.epochs, out.model.depth, out.train.lr) == (30, 56, 0.05)
    assert isinstance(out.train.epochs, int)


def test_yaml_file_then_overrides(cfg, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("train:\n  epochs: 7\nmodel:\n  depth: 32\n")
    out = C.apply_overrides(C.load(path, cfg), ["train.epochs=9"])
    assert (out.train.epochs, out.model.depth) == (9, 32)


@pytest.mark.parametrize("override, message", [
    ("train.epoch=3", "unknown config key `train.epoch`; did you mean `train.epochs`?"),
    ("model.depht=56", "did you mean `model.depth`?"),
    ("trian.lr=0.1", "did you mean `train.lr`?"),
])
def test_unknown_key_suggests_closest(cfg, override, message):
    with pytest.raises(ConfigError, match=message.replace("?", r"\?").replace("`", "`")):
        C.apply_overrides(cfg, [override])


def test_wrong_type_names_key_type_and_value(cfg):
    with pytest.raises(ConfigError) as err:
        C.apply_overrides(cfg, ["train.epochs=abc"])
    assert str(err.value) == "config key `train.epochs` expects int, received 'abc'"


def test_malformed_override(cfg):
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        C.apply_overrides(cfg, ["train.epochs"])


def test_choice_keys_are_checked(cfg):
    with pytest.raises(ConfigError, match="runtime.precision.*mixed_bfloat16.*received 'fp16'"):
        C.apply_overrides(cfg, ["runtime.precision=fp16"])
    with pytest.raises(ConfigError, match="did you mean `onecycle`"):
        C.apply_overrides(cfg, ["train.schedule=one_cycle"])


def test_yaml_booleans_for_jit_compile(cfg):
    assert C.apply_overrides(cfg, ["runtime.jit_compile=true"]).runtime.jit_compile == "true"


def test_bad_yaml_file(tmp_path, cfg):
    path = tmp_path / "bad.yaml"
    path.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match="cannot read config file"):
        C.load(path, cfg)
    with pytest.raises(ConfigError, match="not found"):
        C.load(tmp_path / "missing.yaml", cfg)


def test_augment_preset_choices_match_the_datasets_presets(cfg):
    from keras_recipes.config import _CHOICES
    from keras_recipes.datasets import PRESETS

    assert set(_CHOICES["augment.preset"]) == set(PRESETS)
    with pytest.raises(ConfigError, match="did you mean `cifar`"):
        C.apply_overrides(cfg, ["augment.preset=cifra"])
    with pytest.raises(ConfigError, match="null, mixup, cutmix"):
        C.apply_overrides(cfg, ["augment.mix=mixupp"])
