"""Tests of the piano roll's velocity lane (studio.gui.velocity_lane): real mouse and key events.

Drags are a QTest press, mouse moves with the button held sent as ``QMouseEvent``s (as in
test_piano_roll: ``qtbot.mouseMove`` does not hold buttons offscreen) and a QTest release, all on
the lane widget. Expected velocities come from the lane's scale measured here: velocity 127 is
``TOP_PAD`` px below the lane's top, velocity 0 ``BOTTOM_PAD`` px above its bottom.
"""

from __future__ import annotations

import math

import pytest
from conftest import shown_roll
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from studio.core.music import Note, Song, Track
from studio.gui.edit_commands import RollState
from studio.gui.piano_roll import PianoRoll
from studio.gui.velocity_edits import dragged_velocities, ramp_velocities, set_velocities
from studio.gui.velocity_lane import BOTTOM_PAD, LANE_HEIGHT, TOP_PAD

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE, SHIFT, ALT = (
    Qt.KeyboardModifier.NoModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.AltModifier,
)
# Five notes on beats 1–5 (beat 0 stays free for presses on empty lane space).
MELODY = tuple(
    Note(pitch, beat, 0.5, velocity)
    for pitch, beat, velocity in ((60, 1.0, 80), (62, 2.0, 90), (64, 3.0, 100), (65, 4.0, 70),
                                  (67, 5.0, 60))
)  # fmt: skip
SONG = Song(tracks=(Track(MELODY, name="Melody"), Track((Note(48, 0.0, 8.0),), name="Bass")))


@pytest.fixture
def roll(qtbot) -> PianoRoll:
    """A shown roll editing SONG's melody, its notes in view."""
    return shown_roll(qtbot, SONG)


def notes(roll: PianoRoll) -> tuple[Note, ...]:
    return roll.song().tracks[roll.track_index()].notes


def undo_names(roll: PianoRoll) -> list[str]:
    return [roll.undo_stack.text(i) for i in range(roll.undo_stack.count())]


def velocity_at(lane: QWidget, y: float) -> float:
    """The velocity the lane's scale gives lane y (not rounded)."""
    usable = lane.height() - TOP_PAD - BOTTOM_PAD
    return (lane.height() - BOTTOM_PAD - y) * 127 / usable


def y_of(lane: QWidget, velocity: float) -> int:
    usable = lane.height() - TOP_PAD - BOTTOM_PAD
    return round(lane.height() - BOTTOM_PAD - velocity / 127 * usable)


def dot(roll: PianoRoll, index: int) -> QPoint:
    """The lane point of note ``index``'s dot: its start's x, its velocity's y."""
    note = notes(roll)[index]
    return QPoint(round(roll.beat_to_x(note.start)), y_of(roll.velocity_lane(), note.velocity))


def move_to(widget: QWidget, pos: QPoint, buttons=LEFT, modifiers=NONE) -> None:
    """Send a mouse move with ``buttons`` held."""
    point = QPointF(pos)
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        point,
        QPointF(widget.mapToGlobal(point)),
        Qt.MouseButton.NoButton,
        buttons,
        modifiers,
    )
    QApplication.sendEvent(widget, event)


def press_and_move(widget, start: QPoint, end: QPoint, modifiers=NONE, steps: int = 6) -> None:
    """Press the left button at ``start`` and move in ``steps`` to ``end`` with it held."""
    QTest.mousePress(widget, LEFT, modifiers, start)
    for step in range(1, steps + 1):
        move_to(widget, start + (end - start) * (step / steps), LEFT, modifiers)


def drag(widget, start: QPoint, end: QPoint, modifiers=NONE) -> None:
    """A whole left-button drag from ``start`` to ``end``."""
    press_and_move(widget, start, end, modifiers)
    QTest.mouseRelease(widget, LEFT, modifiers, end)


def select(roll: PianoRoll, *indices: int) -> None:
    """Select notes by clicking them in the grid with the select tool (Shift extends)."""
    roll.set_tool("select")
    for n, i in enumerate(indices):
        note = notes(roll)[i]
        pos = QPoint(round(roll.beat_to_x(note.start + 0.2)), round(roll.pitch_to_y(note.pitch)))
        QTest.mouseClick(roll.note_area(), LEFT, SHIFT if n else NONE, pos)
    assert roll.selected_indices() == sorted(indices)


# --------------------------------------------------------------------- the lane in the roll


