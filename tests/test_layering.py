"""The layering rule of DESIGN.md, enforced: the core imports neither Qt nor torch.

The CLI and the torch-free parts of ``studio.ml`` (data, metrics, baselines) are held to the same
rule, so `studio --help` and `studio info` start fast and torch loads only when a model runs.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("PySide6", "torch")


@pytest.mark.parametrize(
    "module",
    [
        "studio.core",
        "studio.core.midi_read",
        "studio.core.midi_write",
        "studio.core.midi_info",
        "studio.core.theory",
        "studio.core.keyfinding",
        "studio.core.edit",
        "studio.core.melody",
        "studio.core.pianoroll",
        "studio.core.progress",
        "studio.settings",
        "studio.library.catalog",
        "studio.library.indexer",
        "studio.similarity.index",
        "studio.similarity.service",
        "studio.commands.index",
        "studio.commands.similar",
        "studio.library.feedback",
        "studio.recommend.ranker",
        "studio.recommend.service",
        "studio.recommend.weights",
        "studio.recommend.taste",
        "studio.commands.feedback",
        "studio.commands.profile",
        "studio.commands.recommend",
        "studio.cli",
        "studio.commands.generate",
        "studio.commands.train",
        "studio.commands.evaluate",
        "studio.generation.data",
        "studio.evaluation.metrics",
        "studio.evaluation.baselines",
        "studio.similarity.passages",
        "studio.similarity.autoencoder",
        "studio.similarity.embedder",
        "studio.evaluation.retrieval",
        "studio.evaluation.queries",
        "studio.evaluation.recommend",
        "studio.similarity.corpus",
    ],
)
def test_module_imports_without_qt_or_torch(module):
    code = (
        f"import json, sys; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []
