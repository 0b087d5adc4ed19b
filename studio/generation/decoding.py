"""Decoding for the melody generator: the network proposes, these rules decide.

Plain numpy around the one network call per bar that ``generator.MelodyGenerator`` makes. The
network works in a key-normalised frame (C major or A minor); ``key_frame`` moves a request into
it and ``bar_notes`` moves the result back. Whatever the network proposes, decoding guarantees:

* key lock: with ``key_lock`` no note outside the chosen scale;
* range: every note within ``low``–``high``;
* no zero-length notes (a note lasts at least one sixteenth) and no empty bars;
* ``chord_tone_strength``: how strongly notes on beats 1 and 3 are drawn to the bar's chord
  tones (1.0 = always a chord tone in the scale when one is in range).

Pitches are sampled only at onsets (a step without one holds the sounding note, as in the
training data). Velocities follow the metre (accents on beats 1 and 3) with a little seeded
humanisation, and longer notes sound a little louder. Times are in **beats**, 4 to a bar, and
sixteenth **steps**, 16 to a bar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.pianoroll import BEATS_PER_BAR, encode_melody, fit_to_range
from studio.core.theory import Chord, Key
from studio.generation.data import SPEC, STEPS_PER_BAR, event_onsets, normalising_shift

STRONG_STEPS = (0, 8)  # beats 1 and 3 of a 4/4 bar


@dataclass
class Frame:
    """A request moved into the network's key-normalised frame."""

    shift: int  # semitones from the real key to the frame
    mode: int  # 0 major, 1 minor
    allowed: np.ndarray  # (classes,) bool: pitch indices allowed by key lock and range
    in_range: np.ndarray  # (classes,) bool: by range only


@dataclass
class Bar:
    """A decoded bar: its notes (real key) and whether the first one continues the note that
    sounds at the end of the bar before (a tie over the bar line)."""

    notes: list[Note]
    tied: bool


def key_frame(key: Key, *, major: bool, low: int, high: int, key_lock: bool) -> Frame:
    """The frame of a request in ``key`` (served by the model's major mode when ``major``,
    else its minor one), for notes in ``low``–``high`` (MIDI numbers, inclusive).

    Raises:
        InvalidInput: no note the model can play is allowed.
    """
    shift = normalising_shift(Key(key.tonic, "major" if major else "minor"))
    pitches = SPEC.low + np.arange(SPEC.n_pitches) - shift  # real pitch of each index
    in_range = (pitches >= low) & (pitches <= high)
    in_scale = np.array([key.contains(int(p)) for p in pitches])
    allowed = in_range & (in_scale if key_lock else True)
    if not allowed.any():
        raise InvalidInput(
            f"no note of {key.name} lies in the range {low}–{high} the model can play"
        )
    rest = np.array([True])
    return Frame(
        shift, 0 if major else 1, np.concatenate([allowed, rest]), np.concatenate([in_range, rest])
    )


