"""Preferences, themes, the View toggles, Reset Layout, the shortcuts table and About, driven
through real widgets; every test writes to a settings file of its own."""

from __future__ import annotations

import json
import sys

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QDockWidget, QLabel

from studio.core.errors import InvalidInput
from studio.gui.generate_panel import GeneratePanel
from studio.gui.preferences import PreferencesDialog
from studio.gui.shortcuts_help import ShortcutsDialog
from studio.gui.theme import DARK, LIGHT, apply_theme, chosen_theme
from studio.settings import OPTIONS, load_settings, set_setting

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def settings_file(user_dirs, tmp_path, monkeypatch):
    """A settings file of this test's own, at a path the test knows (after ``user_dirs``, which
    sets one too)."""
    path = tmp_path / "settings" / "settings.json"
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(path))
    return path


@pytest.fixture(autouse=True)
def app_colours(qapp):
    """Give the application back the palette and style it had, for the tests that follow."""
    palette, sheet, style = qapp.palette(), qapp.styleSheet(), qapp.style().name()
    yield
    qapp.setProperty("studioTheme", None)
    qapp.setStyle(style)
    qapp.setPalette(palette)
    qapp.setStyleSheet(sheet)


@pytest.fixture
def window(settings_file, window, monkeypatch):
    """conftest's window, built after this test's settings file is in place; an exception in
    a slot fails the test (the window's own hook would only show it in a message box)."""
    errors = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: errors.append(info))
    yield window
    assert not errors, errors


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def window_colour(widget=None) -> str:
    palette = widget.palette() if widget is not None else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window).name()


def open_preferences(window, qtbot) -> PreferencesDialog:
    action(window, "actionPreferences").trigger()
    dialog = window.findChild(PreferencesDialog, "preferencesDialog")
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def show_tab(dialog: PreferencesDialog, qtbot, title: str) -> None:
    bar = dialog.tabs.tabBar()
    index = next(i for i in range(bar.count()) if bar.tabText(i) == title)
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(index).center())
    assert dialog.tabs.currentIndex() == index


def type_into(qtbot, widget, text: str) -> None:
    """Select what the field holds and type ``text`` over it, as a user would."""
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(widget, text)


def click_ok(qtbot, dialog: PreferencesDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)


# -- the settings -------------------------------------------------------------------------


def test_the_new_settings_parse_like_the_command_line(settings_file):
    for text, value in (("on", True), ("OFF", False), ("yes", True), ("no", False),
                        ("1", True), ("0", False), ("true", True), ("False", False)):  # fmt: skip
        assert set_setting("follow_playhead", text) is value
    assert set_setting("default_key", "bbm") == "Bb minor"
    assert set_setting("theme", "Light") == "light"
    for key, text in (("audition_notes", "maybe"), ("theme", "purple"), ("default_key", "H"),
                      ("default_bars", "33"), ("default_tempo", "300")):  # fmt: skip
        with pytest.raises(InvalidInput):
            set_setting(key, text)
    values, warning = load_settings()
    assert warning is None
    assert (values["follow_playhead"], values["default_key"], values["theme"]) == (
        False, "Bb minor", "light")  # fmt: skip
    assert json.loads(settings_file.read_text())["values"]["follow_playhead"] is False


def test_the_limits_are_those_of_the_generator_and_the_panel(qtbot):
    from studio.generation.generator import MAX_BARS

    bars, tempo = OPTIONS["default_bars"].parse, OPTIONS["default_tempo"].parse
    assert (bars.low, bars.high) == (1, MAX_BARS)
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    assert (tempo.low, tempo.high) == (panel.tempo_spin.minimum(), panel.tempo_spin.maximum())


