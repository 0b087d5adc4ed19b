"""Benchmark offline rendering (FluidSynth); writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_render.py
Target (DESIGN.md): a 60 s, 4-voice General MIDI song renders ≥ 100× faster than real time.
Three 60 s songs are built here: four piano lines, four GM parts (piano, electric piano, bass,
drums), and a dense piano piece (sixteenths over block chords, pedal held for each bar: ~20
notes a second, up to ~100 voices with FluidR3_GM). Each is rendered 5 times at 44.1 kHz with
the default SoundFont and the synth's default reverb and chorus, the way an export renders
(``render_audio``: a new offline synth each time, its creation included); the median counts.
One more row renders the four piano lines on the player loader's synth (one thread, every
sample loaded up front), for comparison.
"""

from __future__ import annotations

import os
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


def dense_piano_song():
    """60 s of dense piano at 120 BPM: right-hand sixteenths over two octaves, left-hand
    eighths, a four-note chord on every beat, and the sustain pedal re-taken every bar."""
    from studio.core.music import ControlChange, Note, Song, TempoChange, Track

    chords = [(48, 52, 55, 60), (45, 48, 52, 57), (41, 45, 48, 53), (43, 47, 50, 55)]
    notes, pedal = [], []
    for bar in range(int(SECONDS * TEMPO / 60 / 4)):
        chord, start = chords[bar % 4], bar * 4.0
        pedal += [ControlChange(start, 64, 0), ControlChange(start + 0.05, 64, 127)]
        for i in range(16):
            pitch = chord[i % 4] + 24 + 12 * ((i // 4) % 2)
            notes.append(Note(pitch, start + i * 0.25, 0.25, 70 + (i % 4) * 10))
        notes += [Note(chord[i % 4] - 12, start + i * 0.5, 0.5, 75) for i in range(8)]
        notes += [Note(pitch + 12, start + beat, 1.0, 85) for beat in range(4) for pitch in chord]
    notes.sort(key=lambda note: (note.start, note.pitch))
    piano = Track(tuple(notes), program=0, name="piano", controls=tuple(pedal))
    return Song((piano,), tempos=(TempoChange(0, TEMPO),), title="dense piano")


def measure(song, live: bool = False) -> tuple[float, float, float]:
    """(median seconds to render, audio seconds, peak level) over RUNS renders: as an export
    renders (``render_audio``), or with ``live`` on one reused live synth (the player's)."""
    import numpy as np

    from studio.audio.render import render_audio, render_song
    from studio.audio.synth import Synth

    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        if live:
            with Synth() as synth:
                synth_made = time.perf_counter()
                audio = render_song(song, synth=synth)
                start += synth_made - start  # the player's synth is made once, not per song
        else:
            audio = render_audio(song).audio
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(audio) / 44100, float(np.abs(audio).max())


def creation_ms(offline: bool) -> float:
    """Median milliseconds to create a synth and load the default SoundFont."""
    from studio.audio.synth import Synth

    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        Synth(offline=offline).close()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    """Measure, print and record."""
    from studio.audio.synth import (
        DEFAULT_REVERB,
        INTERPOLATION,
        OFFLINE_THREADS,
        POLYPHONY,
        default_soundfont,
    )

    load = os.getloadavg()[0]
    piano = four_voice_song((0, 0, 0, 0), False)
    songs = [
        ("60 s, 4 piano lines (GM piano, 4 voices)", piano, False, "≥ 100×"),
        ("60 s, piano + e-piano + bass + drums", four_voice_song((0, 4, 32, 0), True), False,
         "≥ 100×"),
        ("60 s, dense piano (~20 notes/s, pedal)", dense_piano_song(), False,
         "a stress case: 5× the notes of the target's 4-voice song"),
        ("60 s, 4 piano lines on the player's live synth (1 thread)", piano, True,
         "the player's loader: re-renders after an edit"),
    ]  # fmt: skip
    rows = []
    for label, song, live, target in songs:
        render_s, audio_s, peak = measure(song, live)
        speed = audio_s / render_s
        timing = f"{render_s * 1000:.0f} ms for {audio_s:.0f} s"
        note = f"{target} (peak level {peak:.2f})"
        rows.append((label, timing, f"**{speed:.0f}×** real time", note))
    rows.append(("create an offline synth (samples loaded as used)",
                 f"{creation_ms(True):.0f} ms", "", "included in the rows above"))  # fmt: skip
    rows.append(("create a live synth (every sample loaded)", f"{creation_ms(False):.0f} ms", "",
                 "once, when the player opens"))  # fmt: skip

    record(
        "render", "Offline rendering",
        f"`python benchmarks/bench_render.py` ({machine()}, 2 cores, load average {load:.1f} at "
        f"the start, FluidSynth, SoundFont `{default_soundfont().name}`, reverb {DEFAULT_REVERB}, "
        f"chorus on, {POLYPHONY} voices, interpolation order {INTERPOLATION}, 44.1 kHz stereo "
        f"float32, {OFFLINE_THREADS} render threads offline, median of {RUNS}; the song length "
        f"includes the 1 s tail)",
        ("what", "time", "speed", "target / note"), rows,
    )  # fmt: skip


if __name__ == "__main__":
    main()
