"""Help → Keyboard Shortcuts: every shortcut of the window in one searchable table.

The window's own shortcuts are collected when the dialog opens, from the ``QAction`` objects
the window owns (menus, the Space shortcut…), so the list cannot go stale when an action is
added or its keys change. The piano roll's keys and mouse gestures are handled in its event
handlers, not by actions, so they are listed here by hand (``ROLL_KEYS``, kept next to
``roll_input``'s docstring).
"""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

ROLL_KEYS: tuple[tuple[str, str], ...] = (
    ("Draw tool", "D"),
    ("Select tool", "S"),
    ("Erase tool", "E"),
    ("Erase a note (any tool)", "Right-click"),
    ("Move the selected notes by the snap", "Left, Right"),
    ("Move the selected notes a semitone", "Up, Down"),
    ("Move the selected notes an octave", "Shift+Up, Shift+Down"),
    ("Quantize the selected notes", "Q"),
    ("Delete the selected notes", "Delete, Backspace"),
    ("Cancel the drag, or clear the selection", "Esc"),
    ("Add to the selection", "Shift+click"),
    ("Toggle a note in the selection", "Ctrl+click"),
    ("Drag without the snap", "Alt+drag"),
    ("Scroll up and down", "Wheel"),
    ("Scroll sideways", "Shift+Wheel"),
    ("Zoom at the cursor", "Ctrl+Wheel"),
    ("Move the playhead", "Click the ruler"),
    ("Hear a pitch", "Click the keyboard"),
)
"""The piano roll's keys and gestures: (what it does, keys)."""
IDEAS_KEYS: tuple[tuple[str, str], ...] = (
    ("Open the current idea in the editor", "Enter, double-click"),
    ("Play the current idea", "Space, P"),
    ("Like the current idea (♥; again: take it back)", "Ctrl+L"),
    ("Dislike the current idea (✕; again: take it back)", "Ctrl+Shift+L"),
    ("More like the current idea", "M"),
)
"""The Ideas list's keys: (what it does, keys)."""
COLUMNS = ("Action", "Shortcut", "Where")


def _plain(text: str) -> str:
    """A menu text without its mnemonic ampersand and ellipsis: "Save &As…" → "Save As"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…").strip()


def _where(action: QAction) -> str:
    """The menu that shows ``action`` ("Edit"), or "Window" for a window-wide shortcut."""
    for owner in action.associatedObjects():
        if isinstance(owner, QMenu) and owner.title():
            return _plain(owner.title())
    return "Window"


def action_shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """(action, keys, where) for every action of ``window`` that has a shortcut, in menu order;
    keys as the platform writes them ("Ctrl+G"), several joined by ", "."""
    rows, seen = [], set()
    for action in window.findChildren(QAction):
        keys = [k for k in action.shortcuts() if not k.isEmpty()]
        text = _plain(action.text())
        if not any(ch.isalpha() for ch in text):  # a symbol ("⟲"): the tooltip says more
            text = _plain(action.toolTip().split(" (")[0]) or text
        if not keys or not text or (text, _where(action)) in seen:
            continue
        seen.add((text, _where(action)))
        shown = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys)
        rows.append((text, shown, _where(action)))
    return rows


def all_shortcuts(window: QWidget) -> list[tuple[str, str, str]]:
    """The window's action shortcuts, then the piano roll's and the Ideas list's keys."""
    return (action_shortcuts(window) + [(what, keys, "Piano roll") for what, keys in ROLL_KEYS]
            + [(what, keys, "Ideas") for what, keys in IDEAS_KEYS])  # fmt: skip


def shortcuts_markdown(window: QWidget) -> str:
    """``all_shortcuts(window)`` as a Markdown table (the rows of Help ▸ Keyboard Shortcuts, in
    its order), for the user guide (``scripts/shortcut_table.py`` writes it there)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(cell(text) for text in row) + " |" for row in all_shortcuts(window)]
    return "\n".join(lines) + "\n"


class ShortcutsDialog(QDialog):
    """The shortcuts table (objectName "shortcutsDialog"), filtered as the user types in the
    search field (objectName "shortcutsFilter"; any column, ignoring case). ``table`` is the
    view (objectName "shortcutsTable"), ``proxy`` its filter model."""

    def __init__(self, window: QWidget, parent: QWidget | None = None) -> None:
        """The shortcuts of ``window`` (collected now), in a dialog owned by ``parent``
        (default: ``window``)."""
        super().__init__(parent if parent is not None else window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard Shortcuts")
        model = QStandardItemModel(0, len(COLUMNS), self)
        model.setHorizontalHeaderLabels(list(COLUMNS))
        for row in all_shortcuts(window):
            items = [QStandardItem(text) for text in row]
            for item in items:
                item.setEditable(False)
            model.appendRow(items)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit = QLineEdit(objectName="shortcutsFilter")
        self.filter_edit.setPlaceholderText("Search actions and keys…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView(objectName="shortcutsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # menu order until clicked
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(620, 560)

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """The rows the table shows now (after the filter), top to bottom."""
        proxy = self.proxy
        return [
            tuple(proxy.index(row, column).data() for column in range(len(COLUMNS)))
            for row in range(proxy.rowCount())
        ]
