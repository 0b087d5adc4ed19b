"""Cut, Copy, Paste, Duplicate and Ctrl+drag copy in the piano roll (studio.gui.clipboard).

A real ``PianoRoll`` driven by real mouse events, the application's real clipboard, and the
whole window for the Edit menu's shortcuts (Ctrl+X/C/V/D sent to the roll's note area).
"""

from __future__ import annotations

import pytest
from conftest import drag, shown_roll
from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtTest import QTest

from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes
from studio.core.music import Note, Song, TempoChange, Track
from studio.gui.clipboard import MIME_MIDI, MIME_NOTES, RollClipboard, notes_from_json
from studio.gui.piano_roll import PianoRoll

LEFT = Qt.MouseButton.LeftButton
NONE, SHIFT, CTRL = (
    Qt.KeyboardModifier.NoModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.ControlModifier,
)
MELODY = (Note(60, 0.0, 1.0, 90), Note(64, 1.0, 1.0, 100), Note(67, 2.0, 2.0, 110))
SONG = Song(
    tracks=(
        Track((Note(36, 0.0, 0.5),), is_drum=True, name="Drums"),
        Track(MELODY, name="Melody", program=73),
        Track((Note(48, 0.0, 4.0),), name="Bass"),
    ),
    tempos=(TempoChange(0.0, 96.0),),
)


@pytest.fixture
def roll(qtbot) -> PianoRoll:
    """A shown roll editing SONG's melody with the select tool."""
    widget = shown_roll(qtbot, SONG, "select")
    QGuiApplication.clipboard().clear()
    return widget


@pytest.fixture
def clip(roll) -> RollClipboard:
    return RollClipboard(roll, roll)


def at(roll: PianoRoll, beat: float, pitch: int) -> QPoint:
    roll.ensure_visible(beat, pitch)
    return QPoint(int(roll.beat_to_x(beat)), int(roll.pitch_to_y(pitch)))


def click(roll: PianoRoll, beat: float, pitch: int, modifiers=NONE) -> None:
    QTest.mouseClick(roll.note_area(), LEFT, modifiers, at(roll, beat, pitch))


def notes(roll: PianoRoll) -> tuple[Note, ...]:
    return roll.song().tracks[roll.track_index()].notes


def selected(roll: PianoRoll) -> list[Note]:
    return [notes(roll)[i] for i in roll.selected_indices()]


def undo_names(roll: PianoRoll) -> list[str]:
    return [roll.undo_stack.text(i) for i in range(roll.undo_stack.count())]


# --------------------------------------------------------------------------- copy and paste


def test_copy_and_paste_at_the_playhead_keeps_times_pitches_and_velocities(roll, clip):
    click(roll, 1.5, 64)
    click(roll, 2.5, 67, SHIFT)
    assert clip.copy() == 2
    roll.set_playhead(8.1)  # snapped to the 1/16 grid: beat 8
    assert clip.paste() == 2
    pasted = [Note(64, 8.0, 1.0, 100), Note(67, 9.0, 2.0, 110)]
    assert notes(roll) == (*MELODY, *pasted)
    assert selected(roll) == pasted
    assert undo_names(roll) == ["Paste 2 notes"]
    assert clip.paste() == 2  # the clipboard stays: pasting again pastes again
    assert notes(roll) == tuple(sorted((*MELODY, *pasted, *pasted), key=lambda n: n.start))
    roll.undo_stack.undo()
    roll.undo_stack.undo()
    assert roll.song() == SONG
    assert roll.song().tracks[0] is SONG.tracks[0]  # the other tracks are not touched


def test_the_clipboard_holds_our_notes_and_a_midi_file_for_a_daw(roll, clip):
    click(roll, 1.5, 64)
    click(roll, 2.5, 67, SHIFT)
    clip.copy()
    mime = QGuiApplication.clipboard().mimeData()
    assert notes_from_json(mime.data(MIME_NOTES).data()) == (
        Note(64, 0.0, 1.0, 100), Note(67, 1.0, 2.0, 110))  # fmt: skip
    data = mime.data(MIME_MIDI).data()
    assert data.startswith(b"MThd")
    song = read_midi(data)
    assert song.notes == (Note(64, 0.0, 1.0, 100), Note(67, 1.0, 2.0, 110))
    assert song.tempo == pytest.approx(96.0)
    assert [t.program for t in song.tracks if t.notes] == [73]


