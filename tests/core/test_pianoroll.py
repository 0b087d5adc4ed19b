"""Tests of the piano-roll encoding in studio.core.pianoroll."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.pianoroll import (
    EncodedMelody,
    PianoRollSpec,
    decode_melody,
    encode_melody,
    fit_to_range,
    from_matrix,
    place_in_range,
    to_matrix,
)

SPEC = PianoRollSpec()


def test_spec_defaults():
    assert (SPEC.low, SPEC.high, SPEC.steps_per_beat) == (48, 84, 4)
    assert SPEC.n_pitches == 37
    assert SPEC.rest_index == 37
    assert SPEC.steps_per_bar == 16
    with pytest.raises(InvalidInput):
        PianoRollSpec(low=60, high=50)
    with pytest.raises(InvalidInput):
        PianoRollSpec(steps_per_beat=0)


def test_encode_small_melody():
    notes = [Note(60, 0, 1, 90), Note(62, 1.5, 0.25, 80)]
    encoded = encode_melody(notes)
    assert encoded.n_steps == 16
    assert encoded.pitch.dtype == np.int16
    assert encoded.onset.dtype == bool
    assert encoded.velocity.dtype == np.uint8
    rest = SPEC.rest_index
    assert encoded.pitch.tolist() == [12] * 4 + [rest] * 2 + [14] + [rest] * 9
    assert np.flatnonzero(encoded.onset).tolist() == [0, 6]
    assert encoded.velocity.tolist() == [90] * 4 + [0, 0, 80] + [0] * 9


def test_length_is_whole_bars_or_given():
    assert encode_melody([Note(60, 3.75, 0.5)]).n_steps == 32
    assert encode_melody([]).n_steps == 16
    cropped = encode_melody([Note(60, 0, 1), Note(62, 1, 4), Note(64, 8, 1)], n_steps=8)
    assert decode_melody(cropped) == (Note(60, 0, 1), Note(62, 1, 1))


def test_repeated_pitch_and_held_note_differ():
    repeated = encode_melody([Note(60, 0, 1), Note(60, 1, 1)])
    held = encode_melody([Note(60, 0, 2)])
    assert np.array_equal(repeated.pitch, held.pitch)
    assert not np.array_equal(repeated.onset, held.onset)
    assert decode_melody(repeated) == (Note(60, 0, 1), Note(60, 1, 1))
    assert decode_melody(held) == (Note(60, 0, 2),)


def test_rounding_and_short_notes():
    notes = [Note(60, 0.02, 0.98), Note(62, 1.1, 0.1), Note(64, 1.9, 0.6)]
    assert decode_melody(encode_melody(notes)) == (Note(60, 0, 1), Note(64, 2, 0.5))


def test_rounding_overlap_is_cut_and_the_later_note_wins():
    # 0.6 + 1.6 steps round to 1 + 2, running into the next note, which rounds to step 2.
    notes = [Note(60, 0.15, 0.4), Note(62, 0.55, 0.5)]
    assert decode_melody(encode_melody(notes)) == (Note(60, 0.25, 0.25), Note(62, 0.5, 0.5))
    # Both notes round onto step 1: the later one wins.
    notes = [Note(60, 0.15, 0.15), Note(62, 0.3, 0.25)]
    assert decode_melody(encode_melody(notes)) == (Note(62, 0.25, 0.25),)


def test_overlapping_notes_are_rejected():
    with pytest.raises(InvalidInput, match=r"pitch 60 at beat 0.*pitch 64 starts at beat 1"):
        encode_melody([Note(60, 0, 2), Note(64, 1, 1)])
    with pytest.raises(InvalidInput, match="not monophonic"):
        encode_melody([Note(60, 0, 1), Note(64, 0, 1)])


def test_out_of_range_is_rejected():
    with pytest.raises(InvalidInput, match="pitch 90 at beat 2"):
        encode_melody([Note(60, 0, 1), Note(90, 2, 1)])
    with pytest.raises(InvalidInput, match="pitch 47"):
        encode_melody([Note(47, 0, 1)])


def test_decode_with_offset_and_missing_onsets():
    rest = SPEC.rest_index
    encoded = EncodedMelody(
        pitch=[rest, 12, 12, 14, 14, rest],
        onset=[True, False, False, False, True, False],
        velocity=[0, 0, 0, 70, 70, 0],
    )
    assert decode_melody(encoded, offset_beats=4.0) == (
        Note(60, 4.25, 0.5, 100),
        Note(62, 4.75, 0.25, 70),
        Note(62, 5.0, 0.25, 70),
    )
    with pytest.raises(InvalidInput):
        decode_melody(EncodedMelody([99], [True], [100]))
    with pytest.raises(InvalidInput):
        EncodedMelody([1, 2], [True], [100])


def test_matrix_layout():
    encoded = encode_melody([Note(48, 0, 0.5), Note(84, 0.75, 0.25)], n_steps=4)
    matrix = to_matrix(encoded)
    assert matrix.shape == (4, 39)
    assert matrix.dtype == np.float32
    assert matrix[:, :38].sum(axis=1).tolist() == [1, 1, 1, 1]
    assert np.argmax(matrix[:, :38], axis=1).tolist() == [0, 0, 37, 36]
    assert matrix[:, 38].tolist() == [1, 0, 0, 1]


def test_from_matrix_reads_soft_values():
    matrix = np.zeros((3, SPEC.n_pitches + 2), dtype=np.float32)
    matrix[0, 5], matrix[0, -1] = 0.6, 0.9
    matrix[1, 5], matrix[1, 7], matrix[1, -1] = 0.3, 0.2, 0.4
    matrix[2, SPEC.rest_index], matrix[2, -1] = 0.7, 0.9
    encoded = from_matrix(matrix, velocity=64)
    assert encoded.pitch.tolist() == [5, 5, SPEC.rest_index]
    assert encoded.onset.tolist() == [True, False, False]
    assert encoded.velocity.tolist() == [64, 64, 0]
    with pytest.raises(InvalidInput, match="shape"):
        from_matrix(np.zeros((3, 10)))


def test_fit_to_range_moves_by_octaves():
    notes = (Note(30, 0, 1), Note(60, 1, 1, 70), Note(100, 2, 1), Note(85, 3, 1))
    fitted = fit_to_range(notes)
    assert [n.pitch for n in fitted] == [54, 60, 76, 73]
    assert fitted[1] is notes[1]
    assert [n.start for n in fitted] == [0, 1, 2, 3]
    with pytest.raises(InvalidInput, match="no octave"):
        fit_to_range([Note(59, 0, 1)], PianoRollSpec(low=60, high=65))


def test_place_in_range_moves_the_whole_melody_by_octaves():
    climbing = [Note(p, i, 1) for i, p in enumerate([74, 79, 84, 86, 88, 86, 84])]
    assert [n.pitch for n in place_in_range(climbing)] == [62, 67, 72, 74, 76, 74, 72]
    low = [Note(p, i, 1) for i, p in enumerate([40, 45, 52])]
    assert [n.pitch for n in place_in_range(low)] == [52, 57, 64]
    fits = [Note(60, 0, 1, 70), Note(84, 1, 1)]
    assert place_in_range(fits) == tuple(fits)  # already in range: not moved
    # wider than the range: the move that leaves the fewest outside, the rest folded
    wide = [Note(p, i, 1) for i, p in enumerate([36, 48, 60, 72, 90])]
    assert [n.pitch for n in place_in_range(wide)] == [48, 60, 72, 84, 78]  # up one, 102 folded
    assert place_in_range([]) == ()


@given(st.lists(st.integers(0, 127), min_size=1, max_size=20))
def test_place_in_range_keeps_intervals_when_the_span_fits(pitches):
    notes = [Note(p, i, 1) for i, p in enumerate(pitches)]
    placed = place_in_range(notes)
    assert all(SPEC.low <= n.pitch <= SPEC.high for n in placed)
    assert [n.pitch % 12 for n in placed] == [p % 12 for p in pitches]
    low, high = min(pitches), max(pitches)
    if any(SPEC.low <= low + 12 * k and high + 12 * k <= SPEC.high for k in range(-11, 11)):
        moves = {n.pitch - p for n, p in zip(placed, pitches, strict=True)}
        assert len(moves) == 1 and moves.pop() % 12 == 0


@st.composite
def quantized_melodies(draw, spec=SPEC):
    """Random monophonic melodies on the step grid, in the spec's range."""
    notes = []
    step = draw(st.integers(0, 8))
    for _ in range(draw(st.integers(0, 24))):
        length = draw(st.integers(1, 12))
        notes.append(
            Note(
                pitch=draw(st.integers(spec.low, spec.high)),
                start=step / spec.steps_per_beat,
                duration=length / spec.steps_per_beat,
                velocity=draw(st.integers(1, 127)),
            )
        )
        step += length + draw(st.integers(0, 6))
    return tuple(notes)


