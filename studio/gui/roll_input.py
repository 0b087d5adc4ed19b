"""Mouse and keys of the piano roll: the tools, drags, the rubber band, seeks and nudges.

``RollInput`` holds ``PianoRoll``'s event handlers (``piano_roll`` mixes it in). A press starts
a ``_Gesture``: an edit (draw, move, resize or erase, as an ``edit_commands.Drag``), a rubber
band, a ruler press ("seek": a click seeks, a drag sets the loop region, from a loop edge when
pressed on one), or nothing. A double-click on the loop band (or the ruler's context menu)
clears the loop. While the mouse moves the gesture previews its change in
the ``RollScene``; the release pushes it as one undo step, and Esc (or an undo in the middle)
drops it. Keys: D/S/E tools, Delete, Ctrl+A, arrows nudge (Shift+Up/Down: octave), Q quantize,
Esc; the wheel scrolls (Shift: sideways) and zooms at the cursor with Ctrl. Alt bypasses the snap.
Times are in **beats**; positions are in the roll viewport's pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu

from studio.core.music import Note
from studio.core.theory import Key
from studio.gui import edit_commands as edits
from studio.gui import roll_geometry as rg
from studio.gui.edit_commands import CopyDrag, Drag, RollState, count_name

TOOL_KEYS = {Qt.Key.Key_D: "draw", Qt.Key.Key_S: "select", Qt.Key.Key_E: "erase"}
MOD = Qt.KeyboardModifier
CURSORS = {
    "draw": Qt.CursorShape.CrossCursor,
    "select": Qt.CursorShape.ArrowCursor,
    "erase": Qt.CursorShape.ForbiddenCursor,
    True: Qt.CursorShape.SizeHorCursor,  # on a note's right edge
    False: Qt.CursorShape.SizeAllCursor,  # on a note
}


@dataclass
class _Gesture:
    """A mouse press and what it becomes: an edit ("edit"), a rubber band, a seek, or none."""

    kind: str
    button: Qt.MouseButton
    press: QPointF
    before: frozenset[int]  # the selection at the press (Esc restores it)
    drag: Drag | None = None  # the edit a drag makes: draw, move, resize or erase
    base: frozenset[int] = frozenset()  # a rubber band adds to this selection
    active: bool = False  # moved past the drag threshold
    reselect: int = -1  # a click (no drag) on this selected note selects it alone
    loop_before: tuple[float, float] | None = None  # a ruler press: the loop at the press
    loop_anchor: float | None = None  # a ruler press on a loop edge: the other edge, beats


class RollInput:
    """The mouse, wheel and key handlers of ``PianoRoll``, mixed in before its Qt base class.

    They work on the roll's ``_geo``, ``_scene``, ``_state``, ``_tool``, ``_key_lock``,
    ``_length`` and ``_velocity`` (declared below, set by ``PianoRoll``) through its
    ``_set_selection``, ``_push``, ``_zoom``, ``set_loop`` and ``clear_loop``, and emit its
    ``seekRequested`` and ``auditionRequested``. ``_gesture`` is the mouse gesture in progress,
    or None.
    """

    _geo: rg.RollGeometry
    _scene: rg.RollScene
    _state: RollState
    _tool: str
    _key_lock: bool
    _length: float  # beats, of the next drawn note
    _velocity: int
    _gesture: _Gesture | None

    def _lock_key(self) -> Key | None:
        """The key drawn and moved notes keep to: the shown key when key lock is on."""
        return self._scene.key if self._key_lock else None

    def _snap_for(self, modifiers: Qt.KeyboardModifier) -> float | None:
        """The snap grid for a drag, in beats; None with Alt held (no snap)."""
        return None if modifiers & MOD.AltModifier else self._scene.snap

    def mousePressEvent(self, event) -> None:
        """Start a gesture: what it becomes depends on the place, the tool and the button."""
        if self._gesture is not None:  # another button during a drag
            return
        g, scene, pos, button = self._geo, self._scene, event.position(), event.button()
        left = button == Qt.MouseButton.LeftButton
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        gesture = _Gesture("none", button, pos, frozenset(scene.selection))
        state = replace(self._state, selection=tuple(sorted(scene.selection)))
        if pos.y() < g.header or pos.x() < g.left:
            if left and pos.x() >= g.left:
                anchor = self._loop_edge_at(pos.x())
                self._gesture = replace(
                    gesture, kind="seek", loop_before=scene.loop, loop_anchor=anchor
                )
            elif button == Qt.MouseButton.RightButton and pos.x() >= g.left:
                self._ruler_menu(event.globalPosition().toPoint())
            elif left and pos.y() >= g.header:
                self.auditionRequested.emit(g.y_to_pitch(pos.y()))
            return
        hit = rg.note_at(g, scene, pos.x(), pos.y())
        if button == Qt.MouseButton.RightButton or (left and self._tool == "erase"):
            gesture.kind, gesture.drag = "edit", Drag("erase", state, erased=scene.hidden)
            if hit is not None:
                scene.hidden.add(hit[0])
        elif not left:
            return
        elif hit is not None:
            self._press_note(gesture, state, *hit, event.modifiers())
        elif self._tool == "draw":
            x_beat, snap = g.x_to_beat(pos.x()), self._snap_for(event.modifiers())
            start = edits.snap_floor(x_beat, snap, 1 / g.px_per_beat)
            pitch = edits.nearest_in_key(g.y_to_pitch(pos.y()), self._lock_key())
            scene.drawn = Note(pitch, max(0.0, start), self._length, self._velocity)
            gesture.kind, gesture.drag = "edit", Drag("draw", state, drawn=scene.drawn)
            self._set_selection(set())
            self.auditionRequested.emit(pitch)
        else:
            extend = event.modifiers() & (MOD.ShiftModifier | MOD.ControlModifier)
            gesture.kind, gesture.base = "band", gesture.before if extend else frozenset()
            self._set_selection(set(gesture.base))
        self._gesture = gesture
        self.viewport().update()

    def _press_note(self, gesture, state, index: int, on_edge: bool, modifiers) -> None:
        """A press on a note: select it (Shift extends, Ctrl toggles), then move or resize.

        Ctrl on a note's body makes the drag a copy (``CopyDrag``): the selection's copies go
        where it is dropped and the originals stay. A Ctrl-click without a drag still toggles:
        on a selected note the toggle waits for the release, so that the note can be copied.
        """
        selection = set(self._scene.selection)
        copy = bool(modifiers & MOD.ControlModifier) and not on_edge
        deselect = copy and index in selection
        if modifiers & MOD.ControlModifier:
            if not deselect:
                selection ^= {index}
        elif modifiers & MOD.ShiftModifier:
            selection.add(index)
        elif index in selection:
            gesture.reselect = index
        else:
            selection = {index}
        self._set_selection(selection)
        if index in selection:
            gesture.kind, indices = "edit", tuple(sorted(selection))
            if copy:
                gesture.drag = CopyDrag("move", state, indices, index, key=self._lock_key(),
                                        deselect=deselect)  # fmt: skip
                self.viewport().setCursor(Qt.CursorShape.DragCopyCursor)
            else:
                kind = "resize" if on_edge else "move"
                gesture.drag = Drag(kind, state, indices, index, key=self._lock_key())

    def mouseMoveEvent(self, event) -> None:
        """Drag: preview the gesture's change; without a press, show what a press would do."""
        gesture, pos, g, scene = self._gesture, event.position(), self._geo, self._scene
        if gesture is None:
            self._hover(pos)
            return
        if not gesture.active:
            if (pos - gesture.press).manhattanLength() < rg.DRAG_THRESHOLD_PX:
                return
            gesture.active = True
        drag = gesture.drag
        if gesture.kind == "seek":
            self._drag_loop(gesture, pos, event.modifiers())
        elif gesture.kind == "band":
            scene.band = QRectF(gesture.press, pos).normalized()
            self._set_selection(set(gesture.base) | rg.notes_in(g, scene, scene.band))
        elif drag is not None and drag.kind == "erase":
            hit = rg.note_at(g, scene, pos.x(), pos.y())
            if hit is not None:
                scene.hidden.add(hit[0])
        elif drag is not None:
            was = scene.preview.get(drag.anchor) if drag.kind == "move" else None
            beats = (pos.x() - gesture.press.x()) / g.px_per_beat
            snap = self._snap_for(event.modifiers())
            scene.preview = drag.update(beats, g.x_to_beat(pos.x()), g.y_to_pitch(pos.y()), snap)
            scene.drawn = drag.drawn
            if drag.kind == "move":  # sound the grabbed note when it changes pitch
                now = scene.preview[drag.anchor].pitch
                if now != (was or self._state.notes[drag.anchor]).pitch:
                    self.auditionRequested.emit(now)
        self.viewport().update()

    def mouseReleaseEvent(self, event) -> None:
        """End the gesture: push its edit (one undo step), or finish a click."""
        gesture = self._gesture
        if gesture is None or event.button() != gesture.button:
            return
        if gesture.kind == "seek":
            self._finish_ruler(gesture, event.position())
            return
        self._cancel_gesture(restore=False)
        drag = gesture.drag
        result = drag.finish() if drag is not None else None
        if drag is not None and result is not None:
            if drag.kind == "draw" and gesture.active and drag.drawn is not None:
                self._length = drag.drawn.duration
            elif drag.kind == "resize":
                self._length = self._state.notes[drag.anchor].duration + drag.beats
            self._push(*result, gesture.before if drag.kind in ("draw", "erase") else None)
        elif not gesture.active and gesture.reselect >= 0:
            self._set_selection({gesture.reselect})
        elif not gesture.active and isinstance(drag, CopyDrag) and drag.deselect:
            self._set_selection(set(self._scene.selection) - {drag.anchor})  # Ctrl-click

    def _cancel_gesture(self, restore: bool = True) -> None:
        """Drop the gesture and its preview; ``restore`` the selection it started with."""
        gesture, scene = self._gesture, self._scene
        self._gesture = None
        scene.preview, scene.hidden, scene.drawn, scene.band = {}, set(), None, None
        if gesture is not None and gesture.kind == "seek":
            scene.loop = gesture.loop_before  # a ruler drag's region was a preview
        if gesture is not None and restore:
            self._set_selection(set(gesture.before))
        self.viewport().update()

    def _hover(self, pos: QPointF) -> None:
        """The cursor shows what a press would do: resize, move, draw or erase."""
        g, shape = self._geo, Qt.CursorShape.ArrowCursor
        if pos.x() >= g.left and pos.y() >= g.header:
            hit = rg.note_at(g, self._scene, pos.x(), pos.y())
            shape = CURSORS[self._tool if self._tool == "erase" or not hit else hit[1]]
        elif pos.x() >= g.left and self._loop_edge_at(pos.x()) is not None:
            shape = Qt.CursorShape.SizeHorCursor  # a loop edge in the ruler: drag to adjust
        if self.viewport().cursor().shape() != shape:
            self.viewport().setCursor(shape)

    # -- the ruler: seek and loop region ----------------------------------------------------------

    def _loop_edge_at(self, x: float) -> float | None:
        """For a ruler press at viewport ``x`` on a loop edge: the other edge (beats), else None."""
        loop, g = self._scene.loop, self._geo
        if loop is None:
            return None
        near = [abs(g.beat_to_x(beat) - x) for beat in loop]
        if min(near) > rg.EDGE_PX:
            return None
        return loop[1] if near[0] <= near[1] else loop[0]

    def _loop_snap(self, beat: float, modifiers: Qt.KeyboardModifier) -> float:
        """``beat`` on the nearest line of the loop grid (coarser when zoomed out); Alt: as is."""
        beat = max(0.0, beat)
        if modifiers & MOD.AltModifier:
            return beat
        scene = self._scene
        step = rg.loop_grid(self._geo.px_per_beat, scene.snap, scene.beats_per_bar)
        return round(beat / step) * step

    def _drag_loop(self, gesture: _Gesture, pos: QPointF, modifiers) -> None:
        """Preview the loop region from the press (or the fixed edge) to the cursor."""
        g = self._geo
        end = self._loop_snap(g.x_to_beat(pos.x()), modifiers)
        start = gesture.loop_anchor
        if start is None:
            start = self._loop_snap(g.x_to_beat(gesture.press.x()), modifiers)
        self._scene.loop = (min(start, end), max(start, end)) if start != end else None

    def _finish_ruler(self, gesture: _Gesture, pos: QPointF) -> None:
        """End a ruler press: a click seeks there; a drag sets its region as the loop."""
        region = self._scene.loop
        self._cancel_gesture(restore=False)  # puts the loop of the press back
        if not gesture.active:
            self.seekRequested.emit(max(0.0, self._geo.x_to_beat(pos.x())))
        elif region is not None:
            self.set_loop(*region)

    def _ruler_menu(self, where) -> None:
        """The ruler's context menu at global ``where``: Clear loop."""
        menu = QMenu(self)
        menu.setObjectName("rulerMenu")
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        clear = menu.addAction("Clear loop", self.clear_loop)
        clear.setObjectName("actionClearLoop")
        clear.setEnabled(self._scene.loop is not None)
        menu.popup(where)

    def mouseDoubleClickEvent(self, event) -> None:
        """A double-click on the loop band in the ruler clears the loop."""
        pos, g, loop = event.position(), self._geo, self._scene.loop
        on_band = (
            loop is not None
            and event.button() == Qt.MouseButton.LeftButton
            and pos.y() < g.header
            and g.left <= pos.x()
            and loop[0] <= g.x_to_beat(pos.x()) <= loop[1]
        )
        if on_band and self._gesture is None:
            self.clear_loop()
            event.accept()
        else:
            super().mouseDoubleClickEvent(event)

    def wheelEvent(self, event) -> None:
        """Wheel scrolls vertically, Shift+wheel horizontally, Ctrl+wheel zooms at the cursor."""
        delta = event.angleDelta().y() or event.angleDelta().x()
        modifiers = event.modifiers()
        if modifiers & MOD.ControlModifier:
            self._zoom(rg.ZOOM_STEP ** (delta / 120), event.position().x())
        elif modifiers & MOD.ShiftModifier:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - int(delta / 120 * 4 * self._geo.px_per_beat / 2))
        else:
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() - int(delta / 120 * 3 * self._geo.row_height))
        event.accept()

    def keyPressEvent(self, event) -> None:
        """Esc, Delete/Backspace, Ctrl+A, arrows, Q, and D/S/E for the tools."""
        key, modifiers = event.key(), event.modifiers()
        arrows = (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down)
        plain = not modifiers & (MOD.ControlModifier | MOD.AltModifier | MOD.MetaModifier)
        if key == Qt.Key.Key_Escape:
            if self._gesture is not None:
                self._cancel_gesture()
            elif self._scene.overlay is not None and not self._scene.selection:
                self._scene.overlay = None  # the shown library passage goes
                self.viewport().update()
            else:
                self._set_selection(set())
        elif self._gesture is not None:
            pass  # no edits in the middle of a drag
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        elif key in arrows and self._scene.selection:
            self._nudge(key, modifiers)
        elif plain and key in TOOL_KEYS:
            self.set_tool(TOOL_KEYS[key])
        elif plain and key == Qt.Key.Key_Q:
            self.quantize_selection()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _nudge(self, key: int, modifiers) -> None:
        """Arrows: Left/Right by the snap, Up/Down by a semitone (Shift: octave)."""
        sign = -1 if key in (Qt.Key.Key_Left, Qt.Key.Key_Down) else 1
        indices = self.selected_indices()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            after = edits.nudge(self._state, indices, beats=sign * (self._scene.snap or 0.25))
        else:
            octave = bool(modifiers & MOD.ShiftModifier)
            after = edits.nudge(self._state, indices, sign, octave, self._lock_key())
        if after is not None:
            self._push(count_name("Move", len(indices)), after)
