"""A big song is written on a thread (issue 18): Save and Export wait behind a "Saving…" dialog
while the event loop goes on, the autosave's timer tick does not wait at all, and failures are
reported as before. ``BACKGROUND_EVENTS`` is set to 0 so that the window's tune counts as big,
and the encoder is slowed down so that the write takes a while."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from conftest import edit_once
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes

WRITE_SECONDS = 0.6


@pytest.fixture
def slow_big_writes(window, qtbot, monkeypatch):
    """The window's melody, counted as big, with an encoder that takes WRITE_SECONDS; returns
    the names of the threads that encoded."""
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    monkeypatch.setattr("studio.gui.background_write.BACKGROUND_EVENTS", 0)
    threads: list[str] = []

    def slow_bytes(song):
        threads.append(threading.current_thread().name)
        time.sleep(WRITE_SECONDS)
        return midi_bytes(song)

    monkeypatch.setattr("studio.core.midi_write.midi_bytes", slow_bytes)
    monkeypatch.setattr("studio.gui.autosave.midi_bytes", slow_bytes)
    return threads


def timer_ticks() -> tuple[QTimer, list[float]]:
    """A 10 ms timer on the GUI thread and the times it fired: gaps show a frozen loop."""
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    return timer, ticks


def visible_write_dialogs(window) -> list[QProgressDialog]:
    found = window.findChildren(QProgressDialog, "backgroundWriteDialog")
    return [dialog for dialog in found if dialog.isVisible()]


def test_saving_a_big_song_keeps_the_event_loop_going_behind_a_modal_dialog(
    window, qtbot, slow_big_writes, tmp_path
):
    path = tmp_path / "song.mid"
    edit_once(window)
    # every dialog seen while the save runs, and when it was first seen: polled, as the moment
    # it shows depends on how long the save takes to start on a busy machine
    seen: dict[QProgressDialog, float] = {}
    look = QTimer()
    look.setInterval(10)
    look.timeout.connect(
        lambda: [seen.setdefault(d, time.perf_counter()) for d in visible_write_dialogs(window)]
    )
    look.start()
    timer, ticks = timer_ticks()
    started = time.perf_counter()
    assert window.save_to(path)
    timer.stop()
    look.stop()
    assert slow_big_writes == ["song-writer"]
    assert len(ticks) >= 20 and max(b - a for a, b in itertools.pairwise(ticks)) < 0.2
    ((dialog, shown),) = seen.items()
    assert shown - started >= 0.45  # half a second, as Qt's coarse timers keep it (±5 %)
    assert dialog.labelText() == "Saving song.mid…"
    assert dialog.windowModality() == Qt.WindowModality.WindowModal  # no edits meanwhile
    assert path.read_bytes() == midi_bytes(window.piano_roll.song())
    assert window.path == path and window.piano_roll.undo_stack.isClean()
    assert not visible_write_dialogs(window)


def test_exporting_a_big_song_writes_it_on_the_thread_too(window, qtbot, slow_big_writes, tmp_path):
    target = tmp_path / "export.mid"
    assert window.export_midi(target)
    assert slow_big_writes == ["song-writer"]
    assert read_midi(target).notes == read_midi(midi_bytes(window.piano_roll.song())).notes


def test_a_big_save_that_fails_says_so_and_keeps_the_work_aside(
    window, qtbot, slow_big_writes, tmp_path
):
    edit_once(window)
    assert not window.save_to(tmp_path / "no such folder" / "song.mid")
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    assert boxes and "kept aside for recovery" in boxes[0].text()
    assert slow_big_writes == ["song-writer", "song-writer"]  # the save, then the autosave
    assert read_midi(window.autosaver.midi_path).notes == window.piano_roll.song().notes
    assert not window.piano_roll.undo_stack.isClean()
    boxes[0].close()


def test_the_timer_s_autosave_of_a_big_song_does_not_wait_and_reports_when_done(
    window, qtbot, slow_big_writes
):
    saver = window.autosaver
    edit_once(window)
    started = time.perf_counter()
    assert not saver.save_now(wait=False)  # returns at once: the outcome comes later
    assert time.perf_counter() - started < WRITE_SECONDS / 2
    assert not saver.save_now(wait=False)  # a tick while it writes starts no second write
    qtbot.waitUntil(lambda: saver.midi_path.exists() and not saver.writing, timeout=10_000)
    assert slow_big_writes == ["song-writer"] and saver.last_error is None
    assert read_midi(saver.midi_path).notes == window.piano_roll.song().notes


def test_a_failed_autosave_on_the_thread_is_reported(window, qtbot, slow_big_writes, tmp_path):
    saver = window.autosaver
    blocker = tmp_path / "not a folder"
    blocker.write_text("")
    saver.folder = blocker
    edit_once(window)
    saver.save_now(wait=False)
    qtbot.waitUntil(lambda: not saver.writing, timeout=10_000)
    assert "autosave failed" in saver.last_error
    assert "autosave failed" in window.statusBar().currentMessage()


def test_a_clean_save_waits_for_an_autosave_still_writing(window, qtbot, slow_big_writes):
    saver = window.autosaver
    edit_once(window)
    saver.save_now(wait=False)
    saver.clear()  # what a successful Save does: the write must not bring the song back
    assert not saver.writing and not saver.midi_path.exists()
    qtbot.wait(int(WRITE_SECONDS * 1000))
    assert not saver.midi_path.exists()
