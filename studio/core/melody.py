"""Finding the melody in polyphonic music.

``extract_melody`` turns chords and voices into one monophonic line (at most one note sounding at
any time); ``is_monophonic`` checks that property. Times are in **beats** (quarter notes).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from itertools import groupby

from studio.core.errors import InvalidInput
from studio.core.music import Note, Track

TOLERANCE = 1e-9
"""Overlaps up to this many beats are rounding noise, not two notes sounding at once."""


def _notes_of(notes_or_track: Sequence[Note] | Track) -> tuple[Note, ...]:
    if isinstance(notes_or_track, Track):
        return () if notes_or_track.is_drum else notes_or_track.notes
    return tuple(notes_or_track)


def is_monophonic(notes_or_track: Sequence[Note] | Track) -> bool:
    """True when no two notes sound at the same time.

    A note may start exactly where the previous one ends (overlaps up to ``TOLERANCE`` beats are
    ignored); zero-length notes never sound, so they never break the rule.
    """
    latest_end = float("-inf")
    for note in sorted(_notes_of(notes_or_track), key=lambda n: n.start):
        if note.duration <= 0:
            continue
        if note.start < latest_end - TOLERANCE:
            return False
        latest_end = max(latest_end, note.end)
    return True


def _drop_ornaments(notes: list[Note], min_duration: float, interval: int) -> list[Note]:
    """Remove notes shorter than ``min_duration`` beats that a nearby longer note covers.

    A long note covers a short one when its pitch is at most ``interval`` semitones away and it
    sounds at some time between the short note's start and ``min_duration`` beats after the
    short note's end (so both a trill on a held note and a grace note just before its main note
    count).
    """
    long_notes = sorted((n for n in notes if n.duration >= min_duration), key=lambda n: n.start)
    if not long_notes or len(long_notes) == len(notes):
        return notes
    starts = [n.start for n in long_notes]
    longest = max(n.duration for n in long_notes)

    def covered(short: Note) -> bool:
        first = bisect.bisect_left(starts, short.start - longest)
        last = bisect.bisect_right(starts, short.end + min_duration)
        return any(
            abs(n.pitch - short.pitch) <= interval and n.end > short.start
            for n in long_notes[first:last]
        )

    return [n for n in notes if n.duration >= min_duration or not covered(n)]


def extract_melody(
    notes_or_track: Sequence[Note] | Track,
    *,
    min_duration: float = 0.125,
    ornament_interval: int = 2,
    max_hold: float = 2.0,
    max_overlap: float = 0.125,
) -> tuple[Note, ...]:
    """Extract a monophonic melody (the top line) from polyphonic notes.

    The algorithm is the classic *skyline* (at each onset the highest note wins) with four
    refinements. All durations are in beats.

    1. **Ornaments.** A note shorter than ``min_duration`` is ignored when a longer note at most
       ``ornament_interval`` semitones away sounds during it or begins within ``min_duration``
       after it ends: grace notes, trills and mordents then do not replace their main note.
       Short notes with no such neighbour (a fast run on its own) are kept.
    2. **Onsets.** Notes are visited by onset; of the notes starting together the highest one
       (then the longest) is the candidate. The candidate becomes the next melody note when no
       melody note is still sounding, or when it is at least as high as the sounding one.
    3. **Held notes.** A candidate *below* a still-sounding melody note takes over anyway when
       that note has already sounded for ``max_hold`` beats (so one long high note does not hide
       the line moving beneath it), or when it ends within ``max_overlap`` beats (legato
       playing, where each note overlaps the next a little).
    4. **Trimming.** Each melody note is cut where the next melody note begins, so at most one
       note sounds at a time. A note cut to less than ``min_duration`` is dropped (a chord
       struck a moment before the melody note above it).

    Args:
        notes_or_track: the notes, or a track (a drum track gives an empty melody).
        min_duration: beats; shorter notes count as ornaments (see 1 and 4).
        ornament_interval: semitones; how close an ornament is to the note it decorates.
        max_hold: beats a note may hide lower onsets (see 3).
        max_overlap: beats of legato overlap a lower next note may have (see 3).

    Returns:
        The melody notes in time order, with their original pitch, start and velocity.
    """
    if min_duration < 0 or max_hold < 0 or max_overlap < 0 or ornament_interval < 0:
        raise InvalidInput("melody extraction settings must not be negative")
    notes = [n for n in _notes_of(notes_or_track) if n.duration > 0]
    notes = _drop_ornaments(notes, min_duration, ornament_interval)
    notes.sort(key=lambda n: n.start)

    chosen: list[Note] = []
    for onset, group in groupby(notes, key=lambda n: n.start):
        candidate = max(group, key=lambda n: (n.pitch, n.duration, n.velocity))
        if chosen and chosen[-1].end > onset + TOLERANCE:
            held = chosen[-1]
            if not (
                candidate.pitch >= held.pitch
                or onset - held.start >= max_hold
                or held.end - onset <= max_overlap
            ):
                continue
        chosen.append(candidate)

    melody: list[Note] = []
    for i, note in enumerate(chosen):
        following = chosen[i + 1] if i + 1 < len(chosen) else None
        if following is not None and note.end > following.start:
            note = replace(note, duration=following.start - note.start)
            if note.duration < min_duration:
                continue
        melody.append(note)
    return tuple(melody)


__all__ = ["extract_melody", "is_monophonic"]