@given(quantized_melodies())
def test_encode_decode_is_lossless(notes):
    encoded = encode_melody(notes)
    assert encoded.n_steps % 16 == 0
    assert decode_melody(encoded) == notes


@given(quantized_melodies(PianoRollSpec(low=36, high=96, steps_per_beat=12)))
def test_encode_decode_is_lossless_at_other_resolutions(notes):
    spec = PianoRollSpec(low=36, high=96, steps_per_beat=12)
    assert decode_melody(encode_melody(notes, spec=spec), spec=spec) == notes


@given(quantized_melodies())
def test_matrix_round_trip(notes):
    encoded = encode_melody(notes)
    back = from_matrix(to_matrix(encoded))
    assert np.array_equal(back.pitch, encoded.pitch)
    assert np.array_equal(back.onset, encoded.onset)
    assert decode_melody(back) == tuple(
        Note(n.pitch, n.start, n.duration, 100) for n in decode_melody(encoded)
    )


@given(st.lists(st.integers(0, 127), max_size=20))
def test_fit_to_range_keeps_pitch_classes(pitches):
    notes = [Note(p, i, 1) for i, p in enumerate(pitches)]
    fitted = fit_to_range(notes)
    assert all(SPEC.low <= n.pitch <= SPEC.high for n in fitted)
    assert [n.pitch % 12 for n in fitted] == [p % 12 for p in pitches]
    for pitch, note in zip(pitches, fitted, strict=True):
        if SPEC.low <= pitch <= SPEC.high:
            assert note.pitch == pitch
        else:
            assert note.pitch in (
                SPEC.low + (pitch - SPEC.low) % 12,
                SPEC.high - (SPEC.high - pitch) % 12,
            )
