"""The engine's packages import each other in one direction: no import loop.

Read from the source with ``ast`` (nothing is imported): each module's
imports that run when it loads (module level, class bodies, ``if``/``try``
blocks; not function bodies, which are deliberate late binding) give an edge
from its part of ``keras_recipes`` to the part it imports. A part is a
subpackage (``tasks``, ``inference``, ``training``, ``datasets``...) or a
module of the package root (``config``, ``registry``, ``errors``...). The
graph must have no cycle.
"""

import ast
import pathlib
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[1]
# Where each part of the import package lives (pyproject.toml's package-dir).
PACKAGE_DIRS = {"keras_recipes": "keras_recipes", "keras_recipes.layers": "layers",
                "keras_recipes.datasets": "datasets", "keras_recipes.recipes": "recipes",
                "keras_recipes.studies": "studies", "keras_recipes.cli": "cli"}
# The package's own __init__ (a facade of lazy names) and entry point depend on everything.
FACADES = {"keras_recipes", "keras_recipes.__main__"}


def module_files():
    """``{dotted module name: path}`` of every module of the import package."""
    found = {}
    for package, folder in PACKAGE_DIRS.items():
        base = ROOT / folder
        for path in base.rglob("*.py"):
            parts = path.relative_to(base).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def part_of(module: str, modules) -> str | None:
    """The subpackage or root module ``module`` belongs to (None: not ours)."""
    names = module.split(".")
    if names[0] != "keras_recipes" or len(names) < 2 or module in FACADES:
        return None
    head = ".".join(names[:2])
    return names[1] if head in modules else None


def load_time_imports(tree):
    """Import statements that run when the module loads (not in function bodies)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imported_modules(node, module: str, is_package: bool):
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: resolved against the importing module's package
        package = module.split(".")
        package = package if is_package else package[:-1]
        package = package[:len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    # `from keras_recipes import rundir` imports the subpackage rundir.
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def import_graph():
    """``{part: {imported part: first file that imports it}}``."""
    modules = module_files()
    graph = defaultdict(dict)
    for module, path in modules.items():
        source = part_of(module, modules)
        if source is None:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in load_time_imports(tree):
            for target in imported_modules(node, module, path.name == "__init__.py"):
                dest = part_of(target, modules)
                if dest is not None and dest != source:
                    graph[source].setdefault(dest, str(path.relative_to(ROOT)))
    return graph


def find_cycle(graph):
    """One cycle of ``graph`` as a list of nodes (first == last), else None."""
    state = {}  # node -> "open" while on the DFS path, "done" after

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_find_cycle_finds_a_loop_and_accepts_a_chain():
    assert find_cycle({"tasks": {"inference": "a.py"}, "inference": {"tasks": "b.py"}}) == \
        ["inference", "tasks", "inference"]
    assert find_cycle({"cli": {"training": 1}, "training": {"tasks": 1}, "tasks": {"rundir": 1}}) is None


def test_relative_imports_resolve_against_their_package():
    node = ast.parse("from ..rundir import files").body[0]
    assert "keras_recipes.rundir" in imported_modules(node, "keras_recipes.inference.export", False)


def test_the_engine_has_no_import_loop():
    graph = import_graph()
    # The graph is the real one: the Trainer's module imports the task contract.
    assert "tasks" in graph["training"] and "rundir" in graph["training"]
    cycle = find_cycle(graph)
    assert cycle is None, "import loop among keras_recipes packages: " + " -> ".join(
        f"{a} ({graph[a][b]})" for a, b in zip(cycle, cycle[1:])) + f" -> {cycle[-1]}"
