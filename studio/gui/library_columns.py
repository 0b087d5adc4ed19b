"""The library table's columns: their starting widths (``size_columns``) and which of them are
shown (``ColumnChooser``, the header's context menu).

The names of the columns shown are remembered in QSettings under ``COLUMNS_KEY`` (UI state); a
fresh profile shows every column but ``HIDDEN_BY_DEFAULT``. The title column is always shown.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHeaderView, QMenu, QTableView, QWidget

from studio.gui.library_model import COLUMNS, HEADERS

__all__ = ["COLUMNS_KEY", "HIDDEN_BY_DEFAULT", "ColumnChooser", "size_columns"]

COLUMNS_KEY = "library/columns"
"""QSettings key: the names of the columns shown."""
HIDDEN_BY_DEFAULT = ("meter", "instruments", "notes", "added", "plays")
_WIDTH_SAMPLES = {
    "duration": "88:88", "tempo": "888", "key": "F# minor", "mood": "MM",
    "meter": "12/8",
    "instruments": "Acoustic Grand Piano", "notes": "88,888", "added": "88 Mar 8888",
    "reaction": "♥♥", "plays": "Plays",
}  # fmt: skip


def size_columns(view: QTableView) -> None:
    """Stretch the title column of ``view`` (a table over ``LibraryModel``) and make each other
    column as wide as its widest usual value or its header, whichever is wider."""
    header = view.horizontalHeader()
    metrics = view.fontMetrics()
    for column, name in enumerate(COLUMNS):
        if name == "title":
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        else:
            sample = max(_WIDTH_SAMPLES[name], HEADERS[name], key=metrics.horizontalAdvance)
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 12)


class ColumnChooser(QObject):
    """Which columns of a library table are shown: hides those not remembered as shown, and
    gives the table's header a context menu of ``actions``, one checkable
    ``libraryColumn_<name>`` per column but the title (they belong to ``parent``); toggling
    one shows or hides its column and remembers the choice."""

    def __init__(self, view: QTableView, parent: QWidget) -> None:
        """The chooser of ``view``'s columns; ``parent`` holds the actions and the menu."""
        super().__init__(parent)
        self._view = view
        self._owner = parent
        shown = _stored_columns()
        self.actions: list[QAction] = []
        for column, name in enumerate(COLUMNS[1:], start=1):
            view.setColumnHidden(column, name not in shown)
            toggle = QAction(HEADERS[name] if name != "reaction" else "♥ Reaction", parent,
                             objectName=f"libraryColumn_{name}", checkable=True,
                             checked=name in shown)  # fmt: skip
            toggle.toggled.connect(lambda on, c=column: self._show_column(c, on))
            self.actions.append(toggle)
        header = view.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)

    def _header_menu(self, point: QPoint) -> None:
        menu = QMenu(self._owner)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addActions(self.actions)
        menu.popup(self._view.horizontalHeader().mapToGlobal(point))

    def _show_column(self, column: int, shown: bool) -> None:
        self._view.setColumnHidden(column, not shown)
        names = [n for c, n in enumerate(COLUMNS) if not self._view.isColumnHidden(c)]
        QSettings().setValue(COLUMNS_KEY, names)


def _stored_columns() -> set[str]:
    value = QSettings().value(COLUMNS_KEY)
    if isinstance(value, str):  # QSettings gives a one-element list back as a string
        value = [value]
    if not isinstance(value, list):
        return {name for name in COLUMNS if name not in HIDDEN_BY_DEFAULT}
    return {"title", *(name for name in value if name in COLUMNS)}
