"""Tests of the pure editing operations in studio.core.edit."""

import threading
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.edit import (
    add_note,
    delete_notes,
    legato,
    merge_tracks,
    move_notes,
    quantize,
    remove_overlaps,
    resize_notes,
    set_velocity,
    settle_same_pitch,
    split_track,
    stretch,
    transpose,
    transpose_song,
)
from studio.core.errors import InvalidInput
from studio.core.music import ControlChange, KeySignature, Note, Song, Track

NOTES = (
    Note(60, 0.0, 1.0, 80),
    Note(64, 1.1, 0.5, 90),
    Note(67, 1.9, 1.0, 100),
)

notes_strategy = st.lists(
    st.builds(
        Note,
        pitch=st.integers(0, 127),
        start=st.floats(0, 64, allow_nan=False, allow_infinity=False),
        duration=st.floats(0, 8, allow_nan=False, allow_infinity=False),
        velocity=st.integers(1, 127),
    ),
    max_size=30,
).map(tuple)


# ------------------------------------------------------------------------------ transpose


def test_transpose_all_and_selected():
    assert [n.pitch for n in transpose(NOTES, 2)] == [62, 66, 69]
    assert [n.pitch for n in transpose(NOTES, -12, indices=[1])] == [60, 52, 67]
    assert NOTES[0].pitch == 60  # the original is unchanged


def test_transpose_keeps_list_order_and_returns_tuple():
    notes = [NOTES[2], NOTES[0]]
    result = transpose(notes, 1)
    assert result == (Note(68, 1.9, 1.0, 100), Note(61, 0.0, 1.0, 80))
    assert notes == [NOTES[2], NOTES[0]]


def test_transpose_out_of_range_names_the_note():
    with pytest.raises(InvalidInput, match=r"G4 at beat 1.9.*outside"):
        transpose(NOTES, 61)
    with pytest.raises(InvalidInput, match="whole number"):
        transpose(NOTES, 1.5)


def test_transpose_bad_index():
    with pytest.raises(InvalidInput, match="index 3"):
        transpose(NOTES, 1, indices=[3])
    with pytest.raises(InvalidInput, match="index -1"):
        transpose(NOTES, 1, indices=[-1])


def test_transpose_track_returns_track():
    track = Track(NOTES, program=5, name="lead")
    result = transpose(track, 12)
    assert isinstance(result, Track)
    assert result.program == 5 and result.name == "lead"
    assert [n.pitch for n in result.notes] == [72, 76, 79]
    assert track.notes == NOTES


@given(notes_strategy, st.integers(-20, 20))
def test_transpose_there_and_back_is_identity(notes, semitones):
    if all(0 <= n.pitch + semitones <= 127 for n in notes):
        assert transpose(transpose(notes, semitones), -semitones) == notes
    else:
        with pytest.raises(InvalidInput):
            transpose(notes, semitones)


def test_transpose_song_leaves_drums_and_shifts_key():
    drums = Track((Note(36, 0, 0.5),), is_drum=True)
    song = Song(
        tracks=(Track(NOTES), drums),
        key_signatures=(KeySignature(0.0, 7, "major"), KeySignature(8.0, 9, "minor")),
    )
    result = transpose_song(song, 7)
    assert [n.pitch for n in result.tracks[0].notes] == [67, 71, 74]
    assert result.tracks[1] == drums
    assert result.key_signatures == (KeySignature(0.0, 2, "major"), KeySignature(8.0, 4, "minor"))
    assert song.key_signatures[0].tonic == 7


# ------------------------------------------------------------------------------- quantize


def test_quantize_full_strength():
    result = quantize(NOTES, grid=0.5)
    assert [n.start for n in result] == [0.0, 1.0, 2.0]
    assert [n.duration for n in result] == [1.0, 0.5, 1.0]


def test_quantize_half_strength_and_selection():
    result = quantize(NOTES, grid=1.0, strength=0.5, indices=[2])
    assert result[:2] == NOTES[:2]
    assert result[2].start == pytest.approx(1.95)


def test_quantize_never_negative_and_tie_goes_earlier():
    notes = (Note(60, 0.1, 1.0), Note(60, 0.25, 1.0))
    assert [n.start for n in quantize(notes, grid=0.5)] == [0.0, 0.0]


def test_quantize_ends():
    notes = (Note(60, 0.1, 0.3), Note(62, 1.02, 0.01))
    result = quantize(notes, grid=0.25, quantize_ends=True)
    assert result == (Note(60, 0.0, 0.5), Note(62, 1.0, 0.25))


def test_quantize_swing_delays_off_beat_points():
    notes = (Note(60, 0.0, 0.5), Note(62, 0.55, 0.5), Note(64, 1.02, 0.5), Note(65, 1.6, 0.5))
    result = quantize(notes, grid=0.5, swing=2 / 3)
    # Off-beat points move from k + 0.5 to k + 0.5 + 2/3 * 0.25 = k + 2/3 (a triplet feel).
    assert [n.start for n in result] == pytest.approx([0.0, 2 / 3, 1.0, 1 + 2 / 3])


