"""Faults the window survives, injected with the window open: a full disk (the kernel's own
``RLIMIT_FSIZE``: a write past the limit fails with EFBIG, "File too large") or a failing write
during Save, Export MIDI, autosave and WAV export. Each says what failed, leaves the previous
file as it was and keeps the work in the editor (and kept aside when that still works)."""

from __future__ import annotations

import errno
import resource
import signal
import sqlite3
from contextlib import contextmanager

import pytest
from conftest import edit_once
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from studio.core.midi_read import read_midi

LIMIT_BYTES = 64
"""The "disk" holds files up to this size: every MIDI or WAV file the window writes is larger."""


@contextmanager
def full_disk():
    """Writes that would make a file larger than LIMIT_BYTES fail, as on a full disk."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a core dump
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT_BYTES, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def shown_errors(window) -> list[QMessageBox]:
    return [box for box in window.findChildren(QMessageBox, "errorBox") if box.isVisible()]


@pytest.fixture
def saved(window, qtbot, tmp_path):
    """The window's first melody saved as song.mid, then edited (unsaved)."""
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    path = tmp_path / "song.mid"
    assert window.save_to(path)
    edit_once(window)
    assert not window.piano_roll.undo_stack.isClean()
    return path


def test_save_on_a_full_disk_keeps_the_file_and_the_work(window, qtbot, saved):
    before, edited = saved.read_bytes(), window.piano_roll.song()
    with full_disk():
        qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # File ▸ Save
    (box,) = shown_errors(window)
    assert box.windowTitle() == "Cannot save"
    assert "File too large" in box.text() and "still open in the editor, unsaved" in box.text()
    assert saved.read_bytes() == before  # the atomic write left the old file whole
    assert not list(saved.parent.glob(".song.mid.*"))  # and no half-written temporary file
    assert window.piano_roll.song() == edited and not window.piano_roll.undo_stack.isClean()
    assert window.windowTitle().endswith("•")
    box.close()
    assert window.save()  # room again: the same Save works
    assert [n.pitch for n in read_midi(saved).notes] == [n.pitch for n in edited.notes]


def test_a_save_that_fails_keeps_the_work_aside_for_recovery(window, saved, monkeypatch):
    """The song's disk fails but the autosave folder's does not: the work is kept aside at
    once, and the next start would offer it back."""

    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("studio.core.midi_write.atomic_write_bytes", no_space)
    before = saved.read_bytes()
    assert not window.save()
    (box,) = shown_errors(window)
    assert "No space left on device" in box.text() and "kept aside for recovery" in box.text()
    assert saved.read_bytes() == before
    kept = read_midi(window.autosaver.midi_path)
    assert [n.pitch for n in kept.notes] == [n.pitch for n in window.piano_roll.song().notes]
    box.close()


def test_save_as_that_fails_keeps_the_songs_own_file(window, qtbot, saved, tmp_path):
    with full_disk():
        assert not window.save_to(tmp_path / "copy.mid")
    assert window.path == saved  # Save still goes to the file the song came from
    assert not (tmp_path / "copy.mid").exists()
    shown_errors(window)[0].close()


def test_export_midi_on_a_full_disk_says_so_and_changes_nothing(window, qtbot, saved, tmp_path):
    target = tmp_path / "export.mid"
    with full_disk():
        assert not window.export_midi(target)
    (box,) = shown_errors(window)
    assert box.windowTitle() == "Cannot export MIDI" and "File too large" in box.text()
    assert not target.exists() and window.path == saved
    assert not window.piano_roll.undo_stack.isClean()
    box.close()


def test_autosave_on_a_full_disk_says_so_and_tries_again_later(window, qtbot, saved):
    with full_disk():
        assert not window.autosaver.save_now()
    assert "autosave failed" in window.autosaver.last_error
    assert "autosave failed" in window.statusBar().currentMessage()
    assert not window.autosaver.midi_path.exists()
    assert window.autosaver.save_now()  # the next tick, with room again, keeps it aside
    assert window.autosaver.last_error is None and window.autosaver.midi_path.exists()


