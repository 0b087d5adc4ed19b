"""An idea's card in the Ideas list: title, subtitle (``Idea.details``: "D minor · 8 bars · 6/8 ·
AABA · Dm Bb F C"), its mood chip (``mood_chip``), a mini piano roll, a ▶ / ■ button and ♥ and ✕
(filled when the profile marked the idea so), painted by ``IdeaDelegate``; ``preview_pixmap``
draws the mini piano roll (also the row's icon).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from studio.core.music import Note
from studio.gui.card_painting import (
    card_button_rect,
    paint_card_panel,
    paint_dislike_button,
    paint_like_button,
    paint_play_button,
)
from studio.gui.mood_chip import mood_text, paint_mood_chip

if TYPE_CHECKING:
    from studio.gui.ideas import IdeasList

PREVIEW_SIZE = QSize(120, 36)
"""The item icon's mini piano roll, in device-independent pixels (the card draws a wider one)."""
NOTE_COLOUR = QColor("#4fa3ff")
BACKGROUND = QColor(0, 0, 0, 40)
CARD_HEIGHT = 84
"""A card's height, pixels: title, subtitle and preview."""
_MIN_CARD_WIDTH = 160
_CARD_MARGIN = 3  # between the row's rect and the card, pixels
_PAD = 8  # inside the card, pixels
_CHIP = 18  # the mood chip, pixels square
PLAY, LIKE, DISLIKE = "play", "like", "dislike"
"""The clickable areas of a card (``IdeaDelegate.area_rect``)."""


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


def _draw_line(painter: QPainter, rect: QRect, text: str, font: QFont, colour: QColor) -> None:
    """One line of text in ``rect``, elided at the right when it does not fit."""
    painter.setFont(font)
    painter.setPen(colour)
    elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)


