"""Drawing shared by the card delegates (the Ideas list's ``IdeaDelegate`` and the Similar / For
you lists' ``SuggestionDelegate``): the card's rounded panel and its ▶ / ■ button. Both functions
leave the painter's pen, brush and render hints as they found them; sizes are in pixels."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPolygonF
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

_PANEL_RADIUS = 5.0
_BUTTON_RADIUS = 4.0
_SELECTED_ALPHA = 70  # of the highlight colour, over the view's base
_HOVER_LIGHTER = 112  # percent: a hovered card's fill
_BUTTON_LIGHTER = 115  # percent: a hovered or playing button


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
