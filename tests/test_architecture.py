"""The layers, read from the imports themselves: no import circle between modules, and no package
importing one above it (knowledge < recommender < assistant < ui < aisle, the composition root that
nothing imports). ``ui`` talks to the application services only: it imports nothing of ``knowledge``
or ``recommender``.

Imports inside functions count (they run); those under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("knowledge", "recommender", "assistant", "ui", "aisle")  # each may import only those before it


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """The project modules ``path`` imports at run time (absolute and relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # "from pkg import module"
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return {name for name in found if name.split(".")[0] in LAYERS}


def import_graph() -> dict[str, set[str]]:
    """module → the project modules it imports (only names that are modules of the project)."""
    files = {_module_name(p): p for layer in LAYERS for p in (REPO / layer).rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in files.items():
        for target in _imports(path):
            while target and target not in files:  # "pkg.mod.Name" → "pkg.mod"
                target = target.rpartition(".")[0]
            if target and target != name:
                graph[name].add(target)
        graph.setdefault(name, set())
    return dict(graph)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
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
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def _package_of(module: str) -> str:
    """A module's package: "assistant.orders.tools" → "assistant.orders"; top-level modules → itself."""
    return module if module.count(".") == 0 else module.rpartition(".")[0]


def test_no_import_circle_between_modules() -> None:
    assert circles(import_graph()) == []


def test_no_import_circle_between_packages() -> None:
    """Subpackages too: ``knowledge.store`` and ``knowledge.retrieval`` do not import each other both ways."""
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in import_graph().items():
        for target in targets:
            if _package_of(module) != _package_of(target) and not _package_of(target).startswith(
                    _package_of(module) + ".") and not _package_of(module).startswith(_package_of(target) + "."):
                packages[_package_of(module)].add(_package_of(target))
    assert circles(dict(packages)) == []


def test_no_package_imports_one_above_it() -> None:
    upward = {(module, target) for module, targets in import_graph().items() for target in targets
              if LAYERS.index(target.split(".")[0]) > LAYERS.index(module.split(".")[0])}
    assert upward == set()


def test_ui_imports_only_the_application_layer() -> None:
    """Pages render what the application services give them: no store, index or model of their own."""
    below = {(module, target) for module, targets in import_graph().items() if module.startswith("ui")
             for target in targets if target.split(".")[0] in ("knowledge", "recommender")}
    assert below == set()


def test_the_reader_sees_relative_imports_and_skips_type_checking(tmp_path: Path) -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
