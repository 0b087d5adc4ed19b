"""Regenerate selected bars and Continue, from the window as a user does them: select notes
with the mouse, press the panel's button, and only what was asked for changes (undoably). Also
the generation options in the window: the meters the model makes, a song generated in 2/4, the
requests Continue and Regenerate send (the song's meter, the roll's chords, the idea's form),
and the meter and form a saved idea brings back.

The window loads the shipped model: these hold for a model trained before meters (4/4 and 2/4
only) and for one trained with them."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QPushButton

from studio.core.midi_read import read_midi
from studio.core.music import Song, TimeSignature
from studio.core.song_settings import settings_of
from studio.core.theory import Chord
from studio.gui.generate_panel import METERS, parse_chords
from studio.gui.window_ideas import request_chords, song_meter, unit_beats

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
    # From a row above the highest note to one below the lowest: a press on a note would
    # drag the note instead of starting a band.
    top = QPoint(int(roll.beat_to_x(start_beat)) + 1, int(roll.pitch_to_y(high + 1)))
    bottom = QPoint(int(roll.beat_to_x(end_beat)) - 1, int(roll.pitch_to_y(low - 1)))
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


# -- the generation options in the window ----------------------------------------------------


def _record_submits(window, monkeypatch) -> list[tuple[str, dict]]:
    """What the window sends to the worker, as (kind, payload), while still sending it."""
    sent, submit = [], window.worker.submit

    def recording(kind, payload):
        sent.append((kind, payload))
        return submit(kind, payload)

    monkeypatch.setattr(window.worker, "submit", recording)
    return sent


def _choose_meter_by_keys(qtbot, window, meter: str) -> None:
    combo = window.generate_panel.meter_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    while combo.currentText() != meter:
        index = combo.currentIndex()
        qtbot.keyClick(combo, Qt.Key.Key_Down)
        assert combo.currentIndex() != index, f"{meter} cannot be chosen"
    assert window.generate_panel.meter() == meter


def _generate_and_open(qtbot, window) -> None:
    """Press Generate, then double-click the first idea's card to open it in the editor."""
    button = window.generate_panel.findChild(QPushButton, "generateButton")
    with qtbot.waitSignal(window.ideasReady, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    ideas = window.ideas
    with qtbot.waitSignal(window.piano_roll.songChanged, timeout=5_000):
        qtbot.mouseDClick(ideas.viewport(), Qt.MouseButton.LeftButton, pos=ideas.row_center(0))


def test_meter_units_and_chords_of_a_request():
    assert song_meter(Song()) == "4/4"  # no time signature: 4/4
    for meter in METERS:
        assert song_meter(Song(time_signatures=(TimeSignature.parse(meter),))) == meter
    for other in ("2/2", "12/8", "5/4"):
        assert song_meter(Song(time_signatures=(TimeSignature.parse(other),))) == "4/4"
    assert [unit_beats(m) for m in METERS] == [4.0, 4.0, 3.0, 3.0]  # a 2/4 unit: two bars
    dm, g7 = Chord(2, "min"), Chord(7, "7")
    assert request_chords(("", "Dm", "", "N.C.", "H?", "G7")) == (dm, dm, dm, dm, dm, g7)
    assert request_chords(("", "")) == () and request_chords(()) == ()


def test_the_meter_combo_offers_the_meters_the_model_makes(window):
    made = window.worker.model_meters
    assert {"4/4", "2/4"} <= set(made) <= set(METERS)
    combo = window.generate_panel.findChild(type(window.generate_panel.meter_combo), "meterCombo")
    model = combo.model()
    for i, meter in enumerate(METERS):
        enabled = bool(model.flags(model.index(i, 0)) & Qt.ItemFlag.ItemIsEnabled)
        assert enabled == (meter in made)
        tip = combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
        assert (tip is None) == (meter in made)
        if tip is not None:
            assert f"this model makes {' and '.join(made)} only" in tip


def test_generating_in_2_4_puts_a_2_4_song_in_the_roll(window, qtbot):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    _choose_meter_by_keys(qtbot, window, "2/4")
    window.generate_panel.bars_spin.setValue(8)
    _generate_and_open(qtbot, window)
    idea = window.ideas.idea(0)
    assert idea.meter == "2/4" and "· 8 bars · 2/4 ·" in window.ideas.item(0).text()
    song = roll.song()
    assert song.time_signatures == (TimeSignature(0.0, 2, 4),)
    assert song.notes and max(n.end for n in song.notes) <= 16.0  # 8 bars of 2 beats
    assert len(roll.chords()) == 8  # one chord per 2/4 bar in the chord lane
    assert roll.undo_stack.undoText() == f"Open {idea.title}"


def test_regenerate_sends_the_rolls_chords_and_the_ideas_form(window, qtbot, monkeypatch):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    first = window.ideas.idea(0)  # the first start's song is this idea
    assert settings_of(roll.song()).form == first.form is not None
    sent = _record_submits(window, monkeypatch)
    assert window.generate_panel.chords_edit.text() == ""
    shown = roll.chords()
    assert shown
    roll.zoom_fit()
    _rubber_band(qtbot, roll, 2 * BAR, 4 * BAR)
    button = window.generate_panel.findChild(QPushButton, "regenerateButton")
    with qtbot.waitSignal(roll.songChanged, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    kind, payload = sent[-1]
    assert kind == "regenerate" and payload["bars"] == [2, 3]
    settings = payload["settings"]
    assert settings["chords"] == request_chords(shown) == parse_chords(" ".join(shown))
    assert (settings["meter"], settings["form"]) == ("4/4", first.form)
    assert roll.chords() == shown  # the new bars fit the chords shown, which stay

    window.generate_panel.chords_edit.setText("C F G C")  # chords asked for win
    with qtbot.waitSignal(roll.songChanged, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert sent[-1][1]["settings"]["chords"] == parse_chords("C F G C")


def test_continue_and_regenerate_work_in_the_songs_meter(window, qtbot, monkeypatch):
    roll, panel = window.piano_roll, window.generate_panel
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    _choose_meter_by_keys(qtbot, window, "2/4")
    panel.bars_spin.setValue(8)
    _generate_and_open(qtbot, window)
    _choose_meter_by_keys(qtbot, window, "4/4")  # the panel's meter is for new ideas only
    sent = _record_submits(window, monkeypatch)
    before = roll.song()
    roll.zoom_fit()
    _rubber_band(qtbot, roll, 4.0, 8.0)  # 2/4 bars 3 and 4: the generator's second unit
    button = panel.findChild(QPushButton, "regenerateButton")
    with qtbot.waitSignal(roll.songChanged, timeout=30_000):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    _kind, payload = sent[-1]
    assert payload["settings"]["meter"] == "2/4"
    bars = payload["bars"]
    assert 1 in bars and set(bars) <= {0, 1, 2}  # units of four beats (a note may straddle)
    after = roll.song()
    assert after.time_signatures == before.time_signatures
    kept = min(bars) * 4.0
    assert [n for n in after.notes if n.end <= kept] == [n for n in before.notes if n.end <= kept]
    assert after.notes != before.notes
    assert roll.undo_stack.undoText() == f"Regenerate {2 * len(bars)} bars"
    roll.undo_stack.undo()
    assert roll.song() == before

    continued = panel.findChild(QPushButton, "continueButton")
    with qtbot.waitSignal(window.ideasReady, timeout=30_000):
        qtbot.mouseClick(continued, Qt.MouseButton.LeftButton)
    assert sent[-1][0] == "continue" and sent[-1][1]["settings"]["meter"] == "2/4"
    qtbot.waitUntil(lambda: roll.song().end > before.end + 2.0)
    assert roll.song().time_signatures == (TimeSignature(0.0, 2, 4),)
    idea = window.ideas.idea(0)
    assert idea.meter == "2/4" and idea.form is None  # the new bars' form is not the whole's
    assert idea.bars == 8 + panel.bars_spin.value()


def test_a_saved_idea_reopens_with_its_meter_and_form(window, qtbot, tmp_path):
    roll, panel = window.piano_roll, window.generate_panel
    qtbot.waitUntil(lambda: len(roll.song().notes) > 8, timeout=30_000)
    _choose_meter_by_keys(qtbot, window, "2/4")
    forms = panel.form_combo
    qtbot.mouseClick(forms, Qt.MouseButton.LeftButton)  # AABA from the list, with the mouse
    view = forms.view()
    qtbot.waitUntil(view.isVisible)
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # a fresh popup ignores a release
    index = forms.model().index(forms.findText("AABA"), 0)
    point = QPoint(view.viewport().width() // 2, view.visualRect(index).center().y())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert panel.form() == "AABA"
    _generate_and_open(qtbot, window)
    assert "· 2/4 · AABA ·" in window.ideas.item(0).text()
    window.path = tmp_path / "polka.mid"
    assert window.save()
    stored = settings_of(read_midi(window.path))
    assert (stored.meter, stored.form, stored.bars) == ("2/4", "AABA", 8)

    _choose_meter_by_keys(qtbot, window, "4/4")
    panel.set_form(None)
    window.new_song()
    assert window.open_path(tmp_path / "polka.mid")
    assert (panel.meter(), panel.form()) == ("2/4", "AABA")  # the panel shows them again
    assert roll.song().time_signatures == (TimeSignature(0.0, 2, 4),)
