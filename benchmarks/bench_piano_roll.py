"""Benchmark the piano roll's painting and edits; writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_piano_roll.py [--repeats N] [--no-write]
The roll (1200 × 700 px, offscreen) shows a melody of 10,000 or 100,000 notes (sixteenths with
a few long notes, a ghost track of whole notes, chords, a key) and repaints its visible area N
times at the default zoom while scrolling along the song, and at "zoom to fit" (every note
visible), and its velocity lane the same way. A repaint should stay well under a 60 Hz frame
(16 ms) at the default zoom; an edit of one note (moving it, one undo step) includes re-sorting
the track and rebuilding its index.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)

from studio.core.music import Note, Song, Track  # noqa: E402
from studio.core.theory import Key  # noqa: E402
from studio.gui.piano_roll import PianoRoll  # noqa: E402


def song_of(count: int, seed: int = 0) -> Song:
    """A melody of ``count`` notes, four per beat, plus a ghost track of whole notes."""
    rng = random.Random(seed)
    melody = [
        Note(
            rng.randint(55, 84),
            i * 0.25,
            rng.choice((0.25, 0.25, 0.5, 1.0, 8.0)),
            rng.randint(40, 127),
        )
        for i in range(count)
    ]
    ghost = [Note(rng.randint(40, 60), b * 4.0, 4.0, 70) for b in range(count // 16)]
    return Song(tracks=(Track(tuple(melody), name="Melody"), Track(tuple(ghost), name="Pad")))


def timed(function, repeats: int) -> float:
    """Median wall-clock milliseconds of ``repeats`` calls."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        function(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(app: QApplication, count: int, repeats: int) -> list[tuple[str, str]]:
    """Paint and edit times for a song of ``count`` notes."""
    roll = PianoRoll()
    roll.resize(1200, 700)
    roll.show()
    app.processEvents()
    song = song_of(count)
    started = time.perf_counter()
    roll.set_song(song, key=Key.parse("Dm"), chords=["Dm", "Bb", "F", "C"] * (count // 64))
    opened = (time.perf_counter() - started) * 1000
    scroll, viewport = roll.horizontalScrollBar(), roll.viewport()
    lane = roll.velocity_lane()

    def paint_scrolled(i: int, widget=viewport) -> None:
        scroll.setValue(i * scroll.maximum() // repeats)
        widget.repaint()

    scrolled = timed(paint_scrolled, repeats)
    lane_scrolled = timed(lambda i: paint_scrolled(i, lane), repeats)
    roll.select_all()
    selected = timed(paint_scrolled, repeats)
    lane_selected = timed(lambda i: paint_scrolled(i, lane), repeats)
    roll.zoom_fit()
    fitted = timed(lambda _i: viewport.repaint(), max(3, repeats // 10))
    lane_fitted = timed(lambda _i: lane.repaint(), max(3, repeats // 10))
    roll.set_song(song)
    note = roll.song().tracks[0].notes[count // 2]
    roll.ensure_visible(note.start, note.pitch)
    roll.set_tool("select")
    at = QPoint(int(roll.beat_to_x(note.start + 0.1)), int(roll.pitch_to_y(note.pitch)))
    QTest.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert len(roll.selected_indices()) == 1
    arrows = (Qt.Key.Key_Right, Qt.Key.Key_Left)
    edit = timed(lambda i: QTest.keyClick(viewport, arrows[i % 2]), max(5, repeats // 10))
    lane_edited = timed(  # zoomed out, the lane's first paint after an edit indexes velocities
        lambda i: (QTest.keyClick(viewport, arrows[i % 2]), lane.repaint()), max(5, repeats // 10)
    )
    undo = timed(lambda _i: roll.undo_stack.undo(), max(5, repeats // 10))
    roll.close()
    return [
        (f"{count:,} notes: open (set_song)", f"{opened:.0f} ms"),
        (f"{count:,} notes: repaint at default zoom, scrolling", f"{scrolled:.1f} ms"),
        (f"{count:,} notes: repaint, all selected", f"{selected:.1f} ms"),
        (f"{count:,} notes: repaint at zoom to fit (all visible)", f"{fitted:.1f} ms"),
        (f"{count:,} notes: move one note (one undo step)", f"{edit:.1f} ms"),
        (f"{count:,} notes: velocity lane repaint, scrolling", f"{lane_scrolled:.1f} ms"),
        (f"{count:,} notes: velocity lane repaint, all selected", f"{lane_selected:.1f} ms"),
        (f"{count:,} notes: velocity lane repaint at zoom to fit", f"{lane_fitted:.1f} ms"),
        (f"{count:,} notes: move one note + lane repaint, zoomed to fit", f"{lane_edited:.1f} ms"),
        (f"{count:,} notes: undo", f"{undo:.1f} ms"),
    ]


def main() -> None:
    """Measure, print and (unless --no-write) record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=100, help="repaints per measurement")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    arguments = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    rows = [row for count in (10_000, 100_000) for row in measure(app, count, arguments.repeats)]
    record(
        "piano-roll", "Piano roll",
        f"`python benchmarks/bench_piano_roll.py --repeats {arguments.repeats}` ({machine()}, "
        "offscreen Qt, 1200 × 700 px; median of the repaints)",
        ("what", "median time"), rows, write=not arguments.no_write,
    )  # fmt: skip


if __name__ == "__main__":
    main()
