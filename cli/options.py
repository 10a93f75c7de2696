"""Options shared by several commands."""

from __future__ import annotations

import click

from keras_recipes import config as config_lib
from keras_recipes.cli.completion import complete_recipe_names, complete_run_dirs
from keras_recipes.registry import config_from_yaml, get_recipe
from keras_recipes.datasets.paths import check_source

recipe_argument = click.argument("name", required=False, shell_complete=complete_recipe_names)
run_dir_argument = click.argument("run_dir", type=click.Path(), shell_complete=complete_run_dirs)

set_option = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a config value, e.g. --set train.epochs=30 (repeatable).",
)
config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False),
    help="A YAML config to start from (e.g. a run's config.yaml).",
)

preset_option = click.option(
    "--preset", metavar="NAME",
    help="Start from one of the recipe's named presets (see `recipes show RECIPE`); "
         "--set values win over it.",
)


def resolve_config(name: str | None, config_file: str | None, overrides,
                   preset: str | None = None) -> config_lib.RecipeConfig:
    """Recipe defaults <- --config file <- --preset <- --set overrides, type-checked."""
    if name is None and config_file is None:
        raise click.UsageError("name a recipe or pass --config FILE")
    if config_file is not None:
        cfg = config_from_yaml(config_file, name)
    else:
        cfg = get_recipe(name).config()
    if preset:
        cfg = get_recipe(cfg.recipe).with_preset(cfg, preset)
    return config_lib.apply_overrides(cfg, overrides)


def resolve_training_config(name, config_file, overrides,
                            preset: str | None = None) -> config_lib.RecipeConfig:
    """resolve_config for commands that train: a missing data folder fails
    now, not after the seconds TensorFlow takes to load."""
    cfg = resolve_config(name, config_file, overrides, preset)
    check_source(cfg.data.source, cfg.data.kind)
    return cfg
