"""The velocity lane's edits as pure functions: which velocities a drag gives, and the new state.

A drag in the lane computes a *velocity map* — ``{note index: velocity}`` for the edited track's
notes (indices into ``RollState.notes``) — which the lane previews while the mouse moves and
``set_velocities`` turns into the ``RollState`` pushed as one undo step on release. Velocities
are MIDI velocities, kept within 1–127 (0 would be a note-off); times are in **beats**.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from studio.core.music import Note
from studio.gui.edit_commands import RollState, with_notes

MIN_VELOCITY, MAX_VELOCITY = 1, 127


def clamp_velocity(value: float) -> int:
    """``value`` rounded (halves up) and kept within 1–127."""
    return min(MAX_VELOCITY, max(MIN_VELOCITY, math.floor(value + 0.5)))


def dragged_velocities(
    notes: Sequence[Note],
    indices: Collection[int],
    anchor: int,
    value: float,
    relative: bool = False,
) -> dict[int, int]:
    """The velocities after dragging note ``anchor``'s stem to ``value``.

    Every note at ``indices`` (which holds ``anchor``) gets ``value``, as in LMMS, where the
    selected notes are set together; with ``relative`` (Shift, as in Ableton and Cubase) each one
    moves by the anchor's change instead, keeping the accents. Results are clamped to 1–127.
    """
    if not relative:
        velocity = clamp_velocity(value)
        return dict.fromkeys(indices, velocity)
    delta = math.floor(value + 0.5) - notes[anchor].velocity  # each note clamps on its own
    return {i: clamp_velocity(notes[i].velocity + delta) for i in indices}


def ramp_velocities(
    notes: Sequence[Note],
    candidates: Iterable[int],
    start: tuple[float, float],
    end: tuple[float, float],
    slack: float = 0.0,
) -> dict[int, int]:
    """The velocities on a line drawn from ``start`` to ``end``, each a (beat, velocity) point.

    Each note among ``candidates`` whose start lies between the two beats (inclusive, give or
    take ``slack`` beats: half a pixel for rounded mouse positions) gets the velocity of the line
    at its start (at the nearer end when it is just outside), rounded and clamped to 1–127. A
    vertical line (both beats equal) gives its notes the ``end`` velocity.
    """
    (b0, v0), (b1, v1) = start, end
    low, high = min(b0, b1) - slack, max(b0, b1) + slack
    span = b1 - b0
    result = {}
    for i in candidates:
        beat = notes[i].start
        if low <= beat <= high:
            t = min(1.0, max(0.0, (beat - b0) / span)) if span else 1.0
            result[i] = clamp_velocity(v0 + (v1 - v0) * t)
    return result


def changed(notes: Sequence[Note], velocities: Mapping[int, int]) -> dict[int, int]:
    """The entries of ``velocities`` that differ from the notes' current velocities."""
    return {i: v for i, v in velocities.items() if notes[i].velocity != v}


def set_velocities(state: RollState, velocities: Mapping[int, int]) -> RollState:
    """``state`` with the notes at the keys of ``velocities`` given those velocities (1–127).

    The selection stays on the same notes (a velocity change may reorder notes that share a
    start, pitch and length, since velocity is the last key of playing order).
    """
    notes = list(state.notes)
    for i, velocity in velocities.items():
        notes[i] = replace(notes[i], velocity=clamp_velocity(velocity))
    return with_notes(state, notes, state.selection)


def edit_name(kind: str, count: int) -> str:
    """The Edit menu's name for a lane edit of ``count`` notes: a stem drag or a ramp."""
    if kind == "ramp":
        return "Velocity ramp" if count == 1 else f"Velocity ramp over {count} notes"
    return "Set velocity" if count == 1 else f"Set velocity of {count} notes"
