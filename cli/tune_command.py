"""`recipes tune`: hyperparameter search over a recipe's config (imports TensorFlow)."""

from __future__ import annotations

import sys

import click

from keras_recipes.choices import TUNING_ALGORITHMS
from keras_recipes.cli.main import cli, heavy_errors
from keras_recipes.cli.options import (config_option, preset_option, recipe_argument,
                                       resolve_training_config, set_option)


@cli.command("tune", short_help="Search hyperparameters of recipe NAME with KerasTuner.")
@recipe_argument
@config_option
@preset_option
@set_option
@click.option("--space", "space_items", multiple=True, metavar="KEY=SPEC",
              help="Search KEY with SPEC: choice(a, b, ...), uniform(lo, hi), loguniform(lo, hi) "
                   "or int(lo, hi[, step]) (repeatable; replaces the recipe's default space).")
@click.option("--space-file", type=click.Path(dir_okay=False),
              help="A YAML file mapping config keys to specs (--space entries go on top).")
@click.option("--algorithm", "-a", type=click.Choice(TUNING_ALGORITHMS), default="random",
              show_default=True, help="The KerasTuner search algorithm.")
@click.option("--max-trials", "-n", type=int, default=10, show_default=True,
              help="The most trials to run (Hyperband may stop earlier).")
@click.option("--epochs", type=int,
              help="Epochs per trial (train.epochs); Hyperband's largest budget.")
@click.option("--objective", metavar="METRIC",
              help="What a trial scores (its best epoch), e.g. val_accuracy or val_loss; "
                   "default: the recipe's train.monitor. Losses and errors are minimised.")
@click.option("--data", help="Data source: tfds:NAME or a folder (overrides data.source).")
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Search directory (default: runs/<recipe>-tune-<UTC time>); "
                   "rerun with the same one to resume.")
@click.option("--overwrite", is_flag=True, help="Discard the search in --output and start again.")
@click.option("--quiet", "-q", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--smoke", is_flag=True, help="Train each trial on tiny synthetic data (install check).")
@heavy_errors
def tune_command(name, config_file, preset, overrides, space_items, space_file, algorithm, max_trials,
                 epochs, objective, data, output, overwrite, quiet, smoke):
    """Search hyperparameters of recipe NAME with KerasTuner.

    Each trial is a normal run (its run directory is OUTPUT/trials/<id>). The
    ranked trials go to OUTPUT/trials.csv, the best config to
    OUTPUT/best_config.yaml (train it with `recipes run --config`).

    \b
    Examples:
      recipes tune cifar-resnet --max-trials 20 --epochs 30
      recipes tune cifar-resnet --preset fast --epochs 3 --space 'train.lr=loguniform(0.1, 0.8)'
      recipes tune cifar-resnet -a bayesian --space 'train.lr=loguniform(0.01, 0.5)' \\
          --space 'model.depth=choice(20, 32, 44)' --output runs/tune-lr
      recipes tune cifar-resnet -a hyperband --epochs 81 --space-file space.yaml
      recipes run --config runs/tune-lr/best_config.yaml
    """
    from keras_recipes.tuning import space as search_space
    from keras_recipes.tuning.search import Search

    extra = list(overrides)
    if data is not None:
        extra.append(f"data.source={data}")
    if quiet:
        extra.append("runtime.verbose=2")
    cfg = resolve_training_config(name, config_file, extra, preset)
    space = None
    if space_items or space_file:
        space = search_space.space_from_options(space_items, space_file)
    search = Search.plan(cfg, space=space, algorithm=algorithm, max_trials=max_trials,
                         epochs=epochs, objective=objective, output=output, smoke=smoke)
    search.prepare_output(overwrite=overwrite)
    click.echo(f"searching {', '.join(search.params)} of {cfg.recipe}: {algorithm}, "
               f"up to {max_trials} trials, in {search.output}")
    try:
        result = search.run()
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted; run the same command again to resume the search in "
                   f"{search.output}", err=True)
        sys.exit(130)
    click.echo(result.table())
    best = result.best
    click.echo(f"best trial {best['trial_id']}: {result.objective} {best[result.objective]:.4f}")
    click.echo(f"best config: {result.best_config_path}  "
               f"(train it: recipes run --config {result.best_config_path})")
