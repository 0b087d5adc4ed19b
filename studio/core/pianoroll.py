"""The piano-roll encoding of monophonic melodies used by the GAN.

A melody becomes one value per time step: a step is a sixteenth note (0.25 beats) by default, so a
4/4 bar has 16 steps. Each step holds a pitch index (or the rest index), an onset flag that is
True where a note starts (so a repeated pitch and a held note differ) and a velocity.

Times given to and returned by this module are in **beats** (quarter notes); array positions are
in steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.melody import TOLERANCE
from studio.core.music import Note

BEATS_PER_BAR = 4
"""The models' grid is a 4/4 bar (generation, its data and its metrics); the one definition."""

DEFAULT_VELOCITY = 100
"""Velocity of decoded notes whose velocity is unknown (0 in the array)."""


@dataclass(frozen=True)
class PianoRollSpec:
    """Pitch range and time resolution of the encoding.

    Attributes:
        low: lowest pitch (MIDI number) that can be encoded; 48 = C3.
        high: highest pitch that can be encoded, inclusive; 84 = C6.
        steps_per_beat: time steps per beat; 4 gives sixteenth notes and 16 steps per bar.
    """

    low: int = 48
    high: int = 84
    steps_per_beat: int = 4

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high <= 127:
            raise InvalidInput(f"piano-roll range {self.low}–{self.high} is not within 0–127")
        if self.steps_per_beat < 1:
            raise InvalidInput(f"steps per beat {self.steps_per_beat} must be at least 1")

    @property
    def n_pitches(self) -> int:
        """Number of encodable pitches (low to high inclusive)."""
        return self.high - self.low + 1

    @property
    def rest_index(self) -> int:
        """Pitch index that means "no note" (= ``n_pitches``)."""
        return self.n_pitches

    @property
    def steps_per_bar(self) -> int:
        """Steps in one 4/4 bar."""
        return BEATS_PER_BAR * self.steps_per_beat

    @property
    def step_beats(self) -> float:
        """Length of one step in beats."""
        return 1.0 / self.steps_per_beat


@dataclass(eq=False)
class EncodedMelody:
    """A melody as arrays of equal length, one entry per time step.

    Attributes:
        pitch: int16, pitch index ``pitch - spec.low`` or ``spec.rest_index`` for a rest.
        onset: bool, True on the first step of each note.
        velocity: uint8, the note's velocity on each of its steps, 0 on rests.
    """

    pitch: np.ndarray
    onset: np.ndarray
    velocity: np.ndarray

    def __post_init__(self) -> None:
        self.pitch = np.asarray(self.pitch, dtype=np.int16)
        self.onset = np.asarray(self.onset, dtype=bool)
        self.velocity = np.asarray(self.velocity, dtype=np.uint8)
        shapes = {self.pitch.shape, self.onset.shape, self.velocity.shape}
        if len(shapes) != 1 or self.pitch.ndim != 1:
            raise InvalidInput(f"encoded melody arrays must be 1-D of equal length, not {shapes}")

    @property
    def n_steps(self) -> int:
        """Number of time steps."""
        return int(self.pitch.shape[0])


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def fit_to_range(notes: Sequence[Note], spec: PianoRollSpec = PianoRollSpec()) -> tuple[Note, ...]:
    """Move notes outside the spec's pitch range by whole octaves into it.

    Notes already in range are unchanged, so pitch classes and rhythm are always kept.

    Raises:
        InvalidInput: if the range is narrower than an octave and a pitch class does not fit.
    """
    fitted = []
    for note in notes:
        pitch = note.pitch
        while pitch < spec.low:
            pitch += 12
        while pitch > spec.high:
            pitch -= 12
        if pitch < spec.low:
            raise InvalidInput(
                f"pitch {note.pitch} has no octave in the piano-roll range {spec.low}–{spec.high}"
            )
        fitted.append(note if pitch == note.pitch else replace(note, pitch=pitch))
    return tuple(fitted)


