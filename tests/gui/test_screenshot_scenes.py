"""The user guide's pictures (``studio --screenshot OUT.png --scene NAME``): each scene drives the
real window to what the guide shows, and its PNG has the window's size."""

from __future__ import annotations

import pytest
from conftest import run_studio
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QComboBox, QDialog, QListView, QMenu, QWidget

from studio.core.errors import InvalidInput
from studio.gui.screenshot_scenes import SCENES, check_scene, play_scene

SIZE = (1280, 800)


@pytest.fixture
def shoot(window, qtbot, tmp_path):
    """Play a scene in the whole window (at SIZE, library shown) and save its picture as a PNG;
    returns the PNG read back."""

    def play(name: str) -> QImage:
        window.resize(*SIZE)
        qtbot.waitUntil(lambda: window.library.ready and bool(window.piano_roll.song().notes),
                        timeout=60_000)  # fmt: skip
        pictures: list[QImage] = []
        play_scene(window, name, pictures.append)
        qtbot.waitUntil(lambda: bool(pictures), timeout=60_000)
        path = tmp_path / f"{name}.png"
        assert pictures[0].save(str(path))
        return QImage(str(path))

    yield play
    for widget in QApplication.topLevelWidgets():  # menus and popups left open by a scene
        if isinstance(widget, QMenu) or widget.inherits("QComboBoxPrivateContainer"):
            widget.close()


def in_front(window, dock: str) -> bool:
    return not window.findChild(QWidget, dock).visibleRegion().isEmpty()


def rows(window, name: str) -> list:
    model = window.findChild(QListView, name).model()
    return [model.index(row, 0) for row in range(model.rowCount())]


def test_the_default_scene_is_the_window_as_it_opens(window, shoot):
    image = shoot("window")
    assert (image.width(), image.height()) == SIZE
    assert window.piano_roll.song().notes and rows(window, "ideasList")


def test_ideas_shows_the_ideas_of_a_generate(window, shoot):
    image = shoot("ideas")
    assert (image.width(), image.height()) == SIZE
    assert in_front(window, "ideasDock")
    assert window.ideas.count() == 6
    assert window.findChild(QComboBox, "modeCombo").currentText() == "minor"


def test_edit_shows_selected_notes_and_the_velocity_lane(window, shoot):
    image = shoot("edit")
    roll = window.piano_roll
    assert (image.width(), image.height()) == SIZE
    assert roll.tool() == "select" and roll.selected_indices()
    assert all(4.0 <= roll.song().notes[i].start < 8.0 for i in roll.selected_indices())
    assert roll.velocity_lane_visible() and roll.loop() == (0.0, 8.0)


def test_similar_shows_a_tracks_similar_tracks_with_reasons(window, shoot):
    image = shoot("similar")
    assert (image.width(), image.height()) == SIZE
    assert in_front(window, "similarDock")
    found = rows(window, "similarList")
    assert found and all(row.data(Qt.ItemDataRole.ToolTipRole) for row in found)


def test_for_you_shows_a_profiles_suggestions_and_the_profile_menu(window, shoot):
    image = shoot("for-you")
    combo = window.findChild(QComboBox, "profileCombo")
    assert (image.width(), image.height()) == SIZE
    assert in_front(window, "forYouDock") and rows(window, "forYouList")
    assert combo.currentText().startswith("Ana") and combo.view().isVisible()
    assert "Ana" in window.findChild(QWidget, "forYouHeader").text()


def test_export_shows_the_file_menu_on_export_midi(window, shoot):
    image = shoot("export")
    assert (image.width(), image.height()) == SIZE
    [menu] = [m for m in QApplication.topLevelWidgets() if isinstance(m, QMenu) and m.isVisible()]
    assert menu.activeAction() is window.findChild(QAction, "actionExportMidi")
    assert window.findChild(QAction, "actionExportWav") in menu.actions()


def test_settings_shows_the_preferences_dialog(window, shoot):
    image = shoot("settings")
    assert (image.width(), image.height()) == SIZE
    dialog = window.findChild(QDialog, "preferencesDialog")
    assert dialog is not None and dialog.isVisible()


def test_an_unknown_scene_is_one_line_naming_the_scenes():
    with pytest.raises(InvalidInput) as error:
        check_scene("mixer")
    assert "'mixer'" in str(error.value) and all(name in str(error.value) for name in SCENES)


def test_the_command_takes_a_scene(user_dirs, tmp_path):
    out = tmp_path / "settings.png"
    done = run_studio("--screenshot", str(out), "--size", "1200x760", "--scene", "settings")
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 760)
    wrong = run_studio("--screenshot", str(out), "--scene", "mixer")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        f"studio: error: unknown scene 'mixer'; the scenes are: {', '.join(SCENES)}"
    ]


def test_a_scene_runs_in_scratch_folders_and_leaves_the_users_alone(user_dirs, tmp_path):
    out = tmp_path / "for-you.png"
    result = run_studio("--screenshot", str(out), "--size", "1280x800", "--scene", "for-you")
    assert result.returncode == 0, result.stderr
    assert QImage(str(out)).size().toTuple() == (1280, 800)
    for name in ("xdg_config_home", "xdg_data_home", "xdg_state_home", "xdg_cache_home"):
        assert list((user_dirs / name).rglob("*")) == [], name  # no profile, library or log
    assert not (user_dirs / "settings.json").exists()
