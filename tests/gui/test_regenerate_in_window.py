"""Regenerate selected bars and Continue, from the window as a user does them: select notes
with the mouse, press the panel's button, and only what was asked for changes (undoably)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QPushButton

BAR = 4.0  # beats in a 4/4 bar


def _in_bars(notes, first: int, last: int) -> list:
    return [n for n in notes if first * BAR <= n.start < (last + 1) * BAR]


def _outside_bars(notes, first: int, last: int) -> list:
    return [n for n in notes if not first * BAR <= n.start < (last + 1) * BAR]


def _rubber_band(qtbot, roll, start_beat: float, end_beat: float) -> None:
    """Drag a rubber band with the select tool over every pitch between two beats."""
    roll.set_tool("select")
    notes = roll.song().notes
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    roll.ensure_visible(start_beat, (low + high) // 2)
    area = roll.note_area()
    top = QPoint(int(roll.beat_to_x(start_beat)) + 1, int(roll.pitch_to_y(high)) - 10)
    bottom = QPoint(int(roll.beat_to_x(end_beat)) - 1, int(roll.pitch_to_y(low)) + 10)
    assert area.rect().contains(top) and area.rect().contains(bottom), "band must be on screen"
    qtbot.mousePress(area, Qt.MouseButton.LeftButton, pos=top)
    qtbot.mouseMove(area, QPoint((top.x() + bottom.x()) // 2, top.y() + 5))
    qtbot.mouseMove(area, bottom)
    qtbot.mouseRelease(area, Qt.MouseButton.LeftButton, pos=bottom)


def test_regenerate_changes_only_the_selected_bars_and_undo_restores(window, qtbot):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    before = roll.song()
    roll.zoom_fit()
    _rubber_band(qtbot, roll, 2 * BAR, 4 * BAR)  # bars 3 and 4 (0-based 2 and 3)
    assert roll.selected_bars() == [2, 3]
    button = window.generate_panel.findChild(QPushButton, "regenerateButton")
    with qtbot.waitSignal(roll.songChanged, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    after = roll.song()
    assert _outside_bars(after.notes, 2, 3) == _outside_bars(before.notes, 2, 3)
    assert _in_bars(after.notes, 2, 3) != _in_bars(before.notes, 2, 3)
    assert _in_bars(after.notes, 2, 3), "the bars are generated anew, not emptied"
    assert roll.undo_stack.undoText() == "Regenerate 2 bars"
    assert roll.selected_bars() == [2, 3]  # ready to regenerate the same bars again
    roll.undo_stack.undo()
    assert roll.song() == before
    roll.undo_stack.redo()
    assert roll.song() == after


def test_regenerate_without_a_selection_says_what_to_do(window, qtbot):
    from PySide6.QtWidgets import QMessageBox

    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    before = roll.song()
    button = window.generate_panel.findChild(QPushButton, "regenerateButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorBox") is not None)
    assert "select notes" in window.findChild(QMessageBox, "errorBox").text().lower()
    assert roll.song() == before


def test_continue_extends_the_melody_and_keeps_it_as_the_start(window, qtbot):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    before = roll.song().notes
    button = window.generate_panel.findChild(QPushButton, "continueButton")
    with qtbot.waitSignal(window.ideasReady, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: roll.song().end > before[-1].end + BAR)
    after = roll.song().notes
    assert [(n.pitch, n.start) for n in after[: len(before)]] == [
        (n.pitch, n.start) for n in before
    ]
    roll.undo_stack.undo()
    assert roll.song().notes == before