def octaves_into_range(pitches: Sequence[int], spec: PianoRollSpec = PianoRollSpec()) -> int:
    """The whole octaves that move ``pitches`` together into the spec's pitch range, leaving
    the fewest outside (the smallest such move; 0 for no pitches)."""
    pitches = np.asarray(pitches, dtype=np.int64)
    if not pitches.size:
        return 0

    def outside(octaves: int) -> int:
        moved = pitches + 12 * octaves
        return int(((moved < spec.low) | (moved > spec.high)).sum())

    playable = [
        k for k in range(-10, 11) if 0 <= pitches.min() + 12 * k <= pitches.max() + 12 * k <= 127
    ]
    return min(playable, key=lambda k: (outside(k), abs(k), k))


def place_in_range(
    notes: Sequence[Note], spec: PianoRollSpec = PianoRollSpec()
) -> tuple[Note, ...]:
    """Move a whole melody by the octaves that leave the fewest notes outside the spec's pitch
    range (``octaves_into_range``), then fold what is still outside (``fit_to_range``).

    Folding note by note turns a tune that climbs past the top into leaps that it never makes
    (D6 folded to D5 after a C6 is a leap of a seventh down); moving it whole keeps every
    interval wherever the melody's span allows.
    """
    shift = 12 * octaves_into_range([note.pitch for note in notes], spec)
    moved = [note if shift == 0 else replace(note, pitch=note.pitch + shift) for note in notes]
    return fit_to_range(moved, spec)


def _to_steps(notes: Sequence[Note], spec: PianoRollSpec) -> list[tuple[int, int, Note]]:
    """Validate the notes and return (start step, end step, note) in time order."""
    kept = sorted(
        (n for n in notes if n.duration * spec.steps_per_beat >= 0.5), key=lambda n: n.start
    )
    for note in kept:
        if not spec.low <= note.pitch <= spec.high:
            raise InvalidInput(
                f"pitch {note.pitch} at beat {note.start:g} is outside the piano-roll range "
                f"{spec.low}–{spec.high} (fit_to_range moves notes into it)"
            )
    for previous, note in pairwise(kept):
        if previous.end > note.start + TOLERANCE:
            raise InvalidInput(
                f"the melody is not monophonic: pitch {previous.pitch} at beat "
                f"{previous.start:g} still sounds when pitch {note.pitch} starts at beat "
                f"{note.start:g} (extract_melody makes a monophonic line)"
            )
    steps = []
    for note in kept:
        start = _round_half_up(note.start * spec.steps_per_beat)
        length = _round_half_up(note.duration * spec.steps_per_beat)
        steps.append((start, start + length, note))
    return steps


def encode_melody(
    notes: Sequence[Note], n_steps: int | None = None, spec: PianoRollSpec = PianoRollSpec()
) -> EncodedMelody:
    """Encode a monophonic melody as a piano roll.

    Starts and durations (beats) are each rounded to the nearest step. A note shorter than half
    a step is dropped. When rounding makes a note run into the next one, it is cut where the
    next one starts (and dropped if nothing is left, so of two notes rounded onto the same step
    the later one wins).

    Args:
        notes: a monophonic melody (see ``studio.core.melody.extract_melody``); times in beats
            from beat 0 = step 0.
        n_steps: length of the result; notes beyond it are cut off. By default the whole 4/4
            bars that cover the melody (at least one bar).
        spec: pitch range and resolution.

    Raises:
        InvalidInput: if notes overlap, or a pitch is outside the spec's range (the message says
            which note).
    """
    steps = _to_steps(notes, spec)
    if n_steps is None:
        last = max((end for _, end, _ in steps), default=0)
        n_steps = max(1, math.ceil(last / spec.steps_per_bar)) * spec.steps_per_bar
    if n_steps < 0:
        raise InvalidInput(f"number of steps {n_steps} must not be negative")

    pitch = np.full(n_steps, spec.rest_index, dtype=np.int16)
    onset = np.zeros(n_steps, dtype=bool)
    velocity = np.zeros(n_steps, dtype=np.uint8)
    for i, (start, end, note) in enumerate(steps):
        if i + 1 < len(steps):
            end = min(end, steps[i + 1][0])
        end = min(end, n_steps)
        if end <= start:
            continue
        pitch[start:end] = note.pitch - spec.low
        onset[start] = True
        velocity[start:end] = note.velocity
    return EncodedMelody(pitch, onset, velocity)


