"""The layer checker that tests/test_layering.py runs: pure functions over ``Import`` records.

Every module under a package is found with ``pkgutil`` and parsed with ``ast`` (nothing is
imported for that), and every import statement in it, including those inside functions, is
collected; the ``check_*`` functions then say what breaks a layer table (``studio.layers``), what
forms a cycle between units, which import takes another module's ``_private`` name, where Qt or
torch appear where they must not, and ``parse_layer_table`` reads the table of
docs/architecture.md. tests/test_layering_checker.py shows each rule failing on tiny inputs.
"""

from __future__ import annotations

import ast
import itertools
import pkgutil
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = "studio"
REPO = Path(__file__).resolve().parents[1]
PACKAGE_DIR = REPO / ROOT
ARCHITECTURE = REPO / "docs" / "architecture.md"
HEAVY = ("PySide6", "shiboken6", "torch")
"""Top-level packages that must not be loaded by importing a module outside gui and the models."""


@dataclass(frozen=True)
class Module:
    """One module of the package, found without importing it."""

    name: str
    path: Path
    is_package: bool


@dataclass(frozen=True)
class Import:
    """One name brought in by an import statement.

    ``import a.b`` gives one record (module and name ``a.b``); ``from a import b, c`` gives two,
    with name ``a.b`` and ``a.c`` and module ``a.b`` when that is a module of ours, else ``a``.
    """

    importer: str
    """The module that holds the statement."""
    line: int
    module: str
    """The module the statement loads (absolute)."""
    name: str
    """The full dotted name it takes, e.g. ``studio.core.music.Note``."""
    runtime: bool = True
    """Executed when the importer is imported: not inside a function nor ``if TYPE_CHECKING``."""


# --- Finding modules and their imports -------------------------------------------------------


def find_modules(package_dir: Path = PACKAGE_DIR, root: str = ROOT) -> list[Module]:
    """Every module of the package, the package itself included, sorted by name.

    Uses ``pkgutil.iter_modules`` folder by folder: ``pkgutil.walk_packages`` would import each
    subpackage to read its ``__path__``, and this part must import nothing.
    """
    modules = [Module(root, package_dir / "__init__.py", True)]

    def walk(folder: Path, prefix: str) -> None:
        for info in pkgutil.iter_modules([str(folder)], prefix + "."):
            spec = info.module_finder.find_spec(info.name)
            assert spec is not None and spec.origin is not None, info.name
            modules.append(Module(info.name, Path(spec.origin), info.ispkg))
            if info.ispkg:
                walk(Path(spec.origin).parent, info.name)

    walk(package_dir, root)
    return sorted(modules, key=lambda module: module.name)


def resolve_relative(importer: Module, level: int, module: str | None) -> str:
    """The absolute name of ``from <level dots><module> import …`` written in ``importer``."""
    parts = importer.name.split(".")
    if not importer.is_package:
        parts = parts[:-1]
    if level - 1 >= len(parts):
        raise ValueError(f"{importer.name}: relative import goes above the top-level package")
    parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, module] if module else parts)


def _is_type_checking(test: ast.expr) -> bool:
    """True for ``TYPE_CHECKING`` and ``typing.TYPE_CHECKING``."""
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def parse_imports(source: str, importer: Module, known: Iterable[str] = ()) -> list[Import]:
    """Every import in ``source``, wherever it stands; ``known`` are our module names.

    ``known`` tells ``from studio.core import music`` (a submodule, so module
    ``studio.core.music``) from ``from studio.core import Song`` (a name, module ``studio.core``).
    """
    known = set(known)
    found: list[Import] = []

    def visit(node: ast.AST, runtime: bool) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append(Import(importer.name, node.lineno, alias.name, alias.name, runtime))
        elif isinstance(node, ast.ImportFrom):
            base = (
                resolve_relative(importer, node.level, node.module)
                if node.level
                else node.module or ""
            )
            for alias in node.names:
                name = base if alias.name == "*" else f"{base}.{alias.name}"
                module = name if name in known else base
                found.append(Import(importer.name, node.lineno, module, name, runtime))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for child in ast.iter_child_nodes(node):
                visit(child, False)
            return
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, False)
            for child in node.orelse:
                visit(child, runtime)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, runtime)

    visit(ast.parse(source, filename=str(importer.path)), True)
    return found


def collect_imports(modules: Iterable[Module]) -> list[Import]:
    """The imports of every module, read from its source file."""
    modules = list(modules)
    known = {module.name for module in modules}
    found: list[Import] = []
    for module in modules:
        found += parse_imports(module.path.read_text(encoding="utf-8"), module, known)
    return found


# --- The rules -------------------------------------------------------------------------------


