"""The layer table of docs/architecture.md (kept in ``studio.layers``), enforced.

Every module under ``studio/`` is found with ``pkgutil`` and parsed with ``ast`` (nothing is
imported for that), and every import statement in it, including those inside functions, is
checked: against the table, for cycles between units, for another module's ``_private`` names,
for Qt outside ``studio.gui`` and for torch in the torch-free units. A last test imports each
module that needs no torch in a fresh interpreter and checks that neither Qt nor torch got
loaded, so ``studio --help`` starts fast and torch loads only when a model runs.

The checker is a handful of pure functions over ``Import`` records; the ``test_checker_*`` tests
run them on tiny synthetic inputs, so each rule is shown to fail when broken.
"""

from __future__ import annotations

import ast
import functools
import itertools
import json
import os
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from studio import layers

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


# --- The real tree ---------------------------------------------------------------------------


@functools.cache
def real_tree() -> tuple[list[Module], list[Import]]:
    """The package's modules and their imports (read once, on first use, so that a file with a
    syntax error fails the tests that need the tree rather than the collection of this file)."""
    modules = find_modules()
    return modules, collect_imports(modules)


def _report(problems: list[str], what: str) -> str:
    return f"{len(problems)} {what}:\n  " + "\n  ".join(problems)


def test_every_source_file_is_a_module():
    """pkgutil skips folders without __init__.py; no source file may hide from the checks."""
    modules, _ = real_tree()
    walked = {module.path.resolve() for module in modules}
    files = {
        path.resolve() for path in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in path.parts
    }
    assert sorted(map(str, files - walked)) == []
    assert len(modules) > 50


def test_every_module_has_a_unit_in_the_table():
    """A new subpackage or top-level module needs a row in the layer table."""
    problems = check_covered([module.name for module in real_tree()[0]], layers.ALLOWED_IMPORTS)
    assert not problems, _report(problems, "modules outside the layer table")


def test_imports_follow_the_layer_table():
    """Each import of another unit is one the table allows (lazy imports included)."""
    problems = check_allowed(real_tree()[1], layers.ALLOWED_IMPORTS)
    assert not problems, _report(problems, "imports against the layer table")


def test_no_import_cycle_between_units():
    """The units' real import graph (not the table) has no cycle."""
    problems = check_cycles(real_tree()[1])
    assert not problems, _report(problems, "import cycles between units")


def test_no_private_names_across_modules():
    """``from studio.x.y import _name`` only in studio.x.y itself."""
    problems = check_private(real_tree()[1])
    assert not problems, _report(problems, "imports of another module's private names")


def test_qt_only_in_gui():
    """No import statement outside studio.gui names PySide6, PyQt or shiboken."""
    problems = check_qt(real_tree()[1], layers.QT_UNITS)
    assert not problems, _report(problems, "Qt imports outside the GUI")


def test_no_torch_in_torch_free_units():
    """No import statement of torch or safetensors.torch in the torch-free units, even lazily."""
    problems = check_torch(real_tree()[1], layers.TORCH_FREE_UNITS)
    assert not problems, _report(problems, "torch imports in torch-free units")


def test_layer_table_itself_has_no_cycle():
    """The table is a hierarchy, and names only units that have a row."""
    table = layers.ALLOWED_IMPORTS
    assert find_cycles(table) == []
    assert {target for allowed in table.values() for target in allowed} <= set(table)
    assert set(table) >= layers.QT_UNITS | layers.TORCH_FREE_UNITS


def test_docs_table_matches_layers_module():
    """docs/architecture.md shows the same table as studio/layers.py."""
    docs = parse_layer_table(ARCHITECTURE.read_text(encoding="utf-8"))
    assert docs is not None, (
        "docs/architecture.md has no '| unit | may import |' table; copy the table of "
        "studio/layers.py there"
    )
    problems = compare_tables(layers.ALLOWED_IMPORTS, docs)
    assert not problems, _report(problems, "differences between the two layer tables")


