"""Editing operations on notes, as pure functions.

The piano roll's undo commands call these: each takes a sequence of ``Note`` (or a ``Track``) and
returns a new object, never changing its argument. Times are in **beats** (quarter notes), pitches
are MIDI note numbers, velocities MIDI velocities.

Conventions:
    * ``indices`` selects notes by position in the sequence (in ``track.notes`` for a track);
      ``None`` means every note. An index outside the sequence raises ``InvalidInput``.
    * Given a sequence, the one-to-one operations (transpose, quantize, move, resize, velocity,
      legato, stretch) return a tuple in the same order, so a selection's indices stay valid.
      ``delete_notes`` drops the selected positions and ``add_note`` appends at the end.
    * Given a ``Track``, they return a ``Track`` (whose notes are kept in playing order).
    * A bad argument raises ``InvalidInput`` and nothing changes.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from itertools import pairwise
from typing import TypeVar

from studio.core.errors import InvalidInput
from studio.core.music import KeySignature, Note, Song, Track, sorted_notes
from studio.core.theory import pitch_name

NoteSource = TypeVar("NoteSource", Sequence[Note], Track)
"""Either a sequence of notes (the result is a tuple) or a track (the result is a track)."""


def _notes_of(source: Sequence[Note] | Track) -> tuple[Note, ...]:
    return source.notes if isinstance(source, Track) else tuple(source)


def _rewrap(source: NoteSource, notes: Iterable[Note]) -> NoteSource:
    if isinstance(source, Track):
        return source.with_notes(notes)
    return tuple(notes)


def _selection(notes: Sequence[Note], indices: Collection[int] | None) -> set[int]:
    """Validate ``indices`` against ``notes`` and return them as a set."""
    if indices is None:
        return set(range(len(notes)))
    selected = set()
    for index in indices:
        if not isinstance(index, numbers.Integral) or not 0 <= index < len(notes):
            raise InvalidInput(f"note index {index!r} is not between 0 and {len(notes) - 1}")
        selected.add(int(index))
    return selected


def _map_selected(
    source: NoteSource, indices: Collection[int] | None, change: Callable[[Note], Note]
) -> NoteSource:
    """Apply ``change(note) -> Note`` to the selected notes, keeping the others as they are."""
    notes = _notes_of(source)
    selected = _selection(notes, indices)
    return _rewrap(source, (change(n) if i in selected else n for i, n in enumerate(notes)))


def transpose(
    notes: NoteSource, semitones: int, indices: Collection[int] | None = None
) -> NoteSource:
    """Shift the pitch of the selected notes by ``semitones``.

    Raises:
        InvalidInput: if a note would leave the MIDI range 0–127 (the message names the note).
    """
    if not isinstance(semitones, numbers.Integral):
        raise InvalidInput(f"transposition {semitones!r} must be a whole number of semitones")
    semitones = int(semitones)

    def shift(note: Note) -> Note:
        pitch = note.pitch + semitones
        if not 0 <= pitch <= 127:
            raise InvalidInput(
                f"transposing by {semitones:+d} moves {pitch_name(note.pitch)} at beat "
                f"{note.start:g} to pitch {pitch}, outside the MIDI range 0–127"
            )
        return replace(note, pitch=pitch)

    return _map_selected(notes, indices, shift)


def transpose_song(song: Song, semitones: int) -> Song:
    """Transpose every pitched track and the stated keys; drum tracks stay as they are."""
    tracks = tuple(t if t.is_drum else transpose(t, semitones) for t in song.tracks)
    keys = tuple(
        KeySignature(k.beat, (k.tonic + semitones) % 12, k.mode) for k in song.key_signatures
    )
    return replace(song, tracks=tracks, key_signatures=keys)


def _grid_point(k: int, grid: float, swing: float) -> float:
    """Position in beats of grid point ``k``; odd (off-beat) points are delayed by the swing."""
    return k * grid + (swing * grid / 2 if k % 2 else 0.0)


def _nearest_grid_point(beat: float, grid: float, swing: float, minimum: float = 0.0) -> float:
    """The grid point nearest ``beat`` (the earlier one on a tie) that is ≥ ``minimum``."""
    if beat / grid > 2.0**52:
        # A grid finer than a float can tell apart at this beat (a script's grid=1e-300): the
        # points k·grid stop moving as k grows and the walk below would never end.
        return max(beat, minimum)
    k = max(0, math.floor(beat / grid) - 1)
    best = math.inf
    while True:  # grid points increase with k, so stop at the first one past beat and minimum
        point = _grid_point(k, grid, swing)
        if point >= minimum and abs(point - beat) < abs(best - beat):
            best = point
        if point >= beat and point >= minimum:
            return best
        k += 1


def quantize(
    notes: NoteSource,
    grid: float = 0.25,
    strength: float = 1.0,
    swing: float = 0.0,
    quantize_ends: bool = False,
    indices: Collection[int] | None = None,
) -> NoteSource:
    """Move note starts towards a (possibly swung) grid.

    Args:
        grid: grid step in beats (0.25 = sixteenth notes, 0.5 = eighth notes).
        strength: 0–1; each start moves this fraction of the way to its nearest grid point
            (1 = exactly onto the grid, 0 = no change).
        swing: 0–1; grid point ``k`` lies at ``k * grid`` beats, except odd (off-beat) points,
            which are delayed by ``swing * grid / 2`` beats. So 0 is straight, 2/3 gives a
            triplet feel (pairs played 2:1) and 1 a dotted feel (3:1).
        quantize_ends: also move note ends to the grid (with the same strength); a note's end
            snaps to at least the grid point after its start, so it never collapses to zero.
            Otherwise durations are kept.
        indices: the notes to quantize (None = all).

    Starts never become negative (grid points start at beat 0).
    """
    if not grid > 0:
        raise InvalidInput(f"quantize grid {grid} beats must be positive")
    if not 0 <= strength <= 1:
        raise InvalidInput(f"quantize strength {strength} must be between 0 and 1")
    if not 0 <= swing <= 1:
        raise InvalidInput(f"swing {swing} must be between 0 and 1")

    def toward(value: float, target: float) -> float:
        return target if strength == 1 else max(0.0, value + strength * (target - value))

    def snap(note: Note) -> Note:
        if strength == 0:
            return note
        target_start = _nearest_grid_point(note.start, grid, swing)
        start = toward(note.start, target_start)
        if not quantize_ends:
            return replace(note, start=start)
        # Grid points are at least half a step apart, so this floor excludes only target_start.
        floor = target_start + (grid / 4 if note.duration > 0 else 0.0)
        end = toward(note.end, _nearest_grid_point(note.end, grid, swing, minimum=floor))
        return replace(note, start=start, duration=max(0.0, end - start))

    return _map_selected(notes, indices, snap)


def move_notes(
    notes: NoteSource, indices: Collection[int] | None, beats: float = 0.0, semitones: int = 0
) -> NoteSource:
    """Move the selected notes by ``beats`` in time and ``semitones`` in pitch.

    Raises:
        InvalidInput: if a note would start before beat 0 or leave the pitch range 0–127.
    """
    # Both steps work on the notes in their given order: a track would re-sort its notes after
    # the transposition, and the indices would then select other notes for the time shift.
    moved = transpose(_notes_of(notes), semitones, indices)

    def shift(note: Note) -> Note:
        if note.start + beats < 0:
            raise InvalidInput(
                f"moving by {beats:g} beats puts {pitch_name(note.pitch)} at beat "
                f"{note.start:g} before the start of the song"
            )
        return replace(note, start=note.start + beats) if beats else note

    return _rewrap(notes, _map_selected(moved, indices, shift))


def resize_notes(
    notes: NoteSource,
    indices: Collection[int] | None,
    delta: float | None = None,
    duration: float | None = None,
) -> NoteSource:
    """Lengthen the selected notes by ``delta`` beats, or set their ``duration`` in beats.

    Give exactly one of the two. A negative ``delta`` shortens notes, down to zero length.
    """
    if (delta is None) == (duration is None):
        raise InvalidInput("resize needs exactly one of delta or duration")
    if duration is not None and duration < 0:
        raise InvalidInput(f"note duration {duration} beats is negative")

    def resize(note: Note) -> Note:
        new = duration if duration is not None else max(0.0, note.duration + delta)
        return replace(note, duration=new)

    return _map_selected(notes, indices, resize)


def delete_notes(notes: NoteSource, indices: Collection[int]) -> NoteSource:
    """Remove the notes at ``indices``; the others keep their order."""
    source = _notes_of(notes)
    selected = _selection(source, indices)
    return _rewrap(notes, (n for i, n in enumerate(source) if i not in selected))


def set_velocity(
    notes: NoteSource,
    indices: Collection[int] | None,
    velocity: int | None = None,
    scale: float | None = None,
    delta: int | None = None,
) -> NoteSource:
    """Change the velocity of the selected notes; give exactly one way.

    Args:
        velocity: set this velocity (1–127).
        scale: multiply each velocity by this factor (≥ 0), rounding to the nearest integer.
        delta: add this amount to each velocity.

    Results of ``scale`` and ``delta`` are clamped to 1–127.
    """
    if sum(x is not None for x in (velocity, scale, delta)) != 1:
        raise InvalidInput("set_velocity needs exactly one of velocity, scale or delta")
    if velocity is not None and not 1 <= velocity <= 127:
        raise InvalidInput(f"velocity {velocity} is outside the range 1–127")
    if scale is not None and not 0 <= scale < math.inf:
        raise InvalidInput(f"velocity scale {scale} must be a finite number ≥ 0")

    def change(note: Note) -> Note:
        if velocity is not None:
            new = velocity
        elif scale is not None:
            new = math.floor(min(note.velocity * scale, 127.0) + 0.5)  # 127 * 1e307 is inf
        else:
            new = note.velocity + delta
        return replace(note, velocity=int(min(127, max(1, new))))

    return _map_selected(notes, indices, change)


def add_note(notes: NoteSource, note: Note) -> NoteSource:
    """Add ``note``; in a sequence it goes at the end, so its index is the old length."""
    if not isinstance(note, Note):
        raise InvalidInput(f"{note!r} is not a note")
    return _rewrap(notes, (*_notes_of(notes), note))


def legato(notes: NoteSource, indices: Collection[int] | None = None) -> NoteSource:
    """Lengthen (or shorten) each selected note to end where the next later onset begins.

    The next onset is the first start after the note's start among all notes, so the notes of a
    chord all end together. Notes after the last onset keep their duration.
    """
    source = _notes_of(notes)
    onsets = sorted({n.start for n in source})
    next_onset = dict(pairwise(onsets))

    def extend(note: Note) -> Note:
        following = next_onset.get(note.start)
        return note if following is None else replace(note, duration=following - note.start)

    return _map_selected(notes, indices, extend)


def stretch(notes: NoteSource, factor: float, indices: Collection[int] | None = None) -> NoteSource:
    """Scale starts and durations by ``factor`` around beat 0 (2 = half speed, 0.5 = double)."""
    if not factor > 0:
        raise InvalidInput(f"stretch factor {factor} must be positive")
    return _map_selected(
        notes,
        indices,
        lambda n: replace(n, start=n.start * factor, duration=n.duration * factor),
    )


def remove_overlaps(notes: NoteSource) -> NoteSource:
    """Trim overlapping notes of the same pitch so each ends where the next one begins.

    Of several notes with the same pitch and start only the longest is kept. The result is in
    playing order (positions change, so old indices are not valid afterwards).
    """
    by_pitch: dict[int, list[Note]] = {}
    for note in sorted(_notes_of(notes), key=lambda n: (n.start, -n.duration)):
        same = by_pitch.setdefault(note.pitch, [])
        if same and same[-1].start == note.start:
            continue  # a shorter duplicate of the note just kept
        if same and same[-1].end > note.start:
            same[-1] = replace(same[-1], duration=note.start - same[-1].start)
        same.append(note)
    return _rewrap(notes, sorted_notes(n for group in by_pitch.values() for n in group))


def settle_same_pitch(
    notes: Sequence[Note], edited: Sequence[bool], ticks_per_beat: int
) -> tuple[Note, ...]:
    """``notes`` after an edit, the edited notes settled with the others of their pitch.

    A note that the edit touched, or inside which an edited or settled note of its pitch
    starts, ends where the first note of its pitch that starts inside it (later, to the MIDI
    tick) begins, as a held key ends when it is struck again. Notes the edit did not reach
    stay as they are, even overlapping (as a file read them); notes keep their positions.

    Why: in a MIDI file a pitch's note-offs are paired with its note-ons first in, first out,
    so a note held inside another of its pitch would read back with the two ends swapped, and
    the song saved would not be the song shown. Notes that start together read back as saved.
    """
    if len(edited) != len(notes):
        raise InvalidInput(f"{len(edited)} edited flags for {len(notes)} notes")

    def tick(beats: float) -> int:
        return round(beats * ticks_per_beat)

    result = list(notes)
    pitches = {note.pitch for note, changed in zip(notes, edited, strict=True) if changed}
    by_pitch: dict[int, list[int]] = {}
    for i, note in enumerate(notes):
        if note.pitch in pitches:
            by_pitch.setdefault(note.pitch, []).append(i)
    for indices in by_pitch.values():
        indices.sort(key=lambda i: tick(notes[i].start))
        starts = [tick(notes[i].start) for i in indices]
        # from the last note back: a note is settled if it was edited or a settled note
        # starts inside it; settled_after[k] counts the settled notes from position k on
        settled_after = [0] * (len(indices) + 1)
        for k in range(len(indices) - 1, -1, -1):
            note = notes[indices[k]]
            first = bisect.bisect_right(starts, starts[k])  # the first later start…
            inside = bisect.bisect_left(starts, tick(note.end))  # …and those before the end
            holds = first < inside  # another note of the pitch starts inside this one
            settled = edited[indices[k]] or (holds and settled_after[first] > settled_after[inside])
            if settled and holds:
                end = notes[indices[first]].start
                result[indices[k]] = replace(note, duration=end - note.start)
            settled_after[k] = settled_after[k + 1] + settled
    return tuple(result)


def merge_tracks(
    tracks: Sequence[Track], name: str | None = None, program: int | None = None
) -> Track:
    """Combine tracks into one, with all their notes, controls and pitch bends.

    The name and program default to those of the first track. Drum and pitched tracks cannot
    be merged with each other.
    """
    if not tracks:
        raise InvalidInput("merging needs at least one track")
    if len({t.is_drum for t in tracks}) > 1:
        raise InvalidInput("cannot merge drum tracks with pitched tracks")
    first = tracks[0]
    return Track(
        notes=sorted_notes(n for t in tracks for n in t.notes),
        program=first.program if program is None else program,
        is_drum=first.is_drum,
        name=first.name if name is None else name,
        controls=tuple(sorted((c for t in tracks for c in t.controls), key=lambda c: c.beat)),
        pitch_bends=tuple(sorted((b for t in tracks for b in t.pitch_bends), key=lambda b: b.beat)),
    )


def split_track(track: Track, split_pitch: int = 60) -> tuple[Track, Track]:
    """Split a track by pitch into (upper, lower), like right and left hand of a piano part.

    Notes with pitch ≥ ``split_pitch`` go to the upper track, the others to the lower one. Both
    keep the program, controls (e.g. the sustain pedal) and pitch bends of the original.
    """
    if not 0 <= split_pitch <= 128:
        raise InvalidInput(f"split pitch {split_pitch} is outside the range 0–128")
    upper = [n for n in track.notes if n.pitch >= split_pitch]
    lower = [n for n in track.notes if n.pitch < split_pitch]
    return (
        replace(track, notes=tuple(upper), name=f"{track.name} (upper)".lstrip()),
        replace(track, notes=tuple(lower), name=f"{track.name} (lower)".lstrip()),
    )


__all__ = [
    "add_note",
    "delete_notes",
    "legato",
    "merge_tracks",
    "move_notes",
    "quantize",
    "remove_overlaps",
    "resize_notes",
    "set_velocity",
    "settle_same_pitch",
    "split_track",
    "stretch",
    "transpose",
    "transpose_song",
]
