"""Big MIDI files in the window (issue 18): read in the worker with progress and ✕, the event
loop turning meanwhile; a cancel or a damaged file leaves the editor as it was.

The threshold and the reader's batch are made small here, so a file of 60,000 notes (0.5 MB)
takes the path a file of millions takes, in about a second.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QToolButton

import studio.core.midi_read
import studio.gui.main_window
from studio.core.errors import MidiFileError
from studio.core.midi_read import read_song

NOTES_PER_TRACK = 15_000
TRACKS = 4


def big_midi(notes_per_track: int = NOTES_PER_TRACK, tracks: int = TRACKS) -> bytes:
    """A type-1 file: ``tracks`` tracks of eighth notes, each 8 bytes (480 ticks per beat)."""
    chunks = []
    for channel in range(tracks):
        i = np.arange(notes_per_track)
        events = np.zeros((notes_per_track, 8), np.uint8)
        pitch = 48 + (i * 5 + channel) % 36
        events[:, 1], events[:, 2], events[:, 3] = 0x90 | channel, pitch, 64 + i % 60
        events[:, 4], events[:, 5], events[:, 6] = 60, 0x80 | channel, pitch
        body = events.tobytes() + b"\x00\xff\x2f\x00"
        chunks.append(b"MTrk" + struct.pack(">I", len(body)) + body)
    return b"MThd" + struct.pack(">IHHH", 6, 1, tracks, 480) + b"".join(chunks)


@pytest.fixture
def big_file(tmp_path, monkeypatch):
    monkeypatch.setattr(studio.gui.main_window, "LARGE_FILE_BYTES", 10_000)
    monkeypatch.setattr(studio.core.midi_read, "EVENT_BATCH", 2_000)
    path = tmp_path / "big.mid"
    path.write_bytes(big_midi())
    return path


def count_notes(window) -> int:
    return sum(len(track.notes) for track in window.piano_roll.song().tracks)


def test_a_big_file_is_read_in_the_worker_while_the_event_loop_turns(window, qtbot, big_file):
    ticks, at_progress = [0], []
    timer = QTimer(window, interval=10)
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    window.worker.progress.connect(lambda _id, done, _total, _text: at_progress.append(ticks[0]))
    timer.start()
    with qtbot.waitSignal(window.fileOpened, timeout=60_000) as opened:
        assert window.open_path(big_file)  # started
        assert count_notes(window) != TRACKS * NOTES_PER_TRACK  # not yet: the worker reads it
        assert window.work_status.text() == "opening the file…"
        assert window.findChild(QToolButton, "cancelButton").isVisible()
    timer.stop()
    assert opened.args == [str(big_file)]
    assert count_notes(window) == TRACKS * NOTES_PER_TRACK
    assert window.piano_roll.song() == read_song(big_file)
    assert "big.mid" in window.windowTitle() and window.piano_roll.undo_stack.isClean()
    assert len(at_progress) > 10  # batch by batch
    assert at_progress[-1] > at_progress[0]  # the timer ticked while the worker read
    assert window.work_status.progress.maximum() == TRACKS * NOTES_PER_TRACK
    qtbot.waitUntil(lambda: not window.findChild(QToolButton, "cancelButton").isVisible())


def test_cancel_leaves_the_editor_as_it_was(window, qtbot, big_file):
    qtbot.waitUntil(lambda: count_notes(window) > 0, timeout=30_000)
    before = window.piano_roll.song()
    opened = []
    window.fileOpened.connect(opened.append)
    cancel = window.findChild(QToolButton, "cancelButton")
    clicked = []

    def click_cancel(*_progress) -> None:  # ✕ (Esc does the same) as soon as the reading began:
        if not clicked:  # waiting for a later report lost the race against a fast read
            clicked.append(True)
            qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

    window.worker.progress.connect(click_cancel)
    assert window.open_path(big_file)
    qtbot.waitUntil(lambda: bool(clicked), timeout=30_000)
    qtbot.waitUntil(lambda: not window.worker.busy)
    qtbot.wait(200)  # whatever the worker still sends is dropped
    assert window.piano_roll.song() is before
    assert not opened and window.findChild(QMessageBox, "errorBox") is None
    assert "big.mid" not in window.windowTitle()


def test_a_damaged_big_file_gives_the_same_one_line_message(window, qtbot, big_file):
    qtbot.waitUntil(lambda: count_notes(window) > 0, timeout=30_000)
    before = window.piano_roll.song()
    data = big_file.read_bytes()
    big_file.write_bytes(data[: len(data) * 3 // 4])  # truncated in its last track
    with pytest.raises(MidiFileError) as expected:
        read_song(big_file)
    assert window.open_path(big_file)  # started: the worker finds the damage
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None)
    box = window.findChild(QMessageBox, "errorBox")
    assert (box.windowTitle(), box.text()) == ("Cannot open the file", str(expected.value))
    assert "\n" not in box.text() and str(big_file) in box.text()
    assert window.piano_roll.song() is before
