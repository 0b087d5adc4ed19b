"""The music data classes: notes made from numpy columns are the notes ``Note`` makes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.music import Note, notes_from_columns


def columns(rows):
    pitch, start, duration, velocity = zip(*rows, strict=True)
    return (np.array(pitch, np.int16), np.array(start), np.array(duration),
            np.array(velocity, np.int16))  # fmt: skip


def test_notes_from_columns_equal_the_notes_note_makes():
    rng = np.random.default_rng(3)
    rows = [(int(p), float(s), float(d), int(v)) for p, s, d, v in zip(
        rng.integers(0, 128, 500), rng.random(500) * 100, rng.random(500) * 4,
        rng.integers(0, 128, 500), strict=True)]  # fmt: skip
    rows += [(0, 0.0, 0.0, 0), (127, 1e6, 0.0, 127)]  # the edges of every range
    made = notes_from_columns(*columns(rows))
    expected = [Note(*row) for row in rows]
    assert made == expected and hash(tuple(made)) == hash(tuple(expected))
    assert all(type(n.pitch) is int and type(n.start) is float for n in made)
    assert all(type(n.duration) is float and type(n.velocity) is int for n in made)
    assert made[0].end == expected[0].end
    with pytest.raises(AttributeError):  # still frozen
        made[0].pitch = 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ((128, 0.0, 1.0, 90), "pitch 128 is outside"),
        ((-1, 0.0, 1.0, 90), "pitch -1 is outside"),
        ((60, 0.0, 1.0, 128), "velocity 128 is outside"),
        ((60, -0.5, 1.0, 90), "start -0.5 beats is negative"),
        ((60, 0.0, -1.0, 90), "duration -1.0 beats is negative"),
        ((60, math.nan, 1.0, 90), "not a finite number"),
        ((60, 0.0, math.inf, 90), "not a finite number"),
    ],
)
def test_a_bad_value_in_a_column_is_refused_as_note_refuses_it(row, message):
    good = (60, 1.0, 1.0, 90)
    with pytest.raises(InvalidInput, match=message):
        notes_from_columns(*columns([good, row, good]))
