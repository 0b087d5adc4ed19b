"""Scenes for ``studio --screenshot OUT.png --scene NAME``: the window set up as the user guide
shows it (docs/user-guide.md; ``scripts/user_guide_images.sh`` makes every picture).

A scene drives the real window through its automation contract (objectNames, actions, the
``*Ready`` signals) as a user would: it clicks Generate, selects notes, picks a library track,
gives ♥ and ✕, opens a menu or a dialog. Each scene is a generator: it does a step, then yields
a condition (a function returning True when the window shows the step's outcome), which
``play_scene`` polls with a ``QTimer``; at the end it returns a function that takes the picture.
Menus and dialogs are separate top-level widgets, so their pictures are painted over the
window's at the place the user sees them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QImage, QPainter, QPen
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDockWidget,
    QLineEdit,
    QListView,
    QPushButton,
    QSpinBox,
    QTableView,
    QWidget,
)

from studio.core.environment import environment
from studio.core.errors import InvalidInput

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

Condition = Callable[[], bool]
Picture = Callable[[], QImage]
Scene = Generator[Condition, None, Picture]
POLL_MS = 50
SETTLE_MS = 300
"""After the last condition holds: time for the panes to lay out and paint once more."""
IDEAS_SEED = 40
"""The seed the ``ideas`` scene types in, so its picture is the same every time."""
SIMILAR_ROW = 3
"""The library row whose similar tracks the ``similar`` scene shows."""
REACTIONS = ((0, "like"), (5, "like"), (9, "dislike"))
"""(library row, reaction) that the ``for-you`` scene records."""


class _Count:
    """How often a signal was emitted since this object was made."""

    def __init__(self, signal) -> None:
        self.value = 0
        signal.connect(self._add)

    def _add(self, *_args) -> None:
        self.value += 1


def _grab(window: MainWindow, *on_top: QWidget) -> Picture:
    """A picture of the window with ``on_top`` (menus, popups, dialogs) painted where they are
    shown, dialogs centred on the window as they open (the offscreen screen is smaller than
    the window, so Qt's own placement is off)."""

    def picture() -> QImage:
        image = window.grab().toImage()
        painter = QPainter(image)
        for widget in on_top:
            shot = widget.grab()
            place = window.mapFromGlobal(widget.mapToGlobal(QPoint(0, 0)))
            if isinstance(widget, QDialog):
                place = QPoint((image.width() - shot.width()) // 2,
                               (image.height() - shot.height()) // 2)  # fmt: skip
                # offscreen windows have no title bar: draw one
                place = _title_bar(painter, widget.windowTitle(), place, shot.width())
            painter.drawPixmap(place, shot)
            painter.setPen(QPen(QColor(0, 0, 0, 160), 1))
            painter.drawRect(place.x(), place.y(), shot.width() - 1, shot.height() - 1)
        painter.end()
        return image

    return picture


def _title_bar(painter: QPainter, title: str, place: QPoint, width: int) -> QPoint:
    """Paint a plain title bar saying ``title`` at ``place``; the point below it."""
    height = painter.fontMetrics().height() + 12
    top = QPoint(place.x(), max(0, place.y() - height))
    painter.fillRect(top.x(), top.y(), width, height, QColor(48, 50, 56))
    painter.setPen(QColor(230, 230, 230))
    painter.drawText(top.x(), top.y(), width, height, Qt.AlignmentFlag.AlignCenter, title)
    return QPoint(top.x(), top.y() + height)


def _library_track(window: MainWindow, row: int) -> int:
    """The track id of the library table's row ``row`` (as sorted now)."""
    view = window.findChild(QTableView, "libraryView")
    return view.model().index(row, 0).data(Qt.ItemDataRole.UserRole)


def _rows(window: MainWindow, name: str) -> int:
    return window.findChild(QListView, name).model().rowCount()


def _front_tab(window: MainWindow, dock: str) -> bool:
    """Whether the dock named ``dock`` is the visible tab of its group."""
    widget = window.findChild(QDockWidget, dock)
    return widget is not None and not widget.visibleRegion().isEmpty()


# -- the scenes ---------------------------------------------------------------------------------


def _window(window: MainWindow) -> Scene:
    """The window as it opens: the first melody in the editor, the first ideas, the library."""
    yield lambda: True
    return _grab(window)


def _ideas(window: MainWindow) -> Scene:
    """Generate in D minor over Dm Bb F C with six variations: the Ideas tab with its cards,
    the second one liked (♥) and the fourth disliked (✕)."""
    panel = window.generate_panel
    panel.findChild(QComboBox, "keyCombo").setCurrentText("D")
    panel.findChild(QComboBox, "modeCombo").setCurrentText("minor")
    panel.findChild(QLineEdit, "chordsEdit").setText("Dm Bb F C")
    panel.findChild(QSpinBox, "variationsSpin").setValue(6)
    panel.findChild(QSpinBox, "seedSpin").setValue(IDEAS_SEED)  # a seed typed in: locked
    window.show_dock("ideasDock")
    done = _Count(window.ideasReady)
    QTest.mouseClick(panel.findChild(QPushButton, "generateButton"), Qt.MouseButton.LeftButton)
    yield lambda: done.value > 0 and not window.worker.busy
    window.ideas.toggle_reaction(1, "like")
    window.ideas.toggle_reaction(3, "dislike")
    return _grab(window)


def _edit(window: MainWindow) -> Scene:
    """The Select tool, the notes of bar 2 selected (their stems stand out in the velocity
    lane) and a loop over bars 1–2."""
    roll = window.piano_roll
    QTest.mouseClick(window.transport.findChild(QWidget, "selectTool"), Qt.MouseButton.LeftButton)
    yield lambda: roll.tool() == "select"
    roll.set_loop(0.0, 8.0)
    modifiers = Qt.KeyboardModifier.NoModifier
    for note in sorted(roll.song().notes, key=lambda n: n.start):
        if 4.0 <= note.start < 8.0:
            roll.ensure_visible(note.start, note.pitch)
            point = QPoint(int(roll.beat_to_x(note.start + min(note.duration, 0.5) / 2)),
                           int(roll.pitch_to_y(note.pitch)))  # fmt: skip
            QTest.mouseClick(roll.note_area(), Qt.MouseButton.LeftButton, modifiers, point)
            modifiers = Qt.KeyboardModifier.ShiftModifier
    yield lambda: bool(roll.selected_indices())
    roll.ensure_visible(0.0, 72)
    return _grab(window)


def _similar(window: MainWindow) -> Scene:
    """A library track selected and the Similar tab showing tracks like it, with reasons."""
    done = _Count(window.similarReady)
    window.library.show_similar(_library_track(window, SIMILAR_ROW))
    reads = window.library.reads
    yield lambda: done.value > 0 and not reads.busy and _rows(window, "similarList") > 0
    yield lambda: _front_tab(window, "similarDock")
    return _grab(window)


def _for_you(window: MainWindow) -> Scene:
    """A profile "Ana" with two ♥ and one ✕: the For you tab shows her suggestions, and the
    toolbar's profile menu is open."""
    library = window.library
    combo = window.findChild(QComboBox, "profileCombo")
    library.profiles.createRequested.emit("Ana")  # what the "New profile…" dialog asks
    yield lambda: combo.findText("Ana") >= 0
    library.profiles.switchRequested.emit("Ana")  # what choosing her in the combo asks
    yield lambda: combo.currentText().startswith("Ana") and not library.reads.busy
    tracks = [(_library_track(window, row), kind) for row, kind in REACTIONS]
    done = _Count(window.suggestionsReady)
    for track, kind in tracks:
        library.react(track, kind)
    # each ♥/✕ asks for new suggestions; the worker answers only the latest of these requests
    yield lambda: done.value > 0 and not library.reads.busy
    window.show_dock("forYouDock")
    yield lambda: _front_tab(window, "forYouDock") and _rows(window, "forYouList") > 0
    combo.showPopup()
    popup = combo.view().window()
    yield lambda: popup.isVisible()
    popup.move(combo.mapToGlobal(QPoint(0, combo.height())))  # under the combo, as on a screen
    return _grab(window, popup)


def _export(window: MainWindow) -> Scene:
    """The File menu open on Export MIDI… (Export WAV… below it)."""
    bar = window.menuBar()
    menu = next(a.menu() for a in bar.actions() if a.menu() and "File" in a.text())
    bar.setActiveAction(menu.menuAction())
    yield lambda: menu.isVisible()
    menu.setActiveAction(window.findChild(QAction, "actionExportMidi"))
    return _grab(window, menu)


def _settings(window: MainWindow) -> Scene:
    """Edit ▸ Preferences…: the Preferences dialog over the window, on its Sound tab."""
    window.findChild(QAction, "actionPreferences").trigger()

    def dialog() -> QDialog | None:
        return window.findChild(QDialog, "preferencesDialog")

    yield lambda: dialog() is not None and dialog().isVisible()
    return _grab(window, dialog())


SCENES: dict[str, Callable[[MainWindow], Scene]] = {
    "window": _window,
    "ideas": _ideas,
    "edit": _edit,
    "similar": _similar,
    "for-you": _for_you,
    "export": _export,
    "settings": _settings,
}
"""Every scene by name; "window" is what ``--screenshot`` shows without ``--scene``."""


USER_FOLDER_VARIABLES = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                         "MOTIF_STUDIO_CONFIG")  # fmt: skip


@contextmanager
def scratch_user_folders() -> Iterator[Path]:
    """Point the user folders (settings, library, state, cache) at a temporary folder while the
    block runs, then put them back and delete it: a scene creates a profile, reacts, generates
    with its own settings, and none of that may reach the user's own files."""
    with tempfile.TemporaryDirectory(prefix="motif-scene-", ignore_cleanup_errors=True) as home:
        folders = {name: os.path.join(home, name.lower()) for name in USER_FOLDER_VARIABLES[:-1]}
        folders["MOTIF_STUDIO_CONFIG"] = os.path.join(home, "settings.json")
        with environment(folders):
            yield Path(home)


def check_scene(name: str) -> None:
    """Raise ``InvalidInput`` (one line, listing the scenes) unless ``name`` is a scene."""
    if name not in SCENES:
        raise InvalidInput(f"unknown scene {name!r}; the scenes are: {', '.join(SCENES)}")


def play_scene(window: MainWindow, name: str, done: Callable[[QImage], None]) -> None:
    """Set up the scene ``name`` in ``window`` (shown, model loaded, library ready) step by
    step, without blocking; ``done`` gets the picture once the last step shows."""
    check_scene(name)
    steps = SCENES[name](window)
    waiting: list[Condition] = [lambda: True]

    def tick() -> None:
        if not waiting[0]():
            QTimer.singleShot(POLL_MS, tick)
            return
        try:
            waiting[0] = next(steps)
        except StopIteration as end:
            picture: Picture = end.value
            QTimer.singleShot(SETTLE_MS, lambda: done(picture()))
            return
        QTimer.singleShot(0, tick)

    QTimer.singleShot(0, tick)
