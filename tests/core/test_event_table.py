"""Controllers and pitch bends read from a file are kept as numpy columns (issue 18: a file
at the size limit has 12,000,000 of them) and behave like the tuple of the same events."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from studio.core.event_table import EventTable, event_table
from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes
from studio.core.music import ControlChange, Note, PitchBend, Song, Track

EVENTS = (ControlChange(0.0, 7, 100), ControlChange(0.5, 64, 127), ControlChange(2.25, 64, 0))


def table_of(events) -> EventTable:
    return EventTable(ControlChange, np.array([e.beat for e in events]),
                      np.array([e.number for e in events], dtype=np.uint8),
                      np.array([e.value for e in events], dtype=np.uint8))  # fmt: skip


def test_a_table_behaves_like_the_tuple_of_its_events():
    table = table_of(EVENTS)
    assert len(table) == 3 and bool(table)
    assert tuple(table) == EVENTS and list(table) == list(EVENTS)
    assert table == EVENTS and table != EVENTS[:2]
    assert EVENTS == table  # noqa: SIM300 (the tuple on the left: the reflected ==)
    assert table[1] == EVENTS[1] and table[-1] == EVENTS[-1]
    assert type(table[1].value) is int and type(table[1].beat) is float
    assert table[1:] == EVENTS[1:] and isinstance(table[1:], EventTable)
    assert hash(table) == hash(EVENTS)
    assert EVENTS[2] in table and table.index(EVENTS[2]) == 2
    assert pickle.loads(pickle.dumps(table)) == table
    assert repr(table) == "EventTable(ControlChange, 3 events)"
    with pytest.raises(IndexError):
        table[3]


def test_a_table_is_immutable_and_does_not_share_the_callers_arrays():
    beats = np.array([0.0, 1.0])
    table = EventTable(PitchBend, beats, np.array([0, 100], dtype=np.int16))
    beats[0] = 9.0
    assert table[0] == PitchBend(0.0, 0)
    with pytest.raises(ValueError):
        table.columns[0][0] = 5.0
    with pytest.raises(ValueError):
        EventTable(PitchBend, np.array([0.0]), np.array([1, 2]))


def test_no_events_make_an_empty_tuple():
    assert event_table(ControlChange, np.array([]), np.array([]), np.array([])) == ()


def test_a_file_s_controllers_and_bends_are_read_as_tables_and_compare_to_the_song():
    song = Song((Track((Note(60, 0, 1),), controls=EVENTS,
                       pitch_bends=(PitchBend(0.5, -2048), PitchBend(1.0, 0))),))  # fmt: skip
    again = read_midi(midi_bytes(song))
    track = again.tracks[0]
    assert isinstance(track.controls, EventTable) and isinstance(track.pitch_bends, EventTable)
    assert track.controls == EVENTS and track.pitch_bends == song.tracks[0].pitch_bends
    assert again.tracks == song.tracks  # Track equality sees through the tables
    assert midi_bytes(again) == midi_bytes(song)


def test_a_million_controllers_take_about_ten_bytes_each():
    count = 1_000_000
    values = np.arange(count, dtype=np.uint8) % 128
    table = EventTable(ControlChange, np.arange(count) / 96.0, np.full(count, 64, np.uint8), values)
    assert sum(column.nbytes for column in table.columns) == count * 10
    assert sum(1 for _ in table) == count