def test_paste_takes_a_midi_file_from_another_program(roll, clip):
    other = Song(tracks=(Track((Note(72, 4.0, 0.5, 80), Note(74, 4.5, 0.5, 70))),))
    mime = QMimeData()
    mime.setData(MIME_MIDI, midi_bytes(other))
    QGuiApplication.clipboard().setMimeData(mime)
    assert clip.can_paste()
    roll.set_playhead(12.0)
    assert clip.paste() == 2
    assert selected(roll) == [Note(72, 12.0, 0.5, 80), Note(74, 12.5, 0.5, 70)]


def test_nothing_to_paste_or_copy_does_nothing(roll, clip):
    mime = QMimeData()
    mime.setText("not notes")
    QGuiApplication.clipboard().setMimeData(mime)
    assert not clip.can_paste() and clip.paste() == 0
    assert not clip.can_copy()
    assert clip.copy() == 0 and clip.cut() == 0 and clip.duplicate() == 0
    assert roll.undo_stack.count() == 0
    mime = QMimeData()
    mime.setData(MIME_NOTES, b'{"version": 1, "notes": [{"pitch": 300}]}')  # damaged
    QGuiApplication.clipboard().setMimeData(mime)
    assert clip.paste() == 0 and roll.song() == SONG


def test_cut_then_undo_restores_exactly(roll, clip):
    click(roll, 0.5, 60)
    click(roll, 2.5, 67, SHIFT)
    before = roll.roll_state()
    assert clip.cut() == 2
    assert notes(roll) == (MELODY[1],)
    assert undo_names(roll) == ["Cut 2 notes"]
    roll.set_playhead(4.0)
    clip.paste()
    assert selected(roll) == [Note(60, 4.0, 1.0, 90), Note(67, 6.0, 2.0, 110)]
    roll.undo_stack.undo()
    roll.undo_stack.undo()
    assert roll.roll_state() == before  # the song and the selection


# -------------------------------------------------------------------------------- duplicate


def test_duplicate_twice_makes_a_sequence_of_a_short_motif(roll, clip):
    roll.set_song(Song(tracks=(Track((Note(60, 0.0, 0.5), Note(62, 0.5, 0.5))),)))
    roll.select_all()
    clip.duplicate()
    clip.duplicate()  # duplicates the copy, which is now selected
    assert [(n.pitch, n.start) for n in notes(roll)] == [
        (60, 0.0), (62, 0.5), (60, 1.0), (62, 1.5), (60, 2.0), (62, 2.5)]  # fmt: skip
    assert [n.start for n in selected(roll)] == [2.0, 2.5]
    assert undo_names(roll) == ["Duplicate 2 notes", "Duplicate 2 notes"]


def test_duplicate_repeats_a_phrase_on_the_next_bar(roll, clip):
    roll.select_all()  # 0 to 4 beats, and a phrase ending before the bar line:
    clip.duplicate()
    assert [n.start for n in selected(roll)] == [4.0, 5.0, 6.0]
    roll.set_song(Song(tracks=(Track((Note(60, 0.0, 1.0), Note(64, 2.0, 1.5))),)))
    roll.select_all()
    clip.duplicate()
    assert [n.start for n in selected(roll)] == [4.0, 6.0]


# ------------------------------------------------------------------------------ Ctrl+drag


def test_ctrl_drag_copies_the_selection_and_keeps_the_originals(roll):
    click(roll, 0.5, 60)
    click(roll, 1.5, 64, SHIFT)
    drag(roll.note_area(), at(roll, 0.5, 60), at(roll, 4.5, 62), CTRL)
    copies = [Note(62, 4.0, 1.0, 90), Note(66, 5.0, 1.0, 100)]
    assert notes(roll) == (*MELODY, *copies)
    assert selected(roll) == copies
    assert undo_names(roll) == ["Copy 2 notes"]
    roll.undo_stack.undo()
    assert roll.song() == SONG
    assert [notes(roll)[i] for i in roll.selected_indices()] == list(MELODY[:2])


