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
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox

from studio.core.errors import StudioError
from studio.gui import edit_dialogs
from studio.gui.clipboard import RollClipboard
from studio.gui.recent_files import recent_menu
from studio.gui.theme import apply_theme
from studio.settings import load_settings, update_settings

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
    file.addMenu(recent_menu(window, lambda path: _open_recent(window, path)))
    _action(window, file, "actionSave", "&Save", window.save, keys.Save)
    _action(window, file, "actionSaveAs", "Save &As…", lambda: save_as_dialog(window), keys.SaveAs)
    file.addSeparator()
    _action(window, file, "actionExportMidi", "Export &MIDI…", lambda: _export_midi(window),
            "Ctrl+E")  # fmt: skip
    _action(window, file, "actionExportWav", "Export &WAV…", lambda: _export_wav(window),
            "Ctrl+Shift+E")  # fmt: skip
    file.addSeparator()
    # Ctrl+Q itself: QKeySequence.Quit has no key on some platforms (offscreen, Windows)
    _action(window, file, "actionQuit", "&Quit", window.close, "Ctrl+Q")
    edit = menus.addMenu("&Edit")
    undo = roll.undo_stack.createUndoAction(window, "&Undo")
    undo.setObjectName("actionUndo")
    undo.setShortcut(keys.Undo)
    redo = roll.undo_stack.createRedoAction(window, "&Redo")
    redo.setObjectName("actionRedo")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    edit.addActions([undo, redo])
    edit.addSeparator()
    clip = RollClipboard(roll, window)
    clip.setObjectName("rollClipboard")
    clip.bind(
        _action(window, edit, "actionCut", "Cu&t", clip.cut, keys.Cut),
        _action(window, edit, "actionCopy", "&Copy", clip.copy, keys.Copy),
        _action(window, edit, "actionPaste", "&Paste", clip.paste, keys.Paste),
        _action(window, edit, "actionDuplicate", "D&uplicate", clip.duplicate, "Ctrl+D"),
    )
    _action(window, edit, "actionDelete", "&Delete", roll.delete_selection)
    _action(window, edit, "actionSelectAll", "Select &All", roll.select_all, "Ctrl+A")
    edit.addSeparator()
    for name, text, dialog in (
        ("actionQuantize", "&Quantize…", edit_dialogs.QuantizeDialog),
        ("actionTranspose", "&Transpose…", edit_dialogs.TransposeDialog),
        ("actionVelocity", "&Velocity…", edit_dialogs.VelocityDialog),
    ):
        _action(window, edit, name, text, lambda _=False, d=dialog: d(roll, window).open())
    _action(window, edit, "actionLegato", "&Legato", lambda: edit_dialogs.apply_legato(roll))
    edit.addSeparator()
    key_lock = _action(window, edit, "actionKeyLock", "&Key Lock", roll.set_key_lock, "Ctrl+K")
    key_lock.setCheckable(True)
    key_lock.setToolTip("Drawn and moved notes land on pitches of the song's key")
    generate = menus.addMenu("&Generate")
    generate_action = _action(window, generate, "actionGenerate", "&Generate", window.generate,
                              "Ctrl+G")  # fmt: skip
    generate_action.setEnabled(False)  # until the model is ready
    panel = window.generate_panel
    for name, text, button, shortcut in (
        ("actionContinue", "&Continue Melody", panel.continue_button, None),
        ("actionRegenerate", "&Regenerate Selected Bars", panel.regenerate_button, "Ctrl+R"),
    ):
        action = _action(window, generate, name, text, button.click, shortcut)
        action.setEnabled(False)  # until the model is ready
    generate.addSeparator()
    morph = _action(window, generate, "actionMorph", "&Morph Two Ideas", window.morph_ideas)
    morph.setEnabled(False)  # until the model is ready and two ideas are selected
    more = _action(window, generate, "actionMoreLike", "More &Like This Idea",
                   lambda: window.more_like_idea(), "Ctrl+M")  # fmt: skip
    more.setEnabled(False)  # until the model is ready and an idea is current
    _library_menu(window, menus.addMenu("&Library"))
    view = menus.addMenu("&View")
    zoom_in = _action(window, view, "actionZoomIn", "Zoom &In", roll.zoom_in, "Ctrl++")
    zoom_in.setShortcuts([QKeySequence(k) for k in ("Ctrl++", "+", "=", "Ctrl+=")])
    zoom_out = _action(window, view, "actionZoomOut", "Zoom &Out", roll.zoom_out, "Ctrl+-")
    zoom_out.setShortcuts([QKeySequence(k) for k in ("Ctrl+-", "-")])
    _action(window, view, "actionZoomFit", "Zoom to &Fit", roll.zoom_fit, "Ctrl+0")
    _view_options(window, view)
    play = QAction("Play / Stop", window)
    play.setObjectName("actionPlay")
    play.setShortcut(QKeySequence(Qt.Key.Key_Space))
    play.triggered.connect(window.toggle_play)
    window.addAction(play)
    help_menu = menus.addMenu("&Help")
    shortcuts = _action(window, help_menu, "actionShortcuts", "&Keyboard Shortcuts",
                        lambda: _shortcuts(window))  # fmt: skip
    shortcuts.setShortcuts([QKeySequence("F1"), QKeySequence("Ctrl+/")])
    _action(window, help_menu, "actionAbout", "&About Motif Studio", lambda: _about(window))
    edit.addSeparator()  # Preferences stays the Edit menu's last item
    _action(window, edit, "actionPreferences", "&Preferences…", lambda: _preferences(window),
            "Ctrl+,")  # fmt: skip


