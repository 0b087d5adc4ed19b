"""The layer checker (``tests/layering.py``) on tiny synthetic inputs: each rule fails when
broken, whatever the real tree looks like."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from layering import (  # the checker (tests/layering.py)
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
    parse_imports,
    parse_layer_table,
    resolve_relative,
    torch_at_import,
    unit_graph,
)

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
