"""A ranked track's card in the "Similar" and "For you" lists, painted by ``SuggestionDelegate``.

Each card shows the track's title in bold (with its key, tempo and length, dimmed), its mood chip
(``mood_chip``: dark–bright across, calm–energetic up), the reasons
the engine gives ("a passage matches: bars 9–13 (0.91 similarity) · same key (D minor)"), a score
bar (see ``studio.gui.suggestion_model``), and three buttons: ▶ (■ while that track plays), ♥
(filled when liked) and ✕ (dislike). On a row with a passage match the passage reason is a link.
The delegate turns left clicks on those areas (``PLAY``, ``LIKE``, ``DISLIKE``, ``PASSAGE``) into
``SuggestionList.activate(row, area)``; its static ``*_rect`` methods give the card's geometry
(also what tests click).
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
    QFont,
    QFontMetrics,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
)

from studio.gui.card_painting import (
    PLAY_BUTTON,
    card_button_rect,
    paint_card_panel,
    paint_dislike_button,
    paint_like_button,
    paint_play_button,
)
from studio.gui.mood_chip import mood_text, paint_mood_chip
from studio.gui.suggestion_model import (
    DETAILS_ROLE,
    MISSING_ROLE,
    MOOD_ROLE,
    PASSAGE_ROLE,
    PLAYING_ROLE,
    REACTION_ROLE,
    REASON_SEPARATOR,
    REASONS_ROLE,
    SCORE_ROLE,
    bar_fraction,
)

if TYPE_CHECKING:
    from studio.gui.suggestion_list import SuggestionList

REASON_LINES = 2
"""Lines of reasons a card shows (the tooltip has every reason)."""
PLAY, LIKE, DISLIKE, PASSAGE = "play", "like", "dislike", "passage"
"""The clickable areas of a card."""

_MARGIN = 3  # between the row's rect and the card, pixels
_PAD = 8  # inside the card, pixels
_TOP = 6  # the first line's distance from the card's top, pixels
_BAR_HEIGHT = 4
_SCORE_TEXT_WIDTH = 32  # the number right of the bar, pixels
_CHIP = 18  # the mood chip, pixels square


class SuggestionDelegate(QStyledItemDelegate):
    """Paints a ranked track as a card and turns left clicks on its ▶, ♥, ✕ and passage link
    into ``SuggestionList.activate(row, area)``; such presses are consumed (no selection
    change, no drag)."""

    def __init__(self, view: SuggestionList) -> None:
        """The delegate of ``view``."""
        super().__init__(view)
        self._view = view
        self._pressed: tuple[QPersistentModelIndex, str] | None = None

    # -- geometry (also what tests click) ----------------------------------------------------

    @staticmethod
    def card_rect(row_rect: QRect) -> QRect:
        """The card inside a row's rect."""
        return row_rect.adjusted(_MARGIN, _MARGIN, -_MARGIN, -_MARGIN)

    @staticmethod
    def button_rect(row_rect: QRect, area: str) -> QRect:
        """The ▶ (``PLAY``), ♥ (``LIKE``) or ✕ (``DISLIKE``) button of a row, top right."""
        return card_button_rect(SuggestionDelegate.card_rect(row_rect), area, _PAD, _TOP)

    @staticmethod
    def mood_rect(row_rect: QRect) -> QRect:
        """The mood chip, left of the ▶ button."""
        play = SuggestionDelegate.button_rect(row_rect, PLAY)
        top = play.top() + (play.height() - _CHIP) // 2
        return QRect(play.left() - 6 - _CHIP, top, _CHIP, _CHIP)

    @staticmethod
    def reasons_rect(row_rect: QRect, metrics: QFontMetrics) -> QRect:
        """The first line of reasons, under the title (the card's whole width)."""
        card = SuggestionDelegate.card_rect(row_rect)
        return QRect(card.left() + _PAD, card.top() + _TOP + PLAY_BUTTON.height() + 2,
                     card.width() - 2 * _PAD, metrics.height())  # fmt: skip

    @staticmethod
    def bar_rect(row_rect: QRect) -> QRect:
        """The score bar along the card's bottom (the number goes right of it)."""
        card = SuggestionDelegate.card_rect(row_rect)
        return QRect(card.left() + _PAD, card.bottom() - _PAD - _BAR_HEIGHT + 2,
                     card.width() - 2 * _PAD - _SCORE_TEXT_WIDTH, _BAR_HEIGHT)  # fmt: skip

    def reason_segments(self, row_rect: QRect, font: QFont,
                        reasons: Sequence[str]) -> list[tuple[str, QRect]]:  # fmt: skip
        """Each reason as drawn, with its rect, in reading order over ``REASON_LINES`` lines;
        a reason that does not fit starts the next line, the last line elides its last
        reason, and the ones after it are left out (the tooltip has them all)."""
        metrics = QFontMetrics(_small(font))
        line = self.reasons_rect(row_rect, metrics)
        segments: list[tuple[str, QRect]] = []
        x, lines = line.left(), 0
        for i, reason in enumerate(reasons):
            text = reason if i == len(reasons) - 1 else reason + REASON_SEPARATOR
            width = metrics.horizontalAdvance(text)
            if x > line.left() and x + width > line.right() + 1 and lines + 1 < REASON_LINES:
                x, lines = line.left(), lines + 1  # on to the next line
            room = line.right() + 1 - x
            if room < metrics.horizontalAdvance("……"):
                break
            if width > room:
                text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room)
                width = room
            top = line.top() + lines * metrics.height()
            segments.append((text, QRect(x, top, width, metrics.height())))
            x += width
            if width == room and lines + 1 >= REASON_LINES:
                break
        return segments

    def area_at(self, row_rect: QRect, point: QPoint, index: QModelIndex, font: QFont) -> str:
        """The clickable area of the card under ``point`` ("" for none)."""
        for area in (PLAY, LIKE, DISLIKE):
            if self.button_rect(row_rect, area).contains(point):
                return area
        passage = index.data(PASSAGE_ROLE)
        if passage is not None and passage >= 0:
            segments = self.reason_segments(row_rect, font, index.data(REASONS_ROLE) or [])
            if passage < len(segments) and segments[passage][1].contains(point):
                return PASSAGE
        return ""

    # -- painting ----------------------------------------------------------------------------

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        """A card's height (title and buttons, ``REASON_LINES`` lines of reasons, the score
        bar); the list stretches it to its width."""
        lines = REASON_LINES * QFontMetrics(_small(option.font)).height()
        height = _TOP + PLAY_BUTTON.height() + 2 + lines + 4 + _BAR_HEIGHT + _PAD + 2 * _MARGIN
        return QSize(180, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """One card: a rounded panel (highlighted when selected), title and details, reasons
        (the passage one as a link), the score bar and the buttons."""
        palette, rect = option.palette, option.rect
        card = self.card_rect(rect)
        hover_area = self._view.hover_area(index)
        text = palette.color(QPalette.ColorRole.Text)
        dim = QColor(text)
        dim.setAlpha(150)
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            paint_card_panel(painter, card, option)
            play, chip = self.button_rect(rect, PLAY), self.mood_rect(rect)
            title_rect = QRect(card.left() + _PAD, play.top(), chip.left() - card.left() - 2 * _PAD,
                               play.height())  # fmt: skip
            mood = index.data(MOOD_ROLE)
            if mood is not None:
                paint_mood_chip(painter, QRectF(chip), *mood)
            missing = bool(index.data(MISSING_ROLE))
            self._paint_title(
                painter,
                option.font,
                title_rect,
                str(index.data() or ""),
                str(index.data(DETAILS_ROLE) or ""),
                dim if missing else text,
                dim,
            )
            self._paint_reasons(painter, option, index, dim, hover_area == PASSAGE)
            self._paint_bar(painter, palette, rect, float(index.data(SCORE_ROLE) or 0.0), dim)
            playing = bool(index.data(PLAYING_ROLE))
            paint_play_button(painter, play, playing, hover_area == PLAY, palette)
            reaction = int(index.data(REACTION_ROLE) or 0)
            paint_like_button(painter, self.button_rect(rect, LIKE), reaction > 0,
                             text if hover_area == LIKE else dim)  # fmt: skip
            paint_dislike_button(painter, self.button_rect(rect, DISLIKE), reaction < 0,
                                text if hover_area == DISLIKE else dim)  # fmt: skip
        finally:
            painter.restore()

    @staticmethod
    def _paint_title(painter: QPainter, font: QFont, rect: QRect, title: str, details: str,
                     colour: QColor, dim: QColor) -> None:  # fmt: skip
        bold, small = QFont(font), _small(font)
        bold.setBold(True)
        title_width = QFontMetrics(bold).horizontalAdvance(title)
        details_width = QFontMetrics(small).horizontalAdvance(details) if details else 0
        show_details = details and title_width + 12 + details_width <= rect.width()
        _draw_text(painter, rect, title, bold, colour)
        if show_details:
            right = QRect(rect.left() + title_width + 12, rect.top(), details_width, rect.height())
            _draw_text(painter, right, details, small, dim, elide=False)  # measured to fit

    def _paint_reasons(self, painter: QPainter, option: QStyleOptionViewItem,
                       index: QModelIndex, dim: QColor, link_hovered: bool) -> None:  # fmt: skip
        small = _small(option.font)
        passage = index.data(PASSAGE_ROLE)
        link = QColor(option.palette.color(QPalette.ColorRole.Highlight))
        if option.palette.color(QPalette.ColorRole.Base).lightness() < 128:
            link = link.lighter(130)  # on a dark card the plain accent reads too dark
        segments = self.reason_segments(option.rect, option.font, index.data(REASONS_ROLE) or [])
        for i, (text, rect) in enumerate(segments):
            font = QFont(small)
            if i == passage:
                font.setUnderline(link_hovered)
            _draw_text(painter, rect, text, font, link if i == passage else dim, elide=False)

    def _paint_bar(self, painter: QPainter, palette: QPalette, row_rect: QRect, score: float,
                   dim: QColor) -> None:  # fmt: skip
        bar = QRectF(self.bar_rect(row_rect))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(bar, 2, 2)
        filled = bar_fraction(score)
        if filled > 0:
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(QRectF(bar.left(), bar.top(), bar.width() * filled,
                                           bar.height()), 2, 2)  # fmt: skip
        number = QRect(int(bar.right()) + 4, int(bar.center().y()) - 8, _SCORE_TEXT_WIDTH - 4, 16)
        small = _small(painter.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.95))
        _draw_text(painter, number, f"{score:.2f}", small, dim)

    # -- input -------------------------------------------------------------------------------

    def editorEvent(self, event: QEvent, model, option: QStyleOptionViewItem,
                    index: QModelIndex) -> bool:  # fmt: skip
        """A left click (press and release) on a button or the passage link activates it; the
        press, release and double-click there go no further."""
        if not isinstance(event, QMouseEvent) or event.button() != Qt.MouseButton.LeftButton:
            return super().editorEvent(event, model, option, index)
        area = self.area_at(option.rect, event.position().toPoint(), index, option.font)
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and area:
            self._pressed = (QPersistentModelIndex(index), area)
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._pressed is not None:
            (pressed, pressed_area), self._pressed = self._pressed, None
            if area == pressed_area and pressed == QPersistentModelIndex(index):
                self._view.activate(index.row(), area)
                return True
        if kind == QEvent.Type.MouseButtonDblClick and area:
            return True
        return super().editorEvent(event, model, option, index)

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView,
                  option: QStyleOptionViewItem, index: QModelIndex) -> bool:  # fmt: skip
        """The buttons', the link's and the score bar's own tooltips."""
        if event.type() != QEvent.Type.ToolTip:
            return super().helpEvent(event, view, option, index)
        point = event.pos()
        area = self.area_at(option.rect, point, index, option.font)
        reaction = int(index.data(REACTION_ROLE) or 0)
        texts = {
            PLAY: "Stop" if index.data(PLAYING_ROLE) else (
                "Play from the matching passage" if index.data(PASSAGE_ROLE) >= 0 else "Play"),
            LIKE: "You like this" if reaction > 0 else "Like (♥): suggest more like it",
            DISLIKE: "You dislike this" if reaction < 0 else "Dislike (✕): suggest less like it",
            PASSAGE: "Show the matching bars beside your melody",
        }  # fmt: skip
        bar = self.bar_rect(option.rect).adjusted(-2, -6, _SCORE_TEXT_WIDTH, 6)
        if not area and bar.contains(point):
            score = float(index.data(SCORE_ROLE))
            texts[""] = (f"Score {score:.2f} (cosine units, higher is closer); the bar shows it "
                         "on a scale from 0 to 1")  # fmt: skip
        mood = index.data(MOOD_ROLE)
        if not area and mood is not None and self.mood_rect(option.rect).contains(point):
            QToolTip.showText(event.globalPos(), mood_text(*mood), view)
            return True
        if area or bar.contains(point):
            QToolTip.showText(event.globalPos(), texts[area], view)
            return True
        return super().helpEvent(event, view, option, index)


def _small(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
    return small


def _draw_text(painter: QPainter, rect: QRect, text: str, font: QFont, colour: QColor,
               elide: bool = True) -> None:  # fmt: skip
    """One line of text in ``rect``, elided at the right when it does not fit (``elide``;
    text already measured to fit is drawn as it is)."""
    painter.setFont(font)
    painter.setPen(colour)
    elided = painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width()) \
        if elide else text  # fmt: skip
    painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, elided)
