"""The piano roll's edits as undo commands: each one swaps one immutable state for another.

A ``RollState`` is the song, the index of the edited track and the selected notes (indices into
that track's notes, which ``Track`` keeps in playing order). The functions here compute the
state after an edit with the pure functions of ``studio.core.edit`` (or ``dataclasses.replace``)
and carry the selection over to the notes' new positions; ``SongCommand`` puts the change on a
``QUndoStack``, so undo and redo restore the exact song and selection. Times are in **beats**,
pitches are MIDI note numbers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

from PySide6.QtGui import QUndoCommand

from studio.core import edit
from studio.core.music import Note, Song, Track, note_order
from studio.core.theory import Key

PITCHES = 128
MIN_LENGTH = 1 / 16
"""The shortest note a drag makes when snap is off, beats."""
NEW_TRACK_NAME = "Melody"
"""Name of the track created when a song has no melody track to edit."""


@dataclass(frozen=True)
class RollState:
    """What one undo step restores: the song, the edited track and the selection.

    ``track_index`` may equal ``len(song.tracks)``: the song has no melody track yet and the
    first added note creates one.
    """

    song: Song
    track_index: int = 0
    selection: tuple[int, ...] = ()

    @property
    def track(self) -> Track:
        """The edited track (an empty melody track while it does not exist yet)."""
        if self.track_index < len(self.song.tracks):
            return self.song.tracks[self.track_index]
        return Track(name=NEW_TRACK_NAME)

    @property
    def notes(self) -> tuple[Note, ...]:
        """The edited track's notes, in playing order."""
        return self.track.notes


def default_track_index(song: Song) -> int:
    """The first non-drum track with notes, else the first non-drum track, else a new one."""
    pitched = [i for i, t in enumerate(song.tracks) if not t.is_drum]
    with_notes = [i for i in pitched if song.tracks[i].notes]
    return (with_notes or pitched or [len(song.tracks)])[0]


def count_name(verb: str, count: int) -> str:
    """The name of an edit in the Edit menu: "Move note", "Move 3 notes"."""
    return f"{verb} note" if count == 1 else f"{verb} {count} notes"


# ------------------------------------------------------------- snapping and key lock


def snap_round(beat: float, grid: float | None) -> float:
    """``beat`` moved to the nearest multiple of ``grid`` beats (unchanged when grid is None)."""
    if not grid:
        return beat
    return math.floor(beat / grid + 0.5) * grid


def snap_floor(beat: float, grid: float | None, slack: float = 0.0) -> float:
    """The grid line at or before ``beat + slack`` (``beat`` itself when grid is None).

    ``slack`` (a pixel's worth of beats) keeps a click on the first pixel of a cell in that
    cell despite rounding of the pixel position.
    """
    if not grid:
        return beat
    return math.floor((beat + slack) / grid) * grid


def nearest_in_key(pitch: int, key: Key | None, direction: int = 0) -> int:
    """The pitch of ``key``'s scale nearest ``pitch`` within 0–127 (``pitch`` if no key).

    On a tie the one in ``direction`` (+1 up, −1 down; 0 means down) wins.
    """
    pitch = min(PITCHES - 1, max(0, pitch))
    if key is None or key.contains(pitch):
        return pitch
    first = 1 if direction > 0 else -1
    for distance in range(1, 12):
        for candidate in (pitch + first * distance, pitch - first * distance):
            if 0 <= candidate < PITCHES and key.contains(candidate):
                return candidate
    return pitch


def step_in_key(pitch: int, key: Key | None, direction: int) -> int:
    """The next pitch of ``key``'s scale above (+1) or below (−1) ``pitch``; ±1 without a key.

    Returns ``pitch`` itself when there is none within 0–127.
    """
    candidate = pitch + direction
    while 0 <= candidate < PITCHES:
        if key is None or key.contains(candidate):
            return candidate
        candidate += direction
    return pitch


