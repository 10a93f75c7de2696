"""Augmentation presets built from Keras' own preprocessing layers.

The same layer works in both places an augmentation can live:

- in the tf.data pipeline on the CPU: `make_pipeline(..., augment=layer)`;
- inside the model, right after its `Input`, on the accelerator: Keras
  preprocessing layers are random when `training=True` and the identity
  (plus a cast to float32) at inference.

Every layer computes in float32 (`dtype="float32"`), whatever the global
mixed-precision policy, so uint8 images are never rounded to float16 /
bfloat16; the output is float32 in [0, 255].

Presets:
    none: no augmentation (`augmentation("none", ...)` returns None).
    cifar: pad 4 pixels with zeros, randomly crop back to the image size, and
        flip horizontally with probability 1/2 (He et al. 2016, sec. 4.2).
    strong: cifar, then RandAugment (2 ops, magnitude 0.5) and Random
        Erasing with probability 1/2 (Zhong et al. 2017).
    digits: pad 2 pixels and randomly crop back, no flip: handwritten digits
        move a little in their box, but a mirrored 2, 3 or 7 is not a digit.
        Options `rotate` (degrees) and `zoom` (a fraction) first rotate and
        zoom each image at random (bilinear, zero fill); both 0 by default:
        rotate=10, zoom=0.1 with dropout 0.25 scored 99.52% on mnist-cnn's
        tuning split against 99.50% for the shifts alone (benchmarks/RESULTS.md).

How "pad and crop" is done: `RandomTranslation` with zero fill and nearest
interpolation, by up to pad + 1/2 pixels, is "zero-pad by `pad`, crop at a
uniformly random integer offset": the continuous shift rounds to each of the
2 * pad + 1 integer shifts with equal probability, and pixels move without
interpolation. (The bound is kept 1e-3 pixel inside pad + 1/2: a shift of
exactly -(pad + 1/2) would round away from zero to pad + 1, which float32
sampling coordinates can reach; the edge shifts lose 0.1% of their share.) `ZeroPadding2D` + `RandomCrop` would be the
literal recipe and is ~30% faster in tf.data, but `RandomCrop` uses one crop
window for the whole batch, so 128 images would share one shift; the
translation draws one shift per image, as the paper does.
"""

import keras

from keras_recipes.datasets.errors import did_you_mean
from keras_recipes.datasets.spec import image_hw

PRESETS = ("none", "cifar", "strong", "digits")

# Keeps the largest shift off the rounding boundary pad + 1/2 (module docstring).
_EDGE_MARGIN = 1e-3

# Every option of every preset, with its default.
_DEFAULTS = {
    "none": {},
    "cifar": {
        "pad": 4,  # pixels of zero padding before the random crop; 0 disables
        "flip": True,  # random horizontal flip
    },
    "strong": {
        "pad": 4,
        "flip": True,
        "rand_augment_ops": 2,  # RandAugment ops per image batch
        "rand_augment_factor": 0.5,  # RandAugment magnitude, in [0, 1]
        "erasing_probability": 0.5,  # chance that an image gets a random erased box
        "erasing_scale": (0.02, 0.33),  # erased box side as a fraction of the image side
    },
    "digits": {
        # The small-CNN MNIST results of 99.6%+ also rotate by up to ~10
        # degrees and zoom by up to ~10%; measured here no better (see above).
        "rotate": 0.0,  # largest rotation, degrees either way; 0 disables
        "zoom": 0.0,  # largest zoom in or out, a fraction of the size; 0 disables
        "pad": 2,  # a 2-pixel shift keeps a 28x28 digit inside its box
        "flip": False,  # mirrored digits are other symbols (or none)
    },
}


