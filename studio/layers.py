"""Which part of Motif Studio may import which: the layer table, machine-readable.

A *unit* is a subpackage (``studio.core`` is everything under ``studio/core/``) or a top-level
module (``studio.cli`` is ``studio/cli.py``); ``studio`` is the package itself (``__init__`` and
``__main__``). Imports inside a unit are always allowed, and so is ``import studio`` (for
``__version__``) from anywhere. Every other import of a ``studio`` module must be listed here.

docs/architecture.md shows the same table ("| unit | may import |"); tests/test_layering.py checks
that both agree, and that every import statement under ``studio/`` (lazy ones included) obeys
it, makes no cycle between units, takes no other module's ``_private`` name, keeps Qt in
``studio.gui`` and keeps torch out of the units in ``TORCH_FREE_UNITS``. This module imports
nothing, so any unit could read it.
"""

ALLOWED_IMPORTS: dict[str, frozenset[str]] = {
    "studio.core": frozenset(),
    "studio.audio": frozenset({"studio.core"}),
    "studio.library": frozenset({"studio.core"}),
    "studio.training": frozenset({"studio.core"}),
    "studio.generation": frozenset({"studio.core", "studio.training"}),
    "studio.similarity": frozenset({"studio.core", "studio.library", "studio.training"}),
    "studio.recommend": frozenset({"studio.core", "studio.library"}),
    "studio.evaluation": frozenset(
        {
            "studio.core",
            "studio.library",
            "studio.generation",
            "studio.similarity",
            "studio.recommend",
        }
    ),
    "studio.settings": frozenset({"studio.core"}),
    "studio.engine": frozenset(
        {
            "studio.core",
            "studio.audio",
            "studio.library",
            "studio.generation",
            "studio.similarity",
            "studio.recommend",
            "studio.settings",
        }
    ),
    # The app's commands go through the engine; `train` and `eval` drive the training loops and
    # the evaluation harness directly, `generate` builds a request (GenerationSettings), and
    # `gui` opens the window.
    "studio.commands": frozenset(
        {
            "studio.core",
            "studio.settings",
            "studio.engine",
            "studio.audio",
            "studio.gui",
            "studio.generation",
            "studio.similarity",
            "studio.evaluation",
        }
    ),
    "studio.cli": frozenset({"studio.core", "studio.commands"}),
    "studio.gui": frozenset({"studio.core", "studio.settings", "studio.engine", "studio.audio"}),
    "studio.layers": frozenset(),
    "studio": frozenset({"studio.cli"}),
}
"""Unit → the other units it may import."""

QT_UNITS: frozenset[str] = frozenset({"studio.gui"})
"""The only units that may import Qt (PySide6, PyQt, shiboken)."""

TORCH_FREE_UNITS: frozenset[str] = frozenset(
    {
        "studio.core",
        "studio.library",
        "studio.audio",
        "studio.recommend",
        "studio.settings",
        "studio.cli",
        "studio.commands",
        "studio.engine",
    }
)
"""Units with no import of torch or safetensors.torch anywhere, not even inside a function."""
