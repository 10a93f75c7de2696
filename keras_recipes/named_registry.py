"""A table of named things (recipes, studies) that refuses duplicates, loads
the installed ones on first look-up, and answers an unknown name with the
closest one and the list of known names (TF Model Garden's registry rule).

The installed entries come from a package entry-point group (pyproject.toml's
``[project.entry-points."keras_recipes.recipes"]``): each entry names a module
whose import registers its entries. The built-in recipes are registered there
like any other package's, so the engine never imports them by name.

Example:

>>> from keras_recipes.named_registry import NamedRegistry
>>> shapes = NamedRegistry("shape", group=None)
>>> shapes.add("square", 4)
>>> shapes.lookup("square")
4

``shapes.lookup("sqare")`` raises ``ConfigError: unknown shape 'sqare'; did
you mean `square`?; known shapes: square``.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any, Callable, List, Optional

from keras_recipes.errors import ConfigError, did_you_mean


class NamedRegistry(dict):
    """``{name: entry}``; a dict, so tests can patch an entry with ``monkeypatch.setitem``.

    Args:
        what: what an entry is, for messages ("recipe", "study").
        group: the entry-point group whose modules register the installed
            entries (loaded on the first ``lookup`` or ``entries``); None: none.
        error: the exception an unknown name raises (a ``RecipeError``).
        plural: ``what`` in the plural (default: ``what`` + "s").
        owner: ``entry -> str``, who registered an entry, for the duplicate error.
    """

    def __init__(self, what: str, group: Optional[str], error=ConfigError,
                 plural: Optional[str] = None, owner: Optional[Callable[[Any], str]] = None):
        super().__init__()
        self.what, self.group, self.error = what, group, error
        self.plural, self.owner = plural or f"{what}s", owner
        self._loaded = group is None

    def add(self, name: str, entry: Any) -> None:
        """Register ``entry`` as ``name``; a name registered twice is an error."""
        if name in self:
            by = f" (by {self.owner(self[name])})" if self.owner else ""
            raise ValueError(f"{self.what} {name!r} is already registered{by}")
        self[name] = entry

    def _load_installed(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        found = _entry_points(self.group)
        if not found:  # keras-recipes itself registers one: its install metadata is stale
            raise self.error(f"no {self.plural} are installed: no package declares the "
                             f"`{self.group}` entry point; reinstall keras-recipes "
                             "(pip install -e . in its source tree)")
        for entry in found:
            try:
                entry.load()  # importing the module registers its entries
            except ImportError as err:
                raise self.error(f"cannot load the {self.plural} of {entry.value} "
                                 f"(entry point `{self.group}`): {err}") from None

    def lookup(self, name: str) -> Any:
        """The entry called ``name``; an unknown name suggests the closest one."""
        self._load_installed()
        if name in self:
            return self[name]
        known = sorted(self)
        raise self.error(f"unknown {self.what} {name!r}{did_you_mean(name, known, cutoff=0.4)}; "
                         f"known {self.plural}: {', '.join(known) or 'none'}")

    def entries(self) -> List[Any]:
        """Every entry, built-ins included, sorted by name."""
        self._load_installed()
        return [self[name] for name in sorted(self)]


def _entry_points(group: str) -> list:
    """The entry points of ``group`` declared by any installed distribution,
    one per module, sorted. Not ``metadata.entry_points(group=...)``: that
    reads only the first metadata found for each distribution name, and a
    stale ``keras_recipes.egg-info`` left in the source tree (the current
    directory comes first on ``sys.path``) would hide the installed one."""
    found = {}
    for dist in metadata.distributions():
        for entry in dist.entry_points:
            if entry.group == group:
                found.setdefault(entry.value, entry)
    return [found[value] for value in sorted(found)]