def encode_previous(
    notes: Sequence[Note], bar: int, shift: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The bar before ``bar`` of real-key ``notes``, moved ``shift`` semitones into the frame,
    as (pitch indices, onsets) per step; None for bar 0 or without notes."""
    if bar == 0 or not notes:
        return None
    begin = (bar - 1) * BEATS_PER_BAR
    window = []
    for note in notes:
        start, end = max(note.start, begin), min(note.end, begin + BEATS_PER_BAR)
        pitch = note.pitch + shift
        if end > start and 0 <= pitch < 128:
            window.append(Note(pitch, start - begin, end - start, note.velocity))
    encoded = encode_melody(fit_to_range(window, SPEC), STEPS_PER_BAR, SPEC)
    onsets = event_onsets(encoded.pitch, encoded.onset, SPEC.rest_index)
    if notes[-1].start < begin and notes[-1].end > begin:
        onsets[0] = False  # a note tied over from the bar before
    return encoded.pitch.astype(np.int64), onsets


def decode_bars(
    pitch_logits: np.ndarray,
    onset_logits: np.ndarray,
    previous_last: np.ndarray,
    rngs: Sequence[np.random.Generator],
    *,
    frame: Frame,
    chord: Chord,
    bar: int,
    temperature: float,
    chord_tone_strength: float,
) -> tuple[list[Bar], np.ndarray, np.ndarray]:
    """Sample bar ``bar`` of a batch of variations from the network's logits.

    Args:
        pitch_logits: (count, steps, classes) per step; the last class is the rest.
        onset_logits: (count, steps).
        previous_last: (count,) pitch index sounding at the end of the bar before (rest if none).
        rngs: one random generator per variation.
        frame: the request's frame; ``chord`` is the bar's chord in that frame.

    Returns:
        The decoded bars, and their (count, steps) pitch indices and onsets.
    """
    count, steps = np.shape(onset_logits)
    rest = SPEC.rest_index
    logits = np.asarray(pitch_logits, dtype=np.float64) / temperature
    onset_p = 1 / (1 + np.exp(-np.asarray(onset_logits, dtype=np.float64) / temperature))
    chord_mask = np.array(
        [(SPEC.low + i) % 12 in chord.tones for i in range(SPEC.n_pitches)] + [False]
    )
    logits = np.where(frame.allowed, logits, -np.inf)
    for step in STRONG_STEPS:
        usable = chord_mask & frame.allowed
        if chord_tone_strength >= 1 and usable.any():
            logits[:, step] = np.where(usable | (np.arange(rest + 1) == rest),
                                       logits[:, step], -np.inf)  # fmt: skip
        else:
            logits[:, step] += 4.0 * chord_tone_strength * usable
    gumbel = np.stack([rng.gumbel(size=(steps, rest + 1)) for rng in rngs])
    uniform = np.stack([rng.random(steps) for rng in rngs])
    sampled = np.argmax(logits + gumbel, axis=-1)  # (count, steps)
    onsets = uniform < onset_p
    pitch = np.empty((count, steps), dtype=np.int64)
    current = np.array(previous_last, copy=True)
    for step in range(steps):
        # a held note that the range or key lock forbids (from a primer) is restarted
        forbidden = ~frame.allowed[current]
        start = onsets[:, step] | forbidden
        current = np.where(start, sampled[:, step], current)
        onsets[:, step] = start
        pitch[:, step] = current
    empty = (pitch == rest).all(axis=1)
    if empty.any():  # no empty bars: start the most likely allowed pitch on the downbeat
        best = np.argmax(np.where(frame.allowed[:-1], logits[:, 0, :-1], -np.inf), axis=-1)
        pitch[empty] = best[empty][:, None]
        onsets[empty] = False
        onsets[empty, 0] = True
    bars = [
        bar_notes(pitch[i], onsets[i], bar, frame.shift, rngs[i], previous_last[i])
        for i in range(count)
    ]
    return bars, pitch, onsets


def bar_notes(
    pitch: np.ndarray,
    onsets: np.ndarray,
    bar: int,
    shift: int,
    rng: np.random.Generator,
    previous_last: int,
) -> Bar:
    """The notes of one decoded bar, ``pitch``/``onsets`` being its steps in the frame."""
    rest = SPEC.rest_index
    steps = len(pitch)
    notes = []
    step = 0
    while step < steps:
        index = int(pitch[step])
        end = step + 1
        while end < steps and not onsets[end] and pitch[end] == index:
            end += 1
        if index != rest:
            start = bar * BEATS_PER_BAR + step / 4
            velocity = _velocity(step, end - step, rng)
            notes.append(Note(SPEC.low + index - shift, start, (end - step) / 4, velocity))
        step = end
    tied = bool(notes) and not onsets[0] and int(pitch[0]) == previous_last != rest
    return Bar(notes, tied)


def _velocity(step: int, duration_steps: int, rng: np.random.Generator) -> int:
    accent = {0: 14, 8: 8, 4: 4, 12: 4}.get(step, 0 if step % 2 == 0 else -4)
    value = 80 + accent + min(8, 2 * duration_steps) + int(rng.integers(-4, 5))
    return int(np.clip(value, 30, 127))


def join_bar(melody: list[Note], bar: Bar) -> None:
    """Append a bar's notes; a note tied over the bar line lengthens the previous one."""
    notes = list(bar.notes)
    if bar.tied and melody and melody[-1].pitch == notes[0].pitch:
        last = melody[-1]
        if abs(last.end - notes[0].start) < 1e-9:
            melody[-1] = replace(last, duration=last.duration + notes[0].duration)
            notes = notes[1:]
    melody.extend(notes)


def cut_at(note: Note, beat: float) -> Note:
    """``note`` shortened so that it ends by ``beat``."""
    return note if note.end <= beat else replace(note, duration=max(0.0, beat - note.start))


def seam_cost(notes: list[Note], before: int | None, after: int | None) -> float:
    """How far the bar's first and last notes leap from their neighbours (semitones)."""
    if not notes:
        return 100.0
    cost = 0.0
    if before is not None:
        cost += abs(notes[0].pitch - before)
    if after is not None:
        cost += abs(notes[-1].pitch - after)
    return cost


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation per bar between latent rows (keeps Gaussian-like norms)."""
    out = np.empty_like(a)
    for row, (x, y) in enumerate(zip(a, b, strict=True)):
        cos = float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-12))
        angle = np.arccos(np.clip(cos, -1.0, 1.0))
        if angle < 1e-6:
            out[row] = (1 - t) * x + t * y
        else:
            out[row] = (np.sin((1 - t) * angle) * x + np.sin(t * angle) * y) / np.sin(angle)
    return out
