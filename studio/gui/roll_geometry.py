"""What the piano roll shows where: beats and pitches ↔ pixels, visible notes, hit tests, and
the painting of one frame.

Pixels are the roll viewport's *logical* pixels (Qt scales them on HiDPI screens); times are in
**beats** (quarter notes); pitches are MIDI note numbers, one row each, pitch 127 at the top.
The viewport holds three parts: the keyboard (a strip ``KEYBOARD_WIDTH`` wide on the left), the
header (the ruler, plus the chord lane when there are chords) on top, and the note grid in the
rest. ``RollGeometry`` maps beats to x and pitches to y *in viewport coordinates*, scroll and
keyboard/header offsets included, so a mouse position maps straight back to a beat and a pitch.
``paint_roll`` draws a ``RollScene`` (what the widget shows) with a ``RollGeometry``; it only
visits visible notes, found by bisection in a ``NoteIndex``.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPolygonF

from studio.core.music import Note
from studio.core.theory import Key, pitch_name

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
DENSE_NOTES = 1500
"""Above this many notes in view, a track is painted as a raster of its rows (zoomed out)."""
BLACK_KEYS = frozenset({1, 3, 6, 8, 10})
MIN_PX_PER_BEAT = 0.01
MAX_PX_PER_BEAT = 480.0


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


class NoteIndex:
    """The notes of one track, indexed by start time for fast "which notes are visible".

    ``notes`` must be in playing order (as ``Track`` keeps them, sorted by start). Short notes are
    found by bisecting the starts (a visible short note starts at most ``LONG_NOTE_BEATS`` before
    the window); the few long ones are kept in a separate list and always checked.
    """

    def __init__(self, notes: Sequence[Note]) -> None:
        self.notes = notes
        self._starts = [n.start for n in notes]
        self._long = [i for i, n in enumerate(notes) if n.duration > LONG_NOTE_BEATS]
        # Running maximum end of the short notes (start itself for long ones): bisecting it
        # finds the first short note that can reach a given beat.
        reach = [n.start + n.duration for n in notes]
        for i in self._long:
            reach[i] = self._starts[i]
        self._reach = list(accumulate(reach, max))
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

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


def _velocity_colour(velocity: int) -> QColor:
    """Cyan for soft notes to mint green for loud ones, brighter as they get louder."""
    level = velocity / 127
    return QColor.fromHsvF(0.53 - 0.1 * level, 0.65, 0.5 + 0.45 * level)


class Colours:
    """The roll's dark theme; the grid takes the palette's base colour when that is dark."""

    def __init__(self, palette: QPalette) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        dark = base.lightness() < 80
        self.grid = base.lighter(130) if dark else QColor("#20252e")
        self.shaded = base if dark else self.grid.darker(125)
        self.row_line = self.grid.darker(135)
        self.octave_line = QColor("#3a4150")
        self.snap_line, self.beat_line, self.bar_line = (
            QColor(c) for c in ("#272c35", "#353c49", "#505a6d")
        )
        window = palette.color(QPalette.ColorRole.Window)
        self.ruler = window.lighter(110) if window.lightness() < 80 else QColor("#262b35")
        self.ruler_text, self.tick = QColor("#e6e9ef"), QColor("#7b8494")
        self.bar_selected = QColor(138, 98, 60, 200)
        self.chord, self.chord_text = QColor("#2c3444"), QColor("#f0b45a")
        self.white_key, self.black_key = QColor("#dfe2e8"), QColor("#1c1f26")
        self.key_line, self.key_text = QColor("#9aa0aa"), QColor("#3b4250")
        self.ghost, self.outline = QColor("#3d434e"), QColor(255, 255, 255, 90)
        self.selected_pen = QPen(QColor("#ffffff"), 1.5)
        self.playhead = QColor("#f5a623")
        self.velocity = [_velocity_colour(v) for v in range(128)]
        self.selected = [c.lighter(135) for c in self.velocity]


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


def paint_roll(p: QPainter, g: RollGeometry, scene: RollScene, c: Colours) -> None:
    """Paint one frame of the roll (the viewport, ``g.width`` × ``g.height``) with ``p``."""
    w, h = int(g.width), int(g.height)
    first, last = g.visible_beats()
    low, high = g.visible_pitches()
    p.setClipRect(QRectF(g.left, g.header, w - g.left, h - g.header))
    _paint_grid(p, g, scene, c, w, h, first, last, low, high)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint_notes(p, g, scene, c, first, last, low, high)
    if scene.band is not None:
        p.setPen(QPen(c.ruler_text, 1, Qt.PenStyle.DashLine))
        p.setBrush(QColor(255, 255, 255, 24))
        p.drawRect(scene.band)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    p.setClipRect(QRectF(g.left, 0, w - g.left, g.header))
    _paint_header(p, g, scene, c, w, first, last)
    p.setClipRect(QRectF(0, g.header, g.left, h - g.header))
    _paint_keyboard(p, g, c, h, low, high)
    p.setClipping(False)
    p.fillRect(QRectF(0, 0, g.left, g.header), c.ruler.darker(115))
    x = g.beat_to_x(scene.playhead)
    if x >= g.left:
        p.setPen(QPen(c.playhead, 1.5))
        p.drawLine(QLineF(x, 0, x, h))
        p.setBrush(c.playhead)
        p.drawPolygon(QPolygonF([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)]))


def _paint_grid(p, g: RollGeometry, scene: RollScene, c: Colours, w, h, first, last, low, high):
    p.fillRect(QRectF(g.left, g.header, w - g.left, h - g.header), c.grid)
    key = scene.key
    for pitch in range(low, high + 1):
        if not key.contains(pitch) if key else pitch % 12 in BLACK_KEYS:
            p.fillRect(QRectF(g.left, g.row_top(pitch), w, g.row_height), c.shaded)
    if g.row_height >= 6:
        rows = [(g.row_top(pitch) + g.row_height, pitch) for pitch in range(low, high + 1)]
        p.setPen(c.row_line)
        p.drawLines([QLineF(g.left, y, w, y) for y, pitch in rows if pitch % 12])
        p.setPen(c.octave_line)
        p.drawLines([QLineF(g.left, y, w, y) for y, pitch in rows if not pitch % 12])
    steps = [(scene.snap, c.snap_line), (1.0, c.beat_line)] if scene.snap else []
    steps.append((line_step(g.px_per_beat, scene.beats_per_bar, 6), c.bar_line))
    for step, colour in steps:  # later (coarser) lines are drawn over earlier ones
        if step * g.px_per_beat >= 6:
            p.setPen(colour)
            xs = [g.beat_to_x(b) for b in grid_beats(first, last, step)]
            p.drawLines([QLineF(x, g.header, x, h) for x in xs])


def _paint_notes(p, g: RollGeometry, scene: RollScene, c: Colours, first, last, low, high):
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(c.ghost)
    layers = []  # (index, mask, colour) of the tracks too dense to draw note by note
    for index in scene.ghosts:
        if index.count(first, last) > DENSE_NOTES:
            layers.append((index, np.ones(len(index), bool), c.ghost))
        else:
            _draw_notes(p, g, [index.notes[i] for i in index.visible(first, last)], low, high)
    notes, skip = scene.index.notes, scene.hidden | scene.preview.keys()
    dense = scene.index.count(first, last) > DENSE_NOTES
    if dense:
        chosen = np.zeros(len(notes), bool)
        chosen[list(scene.selection)] = True
        shown = np.ones(len(notes), bool)
        shown[list(skip)] = False
        layers.append((scene.index, shown & ~chosen, c.velocity[100]))
        layers.append((scene.index, shown & chosen, c.selected[100]))
    if layers:
        _paint_dense(p, g, layers, first, last, low, high)
    visible = [] if dense else [i for i in scene.index.visible(first, last) if i not in skip]
    for selected in (False, True):
        chosen = [notes[i] for i in visible if (i in scene.selection) == selected]
        if selected:
            p.setPen(c.selected_pen)
        _draw_notes(p, g, chosen, low, high, c.selected if selected else c.velocity)
    if scene.preview:  # where the dragged notes were
        p.setPen(QPen(c.outline, 1, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        _draw_notes(p, g, [notes[i] for i in scene.preview], low, high)
    p.setPen(c.selected_pen)
    shown = [*scene.preview.values(), *([scene.drawn] if scene.drawn else [])]
    _draw_notes(p, g, shown, low, high, c.selected)


def _draw_notes(p, g: RollGeometry, notes, low, high, colours=None) -> None:
    """Draw notes as rounded rects, filled by velocity from ``colours`` when given."""
    last_px: dict[int, int] = {}  # pitch → x of the last sub-pixel note drawn at that pitch
    radius = min(3.0, g.row_height / 4)
    for note in notes:
        if not low <= note.pitch <= high:
            continue
        x, width = g.beat_to_x(note.start), note.duration * g.px_per_beat
        if width < 1:
            if last_px.get(note.pitch) == int(x):
                continue  # many notes in one pixel column: drawing one is enough
            last_px[note.pitch] = int(x)
        if colours is not None:
            p.setBrush(colours[note.velocity])
        if width >= 6:
            p.drawRoundedRect(note_rect(g, note), radius, radius)
        else:
            p.drawRect(note_rect(g, note))


def _paint_dense(p, g: RollGeometry, layers, first, last, low, high) -> None:
    """Paint tracks as one image: each pixel of each row is coloured if a note covers it."""
    width, rows = int(g.grid_w), high - low + 1
    stride, pixels = width + 1, np.zeros((rows, width), np.uint32)
    for index, mask, colour in layers:
        starts, ends, pitches = index.arrays()
        mask = mask & (starts <= last) & (ends >= first) & (pitches >= low) & (pitches <= high)
        x0 = np.clip(np.floor(starts[mask] * g.px_per_beat - g.scroll_x), 0, width - 1)
        x1 = np.clip(np.ceil(ends[mask] * g.px_per_beat - g.scroll_x), x0 + 1, width)
        cells = (high - pitches[mask]) * stride
        edges = np.bincount(cells + x0.astype(np.int64), minlength=rows * stride)
        edges -= np.bincount(cells + x1.astype(np.int64), minlength=rows * stride)
        covered = np.cumsum(edges.reshape(rows, stride)[:, :width], axis=1) > 0
        pixels[covered] = colour.rgba()
    height = max(1, round(g.row_height))
    if height >= 4:  # a gap between rows, as between drawn notes
        pixels = np.repeat(pixels, height, axis=0)
        pixels[height - 1 :: height] = 0
    data = pixels.tobytes()
    image = QImage(data, width, pixels.shape[0], width * 4, QImage.Format.Format_ARGB32)
    p.drawImage(QRectF(g.left, g.row_top(high), width, rows * g.row_height), image)


def _paint_header(p, g: RollGeometry, scene: RollScene, c: Colours, w, first, last) -> None:
    p.fillRect(QRectF(g.left, 0, w - g.left, g.header), c.ruler)
    bars = scene.selected_bars  # 4/4 bars, as selected_bars counts them; one rect per run
    shown = bars[bisect.bisect_left(bars, first // 4) : bisect.bisect_right(bars, last // 4)]
    for start, end in _runs(shown):
        x0, x1 = g.beat_to_x(start * 4), g.beat_to_x(end * 4 + 4)
        p.fillRect(QRectF(x0, 0, x1 - x0, RULER_HEIGHT), c.bar_selected)
    bar = scene.beats_per_bar
    p.setPen(c.tick)
    if g.px_per_beat >= 8:
        xs = [g.beat_to_x(b) for b in grid_beats(first, last, 1.0)]
        p.drawLines([QLineF(x, RULER_HEIGHT - 5, x, RULER_HEIGHT) for x in xs])
    labels = grid_beats(first - 8 * bar, last, line_step(g.px_per_beat, bar, 40))
    p.drawLines([QLineF(g.beat_to_x(b), 4, g.beat_to_x(b), RULER_HEIGHT) for b in labels])
    font = p.font()
    font.setPointSizeF(8.5)
    p.setFont(font)
    p.setPen(c.ruler_text)
    for beat in labels:
        p.drawText(QPointF(g.beat_to_x(beat) + 4, 14), str(round(beat / bar) + 1))
    if scene.chords:
        width = bar * g.px_per_beat
        p.fillRect(QRectF(g.left, RULER_HEIGHT, w - g.left, CHORD_LANE_HEIGHT), c.ruler.darker(110))
        p.setPen(c.chord_text)
        shown = range(max(0, int(first // bar)), min(len(scene.chords), int(last // bar) + 1))
        for i in shown if width >= 16 else ():  # no room for labels when zoomed far out
            x, chord = g.beat_to_x(i * bar), scene.chords[i]
            if chord:
                rect = QRectF(x + 1, RULER_HEIGHT + 1, width - 2, CHORD_LANE_HEIGHT - 2)
                p.fillRect(rect, c.chord)
                label = re.sub(r"^([A-G])b", "\\1♭", re.sub(r"^([A-G])#", "\\1♯", chord))
                p.drawText(rect.adjusted(4, 0, 0, 0), Qt.AlignmentFlag.AlignVCenter, label)
    p.setPen(c.octave_line)
    p.drawLine(QLineF(g.left, g.header - 0.5, w, g.header - 0.5))


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted integers as (first, last) runs of consecutive values: 1 2 3 5 → (1, 3) (5, 5)."""
    runs: list[tuple[int, int]] = []
    for value in values:
        if runs and runs[-1][1] == value - 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _paint_keyboard(p, g: RollGeometry, c: Colours, h: int, low: int, high: int) -> None:
    p.fillRect(QRectF(0, g.header, g.left, h), c.white_key)
    black = g.left * 0.6
    font = p.font()
    font.setPointSizeF(min(8.0, max(5.0, g.row_height * 0.6)))
    p.setFont(font)
    align = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    for pitch in range(low, high + 1):
        top, pc = g.row_top(pitch), pitch % 12
        p.setPen(c.key_line)
        if pc in BLACK_KEYS:
            p.fillRect(QRectF(0, top, black, g.row_height), c.black_key)
            middle = top + g.row_height / 2
            p.drawLine(QLineF(black, middle, g.left, middle))
        elif pc in (0, 5):  # white keys with a white neighbour below: C over B, F over E
            p.drawLine(QLineF(0, top + g.row_height, g.left, top + g.row_height))
        if pc == 0 and g.row_height >= 7:
            p.setPen(c.key_text)
            p.drawText(QRectF(0, top, g.left - 4, g.row_height), align, pitch_name(pitch))
    p.setPen(c.key_line)
    p.drawLine(QLineF(g.left - 0.5, g.header, g.left - 0.5, h))
