"""Benchmark MIDI reading and writing; writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_midi_io.py
Indexing a library needs ≥ 300 files/s including embeddings (DESIGN.md), so reading must be
well above that. Files are generated (a four-track song of typical size), so the run needs no
data and is repeatable.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)

from studio.core import Note, Song, TempoChange, Track  # noqa: E402
from studio.core.midi_read import read_midi  # noqa: E402
from studio.core.midi_write import midi_bytes  # noqa: E402


def typical_song(seed: int, bars: int = 64) -> Song:
    """A song like a typical library file: melody, chords, bass and drums, ~2,000 notes."""
    rng = random.Random(seed)
    melody, chords, bass, drums = [], [], [], []
    for bar in range(bars):
        root = rng.choice([0, 5, 7, 9])
        for step in range(8):
            melody.append(Note(72 + rng.randint(-7, 7), bar * 4 + step * 0.5, 0.5, 90))
        for pitch in (root, root + 4, root + 7):
            chords.append(Note(60 + pitch, bar * 4, 4, 70))
        bass.extend(Note(36 + root, bar * 4 + beat, 1, 100) for beat in range(4))
        for step in range(8):
            drums.append(Note(36 + 2 * (step % 2), bar * 4 + step * 0.5, 0.25, 110))
    return Song(
        tracks=(
            Track(tuple(melody), program=73),
            Track(tuple(chords), program=0),
            Track(tuple(bass), program=33),
            Track(tuple(drums), is_drum=True),
        ),
        tempos=(TempoChange(0, 120),),
    )


def timed(function, repeats: int) -> list[float]:
    """Wall-clock seconds of each of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Measure, print and record the results."""
    songs = [typical_song(seed) for seed in range(20)]
    files = [midi_bytes(song) for song in songs]
    notes = sum(len(t.notes) for t in songs[0].tracks)
    read = timed(lambda: [read_midi(data) for data in files], repeats=10)
    write = timed(lambda: [midi_bytes(song) for song in songs], repeats=3)
    read_per_file = statistics.median(read) / len(files)
    write_per_file = statistics.median(write) / len(songs)
    rows = [
        (
            "read a typical file (4 tracks, "
            f"{notes:,} notes, {len(files[0]) // 1024} KB) into a Song",
            f"{read_per_file * 1000:.2f} ms",
            f"{1 / read_per_file:,.0f} files/s",
        ),
        (
            "write the same song as type-1 MIDI bytes",
            f"{write_per_file * 1000:.2f} ms",
            f"{1 / write_per_file:,.0f} files/s",
        ),
    ]
    record(
        "midi-io", "MIDI I/O",
        f"`python benchmarks/bench_midi_io.py` ({machine()}, median of repeated runs)",
        ("what", "time per file", "throughput"), rows,
    )  # fmt: skip


if __name__ == "__main__":
    main()
