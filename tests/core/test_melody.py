"""Tests of melody extraction in studio.core.melody."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.errors import InvalidInput
from studio.core.melody import extract_melody, is_monophonic
from studio.core.music import Note, Track


def chord(pitches, start, duration, velocity=70):
    return [Note(p, start, duration, velocity) for p in pitches]


def test_is_monophonic():
    assert is_monophonic([])
    assert is_monophonic([Note(60, 0, 1), Note(62, 1, 1), Note(64, 3, 1)])
    assert not is_monophonic([Note(60, 0, 1.5), Note(62, 1, 1)])
    assert not is_monophonic(chord([60, 64], 0, 1))
    assert is_monophonic([Note(60, 0, 0), Note(62, 0, 1)])  # a zero-length note never sounds
    assert is_monophonic([Note(60, 0.1, 0.2), Note(62, 0.3, 1)])  # 0.1 + 0.2 != 0.3 exactly


def test_chords_with_melody_on_top():
    melody = [
        Note(76, 0, 1, 100),
        Note(74, 1, 1, 100),
        Note(72, 2, 2, 100),
        Note(79, 4, 0.5, 100),
        Note(77, 4.5, 0.5, 100),
        Note(76, 5, 3, 100),
    ]
    accompaniment = chord([48, 60, 64, 67], 0, 4) + chord([53, 60, 65, 69], 4, 4) + [Note(43, 2, 2)]
    track = Track(accompaniment + melody)
    assert extract_melody(track) == tuple(melody)
    assert extract_melody(accompaniment + melody) == tuple(melody)


def test_overlapping_notes_are_trimmed():
    notes = [Note(72, 0, 2), Note(74, 1, 2), Note(76, 2.5, 1)]
    assert extract_melody(notes) == (Note(72, 0, 1), Note(74, 1, 1.5), Note(76, 2.5, 1))


def test_lower_onsets_under_a_short_held_note_are_hidden():
    notes = [Note(72, 0, 1), Note(60, 0.5, 1), Note(74, 1.5, 1)]
    assert extract_melody(notes) == (Note(72, 0, 1), Note(74, 1.5, 1))


def test_grace_note_before_main_note_is_ignored():
    notes = [
        Note(64, 0, 1),
        Note(69, 0.95, 0.05),  # grace note a whole tone above the main note
        Note(67, 1, 1),
        *chord([48, 55], 0, 2),
    ]
    assert extract_melody(notes) == (Note(64, 0, 1), Note(67, 1, 1))


def test_trill_on_held_note_is_ignored():
    trill = [Note(74 if i % 2 else 72, i * 0.0625, 0.0625) for i in range(8)]
    assert extract_melody([Note(72, 0, 2), *trill]) == (Note(72, 0, 2),)


def test_fast_run_on_its_own_is_kept():
    run = tuple(Note(60 + i, i * 0.0625, 0.0625) for i in range(8))
    assert extract_melody(run) == run


def test_long_held_note_does_not_hide_the_line_below():
    held = Note(84, 0, 8)
    line = [Note(p, i, 1) for i, p in enumerate([72, 71, 69, 67, 65, 64, 62, 60])]
    result = extract_melody([held, *line])
    assert result == (Note(84, 0, 2), *line[2:])
    assert extract_melody([held, *line], max_hold=100) == (held,)


def test_legato_overlap_into_a_lower_note():
    notes = [Note(72, 0, 1.1), Note(71, 1, 1.1), Note(69, 2, 1)]
    assert extract_melody(notes) == (Note(72, 0, 1), Note(71, 1, 1), Note(69, 2, 1))


def test_chord_struck_just_before_the_melody_note():
    notes = [Note(72, 0, 1), *chord([60, 64], 0.98, 1), Note(74, 1, 1)]
    assert extract_melody(notes) == (Note(72, 0, 0.98), Note(74, 1, 1))


def test_drums_and_empty_give_nothing():
    drums = Track(tuple(chord([36, 42], 0, 0.5)), is_drum=True)
    assert extract_melody(drums) == ()
    assert extract_melody([]) == ()
    assert extract_melody([Note(60, 0, 0)]) == ()


def test_bad_settings():
    with pytest.raises(InvalidInput):
        extract_melody([], max_hold=-1)


polyphony = st.lists(
    st.builds(
        Note,
        pitch=st.integers(21, 108),
        start=st.integers(0, 64).map(lambda k: k / 8) | st.floats(0, 8, allow_nan=False),
        duration=st.integers(0, 32).map(lambda k: k / 8) | st.floats(0, 4, allow_nan=False),
        velocity=st.integers(1, 127),
    ),
    max_size=40,
)


@given(polyphony)
def test_result_is_always_monophonic_and_taken_from_the_input(notes):
    melody = extract_melody(notes)
    assert is_monophonic(melody)
    assert all(n.duration > 0 for n in melody)
    assert [n.start for n in melody] == sorted(n.start for n in melody)
    longest: dict[tuple, float] = {}
    for n in notes:
        key = (n.pitch, n.start, n.velocity)
        longest[key] = max(longest.get(key, 0.0), n.duration)
    for note in melody:
        assert note.duration <= longest[(note.pitch, note.start, note.velocity)]


@given(polyphony)
def test_a_monophonic_line_without_ornaments_is_kept(notes):
    line = []
    for note in sorted(notes, key=lambda n: n.start):
        if note.duration >= 0.125 and (not line or line[-1].end <= note.start):
            line.append(note)
    assert extract_melody(line) == tuple(line)
