"""What a search leaves in its OUTPUT folder, and its result as Python sees it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from keras_recipes.config import RecipeConfig
from keras_recipes.errors import RecipeError
from keras_recipes.rundir.tables import text_table

SEARCH = "search.json"
PROJECT = "tuner"
TRIALS = "trials"
TRIALS_CSV = "trials.csv"
TRIALS_JSON = "trials.json"
BEST_CONFIG = "best_config.yaml"
OBJECTIVE_PLOT = "objective.png"
OUTPUT_FILES = (SEARCH, TRIALS_CSV, TRIALS_JSON, BEST_CONFIG, OBJECTIVE_PLOT)


class TuneError(RecipeError):
    """A search that cannot start or go on (bad settings, a different search in OUTPUT)."""


@dataclass
class TuneResult:
    """A finished search: its trials ranked best first, and the best config.

    ``rows`` are flat dicts, one per trial: ``rank`` (None for a trial that did
    not complete), ``trial_id``, ``status``, one entry per searched key, the
    objective, ``epochs`` (trained), ``wall_time_s``, ``run_dir`` and ``error``.
    """

    output: Path
    recipe: str
    algorithm: str
    objective: str
    direction: str  # "max" | "min"
    keys: List[str]
    rows: List[Dict[str, Any]]
    best_config: Optional[RecipeConfig] = None
    trained: int = 0  # trials trained by this call (the others were resumed)

    @property
    def best(self) -> Optional[Dict[str, Any]]:
        """The best completed trial's row, or None."""
        return self.rows[0] if self.rows and self.rows[0]["rank"] == 1 else None

    @property
    def best_config_path(self) -> Path:
        return self.output / BEST_CONFIG

    def columns(self) -> List[str]:
        return ["rank", "trial_id", "status", *self.keys, self.objective, "epochs",
                "wall_time_s", "run_dir", "error"]

    def table(self) -> str:
        """The ranked trials as an aligned text table."""
        headers = ["rank", "trial", "status", *self.keys, self.objective, "epochs", "time_s"]
        body = [[row["rank"], row["trial_id"], row["status"].lower(),
                 *(row[k] for k in self.keys), row[self.objective], row["epochs"],
                 row["wall_time_s"]] for row in self.rows]
        return text_table(headers, [[_format_cell(c) for c in line] for line in body])

    def __str__(self) -> str:
        return self.table()


def _format_cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