def bars_of(notes: Iterable[Note], beats_per_bar: float = 4.0) -> list[int]:
    """The 0-based bars that ``notes`` sound in (a note ending on a bar line stops before it)."""
    bars: set[int] = set()
    for note in notes:
        first = int(note.start // beats_per_bar)
        last = max(first, math.ceil(note.end / beats_per_bar - 1e-9) - 1)
        bars.update(range(first, last + 1))
    return sorted(bars)


# ------------------------------------------------------------------------- the edits


def with_notes(state: RollState, notes: Sequence[Note], selected: Collection[int]) -> RollState:
    """``state`` with the edited track's notes replaced by ``notes`` (in any order).

    ``selected`` are positions in ``notes``; the result selects the same notes at their
    positions in the sorted track. Where a new or changed note meets others of its pitch, a
    held note ends where the next of that pitch starts (``edit.settle_same_pitch``), so the
    song saves as it shows.
    """
    notes = _settled(state, notes)
    keys = [note_order(n) for n in notes]  # Track's order, so the track keeps ours
    order = sorted(range(len(notes)), key=keys.__getitem__)
    chosen = set(selected)
    track = replace(state.track, notes=tuple(notes[i] for i in order))
    tracks = list(state.song.tracks)
    if state.track_index < len(tracks):
        tracks[state.track_index] = track
    else:
        tracks.append(track)
    selection = tuple(position for position, i in enumerate(order) if i in chosen)
    return replace(state, song=state.song.with_tracks(tracks), selection=selection)


def _settled(state: RollState, notes: Sequence[Note]) -> tuple[Note, ...]:
    """``notes`` after ``edit.settle_same_pitch``, the notes that are not the track's own
    before the edit counting as edited (the edits keep the untouched ``Note`` objects, so
    this is a set of ids, not a comparison of 20,000 notes)."""
    before = {id(note) for note in state.notes}
    edited = [id(note) not in before for note in notes]
    return edit.settle_same_pitch(notes, edited, state.song.ticks_per_beat)


def add_note(state: RollState, note: Note) -> RollState:
    """Add ``note`` and select it alone."""
    notes = edit.add_note(state.notes, note)
    return with_notes(state, notes, [len(notes) - 1])


def clamp_move(notes: Sequence[Note], beats: float, semitones: int) -> tuple[float, int]:
    """The part of a move of ``notes`` that keeps them at beat ≥ 0 and pitch 0–127."""
    if not notes:
        return 0.0, 0
    beats = max(beats, -min(n.start for n in notes))
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    return beats, min(max(semitones, -low), PITCHES - 1 - high)


def moved_notes(
    notes: Sequence[Note], beats: float, semitones: int, key: Key | None = None
) -> tuple[Note, ...]:
    """``notes`` moved by ``beats`` and ``semitones`` (clamp first with ``clamp_move``).

    With a ``key`` (key lock), notes that change pitch land on the nearest pitch of its scale.
    """
    moved = edit.move_notes(notes, None, beats=beats, semitones=semitones)
    if key is None or not semitones:
        return moved
    return tuple(replace(n, pitch=nearest_in_key(n.pitch, key, semitones)) for n in moved)


def move(
    state: RollState, indices: Collection[int], beats: float, semitones: int, key: Key | None
) -> RollState:
    """Move the notes at ``indices`` (see ``moved_notes``); they end up selected."""
    notes = list(state.notes)
    chosen = sorted(indices)
    for i, note in zip(
        chosen, moved_notes([notes[i] for i in chosen], beats, semitones, key), strict=True
    ):
        notes[i] = note
    return with_notes(state, notes, chosen)


def step_pitch(
    state: RollState, indices: Collection[int], steps: int, key: Key | None
) -> RollState:
    """Move the notes at ``indices`` ``steps`` scale steps (semitones without a key) up or down.

    A note that cannot move (at the edge of the range) stays where it is.
    """
    notes = list(state.notes)
    direction = 1 if steps > 0 else -1
    for i in indices:
        pitch = notes[i].pitch
        for _ in range(abs(steps)):
            pitch = step_in_key(pitch, key, direction)
        notes[i] = replace(notes[i], pitch=pitch)
    return with_notes(state, notes, indices)


def resize_limit(notes: Sequence[Note], minimum: float) -> float:
    """The most negative resize ``delta`` (beats) that keeps each note ≥ ``minimum`` long.

    Notes already shorter than ``minimum`` may not shrink at all.
    """
    return max((min(n.duration, minimum) - n.duration for n in notes), default=0.0)


def resize(state: RollState, indices: Collection[int], delta: float) -> RollState:
    """Lengthen (or with a negative ``delta`` shorten) the notes at ``indices`` by ``delta``."""
    return with_notes(state, edit.resize_notes(state.notes, indices, delta=delta), indices)


def delete(state: RollState, indices: Collection[int]) -> RollState:
    """Delete the notes at ``indices``; the other selected notes stay selected."""
    gone = set(indices)
    kept = [i for i in range(len(state.notes)) if i not in gone]
    position = {old: new for new, old in enumerate(kept)}
    selected = [position[i] for i in state.selection if i in position]
    return with_notes(state, edit.delete_notes(state.notes, gone), selected)


def velocity(state: RollState, indices: Collection[int], value: int) -> RollState:
    """Set the velocity (1–127) of the notes at ``indices``."""
    return with_notes(state, edit.set_velocity(state.notes, indices, velocity=value), indices)


def quantize(state: RollState, indices: Collection[int], grid: float) -> RollState:
    """Move the starts of the notes at ``indices`` onto the ``grid`` (beats)."""
    return with_notes(state, edit.quantize(state.notes, grid, indices=indices), indices)


@dataclass
class Drag:
    """An edit in progress under the mouse, previewed until ``finish`` gives the edit to push.

    ``kind`` is "draw" (``drawn`` is the new note; the drag sets its length), "move" or
    "resize" (of the notes at ``indices``, ``anchor`` being the one grabbed) or "erase" (the
    notes in ``erased``). ``key`` is the key of key lock, or None.
    """

    kind: str
    state: RollState
    indices: tuple[int, ...] = ()
    anchor: int = -1
    drawn: Note | None = None
    key: Key | None = None
    erased: set[int] = field(default_factory=set)
    beats: float = 0.0
    semitones: int = 0

    def update(self, beats: float, beat: float, pitch: int, snap: float | None) -> dict[int, Note]:
        """Follow the mouse, ``beats`` right of the press, at ``beat`` over ``pitch``.

        Returns the preview: the moved or resized notes by index. A moved anchor's start snaps
        to the ``snap`` grid (its pitch to the key), a resized one's end; a drawn note ends at
        the grid line nearest the mouse. Notes stay in range and at least a step long.
        """
        notes = self.state.notes
        dragged = [notes[i] for i in self.indices]
        if self.kind == "draw" and self.drawn is not None:
            length = max(snap or MIN_LENGTH, snap_round(beat, snap) - self.drawn.start)
            self.drawn = replace(self.drawn, duration=length)
        elif self.kind == "move":
            anchor = notes[self.anchor]
            beats = snap_round(anchor.start + beats, snap) - anchor.start
            pitch = nearest_in_key(pitch, self.key, pitch - anchor.pitch)
            self.beats, self.semitones = clamp_move(dragged, beats, pitch - anchor.pitch)
            moved = moved_notes(dragged, self.beats, self.semitones, self.key)
            return dict(zip(self.indices, moved, strict=True))
        elif self.kind == "resize":
            anchor = notes[self.anchor]
            delta = snap_round(anchor.end + beats, snap) - anchor.end
            self.beats = max(delta, resize_limit(dragged, snap or MIN_LENGTH))
            resized = [replace(n, duration=n.duration + self.beats) for n in dragged]
            return dict(zip(self.indices, resized, strict=True))
        return {}

    def finish(self) -> tuple[str, RollState] | None:
        """The name and the result of the edit, or None when the drag changed nothing."""
        count = len(self.indices)
        if self.kind == "draw" and self.drawn is not None:
            return "Add note", add_note(self.state, self.drawn)
        if self.kind == "erase" and self.erased:
            return count_name("Delete", len(self.erased)), delete(self.state, self.erased)
        if self.kind == "move" and (self.beats or self.semitones):
            after = move(self.state, self.indices, self.beats, self.semitones, self.key)
            return count_name("Move", count), after
        if self.kind == "resize" and self.beats:
            return count_name("Resize", count), resize(self.state, self.indices, self.beats)
        return None


def nudge(
    state: RollState,
    indices: Sequence[int],
    steps: int = 0,
    octave: bool = False,
    key: Key | None = None,
    beats: float = 0.0,
) -> RollState | None:
    """The arrow keys: move ``beats`` in time, or ``steps`` octaves (``octave``) or semitones
    (scale steps of ``key`` under key lock) in pitch. None when nothing can move.
    """
    notes = [state.notes[i] for i in indices]
    if beats or octave:
        beats, semitones = clamp_move(notes, beats, 12 * steps if octave else 0)
        after = move(state, indices, beats, semitones, None) if beats or semitones else None
    else:
        after = step_pitch(state, indices, steps, key)
    return None if after is None or after.notes == state.notes else after


class SongCommand(QUndoCommand):
    """One undoable edit: shows ``after`` on redo and ``before`` on undo, through ``show``."""

    def __init__(
        self,
        text: str,
        before: RollState,
        after: RollState,
        show: Callable[[RollState], None],
    ) -> None:
        super().__init__(text)
        self.before = before
        self.after = after
        self._show = show

    def redo(self) -> None:
        """Apply the edit (``QUndoStack.push`` calls this once)."""
        self._show(self.after)

    def undo(self) -> None:
        """Restore the state before the edit."""
        self._show(self.before)


# ------------------------------------------- clipboard, duplicate, Ctrl+drag and the Edit menu


def targets(state: RollState) -> tuple[int, ...]:
    """What the Edit menu's Quantize…, Transpose…, Velocity… and Legato change: the selected
    notes, or every note of the track when nothing is selected."""
    return state.selection or tuple(range(len(state.notes)))


def add_notes(state: RollState, added: Sequence[Note]) -> RollState:
    """Add ``added`` to the edited track and select only them."""
    count = len(state.notes)
    return with_notes(state, [*state.notes, *added], range(count, count + len(added)))


def clip_of(notes: Iterable[Note]) -> tuple[Note, ...]:
    """``notes`` in playing order with times relative to the first start (it becomes beat 0)."""
    ordered = sorted(notes, key=note_order)
    if not ordered:
        return ()
    first = ordered[0].start
    return tuple(replace(n, start=n.start - first) for n in ordered)


def paste(state: RollState, clip: Sequence[Note], at: float) -> RollState:
    """Add ``clip`` (times relative to its first note, see ``clip_of``) with its first note at
    beat ``at``; the pasted notes end up selected alone."""
    offset = max(0.0, at) - min((n.start for n in clip), default=0.0)
    return add_notes(state, [replace(n, start=max(0.0, n.start + offset)) for n in clip])


def duplicate_shift(notes: Sequence[Note], grid: float | None, beats_per_bar: float = 4.0) -> float:
    """How far Duplicate puts the copy of ``notes`` after them, in beats.

    It is the span of the notes (first start to last end) rounded up to whole bars when the
    span is at least half a bar, so phrases repeat on the bar as in FL Studio; a shorter motif
    repeats right after itself, its span rounded up to the ``grid`` (a beat without one), so
    repeated Duplicates make a sequence. Never less than one grid step.
    """
    step = grid or 1.0
    if not notes:
        return step
    span = max(n.end for n in notes) - min(n.start for n in notes)
    unit = beats_per_bar if span >= beats_per_bar / 2 else step
    return max(step, math.ceil(span / unit - 1e-9) * unit)


def duplicate(
    state: RollState, indices: Collection[int], grid: float | None, beats_per_bar: float = 4.0
) -> RollState:
    """Copy the notes at ``indices`` ``duplicate_shift`` beats later and select the copy."""
    notes = [state.notes[i] for i in sorted(indices)]
    shift = duplicate_shift(notes, grid, beats_per_bar)
    return add_notes(state, [replace(n, start=n.start + shift) for n in notes])


def copy_moved(
    state: RollState, indices: Collection[int], beats: float, semitones: int, key: Key | None
) -> RollState:
    """Ctrl+drag: copies of the notes at ``indices`` moved like ``move`` (clamp first with
    ``clamp_move``); the originals stay and the copies end up selected."""
    notes = [state.notes[i] for i in sorted(indices)]
    return add_notes(state, moved_notes(notes, beats, semitones, key))


@dataclass
class CopyDrag(Drag):
    """A drag of the selected notes started with Ctrl held: previews as a move, but ``finish``
    adds moved copies and leaves the originals ("Copy 3 notes").

    ``deselect``: the press was on an already selected note, which a Ctrl-click without a drag
    deselects (the toggle waits for the release, so that Ctrl+drag can copy it).
    """

    deselect: bool = False

    def finish(self) -> tuple[str, RollState] | None:
        """The name and the result of the copy, or None when the notes did not move."""
        if not (self.beats or self.semitones):
            return None
        after = copy_moved(self.state, self.indices, self.beats, self.semitones, self.key)
        return count_name("Copy", len(self.indices)), after


def transpose(
    state: RollState, indices: Collection[int], semitones: int = 0, steps: int = 0,
    key: Key | None = None,
) -> RollState | None:  # fmt: skip
    """Move the notes at ``indices`` ``steps`` steps of ``key``'s scale (semitones without a
    key), then ``semitones`` (e.g. octaves: a multiple of 12 keeps them in the key).

    None when a note would leave the pitch range 0–127; nothing changes then.
    """
    notes = list(state.notes)
    direction = 1 if steps > 0 else -1
    for i in indices:
        pitch = notes[i].pitch
        for _ in range(abs(steps)):
            moved = step_in_key(pitch, key, direction)
            if moved == pitch:
                return None
            pitch = moved
        pitch += semitones
        if not 0 <= pitch < PITCHES:
            return None
        notes[i] = replace(notes[i], pitch=pitch)
    return with_notes(state, notes, state.selection)


VELOCITY_MODES = ("set", "scale", "add")
"""How Velocity… changes velocities: set a value, scale by a percentage, add an amount."""


def change_velocity(
    state: RollState, indices: Collection[int], mode: str, amount: float,
    humanize: int = 0, seed: int = 0,
) -> RollState:  # fmt: skip
    """Change the velocities of the notes at ``indices`` (results clamped to 1–127).

    ``mode`` "set" sets ``amount``, "scale" multiplies by ``amount`` percent, "add" adds
    ``amount``. Then ``humanize`` > 0 adds a random whole number in ±``humanize`` to each, drawn
    from ``seed`` in playing order, so the same seed gives the same velocities.
    """
    chosen = sorted(indices)
    if mode == "set":
        after = edit.set_velocity(state.notes, chosen, velocity=max(1, min(127, int(amount))))
    elif mode == "scale":
        after = edit.set_velocity(state.notes, chosen, scale=max(0.0, amount) / 100)
    elif mode == "add":
        after = edit.set_velocity(state.notes, chosen, delta=int(amount))
    else:
        raise ValueError(f"unknown velocity mode {mode!r}; modes are {', '.join(VELOCITY_MODES)}")
    notes = list(after)
    if humanize > 0:
        rng = random.Random(seed)
        for i in chosen:
            wobble = rng.randint(-humanize, humanize)
            notes[i] = replace(notes[i], velocity=max(1, min(127, notes[i].velocity + wobble)))
    return with_notes(state, notes, state.selection)


def quantize_with(
    state: RollState, indices: Collection[int], grid: float, strength: float = 1.0,
    swing: float = 0.0, ends: bool = False,
) -> RollState:  # fmt: skip
    """Quantize… : move the notes at ``indices`` towards the (swung) ``grid`` in beats, by
    ``strength`` and ``swing`` (0–1; see ``studio.core.edit.quantize``), their ends too with
    ``ends``."""
    notes = edit.quantize(state.notes, grid, strength, swing, ends, indices=indices)
    return with_notes(state, notes, state.selection)


def legato(state: RollState, indices: Collection[int]) -> RollState:
    """Legato: each note at ``indices`` ends where the next onset of the track begins."""
    return with_notes(state, edit.legato(state.notes, indices), state.selection)
