"""The piano roll: the editor of one melody track of a ``Song``.

``PianoRoll`` shows a keyboard, a ruler (with a chord lane when given chords), the grid, the
edited track's notes coloured by velocity, the other tracks' notes in grey and the playhead, all
painted in its viewport by ``roll_painter.paint_roll`` where ``roll_geometry`` places it; the
velocity lane (``velocity_lane``) sits in a strip kept free under the viewport. Every
edit is one ``SongCommand`` on ``undo_stack`` (``edit_commands``); a drag previews its change and
pushes it on release. Times are in **beats**; pitches are MIDI note numbers.

Mouse (handled in ``roll_input``): the draw tool adds a note on an empty cell (drag right for its
length), the select tool selects (Shift/Ctrl-click extends, rubber band on empty space), both
move a note by dragging it and resize it from its right edge; right-click or the erase tool
deletes. Alt bypasses the snap. Keys: D/S/E tools, Delete, Ctrl+A, arrows nudge (Shift+Up/Down:
octave), Q quantize, Esc.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QRect, Qt, Signal
from PySide6.QtGui import QPainter, QUndoStack
from PySide6.QtWidgets import QAbstractScrollArea, QWidget

from studio.core.music import Note, Song, note_order
from studio.core.theory import Key
from studio.gui import edit_commands as edits
from studio.gui import roll_geometry as rg
from studio.gui.edit_commands import RollState, SongCommand, count_name
from studio.gui.roll_input import RollInput
from studio.gui.roll_painter import Colours, paint_roll
from studio.gui.velocity_lane import LANE_HEIGHT, VelocityLane

TOOLS = ("draw", "select", "erase")


class PianoRoll(RollInput, QAbstractScrollArea):
    """The editor of one track of a song; see the module docstring (mouse and keys: ``RollInput``).

    Signals:
        songChanged(Song): after every change, undo and redo included, and after ``set_song``.
        auditionRequested(int): a pitch to sound (keyboard click, drawn or re-pitched note).
        seekRequested(float): a click on the ruler, in beats.
        selectionChanged(): the selected notes changed.
        loopChanged(object): the loop region changed: a (start, end) tuple in beats, or None.
    """

    songChanged = Signal(object)
    auditionRequested = Signal(int)
    seekRequested = Signal(float)
    selectionChanged = Signal()
    loopChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pianoRoll")
        self.undo_stack = QUndoStack(self)
        self._geo, self._scene = rg.RollGeometry(), rg.RollScene()
        self._colours = Colours(self.palette())
        self._state, self._end, self._reach = RollState(Song()), 0.0, 0.0
        self._tool, self._key_lock, self._follow = "draw", False, False
        self._length, self._velocity = 1.0, 100  # of the next drawn note: the last used
        self._gesture = None  # the mouse gesture in progress (roll_input)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.viewport().setAutoFillBackground(False)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._velocity_lane = VelocityLane(self)  # in a strip kept free under the viewport
        self.setViewportMargins(0, 0, 0, LANE_HEIGHT)
        self._centre_pitch(66)

    # ------------------------------------------------------------------ the song and its state

    def set_song(
        self,
        song: Song,
        *,
        track_index: int | None = None,
        key: Key | None = None,
        chords: Sequence[str] = (),
    ) -> None:
        """Show ``song`` for editing (opening a file): clears the undo stack.

        ``track_index`` defaults to the first non-drum track with notes (without one, the
        first drawn note makes a new melody track); ``key`` shades the rows outside it and is
        the key of key lock; ``chords`` are labels shown one per bar. The loop region goes.
        """
        index = edits.default_track_index(song) if track_index is None else track_index
        if not 0 <= index <= len(song.tracks):
            raise IndexError(f"track {index} is not in a song of {len(song.tracks)} tracks")
        self._cancel_gesture()
        self.undo_stack.clear()
        self.clear_loop()
        self._scene.key, self._reach, self._scene.overlay = key, 0.0, None
        self.set_chords(chords)
        self._show(RollState(song, index))
        pitches = self._state.track.pitch_range
        self._centre_pitch((pitches[0] + pitches[1]) / 2 if pitches else 66)
        self.horizontalScrollBar().setValue(0)

    def replace_song(self, song: Song, text: str) -> None:
        """Show ``song`` as one undoable edit named ``text`` (e.g. opening an idea)."""
        self._cancel_gesture()
        self._push(text, RollState(song, edits.default_track_index(song)))
        pitches = self._state.track.pitch_range
        if pitches:
            self.ensure_visible(self._state.notes[0].start, (pitches[0] + pitches[1]) // 2)

    def song(self) -> Song:
        """The edited song: all its tracks, the edited one as it is now."""
        return self._state.song

    def track_index(self) -> int:
        """Index of the edited track in ``song().tracks`` (its length before the first note)."""
        return self._state.track_index

    def set_overlay(self, notes: Sequence[Note]) -> None:
        """Show other notes (say, the library passage that matches the melody) in orange
        beside the edited track; not editable, not in the song. () or ``clear_overlay`` hide
        them; a new song (``set_song``) and Esc do too."""
        self._scene.overlay = rg.NoteIndex(tuple(sorted(notes, key=note_order))) if notes else None
        self.viewport().update()

    def clear_overlay(self) -> None:
        """Hide the overlay notes."""
        self.set_overlay(())

    def overlay_notes(self) -> tuple[Note, ...]:
        """The overlay notes shown, in playing order (() when none)."""
        return self._scene.overlay.notes if self._scene.overlay is not None else ()

    def set_key(self, key: Key | None) -> None:
        """The key shown (rows outside it shaded) and used by key lock; None for none."""
        self._scene.key = key
        self.viewport().update()

    def key(self) -> Key | None:
        """The key shown, or None (Transpose… can stay in it)."""
        return self._scene.key

    def set_chords(self, chords: Sequence[str]) -> None:
        """Chord labels, one per bar from bar 1 ("" leaves a bar empty); () hides the lane."""
        self._scene.chords = tuple(chords)
        self._geo.header = rg.RULER_HEIGHT + (rg.CHORD_LANE_HEIGHT if chords else 0)
        self._update_scrollbars()
        self.viewport().update()

    def chords(self) -> tuple[str, ...]:
        """The chord labels shown, one per bar from bar 1; () when the lane is hidden."""
        return self._scene.chords

    def set_track(self, index: int) -> None:
        """Edit track ``index`` of the song; the others become ghost notes.

        Not an undo step: each step keeps the track it edited, so undo goes back to it.
        """
        if not 0 <= index <= len(self._state.song.tracks):
            raise IndexError(f"track {index} is not in a song of {len(self._state.song.tracks)}")
        if index != self._state.track_index:
            self._show(replace(self._state, track_index=index, selection=()))
            pitches = self._state.track.pitch_range
            if pitches:
                self.ensure_visible(self._state.notes[0].start, (pitches[0] + pitches[1]) // 2)

    def _show(self, state: RollState) -> None:
        """Make ``state`` current (the undo commands call this) and say so."""
        if self._gesture is not None:  # e.g. undo from the menu in the middle of a drag
            self._cancel_gesture()
        old, self._state, scene = self._state, state, self._scene
        if state.notes is not old.notes or state.track_index != old.track_index:
            scene.index = rg.NoteIndex.of(state.notes)  # a big file's: made by the worker
        if state.song is not old.song or state.track_index != old.track_index:
            # the other tracks are ghost notes; reuse their indexes
            known = {id(index.notes): index for index in scene.ghosts}
            tracks = enumerate(state.song.tracks)
            others = [t.notes for i, t in tracks if i != state.track_index and not t.is_drum]
            scene.ghosts = [known.get(id(n)) or rg.NoteIndex.of(n) for n in others if n]
            # song.end, from the indexes (a Python loop over two million notes took 0.7 s)
            drums = (t.end for t in state.song.tracks if t.is_drum)
            ends = [scene.index.end, *(index.end for index in scene.ghosts), *drums]
            scene.beats_per_bar, self._end = state.song.time_signature.beats_per_bar, max(ends)
        self._update_scrollbars()
        self._set_selection(set(state.selection), force=True)
        self.songChanged.emit(state.song)

    def roll_state(self) -> RollState:
        """The current song, edited track and selection (what an edit starts from)."""
        return replace(self._state, selection=tuple(sorted(self._scene.selection)))

    def push_edit(self, text: str, after: RollState) -> None:
        """Apply an edit computed from ``roll_state()`` as one undo step named ``text``."""
        self._cancel_gesture()
        self._push(text, after)

    def _push(self, text: str, after: RollState, before: Sequence[int] | None = None) -> None:
        """Push the edit from the current state (selecting ``before``) to ``after``."""
        selection = tuple(sorted(self._scene.selection if before is None else before))
        start = replace(self._state, selection=selection)
        self.undo_stack.push(SongCommand(text, start, after, self._show))

    # ---------------------------------------------------------------------- tools and options

    def set_tool(self, name: str) -> None:
        """Choose the mouse tool: "draw", "select" or "erase" (keys D, S, E)."""
        if name not in TOOLS:
            raise ValueError(f"unknown piano-roll tool {name!r}; tools are {', '.join(TOOLS)}")
        self._tool = name

    def tool(self) -> str:
        """The current tool's name."""
        return self._tool

    def set_snap(self, beats: float | None) -> None:
        """Snap to this grid in beats (0.25 = 1/16, the default); None turns snapping off."""
        self._scene.snap = beats if beats and beats > 0 else None
        self.viewport().update()

    def snap(self) -> float | None:
        """The snap grid in beats, or None."""
        return self._scene.snap

    def set_key_lock(self, on: bool) -> None:
        """When on (and a key is set), drawn and moved notes land on pitches of the key."""
        self._key_lock = bool(on)

    def key_lock(self) -> bool:
        """Whether key lock is on."""
        return self._key_lock

    # ------------------------------------------------------------------------ selection edits

    def selected_indices(self) -> list[int]:
        """The selected notes, as sorted indices into the edited track's notes."""
        return sorted(self._scene.selection)

    def selected_bars(self) -> list[int]:
        """The 0-based 4/4 bars in which selected notes sound."""
        return list(self._scene.selected_bars)

    def select_all(self) -> None:
        """Select every note of the edited track (Ctrl+A)."""
        self._set_selection(set(range(len(self._state.notes))))

    def delete_selection(self) -> None:
        """Delete the selected notes as one edit (Delete, Backspace)."""
        selection = self._scene.selection
        if selection:
            self._push(count_name("Delete", len(selection)), edits.delete(self._state, selection))

    def set_velocity(self, velocity: int) -> None:
        """Set the velocity (1–127) of the selected notes as one edit; new notes get it too."""
        self._velocity, selection = max(1, min(127, int(velocity))), self._scene.selection
        if selection:
            self._push("Set velocity", edits.velocity(self._state, selection, self._velocity))

    def quantize_selection(self) -> None:
        """Move the selected notes' starts onto the snap grid (key Q)."""
        selection, grid = self._scene.selection, self._scene.snap or 0.25
        if selection:
            after = edits.quantize(self._state, selection, grid)
            self._push(count_name("Quantize", len(selection)), after)

    def _set_selection(self, selection: set[int], force: bool = False) -> None:
        if force or selection != self._scene.selection:
            notes = self._state.notes
            self._scene.selection = selection
            self._scene.selected_bars = edits.bars_of(notes[i] for i in selection)
            self.viewport().update()
            self.selectionChanged.emit()

    # -------------------------------------------------------------------- geometry and scroll

    def note_area(self) -> QWidget:
        """The widget receiving the grid's mouse and key events (``beat_to_x`` is in its pixels)."""
        return self.viewport()

    def beat_to_x(self, beat: float) -> float:
        """x of a position in beats, in ``note_area()`` coordinates."""
        return self._geo.beat_to_x(beat)

    def pitch_to_y(self, pitch: int) -> float:
        """y of the centre of ``pitch``'s row, in ``note_area()`` coordinates."""
        return self._geo.pitch_to_y(pitch)

    def ensure_visible(self, beat: float, pitch: int) -> None:
        """Scroll so that the grid cell at ``beat`` and ``pitch`` is visible."""
        g = self._geo
        if beat > self._reach:
            self._reach = beat  # the grid reaches at least this far from now on
            self._update_scrollbars()
        if not g.left <= g.beat_to_x(beat) <= g.width - 2 * rg.EDGE_PX:
            self.horizontalScrollBar().setValue(int(beat * g.px_per_beat - g.grid_w / 4))
        if not g.header + g.row_height / 2 <= g.pitch_to_y(pitch) <= g.height - g.row_height / 2:
            self._centre_pitch(pitch)

    def zoom_in(self) -> None:
        """Zoom in horizontally around the middle of the grid."""
        self._zoom(rg.ZOOM_STEP)

    def zoom_out(self) -> None:
        """Zoom out horizontally around the middle of the grid."""
        self._zoom(1 / rg.ZOOM_STEP)

    def zoom_fit(self) -> None:
        """Zoom and scroll so the whole song and the edited track's pitch range fit."""
        g = self._geo
        g.zoom_to(g.grid_w / (max(self._end, 4.0) * 1.02))
        low, high = self._state.track.pitch_range or (60, 72)
        g.row_height = min(24.0, max(4.0, g.grid_h / (high - low + 5)))
        self.horizontalScrollBar().setValue(0)
        self._centre_pitch((low + high) / 2)

    def _zoom(self, factor: float, x: float | None = None) -> None:
        """Zoom horizontally by ``factor``, keeping the beat at ``x`` (default: middle) in place."""
        g = self._geo
        x = max(g.left, (g.left + g.width) / 2 if x is None else x)
        beat = g.x_to_beat(x)
        g.zoom_to(g.px_per_beat * factor)
        self._update_scrollbars()
        self.horizontalScrollBar().setValue(round(beat * g.px_per_beat - (x - g.left)))

    def _centre_pitch(self, pitch: float) -> None:
        self._update_scrollbars()
        g = self._geo
        self.verticalScrollBar().setValue(int((127.5 - pitch) * g.row_height - g.grid_h / 2))

    def _update_scrollbars(self) -> None:
        """Set the scroll ranges for the viewport's size, the zoom and the song's length."""
        g, bar = self._geo, self._scene.beats_per_bar
        g.width, g.height = self.viewport().width(), self.viewport().height()
        beats = (int(max(self._end, self._reach, self._scene.playhead) / bar) + 8) * bar
        for scroll, content, page, step in (
            (self.horizontalScrollBar(), beats * g.px_per_beat, g.grid_w, g.px_per_beat),
            (self.verticalScrollBar(), rg.PITCHES * g.row_height, g.grid_h, g.row_height),
        ):
            scroll.setRange(0, max(0, int(content - page)))
            scroll.setPageStep(int(page))
            scroll.setSingleStep(max(1, int(step)))
        self.scrollContentsBy(0, 0)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        """Follow the scroll bars (the keyboard and ruler stay, so repaint everything)."""
        self._geo.scroll_x = self.horizontalScrollBar().value()
        self._geo.scroll_y = self.verticalScrollBar().value()
        self.viewport().update()
        self._velocity_lane.update()  # it shares the grid's x

    def resizeEvent(self, event) -> None:
        """Keep the pitch in the middle of the grid in the middle."""
        middle = self._geo.scroll_y + self._geo.grid_h / 2
        self._update_scrollbars()
        self.verticalScrollBar().setValue(int(middle - self._geo.grid_h / 2))
        self._place_velocity_lane()
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:
        """Take the colours of a new palette."""
        if event.type() == event.Type.PaletteChange:
            self._colours = Colours(self.palette())
        super().changeEvent(event)

    # ------------------------------------------------------------------------ velocity lane

    def velocity_lane(self) -> VelocityLane:
        """The velocity lane under the grid (objectName ``velocityLane``)."""
        return self._velocity_lane

    def set_velocity_lane_visible(self, on: bool) -> None:
        """Show or hide the velocity lane; hidden, the grid takes its height."""
        self._velocity_lane.setVisible(bool(on))
        self.setViewportMargins(0, 0, 0, LANE_HEIGHT if on else 0)
        self._place_velocity_lane()

    def velocity_lane_visible(self) -> bool:
        """Whether the velocity lane is shown."""
        return not self._velocity_lane.isHidden()

    def _place_velocity_lane(self) -> None:
        """Put the lane in the strip under the viewport, as wide as it (the same x)."""
        area = self.viewport().geometry()
        self._velocity_lane.setGeometry(area.left(), area.bottom() + 1, area.width(), LANE_HEIGHT)

    # ---------------------------------------------------------------------------- playhead

    def set_playhead(self, beats: float) -> None:
        """Move the playhead to ``beats``; repaints only the strips it leaves and enters."""
        g, viewport, scene = self._geo, self.viewport(), self._scene
        old, scene.playhead = scene.playhead, max(0.0, beats)
        if scene.playhead * g.px_per_beat > self.horizontalScrollBar().maximum() + g.grid_w:
            self._update_scrollbars()  # the grid grows to hold the playhead
        x = g.beat_to_x(scene.playhead)
        moved = scene.playhead != old  # not a repeat of the same position (after an edit)
        if self._follow and moved and self._gesture is None and not g.left <= x <= g.width - 16:
            self.horizontalScrollBar().setValue(int(scene.playhead * g.px_per_beat - 16))
            return
        for beat in (old, scene.playhead):
            viewport.update(QRect(int(g.beat_to_x(beat)) - 6, 0, 13, viewport.height()))

    def playhead(self) -> float:
        """The playhead's position in beats."""
        return self._scene.playhead

    def set_follow_playhead(self, on: bool) -> None:
        """When on, the view pages along when the playhead moves out of it (while playing;
        the window turns it on, as DAWs do)."""
        self._follow = bool(on)

    def follow_playhead(self) -> bool:
        """Whether the view follows the playhead."""
        return self._follow

    # ------------------------------------------------------------------------- loop region

    def set_loop(self, start_beats: float, end_beats: float) -> None:
        """Set the loop region (beats, ends in either order, clamped at 0): view state, not an
        undo step. Emits ``loopChanged`` when it changes.

        Raises:
            ValueError: the region is empty.
        """
        start, end = sorted((max(0.0, float(start_beats)), max(0.0, float(end_beats))))
        if end <= start:
            raise ValueError(f"a loop region needs start < end, not {start_beats}–{end_beats}")
        self._change_loop((start, end))

    def clear_loop(self) -> None:
        """Remove the loop region (double-click on the band, "Clear loop")."""
        self._change_loop(None)

    def loop(self) -> tuple[float, float] | None:
        """The loop region (start, end) in beats, or None."""
        return self._scene.loop

    def set_loop_active(self, on: bool) -> None:
        """Show the loop region as on (orange, the grid tinted) or off (grey)."""
        self._scene.loop_active = bool(on)
        self.viewport().update()

    def _change_loop(self, region: tuple[float, float] | None) -> None:
        if region != self._scene.loop:
            self._scene.loop = region
            self.viewport().update()
            self.loopChanged.emit(region)

    def paintEvent(self, event) -> None:
        """Paint the visible part of the roll."""
        painter = QPainter(self.viewport())
        try:
            self._geo.width, self._geo.height = self.viewport().width(), self.viewport().height()
            paint_roll(painter, self._geo, self._scene, self._colours)
        finally:
            painter.end()
