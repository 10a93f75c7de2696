"""The closed sets of values that config keys and command-line options take,
each defined once.

Imports nothing (no TensorFlow), so the command line builds its
``click.Choice`` options from these names and ``recipes --help`` stays
instant; the config validation, the export and the tuner check the same
tuples.

Example:

>>> from keras_recipes.choices import EXPORT_FORMATS
>>> "onnx" in EXPORT_FORMATS
True
"""

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")  # runtime.precision
STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker", "tpu")  # runtime.strategy
OPTIMIZERS = ("sgd", "adamw", "adam", "rmsprop")  # train.optimizer
SCHEDULES = ("constant", "step", "cosine", "onecycle", "triangular")  # train.schedule
EXPORT_FORMATS = ("saved_model", "keras", "tflite", "onnx")  # recipes export --format
TUNING_ALGORITHMS = ("random", "bayesian", "hyperband")  # recipes tune --algorithm
CHECKPOINTS = ("best", "final")  # which saved model a command loads
STUDY_BUDGETS = ("cpu", "gpu")  # recipes study run --budget; every study declares both
