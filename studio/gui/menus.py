"""The main window's menus and shortcuts, and the dialogs their actions open.

``build_menus(window)`` adds the File, Edit, Generate, View and Help menus and the Space
shortcut to a ``MainWindow``. The actions' objectNames (``actionOpen``, ``actionSave``,
``actionExportMidi``, ``actionExportWav``, ``actionUndo``, ``actionRedo``, ``actionGenerate``, …)
are part of the automation contract (docs/architecture.md). The file dialogs end in the window's
``open_path``, ``save``, ``export_midi`` and ``export_wav``; ``may_discard`` (the "unsaved
changes" question) and ``save_as_dialog`` are used by the window too.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

MIDI_FILTER = "MIDI files (*.mid *.midi *.kar *.rmi);;All files (*)"


def _action(
    window: MainWindow, menu: QMenu, name: str, text: str, slot: Callable, shortcut=None
) -> QAction:
    """A menu action named ``name`` (its objectName) calling ``slot``."""
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    menu.addAction(action)
    return action


def build_menus(window: MainWindow) -> None:
    """Add the menus and the Space shortcut to ``window``; Generate starts disabled."""
    menus, roll, keys = window.menuBar(), window.piano_roll, QKeySequence.StandardKey
    file = menus.addMenu("&File")
    _action(window, file, "actionNew", "&New", window.new_song, keys.New)
    _action(window, file, "actionOpen", "&Open…", lambda: _open(window), keys.Open)
    _action(window, file, "actionSave", "&Save", window.save, keys.Save)
    _action(window, file, "actionSaveAs", "Save &As…", lambda: save_as_dialog(window), keys.SaveAs)
    file.addSeparator()
    _action(window, file, "actionExportMidi", "Export &MIDI…", lambda: _export_midi(window),
            "Ctrl+E")  # fmt: skip
    _action(window, file, "actionExportWav", "Export &WAV…", lambda: _export_wav(window),
            "Ctrl+Shift+E")  # fmt: skip
    file.addSeparator()
    _action(window, file, "actionQuit", "&Quit", window.close, keys.Quit)
    edit = menus.addMenu("&Edit")
    undo = roll.undo_stack.createUndoAction(window, "&Undo")
    undo.setObjectName("actionUndo")
    undo.setShortcut(keys.Undo)
    redo = roll.undo_stack.createRedoAction(window, "&Redo")
    redo.setObjectName("actionRedo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    edit.addActions([undo, redo])
    edit.addSeparator()
    _action(window, edit, "actionSelectAll", "Select &All", roll.select_all, "Ctrl+A")
    _action(window, edit, "actionDelete", "&Delete", roll.delete_selection)
    generate = menus.addMenu("&Generate")
    generate_action = _action(window, generate, "actionGenerate", "&Generate", window.generate,
                              "Ctrl+G")  # fmt: skip
    generate_action.setEnabled(False)  # until the model is ready
    view = menus.addMenu("&View")
    _action(window, view, "actionZoomIn", "Zoom &In", roll.zoom_in, "Ctrl++")
    _action(window, view, "actionZoomOut", "Zoom &Out", roll.zoom_out, "Ctrl+-")
    _action(window, view, "actionZoomFit", "Zoom to &Fit", roll.zoom_fit, "Ctrl+0")
    play = QAction("Play / Stop", window)
    play.setObjectName("actionPlay")
    play.setShortcut(QKeySequence(Qt.Key.Key_Space))
    play.triggered.connect(window.toggle_play)
    window.addAction(play)
    help_menu = menus.addMenu("&Help")
    _action(window, help_menu, "actionAbout", "&About Motif Studio", lambda: _about(window))


# -- dialogs -------------------------------------------------------------------------------------


def _open(window: MainWindow) -> None:
    if not may_discard(window):
        return
    path, _ = QFileDialog.getOpenFileName(window, "Open MIDI file", "", MIDI_FILTER)
    if path:
        window.open_path(path)


def save_as_dialog(window: MainWindow) -> bool:
    """Ask for a file to save the window's song to, and save it there; False if cancelled."""
    path, _ = QFileDialog.getSaveFileName(window, "Save as MIDI", "", MIDI_FILTER)
    if not path:
        return False
    window.path = Path(path)
    return window.save()


def _export_midi(window: MainWindow) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "Export MIDI", "", MIDI_FILTER)
    if path:
        window.export_midi(path)


def _export_wav(window: MainWindow) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "Export WAV", "", "WAV audio (*.wav)")
    if path:
        window.export_wav(path)


def may_discard(window: MainWindow) -> bool:
    """Whether the window's song may be dropped: it has no unsaved changes, or the user saves
    them or chooses to discard them (False: Cancel, or the save failed)."""
    if window.piano_roll.undo_stack.isClean():
        return True
    answer = QMessageBox.question(
        window, "Unsaved changes", "Save the changes to this song first?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
    )  # fmt: skip
    if answer == QMessageBox.StandardButton.Save:
        return window.save()
    return answer == QMessageBox.StandardButton.Discard


def _about(window: MainWindow) -> None:
    from studio import __version__

    QMessageBox.about(window, "About Motif Studio", f"Motif Studio {__version__}")
