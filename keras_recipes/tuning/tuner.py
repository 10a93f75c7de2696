"""KerasTuner's side of a search: a tuner whose trials are engine runs.

KerasTuner's oracles pick the values; ``EngineTuner.run_trial`` hands them to
the ``Search`` and maps what a trial raises to KerasTuner's verdicts: a
failed trial (its values do not train) or a fatal error (the same for every
trial: stop).
"""

from __future__ import annotations

import functools
import gc

from keras_recipes.errors import RecipeError, TrialError


@functools.lru_cache(maxsize=None)
def engine_tuner_class():
    """The KerasTuner tuner class (defined on first use: KerasTuner imports TensorFlow)."""
    import keras
    import keras_tuner as kt

    from keras_recipes.datasets import DataError

    class EngineTuner(kt.engine.base_tuner.BaseTuner):
        """A KerasTuner tuner whose trials are runs of the keras-recipes engine."""

        def __init__(self, oracle, search, **kwargs):
            self.plan = search
            self.stop_error = None
            super().__init__(oracle, hypermodel=None, **kwargs)

        def run_trial(self, trial, *args, **kwargs):
            try:
                return self.plan.run_trial(trial.trial_id, trial.hyperparameters.values)
            except TrialError as err:
                # This trial's values do not train (unbuildable model, NaN): go on.
                raise kt.errors.FailedTrialError(str(err)) from err
            except (RecipeError, DataError) as err:
                # The same for every trial (data, run directory, objective): stop.
                self.stop_error = err
                raise kt.errors.FatalError(str(err)) from err
            except Exception as err:
                # Anything else this trial hit (e.g. out of memory): record it
                # as failed and go on.
                raise kt.errors.FailedTrialError(f"{type(err).__name__}: {err}") from err
            finally:
                # Free the trial's model and graph so memory stays flat across trials.
                keras.backend.clear_session()
                gc.collect()

    return EngineTuner


def last_line(message: str) -> str:
    """The last line of a traceback, without KerasTuner's FailedTrialError prefix."""
    lines = [line.strip() for line in str(message).strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    prefix = "keras_tuner.src.errors.FailedTrialError: "
    return last[len(prefix):] if last.startswith(prefix) else last
