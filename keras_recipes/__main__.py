"""`python -m keras_recipes` is the `recipes` command (for when the script is not on PATH)."""

from keras_recipes.cli.main import main

main()
