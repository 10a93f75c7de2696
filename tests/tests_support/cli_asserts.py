"""Assertions for CLI tests."""

from click.testing import CliRunner

from keras_recipes.cli.main import cli


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line_error(result):
    """The result is a failure whose whole output is one `Error: ...` line."""
    assert result.exit_code != 0
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]
