"""The recipe registry: ``register_recipe`` / ``get_recipe`` / ``list_recipes``.

A recipe is a named function returning its default :class:`RecipeConfig`,
plus the function that builds its model and its task (what it trains:
``keras_recipes.tasks``; classification unless it names another). Registering does not import
TensorFlow, so ``recipes list`` stays instant.

Example:

>>> from keras_recipes import register_recipe, RecipeConfig
>>> @register_recipe("toy-mlp", problem="image classification", dataset="synthetic",
...                  model="MLP", params="10k", reference="none",
...                  build_model=lambda cfg, info: ...)
... def toy_mlp() -> RecipeConfig:
...     return RecipeConfig()
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from keras_recipes.config import RecipeConfig
from keras_recipes.errors import ConfigError, UnknownRecipeError, did_you_mean
from keras_recipes.named_registry import NamedRegistry


@dataclass(frozen=True)
class Recipe:
    """A registered recipe and the facts `recipes list` shows about it."""

    name: str
    defaults: Callable[[], RecipeConfig]
    build_model: Callable  # (cfg, DataInfo) -> keras.Model
    # The Task subclass (keras_recipes.tasks); None: ClassificationTask. A
    # class, not an instance, so registering imports no TensorFlow.
    task: Optional[type] = None
    problem: str = ""  # what `recipes list` shows, e.g. "image classification"
    dataset: str = ""
    model: str = ""
    params: str = ""  # e.g. "0.27M"; checked against the built model in tests
    reference: str = ""  # the published result the defaults target
    num_classes: int = 0  # classes of the recipe's dataset (0: any); others are a warning
    description: str = ""
    search_space: Dict[str, str] = field(default_factory=dict)
    # Named override sets, as data: {"fast": {"train.schedule": "cosine", ...}}.
    # Data, not code, so `recipes show` can print them and a run's config.yaml
    # (with its `preset:` key) reproduces them.
    presets: Dict[str, Dict[str, Any]] = field(default_factory=dict)

    def config(self, preset: Optional[str] = None) -> RecipeConfig:
        """The recipe's defaults, with the named preset's values on top."""
        cfg = self.defaults()
        cfg.recipe = self.name
        return self.with_preset(cfg, preset) if preset else cfg

    def preset_values(self, preset: str) -> Dict[str, Any]:
        """The dotted overrides of ``preset``; an unknown name lists the known ones."""
        if preset not in self.presets:
            raise ConfigError(
                f"unknown preset {preset!r} for recipe {self.name}"
                f"{did_you_mean(preset, sorted(self.presets), cutoff=0.4)}; "
                f"presets of {self.name}: {', '.join(sorted(self.presets)) or 'none'}"
            )
        return self.presets[preset]

    def with_preset(self, cfg: RecipeConfig, preset: str) -> RecipeConfig:
        """``cfg`` with ``preset``'s values applied and its name recorded."""
        from keras_recipes import config as config_lib

        cfg = config_lib.merge_values(cfg, self.preset_values(preset))
        cfg.preset = preset
        return cfg


# The built-in recipes register through this entry-point group (pyproject.toml),
# as a package of a user's own recipes does.
_REGISTRY: Dict[str, Recipe] = NamedRegistry("recipe", group="keras_recipes.recipes",
                                             error=UnknownRecipeError,
                                             owner=lambda recipe: recipe.defaults.__module__)


def register_recipe(name: str, *, build_model: Callable, **facts):
    """Decorator registering ``fn() -> RecipeConfig`` under ``name``.

    ``build_model(cfg, info)`` builds the model; ``task=`` names the recipe's
    :class:`~keras_recipes.tasks.Task` subclass (default: classification);
    the other keywords are the facts of :class:`Recipe`.

    Raises:
        ValueError: if ``name`` is already registered.
    """

    def decorator(fn):
        if name in _REGISTRY:  # before the task import below
            _REGISTRY.add(name, None)  # raises, naming who registered it
        doc = (fn.__doc__ or "").strip().splitlines()
        facts.setdefault("description", doc[0] if doc else "")
        if facts.get("task") is None:
            from keras_recipes.tasks import ClassificationTask

            facts["task"] = ClassificationTask
        _REGISTRY.add(name, Recipe(name=name, defaults=fn, build_model=build_model, **facts))
        return fn

    return decorator


def unregister_recipe(name: str) -> None:
    """Remove a recipe (for tests and interactive sessions)."""
    _REGISTRY.pop(name, None)


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name suggests the closest one."""
    return _REGISTRY.lookup(name)


def config_from_yaml(path, name: str | None = None) -> RecipeConfig:
    """A YAML config (e.g. a run's config.yaml) on top of its recipe's defaults.

    The recipe is ``name`` or, when None, the file's own ``recipe:`` key. A
    ``preset:`` key applies that preset under the file's own values, so a
    two-line file (``recipe:`` and ``preset:``) is a whole config.
    """
    from keras_recipes import config as config_lib

    return config_from_mapping(config_lib.load_yaml(path), name, source=path)


def config_from_mapping(raw, name: str | None = None, source="the config") -> RecipeConfig:
    """``config_from_yaml`` for a config already read (``config.load_yaml``);
    ``source`` names it in errors."""
    from keras_recipes import config as config_lib

    get = raw.get if hasattr(raw, "get") else (lambda key: None)
    name = name or get("recipe")
    if not name:
        raise ConfigError(f"{source} names no recipe (no `recipe:` key); name the recipe too")
    recipe = get_recipe(name)
    cfg = config_lib.merge(recipe.config(preset=get("preset")), raw)
    cfg.recipe = recipe.name
    return cfg


def list_recipes() -> List[Recipe]:
    """All registered recipes, sorted by name."""
    return _REGISTRY.entries()
