"""The velocity lane under the piano roll's grid: one stem and dot per note, dragged to edit.

``VelocityLane`` is a child of ``PianoRoll``, placed in the strip the roll keeps free under its
viewport, so it shares the grid's x: it reads the roll's ``RollGeometry`` (beat ↔ x, scroll,
zoom) and draws each note of the edited track as a stem at the note's start, as tall as its
velocity (1–127), coloured like the note; selected notes are highlighted. Only the notes that
start in view are painted; above ``DENSE_STEMS`` of them, one stem per pixel column (the
loudest) is drawn instead, so a 100,000-note song stays fast zoomed out.

Mouse (edits computed by ``velocity_edits``, pushed with ``PianoRoll.push_edit``):

- drag a stem up or down to set that note's velocity. When the note is selected, all the
  selected notes get the same value (as in LMMS); Shift moves them by the same amount instead,
  keeping their accents (as in Ableton and Cubase); Alt changes the grabbed note alone;
- drag from empty lane space to draw a line: every note whose start lies between the press and
  the mouse gets the line's velocity there (a ramp). With notes selected, only they change (as
  in Helio, LMMS and FL Studio), so a ramp can shape a phrase without touching its neighbours;
- each drag previews while it moves and is one undo step on release; Esc or the right button
  cancels it. A press becomes a drag after ``DRAG_THRESHOLD_PX``, as in the roll.

Pixels are the lane's logical pixels (its x is the roll viewport's x); times are in **beats**.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from studio.gui import velocity_edits as ve
from studio.gui.edit_commands import RollState
from studio.gui.roll_geometry import DRAG_THRESHOLD_PX, NoteIndex, grid_beats, line_step
from studio.gui.roll_painter import Colours

if TYPE_CHECKING:
    from studio.gui.piano_roll import PianoRoll

LANE_HEIGHT = 90
"""Height of the lane under the grid, px."""
TOP_PAD, BOTTOM_PAD = 16, 4
"""Room above velocity 127 (for the label and the dots) and below velocity 1, px."""
HIT_PX = 4
"""A press this close (horizontally) to a stem, on or below its dot, grabs it, px."""
DOT_RADIUS = 2.5
DENSE_STEMS = 1500
"""Above this many notes starting in view, one stem per pixel column is drawn."""
MOD = Qt.KeyboardModifier


class LaneColours:
    """The lane's colours, taken from the roll's (``roll_painter.Colours``) for the palette."""

    def __init__(self, palette: QPalette) -> None:
        roll = Colours(palette)
        self.background = roll.grid
        self.label_background = roll.ruler.darker(115)
        self.label, self.value = roll.tick, roll.ruler_text
        self.border, self.guide, self.bar = roll.octave_line, roll.snap_line, roll.beat_line
        self.velocity, self.selected = roll.velocity, roll.selected
        self.selected_pen = roll.selected_pen.color()
        self.line = QColor(0, 0, 0, 150) if roll.light else QColor(255, 255, 255, 170)


@dataclass
class _LaneDrag:
    """A press in the lane and the edit it becomes: a stem drag ("stem") or a ramp ("ramp")."""

    kind: str
    press: QPointF
    state: RollState  # what the edit starts from (the roll's state at the press)
    anchor: int = -1  # the grabbed note (a stem drag)
    indices: tuple[int, ...] = ()  # the notes a stem drag sets
    start: tuple[float, float] = (0.0, 0.0)  # a ramp's first point: (beat, velocity)
    end: tuple[float, float] = (0.0, 0.0)
    only: frozenset[int] = frozenset()  # a ramp changes only these notes (the selection), if any
    active: bool = False  # moved past the drag threshold
    preview: dict[int, int] = field(default_factory=dict)  # note index → velocity


class VelocityLane(QWidget):
    """The velocity lane of ``roll`` (see the module docstring); objectName ``velocityLane``."""

    def __init__(self, roll: PianoRoll) -> None:
        super().__init__(roll)
        self.setObjectName("velocityLane")
        self._roll = roll
        self._colours = LaneColours(self.palette())
        self._drag: _LaneDrag | None = None
        self._cache: tuple[NoteIndex | None, np.ndarray, np.ndarray] = (
            None, np.zeros(0), np.zeros(0, np.int64)
        )  # fmt: skip
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Esc reaches the lane during a drag
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        roll.songChanged.connect(self._song_changed)
        roll.selectionChanged.connect(self.update)

    # -------------------------------------------------------------------- geometry

    def velocity_to_y(self, velocity: float) -> float:
        """y of the top of a stem of ``velocity`` (1–127), lane px."""
        usable = self.height() - TOP_PAD - BOTTOM_PAD
        return self.height() - BOTTOM_PAD - velocity / 127 * usable

    def y_to_velocity(self, y: float) -> float:
        """The velocity at lane y (not rounded nor clamped)."""
        usable = max(1, self.height() - TOP_PAD - BOTTOM_PAD)
        return (self.height() - BOTTOM_PAD - y) * 127 / usable

    def stem_point(self, index: int) -> QPointF:
        """Where the dot of note ``index`` of the edited track is drawn (its preview), lane px."""
        note = self._roll._scene.index.notes[index]
        velocity = self._drag.preview.get(index, note.velocity) if self._drag else note.velocity
        return QPointF(self._roll._geo.beat_to_x(note.start), self.velocity_to_y(velocity))

    def preview(self) -> dict[int, int]:
        """The velocities the drag in progress would set (note index → velocity); {} if none."""
        return dict(self._drag.preview) if self._drag else {}

    def _arrays(self) -> tuple[NoteIndex, np.ndarray, np.ndarray]:
        """The edited track's index with its note starts (beats) and velocities as arrays.

        Made on the first dense paint after an edit (zoomed far out) and kept until the next.
        """
        index = self._roll._scene.index
        if self._cache[0] is not index:
            notes = index.notes
            velocities = np.fromiter((n.velocity for n in notes), np.int64, len(notes))
            self._cache = (index, index.arrays()[0], velocities)
        return self._cache  # type: ignore[return-value]

    def _starting(self, first: float, last: float) -> list[int]:
        """Indices (ascending) of the notes starting at beats ``first``…``last`` (inclusive)."""
        index = self._roll._scene.index
        notes = index.notes
        return [i for i in index.visible(first, last) if notes[i].start >= first]

    def _stem_at(self, pos: QPointF) -> int | None:
        """The note whose stem or dot is at ``pos``: the nearest dot among the stems in reach."""
        g = self._roll._geo
        if pos.x() < g.left:
            return None
        notes = self._roll._scene.index.notes
        slack = (HIT_PX + 0.5) / g.px_per_beat
        beat = g.x_to_beat(pos.x())
        best, best_key = None, None
        for i in self._starting(beat - slack, beat + slack):
            dot = self.velocity_to_y(notes[i].velocity)
            if pos.y() < dot - DOT_RADIUS - HIT_PX:
                continue  # above the dot: empty space, where a ramp starts
            key = (abs(g.beat_to_x(notes[i].start) - pos.x()) > 1.5, abs(pos.y() - dot))
            if best_key is None or key < best_key:
                best, best_key = i, key
        return best

    # -------------------------------------------------------------------- mouse and keys

    def mousePressEvent(self, event) -> None:
        """Left: grab a stem or start a ramp; right during a drag cancels it."""
        if self._drag is not None:
            if event.button() == Qt.MouseButton.RightButton:
                self.cancel_drag()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos, g = event.position(), self._roll._geo
        if pos.x() < g.left:
            return
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        state = self._roll.roll_state()
        selection = frozenset(state.selection)
        hit = self._stem_at(pos)
        if hit is not None:
            together = hit in selection and not event.modifiers() & MOD.AltModifier
            indices = tuple(sorted(selection)) if together else (hit,)
            self._drag = _LaneDrag("stem", pos, state, anchor=hit, indices=indices)
        else:
            point = (g.x_to_beat(pos.x()), self.y_to_velocity(pos.y()))
            self._drag = _LaneDrag("ramp", pos, state, start=point, end=point, only=selection)

    def mouseMoveEvent(self, event) -> None:
        """Preview the drag; without one, show what a press would grab."""
        drag, pos = self._drag, event.position()
        if drag is None:
            self._hover(pos)
            return
        if not drag.active:
            if (pos - drag.press).manhattanLength() < DRAG_THRESHOLD_PX:
                return
            drag.active = True
        notes = drag.state.notes
        if drag.kind == "stem":
            value = notes[drag.anchor].velocity + self.y_to_velocity(pos.y())
            value -= self.y_to_velocity(drag.press.y())  # relative: no jump at the press
            relative = bool(event.modifiers() & MOD.ShiftModifier)
            drag.preview = ve.dragged_velocities(notes, drag.indices, drag.anchor, value, relative)
        else:
            g = self._roll._geo
            drag.end = (g.x_to_beat(pos.x()), self.y_to_velocity(pos.y()))
            slack = 0.5 / g.px_per_beat
            low, high = sorted((drag.start[0], drag.end[0]))
            found = self._starting(low - slack, high + slack)
            candidates = [i for i in found if i in drag.only] if drag.only else found
            drag.preview = ve.ramp_velocities(notes, candidates, drag.start, drag.end, slack)
        self.update()

    def mouseReleaseEvent(self, event) -> None:
        """Push the drag's change as one undo step."""
        drag = self._drag
        if drag is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._drag = None
        self.update()
        change = ve.changed(drag.state.notes, drag.preview) if drag.active else {}
        if change:
            after = ve.set_velocities(drag.state, change)
            self._roll.push_edit(ve.edit_name(drag.kind, len(change)), after)

    def keyPressEvent(self, event) -> None:
        """Esc cancels a drag; other keys go on to the roll (the lane's parent)."""
        if event.key() == Qt.Key.Key_Escape and self._drag is not None:
            self.cancel_drag()
            event.accept()
        else:
            event.ignore()

    def wheelEvent(self, event) -> None:
        """The wheel scrolls and zooms the roll, as over the grid (the lane shares its x)."""
        self._roll.wheelEvent(event)

    def cancel_drag(self) -> None:
        """Drop the drag in progress and its preview (nothing is changed)."""
        self._drag = None
        self.update()

    def _song_changed(self, _song) -> None:
        drag, roll = self._drag, self._roll
        if drag is not None and (
            roll.song() is not drag.state.song or roll.track_index() != drag.state.track_index
        ):
            self.cancel_drag()  # e.g. an undo from the menu in the middle of a drag
        self.update()

    def _hover(self, pos: QPointF) -> None:
        g = self._roll._geo
        if pos.x() < g.left:
            shape = Qt.CursorShape.ArrowCursor
        elif self._stem_at(pos) is not None:
            shape = Qt.CursorShape.SizeVerCursor
        else:
            shape = Qt.CursorShape.CrossCursor  # a drag here draws a ramp
        if self.cursor().shape() != shape:
            self.setCursor(shape)

    def event(self, event) -> bool:
        """Tooltips: the velocity of the stem under the mouse."""
        if event.type() == QEvent.Type.ToolTip:
            hit = self._stem_at(QPointF(event.pos()))
            if hit is None:
                QToolTip.hideText()
                event.ignore()
            else:
                note = self._roll._scene.index.notes[hit]
                QToolTip.showText(event.globalPos(), f"Velocity {note.velocity}", self)
            return True
        return super().event(event)

    def changeEvent(self, event) -> None:
        """Take the colours of a new palette."""
        if event.type() == QEvent.Type.PaletteChange:
            self._colours = LaneColours(self.palette())
        super().changeEvent(event)

    # -------------------------------------------------------------------------- painting

    def paintEvent(self, event) -> None:
        """Paint the stems of the notes starting in view, the label and a drawn ramp's line."""
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        g, c, scene = self._roll._geo, self._colours, self._roll._scene
        w, h = self.width(), self.height()
        p.fillRect(QRectF(0, 0, w, h), c.background)
        p.setClipRect(QRectF(g.left, 0, w - g.left, h))
        first, last = g.x_to_beat(g.left - DOT_RADIUS), g.x_to_beat(w + DOT_RADIUS)
        step = line_step(g.px_per_beat, scene.beats_per_bar, 6)
        p.setPen(c.bar)
        xs = [g.beat_to_x(b) for b in grid_beats(first, last, step)]
        p.drawLines([QLineF(x, 0, x, h) for x in xs])
        p.setPen(QPen(c.guide, 1, Qt.PenStyle.DotLine))
        for velocity in (64, 127):
            y = self.velocity_to_y(velocity)
            p.drawLine(QLineF(g.left, y, w, y))
        preview = self._drag.preview if self._drag else {}
        if scene.index.count(first, last) > DENSE_STEMS:
            self._paint_dense(p, first, last, preview)
        else:
            self._paint_stems(p, self._starting(first, last), preview)
        drag = self._drag
        if drag is not None and drag.active and drag.kind == "ramp":
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(c.line, 1, Qt.PenStyle.DashLine))
            (b0, v0), (b1, v1) = drag.start, drag.end
            y0, y1 = self.velocity_to_y(v0), self.velocity_to_y(v1)
            p.drawLine(QLineF(g.beat_to_x(b0), y0, g.beat_to_x(b1), y1))
        if drag is not None and drag.active and drag.preview:
            self._paint_value(p, drag)
        p.setClipping(False)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.fillRect(QRectF(0, 0, g.left, h), c.label_background)
        p.setPen(c.border)
        p.drawLine(QLineF(0, 0.5, w, 0.5))
        p.drawLine(QLineF(g.left - 0.5, 0, g.left - 0.5, h))
        font = p.font()
        font.setPointSizeF(8.0)
        font.setBold(True)
        p.setFont(font)
        p.setPen(c.label)
        p.drawText(QRectF(6, 3, w, TOP_PAD), Qt.AlignmentFlag.AlignLeft, "Velocity")

    def _paint_stems(self, p: QPainter, shown: list[int], preview: dict[int, int]) -> None:
        """One stem and dot per note, selected ones last (on top) with a white ring."""
        g, c = self._roll._geo, self._colours
        notes, selection = self._roll._scene.index.notes, self._roll._scene.selection
        bottom = self.height() - BOTTOM_PAD + 1
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        for selected in (False, True):
            colours = c.selected if selected else c.velocity
            for i in shown:
                if (i in selection) != selected:
                    continue
                velocity = preview.get(i, notes[i].velocity)
                x, y = g.beat_to_x(notes[i].start), self.velocity_to_y(velocity)
                colour = colours[velocity]
                p.setPen(QPen(colour, 1.5))
                p.drawLine(QLineF(x, bottom, x, y))
                p.setPen(QPen(c.selected_pen, 1) if selected else Qt.PenStyle.NoPen)
                p.setBrush(colour)
                p.drawEllipse(QPointF(x, y), DOT_RADIUS, DOT_RADIUS)

    def _paint_dense(self, p: QPainter, first: float, last: float, preview: dict[int, int]):
        """One stem per pixel column, as tall as the loudest note starting in it."""
        g, c, scene = self._roll._geo, self._colours, self._roll._scene
        _, starts, velocities = self._arrays()
        lo = int(np.searchsorted(starts, first, side="left"))
        hi = int(np.searchsorted(starts, last, side="right"))
        values = velocities[lo:hi].copy()
        if preview:  # a ramp over a zoomed-out song can preview thousands of notes
            keys = np.fromiter(preview.keys(), np.int64, len(preview))
            inside = (keys >= lo) & (keys < hi)
            values[keys[inside] - lo] = np.fromiter(preview.values(), np.int64)[inside]
        columns = np.floor(starts[lo:hi] * g.px_per_beat - g.scroll_x + g.left).astype(np.int64)
        chosen = np.zeros(hi - lo, bool)
        picked = [i - lo for i in scene.selection if lo <= i < hi]
        chosen[picked] = True
        bottom = self.height() - BOTTOM_PAD + 1
        for mask, colours in ((~chosen, c.velocity), (chosen, c.selected)):
            if not mask.any():
                continue
            cols, vals = columns[mask], values[mask]  # starts are sorted, so columns are too
            firsts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
            loudest = np.maximum.reduceat(vals, firsts)
            lines: dict[int, list[QLineF]] = {}
            for x, velocity in zip(cols[firsts].tolist(), loudest.tolist(), strict=True):
                y = self.velocity_to_y(velocity)
                lines.setdefault(velocity, []).append(QLineF(x + 0.5, bottom, x + 0.5, y))
            for velocity, group in lines.items():
                p.setPen(colours[velocity])
                p.drawLines(group)

    def _paint_value(self, p: QPainter, drag: _LaneDrag) -> None:
        """The value being set, next to the grabbed dot (or the mouse end of a ramp)."""
        g = self._roll._geo
        if drag.kind == "stem":
            velocity = drag.preview[drag.anchor]
            x = g.beat_to_x(drag.state.notes[drag.anchor].start)
        else:
            velocity = ve.clamp_velocity(drag.end[1])
            x = g.beat_to_x(drag.end[0])
        y = self.velocity_to_y(velocity)
        p.setPen(self._colours.value)
        rect = QRectF(x + 6, max(0.0, y - 14), 40, 14)
        p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(velocity))
