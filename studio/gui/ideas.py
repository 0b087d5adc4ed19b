"""The Ideas list: the generated melodies, one row each with a mini piano roll, its title and
what it is ("D minor · 8 bars · Dm Bb F C"), as in the mockup's right column.

Double-click or Enter opens an idea in the editor (``openRequested(row)``); Space or P plays it
(``playRequested(row)``), and so do the row's context-menu actions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor, QIcon, QKeyEvent, QMouseEvent, QPainter, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from studio.core.music import Note, Song

__all__ = ["Idea", "IdeasList", "chords_summary", "preview_pixmap"]

PREVIEW_SIZE = QSize(120, 36)
"""The mini piano roll's size in device-independent pixels."""
NOTE_COLOUR = QColor("#4fa3ff")
BACKGROUND = QColor(0, 0, 0, 40)
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_PLAY_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_P)


@dataclass(frozen=True)
class Idea:
    """A generated melody as the window shows it.

    Attributes:
        song: the melody as a song (melody track, tempo, key signature) for editor and player.
        seed: the seed that made it (alone, this seed gives this melody again).
        key_name: the key, readable and ``Key.parse``-able ("D minor", "G dorian").
        chords: the chord name of every bar, spelled in the key (a continuation's primer bars
            get chords estimated from their notes).
        bars: the length in 4/4 bars (a continuation's primer included).
        melody: the engine's ``GeneratedMelody``, opaque to the GUI (for regenerate and morph).
        title: "Idea 1 · seed 1207".
    """

    song: Song
    seed: int
    key_name: str
    chords: tuple[str, ...]
    bars: int
    melody: object
    title: str

    @property
    def notes(self) -> tuple[Note, ...]:
        """The melody's notes (beats from 0)."""
        return self.song.notes


def chords_summary(chords: Sequence[str], limit: int = 8) -> str:
    """The progression once, not per bar: ("Dm", "Bb", "Dm", "Bb") → "Dm Bb"; long ones end
    in "…"."""
    period = next(
        (p for p in range(1, len(chords) + 1)
         if all(chords[i] == chords[i % p] for i in range(len(chords)))),
        len(chords),
    )  # fmt: skip
    shown = list(chords[: min(period, limit)])
    return " ".join(shown) + (" …" if period > limit else "")


def preview_pixmap(
    notes: Sequence[Note], beats: float, size: QSize = PREVIEW_SIZE, ratio: float = 1.0
) -> QPixmap:
    """A mini piano roll of ``notes`` over ``beats`` beats: time left to right, pitch upwards
    (the notes' own range, with a semitone of room), drawn at the screen's pixel ``ratio``."""
    pixmap = QPixmap(round(size.width() * ratio), round(size.height() * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(BACKGROUND)
        painter.drawRoundedRect(QRectF(0, 0, size.width(), size.height()), 3, 3)
        if notes:
            low = min(n.pitch for n in notes) - 1
            high = max(n.pitch for n in notes) + 1
            span = max(beats, max(n.end for n in notes), 1e-9)
            x_scale = (size.width() - 4) / span
            row = (size.height() - 4) / (high - low + 1)
            painter.setBrush(NOTE_COLOUR)
            for note in notes:
                x = 2 + note.start * x_scale
                y = 2 + (high - note.pitch) * row
                width = max(1.5, note.duration * x_scale - 0.5)
                painter.drawRect(QRectF(x, y, width, max(2.0, row)))
    finally:
        painter.end()
    return pixmap


class IdeasList(QListWidget):
    """The generated ideas (objectName "ideasList").

    Signals: ``openRequested(row)`` (double-click, Enter, or "Open in editor"),
    ``playRequested(row)`` (Space, P, or "Play").
    """

    openRequested = Signal(int)
    playRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty list."""
        super().__init__(parent)
        self.setObjectName("ideasList")
        self.setIconSize(PREVIEW_SIZE)
        self.setSpacing(2)
        self.setUniformItemSizes(True)
        self.setToolTip("Double-click or Enter: open in the editor · Space or P: play")
        self._ideas: list[Idea] = []
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.play_action = self._row_action("playIdeaAction", "▶ Play", self.playRequested)
        self.open_action = self._row_action("openIdeaAction", "Open in editor", self.openRequested)

    def _row_action(self, name: str, text: str, signal: SignalInstance) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(lambda: self._emit_current(signal))
        self.addAction(action)
        return action

    def set_ideas(self, ideas: Sequence[Idea]) -> None:
        """Show ``ideas``, one row each, replacing what was shown; the first row is current."""
        self._ideas = list(ideas)
        self.clear()
        ratio = self.devicePixelRatioF()
        for idea in self._ideas:
            details = f"{idea.key_name} · {idea.bars} bars"
            if idea.chords:
                details += f" · {chords_summary(idea.chords)}"
            pixmap = preview_pixmap(idea.notes, idea.bars * 4.0, ratio=ratio)
            item = QListWidgetItem(QIcon(pixmap), f"{idea.title}\n{details}")
            item.setToolTip(f"{idea.title}: {details}")
            self.addItem(item)
        if self._ideas:
            self.setCurrentRow(0)

    def idea(self, row: int) -> Idea:
        """The idea shown in ``row`` (``IndexError`` if there is none)."""
        if not 0 <= row < len(self._ideas):
            raise IndexError(f"no idea in row {row}")
        return self._ideas[row]

    def ideas(self) -> list[Idea]:
        """Every idea shown, top to bottom."""
        return list(self._ideas)

    # -- input --------------------------------------------------------------------------------

    def _emit_current(self, signal: SignalInstance) -> None:
        row = self.currentRow()
        if 0 <= row < len(self._ideas):
            signal.emit(row)

    def event(self, event: QEvent) -> bool:
        """Claim Space and P from the window's shortcuts while a row is current (they play it)."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in (*_PLAY_KEYS, *_OPEN_KEYS)
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and self.currentRow() >= 0
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the current idea, Space or P plays it; other keys move as usual."""
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)  # fmt: skip
        if plain and event.key() in _OPEN_KEYS and self.currentRow() >= 0:
            self._emit_current(self.openRequested)
        elif plain and event.key() in _PLAY_KEYS and self.currentRow() >= 0:
            self._emit_current(self.playRequested)
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """A double-click on a row opens its idea."""
        item = self.itemAt(event.position().toPoint())
        row = self.row(item) if item is not None else -1
        super().mouseDoubleClickEvent(event)
        if 0 <= row < len(self._ideas):
            self.setCurrentRow(row)
            self.openRequested.emit(row)

    def row_center(self, row: int) -> QPoint:
        """Where row ``row`` is on the viewport (for tests and automation)."""
        return self.visualItemRect(self.item(row)).center()
