"""The soak (benchmarks/soak.py, issue 18) runs its whole scripted session for a minute in
every test run: generate, open an idea, edit, undo and redo, play on the test sound sink,
similar tracks, react, index, export MIDI and WAV, autosave. Only what does not depend on the
machine's speed is judged here (``--functional``: no uncaught exception, no error shown, no step
stuck, every action done); the timing targets are benchmarks (docs/RELIABILITY.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_a_minute_of_scripted_use_ends_without_an_error(tmp_path):
    out = tmp_path / "soak.json"
    command = [sys.executable, str(REPO / "benchmarks" / "soak.py"), "--minutes", "1",
               "--functional", "--json", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["missed"] == [] and not result["uncaught_exceptions"]
    assert result["actions"]["generate"] >= 1 and result["actions"]["similar"] >= 1
    assert result["soak_seconds"] >= 60
