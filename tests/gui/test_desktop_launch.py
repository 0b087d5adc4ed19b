"""What the menu entry relies on: the window carries the application icon and the desktop
entry's id, and the entry's ``studio FILE`` opens that file (a path with spaces included)."""

from __future__ import annotations

import shutil

from PySide6.QtWidgets import QApplication

from studio.core.midi_read import read_midi
from studio.core.resources import APP_ID, DEMO_LIBRARY


def test_the_window_has_the_app_icon_and_the_desktop_id_and_opens_the_given_file(
    qtbot, user_dirs, tmp_path
):
    from studio.gui.app import create_window

    folder = tmp_path / "My Songs"
    folder.mkdir()
    demo = sorted(DEMO_LIBRARY.glob("*.mid"))[0]
    song_path = folder / "a tune (live).mid"
    shutil.copyfile(demo, song_path)

    window = create_window([str(song_path)])
    window.show()
    try:
        icon = QApplication.windowIcon()
        sizes = {size.width() for size in icon.availableSizes()}
        assert {16, 32, 48, 256, 512} <= sizes
        assert QApplication.desktopFileName() == APP_ID
        expected = read_midi(song_path)
        qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
        assert "a tune (live)" in window.windowTitle()
        opened = window.piano_roll.song()
        assert len(opened.notes) == len(expected.notes)
    finally:
        window.piano_roll.undo_stack.setClean()
        window.close()
