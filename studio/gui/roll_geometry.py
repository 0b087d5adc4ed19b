"""What the piano roll shows where: beats and pitches ↔ pixels, visible notes and hit tests.

Pixels are the roll viewport's *logical* pixels (Qt scales them on HiDPI screens); times are in
**beats** (quarter notes); pitches are MIDI note numbers, one row each, pitch 127 at the top.
The viewport holds three parts: the keyboard (a strip ``KEYBOARD_WIDTH`` wide on the left), the
header (the ruler, plus the chord lane when there are chords) on top, and the note grid in the
rest. ``RollGeometry`` maps beats to x and pitches to y *in viewport coordinates*, scroll and
keyboard/header offsets included, so a mouse position maps straight back to a beat and a pitch.
``RollScene`` is what the widget shows; ``roll_painter.paint_roll`` paints it, visiting only the
visible notes, found by bisection in a ``NoteIndex``.
"""

from __future__ import annotations

import bisect
import math
import operator
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np
from PySide6.QtCore import QRectF

from studio.core.music import Note
from studio.core.theory import Key

KEYBOARD_WIDTH = 56
"""Width of the keyboard strip on the left, px."""
RULER_HEIGHT = 22
"""Height of the ruler (bar numbers, beat ticks), px."""
CHORD_LANE_HEIGHT = 18
"""Height of the chord lane below the ruler, shown when the roll has chord labels, px."""
EDGE_PX = 6
"""A press this close to a note's right end resizes it instead of moving it, px."""
DRAG_THRESHOLD_PX = 3
"""A press becomes a drag once the mouse has moved this far (Manhattan length), px."""
MIN_NOTE_PX = 3
"""Notes are drawn (and hit) at least this wide, so zero-length notes stay visible, px."""
LONG_NOTE_BEATS = 16.0
"""Notes longer than this are indexed apart (see ``NoteIndex``), beats."""
PITCHES = 128
MIN_PX_PER_BEAT = 0.01
MAX_PX_PER_BEAT = 480.0
ZOOM_STEP = 1.25
"""One step of zoom in or out (and one Ctrl+wheel notch) multiplies px per beat by this."""


@dataclass
class RollGeometry:
    """The mapping between beats/pitches and viewport pixels.

    Attributes:
        px_per_beat: horizontal zoom, px per beat.
        row_height: height of one pitch row, px.
        scroll_x: content px scrolled out on the left of the grid.
        scroll_y: content px scrolled out above the grid (pitch 127's row is content y 0).
        header: height of the ruler plus chord lane, px (the grid starts below it).
        left: width of the keyboard, px (the grid starts right of it).
        width, height: size of the viewport, px.
    """

    px_per_beat: float = 48.0
    row_height: float = 14.0
    scroll_x: float = 0.0
    scroll_y: float = 0.0
    header: float = RULER_HEIGHT
    left: float = KEYBOARD_WIDTH
    width: float = 0.0
    height: float = 0.0

    @property
    def grid_w(self) -> float:
        """Width of the note grid (the viewport ``width`` less the keyboard), px."""
        return max(1.0, self.width - self.left)

    @property
    def grid_h(self) -> float:
        """Height of the note grid (the viewport ``height`` less the header), px."""
        return max(1.0, self.height - self.header)

    def beat_to_x(self, beat: float) -> float:
        """Viewport x of a position in beats."""
        return self.left + beat * self.px_per_beat - self.scroll_x

    def x_to_beat(self, x: float) -> float:
        """Position in beats at viewport x (may be negative left of beat 0)."""
        return (x - self.left + self.scroll_x) / self.px_per_beat

    def row_top(self, pitch: int) -> float:
        """Viewport y of the top edge of ``pitch``'s row."""
        return self.header + (PITCHES - 1 - pitch) * self.row_height - self.scroll_y

    def pitch_to_y(self, pitch: int) -> float:
        """Viewport y of the centre of ``pitch``'s row."""
        return self.row_top(pitch) + self.row_height / 2

    def y_to_pitch(self, y: float) -> int:
        """The pitch whose row contains viewport y, clamped to 0–127."""
        row = math.floor((y - self.header + self.scroll_y) / self.row_height)
        return min(PITCHES - 1, max(0, PITCHES - 1 - row))

    def zoom_to(self, px_per_beat: float) -> None:
        """Set the horizontal zoom, kept within ``MIN_PX_PER_BEAT``…``MAX_PX_PER_BEAT``."""
        self.px_per_beat = min(MAX_PX_PER_BEAT, max(MIN_PX_PER_BEAT, px_per_beat))

    def visible_beats(self) -> tuple[float, float]:
        """First and last beat shown in the grid."""
        return self.x_to_beat(self.left), self.x_to_beat(self.width)

    def visible_pitches(self) -> tuple[int, int]:
        """Lowest and highest pitch with a row (partly) shown in the grid."""
        return self.y_to_pitch(self.height), self.y_to_pitch(self.header)