def test_a_hand_edited_bad_value_keeps_its_default_with_a_warning(settings_file):
    settings_file.parent.mkdir(parents=True)
    document = {"version": 1, "values": {"theme": "purple", "default_tempo": 90,
                                         "audition_notes": "off"}}  # fmt: skip
    settings_file.write_text(json.dumps(document))
    values, warning = load_settings()
    assert values["theme"] == "dark" and "theme" in warning and "purple" in warning
    assert values["default_tempo"] == 90 and values["audition_notes"] is False


def test_the_settings_command_sets_the_new_options(studio, settings_file):
    assert studio("settings", "audition_notes", "off").returncode == 0
    assert studio("settings", "default_key", "Am").returncode == 0
    assert load_settings()[0]["audition_notes"] is False
    assert load_settings()[0]["default_key"] == "A minor"
    bad = studio("settings", "theme", "purple")
    assert bad.returncode == 2 and "not one of dark, light, system" in bad.stderr


def test_the_generate_panel_starts_with_the_default_melody_settings(qtbot, settings_file):
    set_setting("default_key", "D dorian")
    set_setting("default_tempo", "96")
    set_setting("default_bars", "16")
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    request = panel.request()["settings"]
    assert (request["key"].name, request["tempo"], request["bars"]) == ("D dorian", 96.0, 16)


# -- the dialog ---------------------------------------------------------------------------


def test_ok_writes_the_settings_file_and_applies_the_theme(window, qtbot, settings_file):
    apply_theme(QApplication.instance(), "dark")
    dialog = open_preferences(window, qtbot)
    assert dialog.theme_combo.currentData() == "dark" and dialog.tempo_spin.value() == 120
    show_tab(dialog, qtbot, "Appearance")
    dialog.theme_combo.setFocus()
    QTest.keyClick(dialog.theme_combo, Qt.Key.Key_Down)  # Dark → Light
    assert dialog.theme_combo.currentText() == "Light"
    show_tab(dialog, qtbot, "New melodies")
    type_into(qtbot, dialog.tempo_spin, "96")
    show_tab(dialog, qtbot, "Files")
    type_into(qtbot, dialog.autosave_spin, "30")
    assert window_colour() == DARK["window"]
    click_ok(qtbot, dialog)

    qtbot.waitUntil(lambda: not dialog.isVisible())
    values, warning = load_settings(settings_file)
    assert warning is None
    assert (values["theme"], values["default_tempo"], values["autosave_seconds"]) == (
        "light", 96, 30)  # fmt: skip
    assert values["soundfont"] is None and values["default_key"] == "C major"  # untouched
    assert window_colour() == LIGHT["window"] and chosen_theme(QApplication.instance()) == "light"
    assert window_colour(window.piano_roll) == LIGHT["window"]  # widgets took the new palette
    assert action(window, "actionThemeLight").isChecked()
    assert window.generate_panel.tempo_spin.value() == 96  # the new default is shown
    assert window.autosaver.interval_seconds() == 30  # at once, not at the next start


