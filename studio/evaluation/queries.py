"""Queries for the retrieval evaluation: excerpts of a few bars, and transposed copies played
faster or slower (pure functions of a song and a seeded random generator).

A copy can be slower or faster in three ways, as real files are:

- ``tempo``: its tempo map is scaled; the notes keep their beats (what a DAW's tempo does).
- ``stretched``: its notes are moved off the beat grid, each position in beats scaled, the
  tempo map kept (a time-stretched region, or a part recorded without a click).
- ``flattened``: the notes keep their times in seconds, scaled, and the file has no tempo map
  (120 BPM by default): a recorded performance, or a file whose tempo map was flattened.

``performance`` goes further: a simulated recording, its tempo drifting (slow swells of up to
``DRIFT`` either way around a random overall tempo), each note early or late by a few
milliseconds (``JITTER_SECONDS``), velocities varied, no tempo map; ``performance_excerpt``
takes ``EXCERPT_SECONDS`` of it.
"""

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
STRETCH_FACTORS = (0.7, 1.4)  # range of the time scaling of a stretched or flattened copy
COPY_KINDS = ("tempo", "stretched", "flattened")
DRIFT = 0.1  # largest swell of a performance's tempo, as a share
DRIFT_PERIOD_BEATS = (8.0, 32.0)  # how many beats a swell takes
JITTER_SECONDS = 0.015  # standard deviation of a performed note's timing
EXCERPT_SECONDS = 15.0


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


def scaled_copy(song: Song, rng: np.random.Generator, kind: str = "tempo") -> Song:
    """The song transposed by a random nonzero interval in ±1…6 and played faster or slower,
    in one of the ``COPY_KINDS`` (see the module docstring).

    ``tempo``: every tempo is multiplied by one random factor in [0.75, 1.5]; note positions in
    beats stay. ``stretched`` and ``flattened``: the notes last a random factor in [0.7, 1.4]
    times as long, in beats (tempo map kept, its changes moved with the notes) or in seconds (no
    tempo map). (A song whose notes span nearly all of 0–127 is not transposed.)
    """
    if kind not in COPY_KINDS:
        raise InvalidInput(f"copy kind {kind!r}: choose one of {', '.join(COPY_KINDS)}")
    shift = _random_shift(song, rng) or 0
    song = transpose_song(song, shift)
    if kind == "tempo":
        factor = float(rng.uniform(*TEMPO_FACTORS))
        tempos = song.tempos or (TempoChange(0.0, DEFAULT_TEMPO_BPM),)
        return replace(song, tempos=tuple(TempoChange(t.beat, t.bpm * factor) for t in tempos))
    factor = float(rng.uniform(*STRETCH_FACTORS))
    if kind == "stretched":
        return stretched(song, lambda beat: beat * factor, keep_tempo_map=True, factor=factor)
    per_second = DEFAULT_TEMPO_BPM / 60.0
    return stretched(song, lambda beat: song.beats_to_seconds(beat) * factor * per_second)


def stretched(song: Song, new_beat, *, keep_tempo_map: bool = False, factor: float = 1.0) -> Song:
    """The song with every note (and event) moved to ``new_beat(old beat)``. With
    ``keep_tempo_map`` the tempo changes move too (by ``factor``), else the song has none."""

    def moved(note: Note) -> Note:
        start = new_beat(note.start)
        return replace(note, start=start, duration=max(new_beat(note.end) - start, 0.0))

    tracks = tuple(
        replace(t.with_notes([moved(n) for n in t.notes]), controls=(), pitch_bends=())
        for t in song.tracks
    )
    tempos = tuple(replace(t, beat=t.beat * factor) for t in song.tempos) if keep_tempo_map else ()
    return replace(
        song,
        tracks=tracks,
        tempos=tempos,
        time_signatures=tuple(replace(e, beat=new_beat(e.beat)) for e in song.time_signatures),
        key_signatures=tuple(replace(e, beat=new_beat(e.beat)) for e in song.key_signatures),
    )


def performance(song: Song, rng: np.random.Generator) -> Song:
    """A simulated recording of the song, transposed by ±1…6 (see the module docstring): times
    in seconds at 120 BPM's beats, no tempo map. The overall tempo is a random factor in
    ``STRETCH_FACTORS`` of the score's, and swells sinusoidally by up to ``DRIFT``."""
    song = transpose_song(song, _random_shift(song, rng) or 0)
    factor = float(rng.uniform(*STRETCH_FACTORS))
    depth = float(rng.uniform(0.5, 1.0)) * DRIFT
    period = float(rng.uniform(*DRIFT_PERIOD_BEATS))
    phase = float(rng.uniform(0, 2 * np.pi))
    per_second = DEFAULT_TEMPO_BPM / 60.0
    # The beats are warped by the integral of a local slowness 1 + depth·sin(ω·beat + phase)
    # (increasing, as depth < 1), then turned into seconds by the score's own tempo map.
    omega = 2 * np.pi / period

    def new_beat(beat: float) -> float:
        warped = beat + depth / omega * (np.cos(phase) - np.cos(omega * beat + phase))
        return float(song.beats_to_seconds(warped) * factor * per_second)

    played = stretched(song, new_beat)
    jitter = JITTER_SECONDS * per_second

    def humanised(note: Note) -> Note:
        start = max(0.0, note.start + float(rng.normal(0, jitter)))
        velocity = int(np.clip(note.velocity + rng.normal(0, 12), 1, 127))
        return replace(note, start=start, velocity=velocity)

    tracks = tuple(t.with_notes([humanised(n) for n in t.notes]) for t in played.tracks)
    return replace(played, tracks=tracks)


def performance_excerpt(song: Song, rng: np.random.Generator) -> Song | None:
    """``EXCERPT_SECONDS`` of a ``performance`` of the song from a random note, or None when
    the performance holds fewer than ``MIN_EXCERPT_NOTES`` notes there."""
    played = performance(song, rng)
    per_second = DEFAULT_TEMPO_BPM / 60.0
    length = EXCERPT_SECONDS * per_second
    onsets = np.array(sorted(n.start for n in played.notes))
    if len(onsets) < MIN_EXCERPT_NOTES:
        return None
    latest = max(onsets[-1] - length, 0.0)
    candidates = onsets[
        (onsets <= latest)
        & (np.searchsorted(onsets, onsets + length) - np.arange(len(onsets)) >= MIN_EXCERPT_NOTES)
    ]
    if not len(candidates):
        candidates = onsets[:1]
    start = float(rng.choice(candidates))
    tracks = []
    for track in played.tracks:
        notes = [
            _clip(n, start, start + length)
            for n in track.notes
            if start <= n.start < start + length
        ]
        if notes and not track.is_drum:
            tracks.append(track.with_notes(notes))
    if sum(len(t.notes) for t in tracks) < MIN_EXCERPT_NOTES:
        return None
    return replace(played, tracks=tuple(tracks))
