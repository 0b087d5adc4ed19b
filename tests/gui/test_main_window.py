"""The main window as a user meets it: the first melody, Generate, ideas, open, export, errors,
the command line that starts it and the screenshot mode."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QToolButton,
)

from studio.core.midi_read import read_midi

CONTRACT_NAMES = ("pianoRoll", "generatePanel", "generateButton", "ideasList", "transportBar",
                  "playButton", "stopButton", "keyCombo", "chordsEdit", "barsSpin",
                  "variationsSpin", "seedSpin")  # fmt: skip
CONTRACT_ACTIONS = ("actionOpen", "actionSave", "actionExportMidi", "actionExportWav",
                    "actionUndo", "actionRedo", "actionGenerate")  # fmt: skip


def test_the_automation_contract_is_there(window):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QWidget

    for name in CONTRACT_NAMES:
        assert window.findChild(QWidget, name) is not None, name
    for name in CONTRACT_ACTIONS:
        assert window.findChild(QAction, name) is not None, name


def test_a_first_run_shows_a_melody_ready_to_play(window, qtbot):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 8, timeout=30_000)
    song = window.piano_roll.song()
    assert song.end >= 8 * 4 - 4  # eight bars
    assert window.piano_roll.undo_stack.isClean()
    assert "untitled" in window.windowTitle()


def test_generate_fills_the_ideas_and_one_opens_in_the_editor(window, qtbot):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    window.findChild(QSpinBox, "variationsSpin").setValue(3)
    with qtbot.waitSignal(window.ideasReady, timeout=30_000):
        qtbot.mouseClick(window.findChild(QPushButton, "generateButton"), Qt.MouseButton.LeftButton)
    ideas = window.findChild(QListWidget, "ideasList")
    assert ideas.count() == 3
    before = window.piano_roll.song()
    idea = window.ideas.idea(1)
    window.open_idea(1)
    assert [n.pitch for n in window.piano_roll.song().notes] == [n.pitch for n in idea.song.notes]
    window.piano_roll.undo_stack.undo()
    assert window.piano_roll.song() == before  # opening an idea is one undoable step


def test_export_midi_reads_back_the_same_song(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    target = tmp_path / "out.mid"
    assert window.export_midi(target)
    back = read_midi(target)
    song = window.piano_roll.song()
    assert [(n.pitch, round(n.start, 3)) for n in back.notes] == [
        (n.pitch, round(n.start, 3)) for n in song.notes
    ]


def test_open_a_file_and_a_damaged_one(window, qtbot, tmp_path, data_dir):
    good = data_dir / "key_and_names.mid"
    assert window.open_path(good)
    assert window.piano_roll.song() == read_midi(good)
    assert "key_and_names.mid" in window.windowTitle()
    bad = tmp_path / "broken.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01\xe0MTrk\x00\x00\x10\x00")
    assert not window.open_path(bad)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None)
    assert window.piano_roll.song() == read_midi(good)  # the app goes on with what it had


def test_export_wav_runs_in_the_worker(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    target = tmp_path / "out.wav"
    with qtbot.waitSignal(window.worker.finished, timeout=60_000):
        window.export_wav(target)
    assert target.read_bytes()[:4] == b"RIFF"


def test_with_key_lock_ticked_generated_melodies_keep_to_the_scale(window, qtbot):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    panel = window.generate_panel
    assert not panel.key_lock.isChecked()  # off by default: the key's leading tones may come
    qtbot.mouseClick(panel.key_lock, Qt.MouseButton.LeftButton)
    assert panel.key_lock.isChecked()
    window.findChild(QSpinBox, "variationsSpin").setValue(8)
    with qtbot.waitSignal(window.ideasReady, timeout=30_000):
        qtbot.mouseClick(window.findChild(QPushButton, "generateButton"), Qt.MouseButton.LeftButton)
    key = panel.request()["settings"]["key"]
    ideas = [window.ideas.idea(i) for i in range(8)]
    assert all(idea.notes for idea in ideas)
    assert all(key.contains(n.pitch % 12) for idea in ideas for n in idea.notes)


def test_screenshot_command_writes_a_picture(tmp_path, user_dirs):
    out = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-m", "studio", "--screenshot", str(out), "--size", "1200x800"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    colours = {image.pixel(x, y) for x in range(0, 1200, 40) for y in range(0, 800, 40)}
    assert len(colours) > 20  # panes with content, not a blank window


def test_no_display_is_a_clear_message(monkeypatch):
    from studio.core.errors import StudioError
    from studio.gui.app import check_display

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(StudioError, match="no display"):
        check_display()
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    check_display()  # offscreen needs no display


def test_the_status_bar_cancels_a_job(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    cancel = window.findChild(QToolButton, "cancelButton")
    assert not cancel.isVisible()
    with qtbot.waitSignal(window.worker.failed, timeout=30_000) as failed:
        window.export_wav(tmp_path / "long.wav")
        assert cancel.isVisible()
        qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    assert failed.args[1] == "cancelled"
    qtbot.waitUntil(lambda: not cancel.isVisible())  # nothing left to cancel


def test_without_an_audio_device_the_window_still_opens(qtbot, user_dirs, monkeypatch, tmp_path):
    from studio.gui.app import create_window
    from studio.settings import set_setting

    settings = tmp_path / "settings.json"
    set_setting("audio_device", "no-such-device-anywhere", settings)
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(settings))
    window = create_window()
    window.show()
    try:
        qtbot.waitUntil(lambda: window.model_ready, timeout=90_000)
        play = window.findChild(QToolButton, "playButton")
        assert not play.isEnabled() and "no audio output" in play.toolTip()
        assert window.audio_label.text() == "no audio output"
        window.toggle_play()  # Space does nothing harmful
        qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    finally:
        window.piano_roll.undo_stack.setClean()
        window.close()


def test_esc_cancels_a_job_and_is_the_editors_otherwise(window, qtbot, tmp_path):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 0, timeout=30_000)
    roll.select_all()
    with qtbot.waitSignal(window.worker.failed, timeout=30_000) as failed:
        window.export_wav(tmp_path / "long.wav")
        qtbot.keyClick(roll.note_area(), Qt.Key.Key_Escape)
    assert failed.args[1] == "cancelled"
    assert roll.selected_indices(), "the Esc went to the job, not to the selection"
    qtbot.waitUntil(lambda: not window.worker.busy)
    qtbot.keyClick(roll.note_area(), Qt.Key.Key_Escape)
    assert roll.selected_indices() == []


def test_plus_and_minus_zoom_the_roll_but_still_type_in_a_text_field(window, qtbot):
    roll = window.piano_roll
    before = roll.beat_to_x(8.0) - roll.beat_to_x(0.0)
    qtbot.keyClick(roll.note_area(), Qt.Key.Key_Plus)
    wider = roll.beat_to_x(8.0) - roll.beat_to_x(0.0)
    assert wider > before
    qtbot.keyClick(roll.note_area(), Qt.Key.Key_Minus)
    assert roll.beat_to_x(8.0) - roll.beat_to_x(0.0) < wider
    chords = window.findChild(QLineEdit, "chordsEdit")
    chords.setFocus()
    qtbot.keyClicks(chords, "C-G+")
    assert chords.text() == "C-G+"


def test_ctrl_k_turns_the_editors_key_lock_on_and_off(window, qtbot):
    from PySide6.QtGui import QAction

    action = window.findChild(QAction, "actionKeyLock")
    window.piano_roll.setFocus()
    qtbot.keyClick(window.piano_roll, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert action.isChecked() and window.piano_roll.key_lock()
    qtbot.keyClick(window.piano_roll, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert not action.isChecked() and not window.piano_roll.key_lock()


def test_a_damaged_settings_file_is_set_aside_and_the_window_says_so(qtbot, user_dirs):
    from studio.gui.app import create_window

    settings = user_dirs / "settings.json"
    settings.write_text('{"version": 1, "values": {"theme": "li')
    window = create_window()
    window.show()
    try:
        boxes = lambda: [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]  # noqa: E731
        qtbot.waitUntil(lambda: bool(boxes()), timeout=10_000)
        (box,) = boxes()
        assert box.windowTitle() == "Settings were reset" and "settings.json.bad" in box.text()
        assert (user_dirs / "settings.json.bad").read_text().endswith('"li')
        assert window.generate_panel.isEnabled()  # the window works on with the defaults
        box.close()
    finally:
        window.piano_roll.undo_stack.setClean()
        window.close()