def test_the_ideas_ranking_checkbox_is_saved(window, qtbot, settings_file):
    dialog = open_preferences(window, qtbot)
    show_tab(dialog, qtbot, "New melodies")
    assert dialog.rank_check.isChecked()  # on by default
    qtbot.mouseClick(dialog.rank_check, LEFT, pos=QPoint(6, dialog.rank_check.height() // 2))
    assert not dialog.rank_check.isChecked()
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert load_settings(settings_file)[0]["rank_ideas"] is False
    assert window._ranked({"seed": 1})["rank"] is False  # the next Generate is not ranked


def test_a_bad_soundfont_is_explained_and_nothing_is_saved(window, qtbot, settings_file, tmp_path):
    dialog = open_preferences(window, qtbot)
    error = dialog.findChild(QLabel, "soundfontError")
    missing = tmp_path / "nowhere" / "Piano.sf2"
    type_into(qtbot, dialog.soundfont_edit, str(missing))
    click_ok(qtbot, dialog)
    assert dialog.isVisible() and error.isVisible()
    assert f"There is no file {missing}" in error.text()
    assert not settings_file.exists()

    not_a_soundfont = tmp_path / "notes.sf2"
    not_a_soundfont.write_bytes(b"just some text, not RIFF")
    type_into(qtbot, dialog.soundfont_edit, str(not_a_soundfont))
    assert not error.isVisible()  # typing clears the old complaint
    click_ok(qtbot, dialog)
    assert dialog.isVisible() and "not a SoundFont" in error.text()
    assert not settings_file.exists()

    dialog.soundfont_edit.clear()  # back to the default SoundFont: fine
    click_ok(qtbot, dialog)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert load_settings(settings_file)[0]["soundfont"] is None


def test_cancel_changes_nothing(window, qtbot, settings_file):
    dialog = open_preferences(window, qtbot)
    show_tab(dialog, qtbot, "Files")
    type_into(qtbot, dialog.autosave_spin, "45")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), LEFT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert not settings_file.exists()


# -- the View menu ----------------------------------------------------------------------------


def test_view_toggles_and_theme_are_kept_for_the_next_window(window, qtbot, settings_file):
    from studio.gui.app import create_window

    follow, hear = action(window, "actionFollowPlayhead"), action(window, "actionAuditionNotes")
    lane = action(window, "actionVelocityLane")
    assert follow.isChecked() and hear.isChecked() and window.piano_roll.follow_playhead()
    assert lane.isChecked() and window.piano_roll.velocity_lane_visible()
    follow.trigger()
    hear.trigger()
    lane.trigger()
    assert not window.piano_roll.velocity_lane_visible()
    action(window, "actionThemeLight").trigger()
    assert not window.piano_roll.follow_playhead()
    assert window_colour() == LIGHT["window"]
    assert not action(window, "actionThemeDark").isChecked()  # one theme at a time
    values = load_settings(settings_file)[0]
    assert (values["follow_playhead"], values["audition_notes"], values["theme"]) == (
        False, False, "light")  # fmt: skip
    assert values["velocity_lane"] is False

    second = create_window()
    try:
        assert not action(second, "actionFollowPlayhead").isChecked()
        assert not second.piano_roll.follow_playhead()
        assert not action(second, "actionAuditionNotes").isChecked()
        assert action(second, "actionThemeLight").isChecked()
        assert not second.piano_roll.velocity_lane_visible()
    finally:
        second.piano_roll.undo_stack.setClean()
        second.close()


def test_hear_notes_off_silences_drawing(window, qtbot, monkeypatch):
    roll = window.piano_roll
    qtbot.waitUntil(lambda: len(roll.song().notes) > 0, timeout=30_000)  # the first melody
    heard: list[int] = []
    monkeypatch.setattr(window.playback, "audition", heard.append)
    roll.set_tool("draw")
    area = roll.note_area()

    def draw(beat: float, pitch: int) -> None:
        roll.ensure_visible(beat, pitch)
        point = QPoint(int(roll.beat_to_x(beat + 0.1)), int(roll.pitch_to_y(pitch)))
        qtbot.mouseClick(area, LEFT, pos=point)

    before = len(roll.song().notes)
    draw(40.0, 72)
    assert heard == [72] and len(roll.song().notes) == before + 1
    action(window, "actionAuditionNotes").trigger()  # View → Hear Notes While Editing: off
    draw(44.0, 74)
    assert len(roll.song().notes) == before + 2  # drawn …
    assert heard == [72]  # … in silence


def test_reset_layout_brings_the_docks_back(window, qtbot):
    ideas = window.findChild(QDockWidget, "ideasDock")
    generate = window.findChild(QDockWidget, "generateDock")
    right = Qt.DockWidgetArea.RightDockWidgetArea
    qtbot.waitUntil(lambda: ideas.width() > 0 and generate.isVisible())
    width = generate.width()
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, ideas)
    generate.hide()
    qtbot.waitUntil(lambda: not generate.isVisible())
    assert window.dockWidgetArea(ideas) != right

    action(window, "actionResetLayout").trigger()
    qtbot.waitUntil(lambda: generate.isVisible() and ideas.isVisible())
    assert window.dockWidgetArea(ideas) == right and window.dockWidgetArea(generate) == right
    assert not ideas.isFloating() and not generate.isFloating()
    assert abs(generate.width() - width) <= 2


