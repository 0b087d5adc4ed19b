"""Benchmark offline rendering (FluidSynth); writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_render.py
Target (DESIGN.md): a 60 s, 4-voice General MIDI song renders ≥ 100× faster than real time.
Two 60 s songs are built here: four piano lines, and four GM parts (piano, electric piano, bass,
drums). Each is rendered 5 times at 44.1 kHz with the default SoundFont; the median counts.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)

SECONDS = 60.0
TEMPO = 120.0
RUNS = 5


def four_voice_song(programs: tuple[int, int, int, int], drums: bool):
    """A 60 s song at 120 BPM: melody in eighths, harmony in quarters, bass in halves, and a
    fourth line (eighth-note drums, or a second melody in eighths)."""
    from studio.core.music import Note, Song, TempoChange, Track

    beats = SECONDS * TEMPO / 60
    scale = [0, 2, 4, 5, 7, 9, 11, 12]

    def line(step: float, base: int, stride: int, velocity: int) -> tuple[Note, ...]:
        count = int(beats / step)
        return tuple(
            Note(base + scale[(i * stride) % len(scale)], i * step, step, velocity)
            for i in range(count)
        )

    tracks = [
        Track(line(0.5, 72, 3, 96), program=programs[0], name="melody"),
        Track(line(1.0, 60, 5, 80), program=programs[1], name="harmony"),
        Track(line(2.0, 36, 4, 90), program=programs[2], name="bass"),
    ]
    if drums:
        hits = tuple(
            Note(36 if i % 4 == 0 else 38 if i % 4 == 2 else 42, i * 0.5, 0.25, 100)
            for i in range(int(beats / 0.5))
        )  # fmt: skip
        tracks.append(Track(hits, is_drum=True, name="drums"))
    else:
        tracks.append(Track(line(0.5, 67, 2, 85), program=programs[3], name="counter"))
    return Song(tuple(tracks), tempos=(TempoChange(0, TEMPO),), title="benchmark")


def measure(song) -> tuple[float, float, float]:
    """(median seconds to render, audio seconds, peak level) over RUNS renders."""
    import numpy as np

    from studio.audio.render import render_song
    from studio.audio.synth import Synth

    times = []
    with Synth() as synth:
        for _ in range(RUNS):
            start = time.perf_counter()
            audio = render_song(song, synth=synth)
            times.append(time.perf_counter() - start)
    return statistics.median(times), len(audio) / synth.sample_rate, float(np.abs(audio).max())


def main() -> None:
    """Measure, print and record."""
    from studio.audio.synth import Synth, default_soundfont

    start = time.perf_counter()
    Synth().close()
    load_ms = (time.perf_counter() - start) * 1000

    rows = []
    songs = [
        ("60 s, 4 piano lines (GM piano, 4 voices)", four_voice_song((0, 0, 0, 0), False)),
        ("60 s, piano + e-piano + bass + drums", four_voice_song((0, 4, 32, 0), True)),
    ]
    for label, song in songs:
        render_s, audio_s, peak = measure(song)
        speed = audio_s / render_s
        rows.append((label, f"{render_s * 1000:.0f} ms for {audio_s:.0f} s",
                     f"**{speed:.0f}×** real time", f"≥ 100× (peak level {peak:.2f})"))  # fmt: skip
    rows.append(("create a synth and load the SoundFont", f"{load_ms:.0f} ms", "", "once per use"))

    record(
        "render", "Offline rendering",
        f"`python benchmarks/bench_render.py` ({machine()}, 2 cores, FluidSynth, SoundFont "
        f"`{default_soundfont().name}`, 44.1 kHz stereo float32, median of {RUNS}; the song "
        "length includes the 1 s tail)",
        ("what", "time", "speed", "target / note"), rows,
    )  # fmt: skip


if __name__ == "__main__":
    main()
