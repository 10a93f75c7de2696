"""The light commands: list and show (no TensorFlow import)."""

from __future__ import annotations

import click

from keras_recipes import config as config_lib
from keras_recipes.cli.main import cli, user_errors
from keras_recipes.cli.options import (config_option, preset_option, recipe_argument,
                                       resolve_config, set_option)
from keras_recipes.registry import get_recipe, list_recipes
from keras_recipes.rundir.tables import fits, terminal_width
from keras_recipes.rundir.tables import text_table as format_table


@cli.command("list", short_help="List the recipes with the result each one targets.")
@user_errors
def list_command():
    """List the recipes with the published result each one targets."""
    recipes = list_recipes()
    rows = [(r.name, r.problem, r.dataset, r.model, r.params, ", ".join(sorted(r.presets)) or "-",
             r.reference) for r in recipes]
    headers = ("name", "task", "dataset", "model", "params", "presets", "reference result")
    width = terminal_width()
    table = format_table(headers, rows)
    if not fits(table, width):  # the model and reference go under each row, wrapped
        table = format_table(headers[:3] + headers[4:6], [r[:3] + r[4:6] for r in rows], width,
                             details=[f"{r.model}; reference: {r.reference}" for r in recipes])
    click.echo(table)


def presets_comment(recipe) -> str:
    """The recipe's presets as YAML comments, so `recipes show` output stays a valid config."""
    lines = [f"# presets of {recipe.name} (--preset NAME):"] if recipe.presets else []
    for name in sorted(recipe.presets):
        values = ", ".join(f"{k}={v}" for k, v in recipe.presets[name].items())
        lines.append(f"#   {name}: {values}")
    return "".join(line + "\n" for line in lines)


@cli.command("show", short_help="Print a recipe's resolved config, presets and search space.")
@recipe_argument
@config_option
@preset_option
@set_option
@user_errors
def show_command(name, config_file, preset, overrides):
    """Print a recipe's resolved config as YAML, then its presets and tuning
    search space (as comments, so the output still works as a --config file)."""
    cfg = resolve_config(name, config_file, overrides, preset)
    recipe = get_recipe(cfg.recipe)
    click.echo(config_lib.to_yaml(cfg, applicable_only=True) + presets_comment(recipe), nl=False)
    if recipe.search_space:
        click.echo(f"# search space of `recipes tune {cfg.recipe}` (change with --space KEY=DIST):")
        for key, dist in recipe.search_space.items():
            click.echo(f"#   {key}: {dist}")


@cli.command("doctor", short_help="Check the installation: versions, hardware, XLA, TFDS.")
def doctor_command():
    """Check the installation: versions, hardware, what `auto` picks, XLA, TFDS."""
    from keras_recipes.runtime import doctor

    rows = doctor.checks()
    click.echo(doctor.report(rows))
    if not all(ok for _, _, ok in rows):
        raise SystemExit(1)


from keras_recipes.cli import (compare_command, generate_command, serve_commands,  # noqa: E402,F401
                               study_command, train_commands, tune_command)
