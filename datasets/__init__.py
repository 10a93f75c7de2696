"""Data sources and tf.data pipelines with augmentation presets.

Bring your own data in the layout you already have, get fast tf.data
pipelines and augmentation that works on the CPU or inside the model:

```python
from keras_recipes.datasets import load_splits, make_pipeline, augmentation

splits = load_splits("/data/cifar10", kind="image", val_fraction=0.1, seed=0)
# train 45000 / val 5000 / test 0 examples, 10 classes, images 32x32x3 uint8
aug = augmentation("cifar", image_size=32)
train = make_pipeline(splits.train, batch_size=128, training=True, augment=aug)
val = make_pipeline(splits.val, batch_size=256, training=False)
```

Sources (`load_splits`): "tfds:NAME", image or text folders (`root/<class>/*`
or `root/train|val|test/<class>/*`), numpy `(x, y)`, `tf.data.Dataset`s of
`(x, y)`, and dicts of those per split. The names below load TensorFlow on
first use, so the TensorFlow-free checks (``datasets.paths``, ``spec``) can
run before it loads.
"""

# name -> the module that defines it (imported on first use: PEP 562).
_EXPORTS = {
    "PRESETS": "augment",
    "augmentation": "augment",
    "DataError": "errors",
    "DataWarning": "errors",
    "load_splits": "load",
    "BatchMixer": "mixing",
    "batch_mixer": "mixing",
    "make_pipeline": "pipeline",
    "Splits": "splits",
    "stratified_split": "splits",
    "synthetic_splits": "synthetic",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_EXPORTS])
