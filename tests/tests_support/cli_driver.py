"""Run the real `recipes` command in a subprocess with the toy recipe registered."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A subprocess cannot see pytest fixtures, so the driver registers the toy recipe.
DRIVER = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from tests_support.toy_recipe import register_toy
    register_toy()
    from keras_recipes.cli.main import main
    sys.argv = ["recipes"] + sys.argv[1:]
    main()
""")


def recipes_cli(tmp_path, *args, env=None, **kwargs) -> subprocess.Popen:
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER.format(tests=TESTS_DIR))
    full_env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", **(env or {}))
    return subprocess.Popen([sys.executable, str(driver), *args], env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def write_image_folder(root, classes=3, per_class=40, size=8):
    """Learnable PNG images: the class sets the brightness."""
    from PIL import Image

    rng = np.random.default_rng(0)
    for c in range(classes):
        folder = root / f"class{c}"
        folder.mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 60, (size, size, 3)) + 80 * c
            Image.fromarray(pixels.astype("uint8")).save(folder / f"{i}.png")
    return root