def test_ctrl_drag_on_an_unselected_note_copies_it_too(roll):
    click(roll, 0.5, 60)
    drag(roll.note_area(), at(roll, 2.5, 67), at(roll, 8.5, 67), CTRL)
    assert notes(roll) == (*MELODY, Note(60, 6.0, 1.0, 90), Note(67, 8.0, 2.0, 110))
    assert undo_names(roll) == ["Copy 2 notes"]


def test_a_plain_drag_still_moves_and_ctrl_click_still_toggles(roll):
    click(roll, 0.5, 60)
    click(roll, 1.5, 64, CTRL)  # adds
    assert selected(roll) == list(MELODY[:2])
    click(roll, 0.5, 60, CTRL)  # removes, on release
    assert selected(roll) == [MELODY[1]]
    area = roll.note_area()
    drag(area, at(roll, 1.5, 64), at(roll, 1.55, 64), CTRL, steps=1)  # under the 3 px threshold
    assert selected(roll) == [] and roll.undo_stack.count() == 0
    drag(roll.note_area(), at(roll, 2.5, 67), at(roll, 6.5, 67))
    assert notes(roll) == (*MELODY[:2], Note(67, 6.0, 2.0, 110))
    assert undo_names(roll) == ["Move note"]


# ---------------------------------------------------------------------- the Edit menu's keys


def test_the_edit_menu_shortcuts_reach_the_window_from_the_roll(window, qtbot):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    roll = window.piano_roll
    roll.set_song(SONG)
    roll.set_tool("select")
    QGuiApplication.clipboard().clear()
    window.activateWindow()
    area = roll.note_area()
    actions = {n: window.findChild(QAction, n) for n in (
        "actionCut", "actionCopy", "actionPaste", "actionDuplicate")}  # fmt: skip
    assert not any(a.isEnabled() for a in actions.values())  # nothing selected, nothing copied
    click(roll, 1.5, 64)
    assert actions["actionCopy"].isEnabled() and not actions["actionPaste"].isEnabled()
    QTest.keyClick(area, Qt.Key.Key_C, CTRL)
    assert actions["actionPaste"].isEnabled()
    roll.set_playhead(8.0)
    QTest.keyClick(area, Qt.Key.Key_V, CTRL)
    assert selected(roll) == [Note(64, 8.0, 1.0, 100)]
    QTest.keyClick(area, Qt.Key.Key_D, CTRL)
    assert selected(roll) == [Note(64, 9.0, 1.0, 100)]
    assert roll.tool() == "select"  # Ctrl+D is not D (the draw tool)
    QTest.keyClick(area, Qt.Key.Key_X, CTRL)
    assert notes(roll) == (*MELODY, Note(64, 8.0, 1.0, 100))
    assert undo_names(roll) == ["Paste note", "Duplicate note", "Cut note"]
    assert not actions["actionCut"].isEnabled()
    QTest.keyClick(area, Qt.Key.Key_Z, CTRL)
    assert notes(roll) == (*MELODY, Note(64, 8.0, 1.0, 100), Note(64, 9.0, 1.0, 100))


@pytest.mark.parametrize("start, duration", [("NaN", "1"), ("0", "Infinity"), ("0", "1e12")])
def test_absurd_clipboard_times_paste_nothing(roll, clip, start, duration):
    # Regression (issue 18): a note a trillion beats long from the clipboard overflowed the roll's
    # scroll range (an OverflowError, then a crash), and JSON may say NaN or Infinity.
    document = (
        f'{{"version": 1, "notes": [{{"pitch": 60, "start": {start}, "duration": {duration}, '
        f'"velocity": 90}}]}}'
    ).encode()
    with pytest.raises(ValueError, match="damaged clipboard notes"):
        notes_from_json(document)
    mime = QMimeData()
    mime.setData(MIME_NOTES, document)
    QGuiApplication.clipboard().setMimeData(mime)
    assert clip.paste() == 0
    assert notes(roll) == MELODY
