"""The loop region, the snap selector and follow-playhead: real mouse and key events on the
piano roll's ruler and the transport bar, the loop wired to a real player.

Drags are sent as in test_piano_roll: a QTest press, mouse moves with the button held sent as
``QMouseEvent``s (``qtbot.mouseMove`` does not hold buttons offscreen), a QTest release.
"""

from __future__ import annotations

import pytest
from conftest import drag, need_audio, shown_roll
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QMenu, QToolButton, QWidget

from studio.core.music import Note, Song, TempoChange, Track
from studio.gui.piano_roll import PianoRoll
from studio.gui.playback import QtPlayback
from studio.gui.transport import TransportBar

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE, ALT = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.AltModifier
RULER_Y = 6  # a y inside the ruler
SONG = Song(tracks=(Track(tuple(Note(60 + i % 5, i * 1.0, 1.0, 90) for i in range(16))),))


@pytest.fixture
def roll(qtbot) -> PianoRoll:
    return shown_roll(qtbot, SONG)


def ruler(roll: PianoRoll, beat: float) -> QPoint:
    """The ruler's point at ``beat``."""
    return QPoint(round(roll.beat_to_x(beat)), RULER_Y)


def move_to(widget: QWidget, pos: QPoint, buttons=LEFT, modifiers=NONE) -> None:
    """Send a mouse move with ``buttons`` held."""
    point = QPointF(pos)
    event = QMouseEvent(QEvent.Type.MouseMove, point, QPointF(widget.mapToGlobal(point)),
                        Qt.MouseButton.NoButton, buttons, modifiers)  # fmt: skip
    QApplication.sendEvent(widget, event)


# -- the ruler ------------------------------------------------------------------------------


def test_a_ruler_drag_sets_a_snapped_loop_and_a_click_still_seeks(roll):
    seeks, loops = [], []
    roll.seekRequested.connect(seeks.append)
    roll.loopChanged.connect(loops.append)
    area = roll.note_area()
    drag(area, ruler(roll, 4.1), ruler(roll, 11.9))
    assert roll.loop() == (4.0, 12.0)  # on the 1/16 grid
    assert loops == [(4.0, 12.0)] and seeks == []  # a drag does not move the playhead
    assert roll.undo_stack.count() == 0  # view state, not an edit
    QTest.mouseClick(area, LEFT, NONE, ruler(roll, 3.0))
    assert seeks == [pytest.approx(3.0, abs=0.03)]
    assert roll.loop() == (4.0, 12.0)
    drag(area, ruler(roll, 13.0), ruler(roll, 9.55))  # right to left works too
    assert roll.loop() == (9.5, 13.0)


def test_alt_bypasses_the_snap_and_zoomed_out_the_loop_snaps_to_bars(roll):
    area = roll.note_area()
    drag(area, ruler(roll, 1.1), ruler(roll, 2.6), ALT)
    start, end = roll.loop()
    assert start == pytest.approx(1.1, abs=0.03) and end == pytest.approx(2.6, abs=0.03)
    assert start % 0.25 > 0.01  # off the grid
    while roll.beat_to_x(1) - roll.beat_to_x(0) >= 6:  # beats closer than 6 px: bars
        roll.zoom_out()
    roll.horizontalScrollBar().setValue(0)
    drag(area, ruler(roll, 4.6), ruler(roll, 15.3))
    assert roll.loop() == (4.0, 16.0)


def test_dragging_a_loop_edge_adjusts_it_and_esc_cancels(roll):
    roll.set_loop(8.0, 4.0)  # either order
    assert roll.loop() == (4.0, 8.0)
    area = roll.note_area()
    move_to(area, ruler(roll, 8.0), Qt.MouseButton.NoButton)
    assert area.cursor().shape() == Qt.CursorShape.SizeHorCursor
    drag(area, ruler(roll, 8.0), ruler(roll, 10.1))
    assert roll.loop() == (4.0, 10.0)
    drag(area, ruler(roll, 4.0), ruler(roll, 2.0))
    assert roll.loop() == (2.0, 10.0)
    QTest.mousePress(area, LEFT, NONE, ruler(roll, 10.0))
    move_to(area, ruler(roll, 14.0))
    assert roll.loop() == (2.0, 14.0)  # the preview
    QTest.keyClick(roll, Qt.Key.Key_Escape)
    QTest.mouseRelease(area, LEFT, NONE, ruler(roll, 14.0))
    assert roll.loop() == (2.0, 10.0)


