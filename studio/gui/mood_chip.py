"""The mood chip: a small square map of the two mood axes (``core.mood``) with a dot where a
track sits: left dark, right bright (valence); bottom calm, top energetic (arousal). The dot's
colour runs from a cool blue (dark) to a warm yellow (bright).

Chips are painted once per cell of a ``STEPS`` × ``STEPS`` grid of moods and kept, so a table
of 100,000 rows draws from a few dozen pixmaps.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen, QPixmap

from studio.core.mood import Mood

__all__ = ["STEPS", "mood_chip", "mood_colour", "mood_text", "paint_mood_chip"]

STEPS = 9
"""Cells per axis the chips are drawn for (a mood moves its dot by a ninth of the chip)."""
_DARK, _BRIGHT = QColor("#4f7fd8"), QColor("#f2c14e")


def mood_text(valence: float, arousal: float) -> str:
    """The chip's tooltip: "Mood: calm and dark (valence -0.42 dark…bright, arousal -0.31
    calm…energetic)"."""
    return f"Mood: {Mood(valence, arousal).description}"


def mood_colour(valence: float) -> QColor:
    """The dot's colour for a valence −1…1: cool blue (dark) to warm yellow (bright)."""
    share = min(max((valence + 1) / 2, 0.0), 1.0)
    return QColor.fromRgbF(
        _DARK.redF() + (_BRIGHT.redF() - _DARK.redF()) * share,
        _DARK.greenF() + (_BRIGHT.greenF() - _DARK.greenF()) * share,
        _DARK.blueF() + (_BRIGHT.blueF() - _DARK.blueF()) * share,
    )


def paint_mood_chip(painter: QPainter, rect: QRectF, valence: float, arousal: float) -> None:
    """Draw the chip for a mood into ``rect`` (a square works best)."""
    palette = QGuiApplication.palette()
    line = QColor(palette.color(QPalette.ColorRole.Text))
    line.setAlphaF(0.45)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    frame = rect.adjusted(0.5, 0.5, -0.5, -0.5)
    painter.setPen(QPen(line, 1.0))
    painter.setBrush(palette.color(QPalette.ColorRole.Base))
    painter.drawRoundedRect(frame, 3, 3)
    centre = frame.center()
    faint = QColor(line)
    faint.setAlphaF(0.25)
    painter.setPen(QPen(faint, 1.0, Qt.PenStyle.DotLine))
    painter.drawLine(QPointF(frame.left() + 2, centre.y()), QPointF(frame.right() - 2, centre.y()))
    painter.drawLine(QPointF(centre.x(), frame.top() + 2), QPointF(centre.x(), frame.bottom() - 2))
    radius = max(frame.width() * 0.13, 2.0)
    reach = frame.width() / 2 - radius - 1.5
    dot = QPointF(
        centre.x() + max(min(valence, 1.0), -1.0) * reach,
        centre.y() - max(min(arousal, 1.0), -1.0) * reach,
    )
    painter.setPen(QPen(mood_colour(valence).darker(150), 1.0))
    painter.setBrush(mood_colour(valence))
    painter.drawEllipse(dot, radius, radius)
    painter.restore()


def mood_chip(valence: float, arousal: float, size: int = 18) -> QPixmap:
    """The chip as a ``size`` × ``size`` pixmap (one per cell of the mood grid, kept)."""

    def cell(value: float) -> int:
        return round((max(min(value, 1.0), -1.0) + 1) / 2 * (STEPS - 1))

    return _chip(cell(valence), cell(arousal), size)


@lru_cache(maxsize=STEPS * STEPS * 3)
def _chip(valence_cell: int, arousal_cell: int, size: int) -> QPixmap:
    screen = QGuiApplication.primaryScreen()
    ratio = screen.devicePixelRatio() if screen is not None else 1.0
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    position = [cell / (STEPS - 1) * 2 - 1 for cell in (valence_cell, arousal_cell)]
    paint_mood_chip(painter, QRectF(0, 0, size, size), *position)
    painter.end()
    return pixmap