def test_wav_export_on_a_full_disk_says_so_and_keeps_the_previous_wav(window, qtbot, saved,
                                                                      tmp_path):  # fmt: skip
    target = tmp_path / "song.wav"

    def wav_errors():
        return [b for b in shown_errors(window) if b.windowTitle() == "Cannot export WAV"]

    with qtbot.waitSignal(window.worker.finished, timeout=60_000):
        window.export_wav(target)
    before = target.read_bytes()
    with full_disk(), qtbot.waitSignal(window.worker.failed, timeout=60_000):
        window.export_wav(target)
    # the library may record the first export late, inside the full disk too, and say so in
    # a box of its own: the export's box is the one to check
    qtbot.waitUntil(lambda: bool(wav_errors()), timeout=5_000)
    (box,) = wav_errors()
    assert "File too large" in box.text()
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if "wav" in p.name) == ["song.wav"]
    box.close()


def test_a_soundfont_damaged_or_deleted_while_running_falls_back_and_says_so(qtbot, user_dirs,
                                                                             tmp_path):  # fmt: skip
    import os
    import shutil

    import pretty_midi

    from studio.gui.app import create_window
    from studio.settings import set_setting

    mine = tmp_path / "mine.sf2"
    shutil.copyfile(os.path.join(os.path.dirname(pretty_midi.__file__), "TimGM6mb.sf2"), mine)
    set_setting("soundfont", str(mine))
    window = create_window()
    window.show()
    try:
        qtbot.waitUntil(lambda: window.model_ready and bool(window.piano_roll.song().notes),
                        timeout=60_000)  # fmt: skip
        for damage, said in ((lambda: mine.write_bytes(b"RIFF junk" * 100), "using the default"),
                             (mine.unlink, "not found")):  # fmt: skip
            damage()
            target = tmp_path / "out.wav"
            with qtbot.waitSignal(window.worker.finished, timeout=60_000):
                window.export_wav(target)
            assert target.read_bytes()[:4] == b"RIFF"
            message = window.statusBar().currentMessage()
            assert message.startswith(f"exported {target}") and said in message
            if window.playback.available:  # with the test sound server: it still plays
                window.toggle_play()
                qtbot.waitUntil(lambda: window.playback.player.is_playing, timeout=10_000)
                window.playback.stop()
        assert not shown_errors(window)
    finally:
        window.piano_roll.undo_stack.setClean()
        window.close()


def test_a_lost_audio_device_stops_playback_says_so_and_the_window_goes_on(window, qtbot,
                                                                          tmp_path):  # fmt: skip
    from conftest import need_audio

    need_audio()
    qtbot.waitUntil(lambda: bool(window.piano_roll.song().notes), timeout=30_000)
    player = window.playback.player

    def device_gone(out):
        raise OSError("device unplugged")

    window.toggle_play()
    qtbot.waitUntil(lambda: player.is_playing, timeout=10_000)
    player._transport.fill = device_gone  # what a vanished device does to the callback
    qtbot.waitUntil(lambda: "device unplugged" in window.statusBar().currentMessage(),
                    timeout=10_000)  # fmt: skip
    play = window.transport.play_button
    assert not play.isEnabled() and "device unplugged" in play.toolTip()
    edit_once(window)  # editing and saving go on
    assert window.export_midi(tmp_path / "after-the-loss.mid")


def test_indexing_on_a_full_disk_says_so_and_the_library_goes_on(window, qtbot, tmp_path,
                                                                  user_dirs):  # fmt: skip
    import shutil

    from studio.core.resources import DEMO_LIBRARY

    qtbot.waitUntil(lambda: window.library.ready, timeout=60_000)
    folder = tmp_path / "new tunes"
    folder.mkdir()
    for demo in sorted(DEMO_LIBRARY.glob("*.mid"))[:6]:
        shutil.copyfile(demo, folder / f"copy of {demo.name}")
    library = window.library
    rows = library.pane.view.model().rowCount
    before = rows()
    with full_disk(), qtbot.waitSignal(library.writes.failed, timeout=60_000):
        library.add_folder(folder)
    qtbot.waitUntil(lambda: bool(shown_errors(window)), timeout=10_000)
    (box,) = shown_errors(window)
    assert "cannot write to the library" in box.text() and "disk" in box.text()
    assert "internal error" not in box.text()
    box.close()
    with qtbot.waitSignal(library.writes.finished, timeout=60_000):
        library.add_folder(folder)  # room again: the same folder indexes
    qtbot.waitUntil(lambda: rows() == before + 6, timeout=20_000)
    library_file = user_dirs / "xdg_data_home" / "motif-studio" / "library.sqlite"
    with sqlite3.connect(library_file) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
