"""Window features: what the channels hold, and the invariances built into them."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.edit import transpose_song
from studio.core.music import Note, Song, TempoChange, Track
from studio.similarity.passages import (
    CONTOUR_CHANNEL,
    DENSITY_CHANNEL,
    LIBRARY_HOP_BEATS,
    MAX_WINDOWS,
    WINDOW_BEATS,
    note_arrays,
    song_windows,
    window_starts,
)

C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72)


def scale_song(pitches=C_MAJOR, repeats: int = 2, tempo: float = 120.0, drums=False) -> Song:
    notes = [Note(p, i * 1.0, 1.0, 90) for i, p in enumerate(list(pitches) * repeats)]
    tracks = [Track(tuple(notes), name="melody")]
    if drums:
        tracks.append(Track((Note(36, 0.0, 0.5, 100), Note(38, 1.0, 0.5, 100)), is_drum=True))
    return Song(tuple(tracks), tempos=(TempoChange(0.0, tempo),))


def test_channels_of_a_scale_in_quarter_notes():
    windows = song_windows(scale_song())
    first = windows.features[0]
    assert windows.starts[0] == 0.0 and windows.tonics[0] == 0  # C major: no rotation
    # Onsets every beat (4 steps), the melody's pitch class follows the scale.
    onset_steps = np.nonzero(first[12:24].any(axis=0))[0]
    assert list(onset_steps) == [0, 4, 8, 12, 16, 20, 24, 28]
    melody = [int(np.argmax(first[24:36, step])) for step in onset_steps]
    assert melody == [p % 12 for p in C_MAJOR]
    assert np.array_equal(first[24:36], first[36:48])  # one voice: top = bottom
    assert np.all(first[DENSITY_CHANNEL, onset_steps] == 0.25)
    contour = first[CONTOUR_CHANNEL, onset_steps]
    assert np.all(np.diff(contour) > 0)  # a rising scale rises
    assert abs(first[CONTOUR_CHANNEL].mean()) < 1e-6  # centred on the window's mean


def test_a_transposed_key_reads_the_same():
    d_major = [p + 2 for p in C_MAJOR]
    c, d = song_windows(scale_song()), song_windows(scale_song(d_major))
    assert list(d.tonics) == [(t + 2) % 12 for t in c.tonics]
    assert np.array_equal(c.features, d.features)


def test_drums_are_ignored():
    assert np.array_equal(
        song_windows(scale_song(drums=True)).features, song_windows(scale_song()).features
    )


def test_window_starts_cover_the_song_and_its_ending():
    starts = window_starts(21.0, 4)
    assert list(starts) == [0, 4, 8, 12, 16]  # the last window reaches 24 ≥ 21
    assert list(window_starts(5.0, 4)) == [0]
    assert len(window_starts(0.0, 4)) == 0


def test_long_songs_are_capped_at_max_windows_with_a_wider_hop():
    notes = [Note(60 + i % 12, float(i), 1.0, 90) for i in range(4 * (MAX_WINDOWS + 50))]
    windows = song_windows(Song((Track(tuple(notes)),)), max_windows=MAX_WINDOWS)
    assert len(windows) <= MAX_WINDOWS
    assert windows.hop == 2 * LIBRARY_HOP_BEATS
    assert np.all(np.diff(windows.starts) == windows.hop)


def test_nearly_empty_windows_are_left_out():
    song = Song((Track((Note(60, 0.0, 1.0, 90), Note(64, 30.0, 1.0, 90))),))
    assert len(song_windows(song)) == 0
    assert len(note_arrays(Song())) == 0 and len(song_windows(Song())) == 0


@st.composite
def songs(draw):
    """Random two-part songs on a 16th grid."""
    tracks = []
    for _ in range(draw(st.integers(1, 2))):
        count = draw(st.integers(4, 40))
        notes = [
            Note(
                draw(st.integers(36, 96)),
                draw(st.integers(0, 4 * 24)) / 4,
                draw(st.integers(1, 8)) / 4,
                draw(st.integers(1, 127)),
            )
            for _ in range(count)
        ]
        tracks.append(Track(tuple(notes)))
    return Song(tuple(tracks), tempos=(TempoChange(0.0, draw(st.floats(40, 200))),))


@settings(max_examples=60, deadline=None)
@given(songs(), st.integers(-12, 12), st.floats(0.5, 2.0))
def test_windows_ignore_transposition_tempo_and_velocity(song, semitones, tempo_factor):
    other = transpose_song(song, semitones)
    other = Song(
        tuple(t.with_notes(Note(n.pitch, n.start, n.duration, 64) for n in t.notes)
              for t in other.tracks),
        tempos=(TempoChange(0.0, song.tempo * tempo_factor),),
    )  # fmt: skip
    a, b = song_windows(song), song_windows(other)
    assert np.array_equal(a.starts, b.starts)
    assert np.array_equal(a.features, b.features)


def test_window_length_is_two_bars_of_four_four():
    assert WINDOW_BEATS == 8  # the model card and the reasons ("bars 9–12") rely on it