def test_quantize_bad_arguments():
    for kwargs in ({"grid": 0}, {"strength": 1.5}, {"swing": -0.1}):
        with pytest.raises(InvalidInput):
            quantize(NOTES, **kwargs)


def test_quantize_to_a_grid_finer_than_floats_returns():
    """A script's grid of 1e-308 beats used to walk grid points forever (k·grid stopped moving
    as k grew); every start is on such a grid already. Run on a daemon thread so a regression
    fails instead of hanging the test run."""
    notes = (Note(60, 0.5, 1.0), Note(62, 1.3, 0.7), Note(64, 1e300, 1.0))
    results = []
    for kwargs in ({}, {"swing": 0.5}, {"quantize_ends": True, "strength": 0.5}):
        worker = threading.Thread(
            target=lambda kw=kwargs: results.append(quantize(notes, grid=1e-308, **kw)),
            daemon=True,
        )
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), kwargs
    assert [[n.start for n in result] for result in results] == [[0.5, 1.3, 1e300]] * 3
    assert quantize(notes, grid=0.25, swing=0.5)[2].start == 1e300  # huge beats, a coarse grid


@given(notes_strategy, st.sampled_from([0.125, 0.25, 0.5, 1.0]))
def test_quantize_full_strength_puts_starts_on_grid(notes, grid):
    result = quantize(notes, grid=grid)
    assert all(n.start / grid == int(n.start / grid) for n in result)
    assert [n.duration for n in result] == [n.duration for n in notes]
    assert all(abs(r.start - n.start) <= grid / 2 for r, n in zip(result, notes, strict=True))


@given(notes_strategy)
def test_quantize_zero_strength_changes_nothing(notes):
    assert quantize(notes, strength=0.0, swing=0.5, quantize_ends=True) == notes


@given(
    st.lists(st.integers(0, 64), max_size=20),
    st.floats(0, 1),
    st.sampled_from([0.25, 0.5]),
)
def test_swing_moves_only_off_beat_grid_points(steps, swing, grid):
    notes = tuple(Note(60, k * grid, grid) for k in steps)
    result = quantize(notes, grid=grid, swing=swing)
    for k, note in zip(steps, result, strict=True):
        if k % 2 == 0:
            assert note.start == k * grid
        else:
            assert note.start == pytest.approx(k * grid + swing * grid / 2)


# ------------------------------------------------------------------- move, resize, delete


def test_move_notes():
    result = move_notes(NOTES, [0, 2], beats=1.0, semitones=-1)
    assert result == (Note(59, 1.0, 1.0, 80), NOTES[1], Note(66, 2.9, 1.0, 100))
    with pytest.raises(InvalidInput, match="before the start"):
        move_notes(NOTES, [1], beats=-2.0)
    with pytest.raises(InvalidInput, match="outside"):
        move_notes(NOTES, [0], semitones=100)


def test_move_notes_in_a_track_moves_the_selected_note_in_time_too():
    # Regression (found by tests/core/test_edit_properties.py): transposing first re-sorted the
    # track, so the time shift went to whichever note then sat at the selected index.
    chord = Track((Note(60, 0.0, 1.0), Note(64, 0.0, 1.0)))
    moved = move_notes(chord, [0], beats=1.0, semitones=7)
    assert moved.notes == (Note(64, 0.0, 1.0), Note(67, 1.0, 1.0))


def test_resize_notes():
    assert resize_notes(NOTES, [1], delta=0.25)[1] == Note(64, 1.1, 0.75, 90)
    assert resize_notes(NOTES, [0, 1], delta=-0.75)[:2] == (
        Note(60, 0.0, 0.25, 80),
        Note(64, 1.1, 0.0, 90),
    )
    assert [n.duration for n in resize_notes(NOTES, None, duration=2.0)] == [2.0] * 3
    with pytest.raises(InvalidInput, match="exactly one"):
        resize_notes(NOTES, [0])
    with pytest.raises(InvalidInput, match="negative"):
        resize_notes(NOTES, [0], duration=-1.0)


def test_delete_and_add():
    assert delete_notes(NOTES, [0, 2]) == (NOTES[1],)
    assert delete_notes(NOTES, []) == NOTES
    new = Note(72, 0.5, 0.25)
    assert add_note(NOTES, new) == (*NOTES, new)
    assert add_note(Track(NOTES), new).notes == (NOTES[0], new, NOTES[1], NOTES[2])
    with pytest.raises(InvalidInput):
        add_note(NOTES, (72, 0.5, 0.25))
    assert len(NOTES) == 3


def test_set_velocity():
    assert [n.velocity for n in set_velocity(NOTES, None, velocity=64)] == [64, 64, 64]
    assert [n.velocity for n in set_velocity(NOTES, [0, 2], scale=1.5)] == [120, 90, 127]
    assert [n.velocity for n in set_velocity(NOTES, None, delta=-85)] == [1, 5, 15]
    with pytest.raises(InvalidInput):
        set_velocity(NOTES, None, velocity=0)
    with pytest.raises(InvalidInput):
        set_velocity(NOTES, None, velocity=10, delta=3)
    with pytest.raises(InvalidInput):
        set_velocity(NOTES, None, scale=-1)


