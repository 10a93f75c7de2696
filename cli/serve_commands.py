"""The commands that use a trained run: evaluate, predict and export."""

from __future__ import annotations

import json
from pathlib import Path

import click

from keras_recipes.choices import CHECKPOINTS, EXPORT_FORMATS
from keras_recipes.cli.commands import format_table
from keras_recipes.cli.main import cli, heavy_errors
from keras_recipes.cli.options import run_dir_argument

checkpoint_option = click.option(
    "--checkpoint", type=click.Choice(CHECKPOINTS), default="best", show_default=True,
    help="best: best validation model (the final one when the run kept none); final: last epoch.",
)


def _short(text: str, width: int = 48) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def format_predictions(rows: list) -> str:
    table = []
    for row in rows:
        for rank, p in enumerate(row["predictions"], start=1):
            table.append((_short(row["input"]) if rank == 1 else "", rank, p["class"],
                          f"{p['probability']:.4f}"))
    return format_table(("input", "rank", "class", "probability"), table)


@cli.command("evaluate", short_help="Held-out metrics of a trained run.")
@run_dir_argument
@click.option("--data", help="Evaluate on this source (tfds:NAME or a folder) instead of the run's own.")
@checkpoint_option
@click.option("--batch-size", type=int, default=256, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print evaluation.json's content instead of tables.")
@click.option("--classifier", type=click.Path(),
              help="GAN runs: the classifier run whose features judge the samples (an mnist-cnn run).")
@heavy_errors
def evaluate_command(run_dir, data, checkpoint, batch_size, as_json, classifier):
    """Held-out metrics of a trained run (classifiers: accuracy, per-class
    accuracy and the confusion matrix; other tasks: their own metrics).

    Uses the test split of the run's data source (else its validation split,
    held out of training) unless --data names another source. Writes
    RUN_DIR/evaluation.json (classifiers: and RUN_DIR/confusion_matrix.png).

    \b
    Examples:
      recipes evaluate runs/r20
      recipes evaluate runs/r20 --data ~/data/cifar10-holdout --checkpoint final
      recipes evaluate runs/dcgan --classifier runs/mnist-cnn
    """
    from keras_recipes.inference.evaluate import evaluate

    # The engine prints its report (`verbose`); --json prints the file it wrote.
    result = evaluate(run_dir, data=data, checkpoint=checkpoint, batch_size=batch_size,
                      verbose=not as_json, classifier=classifier)
    if as_json:  # evaluation.json as written (NaN already made null)
        click.echo(Path(result["files"]["json"]).read_text(), nl=False)


@cli.command("predict", short_help="Top-k classes for images or texts.")
@run_dir_argument
@click.argument("inputs", nargs=-1, required=True)
@click.option("--top-k", "-k", type=click.IntRange(min=1), default=3, show_default=True,
              help="Classes shown per input.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--files/--text", "files", default=None,
              help="Text models: read every input as a file or folder of .txt files (--files) or "
                   "take every input as text (--text). Default: existing .txt files are read.")
@checkpoint_option
@heavy_errors
def predict_command(run_dir, inputs, top_k, as_json, files, checkpoint):
    """Top-k classes for images (files or folders) or texts (strings or .txt files).

    \b
    Examples:
      recipes predict runs/r20 cat.png dog.jpg
      recipes predict runs/r20 ~/photos --top-k 1 --json
      recipes predict runs/imdb "A wonderful, moving film." review.txt
    """
    from keras_recipes.inference.predict import predict

    rows = predict(run_dir, list(inputs), top_k=top_k, checkpoint=checkpoint, files=files)
    click.echo(json.dumps(rows, indent=2) if as_json else format_predictions(rows))


@cli.command("export", short_help="Export a trained run for serving, checked against Keras.")
@run_dir_argument
@click.option("--format", "-f", "fmt", type=click.Choice(EXPORT_FORMATS), default="saved_model",
              show_default=True, help="The artifact's format.")
@click.option("--output", "-o", type=click.Path(),
              help="Where to write (default: RUN_DIR/export/saved_model, model.keras, model.tflite "
                   "or model.onnx).")
@checkpoint_option
@heavy_errors
def export_command(run_dir, fmt, output, checkpoint):
    """Export a trained run for serving, then check it against the Keras model.

    A classifier's artifact takes raw inputs (uint8 images [batch, H, W, C]
    named "image", or strings [batch] named "text") and returns float32
    class probabilities named "probabilities"; other tasks export their own
    named signatures (saved_model or keras). The artifact is loaded back with
    its own runtime and must match the Keras model to 1e-4, else the command
    fails and writes nothing.

    \b
    Examples:
      recipes export runs/r20                          # SavedModel
      recipes export runs/r20 --format tflite -o r20.tflite
      recipes export runs/r20 --format onnx --checkpoint final
    """
    from keras_recipes.inference.export import export

    result = export(run_dir, format=fmt, output=output, checkpoint=checkpoint, verbose=False)
    click.echo(result.summary())


@cli.command("sample", short_help="Samples of a trained generative run, as a picture.")
@run_dir_argument
@click.option("-n", "--num", "n", type=click.IntRange(min=1), default=64, show_default=True,
              help="How many samples.")
@click.option("--output", "-o", type=click.Path(), help="Where to write (default: in RUN_DIR).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same samples.")
@checkpoint_option
@heavy_errors
def sample_command(run_dir, n, output, seed, checkpoint):
    """Samples of a trained generative run, as a picture (a grid of samples,
    noisy/denoised/clean triplets, a latent-space manifold).

    \b
    Examples:
      recipes sample runs/vae -n 64
      recipes sample runs/dcgan --seed 3 -o dcgan.png
    """
    from keras_recipes.inference.sample import sample

    result = sample(run_dir, n, output=output, checkpoint=checkpoint, seed=seed, verbose=False)
    click.echo(result["summary"])