def decode_melody(
    encoded: EncodedMelody, spec: PianoRollSpec = PianoRollSpec(), offset_beats: float = 0.0
) -> tuple[Note, ...]:
    """Turn a piano roll back into notes.

    A note begins on a non-rest step that has the onset flag, follows a rest or a different
    pitch; it lasts while the following steps have the same pitch and no onset flag. Onset flags
    on rests are ignored. The velocity is that of the note's first step (``DEFAULT_VELOCITY``
    where it is 0). Every note is at least one step long.

    Args:
        encoded: the piano roll.
        spec: the spec it was encoded with.
        offset_beats: beat at which step 0 lies.

    Returns:
        The notes in time order; start and duration in beats.
    """
    pitch, onset, velocity = encoded.pitch, encoded.onset, encoded.velocity
    if pitch.size and (pitch.min() < 0 or pitch.max() > spec.rest_index):
        raise InvalidInput(f"pitch indices must be between 0 and {spec.rest_index} (rest)")
    notes = []
    step = 0
    while step < encoded.n_steps:
        index = int(pitch[step])
        if index == spec.rest_index:
            step += 1
            continue
        end = step + 1
        while end < encoded.n_steps and pitch[end] == index and not onset[end]:
            end += 1
        notes.append(
            Note(
                pitch=spec.low + index,
                start=offset_beats + step / spec.steps_per_beat,
                duration=(end - step) / spec.steps_per_beat,
                velocity=min(127, int(velocity[step])) or DEFAULT_VELOCITY,
            )
        )
        step = end
    return tuple(notes)


def to_matrix(encoded: EncodedMelody, spec: PianoRollSpec = PianoRollSpec()) -> np.ndarray:
    """One-hot matrix of shape (steps, n_pitches + 2), float32.

    Columns ``0 … n_pitches - 1`` are the pitches from ``spec.low`` up, column ``n_pitches`` is
    the rest and the last column is the onset flag. Velocity is not included.
    """
    if encoded.pitch.size and encoded.pitch.max() > spec.rest_index:
        raise InvalidInput(f"pitch indices must be between 0 and {spec.rest_index} (rest)")
    matrix = np.zeros((encoded.n_steps, spec.n_pitches + 2), dtype=np.float32)
    matrix[np.arange(encoded.n_steps), encoded.pitch] = 1.0
    matrix[:, -1] = encoded.onset
    return matrix


def from_matrix(
    matrix: np.ndarray, spec: PianoRollSpec = PianoRollSpec(), velocity: int = DEFAULT_VELOCITY
) -> EncodedMelody:
    """Read a (steps, n_pitches + 2) matrix, such as a GAN output, as an encoded melody.

    Each step takes the pitch or rest with the largest value (argmax); the onset flag is set
    where the last column is above 0.5 and the step is not a rest. Note steps get ``velocity``.
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[1] != spec.n_pitches + 2:
        raise InvalidInput(
            f"piano-roll matrix must have shape (steps, {spec.n_pitches + 2}), not {matrix.shape}"
        )
    if not 1 <= velocity <= 127:
        raise InvalidInput(f"velocity {velocity} is outside the range 1–127")
    pitch = np.argmax(matrix[:, : spec.n_pitches + 1], axis=1).astype(np.int16)
    sounding = pitch != spec.rest_index
    onset = (matrix[:, -1] > 0.5) & sounding
    return EncodedMelody(pitch, onset, np.where(sounding, velocity, 0).astype(np.uint8))


__all__ = [
    "DEFAULT_VELOCITY",
    "EncodedMelody",
    "PianoRollSpec",
    "decode_melody",
    "encode_melody",
    "fit_to_range",
    "from_matrix",
    "octaves_into_range",
    "place_in_range",
    "to_matrix",
]