def import_problem(module: str) -> str | None:
    """What is wrong with importing ``module`` in a fresh interpreter: Qt or torch got loaded,
    or the import failed; None when nothing is."""
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"{module} fails to import: {last}"
    loaded = sorted({name.split(".")[0] for name in json.loads(result.stdout.splitlines()[-1])})
    return f"{module} loads {', '.join(loaded)}" if loaded else None


def light_modules(modules: list[Module], imports: list[Import]) -> list[str]:
    """Modules whose import should load neither Qt nor torch: all but the GUI, the ones whose
    code loads torch at import time, and ``__main__`` (importing it runs the program)."""
    heavy = torch_at_import(modules, imports)
    return [
        module.name
        for module in modules
        if module.name not in heavy
        and unit_of(module.name) not in layers.QT_UNITS
        and module.name.split(".")[-1] != "__main__"
    ]


def test_modules_import_without_qt_or_torch():
    """Importing any module that needs no torch, in a fresh interpreter, loads neither Qt nor
    torch (one interpreter per module, a few at a time)."""
    names = light_modules(*real_tree())
    assert "studio.cli" in names and "studio.core.music" in names
    with ThreadPoolExecutor(max_workers=min(4, (os.cpu_count() or 1) * 2)) as pool:
        problems = [problem for problem in pool.map(import_problem, names) if problem]
    assert not problems, _report(problems, "modules that load Qt or torch when imported")


# --- The checker on synthetic inputs ---------------------------------------------------------

FAKE_TABLE = {
    "app": frozenset({"app.cli"}),
    "app.core": frozenset(),
    "app.data": frozenset({"app.core"}),
    "app.cli": frozenset({"app.core", "app.data"}),
    "app.gui": frozenset({"app.core"}),
}


def _imp(importer: str, module: str, name: str | None = None, line: int = 1) -> Import:
    return Import(importer, line, module, name or module)


def test_checker_allows_what_the_table_allows():
    """Imports listed in the table, inside a unit, and of the root package pass."""
    imports = [
        _imp("app.cli.main", "app.data.store"),
        _imp("app.data.store", "app.core.music", "app.core.music.Song"),
        _imp("app.core.music", "app.core.theory"),
        _imp("app.core.music", "app", "app.__version__"),
        _imp("app.__main__", "app.cli.main"),
        _imp("app.data.store", "numpy"),
    ]
    assert check_allowed(imports, FAKE_TABLE, root="app") == []
    assert check_cycles(imports, root="app") == []
    assert check_private(imports, root="app") == []


def test_checker_finds_a_forbidden_import():
    """A core module importing upwards fails, with module, line, target and the allowed list."""
    imports = [_imp("app.core.music", "app.data.store", line=7), _imp("app.gui.w", "app.cli")]
    problems = check_allowed(imports, FAKE_TABLE, root="app")
    assert problems == [
        "app.core.music line 7 imports app.data.store (app.data); "
        "app.core may import only: nothing else of app",
        "app.gui.w line 1 imports app.cli (app.cli); app.gui may import only: app.core",
    ]


def test_checker_finds_modules_outside_the_table():
    """A module of a unit without a row fails and says to add the row."""
    problems = check_covered(["app.core.music", "app.engine", "app.engine.jobs"], FAKE_TABLE, "app")
    assert len(problems) == 2
    assert "app.engine" in problems[0] and "add a row" in problems[0]


