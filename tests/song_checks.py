"""What makes a ``Song`` valid, checked field by field, for the fuzz and property tests.

``Note`` and ``Track`` check much of this when they are built; these checks also catch what their
constructors let through (NaN or infinite times, a track whose notes are out of order) and say
exactly which note is wrong. Times are in **beats**.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from studio.core.music import Note, Song, note_order


def note_problems(notes: Iterable[Note], min_velocity: int = 0) -> list[str]:
    """Why ``notes`` (one track's, in its order) are not valid; [] when they are.

    Valid: in playing order, pitches 0–127, velocities ``min_velocity``–127, starts ≥ 0 and
    durations ≥ 0, all finite.
    """
    problems, previous = [], None
    for i, note in enumerate(notes):
        if not (isinstance(note.pitch, int) and 0 <= note.pitch <= 127):
            problems.append(f"note {i}: pitch {note.pitch!r}")
        if not (isinstance(note.velocity, int) and min_velocity <= note.velocity <= 127):
            problems.append(f"note {i}: velocity {note.velocity!r}")
        if not (math.isfinite(note.start) and note.start >= 0):
            problems.append(f"note {i}: start {note.start!r}")
        if not (math.isfinite(note.duration) and note.duration >= 0):
            problems.append(f"note {i}: duration {note.duration!r}")
        if previous is not None and note_order(previous) > note_order(note):
            problems.append(f"note {i} is out of order: {previous} before {note}")
        previous = note
    return problems


def song_problems(song: Song, min_velocity: int = 0) -> list[str]:
    """Why ``song`` is not valid; [] when it is (notes as in ``note_problems``; programs
    0–127; tempos positive and finite; every event list in time order at beats ≥ 0)."""
    problems = []
    if not (isinstance(song.ticks_per_beat, int) and song.ticks_per_beat > 0):
        problems.append(f"ticks per beat {song.ticks_per_beat!r}")
    for t, track in enumerate(song.tracks):
        if not 0 <= track.program <= 127:
            problems.append(f"track {t}: program {track.program}")
        problems += [f"track {t}, {p}" for p in note_problems(track.notes, min_velocity)]
    for tempo in song.tempos:
        if not (math.isfinite(tempo.bpm) and tempo.bpm > 0):
            problems.append(f"tempo {tempo.bpm!r} BPM")
    for name in ("tempos", "time_signatures", "key_signatures"):
        beats = [event.beat for event in getattr(song, name)]
        if beats != sorted(beats) or not all(math.isfinite(b) and b >= 0 for b in beats):
            problems.append(f"{name} at beats {beats} are not in order from beat 0")
    return problems


def assert_valid_song(song: Song, min_velocity: int = 0) -> None:
    """Fail with every problem of ``song`` listed (see ``song_problems``)."""
    problems = song_problems(song, min_velocity)
    assert not problems, "invalid song: " + "; ".join(problems[:10])