_PREBUILT: weakref.WeakValueDictionary[int, NoteIndex] = weakref.WeakValueDictionary()
"""Indexes made by ``NoteIndex.prebuild``, by the ``id`` of their notes, while they live."""


class NoteIndex:
    """The notes of one track, indexed by start time for fast "which notes are visible".

    ``notes`` must be in playing order (as ``Track`` keeps them, sorted by start). Short notes are
    found by bisecting the starts (a visible short note starts at most ``LONG_NOTE_BEATS`` before
    the window); the few long ones are kept in a separate list and always checked.
    """

    def __init__(self, notes: Sequence[Note]) -> None:
        self.notes = notes
        self._starts = list(map(operator.attrgetter("start"), notes))
        self._long = [i for i, n in enumerate(notes) if n.duration > LONG_NOTE_BEATS]
        # Running maximum end of the short notes (start itself for long ones): bisecting it
        # finds the first short note that can reach a given beat.
        reach = list(map(operator.add, self._starts, map(operator.attrgetter("duration"), notes)))
        self.end = max(reach, default=0.0)
        """Where the last note ends, in beats (0.0 without notes)."""
        for i in self._long:
            reach[i] = self._starts[i]
        self._reach = list(accumulate(reach, max))
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @classmethod
    def of(cls, notes: Sequence[Note]) -> NoteIndex:
        """The index of ``notes``: the one ``prebuild`` made while it lives, else a new one."""
        index = _PREBUILT.get(id(notes))
        return index if index is not None and index.notes is notes else cls(notes)

    @classmethod
    def prebuild(cls, notes: Sequence[Note]) -> NoteIndex:
        """Build the index and its arrays now, say on a worker thread (two million notes take
        seconds), for ``of`` to find; the caller keeps it alive until the roll has it."""
        index = cls(notes)
        index.arrays()
        _PREBUILT[id(notes)] = index
        return index

    def __len__(self) -> int:
        return len(self.notes)

    def count(self, first: float, last: float) -> int:
        """How many notes ``visible(first, last)`` looks at (an upper bound of their number)."""
        return bisect.bisect_right(self._starts, last) - bisect.bisect_left(self._reach, first)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Starts and ends (beats) and pitches of all notes as numpy arrays (made once)."""
        if self._arrays is None:
            count = len(self.notes)
            self._arrays = (
                np.array(self._starts, dtype=float),
                np.fromiter((n.end for n in self.notes), float, count),
                np.fromiter((n.pitch for n in self.notes), np.int64, count),
            )
        return self._arrays

    def visible(self, first: float, last: float) -> list[int]:
        """Indices (ascending) of the notes that overlap the beats ``first``…``last``.

        A note overlaps when it starts at or before ``last`` and ends at or after ``first``.
        """
        low = bisect.bisect_left(self._reach, first)
        high = bisect.bisect_right(self._starts, last)
        notes = self.notes
        found = [i for i in range(low, high) if notes[i].end >= first]
        # Long notes from before ``low`` (the ones from ``low`` on are already in ``found``).
        early = [i for i in self._long if i < low and notes[i].end >= first]
        return early + found if early else found


def line_step(px_per_beat: float, step: float, min_px: float) -> float:
    """``step`` beats, doubled until lines that far apart are at least ``min_px`` px apart."""
    while step * px_per_beat < min_px:
        step *= 2
    return step


def grid_beats(first: float, last: float, step: float) -> list[float]:
    """Multiples of ``step`` (beats) from ``first`` to ``last`` inclusive, never below 0."""
    start = max(0, math.ceil(first / step - 1e-9))
    stop = math.floor(last / step + 1e-9)
    return [k * step for k in range(start, stop + 1)]


@dataclass
class RollScene:
    """What the roll shows besides the geometry: the widget keeps one and updates it.

    ``selection``, ``preview`` and ``hidden`` hold indices into ``index.notes`` (the edited
    track); a preview note is drawn instead of the note at its index, a hidden one not at all.
    """

    index: NoteIndex = field(default_factory=lambda: NoteIndex(()))
    ghosts: list[NoteIndex] = field(default_factory=list)
    selection: set[int] = field(default_factory=set)
    preview: dict[int, Note] = field(default_factory=dict)
    hidden: set[int] = field(default_factory=set)
    drawn: Note | None = None
    band: QRectF | None = None
    key: Key | None = None
    chords: tuple[str, ...] = ()
    snap: float | None = 0.25
    beats_per_bar: float = 4.0
    playhead: float = 0.0
    selected_bars: list[int] = field(default_factory=list)
    loop: tuple[float, float] | None = None  # the loop region (start, end) in beats
    loop_active: bool = True  # looping is on: the band is orange, else grey
    overlay: NoteIndex | None = None  # another song's passage shown beside the edited notes


def loop_grid(px_per_beat: float, snap: float | None, beats_per_bar: float) -> float:
    """The grid (beats) loop edges snap to: the snap, else beats, else bars (or several) —
    the finest of them whose lines are at least 6 px apart, as the grid paints them."""
    for step in (snap, 1.0, beats_per_bar):
        if step and step * px_per_beat >= 6:
            return step
    return line_step(px_per_beat, beats_per_bar, 6)


def note_rect(g: RollGeometry, note: Note) -> QRectF:
    """Where ``note`` is drawn (at least ``MIN_NOTE_PX`` wide), viewport px."""
    width = max(MIN_NOTE_PX, note.duration * g.px_per_beat)
    return QRectF(g.beat_to_x(note.start), g.row_top(note.pitch) + 1, width, g.row_height - 2)


def note_at(g: RollGeometry, scene: RollScene, x: float, y: float) -> tuple[int, bool] | None:
    """The edited track's note under viewport (x, y): (index, on its right edge), or None.

    The topmost (last drawn) note wins; hidden notes are skipped. The edge is the last
    ``EDGE_PX`` (a third of short notes) of the note.
    """
    pitch, beat = g.y_to_pitch(y), g.x_to_beat(x)
    notes = scene.index.notes
    slack = 1 / g.px_per_beat
    candidates = scene.index.visible(beat - MIN_NOTE_PX / g.px_per_beat - slack, beat + slack)
    for i in reversed(candidates):
        if notes[i].pitch != pitch or i in scene.hidden:
            continue
        rect = note_rect(g, notes[i])
        if rect.left() - 1 <= x < rect.right() + 1:  # a pixel of slack for rounded positions
            return i, x >= rect.right() - min(EDGE_PX, rect.width() / 3)
    return None


def notes_in(g: RollGeometry, scene: RollScene, rect: QRectF) -> set[int]:
    """Indices of the edited track's notes that a rubber band ``rect`` (viewport px) touches."""
    first, last = g.x_to_beat(rect.left()), g.x_to_beat(rect.right())
    low, high = g.y_to_pitch(rect.bottom()), g.y_to_pitch(rect.top())
    notes = scene.index.notes
    return {i for i in scene.index.visible(first, last) if low <= notes[i].pitch <= high}
