"""`recipes generate`: stream text sampled from a language-model run."""

from __future__ import annotations

import json
import sys

import click

from keras_recipes.cli.main import cli, heavy_errors
from keras_recipes.cli.options import run_dir_argument
from keras_recipes.cli.serve_commands import checkpoint_option


@cli.command("generate", short_help="Sample text from a language-model run.")
@run_dir_argument
@click.option("--prompt", "-p", default="", help="Text to continue (default: start a new line).")
@click.option("--length", "-n", type=click.IntRange(min=0), default=500, show_default=True,
              help="Characters to sample.")
@click.option("--temperature", "-t", type=click.FloatRange(min=0.0), default=0.8, show_default=True,
              help="Lower is more conservative; 0 always takes the most likely character.")
@click.option("--top-k", "-k", type=click.IntRange(min=1), default=None,
              help="Sample among the K most likely characters only.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same text.")
@click.option("--drop-unknown", is_flag=True,
              help="Leave prompt characters the model never saw out of the prompt instead of failing.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the text and the sampling speed as JSON at the end instead of streaming.")
@checkpoint_option
@heavy_errors
def generate_command(run_dir, prompt, length, temperature, top_k, seed, drop_unknown, as_json,
                     checkpoint):
    """Sample text from a language-model run, streaming characters as they are drawn.

    A step model carries the recurrent state from one character to the next
    (no window is recomputed). The speed goes to stderr.

    \b
    Examples:
      recipes generate runs/shakespeare --prompt "ROMEO:" --length 500
      recipes generate runs/shakespeare -p "JULIET:" -t 0.5 --top-k 10 --seed 3
    """
    from keras_recipes.inference.generate import generate

    result = generate(run_dir, prompt, length, temperature=temperature, top_k=top_k, seed=seed,
                      checkpoint=checkpoint, stream=None if as_json else sys.stdout,
                      unknown="drop" if drop_unknown else "error")
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(f"[{length} characters in {result['seconds']:.2f}s: "
                   f"{result['chars_per_s']:.0f} characters/s]", err=True)
