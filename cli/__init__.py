"""The `recipes` command line."""
