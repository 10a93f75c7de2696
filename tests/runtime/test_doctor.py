"""`recipes doctor`: its advice quotes what pyproject.toml declares."""


def test_doctor_quotes_the_declared_floors():
    """`recipes doctor`'s fix for an old TensorFlow names pyproject.toml's floors, not a copy."""
    from importlib import metadata

    from keras_recipes.runtime.doctor import _declared

    declared = [r for r in metadata.requires("keras-recipes") if r.startswith("keras>=")]
    assert _declared("keras") == [f"'{declared[0]}'"]