def _library_menu(window: MainWindow, menu: QMenu) -> None:
    """Add Folder…, Rescan, Like and Dislike (of the track playing, else the one selected)."""
    library = window.library
    _action(window, menu, "actionAddFolder", "&Add Folder…", library.choose_folder,
            "Ctrl+Shift+O")  # fmt: skip
    _action(window, menu, "actionRescan", "&Rescan", library.rescan)
    menu.addSeparator()
    _action(window, menu, "actionLike", "&Like", lambda: library.react_to_current("like"),
            "Ctrl+L")  # fmt: skip
    _action(window, menu, "actionDislike", "&Dislike",
            lambda: library.react_to_current("dislike"), "Ctrl+Shift+L")  # fmt: skip
    menu.addSeparator()
    _action(window, menu, "actionSimilarToMelody", "Tracks Like &My Melody",
            library.similar_to_melody, "Ctrl+Shift+M")  # fmt: skip


# -- dialogs -------------------------------------------------------------------------------------


def _open(window: MainWindow) -> None:
    if not may_discard(window):
        return
    path, _ = QFileDialog.getOpenFileName(window, "Open MIDI file", "", MIDI_FILTER)
    if path:
        window.open_path(path)


def _open_recent(window: MainWindow, path: Path) -> None:
    if may_discard(window):
        window.open_path(path)


def save_as_dialog(window: MainWindow) -> bool:
    """Ask for a file to save the window's song to, and save it there; False if cancelled."""
    path, _ = QFileDialog.getSaveFileName(window, "Save as MIDI", "", MIDI_FILTER)
    return bool(path) and window.save_to(path)


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


# -- View options, Preferences, Help ----------------------------------------------------------

THEME_ACTIONS = (("dark", "actionThemeDark", "&Dark"), ("light", "actionThemeLight", "&Light"),
                 ("system", "actionThemeSystem", "&System"))  # fmt: skip


def _view_options(window: MainWindow, view: QMenu) -> None:
    """Follow Playhead, Hear Notes While Editing, the Theme submenu and Reset Layout; the
    toggles and the theme start from the settings and are kept there."""
    values = load_settings()[0]
    view.addSeparator()
    _toggle(window, view, "actionFollowPlayhead", "Follow &Playhead", "follow_playhead",
            values, window.piano_roll.set_follow_playhead)  # fmt: skip
    _toggle(window, view, "actionAuditionNotes", "&Hear Notes While Editing", "audition_notes",
            values)  # fmt: skip
    _toggle(window, view, "actionVelocityLane", "&Velocity Lane", "velocity_lane", values,
            window.piano_roll.set_velocity_lane_visible)  # fmt: skip
    themes = view.addMenu("&Theme")
    themes.setObjectName("menuTheme")
    group = QActionGroup(window)
    for name, action_name, text in THEME_ACTIONS:
        action = _action(window, themes, action_name, text,
                         lambda _checked=False, n=name: _choose_theme(window, n))  # fmt: skip
        action.setCheckable(True)
        action.setChecked(values["theme"] == name)
        group.addAction(action)
    view.addSeparator()
    _action(window, view, "actionResetLayout", "&Reset Layout", window.reset_layout)


