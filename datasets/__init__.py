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
`(x, y)`, and dicts of those per split. Importing this package imports
TensorFlow.
"""

from keras_recipes.datasets.augment import PRESETS, augmentation
from keras_recipes.datasets.errors import DataError, DataWarning
from keras_recipes.datasets.load import load_splits
from keras_recipes.datasets.mixing import BatchMixer, batch_mixer
from keras_recipes.datasets.pipeline import make_pipeline
from keras_recipes.datasets.splits import Splits, stratified_split
from keras_recipes.datasets.synthetic import synthetic_splits

__all__ = [
    "PRESETS",
    "BatchMixer",
    "DataError",
    "DataWarning",
    "Splits",
    "augmentation",
    "batch_mixer",
    "load_splits",
    "make_pipeline",
    "stratified_split",
    "synthetic_splits",
]
