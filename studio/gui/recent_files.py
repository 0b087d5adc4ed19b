"""File ▸ Open Recent: the files opened or saved last, kept in ``QSettings``.

The list holds at most ``MAX_RECENT`` absolute paths, the most recent first, each once. A file
that no longer exists stays in the list (a disconnected drive comes back) but its menu entry is
disabled. The menu is filled each time it opens, so it always shows the stored list.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

MAX_RECENT = 10
SETTINGS_KEY = "files/recent"


def recent_files(settings: QSettings | None = None) -> list[Path]:
    """The recent files, the most recent first (``settings``: the app's ``QSettings()``)."""
    value = (settings or QSettings()).value(SETTINGS_KEY, [])
    if isinstance(value, str):  # QSettings gives a one-element list back as a string
        value = [value]
    if not isinstance(value, list):
        return []
    return [Path(p) for p in value if isinstance(p, str) and p][:MAX_RECENT]


def add_recent_file(path: str | os.PathLike, settings: QSettings | None = None) -> None:
    """Put ``path`` first in the list (moving it if it was there); the 11th falls off."""
    settings = settings or QSettings()
    path = Path(os.path.abspath(path))
    paths = [path, *(p for p in recent_files(settings) if p != path)][:MAX_RECENT]
    settings.setValue(SETTINGS_KEY, [str(p) for p in paths])


def clear_recent_files(settings: QSettings | None = None) -> None:
    """Forget all recent files."""
    (settings or QSettings()).remove(SETTINGS_KEY)


def recent_menu(
    parent: QWidget,
    open_path: Callable[[Path], object],
    settings: QSettings | None = None,
) -> QMenu:
    """The "Open Recent" menu (objectName ``menuRecent``): one action per file
    (``actionRecent1``…, its path as data and tooltip), then "Clear Recent"
    (``actionClearRecent``). Choosing a file calls ``open_path`` with it."""
    menu = QMenu("Open &Recent", parent)
    menu.setObjectName("menuRecent")
    menu.setToolTipsVisible(True)
    menu.aboutToShow.connect(lambda: fill_recent_menu(menu, open_path, settings))
    fill_recent_menu(menu, open_path, settings)
    return menu


def fill_recent_menu(
    menu: QMenu, open_path: Callable[[Path], object], settings: QSettings | None = None
) -> None:
    """Rebuild ``menu``'s entries from the stored list."""
    menu.clear()
    paths = recent_files(settings)
    for number, path in enumerate(paths, start=1):
        exists = path.is_file()
        label = f"&{number % 10} {path.name}" + ("" if exists else " (missing)")
        action = QAction(label.replace("&", "&&").replace("&&", "&", 1), menu)
        action.setObjectName(f"actionRecent{number}")
        action.setData(str(path))
        action.setToolTip(str(path) if exists else f"{path} no longer exists")
        action.setStatusTip(action.toolTip())
        action.setEnabled(exists)
        action.triggered.connect(lambda _checked=False, p=path: open_path(p))
        menu.addAction(action)
    if not paths:
        empty = menu.addAction("No recent files")
        empty.setEnabled(False)
    menu.addSeparator()
    clear = menu.addAction("&Clear Recent")
    clear.setObjectName("actionClearRecent")
    clear.setEnabled(bool(paths))
    clear.triggered.connect(lambda: clear_recent_files(settings))
