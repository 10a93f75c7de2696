"""`recipes study`: a course lesson as one command with a verdict."""

from __future__ import annotations

import click

from keras_recipes.choices import STUDY_BUDGETS
from keras_recipes.cli.completion import complete_study_names
from keras_recipes.cli.main import cli, heavy_errors, user_errors


@cli.group("study", short_help="Run a lesson's experiment and check its claim.")
def study_group():
    """Run a lesson's experiment and check its claim (list, run, report).

    \b
    Examples:
      recipes study list
      recipes study run degradation --budget cpu --data ~/data/cifar10/train
      recipes study report runs/study-degradation-cpu
    """


@study_group.command("list", short_help="List the studies: lesson, runs, budgets, measured time.")
@user_errors
def list_command():
    """List the studies: lesson, runs, budgets and measured time."""
    from keras_recipes.experiments import list_studies
    from keras_recipes.rundir.tables import fits, terminal_width, text_table

    studies = list_studies()
    measured = ["; ".join(f"{b}: {t}" for b, t in s.measured.items()) or "not yet measured"
                for s in studies]
    headers = ("name", "lesson", "runs", "budgets", "measured")
    rows = [(s.name, s.lesson, len(s.runs), ", ".join(s.budgets), m)
            for s, m in zip(studies, measured)]
    width = terminal_width()
    table = text_table(headers, rows)
    if not fits(table, width):  # the lesson and what was measured go under each row, wrapped
        table = text_table(("name", "runs", "budgets"), [(r[0], r[2], r[3]) for r in rows], width,
                           details=[f"{s.lesson}; measured: {m}" for s, m in zip(studies, measured)])
    click.echo(table)


@study_group.command("run", short_help="Train a study's runs and write its report and verdict.")
@click.argument("name", shell_complete=complete_study_names)
@click.option("--budget", type=click.Choice(STUDY_BUDGETS), default="cpu", show_default=True,
              help="cpu: about a quarter of an hour on 2 cores; gpu: the paper's size.")
@click.option("--data", help="Data of the study's recipes: a folder or tfds:NAME "
                             "(default: the recipes' own TFDS source).")
@click.option("--output", "-o", type=click.Path(file_okay=False),
              help="Study folder (default: runs/study-<name>-<budget>).")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True,
              help="Repeat every run with this many seeds (mean +- std in the report).")
@click.option("--quiet", "-q", is_flag=True, help="One line per epoch instead of progress bars.")
@heavy_errors
def run_command(name, budget, data, output, seeds, quiet):
    """Train a study's runs (finished ones are skipped, an interrupted one
    resumes), then write report.md and its figures with the verdict.

    \b
    Examples:
      recipes study run degradation --data ~/data/cifar10/train
      recipes study run optimizers --budget gpu --seeds 3
    """
    from keras_recipes.experiments.runner import study

    study(name, budget=budget, data=data, output=output, seeds=seeds, verbose=2 if quiet else 1)


@study_group.command("report", short_help="Redraw a study's report from its finished runs.")
@click.argument("folder", type=click.Path(file_okay=False))
@user_errors
def report_command(folder):
    """Redraw a study's report.md and figures from its finished runs."""
    from keras_recipes.experiments.runner import report_study

    report_study(folder)
