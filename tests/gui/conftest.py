"""The window under test: real widgets offscreen, the real worker and shipped model, the player
on the test sound server when there is one; user folders in a temporary place."""

from __future__ import annotations

import pytest


@pytest.fixture
def user_dirs(tmp_path, monkeypatch):
    """Fresh XDG folders, so settings, layout, logs and autosaves start empty."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    return tmp_path


@pytest.fixture
def window(qtbot, user_dirs):
    """The whole window, model loaded."""
    from studio.gui.app import create_window

    window = create_window()
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitUntil(lambda: window.model_ready, timeout=90_000)
    yield window
    window.piano_roll.undo_stack.setClean()  # no "save changes?" prompt at close
    window.close()
