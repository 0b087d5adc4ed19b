"""The layer table of docs/architecture.md (kept in ``studio.layers``), enforced on the tree.

Every module under ``studio/`` is found with ``pkgutil`` and parsed with ``ast`` (nothing is
imported for that), and every import statement in it, including those inside functions, is
checked (``tests/layering.py``): against the table, for cycles between units, for another
module's ``_private`` names, for Qt outside ``studio.gui`` and for torch in the torch-free units.
A last test imports each module that needs no torch in a fresh interpreter and checks that
neither Qt nor torch got loaded, so ``studio --help`` starts fast and torch loads only when a
model runs.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from layering import (  # the checker (tests/layering.py)
    ARCHITECTURE,
    HEAVY,
    PACKAGE_DIR,
    REPO,
    Import,
    Module,
    check_allowed,
    check_covered,
    check_cycles,
    check_private,
    check_qt,
    check_torch,
    collect_imports,
    compare_tables,
    find_cycles,
    find_modules,
    parse_layer_table,
    torch_at_import,
    unit_of,
)

from studio import layers

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


def test_commands_do_not_import_each_other():
    """A command module uses the engine and ``studio.commands.common``, never another command
    (shared behaviour belongs in the engine or in ``common``)."""
    problems = [
        f"{i.importer} line {i.line} imports {i.module}"
        for i in real_tree()[1]
        if i.importer.startswith("studio.commands.")
        and i.module.startswith("studio.commands.")
        and i.module not in (i.importer, "studio.commands.common")
    ]
    assert not problems, _report(problems, "imports of one command by another")


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