def augmentation(preset, *, image_size, seed=None, **overrides):
    """An augmentation layer for a named preset, or None for "none".

    Args:
        preset: "none", "cifar", "strong" or "digits" (see the module
            docstring).
        image_size: int or (height, width) of the images it will see.
        seed: base seed; each random layer gets its own seed derived from
            it (None: random seeds).
        **overrides: preset options, e.g. `pad=2`, `flip=False`,
            `rand_augment_ops=3`, `erasing_probability=0.25`, `rotate=0`.

    Returns:
        a `keras.layers.Pipeline` of Keras preprocessing layers (float32
        output in [0, 255]), or None when there is nothing to do (preset
        "none", or options that leave no layer, e.g. `pad=0, flip=False`).

    Example:

    ```python
    aug = augmentation("cifar", image_size=32, seed=0)
    train = make_pipeline(splits.train, batch_size=128, training=True, augment=aug)
    # or on the accelerator, inside the model:
    inputs = keras.Input((32, 32, 3))
    x = aug(inputs)  # random in fit(), identity in predict() / evaluate()
    x = keras.layers.Rescaling(1 / 255)(x)
    ```
    """
    if preset is None:
        preset = "none"
    if preset not in PRESETS:
        raise ValueError(
            f"unknown augmentation preset {preset!r}; presets: {list(PRESETS)}"
            + did_you_mean(preset, PRESETS)
        )
    options = dict(_DEFAULTS[preset])
    for key in overrides:
        if key not in options:
            raise ValueError(
                f"unknown option {key!r} for augmentation preset {preset!r}; options: "
                f"{sorted(options)}" + did_you_mean(key, options)
            )
    options.update(overrides)
    if "pad" in options and (isinstance(options["pad"], bool) or not isinstance(options["pad"], int)
                             or options["pad"] < 0):
        raise ValueError(f"augmentation option `pad` must be an integer >= 0; received {options['pad']!r}")
    for key, high in (("rotate", 180), ("zoom", 1)):
        if key in options and not 0 <= options[key] < high:
            raise ValueError(f"augmentation option `{key}` must be in [0, {high}); received {options[key]!r}")
    if preset == "none":
        return None

    height, width = image_hw(image_size)
    seeds = iter(range(seed, seed + 100)) if seed is not None else iter([None] * 100)
    layers = []
    # Rotation and zoom (digits) resample the image, so they come before the
    # shift, which moves whole pixels.
    if options.get("rotate"):
        layers.append(keras.layers.RandomRotation(
            options["rotate"] / 360, fill_mode="constant", fill_value=0.0, seed=next(seeds),
            dtype="float32",  # factor: a fraction of a full turn
        ))
    if options.get("zoom"):
        layers.append(keras.layers.RandomZoom(
            (-options["zoom"], options["zoom"]), fill_mode="constant", fill_value=0.0,
            seed=next(seeds), dtype="float32",  # no width_factor: the aspect ratio stays
        ))
    if options["pad"]:
        # Shifts uniform in (-(pad + 1/2), pad + 1/2) round to each integer
        # shift in [-pad, pad] with equal probability (see module docstring).
        reach = options["pad"] + 0.5 - _EDGE_MARGIN
        dy, dx = reach / height, reach / width
        layers.append(keras.layers.RandomTranslation(
            (-dy, dy), (-dx, dx), fill_mode="constant", fill_value=0.0, interpolation="nearest",
            seed=next(seeds), dtype="float32",
        ))
    if options["flip"]:
        layers.append(keras.layers.RandomFlip("horizontal", seed=next(seeds), dtype="float32"))
    if preset == "strong":
        if options["rand_augment_ops"]:
            layers.append(keras.layers.RandAugment(
                value_range=(0, 255), num_ops=options["rand_augment_ops"],
                factor=options["rand_augment_factor"], seed=next(seeds), dtype="float32",
            ))
        if options["erasing_probability"]:
            p = options["erasing_probability"]
            layers.append(keras.layers.RandomErasing(
                factor=(p, p),  # a pair fixes the probability; a float would draw it from [0, p]
                scale=options["erasing_scale"], value_range=(0, 255), seed=next(seeds),
                dtype="float32",
            ))
    if not layers:  # e.g. "cifar" with pad=0 and flip=False: nothing to do
        return None
    name = f"{preset}_augmentation"
    return keras.layers.Pipeline(layers, name=f"{name}_{keras.backend.get_uid(name)}")
