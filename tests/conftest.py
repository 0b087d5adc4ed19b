"""Test-wide set-up: Qt runs offscreen, scratch files stay in pytest's temp folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Must be set before Qt is imported anywhere: without a display, Qt aborts the process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# torch (and other libraries) write scratch files to TMPDIR: keep them out of the system /tmp.
_scratch = Path(tempfile.mkdtemp(prefix="motif-tests-"))
os.environ["TMPDIR"] = str(_scratch)
tempfile.tempdir = str(_scratch)

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_TESTDATA = REPO_ROOT.parent / "shared" / "testdata"


@pytest.fixture
def data_dir() -> Path:
    """The project's own edge-case MIDI files (tests/data)."""
    return TEST_DATA


@pytest.fixture
def shared_edge_cases() -> Path:
    """The shared MIDI edge-case collection (../shared/testdata); skips when it is absent."""
    folder = SHARED_TESTDATA / "midi-edge-cases"
    if not folder.is_dir():
        pytest.skip("shared test data not present (a fresh clone has none)")
    return folder
