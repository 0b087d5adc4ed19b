"""Stepwise runs: their lengths, how often they go on, and the run a unit ends with."""

from __future__ import annotations

import numpy as np

from studio.generation.data import SPEC
from studio.generation.runs import (
    RUN_LENGTHS,
    continuation_counts,
    line_ends,
    run_lengths,
)


def test_a_run_is_steps_one_way_in_a_row():
    # up a tone, a tone, a semitone; down a semitone; a leap; a repeat; down two tones
    moves = np.array([2, 2, 1, -1, 5, 0, -2, -2])
    assert run_lengths(moves).tolist() == [1, 2, 3, -1, 0, 0, -1, -2]
    assert run_lengths(np.array([3, 12, -3])).tolist() == [0, 0, 0]  # thirds are no steps
    assert run_lengths(np.array([], dtype=int)).tolist() == []


def test_runs_going_on_are_counted_by_their_length():
    # C D E F G A, then down to G, then a leap: runs of 2, 3 and 4 steps went on, the run of
    # 5 did not (it turned back), and the single step down (a run of 1) is not counted
    pitches = [60, 62, 64, 65, 67, 69, 67, 74]
    counts = continuation_counts(pitches)
    assert counts.shape == (2, RUN_LENGTHS)
    assert counts[1].tolist() == [1, 1, 1, 1]  # a move followed a run of 2, 3, 4 and 5 steps
    assert counts[0].tolist() == [1, 1, 1, 0]  # and went on after all but the longest
    longer = continuation_counts([60, 62, 64, 65, 67, 69, 71, 72, 74])  # eight steps up
    assert longer[1].tolist() == [1, 1, 1, 3] and longer[0].tolist() == [1, 1, 1, 3]
    assert continuation_counts([60, 62]).sum() == 0


def test_a_unit_ends_with_the_run_of_its_last_notes_rests_between_them():
    rest = SPEC.rest_index
    pitch = np.array([
        [10, 10, 12, 12, rest, rest, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15],  # up 3 steps
        [20, 20, 18, 18, 18, 18, 16, 16, 9, 9, 9, 9, 9, 9, 9, 9],  # down, then a leap
        [20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20],  # one note
    ])  # fmt: skip
    onsets = np.zeros_like(pitch, dtype=bool)
    onsets[:, ::2] = True
    onsets[0, 10:] = False  # the last note is held
    onsets[2] = False
    onsets[2, 0] = True
    assert line_ends(pitch, onsets, rest)[1].tolist() == [3, 0, 0]


def test_a_unit_ends_with_the_run_its_notes_make_one_by_one():
    """``line_ends``' runs over whole batches are ``run_lengths`` of each row's notes in turn."""
    rest = SPEC.rest_index
    rng = np.random.default_rng(1)
    for _ in range(500):
        rows, steps = int(rng.integers(1, 9)), int(rng.choice([12, 16]))
        moves = rng.choice([-7, -3, -2, -1, 0, 1, 2, 3, 12], size=(rows, steps))
        pitch = np.clip(18 + np.cumsum(moves, axis=1), 0, rest - 1)
        pitch[rng.random((rows, steps)) < 0.15] = rest
        onsets = rng.random((rows, steps)) < rng.random()
        one_by_one = []
        for notes, starts in zip(pitch, onsets & (pitch != rest), strict=True):
            moved = np.diff(notes[starts])
            one_by_one.append(int(run_lengths(moved)[-1]) if len(moved) else 0)
        assert line_ends(pitch, onsets, rest)[1].tolist() == one_by_one
