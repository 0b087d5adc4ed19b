"""The window with a damaged model (issue 18): generation, or similar tracks and suggestions,
turn off and say why; opening, editing, playing, exporting and the library go on working. The
models are copies of resources/models in a temporary folder that counts as the shipped one."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton

from studio.core import model_files
from studio.core.midi_read import read_midi
from studio.core.resources import MODELS
from studio.engine import Engine


def damage(path) -> None:
    """Flip one byte in the middle: the file still parses, only the manifest can tell."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def models(tmp_path, monkeypatch):
    """A copy of the shipped models' folder that counts as the shipped one."""
    copy = tmp_path / "models"
    shutil.copytree(MODELS, copy)
    monkeypatch.setattr(model_files, "SHIPPED_FOLDER", copy)
    return copy


@pytest.fixture
def open_window(qtbot, user_dirs, models):
    """``open_window()``: the whole window on the models of ``models`` (closed afterwards)."""
    from studio.gui.main_window import MainWindow
    from studio.gui.playback import QtPlayback
    from studio.gui.worker import WorkerClient

    windows = []

    def factory() -> Engine:
        return Engine(gan_weights=models / "gan.safetensors",
                      autoencoder_weights=models / "autoencoder.safetensors")  # fmt: skip

    def build():
        worker = WorkerClient(factory)
        window = MainWindow(worker, QtPlayback(), library_engine=factory)
        worker.start()
        window.resize(1400, 900)
        window.show()
        windows.append(window)
        return window

    yield build
    for window in windows:
        window.piano_roll.undo_stack.setClean()
        window.close()


def test_a_damaged_melody_model_turns_generation_off_and_the_rest_works(
    open_window, models, qtbot, tmp_path, data_dir
):
    damage(models / "gan.safetensors")
    window = open_window()
    qtbot.waitUntil(lambda: window.worker.model_error is not None, timeout=90_000)
    assert not window.model_ready
    why = window.worker.model_error
    assert why.startswith("the melody model is damaged: ") and "reinstall Motif Studio" in why
    for name in ("generateButton", "continueButton", "regenerateButton"):
        button = window.findChild(QPushButton, name)
        assert not button.isEnabled() and button.toolTip() == f"generation is off: {why}"
    for name in ("actionGenerate", "actionContinue", "actionRegenerate", "actionMorph"):
        assert not window.findChild(QAction, name).isEnabled()
    assert window.work_status.label.text() == f"generation is off: {why}"
    shown = window.findChild(QLabel, "modelProblem")  # in the panel too, not only in tooltips
    assert shown.isVisible() and shown.text() == f"generation is off: {why}"

    # Open, edit (undoably), play, export MIDI and WAV: all as usual.
    assert window.open_path(data_dir / "key_and_names.mid")
    song = window.piano_roll.song()
    edited = replace(song, tracks=(replace(song.tracks[0], notes=song.tracks[0].notes[1:]),
                                   *song.tracks[1:]))  # fmt: skip
    window.piano_roll.replace_song(edited, "Delete a note")
    assert window.piano_roll.undo_stack.canUndo()
    window.toggle_play()
    window.toggle_play()
    assert window.export_midi(tmp_path / "out.mid")
    assert len(read_midi(tmp_path / "out.mid").notes) == len(edited.notes)
    with qtbot.waitSignal(window.worker.finished, timeout=60_000):
        window.export_wav(tmp_path / "out.wav")
    assert (tmp_path / "out.wav").read_bytes()[:4] == b"RIFF"
    assert window.work_status.label.text() == f"generation is off: {why}"  # not "loading…"

    # The library (the demo library on this first run) and its similar tracks work.
    qtbot.waitUntil(lambda: window.library.ready, timeout=60_000)
    assert window.library.pane.rows() is not None and len(window.library.pane.rows()) >= 20
    assert window.library.similar_off is None
    with qtbot.waitSignal(window.similarReady, timeout=30_000):
        window.library.show_similar(1)


def test_a_damaged_similar_model_turns_similar_tracks_off_and_the_rest_works(
    open_window, models, qtbot
):
    damage(models / "autoencoder.safetensors")
    window = open_window()
    qtbot.waitUntil(lambda: window.model_ready, timeout=90_000)
    qtbot.waitUntil(lambda: window.library.ready, timeout=60_000)
    why = window.library.similar_off
    assert why.startswith("the similar-tracks model is damaged: ") and "reinstall" in why
    assert len(window.library.pane.rows()) >= 20  # the demo library, catalogued
    similar, for_you = window.library.similar.state, window.library.for_you.state
    qtbot.waitUntil(lambda: for_you.text() == f"Suggestions are off: {why}")
    assert similar.text() == f"Similar tracks are off: {why}"
    with qtbot.waitSignal(window.library.similarFailed) as failed:
        window.library.show_similar(1)  # asking again says the same, no message box
    assert failed.args == [f"Similar tracks are off: {why}"]
    assert similar.isVisible() and similar.text() == f"Similar tracks are off: {why}"
    window.library.similar_to_melody()
    assert similar.text().startswith(("Similar tracks are off: ", "The editor is empty"))

    # Generation works.
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):
        window.generate()
    assert window.ideas.count() > 0


SCREENSHOT_WITHOUT_MODEL = """
import sys
from studio.core.errors import ModelFileError
from studio.generation.generator import MelodyGenerator
from studio.gui.app import screenshot

def damaged(self, *args, **kwargs):
    raise ModelFileError("the melody model is damaged: test")

MelodyGenerator.__init__ = damaged
sys.exit(screenshot(sys.argv[1], (1200, 800), [], sys.argv[2]))
"""


def test_a_screenshot_with_no_melody_model_shows_the_window_at_once(user_dirs, tmp_path):
    import subprocess
    import sys
    import time

    from PySide6.QtGui import QImage

    def shoot(scene: str):
        out = tmp_path / f"{scene}.png"
        command = [sys.executable, "-c", SCREENSHOT_WITHOUT_MODEL, str(out), scene]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        return done, out, time.perf_counter() - started

    done, out, seconds = shoot("window")
    assert done.returncode == 0, done.stderr
    assert seconds < 60  # not the 90 s wait for a model that never comes
    assert QImage(str(out)).size().toTuple() == (1200, 800)
    done, out, seconds = shoot("ideas")
    assert done.returncode == 1 and not out.exists()
    assert "the ideas scene needs the melody model" in done.stderr