def in_package(name: str, root: str = ROOT) -> bool:
    """True for ``root`` and anything under it."""
    return name == root or name.startswith(root + ".")


def unit_of(module: str, root: str = ROOT) -> str:
    """The unit a module of ours belongs to: its subpackage or top-level module, or ``root``."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return root
    return ".".join(parts[:2])


def _internal(imports: Iterable[Import], root: str) -> Iterator[tuple[Import, str, str]]:
    """Imports between two different units of ours (``import studio`` itself left out)."""
    for imp in imports:
        if not in_package(imp.importer, root) or not in_package(imp.module, root):
            continue
        if imp.module == root:  # the root package's own __init__ (__version__): allowed anywhere
            continue
        source, target = unit_of(imp.importer, root), unit_of(imp.module, root)
        if source != target:
            yield imp, source, target


def check_covered(
    modules: Iterable[str], table: Mapping[str, object], root: str = ROOT
) -> list[str]:
    """One message per module whose unit has no row in the table."""
    return [
        f"{module} belongs to unit {unit_of(module, root)}, which the layer table does not "
        f"list: add a row for it to studio/layers.py and docs/architecture.md"
        for module in modules
        if unit_of(module, root) not in table
    ]


def check_allowed(
    imports: Iterable[Import], table: Mapping[str, Iterable[str]], root: str = ROOT
) -> list[str]:
    """One message per import of another unit that the table does not allow."""
    problems: dict[str, None] = {}  # in order, once per statement and module
    for imp, source, target in _internal(imports, root):
        if source not in table:
            continue  # reported once per module by check_covered
        allowed = set(table[source])
        if target not in allowed:
            may = ", ".join(sorted(allowed)) or f"nothing else of {root}"
            message = (
                f"{imp.importer} line {imp.line} imports {imp.module} ({target}); "
                f"{source} may import only: {may}"
            )
            problems[message] = None
    return list(problems)


def unit_graph(imports: Iterable[Import], root: str = ROOT) -> dict[str, dict[str, Import]]:
    """Unit → unit it imports → the first import statement that does it."""
    graph: dict[str, dict[str, Import]] = {}
    for imp, source, target in _internal(imports, root):
        graph.setdefault(source, {}).setdefault(target, imp)
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle (``[a, b, a]``) per strongly connected group of nodes (Tarjan's algorithm)."""
    edges = {node: sorted(targets) for node, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                groups.append(group)

    for node in sorted(edges):
        if node not in index:
            connect(node)

    cycles = []
    for group in groups:
        start = min(group)
        paths = {start: [start]}  # breadth first: the shortest way back to start
        queue = [start]
        while queue:
            node = queue.pop(0)
            for target in edges.get(node, ()):
                if target == start:
                    cycles.append([*paths[node], start])
                    queue = []
                    break
                if target in group and target not in paths:
                    paths[target] = [*paths[node], target]
                    queue.append(target)
    return sorted(cycles)


def check_cycles(imports: Iterable[Import], root: str = ROOT) -> list[str]:
    """One message per cycle between units in the real imports, with the statement per step."""
    graph = unit_graph(imports, root)
    problems = []
    for cycle in find_cycles(graph):
        steps = [graph[a][b] for a, b in itertools.pairwise(cycle)]
        evidence = "; ".join(f"{s.importer} line {s.line} imports {s.module}" for s in steps)
        problems.append(f"import cycle {' → '.join(cycle)} ({evidence})")
    return problems


def _is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def check_private(imports: Iterable[Import], root: str = ROOT) -> list[str]:
    """One message per ``_private`` name (or module) taken from another module of ours.

    The owner of ``_x`` in ``a.b._x`` is ``a.b``; only the owner, and modules inside ``a.b._x``
    itself, may import it.
    """
    problems = []
    for imp in imports:
        if not in_package(imp.name, root):
            continue
        parts = imp.name.split(".")
        for i, part in enumerate(parts):
            owner, private = ".".join(parts[:i]), ".".join(parts[: i + 1])
            if (
                _is_private(part)
                and imp.importer != owner
                and not in_package(imp.importer, private)
            ):
                problems.append(
                    f"{imp.importer} line {imp.line} imports {imp.name}: {part} is private to "
                    f"{owner}"
                )
                break
    return problems


def is_qt(name: str) -> bool:
    """True for PySide, PyQt, shiboken and qtpy modules."""
    top = name.split(".")[0].lower()
    return top.startswith(("pyside", "pyqt", "shiboken")) or top == "qtpy"


def is_torch(name: str) -> bool:
    """True for torch and its modules, and for ``safetensors.torch``."""
    return name.split(".")[0] == "torch" or in_package(name, "safetensors.torch")


def check_qt(imports: Iterable[Import], qt_units: Iterable[str], root: str = ROOT) -> list[str]:
    """One message per Qt import outside the Qt units (any statement, lazy ones too)."""
    qt_units = set(qt_units)
    return [
        f"{imp.importer} line {imp.line} imports {imp.name}: Qt belongs in "
        f"{', '.join(sorted(qt_units))} only"
        for imp in imports
        if is_qt(imp.name) and unit_of(imp.importer, root) not in qt_units
    ]


def check_torch(
    imports: Iterable[Import], torch_free_units: Iterable[str], root: str = ROOT
) -> list[str]:
    """One message per torch import in a torch-free unit (any statement, lazy ones too)."""
    torch_free_units = set(torch_free_units)
    return [
        f"{imp.importer} line {imp.line} imports {imp.name}: {unit_of(imp.importer, root)} "
        f"must not import torch, not even lazily"
        for imp in imports
        if is_torch(imp.name) and unit_of(imp.importer, root) in torch_free_units
    ]


def torch_at_import(modules: Iterable[Module], imports: Iterable[Import]) -> set[str]:
    """The modules that load torch when imported, as far as their code says.

    A module does if it imports torch at module level, or at module level imports a module of
    ours that does; importing ``a.b.c`` also runs the packages ``a`` and ``a.b``.
    """
    names = {module.name for module in modules}
    loads: dict[str, set[str]] = {name: set() for name in names}
    heavy = set()
    for imp in imports:
        if not imp.runtime or imp.importer not in loads:
            continue
        if is_torch(imp.name) or is_torch(imp.module):
            heavy.add(imp.importer)
        parts = imp.module.split(".")
        loads[imp.importer].update(
            ".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in names
        )
    for name in names:  # a module's own parent packages run before it
        parts = name.split(".")
        loads[name].update(".".join(parts[:i]) for i in range(1, len(parts)))
    changed = True
    while changed:
        changed = False
        for name in names - heavy:
            if loads[name] & heavy:
                heavy.add(name)
                changed = True
    return heavy


# --- The table in docs/architecture.md -------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _dotted(text: str) -> str:
    name = text.strip().strip("`").strip()
    if not _NAME.fullmatch(name):
        raise ValueError(f"not a module name: {text!r}")
    return name


def parse_layer_table(text: str) -> dict[str, frozenset[str]] | None:
    """The ``| unit | may import |`` table of a markdown text, or None when it has none.

    A row's unit is the first word of its first cell (backticks allowed; words after it are a
    comment, as in ``studio (the package itself)``). The second cell is a comma-separated list
    of units; text in parentheses is a comment, and an empty list (``(nothing else of studio)``,
    ``—``) means nothing.
    """
    lines = text.splitlines()
    starts = [
        i
        for i, line in enumerate(lines)
        if [c.lower() for c in _cells(line)] == ["unit", "may import"]
    ]
    if not starts:
        return None
    if len(starts) > 1:
        raise ValueError(f"{len(starts)} '| unit | may import |' tables, expected one")
    separator = lines[starts[0] + 1] if starts[0] + 1 < len(lines) else ""
    if not separator.strip().startswith("|") or set(separator) - set("|-: "):
        raise ValueError(f"the layer table's header is not followed by |---|---|: {separator!r}")
    rows = lines[starts[0] + 2 :]
    table: dict[str, frozenset[str]] = {}
    for line in rows:
        if not line.strip().startswith("|"):
            break
        cells = _cells(line)
        if len(cells) != 2 or not cells[0]:
            raise ValueError(f"a layer table row needs two cells: {line!r}")
        unit = _dotted(cells[0].split()[0])
        targets = re.sub(r"\([^)]*\)", "", cells[1]).strip()
        if targets in ("", "—", "–", "-"):
            allowed = frozenset()
        else:
            allowed = frozenset(_dotted(target) for target in targets.split(","))
        if unit in table:
            raise ValueError(f"unit {unit} appears twice in the layer table")
        table[unit] = allowed
    return table


def compare_tables(
    code: Mapping[str, Iterable[str]], docs: Mapping[str, Iterable[str]]
) -> list[str]:
    """One message per unit on which the two tables differ."""
    problems = []
    for unit in sorted(set(code) | set(docs)):
        if unit not in docs:
            problems.append(f"{unit} is in studio/layers.py but not in docs/architecture.md")
        elif unit not in code:
            problems.append(f"{unit} is in docs/architecture.md but not in studio/layers.py")
        elif set(code[unit]) != set(docs[unit]):
            problems.append(
                f"{unit} may import {sorted(code[unit])} in studio/layers.py but "
                f"{sorted(docs[unit])} in docs/architecture.md"
            )
    return problems
