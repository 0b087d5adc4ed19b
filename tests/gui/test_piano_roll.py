"""Tests of the piano roll (studio.gui.piano_roll): real mouse and key events, offscreen.

Drags are sent by ``drag`` below: a QTest press, mouse moves with the button held sent as
``QMouseEvent``s (``qtbot.mouseMove`` does not hold buttons offscreen), a QTest release.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from conftest import shown_roll
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes
from studio.core.music import Note, Song, Track
from studio.core.theory import Key
from studio.gui.edit_commands import (
    RollState,
    legato,
    move,
    nearest_in_key,
    transpose,
    velocity,
    with_notes,
)
from studio.gui.piano_roll import PianoRoll
from studio.gui.roll_geometry import NoteIndex

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE, SHIFT, CTRL, ALT = (
    Qt.KeyboardModifier.NoModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.AltModifier,
)
MELODY = (Note(60, 0.0, 1.0, 90), Note(64, 1.0, 1.0, 100), Note(67, 2.0, 2.0, 110))
SONG = Song(
    tracks=(
        Track((Note(36, 0.0, 0.5),), is_drum=True, name="Drums"),
        Track(MELODY, name="Melody"),
        Track((Note(48, 0.0, 4.0), Note(43, 4.0, 4.0)), name="Bass"),
    )
)


@pytest.fixture
def roll(qtbot) -> PianoRoll:
    """A shown roll editing SONG's melody (track 1: the first pitched track with notes)."""
    return shown_roll(qtbot, SONG)


def at(roll: PianoRoll, beat: float, pitch: int) -> QPoint:
    """The note area's point at ``beat`` on ``pitch``'s row."""
    return QPoint(int(roll.beat_to_x(beat)), int(roll.pitch_to_y(pitch)))


def click(roll: PianoRoll, pos: QPoint, button=LEFT, modifiers=NONE) -> None:
    """A click in the note area."""
    QTest.mouseClick(roll.note_area(), button, modifiers, pos)


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


def drag(widget, start: QPoint, end: QPoint, modifiers=NONE, button=LEFT, steps: int = 6):
    """Press at ``start``, move in ``steps`` to ``end`` with the button held, release."""
    QTest.mousePress(widget, button, modifiers, start)
    for step in range(1, steps + 1):
        move_to(widget, start + (end - start) * (step / steps), button, modifiers)
    QTest.mouseRelease(widget, button, modifiers, end)


