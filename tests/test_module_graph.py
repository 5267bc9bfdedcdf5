"""The module graph: no import cycle, and no private name used outside the module that owns it.

Every import counts, also one inside a function (a lazy import that breaks a cycle is still a
cycle). A name with a leading underscore belongs to its module: another module may neither
import it (``from xlprofit.core.tables import _Collector``) nor reach it through the module
(``segments._ratio``). Package-private modules (``engines/_sql.py``) are fine to import; their
public names are their API inside the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import xlprofit

PACKAGE = Path(xlprofit.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("xlprofit", *path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    path = MODULES[module]
    base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _edges(module: str) -> tuple[set[str], list[str]]:
    """The xlprofit modules ``module`` imports, and the private names it takes from other modules."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    targets: set[str] = set()
    private: list[str] = []
    aliases: dict[str, str] = {}  # local name -> xlprofit module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULES:
                    targets.add(alias.name)
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node)
            if source not in MODULES:
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                if sub in MODULES:  # a module imported from its package
                    targets.add(sub)
                    aliases[alias.asname or alias.name] = sub
                    continue
                targets.add(source)
                if alias.name.startswith("_") and not alias.name.startswith("__") and source != module:
                    private.append(f"{module} imports {source}.{alias.name}")
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            owner = aliases[node.value.id]
            if f"{owner}.{node.attr}" not in MODULES:
                private.append(f"{module} uses {owner}.{node.attr}")
    targets.discard(module)
    return targets, private


GRAPH = {m: _edges(m) for m in MODULES}


def _cycles() -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v][0]):
            # A package imports its own modules to re-export them; importing the package itself
            # from one of its modules is the edge that can close a cycle.
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return groups


def test_the_graph_is_read():
    assert "xlprofit.core.analysis" in MODULES and "xlprofit.core.costing" in GRAPH["xlprofit.core.analysis"][0]


def test_no_import_cycle():
    assert _cycles() == []


def test_no_private_name_is_used_outside_its_module():
    found = sorted(p for _, private in GRAPH.values() for p in private)
    assert found == []


#: Private attributes of other objects that are used on purpose, each with its reason.
ALLOWED_PRIVATE_ATTRIBUTES = {
    # CPython's documented way to look at the caller's frame: the culture of the Office.js call
    # (xlwings passes it to its own dispatcher, not to the function).
    ("xlprofit.excel._culture", "sys._getframe"),
}
#: The one module allowed to use openpyxl's private write-only API (its test pins the versions).
OPENPYXL_PRIVATE = "xlprofit.report._openpyxl_private"


def test_no_private_attribute_of_another_object_is_used():
    found = []
    for module, path in MODULES.items():
        if module == OPENPYXL_PRIVATE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")):
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            text = ast.unparse(node)
            if (module, text) not in ALLOWED_PRIVATE_ATTRIBUTES:
                found.append(f"{module}:{node.lineno} {text}")
    assert found == []
