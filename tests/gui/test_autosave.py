"""Nothing a user made is lost: unsaved work is kept aside, and after a kill -9 the next start
offers it back exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from studio.core.edit import transpose_song
from studio.core.midi_read import read_midi

EDIT_AND_HANG = """
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication(["studio"])
from studio.core.edit import transpose_song
from studio.gui.app import create_window
window = create_window([sys.argv[1]])
window.show()
app.processEvents()
window.piano_roll.replace_song(transpose_song(window.piano_roll.song(), 3), "Transpose")
assert window.autosaver.save_now()
print("saved", flush=True)
while True:
    app.processEvents()
    time.sleep(0.05)
"""


def test_work_survives_a_kill_and_is_recovered_exactly(qtbot, user_dirs, data_dir):
    source = data_dir / "key_and_names.mid"
    process = subprocess.Popen(
        [sys.executable, "-c", EDIT_AND_HANG, str(source)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "saved"
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    from studio.gui.app import create_window

    window = create_window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "recoveryBox") is not None)
    (item,) = window.pending_recovery()
    assert item.source == source and item.title == source.name
    window.recover(item)
    expected = transpose_song(read_midi(source), 3)
    got = window.piano_roll.song()
    assert [(n.pitch, round(n.start, 3), round(n.duration, 3)) for n in got.notes] == [
        (n.pitch, round(n.start, 3), round(n.duration, 3)) for n in expected.notes
    ]
    assert "•" in window.windowTitle()  # recovered work is unsaved work
    assert window.pending_recovery() == []
    window.piano_roll.undo_stack.undo()  # recovering is one undoable step
    assert not window.piano_roll.song().notes or window.piano_roll.song() != got
    window.piano_roll.undo_stack.setClean()
    window.close()


def test_saving_clears_the_autosave_and_a_failed_autosave_keeps_the_work(
    window, tmp_path, data_dir
):
    window.open_path(data_dir / "key_and_names.mid")
    edited = transpose_song(window.piano_roll.song(), 2)
    window.piano_roll.replace_song(edited, "Transpose")
    assert window.autosaver.save_now() and window.autosaver.midi_path.exists()
    window.path = tmp_path / "mine.mid"
    assert window.save()
    assert not window.autosaver.midi_path.exists()
    assert not window.autosaver.save_now()  # nothing unsaved: nothing to write
    window.piano_roll.replace_song(transpose_song(edited, 1), "Transpose")
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    window.autosaver.folder = blocker
    assert not window.autosaver.save_now()
    assert "autosave failed" in window.autosaver.last_error
    assert window.piano_roll.song() == transpose_song(edited, 1)  # the work is still there
