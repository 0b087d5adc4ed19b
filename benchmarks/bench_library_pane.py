"""Benchmark the library pane over a real 100,000-track catalog file; writes docs/BENCHMARKS.md.

Run from the repo root:
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_library_pane.py [N] [--no-write]
Targets (issue 13): with 100,000 tracks the pane opens in ≤ 1 s, and typing in the search box or
sorting never stalls the event loop > 50 ms. A heartbeat timer fires every 5 ms on the GUI
thread; a gap between two beats is how long the event loop could not react. The catalog is
synthetic (titles, keys, tempos, meters, instruments drawn at random, a few likes and plays) but
it is a real SQLite file read by ``library_rows`` as the window's worker reads it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[variable] = tempfile.mkdtemp(prefix="bench-library-pane-")

sys.path.insert(0, str(Path(__file__).parent))
from bench_window import Heartbeat, wait  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from report import machine, record  # noqa: E402

WORDS = ("reel", "jig", "waltz", "dream", "bride", "river", "mountain", "morning", "farewell",
         "dance", "lament", "hornpipe", "fancy", "polka", "air", "march", "meadow", "lassie",
         "piper", "fiddler", "harvest", "moon", "sailor", "garden")  # fmt: skip
KEYS = ("C major", "G major", "D major", "A major", "F major", "Bb major", "E minor",
        "A minor", "D minor", "B minor", "G minor", "C minor")  # fmt: skip
METERS = ("4/4", "3/4", "6/8", "2/4", "9/8")
PROGRAMS = ([0], [40], [73], [0, 33, 128], [24, 128], [40, 41, 42], [71], [56, 0])
TYPED = "d minor 100-120"  # typed one key every 200 ms (slower than the search delay)
KEY_INTERVAL_MS = 200


def build(db: Path, count: int) -> None:
    """A catalog of ``count`` tracks with varied metadata, some likes and plays."""
    from studio.library import feedback
    from studio.library.catalog import Catalog

    rng = np.random.default_rng(0)
    with Catalog(db) as catalog:
        for first in range(0, count, 5000):
            with catalog.transaction():
                for n in range(first, min(count, first + 5000)):
                    words = rng.choice(WORDS, 2, replace=False)
                    catalog.upsert_track(
                        f"/bench/folder-{n // 500:03d}/song-{n:07d}.mid",
                        content_hash=f"{n:064x}", size=10_000, mtime_ns=0,
                        metadata={
                            "title": f"{words[0].title()} {words[1]} {n}",
                            "tempo": float(rng.integers(60, 180)),
                            "duration_seconds": float(rng.uniform(20, 400)),
                            "key_stated": KEYS[rng.integers(len(KEYS))],
                            "time_signature": METERS[rng.integers(len(METERS))],
                            "programs": PROGRAMS[rng.integers(len(PROGRAMS))],
                            "note_count": int(rng.integers(50, 5000)),
                        },
                    )  # fmt: skip
        for track_id in rng.choice(np.arange(1, count + 1), min(count, 300), replace=False):
            kind = ("like", "dislike", "play")[int(track_id) % 3]
            feedback.record(catalog, int(track_id), kind, profile="default")


class FirstPaint(QObject):
    """The moment (perf_counter) the table's viewport first paints with rows in it."""

    def __init__(self, pane) -> None:
        super().__init__()
        self.at: float | None = None
        self._pane = pane
        pane.view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self.at is None and self._pane.model.rowCount():
            self.at = time.perf_counter()
        return False


def gap_text(gap: tuple[float, float]) -> str:
    """ "max / p99 ms" of a heartbeat's gaps."""
    return f"{gap[0]:.0f} / {gap[1]:.0f} ms"


def main() -> None:
    """Build the catalog, measure the pane, print and (unless --no-write) record."""
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(arguments[0]) if arguments else 100_000
    app = QApplication(["bench"])
    from studio.gui.library_model import COLUMNS
    from studio.gui.library_pane import LibraryPane
    from studio.library.catalog import Catalog
    from studio.library.table import library_rows

    scratch = Path(tempfile.mkdtemp(prefix="bench-library-pane-"))
    db = scratch / "library.sqlite"
    started = time.perf_counter()
    build(db, count)
    built = time.perf_counter() - started
    with Catalog(db) as catalog:
        started = time.perf_counter()
        rows = library_rows(catalog, "default")
        read = time.perf_counter() - started

    pane = LibraryPane()
    pane.resize(460, 900)
    pane.show()
    app.processEvents()
    heart, paint = Heartbeat(), FirstPaint(pane)
    heart.start()
    started = time.perf_counter()
    pane.set_rows(rows)
    wait(app, lambda: paint.at is not None)
    opened, open_gap = paint.at - started, gap_text(heart.stop())

    header = pane.view.horizontalHeader()
    section = COLUMNS.index("tempo")
    point = QPoint(header.sectionViewportPosition(section) + header.sectionSize(section) // 2,
                   header.height() // 2)  # fmt: skip
    shown: list[float] = []
    pane.model.viewChanged.connect(lambda _reason: shown.append(time.perf_counter()))
    heart.start()
    started = time.perf_counter()
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=point)
    wait(app, lambda: shown)
    sorted_in, sort_gap = shown[-1] - started, gap_text(heart.stop())
    tempos = rows.tempo[pane.model.order()]
    assert np.all(np.diff(tempos[~np.isnan(tempos)]) >= 0), "not sorted by tempo"

    shown.clear()
    typed: list[float] = []

    def type_next() -> None:
        QTest.keyClick(pane.search, TYPED[len(typed)])
        typed.append(time.perf_counter())
        if len(typed) < len(TYPED):
            QTimer.singleShot(KEY_INTERVAL_MS, type_next)

    pane.search.setFocus()
    heart.start()
    type_next()
    wait(app, lambda: len(typed) == len(TYPED) and shown and shown[-1] > typed[-1])
    filtered_in, filter_gap = shown[-1] - typed[-1], gap_text(heart.stop())
    matches = pane.model.rowCount()
    pane.close()
    pane.model.wait()

    table = [
        ("`library_rows` (read + search index + sort orders, worker side)",
         f"{read * 1000:.0f} ms", ""),
        ("`set_rows` to the first paint with rows", f"{opened * 1000:.0f} ms", "≤ 1 s"),
        ("event-loop gap while opening (max / p99)", open_gap, "≤ 50 ms"),
        ("header click (sort by tempo) to the new order shown", f"{sorted_in * 1000:.0f} ms",
         ""),
        ("event-loop gap while sorting (max / p99)", sort_gap, "≤ 50 ms"),
        (f"typing “{TYPED}” ({KEY_INTERVAL_MS} ms a key): last key to the "
         f"{matches:,} matches shown (150 ms search delay included)",
         f"{filtered_in * 1000:.0f} ms", ""),
        ("event-loop gap while typing and filtering (max / p99)", filter_gap, "≤ 50 ms"),
    ]  # fmt: skip
    record(
        "library-pane",
        "The library pane",
        f"`benchmarks/bench_library_pane.py {count}` on {machine()}, offscreen; a catalog of "
        f"{count:,} tracks (built in {built:.0f} s), 5 ms heartbeat on the GUI thread",
        ["what", "measured", "target"],
        table,
        write="--no-write" not in sys.argv,
    )


if __name__ == "__main__":
    main()