def test_the_lane_sits_under_the_grid_with_the_scroll_bar_below_it(roll):
    lane, viewport = roll.velocity_lane(), roll.note_area()
    assert lane.objectName() == "velocityLane" and lane.isVisible()
    assert lane.height() == LANE_HEIGHT
    assert lane.mapTo(roll, QPoint(0, 0)) == viewport.mapTo(roll, QPoint(0, viewport.height()))
    assert lane.width() == viewport.width()
    bar = roll.horizontalScrollBar()
    assert bar.mapTo(roll, QPoint(0, 0)).y() >= lane.mapTo(roll, QPoint(0, lane.height())).y()
    # The grid is the viewport less the lane: the vertical range still ends at pitch 0.
    vertical, row = roll.verticalScrollBar(), roll._geo.row_height
    assert vertical.maximum() == int(128 * row - (viewport.height() - roll._geo.header))


def test_hiding_the_lane_gives_its_height_to_the_grid(roll):
    viewport = roll.note_area()
    height = viewport.height()
    roll.set_velocity_lane_visible(False)
    assert not roll.velocity_lane_visible() and not roll.velocity_lane().isVisible()
    assert viewport.height() == height + LANE_HEIGHT
    vertical, row = roll.verticalScrollBar(), roll._geo.row_height
    assert vertical.maximum() == int(128 * row - (viewport.height() - roll._geo.header))
    roll.set_velocity_lane_visible(True)
    assert roll.velocity_lane_visible() and viewport.height() == height


def stem_columns(roll: PianoRoll) -> set[int]:
    """The x of every pixel column of the lane's grid part painted over its background."""
    lane = roll.velocity_lane()
    image = lane.grab().toImage()
    y = lane.height() - BOTTOM_PAD - 2  # every stem, even of velocity 1, crosses this row
    background = QColor(image.pixel(int(roll._geo.left) + 3, 4))  # above any stem, no label
    return {
        x
        for x in range(int(roll._geo.left) + 1, image.width())
        if QColor(image.pixel(x, y)) != background
    }


def test_stems_are_painted_under_each_note_start_after_scrolling_and_zooming(roll):
    for step in ("start", "zoom", "scroll", "zoom out"):
        if step == "zoom":
            roll.zoom_in()
            roll.zoom_in()
        elif step == "scroll":
            roll.horizontalScrollBar().setValue(int(2.5 * roll._geo.px_per_beat))
        elif step == "zoom out":
            roll.zoom_out()
        columns = stem_columns(roll)
        lane = roll.velocity_lane()
        shown = [n for n in MELODY if roll._geo.left + 2 < roll.beat_to_x(n.start) < lane.width()]
        assert shown, step
        for note in shown:  # the stem's x is the grid's x of the note's start
            x = roll.beat_to_x(note.start)
            assert {math.floor(x), math.ceil(x)} & columns, (step, note)
            assert lane.stem_point(MELODY.index(note)).x() == pytest.approx(x)
        # and nothing else is painted in that row but the bar lines (a stem is ≤ 3 px wide)
        starts = [roll.beat_to_x(n.start) for n in shown]
        bars = [roll.beat_to_x(beat) for beat in range(0, 64, 4)]
        assert all(any(abs(x - s) <= 2 for s in starts + bars) for x in columns), step
        assert len(columns) < 4 * len(shown) + len(bars), step


def test_a_dense_song_is_painted_one_stem_per_column(roll):
    many = tuple(Note(60 + i % 12, i * 0.125, 0.125, 1 + i % 127) for i in range(20_000))
    roll.set_song(Song(tracks=(Track(many),)))
    roll.zoom_fit()  # thousands of notes start in view
    columns = stem_columns(roll)
    assert len(columns) > roll.velocity_lane().width() * 0.9


# ------------------------------------------------------------------------------ stem drags


def test_dragging_a_stem_up_raises_that_note_only_as_one_undo_step(roll):
    lane, start = roll.velocity_lane(), dot(roll, 1)
    end = start - QPoint(0, 12)
    press_and_move(lane, start, end)
    assert notes(roll) == MELODY  # only a preview while dragging
    expected = math.floor(90 + velocity_at(lane, end.y()) - velocity_at(lane, start.y()) + 0.5)
    assert lane.preview() == {1: expected}
    assert lane.stem_point(1).y() == pytest.approx(end.y(), abs=1)  # the dot follows the mouse
    QTest.mouseRelease(lane, LEFT, NONE, end)
    assert expected > 100
    assert [n.velocity for n in notes(roll)] == [80, expected, 100, 70, 60]
    assert undo_names(roll) == ["Set velocity"]
    assert lane.preview() == {}
    roll.undo_stack.undo()
    assert roll.song() == SONG
    roll.undo_stack.redo()
    assert notes(roll)[1].velocity == expected


