"""Reading a big MIDI file reports its progress and can be cancelled (issue 18)."""

from __future__ import annotations

import pytest

import studio.core.midi_read
from studio.core.midi_read import read_midi, read_song
from studio.core.midi_write import midi_bytes
from studio.core.music import ControlChange, Note, Song, Track
from studio.core.progress import Cancelled, CancelToken


def song_of(notes: int) -> Song:
    melody = Track(tuple(Note(60 + i % 12, i * 0.5, 0.5, 90) for i in range(notes)),
                   controls=(ControlChange(0.0, 7, 100), ControlChange(1.0, 64, 127)))  # fmt: skip
    bass = Track(tuple(Note(36 + i % 12, i * 2.0, 2.0, 70) for i in range(notes // 4)))
    return Song((melody, bass))


def test_progress_counts_every_event_batch_by_batch(monkeypatch):
    monkeypatch.setattr(studio.core.midi_read, "EVENT_BATCH", 100)
    data = midi_bytes(song_of(1000))
    reports = []
    song = read_midi(data, progress=lambda done, total, text: reports.append((done, total, text)))
    assert song == read_midi(data)  # the same song as read in one go
    total = 1000 + 250 + 2
    assert all(report[1] == total for report in reports)
    dones = [report[0] for report in reports]
    assert dones == sorted(dones) and dones[-1] == total and len(dones) > 10
    assert reports[-1][2] == f"read {total:,} of {total:,} events"


def test_a_cancel_stops_the_read_at_the_next_batch(monkeypatch, tmp_path):
    monkeypatch.setattr(studio.core.midi_read, "EVENT_BATCH", 100)
    path = tmp_path / "big.mid"
    path.write_bytes(midi_bytes(song_of(1000)))
    token = CancelToken()
    reports = []

    def progress(done: int, total: int, text: str) -> None:
        reports.append(done)
        if done >= 300:
            token.cancel()

    with pytest.raises(Cancelled):
        read_song(path, progress=progress, cancel=token)
    assert reports[-2] < 300 <= reports[-1]  # not a batch more
    with pytest.raises(Cancelled):  # cancelled before it starts: no event read
        read_song(path, cancel=token)


def test_a_big_file_is_read_with_the_garbage_collector_paused_and_it_comes_back(monkeypatch):
    import gc

    monkeypatch.setattr(studio.core.midi_read, "EVENT_BATCH", 100)
    monkeypatch.setattr(studio.core.midi_read, "GC_PAUSE_NOTES", 500)
    data = midi_bytes(song_of(1000))
    states = []
    read_midi(data, progress=lambda *_: states.append(gc.isenabled()))
    assert states and not any(states)  # no full collections while the notes are made
    assert gc.isenabled()
    token = CancelToken()
    with pytest.raises(Cancelled):  # cancelled at the first batch, inside the paused stretch
        read_midi(data, progress=lambda *_: states.append(gc.isenabled()) or token.cancel(),
                  cancel=token)  # fmt: skip
    assert not states[-1] and gc.isenabled()  # back on after a cancel too
    states.clear()
    read_midi(midi_bytes(song_of(100)), progress=lambda *_: states.append(gc.isenabled()))
    assert states and all(states)  # a small file: left alone