def test_checker_finds_a_cycle():
    """A cycle of three units is reported as a path with the statements that make it."""
    imports = [
        _imp("app.core.a", "app.data.b", line=3),
        _imp("app.data.b", "app.cli.c", line=4),
        _imp("app.cli.c", "app.core.a", line=5),
        _imp("app.gui.x", "app.core.a"),
    ]
    assert find_cycles(unit_graph(imports, "app")) == [
        ["app.cli", "app.core", "app.data", "app.cli"]
    ]
    (problem,) = check_cycles(imports, root="app")
    assert problem.startswith("import cycle app.cli → app.core → app.data → app.cli")
    assert "app.core.a line 3 imports app.data.b" in problem
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_checker_finds_private_names():
    """A private name or module of another module fails; the owner and dunders pass."""
    imports = [
        _imp("app.cli.main", "app.core.music", "app.core.music._helper", line=2),
        _imp("app.core.edit", "app.core._tables", "app.core._tables", line=3),
        _imp("app.cli.main", "app.core._tables", "app.core._tables.MAJOR", line=4),
        _imp("app.core", "app.core._tables", "app.core._tables"),
        _imp("app.core._tables.x", "app.core._tables.y", "app.core._tables.y"),
        _imp("app.core.music", "app", "app.__version__"),
        _imp("app.cli.main", "numpy", "numpy._core"),
    ]
    problems = check_private(imports, root="app")
    assert [p.split(":")[0] for p in problems] == [
        "app.cli.main line 2 imports app.core.music._helper",
        "app.core.edit line 3 imports app.core._tables",
        "app.cli.main line 4 imports app.core._tables.MAJOR",
    ]


def test_checker_finds_qt_outside_gui():
    """Qt in core fails, lazy or not; Qt in gui passes."""
    imports = [
        Import("app.core.music", 9, "PySide6.QtCore", "PySide6.QtCore.QObject", runtime=False),
        _imp("app.gui.window", "PySide6.QtWidgets"),
        _imp("app.cli", "shiboken6"),
    ]
    problems = check_qt(imports, {"app.gui"}, root="app")
    assert [p.split(":")[0] for p in problems] == [
        "app.core.music line 9 imports PySide6.QtCore.QObject",
        "app.cli line 1 imports shiboken6",
    ]


def test_checker_finds_torch_in_core():
    """torch or safetensors.torch in a torch-free unit fails, even inside a function."""
    imports = [
        Import("app.core.music", 4, "torch", "torch.nn", runtime=False),
        _imp("app.core.store", "safetensors", "safetensors.torch"),
        _imp("app.core.store", "safetensors.numpy", "safetensors.numpy.load_file"),
        _imp("app.data.model", "torch"),
        _imp("app.core.music", "torchaudio_like_name"),
    ]
    problems = check_torch(imports, {"app.core"}, root="app")
    assert [p.split(":")[0] for p in problems] == [
        "app.core.music line 4 imports torch.nn",
        "app.core.store line 1 imports safetensors.torch",
    ]