# -- Help -------------------------------------------------------------------------------------


def test_the_shortcuts_dialog_lists_the_actions_and_filters(window, qtbot):
    action(window, "actionShortcuts").trigger()
    dialog = window.findChild(ShortcutsDialog, "shortcutsDialog")
    qtbot.waitExposed(dialog)
    rows = dialog.shown_rows()
    assert ("Generate", "Ctrl+G", "Generate") in rows
    assert ("Preferences", "Ctrl+,", "Edit") in rows
    assert ("Play / Stop", "Space", "Window") in rows
    assert ("Zoom at the cursor", "Ctrl+Wheel", "Piano roll") in rows
    assert all(keys for _what, keys, _where in rows)  # only actions that have a shortcut

    qtbot.keyClicks(dialog.filter_edit, "zoom")
    shown = dialog.shown_rows()
    assert {"Zoom In", "Zoom Out", "Zoom to Fit", "Zoom at the cursor"} <= {r[0] for r in shown}
    assert all("zoom" in " ".join(row).lower() for row in shown) and len(shown) < len(rows)
    dialog.filter_edit.clear()
    qtbot.keyClicks(dialog.filter_edit, "CTRL+G")
    shown = dialog.shown_rows()
    assert ("Generate", "Ctrl+G", "Generate") in shown
    assert all("ctrl+g" in " ".join(row).lower() for row in shown)


def test_a_new_action_appears_in_the_shortcuts_without_a_list_to_update(window, qtbot):
    extra = QAction("Transpose Up", window)
    extra.setShortcut("Ctrl+Shift+Up")
    window.addAction(extra)
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    assert ("Transpose Up", "Ctrl+Shift+Up", "Window") in dialog.shown_rows()


def test_about_names_the_versions_the_model_and_the_soundfont(window, qtbot):
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QMessageBox

    from studio import __version__

    action(window, "actionAbout").trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    qtbot.waitExposed(box)
    text = box.text()
    assert f"Motif Studio {__version__}" in text and f"Qt {qVersion()}" in text
    assert "gan.safetensors" in text and "SoundFont: " in text and ".sf2" in text
    assert "public-domain" in text and "MIT" in text
    box.close()


def test_the_roll_repaints_in_the_colours_of_a_new_theme(window):
    roll = window.piano_roll
    ruler = QPoint(int(roll.beat_to_x(0.6)), 4)

    def ruler_colour() -> QColor:
        return roll.note_area().grab().toImage().pixelColor(ruler)

    apply_theme(QApplication.instance(), "dark")
    dark = ruler_colour()
    apply_theme(QApplication.instance(), "light")
    assert window_colour(roll) == LIGHT["window"]
    assert ruler_colour() != dark  # its painter colours were rebuilt from the new palette
    apply_theme(QApplication.instance(), "dark")
    assert ruler_colour() == dark


def test_the_system_theme_is_dark_when_unknown_and_follows_the_desktop(qapp, monkeypatch):
    from studio.gui import theme

    if qapp.styleHints().colorScheme() == Qt.ColorScheme.Unknown:  # offscreen says nothing
        assert apply_theme(qapp, "system") == "dark" and window_colour() == DARK["window"]
    apply_theme(qapp, "system")
    monkeypatch.setattr(theme, "system_theme", lambda _app: "light")  # the desktop turns light
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window_colour() == LIGHT["window"] and chosen_theme(qapp) == "system"
    apply_theme(qapp, "dark")  # chosen by hand: the desktop is no longer followed
    qapp.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert window_colour() == DARK["window"]
