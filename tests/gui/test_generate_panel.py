"""The Generate panel and the Ideas list: real widgets, and ideas from the real worker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import Chord, Key
from studio.engine import Engine
from studio.gui.generate_panel import (
    PRESETS,
    TONIC_NAMES,
    GeneratePanel,
    chords_hint,
    parse_chords,
    preset_chords,
)
from studio.gui.idea_card import NOTE_COLOUR, preview_pixmap
from studio.gui.ideas import IdeasList, chords_summary
from studio.gui.worker import WorkerClient

TIMEOUT = 60_000


@pytest.fixture
def panel(qtbot):
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.set_model_ready(True)
    return panel


@pytest.fixture
def client(qtbot, tiny_model, tmp_path, request):
    client = WorkerClient(lambda: Engine(gan_weights=tiny_model, db_path=tmp_path / "lib.sqlite"))
    request.addfinalizer(client.stop)
    with qtbot.waitSignal(client.modelReady, timeout=TIMEOUT):
        client.start()
    return client


def generated_ideas(qtbot, client, panel) -> list:
    """Press Generate on the panel, send its request to the worker, return the ideas."""
    panel.generateRequested.connect(lambda request: client.submit("generate", request))
    with qtbot.waitSignal(client.finished, timeout=TIMEOUT) as blocker:
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    return blocker.args[1]


# -- the panel --------------------------------------------------------------------------------


def test_defaults_and_names(panel):
    assert panel.objectName() == "generatePanel"
    combo = panel.findChild(type(panel.key_combo), "keyCombo")
    assert [combo.itemText(i) for i in range(combo.count())] == list(TONIC_NAMES)
    modes = [panel.mode_combo.itemText(i) for i in range(panel.mode_combo.count())]
    assert modes[:2] == ["major", "minor"] and {"dorian", "blues", "harmonic minor"} <= set(modes)
    assert panel.key() == Key(0, "major")
    assert (panel.bars_spin.value(), panel.bars_spin.minimum(), panel.bars_spin.maximum()) == (
        8, 1, 32)  # fmt: skip
    assert panel.tempo_spin.value() == 120 and panel.tempo_spin.maximum() == 240
    assert panel.density_spin.value() == 0.5 and panel.temperature_spin.value() == 0.7
    assert (panel.variations_spin.value(), panel.variations_spin.maximum()) == (4, 16)
    assert panel.findChild(type(panel.seed_spin), "seedSpin").maximum() == 2**31 - 1
    assert panel.key_lock.isChecked() and not panel.seed_locked
    assert "Generate" in panel.generate_button.text() and "Ctrl+G" in panel.generate_button.text()
    assert panel.generate_button.objectName() == "generateButton"


def test_buttons_wait_for_the_model(qtbot):
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    buttons = (panel.generate_button, panel.continue_button, panel.regenerate_button)
    assert not any(b.isEnabled() for b in buttons)
    assert panel.generate_button.toolTip() == "loading model…"
    panel.set_model_ready(True)
    assert all(b.isEnabled() for b in buttons)
    panel.set_model_ready(False, "model file not found: x")
    assert not panel.generate_button.isEnabled()
    assert panel.generate_button.toolTip() == "model file not found: x"


def test_chords_are_checked_as_you_type(qtbot, panel):
    qtbot.keyClicks(panel.chords_edit, "Dm Bx")
    assert panel.chords_error.isVisible()
    assert "unknown chord symbol 'Bx'" in panel.chords_error.text()
    assert not panel.generate_button.isEnabled()
    assert "Fix the chords first" in panel.generate_button.toolTip()
    with pytest.raises(InvalidInput, match="Bx"):
        panel.request()
    qtbot.keyClick(panel.chords_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(panel.chords_edit, "b F C")
    assert panel.chords_edit.text() == "Dm Bb F C"
    assert not panel.chords_error.isVisible()
    assert panel.generate_button.isEnabled()


def test_chords_outside_the_key_only_get_a_hint(qtbot, panel):
    qtbot.keyClicks(panel.chords_edit, "C F# G")
    assert panel.chords_hint.isVisible() and "F# outside C major" in panel.chords_hint.text()
    assert panel.generate_button.isEnabled()
    panel.key_lock.setChecked(False)
    assert not panel.chords_hint.isVisible()
    panel.chords_edit.setText("N.C. C")
    assert panel.chords_error.isVisible() and "N.C." in panel.chords_error.text()


def test_request_builds_the_generate_payload(qtbot, panel):
    panel.key_combo.setCurrentIndex(2)  # D
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findText("minor"))
    qtbot.keyClicks(panel.chords_edit, "Dm Bb F C")
    panel.bars_spin.setValue(16)
    panel.tempo_spin.setValue(104)
    panel.density_spin.setValue(0.25)
    panel.temperature_spin.setValue(1.1)
    panel.variations_spin.setValue(8)
    panel.seed_spin.setValue(1207)
    panel.key_lock.setChecked(False)
    assert panel.request() == {
        "settings": {
            "bars": 16, "key": Key(2, "natural_minor"),
            "chords": (Chord(2, "min"), Chord(10), Chord(5), Chord(0)),
            "tempo": 104.0, "temperature": 1.1, "density": 0.25, "key_lock": False,
        },
        "count": 8,
        "seed": 1207,
    }  # fmt: skip
    panel.chords_edit.clear()
    assert panel.request()["settings"]["chords"] == ()  # the default progression


def test_generate_button_emits_the_request(qtbot, panel):
    panel.seed_spin.setValue(99)  # a seed set by hand locks it
    assert panel.seed_locked
    with qtbot.waitSignal(panel.generateRequested) as blocker:
        qtbot.mouseClick(panel.generate_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [panel.request()]
    assert blocker.args[0]["seed"] == 99
    with qtbot.waitSignal(panel.continueRequested) as blocker:
        panel.continue_button.click()
    assert blocker.args == [panel.request()]
    with qtbot.waitSignal(panel.regenerateRequested) as blocker:
        panel.regenerate_button.click()
    assert blocker.args == [panel.request()]
    with qtbot.waitSignal(panel.generateRequested):  # Enter in the chords field generates
        qtbot.keyClick(panel.chords_edit, Qt.Key.Key_Return)


def test_seed_lock(qtbot, panel):
    seeds = []
    panel.generateRequested.connect(lambda request: seeds.append(request["seed"]))
    for _ in range(3):
        panel.generate_button.click()
        assert panel.seed_spin.value() == seeds[-1]  # the new seed is shown
    assert len(set(seeds)) == 3 and not panel.seed_locked
    panel.seed_lock.setChecked(True)
    panel.generate_button.click()
    panel.generate_button.click()
    assert seeds[3:] == [seeds[2], seeds[2]]


def test_presets(qtbot, panel):
    names = [action.text() for action in panel.presets_menu.actions()]
    assert names == list(PRESETS)
    panel.key_combo.setCurrentIndex(2)  # D major
    panel.presets_menu.actions()[0].trigger()
    assert panel.chords_edit.text() == "D A Bm G"
    minor = next(a for a in panel.presets_menu.actions() if a.text().startswith("minor"))
    minor.trigger()
    assert panel.key() == Key(2, "natural_minor") and panel.chords_edit.text() == "Dm Bb F C"
    panel.apply_preset("12-bar blues")
    assert panel.bars_spin.value() == 12 and len(panel.chords()) == 12
    assert preset_chords("ii–V–I", Key(0)) == "Dm7 G7 Cmaj7"


def test_chord_helpers():
    assert parse_chords("  ") == ()
    assert parse_chords("Am | F, C-G") == (Chord(9, "min"), Chord(5), Chord(0), Chord(7))
    with pytest.raises(InvalidInput, match=r"N\.C\."):
        parse_chords("C N.C.")
    assert chords_hint((Chord(0),), Key(0), 8, True) == ""
    assert "only the first 2 of 3 chords" in chords_hint((Chord(0),) * 3, Key(0), 2, False)


# -- the ideas list -----------------------------------------------------------------------------


def test_ideas_list_shows_generated_ideas(qtbot, client, panel):
    panel.key_combo.setCurrentIndex(2)
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findText("minor"))
    panel.chords_edit.setText("Dm Bb F C")
    panel.seed_spin.setValue(1207)
    panel.seed_lock.setChecked(True)
    panel.variations_spin.setValue(3)
    ideas = generated_ideas(qtbot, client, panel)
    listing = IdeasList()
    qtbot.addWidget(listing)
    listing.show()
    listing.set_ideas(ideas)
    assert listing.objectName() == "ideasList"
    assert listing.count() == 3 and listing.currentRow() == 0
    for row in range(3):
        item = listing.item(row)
        assert not item.icon().isNull()
        assert item.text() == f"Idea {row + 1} · seed {1207 + row}\nD minor · 8 bars · Dm Bb F C"
        assert listing.idea(row) is ideas[row]
    with pytest.raises(IndexError):
        listing.idea(3)

    with qtbot.waitSignal(listing.openRequested) as blocker:
        qtbot.mouseDClick(listing.viewport(), Qt.MouseButton.LeftButton,
                          pos=listing.row_center(1))  # fmt: skip
    assert blocker.args == [1]
    listing.setFocus()
    listing.setCurrentRow(2)
    with qtbot.waitSignal(listing.openRequested) as blocker:
        qtbot.keyClick(listing, Qt.Key.Key_Return)
    assert blocker.args == [2]
    with qtbot.waitSignal(listing.playRequested) as blocker:
        qtbot.keyClick(listing, Qt.Key.Key_Space)
    assert blocker.args == [2]
    with qtbot.waitSignal(listing.playRequested) as blocker:
        listing.play_action.trigger()
    assert blocker.args == [2]
    listing.set_ideas([])
    assert listing.count() == 0
    with qtbot.assertNotEmitted(listing.playRequested):
        listing.play_action.trigger()


def test_preview_draws_the_notes(qtbot):
    notes = [Note(60, 0, 1), Note(67, 2, 2)]
    image = preview_pixmap(notes, 4.0).toImage()
    coloured = {
        (x, y) for x in range(image.width()) for y in range(image.height())
        if image.pixelColor(x, y).rgb() == QColor(NOTE_COLOUR).rgb()
    }  # fmt: skip
    assert coloured
    xs = [x for x, _ in coloured]
    high = [y for x, y in coloured if x > image.width() / 2]
    low = [y for x, y in coloured if x < image.width() / 4]
    assert max(high) < min(low)  # the higher note is drawn higher
    assert max(xs) > image.width() * 0.9  # and the second note lasts to the end
    assert not preview_pixmap([], 4.0).isNull()


def test_chords_summary():
    assert chords_summary(("Dm", "Bb", "F", "C") * 2) == "Dm Bb F C"
    assert chords_summary(("C",) * 4) == "C"
    assert chords_summary(tuple("CDEFGABCD")) == "C D E F G A B"  # repeats after 7
    ten = ("C", "Dm", "Em", "F", "G", "Am", "Bdim", "C7", "D7", "E7")
    assert chords_summary(ten) == "C Dm Em F G Am Bdim C7 …"
    assert chords_summary(()) == ""