def test_checker_reads_imports_wherever_they_stand():
    """Lazy, relative, ``from package import submodule`` and TYPE_CHECKING imports are found."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "import app.core.music as music\n"
        "from app.core import theory, Song\n"
        "from . import sibling\n"
        "from ..core import _tables\n"
        "if TYPE_CHECKING:\n"
        "    from app.gui import window\n"
        "class A:\n"
        "    import json\n"
        "def f():\n"
        "    import torch\n"
    )
    module = Module("app.data.store", Path("store.py"), False)
    known = {"app.core.theory", "app.data.sibling", "app.gui.window", "app.core._tables"}
    found = {(i.line, i.module, i.name, i.runtime) for i in parse_imports(source, module, known)}
    assert found == {
        (1, "typing", "typing.TYPE_CHECKING", True),
        (2, "app.core.music", "app.core.music", True),
        (3, "app.core.theory", "app.core.theory", True),
        (3, "app.core", "app.core.Song", True),
        (4, "app.data.sibling", "app.data.sibling", True),
        (5, "app.core._tables", "app.core._tables", True),
        (7, "app.gui.window", "app.gui.window", False),
        (9, "json", "json", True),
        (11, "torch", "torch", False),
    }
    package = Module("app.data", Path("__init__.py"), True)
    assert resolve_relative(package, 1, "store") == "app.data.store"
    assert resolve_relative(package, 2, None) == "app"
    with pytest.raises(ValueError):
        resolve_relative(module, 3, None)


def test_checker_finds_what_loads_torch_at_import():
    """Top-level torch imports make a module heavy, and so do top-level imports of heavy
    modules and heavy parent packages; lazy and TYPE_CHECKING imports do not."""
    modules = [
        Module(name, Path(), name.count(".") < 2)
        for name in ("app", "app.ml", "app.ml.gan", "app.ml.use", "app.ml.lazy", "app.x", "app.x.y")
    ]
    imports = [
        _imp("app.ml.gan", "torch"),
        _imp("app.ml.use", "app.ml.gan", "app.ml.gan.Model"),
        Import("app.ml.lazy", 1, "app.ml.gan", "app.ml.gan", runtime=False),
        _imp("app.x", "safetensors.torch", "safetensors.torch.load_file"),
    ]
    assert torch_at_import(modules, imports) == {"app.ml.gan", "app.ml.use", "app.x", "app.x.y"}


def test_checker_parses_and_compares_the_markdown_table():
    """The docs table is read with backticks and comments, and a difference is named."""
    text = (
        "# Architecture\n\n"
        "| unit | may import |\n"
        "|---|---|\n"
        "| `app.core` | (nothing else of app) |\n"
        "| `app.data` | `app.core` |\n"
        "| app.cli | app.core, `app.data` |\n"
        "| `app.gui` | app.core |\n"
        "| app (the package itself: app/__init__.py, app/__main__.py) | app.cli |\n"
        "\nMore text.\n"
    )
    table = parse_layer_table(text)
    assert table == FAKE_TABLE
    assert compare_tables(FAKE_TABLE, table) == []
    changed = {**FAKE_TABLE, "app.core": frozenset({"app.data"})}
    changed.pop("app.gui")
    assert compare_tables(changed, table) == [
        "app.core may import ['app.data'] in studio/layers.py but [] in docs/architecture.md",
        "app.gui is in docs/architecture.md but not in studio/layers.py",
    ]
    assert parse_layer_table("# No table here\n| module | job |\n|---|---|\n") is None
    with pytest.raises(ValueError):
        parse_layer_table("| unit | may import |\n|---|---|\n| app.core | app core |\n")


def test_checker_on_a_package_on_disk(tmp_path):
    """The whole chain on a tiny package written to disk: found without importing, relative and
    lazy imports resolved, each rule reported."""
    files = {
        "__init__.py": "",
        "core/__init__.py": "from .music import Song\n",
        "core/music.py": "class Song: ...\n\ndef play():\n    from app.gui import window\n",
        "data/__init__.py": "",
        "data/store.py": (
            "from ..core import music\nfrom app.core.music import _cache\nimport torch\n"
        ),
        "gui/__init__.py": "",
        "gui/window.py": "import PySide6.QtWidgets\nfrom app.core import Song\n",
        "extra.py": "def f():\n    from PySide6 import QtCore\n",
    }
    for name, text in files.items():
        (tmp_path / "app" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "app" / name).write_text(text)
    modules = find_modules(tmp_path / "app", "app")
    assert [m.name for m in modules] == [
        "app",
        "app.core",
        "app.core.music",
        "app.data",
        "app.data.store",
        "app.extra",
        "app.gui",
        "app.gui.window",
    ]
    imports = collect_imports(modules)
    assert "app" not in sys.modules
    assert check_covered([m.name for m in modules], FAKE_TABLE, "app") == [
        "app.extra belongs to unit app.extra, which the layer table does not list: add a row for "
        "it to studio/layers.py and docs/architecture.md"
    ]
    assert [p.split(";")[0] for p in check_allowed(imports, FAKE_TABLE, "app")] == [
        "app.core.music line 4 imports app.gui.window (app.gui)"
    ]
    assert check_cycles(imports, "app") == [
        "import cycle app.core → app.gui → app.core (app.core.music line 4 imports "
        "app.gui.window; app.gui.window line 2 imports app.core)"
    ]
    assert [p.split(":")[0] for p in check_private(imports, "app")] == [
        "app.data.store line 2 imports app.core.music._cache"
    ]
    assert [p.split(":")[0] for p in check_qt(imports, {"app.gui"}, "app")] == [
        "app.extra line 2 imports PySide6.QtCore"
    ]
    assert [p.split(":")[0] for p in check_torch(imports, {"app.data"}, "app")] == [
        "app.data.store line 3 imports torch"
    ]
    assert torch_at_import(modules, imports) == {"app.data.store"}
