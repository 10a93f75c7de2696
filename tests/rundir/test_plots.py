"""Plots draw through matplotlib's object API: they write PNGs and leave the
user's backend (a notebook's inline one) and pyplot alone."""

import os

from tests_support.subprocess_json import run_json

SCRIPT = r"""
import json, sys
import matplotlib
from keras_recipes.rundir import plots
rows = [{"epoch": 0, "loss": 1.0, "accuracy": 0.5, "val_loss": 1.1, "val_accuracy": 0.4},
        {"epoch": 1, "loss": 0.8, "accuracy": 0.6, "val_loss": 0.9, "val_accuracy": 0.5}]
out = sys.argv[1]
paths = [plots.plot_curves(rows, out + "/curves.png"),
         plots.plot_runs([("a", rows), ("b", rows)], ["loss"], out + "/compare.png"),
         plots.plot_confusion_matrix([[3, 1], [0, 4]], ["cat", "dog"], out + "/cm.png"),
         plots.plot_objective([{"trial_id": "0", "rank": 1, "acc": 0.5}], "acc", "max",
                              out + "/objective.png", "search")]
pyplot_loaded = "matplotlib.pyplot" in sys.modules
print(json.dumps({"pngs": [open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" for p in paths],
                  "pyplot": pyplot_loaded, "backend": matplotlib.get_backend()}))
"""


def test_plots_write_pngs_without_touching_the_backend(tmp_path):
    env = dict(os.environ, MPLBACKEND="svg")  # the user's choice, e.g. a notebook's
    report = run_json(SCRIPT, str(tmp_path), env=env, timeout=120)
    assert report == {"pngs": [True] * 4, "pyplot": False, "backend": "svg"}
