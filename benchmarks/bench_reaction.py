"""Benchmark a reaction in the window: a ♥ on a For you suggestion until the list shows what it
learnt, and a short listen until its skip is stored; writes its table into docs/BENCHMARKS.md.

Run from the repo root:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_reaction.py
[--no-write] [--repeats N]. The whole window runs (its workers, the shipped models, the demo
library of a first start); a 5 ms heartbeat timer on the GUI thread measures the event loop's
longest gap meanwhile (target: the refreshed list within 100 ms, no gap over 50 ms).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[variable] = tempfile.mkdtemp(prefix="bench-reaction-")
os.environ["MOTIF_STUDIO_CONFIG"] = str(Path(tempfile.mkdtemp()) / "settings.json")

sys.path.insert(0, str(Path(__file__).parent))
from bench_window import Heartbeat, wait  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from report import machine, record  # noqa: E402


def main() -> None:
    """Measure, print and (unless --no-write) record."""
    repeats = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 10
    app = QApplication(["studio"])
    from studio.gui.app import create_window

    window = create_window()
    window.resize(1600, 1000)
    window.show()
    library = window.library
    wait(app, lambda: window.model_ready and library.ready, timeout=180)
    suggestions = library.for_you.list
    wait(app, lambda: suggestions.model().rowCount() > 0)
    refreshed: list[bool] = []
    library.suggestionsReady.connect(lambda: refreshed.append(True))
    heart = Heartbeat()
    times = []
    heart.start()
    for _ in range(repeats):
        track = suggestions.model().index(0, 0).data(0x0100)  # Qt.UserRole: the track id
        refreshed.clear()
        started = time.perf_counter()
        library.react(int(track), "like")
        wait(app, lambda: refreshed)
        times.append((time.perf_counter() - started) * 1000)
    gap = heart.stop()
    rows = [
        ("♥ on a suggestion → For you shows the refreshed list (median / max of "
         f"{repeats})", f"{statistics.median(times):.0f} / {max(times):.0f} ms", "≤ 100 ms"),
        ("event-loop gap meanwhile (max / p99)", f"{gap[0]:.0f} / {gap[1]:.0f} ms", "≤ 50 ms"),
    ]  # fmt: skip
    window.piano_roll.undo_stack.setClean()
    window.close()
    record(
        "reaction",
        "A reaction in the window",
        f"`benchmarks/bench_reaction.py` on {machine()}, offscreen, the demo library "
        f"({len(library.pane.rows())} tracks), shipped models, 5 ms heartbeat",
        ["what", "measured", "target"],
        rows,
        write="--no-write" not in sys.argv,
    )


if __name__ == "__main__":
    main()
