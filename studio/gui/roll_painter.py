"""The painting of one frame of the piano roll: grid, notes, rubber band, ruler (with the loop
region), chord lane, keyboard and playhead, in the roll's dark colours.

``paint_roll`` draws a ``RollScene`` (what the widget shows) with a ``RollGeometry`` (where it
goes; both in ``roll_geometry``). It only visits visible notes, found by bisection in a
``NoteIndex``; above ``DENSE_NOTES`` notes in view, a track is painted as a raster of its rows.
Pixels are the viewport's logical pixels; times are in **beats**; pitches are MIDI note numbers.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette, QPen, QPolygonF

from studio.core.theory import pitch_name
from studio.gui.roll_geometry import (
    CHORD_LANE_HEIGHT,
    RULER_HEIGHT,
    RollGeometry,
    RollScene,
    grid_beats,
    line_step,
    note_rect,
)

DENSE_NOTES = 1500
"""Above this many notes in view, a track is painted as a raster of its rows (zoomed out)."""
BLACK_KEYS = frozenset({1, 3, 6, 8, 10})


def _velocity_colour(velocity: int, light: bool = False) -> QColor:
    """Cyan for soft notes to mint green for loud ones: brighter as they get louder on a dark
    grid, deeper on a light one."""
    level = velocity / 127
    if light:
        return QColor.fromHsvF(0.53 - 0.1 * level, 0.45 + 0.45 * level, 0.9 - 0.3 * level)
    return QColor.fromHsvF(0.53 - 0.1 * level, 0.65, 0.5 + 0.45 * level)


class Colours:
    """The roll's colours for a palette: a dark scheme, or a light one when the palette's base
    colour is light (the light theme)."""

    def __init__(self, palette: QPalette) -> None:
        base = palette.color(QPalette.ColorRole.Base)
        self.light = base.lightness() >= 128
        if self.light:
            self._light_scheme()
        else:
            self._dark_scheme(base, palette.color(QPalette.ColorRole.Window))
        self.bar_selected = QColor(138, 98, 60, 200)
        self.playhead = QColor("#f5a623")
        # The loop region: an orange band in the ruler (grey while looping is off) and a faint
        # tint over the grid, a little stronger on a lighter grid to stay visible.
        self.loop_band, self.loop_edge = QColor(245, 166, 35, 95), QColor(245, 166, 35, 230)
        self.loop_off_band, self.loop_off_edge = QColor(123, 132, 148, 70), QColor("#7b8494")
        self.loop_tint = QColor(245, 166, 35, 14 if self.grid.lightness() < 60 else 24)
        self.overlay_fill = QColor(245, 166, 35, 60)  # a library passage beside the melody
        self.overlay_pen = QPen(QColor(245, 166, 35, 230), 1.5)
        self.velocity = [_velocity_colour(v, self.light) for v in range(128)]
        change = QColor.darker if self.light else QColor.lighter
        self.selected = [change(c, 135) for c in self.velocity]

    def _dark_scheme(self, base: QColor, window: QColor) -> None:
        dark = base.lightness() < 80
        self.grid = base.lighter(130) if dark else QColor("#20252e")
        self.shaded = base if dark else self.grid.darker(125)
        self.row_line = self.grid.darker(135)
        self.octave_line = QColor("#3a4150")
        self.snap_line, self.beat_line, self.bar_line = (
            QColor(c) for c in ("#272c35", "#353c49", "#505a6d")
        )
        self.ruler = window.lighter(110) if window.lightness() < 80 else QColor("#262b35")
        self.ruler_text, self.tick = QColor("#e6e9ef"), QColor("#7b8494")
        self.chord, self.chord_text = QColor("#2c3444"), QColor("#f0b45a")
        self.white_key, self.black_key = QColor("#dfe2e8"), QColor("#1c1f26")
        self.key_line, self.key_text = QColor("#9aa0aa"), QColor("#3b4250")
        self.ghost, self.outline = QColor("#3d434e"), QColor(255, 255, 255, 90)
        self.selected_pen = QPen(QColor("#ffffff"), 1.5)

    def _light_scheme(self) -> None:
        self.grid, self.shaded = QColor("#fbfcfd"), QColor("#eceff3")
        self.row_line, self.octave_line = QColor("#e3e6eb"), QColor("#b3bac6")
        self.snap_line, self.beat_line, self.bar_line = (
            QColor(c) for c in ("#eef0f3", "#d5d9e0", "#9aa3b3")
        )
        self.ruler, self.ruler_text = QColor("#e4e7ec"), QColor("#1f2328")
        self.tick = QColor("#6b7280")
        self.chord, self.chord_text = QColor("#dfe5ef"), QColor("#b45309")
        self.white_key, self.black_key = QColor("#ffffff"), QColor("#2b2f36")
        self.key_line, self.key_text = QColor("#c3c8d0"), QColor("#4b5563")
        self.ghost, self.outline = QColor("#c9ced6"), QColor(0, 0, 0, 60)
        self.selected_pen = QPen(QColor("#1f2328"), 1.5)


def paint_roll(p: QPainter, g: RollGeometry, scene: RollScene, c: Colours) -> None:
    """Paint one frame of the roll (the viewport, ``g.width`` × ``g.height``) with ``p``."""
    w, h = int(g.width), int(g.height)
    first, last = g.visible_beats()
    low, high = g.visible_pitches()
    p.setClipRect(QRectF(g.left, g.header, w - g.left, h - g.header))
    _paint_grid(p, g, scene, c, w, h, first, last, low, high)
    if scene.loop is not None and scene.loop_active:
        x0, x1 = (g.beat_to_x(beat) for beat in scene.loop)
        p.fillRect(QRectF(x0, g.header, x1 - x0, h - g.header), c.loop_tint)
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
    if scene.overlay is not None:  # e.g. the library passage that matches the melody
        p.setPen(c.overlay_pen)
        p.setBrush(c.overlay_fill)
        _draw_notes(p, g, [scene.overlay.notes[i] for i in scene.overlay.visible(first, last)],
                    low, high)  # fmt: skip
        p.setPen(Qt.PenStyle.NoPen)
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
    if scene.loop is not None:
        _paint_loop_band(p, g, scene, c)
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


def _paint_loop_band(p, g: RollGeometry, scene: RollScene, c: Colours) -> None:
    """The loop region in the ruler: a band with a bracket (its top and ends) that shows the
    edges one can drag."""
    x0, x1 = (g.beat_to_x(beat) for beat in scene.loop)
    on = scene.loop_active
    band, edge = (c.loop_band, c.loop_edge) if on else (c.loop_off_band, c.loop_off_edge)
    p.fillRect(QRectF(x0, 0, x1 - x0, RULER_HEIGHT), band)
    p.fillRect(QRectF(x0, 0, x1 - x0, 3), edge)
    p.fillRect(QRectF(x0, 0, 2, RULER_HEIGHT), edge)
    p.fillRect(QRectF(x1 - 2, 0, 2, RULER_HEIGHT), edge)


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