def test_a_stem_drag_stops_at_127_and_at_1(roll):
    lane = roll.velocity_lane()
    drag(lane, dot(roll, 2), dot(roll, 2) - QPoint(0, 200))
    drag(lane, dot(roll, 3), QPoint(dot(roll, 3).x(), lane.height() + 100))
    assert [n.velocity for n in notes(roll)] == [80, 90, 127, 1, 60]


def test_dragging_a_selected_stem_sets_all_selected_notes(roll):
    select(roll, 0, 2, 3)
    lane = roll.velocity_lane()
    drag(lane, dot(roll, 2), QPoint(dot(roll, 2).x(), y_of(lane, 120)))
    velocities = [n.velocity for n in notes(roll)]
    assert abs(velocities[2] - 120) <= 1
    assert velocities == [velocities[2], 90, velocities[2], velocities[2], 60]
    assert undo_names(roll) == ["Set velocity of 3 notes"]
    assert roll.selected_indices() == [0, 2, 3]  # the selection stays
    roll.undo_stack.undo()
    assert roll.song() == SONG and roll.selected_indices() == [0, 2, 3]


def test_shift_moves_the_selected_notes_by_the_same_amount_and_alt_moves_one(roll):
    select(roll, 0, 2, 3)
    lane = roll.velocity_lane()
    drag(lane, dot(roll, 2), dot(roll, 2) - QPoint(0, 12), modifiers=SHIFT)
    delta = notes(roll)[2].velocity - 100
    assert delta > 0
    assert [n.velocity for n in notes(roll)] == [80 + delta, 90, 100 + delta, 70 + delta, 60]
    drag(lane, dot(roll, 3), dot(roll, 3) + QPoint(0, 12), modifiers=ALT)
    assert [n.velocity for n in notes(roll)][:3] == [80 + delta, 90, 100 + delta]
    assert notes(roll)[3].velocity < 70 + delta
    assert undo_names(roll) == ["Set velocity of 3 notes", "Set velocity"]


def test_a_click_without_a_drag_changes_nothing(roll):
    lane = roll.velocity_lane()
    QTest.mouseClick(lane, LEFT, NONE, dot(roll, 1))
    drag(lane, dot(roll, 1), dot(roll, 1) + QPoint(0, 1))  # under the drag threshold
    assert roll.song() == SONG and undo_names(roll) == []


def test_keys_go_on_to_the_roll_after_a_click_in_the_lane(roll, qtbot):
    select(roll, 1)
    lane = roll.velocity_lane()
    QTest.mouseClick(lane, LEFT, NONE, dot(roll, 1))
    assert lane.hasFocus()
    qtbot.keyClick(lane, Qt.Key.Key_Delete)
    assert notes(roll) == MELODY[:1] + MELODY[2:]


def test_a_ramp_over_a_dense_song_previews_and_sets_every_note_in_reach(roll):
    many = tuple(Note(60, i * 0.125, 0.125, 64) for i in range(20_000))
    roll.set_song(Song(tracks=(Track(many),)))
    roll.zoom_fit()
    lane = roll.velocity_lane()
    start = QPoint(round(roll.beat_to_x(100)), y_of(lane, 110))
    end = QPoint(round(roll.beat_to_x(1100)), y_of(lane, 110))
    drag(lane, start, end)
    changed = [n for n in notes(roll) if n.velocity != 64]
    pixel = 1 / roll._geo.px_per_beat  # beats; about 3 here, 24 notes
    first, last = (roll._geo.x_to_beat(p.x()) for p in (start, end))
    assert changed[0].start == pytest.approx(first, abs=pixel)
    assert changed[-1].start == pytest.approx(last, abs=pixel)
    assert len(changed) == 1 + round((changed[-1].start - changed[0].start) * 8)  # no gaps
    assert all(abs(n.velocity - 110) <= 1 for n in changed)
    assert lane.stem_point(4000).y() < lane.stem_point(0).y()  # it reads the new velocities


# -------------------------------------------------------------------------------- ramps