def test_legato_chords_end_together():
    notes = (Note(60, 0, 0.5), Note(64, 0, 0.25), Note(67, 1, 0.5), Note(69, 3, 2))
    assert [n.duration for n in legato(notes)] == [1.0, 1.0, 2.0, 2.0]


def test_stretch():
    assert stretch((NOTES[0], Note(62, 2, 1)), 0.5) == (Note(60, 0, 0.5, 80), Note(62, 1, 0.5))
    with pytest.raises(InvalidInput):
        stretch(NOTES, 0)


def test_remove_overlaps():
    notes = (
        Note(60, 0, 2),
        Note(60, 1, 2),
        Note(64, 0, 4),  # a different pitch may overlap
        Note(62, 3, 1),
        Note(62, 3, 0.5),  # shorter duplicate
    )
    assert remove_overlaps(notes) == (
        Note(60, 0, 1),
        Note(64, 0, 4),
        Note(60, 1, 2),
        Note(62, 3, 1),
    )


def test_settle_same_pitch_ends_a_held_note_where_an_edited_one_starts():
    held, inner, late = Note(60, 0, 4, 90), Note(60, 1, 1, 100), Note(60, 3, 2, 80)
    other_pitch = Note(62, 1, 4)
    # a new note inside a held one: the held one ends where it starts
    assert settle_same_pitch([held, inner, other_pitch], [False, True, False], 480) == (
        Note(60, 0, 1, 90), inner, other_pitch
    )  # fmt: skip
    # a new long note over later ones: it ends where the first of them starts
    assert settle_same_pitch([held, inner], [True, False], 480) == (Note(60, 0, 1, 90), inner)
    # untouched pairs stay, even overlapping (as a file read them)
    assert settle_same_pitch([held, late, inner], [False] * 3, 480) == (held, late, inner)
    # an edit reaches every note still sounding where it starts, each ending at the first
    # note of its pitch that starts inside it
    assert settle_same_pitch([held, Note(60, 0.5, 3), inner], [False, False, True], 480) == (
        Note(60, 0, 0.5, 90), Note(60, 0.5, 0.5), inner
    )  # fmt: skip
    # a note the edit trims ends at the first start inside it, an untouched one's too
    assert settle_same_pitch([held, inner, late], [False, False, True], 480) == (
        Note(60, 0, 1, 90), inner, late
    )  # fmt: skip
    blip = Note(60, 1, 0)  # zero length: a start all the same
    assert settle_same_pitch([Note(60, 0.5, 1), blip], [True, False], 480)[0] == Note(60, 0.5, 0.5)
    # notes that start on the same tick stay (they read back as saved), zero-length ones too
    twin = Note(60, 1 + 1e-5, 2, 127)
    assert settle_same_pitch([inner, twin], [False, True], 480) == (inner, twin)
    assert settle_same_pitch([Note(60, 1, 0), twin], [True, True], 480) == (Note(60, 1, 0), twin)
    with pytest.raises(InvalidInput):
        settle_same_pitch([held], [], 480)


# -------------------------------------------------------------------- merge and split


def test_merge_tracks():
    a = Track((Note(60, 0, 1),), program=1, name="a", controls=(ControlChange(2.0, 64, 127),))
    b = Track((Note(48, 0, 1),), program=2, name="b", controls=(ControlChange(1.0, 64, 0),))
    merged = merge_tracks([a, b])
    assert merged.notes == (Note(48, 0, 1), Note(60, 0, 1))
    assert merged.program == 1 and merged.name == "a"
    assert [c.beat for c in merged.controls] == [1.0, 2.0]
    assert merge_tracks([a, b], name="piano", program=0).name == "piano"
    with pytest.raises(InvalidInput):
        merge_tracks([])
    with pytest.raises(InvalidInput, match="drum"):
        merge_tracks([a, Track(is_drum=True)])


def test_split_track_hands():
    track = Track((Note(60, 0, 1), Note(59, 0, 1), Note(72, 1, 1)), program=3, name="piano")
    upper, lower = split_track(track)
    assert upper.notes == (Note(60, 0, 1), Note(72, 1, 1))
    assert lower.notes == (Note(59, 0, 1),)
    assert upper.program == lower.program == 3
    assert (upper.name, lower.name) == ("piano (upper)", "piano (lower)")


@given(st.lists(notes_strategy, min_size=1, max_size=4), st.integers(0, 128))
def test_merge_then_split_keeps_every_note_once(note_lists, split_pitch):
    tracks = [Track(notes) for notes in note_lists]
    upper, lower = split_track(merge_tracks(tracks), split_pitch)
    assert all(n.pitch >= split_pitch for n in upper.notes)
    assert all(n.pitch < split_pitch for n in lower.notes)
    expected = Counter(n for notes in note_lists for n in notes)
    assert Counter(upper.notes) + Counter(lower.notes) == expected
