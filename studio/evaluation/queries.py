"""Queries for the retrieval evaluation: excerpts of a few bars, and transposed, tempo-scaled
copies (pure functions of a song and a seeded random generator)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from studio.core.edit import transpose_song
from studio.core.errors import InvalidInput
from studio.core.music import DEFAULT_TEMPO_BPM, Note, Song, TempoChange

MIN_EXCERPT_NOTES = 8  # note onsets an excerpt query must hold
MAX_SHIFT = 6  # largest transposition of a query, in semitones
TEMPO_FACTORS = (0.75, 1.5)  # range of the tempo scaling of a copy


def excerpt(song: Song, start_bar: int, bars: int) -> Song:
    """The pitched notes sounding in bars [start_bar, start_bar + bars), starting at beat 0.

    Bars have the length of the song's first time signature. Notes are clipped to the window;
    drum tracks, controllers and pitch bends are dropped, and so are tracks left empty. The
    tempo, meter and key in effect at the window's start are kept (with later changes inside).
    """
    if start_bar < 0 or bars < 1:
        raise InvalidInput(f"bars {start_bar}+{bars}: the start must be ≥ 0 and the length ≥ 1")
    bar = song.time_signature.beats_per_bar
    low, high = start_bar * bar, (start_bar + bars) * bar
    tracks = []
    for track in song.tracks:
        notes = [
            _clip(n, low, high)
            for n in track.notes
            if n.start < high and (n.start >= low or n.end > low)
        ]
        if notes and not track.is_drum:
            tracks.append(replace(track.with_notes(notes), controls=(), pitch_bends=()))
    return replace(
        song,
        tracks=tuple(tracks),
        tempos=_window_events(song.tempos, low, high),
        time_signatures=_window_events(song.time_signatures, low, high),
        key_signatures=_window_events(song.key_signatures, low, high),
    )


def _clip(note: Note, low: float, high: float) -> Note:
    start, end = max(note.start, low), min(note.end, high)
    return Note(note.pitch, start - low, max(end - start, 0.0), note.velocity)


def _window_events(events: Sequence, low: float, high: float) -> tuple:
    """Events (with a ``beat``) in effect in [low, high), shifted so ``low`` becomes 0."""
    current = [e for e in events if e.beat <= low][-1:]
    inside = [replace(e, beat=e.beat - low) for e in events if low < e.beat < high]
    return tuple(replace(e, beat=0.0) for e in current) + tuple(inside)


def _random_shift(song: Song, rng: np.random.Generator) -> int | None:
    """A random nonzero transposition in ±1…MAX_SHIFT keeping every pitch in 0–127."""
    pitches = [n.pitch for n in song.notes] or [60]
    low, high = min(pitches), max(pitches)
    shifts = range(max(-MAX_SHIFT, -low), min(MAX_SHIFT, 127 - high) + 1)
    options = [s for s in shifts if s]
    return int(rng.choice(options)) if options else None


def random_excerpt(
    song: Song, rng: np.random.Generator, bars_range: tuple[int, int] = (4, 8)
) -> Song | None:
    """A random excerpt, transposed by a random nonzero interval in -6…+6 semitones.

    Its length is random in ``bars_range`` (inclusive; shortened to the song when needed) and it
    starts on a random bar such that it lies inside the song and holds ≥ ``MIN_EXCERPT_NOTES``
    note onsets. None when no such excerpt exists (the song is too short or too sparse).
    """
    shortest, longest = bars_range
    if not 1 <= shortest <= longest:
        raise InvalidInput(f"bars range {bars_range} must be two lengths 1 ≤ low ≤ high")
    bar = song.time_signature.beats_per_bar
    full_bars = int(song.end / bar + 1e-9)
    bars = min(int(rng.integers(shortest, longest, endpoint=True)), full_bars)
    if bars < shortest:
        return None
    onsets = np.array([n.start for n in song.notes])
    starts = np.arange(full_bars - bars + 1)
    counts = np.searchsorted(onsets, (starts + bars) * bar) - np.searchsorted(onsets, starts * bar)
    candidates = starts[counts >= MIN_EXCERPT_NOTES]
    if not len(candidates):
        return None
    part = excerpt(song, int(rng.choice(candidates)), bars)
    shift = _random_shift(part, rng)
    return None if shift is None else transpose_song(part, shift)


def scaled_copy(song: Song, rng: np.random.Generator) -> Song:
    """The song transposed by a random nonzero interval in ±1…6 and played faster or slower.

    Every tempo is multiplied by one random factor in [0.75, 1.5]; note positions in beats stay,
    so their times in seconds change. (A song whose notes span nearly all of 0–127 is not
    transposed.)
    """
    shift = _random_shift(song, rng) or 0
    factor = float(rng.uniform(*TEMPO_FACTORS))
    tempos = song.tempos or (TempoChange(0.0, DEFAULT_TEMPO_BPM),)
    scaled = tuple(TempoChange(t.beat, t.bpm * factor) for t in tempos)
    return replace(transpose_song(song, shift), tempos=scaled)