def _toggle(window: MainWindow, menu: QMenu, name: str, text: str, key: str, values: dict,
            slot: Callable[[bool], None] | None = None) -> QAction:  # fmt: skip
    """A checkable action showing the setting ``key``; toggling it calls ``slot`` and stores
    the setting. ``slot`` also gets the stored value now."""
    action = QAction(text, window)
    action.setObjectName(name)
    action.setCheckable(True)
    action.setChecked(bool(values[key]))
    if slot is not None:
        slot(action.isChecked())
        action.toggled.connect(slot)
    action.toggled.connect(lambda on: _remember(window, {key: on}))
    menu.addAction(action)
    return action


def _remember(window: MainWindow, changes: dict) -> None:
    """Store ``changes`` in the settings; a failure is said in the status bar."""
    try:
        update_settings(changes)
    except StudioError as error:
        window.statusBar().showMessage(str(error), 10_000)


def _choose_theme(window: MainWindow, name: str) -> None:
    apply_theme(QApplication.instance(), name)
    _remember(window, {"theme": name})


def _preferences(window: MainWindow) -> None:
    """Open the Preferences dialog (window-modal, not blocking); OK also updates the window."""
    from studio.gui.preferences import PreferencesDialog

    dialog = PreferencesDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.settingsSaved.connect(lambda values: _preferences_saved(window, dialog, values))
    dialog.open()


def _preferences_saved(window: MainWindow, dialog, values: dict) -> None:
    """Show what the dialog changed: the theme's menu item, the Generate panel's defaults, and
    that new sound settings wait for the next start."""
    from studio.gui.preferences import MELODY_KEYS, SOUND_KEYS

    for name, action_name, _text in THEME_ACTIONS:
        if name == values["theme"]:
            window.findChild(QAction, action_name).setChecked(True)
    if dialog.changed(MELODY_KEYS):
        window.generate_panel.apply_defaults(values)
    if dialog.changed(("autosave_seconds",)):
        window.autosaver.set_interval(values["autosave_seconds"])
    if dialog.changed(SOUND_KEYS):
        window.statusBar().showMessage("Sound settings take effect at the next start", 10_000)


def _shortcuts(window: MainWindow) -> None:
    from studio.gui.shortcuts_help import ShortcutsDialog

    dialog = ShortcutsDialog(window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()


def about_text(window: MainWindow) -> str:
    """The About box's text (HTML): versions, the model, the SoundFont in use, licences."""
    import platform

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from studio import __version__
    from studio.core.resources import GAN_WEIGHTS

    return (
        f"<h3>Motif Studio {__version__}</h3>"
        "<p>Generate, edit, hear and find melodies — offline, on an ordinary CPU.</p>"
        f"<p>Python {platform.python_version()} · Qt {qVersion()} · PySide6 {pyside_version}<br>"
        f"Melody model: {GAN_WEIGHTS.name} (model card: resources/models/README.md)<br>"
        f"SoundFont: {_soundfont_in_use(window)}</p>"
        "<p><b>Licences.</b> Motif Studio: MIT. The melody model was trained on, and the demo "
        "library made from, public-domain music (O'Neill's <i>Music of Ireland</i>, Ryan's "
        "Mammoth Collection, Aird's <i>Airs</i>, J. S. Bach's chorales) in the encodings of the "
        "music21 corpus (BSD-3-Clause); see resources/models/README.md and "
        "resources/demo/README.md. The default SoundFont comes with pretty_midi or the system's "
        "fluid-soundfont-gm package, under its own licence.</p>"
    )


def _soundfont_in_use(window: MainWindow) -> str:
    """The SoundFont the player opened with (or would open with, without a player)."""
    from studio.audio.synth import SoundFontError, resolve_soundfont

    player = window.playback.player
    chosen = player.soundfont if player is not None else load_settings()[0]["soundfont"]
    try:
        path, _warning = resolve_soundfont(chosen)
    except SoundFontError as error:
        return str(error)
    return f"{path.name} ({path.parent})"


def _about(window: MainWindow) -> None:
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About Motif Studio", about_text(window),
                      parent=window)  # fmt: skip
    box.setObjectName("aboutBox")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setStyleSheet("QLabel { min-width: 460px; }")  # QMessageBox is narrow for this much
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
