"""The commands that train: run and resume (they import TensorFlow)."""

from __future__ import annotations

import tempfile

import click

from keras_recipes.choices import PRECISIONS
from keras_recipes.cli.main import cli, heavy_errors
from keras_recipes.cli.options import (config_option, preset_option, recipe_argument,
                                       resolve_training_config, run_dir_argument, set_option)


@cli.command("run", short_help="Train recipe NAME and write a run directory.")
@recipe_argument
@config_option
@preset_option
@set_option
@click.option("--data", help="Data source: tfds:NAME or a folder (overrides data.source).")
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Run directory (default: runs/<recipe>-<UTC time>).")
@click.option("--overwrite", is_flag=True, help="Reuse a non-empty run directory.")
@click.option("--epochs", type=int, help="Shortcut for --set train.epochs=N.")
@click.option("--seed", type=int, help="Shortcut for --set runtime.seed=N.")
@click.option("--deterministic", is_flag=True, help="Bit-reproducible ops (slower).")
@click.option("--precision", type=click.Choice(PRECISIONS),
              help="Shortcut for --set runtime.precision=...")
@click.option("--gpus", help="GPUs to train on, e.g. 0,1 (shortcut for --set runtime.gpus=...).")
@click.option("--quiet", "-q", is_flag=True, help="One line per epoch instead of a progress bar.")
@click.option("--smoke", is_flag=True,
              help="A couple of steps on tiny synthetic data: checks the installation in seconds.")
@heavy_errors
def run_command(name, config_file, preset, overrides, data, output, overwrite, epochs, seed,
                deterministic, precision, gpus, quiet, smoke):
    """Train recipe NAME and write a run directory.

    \b
    Examples:
      recipes run cifar-resnet
      recipes run cifar-resnet --data ~/data/cifar10/train --preset fast --epochs 3
      recipes run cifar-resnet --set model.depth=56 --set train.schedule=onecycle
      recipes run cifar-resnet --smoke
    """
    extra = list(overrides)
    for key, value in (("data.source", data), ("train.epochs", epochs),
                       ("runtime.seed", seed), ("runtime.precision", precision),
                       ("runtime.gpus", gpus)):
        if value is not None:
            extra.append(f"{key}={value}")
    if deterministic:
        extra.append("runtime.deterministic=true")
    if quiet:
        extra.append("runtime.verbose=2")
    cfg = resolve_training_config(name, config_file, extra, preset)
    if smoke and output is None:
        output = tempfile.mkdtemp(prefix=f"{cfg.recipe}-smoke-")
    from keras_recipes.training.trainer import run

    metrics = run(cfg, output, smoke=smoke, overwrite=overwrite)
    if smoke:
        click.echo(f"smoke check passed: {cfg.recipe} trained {metrics['epochs']} epochs")
    report(metrics)


def report(metrics):
    """The run's headline, for every task: the kept model's metrics on held-out
    data and what they were measured on; without held-out data
    (data.val_fraction=0 and no test split) the final training metrics, said so."""
    held = metrics.get("held_out")
    if held:
        click.echo(f"held-out {_values(held['metrics'])} ({held['checkpoint']} model) "
                   f"on {held['measured_on']}")
        return
    final = {k: v for k, v in (metrics.get("final") or {}).items() if not k.startswith("val_")}
    if final:
        click.echo(f"final train {_values(final)} (no held-out data: data.val_fraction=0 and "
                   "the data has no test split)")


def _values(scores: dict) -> str:
    """'accuracy 0.7756, loss 0.6523': accuracy first, numbers only."""
    order = sorted((k for k, v in scores.items() if isinstance(v, (int, float))
                    and k not in ("epoch", "learning_rate")),
                   key=lambda k: (k != "accuracy", k))
    return ", ".join(f"{k} {scores[k]:.4f}" for k in order)


@cli.command("resume", short_help="Continue an interrupted run from its last backup.")
@run_dir_argument
@click.option("--quiet", "-q", is_flag=True, help="One line per epoch instead of a progress bar.")
@heavy_errors
def resume_command(run_dir, quiet):
    """Continue an interrupted run from its last backup (same epoch, optimizer
    state and learning rate)."""
    from keras_recipes.training.trainer import resume

    report(resume(run_dir, overrides=["runtime.verbose=2"] if quiet else ()))