class IdeaDelegate(QStyledItemDelegate):
    """Paints an idea as a card (title, subtitle, preview, ▶ or ■, ♥, ✕) and turns a left
    click on ▶ into ``IdeasList.play_or_stop(row)`` and on ♥ or ✕ into
    ``IdeasList.toggle_reaction(row, kind)``; the press is consumed, so clicking a button keeps
    the selection (two ideas picked for Morph stay picked) and starts no drag."""

    def __init__(self, ideas: IdeasList) -> None:
        """The delegate of ``ideas`` (it asks the list for the idea and the playing row)."""
        super().__init__(ideas)
        self._list = ideas
        self._previews: dict[tuple[int, int, float], QPixmap] = {}
        self._pressed: tuple[QPersistentModelIndex, str] | None = None

    @staticmethod
    def card_rect(row_rect: QRect) -> QRect:
        """The card inside a row's rect."""
        m = _CARD_MARGIN
        return row_rect.adjusted(m, m, -m, -m)

    @staticmethod
    def area_rect(row_rect: QRect, area: str) -> QRect:
        """The ▶ (``PLAY``), ♥ (``LIKE``) or ✕ (``DISLIKE``) button of the row whose rect is
        ``row_rect``: ▶ ♥ ✕ at the top right of the card."""
        return card_button_rect(IdeaDelegate.card_rect(row_rect), area, _PAD)

    @staticmethod
    def button_rect(row_rect: QRect) -> QRect:
        """The ▶ button of the row whose rect is ``row_rect``."""
        return IdeaDelegate.area_rect(row_rect, PLAY)

    @staticmethod
    def area_at(row_rect: QRect, point: QPoint) -> str:
        """The button (``PLAY``, ``LIKE``, ``DISLIKE``) at ``point``; "" for none."""
        areas = (PLAY, LIKE, DISLIKE)
        return next((a for a in areas if IdeaDelegate.area_rect(row_rect, a).contains(point)), "")

    @staticmethod
    def mood_rect(row_rect: QRect) -> QRect:
        """The mood chip of the row whose rect is ``row_rect``, left of the ▶ button."""
        button = IdeaDelegate.button_rect(row_rect)
        top = button.top() + (button.height() - _CHIP) // 2
        return QRect(button.left() - 6 - _CHIP, top, _CHIP, _CHIP)

    def clear_previews(self) -> None:
        """Forget the cached previews (the ideas changed)."""
        self._previews.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        """A card's height; the list stretches the card to its own width."""
        return QSize(_MIN_CARD_WIDTH, CARD_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """One card: a rounded panel (highlighted when selected), the title in bold, the
        subtitle dimmed, the preview along the bottom, and the mood chip, ▶ / ■, ♥ and ✕ at the
        top right (the button under the mouse brighter)."""
        palette = option.palette
        card = self.card_rect(option.rect)
        title, _, details = str(index.data(Qt.ItemDataRole.DisplayRole) or "").partition("\n")
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_card_panel(painter, card, option)
            button, chip = self.button_rect(option.rect), self.mood_rect(option.rect)
            text = QRect(card.left() + _PAD, card.top() + 6, chip.left() - card.left() - 2 * _PAD,
                         option.fontMetrics.height())  # fmt: skip
            mood = self._mood(index.row())
            if mood is not None:
                paint_mood_chip(painter, QRectF(chip), mood.valence, mood.arousal)
            bold, small = QFont(option.font), QFont(option.font)
            bold.setBold(True)
            small.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.85))
            dim = QColor(palette.color(QPalette.ColorRole.Text))
            dim.setAlpha(150)
            _draw_line(painter, text, title, bold, palette.color(QPalette.ColorRole.Text))
            _draw_line(painter, text.translated(0, text.height()), details, small, dim)
            top = text.bottom() + text.height() + 4
            preview = QRect(text.left(), top, card.width() - 2 * _PAD, card.bottom() - 4 - top)
            pixmap = self._preview(index.row(), preview.size(), painter.device())
            if pixmap is not None:
                painter.drawPixmap(preview.topLeft(), pixmap)
            playing = index.row() == self._list.playing_row()
            hover = self._hover_area(option)
            paint_play_button(painter, button, playing, hover == PLAY, palette)
            mark = self._list.mark(index.row())
            text_colour = palette.color(QPalette.ColorRole.Text)
            paint_like_button(painter, self.area_rect(option.rect, LIKE), mark == LIKE,
                              text_colour if hover == LIKE else dim)  # fmt: skip
            paint_dislike_button(painter, self.area_rect(option.rect, DISLIKE), mark == DISLIKE,
                                 text_colour if hover == DISLIKE else dim)  # fmt: skip
        finally:
            painter.restore()

    def _hover_area(self, option: QStyleOptionViewItem) -> str:
        """The button under the mouse on this card ("" for none)."""
        if not option.state & QStyle.StateFlag.State_MouseOver:
            return ""
        viewport = self._list.viewport()
        return self.area_at(option.rect, viewport.mapFromGlobal(QCursor.pos()))

    def _mood(self, row: int):
        try:
            return self._list.idea(row).mood
        except IndexError:
            return None

    def _preview(self, row: int, size: QSize, device) -> QPixmap | None:
        try:
            idea = self._list.idea(row)
        except IndexError:
            return None
        if size.width() < 8 or size.height() < 4:
            return None
        ratio = device.devicePixelRatioF() if device is not None else 1.0
        key = (row, size.width(), ratio)
        if key not in self._previews:
            self._previews[key] = preview_pixmap(idea.notes, idea.beats, size, ratio)
        return self._previews[key]

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem,
                    index: QModelIndex) -> bool:  # fmt: skip
        """A left click on a button (press and release on it) plays or stops the idea, or
        marks it ♥ or ✕ (a second click takes the mark back); the press, release and
        double-click there go no further."""
        if not isinstance(event, QMouseEvent) or event.button() != Qt.MouseButton.LeftButton:
            return super().editorEvent(event, model, option, index)
        area = self.area_at(option.rect, event.position().toPoint())
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and area:
            self._pressed = (QPersistentModelIndex(index), area)
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._pressed is not None:
            (pressed, pressed_area), self._pressed = self._pressed, None
            if area == pressed_area and pressed == QPersistentModelIndex(index):
                if area == PLAY:
                    self._list.play_or_stop(index.row())
                else:
                    self._list.toggle_reaction(index.row(), area)
                return True
        if kind == QEvent.Type.MouseButtonDblClick and area:
            return True
        return super().editorEvent(event, model, option, index)

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView,
                  option: QStyleOptionViewItem, index: QModelIndex) -> bool:  # fmt: skip
        """The buttons' and the mood chip's own tooltips."""
        if event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        area = self.area_at(option.rect, event.pos())
        mark = self._list.mark(index.row())
        texts = {
            PLAY: "Stop" if index.row() == self._list.playing_row() else "Play this idea",
            LIKE: "You like this idea (click to take it back)" if mark == LIKE
            else "Like (♥): put ideas like it first (Ctrl+L)",
            DISLIKE: "You dislike this idea (click to take it back)" if mark == DISLIKE
            else "Dislike (✕): fewer ideas like it (Ctrl+Shift+L)",
        }  # fmt: skip
        if area:
            QToolTip.showText(event.globalPos(), texts[area], view)
            return True
        mood = self._mood(index.row())
        if mood is not None and self.mood_rect(option.rect).contains(event.pos()):
            QToolTip.showText(event.globalPos(), mood_text(mood.valence, mood.arousal), view)
            return True
        return super().helpEvent(event, view, option, index)