def test_a_double_click_on_the_band_or_clear_loop_removes_it(roll, qtbot):
    area = roll.note_area()
    roll.set_loop(4.0, 8.0)
    with qtbot.waitSignal(roll.loopChanged) as changed:
        QTest.mouseDClick(area, LEFT, NONE, ruler(roll, 6.0))
    assert changed.args == [None] and roll.loop() is None
    QTest.mouseDClick(area, LEFT, NONE, ruler(roll, 6.0))  # no band: nothing to clear
    assert roll.loop() is None
    roll.set_loop(4.0, 8.0)
    QTest.mouseClick(area, RIGHT, NONE, ruler(roll, 12.0))
    menu = roll.findChild(QMenu, "rulerMenu")
    assert menu is not None and menu.isVisible()
    clear = next(a for a in menu.actions() if a.objectName() == "actionClearLoop")
    QTest.mouseClick(menu, LEFT, NONE, menu.actionGeometry(clear).center())
    assert roll.loop() is None
    assert roll.undo_stack.count() == 0


def test_the_loop_band_is_orange_in_the_ruler_and_grey_when_off(roll):
    roll.set_loop(4.0, 8.0)
    low = roll.note_area().height() - 20  # a row far below the notes

    def colour_at(beat: float, y: int) -> QColor:  # between grid lines at beats .1 and .6
        return roll.note_area().grab().toImage().pixelColor(round(roll.beat_to_x(beat)), y)

    band, outside = colour_at(6.1, 12), colour_at(10.1, 12)
    assert band.red() > band.blue() + 40 and outside.red() < outside.blue()  # orange
    tinted, plain = colour_at(6.1, low), colour_at(10.1, low)  # dark or light grid alike:
    assert tinted.red() - tinted.blue() > plain.red() - plain.blue()  # warmer: tinted orange
    roll.set_loop_active(False)
    grey = colour_at(6.1, 12)
    assert abs(grey.red() - grey.blue()) < 30
    assert colour_at(6.1, low) == colour_at(10.1, low)  # no tint while looping is off


# -- follow-playhead ----------------------------------------------------------------------------


def test_follow_playhead_pages_along_but_not_on_a_repeated_position(roll):
    scroll = roll.horizontalScrollBar()
    roll.set_follow_playhead(True)
    assert roll.follow_playhead()
    before = scroll.value()
    roll.set_playhead(120.0)  # far right of the view
    assert scroll.value() > before
    assert 0 < roll.beat_to_x(120.0) < roll.note_area().width()
    scroll.setValue(0)  # the user looks elsewhere; an edit re-sends the same position
    roll.set_playhead(120.0)
    assert scroll.value() == 0
    roll.set_follow_playhead(False)
    roll.set_playhead(200.0)
    assert scroll.value() == 0


# -- the transport --------------------------------------------------------------------------


def test_the_loop_button_is_enabled_by_a_region_and_toggles(qtbot):
    bar = TransportBar()
    qtbot.addWidget(bar)
    bar.show()
    button = bar.findChild(QToolButton, "loopButton")
    assert button.text() == "⟲" and "(L)" in button.toolTip()
    assert not button.isEnabled() and not bar.loop_on()
    toggles = []
    bar.loopToggled.connect(toggles.append)
    bar.set_loop_region(True)  # a new region turns looping on
    assert button.isEnabled() and button.isChecked() and toggles == [True]
    qtbot.mouseClick(button, LEFT)
    assert not bar.loop_on() and toggles == [True, False]
    qtbot.mouseClick(button, LEFT)
    assert bar.loop_on() and toggles == [True, False, True]
    bar.set_loop_region(False)
    assert not button.isEnabled() and not bar.loop_on() and toggles[-1] is False


def test_the_snap_combo_lists_the_grids_and_says_beats(qtbot):
    bar = TransportBar()
    qtbot.addWidget(bar)
    combo = bar.findChild(QComboBox, "snapCombo")
    texts = [combo.itemText(i) for i in range(combo.count())]
    assert texts == ["Bar", "1/2", "1/4", "1/8", "1/16", "1/32", "1/8 triplet", "1/16 triplet",
                     "Off"]  # fmt: skip
    assert combo.currentText() == "1/16" and bar.snap() == 0.25
    chosen = []
    bar.snapChosen.connect(chosen.append)
    for text in ("1/8 triplet", "Off", "Bar"):
        combo.setCurrentIndex(combo.findText(text))
    assert chosen == [pytest.approx(1 / 3), None, 4.0]
    bar.show_song_facts(100, "3/4", "D minor")  # "Bar" follows the meter
    assert chosen[-1] == 3.0
    bar.show_snap(0.5)
    assert combo.currentText() == "1/8" and len(chosen) == 4  # showing is not choosing


