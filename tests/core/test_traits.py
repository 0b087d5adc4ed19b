"""Musical traits: texture, harmony and rhythm statistics a musician can read, and their reasons."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.edit import transpose_song
from studio.core.music import Note, Song, TempoChange, Track
from studio.core.stats import median, percentiles
from studio.core.traits import NAMES, SIZE, musical_traits, shared_traits
from studio.similarity.passages import note_arrays


def song_of(*tracks: list[Note], tempo: float = 100.0) -> Song:
    return Song(tuple(Track(tuple(n)) for n in tracks), tempos=(TempoChange(0.0, tempo),))


def traits_of(song: Song) -> np.ndarray:
    notes = note_arrays(song)
    return musical_traits(notes.pitch, notes.start, notes.end)


def line(pitches, length: float = 0.5, start: float = 0.0) -> list[Note]:
    return [Note(p, start + i * length, length, 80) for i, p in enumerate(pitches)]


def block_chords(chords, length: float = 1.0) -> list[Note]:
    return [Note(p, i * length, length, 80) for i, chord in enumerate(chords) for p in chord]


def stats(song: Song) -> dict[str, float]:
    values = traits_of(song)
    assert values.shape == (SIZE,) and values.dtype == np.float32
    return dict(zip(NAMES, values.tolist(), strict=True))


SCALE = [60, 62, 64, 65, 67, 69, 71, 72] * 4
PROGRESSION = [(48, 64, 67, 72), (53, 65, 69, 72), (55, 62, 67, 71), (48, 64, 67, 72)] * 4


def test_a_single_line_and_block_chords_read_as_they_sound():
    melody = stats(song_of(line(SCALE)))
    chorale = stats(song_of(block_chords(PROGRESSION)))
    assert melody["voices"] == 1 and melody["chordal"] == 0
    assert chorale["voices"] == 4 and chorale["chordal"] == 1
    assert chorale["span"] > melody["span"]
    assert melody["density"] == pytest.approx(np.log2(1 + 2))  # notes a beat, on a log scale
    assert chorale["density"] == pytest.approx(np.log2(1 + 1))
    assert melody["offbeat"] == 0.5 and chorale["offbeat"] == 0


def test_the_harmony_names_its_chords():
    major = stats(song_of(block_chords(PROGRESSION)))
    assert major["triads"] > 0.7 and major["minor"] == 0 and major["sevenths"] == 0
    minor = stats(song_of(block_chords([(57, 60, 64), (62, 65, 69)] * 8)))
    assert minor["triads"] == 1 and minor["minor"] == 1 and minor["changes"] == 1
    sevenths = stats(song_of(block_chords([(55, 59, 62, 65), (48, 55, 64, 70)] * 8)))
    assert sevenths["sevenths"] == 1
    held = stats(song_of(block_chords([(48, 64, 67)] * 16)))
    assert held["changes"] == 0 and held["dissonance"] == 0


def test_chromatic_notes_and_triplets_are_counted():
    diatonic = stats(song_of(line(SCALE)))
    chromatic = stats(song_of(line(range(60, 84))))
    assert diatonic["chromatic"] == 0 and chromatic["chromatic"] > 0.3
    triplets = stats(song_of(line(SCALE, length=1 / 3)))
    assert triplets["triplet"] == 21 / 32 and triplets["offbeat"] == 0  # 11 of 32 on the beat
    syncopated = stats(song_of([Note(60 + i % 5, i * 2 + 0.5, 1.0, 80) for i in range(16)]))
    assert syncopated["syncopation"] == 1


@settings(max_examples=20, deadline=None)
@given(st.integers(-12, 12), st.floats(40, 200))
def test_transposition_and_tempo_leave_the_traits_as_it_is(semitones, tempo):
    song = song_of(line(SCALE), block_chords(PROGRESSION, 2.0))
    moved = transpose_song(
        song_of(line(SCALE), block_chords(PROGRESSION, 2.0), tempo=tempo), semitones
    )
    assert np.allclose(traits_of(song), traits_of(moved), atol=1e-6)


def test_an_empty_song_has_a_zero_traits():
    assert not traits_of(Song(())).any()


def test_shared_traits_name_what_sets_both_apart_from_the_library():
    library = [song_of(line(np.roll(SCALE, k))) for k in range(8)]
    library += [song_of(block_chords(PROGRESSION)), song_of(block_chords(PROGRESSION[::-1]))]
    rows = np.stack([traits_of(s) for s in library]).astype(float)
    mean, scale = rows.mean(axis=0), np.maximum(rows.std(axis=0), 0.02)
    traits = shared_traits(rows[-1], rows[-2], mean, scale, limit=len(NAMES))
    assert "block chords" in traits and "a full texture (4 notes at once)" in traits
    assert "slow rhythms (1.0 notes a beat)" in traits
    assert len(shared_traits(rows[-1], rows[-2], mean, scale)) == 2
    # two lines like most of the library share nothing that stands out
    assert shared_traits(rows[0], rows[1], mean, scale) == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 127), min_size=1, max_size=400),
       st.lists(st.floats(0, 64, allow_nan=False), min_size=1, max_size=400))  # fmt: skip
def test_the_quick_percentiles_and_median_are_numpys_to_the_last_bit(pitches, lengths):
    pitches, lengths = np.array(pitches), np.array(lengths)
    assert percentiles(np.sort(pitches), (5, 95)) == list(np.percentile(pitches, [5, 95]))
    assert median(lengths) == float(np.median(lengths))
