"""Drawing shared by the card delegates (the Ideas list's ``IdeaDelegate`` and the Similar / For
you lists' ``SuggestionDelegate``): the card's rounded panel, its ▶ / ■ button and its ♥ and ✕.
The functions leave the painter's pen, brush and render hints as they found them; sizes are in
pixels."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

PLAY_BUTTON = QSize(28, 22)
GLYPH_BUTTON = QSize(22, 22)
"""The sizes of a card's ▶ button and of its ♥ and ✕, pixels."""
LIKE_COLOUR = QColor("#f87171")
DISLIKE_COLOUR = QColor("#f59e0b")
_PANEL_RADIUS = 5.0
_BUTTON_RADIUS = 4.0
_SELECTED_ALPHA = 70  # of the highlight colour, over the view's base
_HOVER_LIGHTER = 112  # percent: a hovered card's fill
_BUTTON_LIGHTER = 115  # percent: a hovered or playing button


def card_button_rect(card: QRect, area: str, pad: int = 8, top: int = 6) -> QRect:
    """Where a card's ▶ ("play"), ♥ ("like") or ✕ ("dislike") is: in a row at the card's top
    right, ``top`` pixels down, ✕ ``pad`` pixels in from the right edge, ♥ left of it and ▶
    left of ♥."""
    dislike = QRect(card.right() - pad - GLYPH_BUTTON.width() + 3, card.top() + top,
                    GLYPH_BUTTON.width(), GLYPH_BUTTON.height())  # fmt: skip
    if area == "dislike":
        return dislike
    like = dislike.translated(-GLYPH_BUTTON.width(), 0)
    if area == "like":
        return like
    return QRect(like.left() - 4 - PLAY_BUTTON.width(), like.top(), PLAY_BUTTON.width(),
                 PLAY_BUTTON.height())  # fmt: skip


def paint_card_panel(painter: QPainter, rect: QRect, option: QStyleOptionViewItem) -> None:
    """The card's rounded panel filling ``rect`` (the card, inside the row's rect): outlined
    in the highlight colour and filled with a translucent highlight when ``option``'s state is
    selected, otherwise outlined in the mid colour and filled with the alternate base (a little
    lighter under the mouse). Colours come from ``option.palette``."""
    palette = option.palette
    selected = bool(option.state & QStyle.StateFlag.State_Selected)
    hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
    highlight = palette.color(QPalette.ColorRole.Highlight)
    fill = QColor(highlight)
    fill.setAlpha(_SELECTED_ALPHA)
    base = palette.color(QPalette.ColorRole.AlternateBase)
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(highlight if selected else palette.color(QPalette.ColorRole.Mid))
        painter.setBrush(fill if selected else base.lighter(_HOVER_LIGHTER) if hovered else base)
        # half a pixel in, so the 1-pixel outline lands on whole pixels
        painter.drawRoundedRect(
            QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), _PANEL_RADIUS, _PANEL_RADIUS
        )
    finally:
        painter.restore()


def paint_play_button(
    painter: QPainter, rect: QRect, playing: bool, hovered: bool, palette: QPalette
) -> None:
    """A ▶ button filling ``rect`` (■ when ``playing``): a rounded key in the highlight colour,
    lighter when ``hovered`` or ``playing``, with the glyph in the highlighted-text colour."""
    colour = QColor(palette.color(QPalette.ColorRole.Highlight))
    if hovered or playing:
        colour = colour.lighter(_BUTTON_LIGHTER)
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawRoundedRect(QRectF(rect), _BUTTON_RADIUS, _BUTTON_RADIUS)
        painter.setBrush(palette.color(QPalette.ColorRole.HighlightedText))
        centre = QRectF(rect).center()
        if playing:  # ■: an 8-pixel square
            painter.drawRect(QRectF(centre.x() - 4, centre.y() - 4, 8, 8))
        else:  # ▶: a triangle, drawn (a font's glyph would sit off-centre)
            corners = (QPointF(-3, -5), QPointF(-3, 5), QPointF(5, 0))
            painter.drawPolygon(QPolygonF([centre + corner for corner in corners]))
    finally:
        painter.restore()


def heart_path(centre: QPointF, size: float) -> QPainterPath:
    """A heart ``size`` pixels wide around ``centre``."""
    x, y, s = centre.x(), centre.y(), size
    path = QPainterPath(QPointF(x, y + 0.42 * s))
    path.cubicTo(x - 0.62 * s, y - 0.02 * s, x - 0.42 * s, y - 0.62 * s, x, y - 0.24 * s)
    path.cubicTo(x + 0.42 * s, y - 0.62 * s, x + 0.62 * s, y - 0.02 * s, x, y + 0.42 * s)
    return path


def paint_like_button(painter: QPainter, rect: QRect, liked: bool, colour: QColor) -> None:
    """A ♥ centred in ``rect``: filled in ``LIKE_COLOUR`` when ``liked``, else in ``colour``."""
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(LIKE_COLOUR if liked else colour)
        painter.drawPath(heart_path(QRectF(rect).center(), 13.0))
    finally:
        painter.restore()


def paint_dislike_button(painter: QPainter, rect: QRect, disliked: bool, colour: QColor) -> None:
    """A ✕ centred in ``rect``: bold in ``DISLIKE_COLOUR`` when ``disliked``, else thin in
    ``colour``."""
    pen = QPen(DISLIKE_COLOUR if disliked else colour, 2.2 if disliked else 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pen)
        c = QRectF(rect).center()
        painter.drawLine(QPointF(c.x() - 4, c.y() - 4), QPointF(c.x() + 4, c.y() + 4))
        painter.drawLine(QPointF(c.x() - 4, c.y() + 4), QPointF(c.x() + 4, c.y() - 4))
    finally:
        painter.restore()