# -- in the window --------------------------------------------------------------------------


def draw_at(roll: PianoRoll, beat: float, pitch: int) -> Note:
    """Click with the draw tool at ``beat`` on ``pitch``'s row; the note drawn."""
    roll.ensure_visible(beat, pitch)
    before = set(roll.song().notes)
    point = QPoint(round(roll.beat_to_x(beat)), round(roll.pitch_to_y(pitch)))
    QTest.mouseClick(roll.note_area(), LEFT, NONE, point)
    (note,) = set(roll.song().notes) - before
    return note


def test_the_snap_combo_sets_the_grid_notes_are_drawn_on(window, qtbot):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 0, timeout=30_000)
    combo = window.findChild(QComboBox, "snapCombo")
    assert combo.currentText() == "1/16" and roll.snap() == 0.25  # the roll's snap shown
    roll.set_tool("draw")
    assert draw_at(roll, 4.4, 110).start == 4.25
    combo.setCurrentIndex(combo.findText("1/8"))
    assert roll.snap() == 0.5
    assert draw_at(roll, 8.4, 110).start == 8.0
    combo.setCurrentIndex(combo.findText("1/8 triplet"))
    assert draw_at(roll, 12.4, 110).start == pytest.approx(12 + 1 / 3)
    combo.setCurrentIndex(combo.findText("Off"))
    assert roll.snap() is None
    assert draw_at(roll, 16.4, 110).start == pytest.approx(16.4, abs=0.03)


def test_the_window_loops_a_region_on_the_real_player(window, qtbot):
    need_audio()
    roll, transport = window.piano_roll, window.transport
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    assert window.playback.available
    assert roll.follow_playhead()  # on in the window, as in DAWs
    button = window.findChild(QToolButton, "loopButton")
    assert not button.isEnabled()
    drag(roll.note_area(), ruler(roll, 1.0), ruler(roll, 3.0))  # a two-beat loop
    assert roll.loop() == (1.0, 3.0)
    assert button.isEnabled() and transport.loop_on()  # a new region turns looping on
    assert window.playback.loop() == (1.0, 3.0)
    seen: list[float] = []
    window.playback.positionChanged.connect(seen.append)
    QTest.mouseClick(roll.note_area(), LEFT, NONE, ruler(roll, 1.0))  # the playhead to 1.0
    window.toggle_play()

    def wrapped() -> bool:  # reached the loop's end, then came back to its start
        late = [i for i, beats in enumerate(seen) if beats >= 2.5]
        return bool(late) and any(beats < 1.5 for beats in seen[late[0] :])

    qtbot.waitUntil(wrapped, timeout=15_000)
    assert max(seen) < 3.2  # never far past the loop's end
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(roll, Qt.Key.Key_L)  # L: looping off, the player plays on
    assert not transport.loop_on() and window.playback.loop() is None
    qtbot.waitUntil(lambda: seen[-1] > 3.5, timeout=15_000)
    window.playback.stop()


def test_a_player_without_loop_support_loops_by_seeking(qtbot, monkeypatch):
    import fake_midi_backend

    from studio.audio.midi_player import MidiPortPlayer

    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    fake_midi_backend.reset()
    player = MidiPortPlayer("fake-port")
    assert not hasattr(player, "set_loop")
    playback = QtPlayback(player)
    try:
        fast = Song(tracks=SONG.tracks, tempos=(TempoChange(0, 240),))
        playback.load(fast)
        playback.set_loop(0.0, 1.0)  # a quarter of a second
        seen: list[float] = []
        playback.positionChanged.connect(seen.append)
        playback.play_from(0.0)

        def wrapped() -> bool:
            late = [i for i, beats in enumerate(seen) if beats >= 0.7]
            return bool(late) and any(beats < 0.5 for beats in seen[late[0] :])

        qtbot.waitUntil(wrapped, timeout=10_000)
        assert max(seen) < 1.5
    finally:
        playback.close()
        fake_midi_backend.reset()
