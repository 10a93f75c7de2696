"""Shell completion of recipe and study names and run directories, through click's own
completion (``shell_complete``); the shell side is click's, set up with one line::

    eval "$(_RECIPES_COMPLETE=bash_source recipes)"       # ~/.bashrc
    eval "$(_RECIPES_COMPLETE=zsh_source recipes)"        # ~/.zshrc
    _RECIPES_COMPLETE=fish_source recipes | source        # ~/.config/fish/config.fish

Completing imports no TensorFlow: it runs on every TAB.
"""

from __future__ import annotations

import glob
import os

from click.shell_completion import CompletionItem


def complete_recipe_names(ctx, param, incomplete: str):
    """The registered recipes whose names start with what is typed."""
    from keras_recipes.registry import list_recipes

    return [CompletionItem(r.name, help=r.problem) for r in list_recipes()
            if r.name.startswith(incomplete)]


def complete_study_names(ctx, param, incomplete: str):
    """The registered studies whose names start with what is typed."""
    from keras_recipes.experiments import list_studies

    return [CompletionItem(s.name, help=s.lesson) for s in list_studies()
            if s.name.startswith(incomplete)]


def complete_run_dirs(ctx, param, incomplete: str):
    """Run directories (folders with a config.yaml) that start with what is
    typed, and those one folder below a match (``runs`` -> ``runs/r20``);
    else the shell's own directory completion."""
    from keras_recipes.rundir import CONFIG

    def is_run(path):
        return os.path.isfile(os.path.join(path, CONFIG))

    runs = []
    for match in sorted(glob.glob(glob.escape(os.path.expanduser(incomplete)) + "*")):
        if is_run(match):
            runs.append(match)
        elif os.path.isdir(match):
            runs += [child for child in sorted(glob.glob(os.path.join(glob.escape(match), "*")))
                     if is_run(child)]
    if not runs:
        return [CompletionItem(incomplete, type="dir")]
    return [CompletionItem(run) for run in runs]
