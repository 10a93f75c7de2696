"""A table of named things (recipes, studies) that refuses duplicates, loads
the built-in ones on first look-up, and answers an unknown name with the
closest one and the list of known names (TF Model Garden's registry rule).

Example:

>>> from keras_recipes.named_registry import NamedRegistry
>>> shapes = NamedRegistry("shape", builtins=None)
>>> shapes.add("square", 4)
>>> shapes.lookup("square")
4

``shapes.lookup("sqare")`` raises ``ConfigError: unknown shape 'sqare'; did
you mean `square`?; known shapes: square``.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, List, Optional

from keras_recipes.errors import ConfigError, did_you_mean


class NamedRegistry(dict):
    """``{name: entry}``; a dict, so tests can patch an entry with ``monkeypatch.setitem``.

    Args:
        what: what an entry is, for messages ("recipe", "study").
        builtins: the module whose import registers the built-in entries
            (imported on the first ``lookup`` or ``entries``); None: none.
        error: the exception an unknown name raises (a ``RecipeError``).
        plural: ``what`` in the plural (default: ``what`` + "s").
        owner: ``entry -> str``, who registered an entry, for the duplicate error.
    """

    def __init__(self, what: str, builtins: Optional[str], error=ConfigError,
                 plural: Optional[str] = None, owner: Optional[Callable[[Any], str]] = None):
        super().__init__()
        self.what, self.builtins, self.error = what, builtins, error
        self.plural, self.owner = plural or f"{what}s", owner
        self._loaded = builtins is None

    def add(self, name: str, entry: Any) -> None:
        """Register ``entry`` as ``name``; a name registered twice is an error."""
        if name in self:
            by = f" (by {self.owner(self[name])})" if self.owner else ""
            raise ValueError(f"{self.what} {name!r} is already registered{by}")
        self[name] = entry

    def _load_builtins(self) -> None:
        if not self._loaded:
            self._loaded = True
            importlib.import_module(self.builtins)

    def lookup(self, name: str) -> Any:
        """The entry called ``name``; an unknown name suggests the closest one."""
        self._load_builtins()
        if name in self:
            return self[name]
        known = sorted(self)
        raise self.error(f"unknown {self.what} {name!r}{did_you_mean(name, known, cutoff=0.4)}; "
                         f"known {self.plural}: {', '.join(known) or 'none'}")

    def entries(self) -> List[Any]:
        """Every entry, built-ins included, sorted by name."""
        self._load_builtins()
        return [self[name] for name in sorted(self)]
