"""`recipes compare`: finished runs side by side (no TensorFlow import)."""

from __future__ import annotations

import click

from keras_recipes.cli.completion import complete_run_dirs
from keras_recipes.cli.main import cli, user_errors


@cli.command("compare", short_help="Overlay the curves of finished runs and tabulate them.")
@click.argument("runs", nargs=-1, required=True, metavar="RUN [RUN ...]",
                shell_complete=complete_run_dirs)
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Folder for compare.png and compare.md (default: compare-<UTC time>).")
@click.option("--metric", "metrics", multiple=True, metavar="NAME",
              help="History metric to plot and tabulate (repeatable; default: loss and "
                   "error, where error = 1 - accuracy).")
@user_errors
def compare_command(runs, output, metrics):
    """Overlay the curves of finished runs and tabulate how they differ.

    RUN is a run directory or a glob pattern (quoted or not). Writes one
    plot (training dashed, validation solid) and a Markdown table: recipe,
    the config keys that differ, epochs, final and best metrics, wall time
    and throughput.

    \b
    Examples:
      recipes compare runs/plain-20 runs/plain-56 runs/resnet-20 runs/resnet-56
      recipes compare 'runs/plain-*' --output compare-plain
      recipes compare runs/a runs/b --metric loss --metric accuracy
    """
    from keras_recipes.rundir.comparison import DEFAULT_METRICS, compare
    from keras_recipes.rundir.tables import terminal_width

    result = compare(runs, output=output, metrics=metrics or DEFAULT_METRICS)
    click.echo(result.table(terminal_width()))
    click.echo(f"\nwrote {result.plot} and {result.markdown}")
