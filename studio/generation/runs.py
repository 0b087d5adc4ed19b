"""Stepwise runs: a melody going up or down its scale note after note.

Fiddle tunes run up and down the scale for five notes and more; the network, which weighs each
note against the one or two before it (the interval and contour weights), breaks such runs off
sooner than the tunes do: on the training split's 8-bar windows the tunes have 0.39–0.49 runs
of five steps or more a window, the ideas 0.25–0.40. Decoding therefore weighs a step that goes
on with a run of ``k`` ≥ 2 steps by a log-weight per ``k`` (``decoding.decode_bars``,
``run_weights``), fitted so that a run goes on as often as in the tunes (``calibration``).

A move is a *step* when it is one or two semitones; a run of ``k`` steps is ``k`` steps in one
direction in a row, between note starts (rests do not break it).
"""

from __future__ import annotations

import numpy as np

RUN_LENGTHS = 4
"""Run lengths with their own weight: 2, 3, 4, and 5 or more steps."""
LONGEST_STEP = 2
"""The widest move, in semitones, that counts as a step of a run."""


def next_run(run: int, move: int) -> int:
    """The signed stepwise run after a move of ``move`` semitones from a melody in run ``run``:
    +k after k steps up in a row (this move the last), −k after k steps down, 0 after a move
    that is no step (a repeat or a leap)."""
    way = int(move > 0) - int(move < 0) if 1 <= abs(move) <= LONGEST_STEP else 0
    return run + way if way and run * way > 0 else way


def run_lengths(moves: np.ndarray) -> np.ndarray:
    """Per move of a melody (semitones from one note start to the next), the signed length of
    the stepwise run it ends (``next_run`` from none)."""
    lengths = np.zeros(len(moves), dtype=np.int64)
    run = 0
    for j, move in enumerate(np.asarray(moves, dtype=np.int64).tolist()):
        run = next_run(run, move)
        lengths[j] = run
    return lengths


def continuation_counts(pitches: np.ndarray) -> np.ndarray:
    """(2, ``RUN_LENGTHS``) for one melody's pitches in the order they start: per run length
    (2, 3, 4, 5 or more steps), how often the move after such a run went on with it by another
    step the same way (row 0), and how often a move followed such a run at all (row 1)."""
    counts = np.zeros((2, RUN_LENGTHS), dtype=np.int64)
    moves = np.diff(np.asarray(pitches, dtype=np.int64))
    if len(moves) < 3:
        return counts
    before = run_lengths(moves)[:-1]
    after = moves[1:]
    length = np.abs(before)
    running = length >= 2
    column = np.minimum(length, RUN_LENGTHS + 1)[running] - 2
    goes_on = (after * np.sign(before) >= 1) & (np.abs(after) <= LONGEST_STEP)
    counts[1] = np.bincount(column, minlength=RUN_LENGTHS)
    counts[0] = np.bincount(column, weights=goes_on[running], minlength=RUN_LENGTHS)
    return counts


def line_ends(
    pitch: np.ndarray, onsets: np.ndarray, rest: int, no_move: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """How each row of a unit's steps ends (``pitch`` and ``onsets`` (count, steps); ``rest``
    the rest's index): (count,) the move in semitones into its last note started (``no_move``
    where fewer than two start), and (count,) the signed stepwise run it ends with (0 with
    fewer than two notes; runs begun in an earlier unit count from this unit's first note).
    One look at the notes for both: a generator asks for both after every unit."""
    pitch = np.asarray(pitch, dtype=np.int64)
    starts = np.asarray(onsets, dtype=bool) & (pitch != rest)
    positions = np.arange(pitch.shape[1])
    # at each note start, the start of the note before it (−1: none)
    latest = np.maximum.accumulate(np.where(starts, positions, -1), axis=1)
    before = np.concatenate([np.full((len(pitch), 1), -1), latest[:, :-1]], axis=1)
    move = pitch - np.take_along_axis(pitch, np.maximum(before, 0), axis=1)
    # the way each note moved on (+1/−1 a step up/down, 0 a leap, a repeat or the first note)
    way = np.where((before >= 0) & (np.abs(move) >= 1) & (np.abs(move) <= LONGEST_STEP),
                   np.sign(move), 0)  # fmt: skip
    last = np.maximum(latest[:, -1:], 0)
    last_way = np.take_along_axis(way, last, axis=1)
    # the run is the notes since the last one that went another way, all going this way
    broken = np.max(np.where(starts & (way != last_way), positions, -1), axis=1, keepdims=True)
    going_on = (starts & (positions > broken)).sum(axis=1)
    # a note before the last one (with none at all, ``last`` is step 0, which has none before)
    into = np.where(np.take_along_axis(before, last, axis=1) >= 0,
                    np.take_along_axis(move, last, axis=1), no_move)[:, 0]  # fmt: skip
    return into, (last_way[:, 0] * going_on).astype(np.int64)
