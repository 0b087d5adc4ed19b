"""The Edit menu's Quantize…, Transpose…, Velocity… dialogs and Legato (studio.gui.edit_dialogs).

Each dialog is opened without blocking, its fields set, and OK (or Cancel) clicked with the
mouse; the result is checked on the roll's song, as one undo step that undo reverts exactly.
"""

from __future__ import annotations

import pytest
from conftest import shown_roll
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from studio.core.music import Note, Song, Track
from studio.core.theory import Key
from studio.gui.edit_dialogs import QuantizeDialog, TransposeDialog, VelocityDialog
from studio.gui.piano_roll import PianoRoll

LEFT = Qt.MouseButton.LeftButton
SHIFT = Qt.KeyboardModifier.ShiftModifier
# Off the 1/16 grid, with gaps between notes: something for each edit to do.
LOOSE = (Note(60, 0.1, 0.8, 90), Note(64, 1.05, 0.4, 100), Note(67, 2.3, 1.0, 110))
SONG = Song(tracks=(Track(LOOSE, name="Melody"), Track((Note(48, 0.0, 4.0),), name="Bass")))


@pytest.fixture
def roll(qtbot) -> PianoRoll:
    return shown_roll(qtbot, SONG, "select")


def click_note(roll: PianoRoll, note: Note, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Click the middle of ``note`` in the roll."""
    middle = note.start + note.duration / 2
    roll.ensure_visible(middle, note.pitch)
    point = QPoint(int(roll.beat_to_x(middle)), int(roll.pitch_to_y(note.pitch)))
    QTest.mouseClick(roll.note_area(), LEFT, modifiers, point)


def shown(qtbot, dialog: QDialog) -> QDialog:
    dialog.open()
    qtbot.waitExposed(dialog)
    return dialog


def press_ok(qtbot, dialog: QDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)


def tick(qtbot, button) -> None:
    """Click a check box's or radio button's indicator (its left end: the widget may be wider
    than its label, and a click past the label does nothing)."""
    qtbot.mouseClick(button, LEFT, pos=QPoint(8, button.height() // 2))


def notes(roll: PianoRoll) -> tuple[Note, ...]:
    return roll.song().tracks[roll.track_index()].notes


def undo_names(roll: PianoRoll) -> list[str]:
    return [roll.undo_stack.text(i) for i in range(roll.undo_stack.count())]


# ---------------------------------------------------------------------------------- Quantize


def test_quantize_moves_the_selected_notes_onto_the_chosen_grid(roll, qtbot):
    click_note(roll, LOOSE[0])
    click_note(roll, LOOSE[2], SHIFT)
    dialog = shown(qtbot, QuantizeDialog(roll))
    assert dialog.scope_label.text() == "Changes the 2 selected notes."
    dialog.grid_combo.setCurrentIndex(dialog.grid_combo.findText("1/8"))
    press_ok(qtbot, dialog)
    assert notes(roll) == (Note(60, 0.0, 0.8, 90), LOOSE[1], Note(67, 2.5, 1.0, 110))
    assert undo_names(roll) == ["Quantize 2 notes"]
    roll.undo_stack.undo()
    assert roll.song() == SONG


def test_quantize_all_notes_with_strength_swing_and_ends(roll, qtbot):
    dialog = shown(qtbot, QuantizeDialog(roll))
    assert dialog.scope_label.text() == "Nothing is selected: changes all 3 notes."
    assert dialog.grid_combo.currentText() == "1/16"  # the roll's snap
    dialog.grid_combo.setCurrentIndex(dialog.grid_combo.findText("1/8"))
    dialog.strength_spin.setValue(50)
    dialog.swing_spin.setValue(100)  # off-beat eighths delayed to the dotted position
    tick(qtbot, dialog.ends_check)
    assert dialog.ends_check.isChecked()
    press_ok(qtbot, dialog)
    # Eighths swung fully: grid points 0, 0.75, 1, 1.75, 2, 2.75, 3…; each start and end goes
    # halfway to its nearest point (an end to one after its start's point).
    assert [(n.pitch, n.velocity) for n in notes(roll)] == [(60, 90), (64, 100), (67, 110)]
    assert [n.start for n in notes(roll)] == pytest.approx([0.05, 1.025, 2.15])
    assert [n.end for n in notes(roll)] == pytest.approx([0.95, 1.6, 3.15])
    assert undo_names(roll) == ["Quantize 3 notes"]


def test_cancel_changes_nothing(roll, qtbot):
    dialog = shown(qtbot, TransposeDialog(roll))
    dialog.semitones_spin.setValue(5)
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), LEFT)
    assert roll.song() == SONG and roll.undo_stack.count() == 0


# --------------------------------------------------------------------------------- Transpose


def test_transpose_by_semitones_and_octaves(roll, qtbot):
    dialog = shown(qtbot, TransposeDialog(roll))
    assert not dialog.in_key_check.isEnabled()  # the roll has no key
    dialog.semitones_spin.lineEdit().selectAll()
    QTest.keyClicks(dialog.semitones_spin, "5")
    dialog.octaves_spin.setValue(-1)
    press_ok(qtbot, dialog)
    assert [n.pitch for n in notes(roll)] == [53, 57, 60]
    assert undo_names(roll) == ["Transpose 3 notes"]
    assert roll.song().tracks[1] is SONG.tracks[1]
    roll.undo_stack.undo()
    assert roll.song() == SONG


def test_transpose_in_key_moves_by_scale_steps_and_stays_in_the_scale(roll, qtbot):
    key = Key.parse("D major")
    roll.set_key(key)
    roll.set_song(Song(tracks=(Track((Note(62, 0, 1), Note(66, 1, 1), Note(65, 2, 1))),)), key=key)
    dialog = shown(qtbot, TransposeDialog(roll))
    tick(qtbot, dialog.in_key_check)
    assert dialog.in_key_check.isChecked() and "D major" in dialog.in_key_check.text()
    dialog.semitones_spin.setValue(2)  # two scale steps
    press_ok(qtbot, dialog)
    pitches = [n.pitch for n in notes(roll)]
    assert pitches == [66, 69, 67]  # D→F#, F#→A, F (not in D major)→F#→G
    assert all(key.contains(p) for p in pitches)


def test_transpose_out_of_range_cannot_be_applied(roll, qtbot):
    roll.set_song(Song(tracks=(Track((Note(120, 0, 1),)),)))
    dialog = shown(qtbot, TransposeDialog(roll))
    dialog.octaves_spin.setValue(1)
    assert not dialog.ok_button().isEnabled()
    assert dialog.problem_label.isVisible()
    dialog.octaves_spin.setValue(0)
    dialog.semitones_spin.setValue(7)
    assert dialog.ok_button().isEnabled() and not dialog.problem_label.isVisible()


# ---------------------------------------------------------------------------------- Velocity


def test_velocity_set_scale_and_add(roll, qtbot):
    click_note(roll, LOOSE[1])
    dialog = shown(qtbot, VelocityDialog(roll))
    assert dialog.spins["set"].value() == 100  # starts at the first target's velocity
    dialog.spins["set"].setValue(64)
    press_ok(qtbot, dialog)
    assert [n.velocity for n in notes(roll)] == [90, 64, 110]
    roll.select_all()
    dialog = shown(qtbot, VelocityDialog(roll))
    tick(qtbot, dialog.radios["scale"])
    assert dialog.mode() == "scale" and not dialog.spins["set"].isEnabled()
    dialog.spins["scale"].setValue(50)
    press_ok(qtbot, dialog)
    assert [n.velocity for n in notes(roll)] == [45, 32, 55]
    dialog = shown(qtbot, VelocityDialog(roll))
    tick(qtbot, dialog.radios["add"])
    dialog.spins["add"].setValue(-40)
    press_ok(qtbot, dialog)
    assert [n.velocity for n in notes(roll)] == [5, 1, 15]  # clamped to 1
    assert undo_names(roll) == ["Change velocity of note", "Change velocity of 3 notes",
                                "Change velocity of 3 notes"]  # fmt: skip
    for _ in range(3):
        roll.undo_stack.undo()
    assert roll.song() == SONG


def humanized(qtbot, roll: PianoRoll, seed: int) -> list[int]:
    dialog = shown(qtbot, VelocityDialog(roll))
    dialog.spins["set"].setValue(80)
    dialog.humanize_spin.setValue(10)
    dialog.seed_spin.setValue(seed)
    press_ok(qtbot, dialog)
    velocities = [n.velocity for n in notes(roll)]
    roll.undo_stack.undo()
    return velocities


def test_velocity_humanize_is_random_within_the_range_and_reproducible(roll, qtbot):
    first = humanized(qtbot, roll, seed=7)
    assert all(70 <= v <= 90 for v in first) and len(set(first)) > 1
    assert humanized(qtbot, roll, seed=7) == first
    assert humanized(qtbot, roll, seed=8) != first
    assert roll.song() == SONG


# ---------------------------------------------------------------------- Legato, in the window


def test_the_edit_menu_opens_the_dialogs_and_legato_ties_the_notes(window, qtbot):
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    roll = window.piano_roll
    roll.set_song(SONG)
    for action_name, dialog_name in (("actionQuantize", "quantizeDialog"),
                                     ("actionTranspose", "transposeDialog"),
                                     ("actionVelocity", "velocityDialog")):  # fmt: skip
        window.findChild(QAction, action_name).trigger()
        dialog = window.findChild(QDialog, dialog_name)
        assert dialog is not None and dialog.isVisible()
        dialog.reject()
    click_note(roll, LOOSE[0])
    click_note(roll, LOOSE[1], SHIFT)
    window.findChild(QAction, "actionLegato").trigger()
    assert [n.start for n in notes(roll)] == [n.start for n in LOOSE]
    assert [n.duration for n in notes(roll)] == pytest.approx([0.95, 1.25, 1.0])  # the last kept
    assert roll.undo_stack.text(roll.undo_stack.index() - 1) == "Legato 2 notes"
    roll.undo_stack.undo()
    assert roll.song() == SONG