def wheel(widget: QWidget, pos: QPoint, delta: int, modifiers=NONE) -> None:
    """Turn the mouse wheel by ``delta`` (120 = one notch away from the user) at ``pos``."""
    point = QPointF(pos)
    event = QWheelEvent(
        point,
        QPointF(widget.mapToGlobal(point)),
        QPoint(),
        QPoint(0, delta),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def notes(roll: PianoRoll) -> tuple[Note, ...]:
    return roll.song().tracks[roll.track_index()].notes


def undo_names(roll: PianoRoll) -> list[str]:
    return [roll.undo_stack.text(i) for i in range(roll.undo_stack.count())]


# ------------------------------------------------------------------------- drawing notes


def test_click_draws_a_note_in_the_cell(roll):
    heard = []
    roll.auditionRequested.connect(heard.append)
    click(roll, at(roll, 4.1, 62))
    assert Note(62, 4.0, 1.0, 100) in notes(roll)
    assert len(notes(roll)) == 4
    assert undo_names(roll) == ["Add note"]
    assert [notes(roll)[i] for i in roll.selected_indices()] == [Note(62, 4.0, 1.0, 100)]
    assert heard == [62]
    assert roll.song().tracks[0] is SONG.tracks[0] and roll.song().tracks[2] is SONG.tracks[2]


def test_dragging_right_sets_the_length_and_the_next_note_uses_it(roll):
    drag(roll.note_area(), at(roll, 4.1, 62), at(roll, 6.0, 62))
    assert Note(62, 4.0, 2.0, 100) in notes(roll)
    click(roll, at(roll, 8.1, 65))
    assert Note(65, 8.0, 2.0, 100) in notes(roll)
    assert undo_names(roll) == ["Add note", "Add note"]


def test_snap_off_and_alt_bypass_the_grid(roll):
    roll.set_snap(None)
    assert roll.snap() is None
    click(roll, at(roll, 4.1, 62))
    drawn = next(n for n in notes(roll) if n.pitch == 62)
    assert drawn.start == pytest.approx(4.1, abs=0.03) and drawn.start != 4.0
    roll.set_snap(0.25)
    drag(roll.note_area(), at(roll, 1.5, 64), at(roll, 2.6, 64), modifiers=ALT)
    moved = next(n for n in notes(roll) if n.pitch == 64)
    assert moved.start == pytest.approx(2.1, abs=0.03) and moved.start % 0.25 != 0


def test_a_note_drawn_over_a_note_of_its_pitch_ends_where_that_one_starts(roll):
    drag(roll.note_area(), at(roll, 8.1, 65), at(roll, 12.0, 65))  # the next notes: 4 beats
    click(roll, at(roll, 0.1, 64))  # 0–4 would hold the E at beat 1 inside it
    drag(roll.note_area(), at(roll, 1.1, 67), at(roll, 3.0, 67))  # 1–3 would cover the G's start
    assert Note(64, 0.0, 1.0, 100) in notes(roll) and Note(64, 1.0, 1.0, 100) in notes(roll)
    assert Note(67, 1.0, 1.0, 100) in notes(roll) and Note(67, 2.0, 2.0, 110) in notes(roll)
    assert undo_names(roll) == ["Add note"] * 3
    # so the song saves as it shows: MIDI pairs a pitch's note-offs first in, first out
    saved = read_midi(midi_bytes(roll.song()))
    assert Counter(n for t in saved.tracks for n in t.notes) == Counter(
        n for t in roll.song().tracks for n in t.notes
    )
    roll.undo_stack.undo()
    roll.undo_stack.undo()
    assert Note(64, 0.0, 4.0, 100) not in notes(roll) and len(notes(roll)) == 4


def test_drawing_in_a_song_without_melody_adds_a_track_and_undo_removes_it(roll):
    empty = Song(tracks=(Track((Note(36, 0.0, 0.5),), is_drum=True),))
    roll.set_song(empty)
    assert roll.track_index() == 1 and roll.song() is empty
    click(roll, at(roll, 0.1, 72))
    assert len(roll.song().tracks) == 2
    assert roll.song().tracks[1].notes == (Note(72, 0.0, 1.0, 100),)
    roll.undo_stack.undo()
    assert roll.song() is empty


# ------------------------------------------------------------------- moving and resizing


def test_dragging_a_note_moves_it_in_time_and_pitch_as_one_undo_step(roll):
    heard = []
    roll.auditionRequested.connect(heard.append)
    drag(roll.note_area(), at(roll, 1.3, 64), at(roll, 2.3, 66), steps=12)
    assert Note(66, 2.0, 1.0, 100) in notes(roll)
    assert all(n.pitch != 64 for n in notes(roll))
    assert undo_names(roll) == ["Move note"]
    assert heard[-1] == 66
    assert [notes(roll)[i].pitch for i in roll.selected_indices()] == [66]
    roll.undo_stack.undo()
    assert roll.song() == SONG


def test_dragging_the_right_edge_resizes(roll):
    start = QPoint(int(roll.beat_to_x(2.0)) - 2, int(roll.pitch_to_y(64)))
    drag(roll.note_area(), start, at(roll, 3.0, 64))
    assert Note(64, 1.0, 2.0, 100) in notes(roll)
    assert undo_names(roll) == ["Resize note"]
    click(roll, at(roll, 8.1, 70))  # the resized length is the next drawn length
    assert Note(70, 8.0, 2.0, 100) in notes(roll)


def test_moving_a_selection_moves_all_and_keeps_it_selected(roll):
    roll.select_all()
    drag(roll.note_area(), at(roll, 0.5, 60), at(roll, 4.5, 60))
    assert notes(roll) == tuple(Note(n.pitch, n.start + 4, n.duration, n.velocity) for n in MELODY)
    assert undo_names(roll) == ["Move 3 notes"]
    assert roll.selected_indices() == [0, 1, 2]
    assert roll.selected_bars() == [1]


def test_key_lock_keeps_moved_and_drawn_notes_in_the_scale(roll):
    key = Key.parse("C")
    roll.set_song(SONG, key=key)
    roll.set_key_lock(True)
    drag(roll.note_area(), at(roll, 1.3, 64), at(roll, 1.3, 66))  # F# is not in C major
    moved = notes(roll)[roll.selected_indices()[0]]
    assert moved.pitch == 67 and key.contains(moved.pitch)
    click(roll, at(roll, 6.1, 61))
    assert all(key.contains(n.pitch) for n in notes(roll))
    roll.set_key_lock(False)
    drag(roll.note_area(), at(roll, 6.3, 60), at(roll, 6.3, 61))
    assert any(n.pitch == 61 for n in notes(roll))


# ---------------------------------------------------------------------------- erasing


def test_right_click_erases_in_any_tool(roll):
    for tool in ("draw", "select"):
        roll.set_tool(tool)
        before = len(notes(roll))
        click(roll, at(roll, 0.5, 60) if tool == "draw" else at(roll, 1.5, 64), RIGHT)
        assert len(notes(roll)) == before - 1
    assert undo_names(roll) == ["Delete note", "Delete note"]
    click(roll, at(roll, 8.5, 80), RIGHT)  # on nothing: no edit
    assert roll.undo_stack.count() == 2


def test_erase_tool_drag_erases_every_note_it_crosses_in_one_step(roll):
    row = tuple(Note(60, float(b), 0.5) for b in range(4))
    roll.set_song(Song(tracks=(Track((*row, Note(72, 0.0, 4.0))),)))
    roll.set_tool("erase")
    drag(roll.note_area(), at(roll, 0.2, 60), at(roll, 3.2, 60), steps=24)
    assert notes(roll) == (Note(72, 0.0, 4.0),)
    assert undo_names(roll) == ["Delete 4 notes"]
    roll.undo_stack.undo()
    assert notes(roll) == (Note(60, 0.0, 0.5), Note(72, 0.0, 4.0), *row[1:])


# -------------------------------------------------------------------- selecting, keys


def test_rubber_band_selects_and_delete_removes(roll):
    roll.set_tool("select")
    drag(roll.note_area(), at(roll, 0.5, 70), at(roll, 2.5, 63))
    assert roll.selected_indices() == [1, 2]
    QTest.keyClick(roll.note_area(), Qt.Key.Key_Delete)
    assert notes(roll) == (MELODY[0],)
    assert undo_names(roll) == ["Delete 2 notes"]
    roll.undo_stack.undo()
    assert roll.song() == SONG and roll.selected_indices() == [1, 2]


def test_shift_click_extends_ctrl_click_toggles_empty_click_clears(roll):
    roll.set_tool("select")
    click(roll, at(roll, 0.5, 60))
    assert roll.selected_indices() == [0]
    click(roll, at(roll, 2.5, 67), modifiers=SHIFT)
    assert roll.selected_indices() == [0, 2]
    click(roll, at(roll, 0.5, 60), modifiers=CTRL)
    assert roll.selected_indices() == [2]
    QTest.keyClick(roll.note_area(), Qt.Key.Key_A, CTRL)
    assert roll.selected_indices() == [0, 1, 2]
    assert roll.selected_bars() == [0]
    click(roll, at(roll, 8.5, 80))
    assert roll.selected_indices() == []
    assert roll.undo_stack.count() == 0


def test_arrows_nudge_the_selection(roll):
    roll.set_tool("select")
    click(roll, at(roll, 1.5, 64))
    area = roll.note_area()
    QTest.keyClick(area, Qt.Key.Key_Right)
    QTest.keyClick(area, Qt.Key.Key_Up)
    QTest.keyClick(area, Qt.Key.Key_Up, SHIFT)
    assert notes(roll)[roll.selected_indices()[0]] == Note(77, 1.25, 1.0, 100)
    QTest.keyClick(area, Qt.Key.Key_Down)
    QTest.keyClick(area, Qt.Key.Key_Left)
    QTest.keyClick(area, Qt.Key.Key_Left)
    assert notes(roll)[roll.selected_indices()[0]] == Note(76, 0.75, 1.0, 100)
    assert undo_names(roll) == ["Move note"] * 6
    click(roll, at(roll, 0.5, 60))
    QTest.keyClick(area, Qt.Key.Key_Left)  # at beat 0 already: no edit
    assert roll.undo_stack.count() == 6


def test_tool_keys(roll):
    area = roll.note_area()
    for key, name in ((Qt.Key.Key_E, "erase"), (Qt.Key.Key_S, "select"), (Qt.Key.Key_D, "draw")):
        QTest.keyClick(area, key)
        assert roll.tool() == name
    with pytest.raises(ValueError, match="unknown piano-roll tool"):
        roll.set_tool("lasso")


def test_escape_cancels_a_drag(roll):
    area = roll.note_area()
    selected_before = roll.selected_indices()
    QTest.mousePress(area, LEFT, NONE, at(roll, 1.3, 64))
    move_to(area, at(roll, 3.3, 70))
    QTest.keyClick(area, Qt.Key.Key_Escape)
    move_to(area, at(roll, 5.3, 72))
    QTest.mouseRelease(area, LEFT, NONE, at(roll, 5.3, 72))
    assert roll.song() is SONG
    assert roll.undo_stack.count() == 0
    assert roll.selected_indices() == selected_before


def test_velocity_and_quantize_are_one_edit_each(roll):
    roll.select_all()
    roll.set_velocity(40)
    assert {n.velocity for n in notes(roll)} == {40}
    assert undo_names(roll) == ["Set velocity"]
    roll.set_song(Song(tracks=(Track((Note(60, 0.1, 1.0), Note(62, 1.9, 1.0))),)))
    roll.select_all()
    QTest.keyClick(roll.note_area(), Qt.Key.Key_Q)
    assert [n.start for n in notes(roll)] == [0.0, 2.0]
    assert undo_names(roll) == ["Quantize 2 notes"]


# --------------------------------------------------------------------------- undo, songs


def test_undo_and_redo_restore_the_exact_song_after_each_kind_of_edit(roll):
    area = roll.note_area()
    songs = [roll.song()]
    click(roll, at(roll, 4.1, 62))  # add
    songs.append(roll.song())
    drag(area, at(roll, 1.3, 64), at(roll, 2.3, 65))  # move
    songs.append(roll.song())
    drag(area, QPoint(int(roll.beat_to_x(4.0)) - 2, int(roll.pitch_to_y(67))), at(roll, 5, 67))
    songs.append(roll.song())  # resize
    click(roll, at(roll, 0.5, 60), RIGHT)  # erase
    songs.append(roll.song())
    roll.select_all()
    roll.set_velocity(30)
    songs.append(roll.song())
    QTest.keyClick(area, Qt.Key.Key_Up)
    songs.append(roll.song())
    QTest.keyClick(area, Qt.Key.Key_Delete)
    songs.append(roll.song())
    assert len(set(map(id, songs))) == len(songs) == roll.undo_stack.count() + 1
    for expected in reversed(songs[:-1]):
        roll.undo_stack.undo()
        assert roll.song() is expected
    for expected in songs[1:]:
        roll.undo_stack.redo()
        assert roll.song() is expected
    assert roll.song() == songs[-1]


def test_set_song_clears_undo_and_replace_song_is_undoable(roll):
    click(roll, at(roll, 4.1, 62))
    other = Song(tracks=(Track((Note(70, 0.0, 1.0),)),))
    roll.set_song(other)
    assert roll.undo_stack.count() == 0 and roll.song() is other
    idea = Song(tracks=(Track((Note(72, 0.0, 0.5), Note(74, 0.5, 0.5))),))
    roll.replace_song(idea, "Open idea 1")
    assert roll.song() is idea and undo_names(roll) == ["Open idea 1"]
    roll.undo_stack.undo()
    assert roll.song() is other
    roll.undo_stack.redo()
    assert roll.song() is idea


def test_song_changed_fires_on_edits_undo_and_set_song(roll, qtbot):
    with qtbot.waitSignal(roll.songChanged, timeout=1000) as blocker:
        click(roll, at(roll, 4.1, 62))
    assert blocker.args == [roll.song()]
    with qtbot.waitSignal(roll.songChanged, timeout=1000) as blocker:
        roll.undo_stack.undo()
    assert blocker.args == [SONG]
    with qtbot.waitSignal(roll.songChanged, timeout=1000) as blocker:
        roll.set_song(Song())
    assert blocker.args == [Song()]


def test_set_song_chooses_the_first_pitched_track_with_notes(roll):
    assert roll.track_index() == 1
    roll.set_song(SONG, track_index=2)
    assert notes(roll) == SONG.tracks[2].notes
    with pytest.raises(IndexError):
        roll.set_song(SONG, track_index=7)


# ------------------------------------------------------------------ ruler, keyboard, view


def test_ruler_click_seeks_and_keyboard_click_auditions(roll):
    seeks, heard = [], []
    roll.seekRequested.connect(seeks.append)
    roll.auditionRequested.connect(heard.append)
    click(roll, QPoint(int(roll.beat_to_x(3.0)), 5))
    assert seeks == [pytest.approx(3.0, abs=0.03)]
    click(roll, QPoint(10, int(roll.pitch_to_y(60))))
    assert heard == [60]
    assert roll.undo_stack.count() == 0


def test_zoom_scroll_and_ensure_visible(roll):
    width = roll.beat_to_x(4) - roll.beat_to_x(0)
    roll.zoom_in()
    assert roll.beat_to_x(4) - roll.beat_to_x(0) > width
    roll.zoom_out()
    roll.zoom_out()
    assert roll.beat_to_x(4) - roll.beat_to_x(0) < width
    area, x = roll.note_area(), 400

    def beat_at_x() -> float:
        return (x - roll.beat_to_x(0)) / (roll.beat_to_x(1) - roll.beat_to_x(0))

    beat_under = beat_at_x()
    wheel(area, QPoint(x, 300), 120, CTRL)  # zooms in around the cursor
    assert roll.beat_to_x(1) - roll.beat_to_x(0) == pytest.approx(width / 4)  # one step in
    assert beat_at_x() == pytest.approx(beat_under, abs=0.05)
    y60 = roll.pitch_to_y(60)
    wheel(area, QPoint(x, 300), -120)
    assert roll.pitch_to_y(60) < y60  # scrolled down: rows move up
    x0 = roll.beat_to_x(0)
    wheel(area, QPoint(x, 300), -120, SHIFT)
    assert roll.beat_to_x(0) < x0
    roll.ensure_visible(300.0, 110)
    assert 0 < roll.beat_to_x(300.0) < area.width() and 0 < roll.pitch_to_y(110) < area.height()
    roll.zoom_fit()
    assert 0 <= roll.beat_to_x(4.0) <= area.width()
    assert 0 <= roll.pitch_to_y(67) <= roll.pitch_to_y(60) <= area.height()


def test_playhead_and_follow(roll):
    roll.set_playhead(2.0)
    assert roll.playhead() == 2.0
    roll.set_follow_playhead(True)
    roll.set_playhead(400.0)
    assert roll.note_area().width() > roll.beat_to_x(400.0) > 0


# ------------------------------------------------------------------------------ painting


def big_song(count: int, seed: int = 1) -> Song:
    """A melody of ``count`` notes (zero-length and long ones too) and a ghost track."""
    rng = random.Random(seed)
    lengths = (0.0, 0.25, 1.0, 3.0)
    melody = [Note(rng.randint(48, 84), i * 0.25, rng.choice(lengths), 80) for i in range(count)]
    melody.append(Note(60, 0.0, count * 0.25))  # one note as long as the song
    pad = [Note(48, b * 4.0, 4.0, 60) for b in range(count // 16)]
    return Song(tracks=(Track(tuple(melody)), Track(tuple(pad))))


def test_painting_a_10000_note_song_many_times_is_fine(roll):
    roll.set_song(big_song(10_000), key=Key.parse("Dm"), chords=["Dm", "Bb", "F", "C"] * 50)
    roll.select_all()
    scroll = roll.horizontalScrollBar()
    for i in range(300):
        scroll.setValue(i * scroll.maximum() // 300)
        roll.set_playhead(i * 8.0)
        roll.viewport().repaint()
    roll.zoom_fit()
    for _ in range(5):
        roll.viewport().repaint()
    image = QImage(roll.viewport().size() * 2, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2.0)
    roll.viewport().render(image)  # HiDPI: painted in logical pixels at device pixel ratio 2
    assert not image.isNull()


@pytest.mark.parametrize("base", ["#16181d", "#ffffff"])  # the dark and the light theme
@pytest.mark.parametrize("count", [40, 4_000])  # note by note, and as a raster (zoomed out)
def test_notes_are_painted_where_beat_to_x_and_pitch_to_y_say(roll, count, base):
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette(roll.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor(base))
    roll.setPalette(palette)  # the roll takes its dark or light colours from the palette
    row = tuple(Note(60, i * 0.5, 0.5) for i in range(count))
    roll.set_song(Song(tracks=(Track(row),)))
    roll.zoom_fit()
    image = roll.note_area().grab().toImage()
    middle = count * 0.25
    note = image.pixelColor(int(roll.beat_to_x(middle)), int(roll.pitch_to_y(60)))
    empty = image.pixelColor(int(roll.beat_to_x(middle)), int(roll.pitch_to_y(64)))
    assert note.green() > note.red() + 60  # a note's green-cyan
    assert abs(empty.green() - empty.red()) < 20  # the grid's grey
    assert (empty.lightness() > 128) == (base == "#ffffff")


def test_note_index_finds_exactly_the_visible_notes():
    song = big_song(2_000, seed=7)
    for track in song.tracks:
        index = NoteIndex(track.notes)
        for first, last in ((0.0, 3.0), (100.2, 130.0), (499.0, 520.0), (-5.0, -1.0)):
            expected = [i for i, n in enumerate(track.notes) if n.start <= last and n.end >= first]
            assert index.visible(first, last) == expected


def test_with_notes_keeps_the_selection_on_the_same_notes():
    state = RollState(Song(tracks=(Track(MELODY),)), 0, (0,))
    moved = (Note(70, 5.0, 1.0), *MELODY[1:])
    after = with_notes(state, moved, [0])
    assert after.notes[after.selection[0]] == Note(70, 5.0, 1.0)
    assert nearest_in_key(66, Key.parse("C"), 1) == 67
    assert nearest_in_key(66, Key.parse("C"), -1) == 65
    assert nearest_in_key(127, Key.parse("C#")) == 126


def test_edits_elsewhere_leave_a_files_overlapping_notes_of_one_pitch_alone():
    held, again = Note(60, 0.0, 3.0, 80), Note(60, 2.0, 3.0, 90)  # as a file may hold them
    state = RollState(Song(tracks=(Track((held, again, Note(64, 0.0, 1.0))),)), 0, ())
    other = [i for i, n in enumerate(state.notes) if n.pitch == 64]
    for after in (move(state, other, 1.0, 1, None), velocity(state, other, 50),
                  transpose(state, other, semitones=1), legato(state, other)):  # fmt: skip
        assert {held, again} <= set(after.notes)
    # …and settle them when the edit reaches that pitch
    same_tick = move(state, other, 0.0, -4, None)  # the E onto the C held from beat 0
    assert held in same_tick.notes and again in same_tick.notes  # starting together: both stay
    struck = move(state, other, 1.0, -4, None)  # a C struck at beat 1 ends the held one there
    assert Note(60, 0.0, 1.0, 80) in struck.notes and again in struck.notes


def test_the_roll_holds_a_song_as_long_as_a_file_may_be(qtbot):
    # The reader's limit (MAX_BEATS) is what the roll's 32-bit scroll range holds at its highest
    # zoom; beyond it, Qt's scroll bars overflowed.
    from studio.core.midi_read import MAX_BEATS

    roll = shown_roll(qtbot, Song((Track((Note(60, 0.0, 1.0), Note(62, MAX_BEATS - 1, 1.0))),)))
    for _ in range(40):
        roll.zoom_in()
    roll.ensure_visible(MAX_BEATS - 1, 62)
    roll.set_playhead(MAX_BEATS)
    assert roll.horizontalScrollBar().value() > 0
    assert not roll.grab().isNull()