def test_a_ramp_across_four_notes_follows_the_line(roll):
    lane = roll.velocity_lane()
    start = QPoint(round(roll.beat_to_x(0.5)), y_of(lane, 20))  # empty lane space
    end = QPoint(round(roll.beat_to_x(4.5)), y_of(lane, 120))
    drag(lane, start, end)
    v0, v1 = velocity_at(lane, start.y()), velocity_at(lane, end.y())
    for note, was in zip(notes(roll)[:4], MELODY[:4], strict=True):
        t = (roll.beat_to_x(note.start) - start.x()) / (end.x() - start.x())
        assert note.velocity == pytest.approx(v0 + (v1 - v0) * t, abs=0.51), note
        assert note.start == was.start and note.pitch == was.pitch
    velocities = [n.velocity for n in notes(roll)]
    assert velocities[:4] == sorted(set(velocities[:4]))  # rising
    assert velocities[4] == 60  # beat 5 is past the line's end
    assert undo_names(roll) == ["Velocity ramp over 4 notes"]
    roll.undo_stack.undo()
    assert roll.song() == SONG
    roll.undo_stack.redo()
    assert [n.velocity for n in notes(roll)] == velocities


def test_a_ramp_drawn_right_to_left_and_over_a_selection(roll):
    select(roll, 1, 2)
    lane = roll.velocity_lane()
    start = QPoint(round(roll.beat_to_x(5.5)), y_of(lane, 120))
    end = QPoint(round(roll.beat_to_x(0.5)), y_of(lane, 120))
    drag(lane, start, end)
    velocities = [n.velocity for n in notes(roll)]
    assert velocities[0] == 80 and velocities[3:] == [70, 60]  # not selected: unchanged
    assert all(abs(v - 120) <= 1 for v in velocities[1:3])
    assert undo_names(roll) == ["Velocity ramp over 2 notes"]


# ------------------------------------------------------------------------------- cancel


def test_escape_cancels_a_drag(roll, qtbot):
    lane = roll.velocity_lane()
    press_and_move(lane, dot(roll, 1), dot(roll, 1) - QPoint(0, 30))
    assert lane.preview()
    qtbot.keyClick(lane, Qt.Key.Key_Escape)
    assert lane.preview() == {}
    QTest.mouseRelease(lane, LEFT, NONE, dot(roll, 1) - QPoint(0, 30))
    assert roll.song() == SONG and undo_names(roll) == []


def test_the_right_button_cancels_a_ramp(roll):
    lane = roll.velocity_lane()
    start = QPoint(round(roll.beat_to_x(0.5)), y_of(lane, 20))
    press_and_move(lane, start, QPoint(round(roll.beat_to_x(4.5)), y_of(lane, 120)))
    assert len(lane.preview()) == 4
    QTest.mousePress(lane, RIGHT, NONE, QPoint(round(roll.beat_to_x(4.5)), y_of(lane, 120)))
    QTest.mouseRelease(lane, LEFT, NONE, QPoint(round(roll.beat_to_x(4.5)), y_of(lane, 120)))
    assert roll.song() == SONG and undo_names(roll) == []


def test_an_undo_in_the_middle_of_a_drag_cancels_it(roll):
    lane = roll.velocity_lane()
    drag(lane, dot(roll, 0), dot(roll, 0) - QPoint(0, 10))
    edited = roll.song()
    press_and_move(lane, dot(roll, 1), dot(roll, 1) - QPoint(0, 30))
    roll.undo_stack.undo()  # e.g. Ctrl+Z from the menu
    QTest.mouseRelease(lane, LEFT, NONE, dot(roll, 1) - QPoint(0, 30))
    assert roll.song() == SONG and roll.song() != edited
    assert roll.undo_stack.index() == 0 and undo_names(roll) == ["Set velocity"]


# ------------------------------------------------------------------------- pure functions


def test_velocity_maps():
    assert dragged_velocities(MELODY, (0, 2), 2, 140.2) == {0: 127, 2: 127}
    assert dragged_velocities(MELODY, (0, 2), 2, 50, relative=True) == {0: 30, 2: 50}
    assert dragged_velocities(MELODY, (0, 4), 4, 0, relative=True) == {0: 20, 4: 1}
    ramp = ramp_velocities(MELODY, range(5), (2.0, 10.0), (4.0, 30.0))
    assert ramp == {1: 10, 2: 20, 3: 30}
    assert ramp_velocities(MELODY, range(5), (3.0, 10.0), (3.0, 50.0)) == {2: 50}


def test_set_velocities_keeps_the_selection_on_reordered_twins():
    twins = (Note(60, 0.0, 1.0, 50), Note(60, 0.0, 1.0, 90))  # play order: by velocity last
    state = RollState(Song(tracks=(Track(twins),)), 0, (0,))
    after = set_velocities(state, {0: 100})
    assert after.notes == (Note(60, 0.0, 1.0, 90), Note(60, 0.0, 1.0, 100))
    assert after.selection == (1,)
