"""A track's notes as columns give what the note-by-note code gives, to the last bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.keyfinding import (
    columns_histogram,
    estimate_key,
    key_of_histogram,
    pitch_class_histogram,
)
from studio.core.music import Note, Song, Track, track_columns

notes = st.lists(
    st.builds(Note, st.integers(0, 127), st.floats(0, 500, allow_nan=False),
              st.floats(0, 40, allow_nan=False), st.integers(0, 127)),
    max_size=60,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(notes, st.booleans()), max_size=4))
def test_columns_give_the_end_histogram_key_and_ranges_of_the_notes(tracks):
    song = Song(tuple(Track(tuple(n), is_drum=drum) for n, drum in tracks))
    columns = [track_columns(track) for track in song.tracks]
    for track, found in zip(song.tracks, columns, strict=True):
        assert found.pitch.tolist() == [n.pitch for n in track.notes]
        assert found.end.tolist() == [n.end for n in track.notes]
        assert (
            (int(found.pitch.min()), int(found.pitch.max())) if len(found.pitch) else None
        ) == track.pitch_range
    end = max((float(c.end.max()) for c in columns if len(c.pitch)), default=0.0)
    assert end == song.end
    pitched = [c for t, c in zip(song.tracks, columns, strict=True) if not t.is_drum]
    histogram = columns_histogram([c.pitch for c in pitched], [c.duration for c in pitched])
    assert np.array_equal(histogram, pitch_class_histogram(song))
    assert key_of_histogram(histogram) == estimate_key(song)
