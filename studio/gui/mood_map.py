"""The mood map: a small square where a click picks a mood (``core.mood``): left dark, right
bright (valence); bottom calm, top energetic (arousal). The Generate panel aims new ideas at the
point picked.

Mouse: a left click or drag sets the point; on a map made with ``regions=True`` (the library's)
a drag instead marks a rectangle, a region of moods. Keys (when focused): the arrows move the
point by a tenth, Delete or Backspace clears it. ``moodChanged(object)`` carries ``(valence,
arousal)``, a region ``(lowest valence, lowest arousal, highest valence, highest arousal)``, or
None.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QKeyEvent, QMouseEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.core.mood import Mood
from studio.gui.mood_chip import mood_colour

__all__ = ["MoodMap"]

_STEP = 0.1
"""How far an arrow key moves the point."""
_MARGIN = 3
_DRAG_PIXELS = 6
"""How far the mouse must move, pressed, before a region map draws a rectangle."""


class MoodMap(QWidget):
    """A clickable two-axis map holding one mood point (``mood()``), a region (``region()``,
    only with ``regions``), or neither."""

    moodChanged = Signal(object)  # (valence, arousal), a region (4 numbers) or None

    def __init__(self, parent: QWidget | None = None, *, regions: bool = False) -> None:
        """An empty map (no point picked); ``regions``: a drag marks a rectangle of moods."""
        super().__init__(parent, objectName="moodMap")
        self._mood: tuple[float, float] | None = None
        self._region: tuple[float, float, float, float] | None = None
        self._regions = regions
        self._pressed: QPointF | None = None  # where a region map's drag began
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(120, 72)
        self._update_tip()

    def sizeHint(self) -> QSize:
        """A short wide square-ish map."""
        return QSize(180, 72)

    def mood(self) -> tuple[float, float] | None:
        """The picked point (valence, arousal), each −1…1, or None."""
        return self._mood

    def region(self) -> tuple[float, float, float, float] | None:
        """The marked region (lowest valence, lowest arousal, highest valence, highest
        arousal), each −1…1, or None."""
        return self._region

    def picked(self) -> tuple[float, ...] | None:
        """The point or the region, whichever is picked (None: neither)."""
        return self._mood if self._region is None else self._region

    def set_mood(self, mood: tuple[float, float] | None) -> None:
        """Pick a point (clamped to the map), or clear the point or region with None; says
        so when it changed."""
        if mood is not None:
            mood = tuple(round(min(max(float(v), -1.0), 1.0), 2) for v in mood)
        if mood == self._mood and self._region is None:
            return
        self._mood, self._region = mood, None
        self._changed()

    def set_region(self, corner: tuple[float, float], other: tuple[float, float]) -> None:
        """Mark the region between two corners (valence, arousal), clamped to the map."""
        (v1, a1), (v2, a2) = ([round(min(max(float(v), -1.0), 1.0), 2) for v in c]
                              for c in (corner, other))  # fmt: skip
        region = (min(v1, v2), min(a1, a2), max(v1, v2), max(a1, a2))
        if region == self._region:
            return
        self._mood, self._region = None, region
        self._changed()

    def _changed(self) -> None:
        self._update_tip()
        self.update()
        self.moodChanged.emit(self.picked())

    def point_of(self, valence: float, arousal: float) -> QPointF:
        """Where a mood sits on the widget (also what tests click)."""
        area = self._area()
        return QPointF(
            area.left() + (valence + 1) / 2 * area.width(),
            area.bottom() - (arousal + 1) / 2 * area.height(),
        )

    # -- input ---------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A left click picks the point under it."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = event.position()
            self._pick(event.position())
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Dragging with the left button moves the point, or on a region map marks the
        rectangle from where the drag began."""
        if not event.buttons() & Qt.MouseButton.LeftButton:
            return
        start, here = self._pressed, event.position()
        if self._regions and start is not None and (here - start).manhattanLength() >= _DRAG_PIXELS:
            self.set_region(self._mood_at(start), self._mood_at(here))
        elif self._region is None:
            self._pick(here)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """The drag ends."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = None
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Arrows move the point (from the middle when none is picked); Delete clears it."""
        key = event.key()
        moves = {Qt.Key.Key_Left: (-_STEP, 0), Qt.Key.Key_Right: (_STEP, 0),
                 Qt.Key.Key_Up: (0, _STEP), Qt.Key.Key_Down: (0, -_STEP)}  # fmt: skip
        if key in moves:
            valence, arousal = self._mood or (0.0, 0.0)  # a region becomes a point again
            self.set_mood((valence + moves[key][0], arousal + moves[key][1]))
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.set_mood(None)
        else:
            super().keyPressEvent(event)

    def _mood_at(self, position: QPointF) -> tuple[float, float]:
        area = self._area()
        valence = (position.x() - area.left()) / area.width() * 2 - 1
        arousal = (area.bottom() - position.y()) / area.height() * 2 - 1
        return valence, arousal

    def _pick(self, position: QPointF) -> None:
        self.set_mood(self._mood_at(position))

    # -- painting ------------------------------------------------------------------------------

    def _area(self) -> QRectF:
        return QRectF(self.rect()).adjusted(_MARGIN, _MARGIN, -_MARGIN, -_MARGIN)

    def paintEvent(self, event) -> None:
        """The frame, the two axes with their four words, and the picked point."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        area = self._area()
        text = palette.color(QPalette.ColorRole.Text)
        faint = QColor(text)
        faint.setAlphaF(0.35)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight) if self.hasFocus()
                            else faint, 1.0))  # fmt: skip
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(area, 4, 4)
        centre = area.center()
        painter.setPen(QPen(faint, 1.0, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(area.left(), centre.y()), QPointF(area.right(), centre.y()))
        painter.drawLine(QPointF(centre.x(), area.top()), QPointF(centre.x(), area.bottom()))
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, self.font().pointSizeF() * 0.8))
        painter.setFont(small)
        words = QColor(text)
        words.setAlphaF(0.6)
        painter.setPen(words)
        inner = area.adjusted(4, 1, -4, -1)
        painter.drawText(
            inner, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "energetic"
        )
        painter.drawText(
            inner, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, "calm"
        )
        painter.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, "dark")
        painter.drawText(
            inner, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "bright"
        )
        if self._region is not None:
            low_v, low_a, high_v, high_a = self._region
            fill = QColor(palette.color(QPalette.ColorRole.Highlight))
            fill.setAlphaF(0.3)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1.2))
            painter.setBrush(fill)
            painter.drawRect(QRectF(self.point_of(low_v, high_a), self.point_of(high_v, low_a)))
        if self._mood is not None:
            colour = mood_colour(self._mood[0])
            painter.setPen(QPen(colour.darker(150), 1.5))
            painter.setBrush(colour)
            painter.drawEllipse(self.point_of(*self._mood), 5.5, 5.5)
        painter.end()

    def _update_tip(self) -> None:
        if self._region is not None:
            low_v, low_a, high_v, high_a = self._region
            self.setToolTip(f"Moods with valence {low_v:+.2f} … {high_v:+.2f} and arousal "
                            f"{low_a:+.2f} … {high_a:+.2f}; Delete clears it")  # fmt: skip
            return
        if self._mood is None:
            tip = "Click to aim new ideas at a mood (left dark, right bright, up energetic)"
        else:
            valence, arousal = self._mood
            tip = (f"Aiming at {Mood(valence, arousal).words} (valence {valence:+.2f}, arousal "
                   f"{arousal:+.2f}); Delete clears it")  # fmt: skip
        self.setToolTip(tip)
