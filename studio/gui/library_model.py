"""The library table's model: a column snapshot of the library (``LibraryRows``) shown in a view
order (row indices), with sorting and search computed off the GUI thread.

A ``QSortFilterProxyModel`` would compare 100,000 rows in Python on the GUI thread; instead the
snapshot itself answers ``view(query, column, descending)`` with the row indices to show, on a
``QThreadPool`` thread, and the model swaps the new order in with one reset. The newest request
wins: a result that arrives after a newer request was made is dropped. A new snapshot (after
indexing, a like, a removal) goes the same way, so rows and order always change together.

The GUI does not import ``studio.library`` (the layer rule): ``Rows`` below says what the model
uses of a snapshot.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QPalette, QPixmap

from studio.gui.mood_chip import mood_chip, mood_text

__all__ = ["COLUMNS", "HEADERS", "LibraryModel", "Rows"]

_log = logging.getLogger(__name__)

COLUMNS = ("title", "duration", "tempo", "key", "mood", "meter", "instruments", "notes", "added",
           "reaction", "plays")  # fmt: skip
"""The table's columns, in order (the names ``Rows.view`` and ``Rows.text`` take)."""
HEADERS = {
    "title": "Title", "duration": "Time", "tempo": "BPM", "key": "Key", "mood": "Mood",
    "meter": "Meter",
    "instruments": "Instruments", "notes": "Notes", "added": "Added", "reaction": "♥",
    "plays": "Plays",
}  # fmt: skip
HEADER_TIPS = {
    "duration": "Duration (minutes:seconds)", "tempo": "Tempo (beats per minute)",
    "notes": "Number of notes", "added": "When the file was added to the library",
    "mood": "Mood: dark ↔ bright (left to right), calm ↔ energetic (bottom to top); "
            "sorted dark to bright. Search for calm, energetic, bright or dark.",
    "reaction": "Your reaction: ♥ liked, ✕ disliked (click ♥ to like)",
    "plays": "How often you played it",
}  # fmt: skip
_NUMERIC = frozenset({"duration", "tempo", "notes", "added", "plays"})
_LIKED_COLOUR = QColor("#f06a6a")
_Index = QModelIndex | QPersistentModelIndex


class Rows(Protocol):
    """What the model uses of a library snapshot (``studio.library.table.LibraryRows``)."""

    ids: np.ndarray
    display_path: tuple[str, ...]
    reaction: np.ndarray
    status: tuple[str, ...]
    error: tuple[str, ...]
    valence: np.ndarray
    arousal: np.ndarray

    def __len__(self) -> int: ...
    def row_of(self, track_id: int) -> int | None: ...
    def view(self, query: str = "", column: str = "title",
             descending: bool = False) -> np.ndarray: ...  # fmt: skip
    def text(self, row: int, column: str) -> str: ...


class _Relay(QObject):
    """Carries a finished view from a pool thread to the GUI thread (a queued signal)."""

    done = Signal(int, object, object)  # request number, rows, order (None when it failed)


class _ViewTask(QRunnable):
    """``rows.view(query, column, descending)`` on a pool thread."""

    def __init__(self, number: int, rows: Rows, query: str, column: str, descending: bool,
                 relay: _Relay) -> None:  # fmt: skip
        super().__init__()
        self._args = (number, rows, query, column, descending)
        self._relay = relay

    def run(self) -> None:
        number, rows, query, column, descending = self._args
        try:
            order = np.asarray(rows.view(query, column, descending), dtype=np.int64)
        except Exception:  # a bug in the snapshot must not kill a pool thread silently
            _log.exception("the library view %r failed", (query, column, descending))
            order = None
        self._relay.done.emit(number, rows, order)


class LibraryModel(QAbstractTableModel):
    """The library's rows in view order; ``COLUMNS`` are its columns.

    Roles: display (``rows.text``; a missing track's title ends in " (missing)"), ``UserRole``
    (the track id, an int), tooltip (the path, and why the track cannot be read or that its
    file is missing), foreground (greyed for missing and unreadable tracks; ♥ in red), text
    alignment (numbers right, ♥ centred).

    ``request(rows, query, column, descending)`` computes a new order off the GUI thread;
    ``viewChanged(reason)`` follows each swap: "snapshot" (new rows, same query and sort) or
    "view" (the query or the sort changed).
    """

    viewChanged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        """An empty model (no snapshot yet)."""
        super().__init__(parent)
        self._rows: Rows | None = None
        self._order = np.empty(0, dtype=np.int64)
        self._position = np.empty(0, dtype=np.int64)  # data row → view row (-1 hidden)
        self._query, self._column, self._descending = "", "title", False
        self._number = 0  # of the newest request; older results are dropped
        self._pending: dict[int, str] = {}  # request number → reason
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # one at a time: a snapshot caches its queries
        self._relay = _Relay(self)
        self._relay.done.connect(self._finished)
        self.reason = "view"
        """Why the last reset happened ("snapshot" or "view"), for the view's listeners."""

    # -- the snapshot and its order ---------------------------------------------------------------

    def rows(self) -> Rows | None:
        """The snapshot shown (None before the first one is ready)."""
        return self._rows

    def order(self) -> np.ndarray:
        """The data rows shown, top to bottom (int64)."""
        return self._order

    def query(self) -> tuple[str, str, bool]:
        """The newest (query, column, descending) asked for."""
        return self._query, self._column, self._descending

    def busy(self) -> bool:
        """Whether a requested order has not arrived yet."""
        return bool(self._pending)

    def request(self, rows: Rows | None = None, query: str | None = None,
                column: str | None = None, descending: bool | None = None) -> int:  # fmt: skip
        """Compute the order of ``rows`` (default: the snapshot shown) for ``query`` sorted by
        ``column`` (defaults: the current ones) on a pool thread; the model shows it when it
        arrives unless a newer request came first. Returns the request's number."""
        rows = rows if rows is not None else self._rows
        before = (self._query, self._column, self._descending)
        self._query = self._query if query is None else query
        self._column = self._column if column is None else column
        self._descending = self._descending if descending is None else descending
        changed = before != (self._query, self._column, self._descending)
        self._number += 1
        if rows is None:
            return self._number
        self._pending = {self._number: "view" if changed or self._rows is None else "snapshot"}
        task = _ViewTask(self._number, rows, self._query, self._column, self._descending,
                         self._relay)  # fmt: skip
        self._pool.clear()  # queued, not started: superseded already
        self._pool.start(task)
        return self._number

    def set_view(self, rows: Rows, order: np.ndarray, reason: str = "view") -> None:
        """Show ``rows`` in ``order`` (data row indices) now, in one reset."""
        self.reason = reason
        self.beginResetModel()
        self._rows = rows
        self._order = np.asarray(order, dtype=np.int64)
        self._position = np.full(len(rows), -1, dtype=np.int64)
        self._position[self._order] = np.arange(len(self._order), dtype=np.int64)
        self.endResetModel()
        self.viewChanged.emit(reason)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (for benchmarks and shutdown); True when it is."""
        return self._pool.waitForDone(msecs)

    def _finished(self, number: int, rows: Rows, order: np.ndarray | None) -> None:
        reason = self._pending.pop(number, None)
        if reason is None or number != self._number or order is None:
            return  # a newer request is on its way (or this one failed)
        self.set_view(rows, order, reason)

    # -- lookups ----------------------------------------------------------------------------------

    def track_id(self, view_row: int) -> int | None:
        """The id of the track shown in ``view_row`` (None outside the view)."""
        if self._rows is None or not 0 <= view_row < len(self._order):
            return None
        return int(self._rows.ids[self._order[view_row]])

    def track_ids(self, first: int, last: int) -> list[int]:
        """The ids of view rows ``first``..``last`` (inclusive)."""
        if self._rows is None:
            return []
        return [int(i) for i in self._rows.ids[self._order[first : last + 1]]]

    def view_row_of(self, track_id: int) -> int | None:
        """The view row showing ``track_id`` (None when it is not shown)."""
        row = self._rows.row_of(track_id) if self._rows is not None else None
        if row is None or self._position[row] < 0:
            return None
        return int(self._position[row])

    def data_row(self, view_row: int) -> int:
        """The snapshot row behind ``view_row``."""
        return int(self._order[view_row])

    # -- QAbstractTableModel ----------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        """The rows shown (0 under a parent: a flat table)."""
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """``len(COLUMNS)``."""
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:  # fmt: skip
        """Short column titles; a tooltip that says what and in which unit."""
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        name = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[name]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(name)
        if role == Qt.ItemDataRole.TextAlignmentRole and name in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.TextAlignmentRole and name == "reaction":
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        """Selectable and enabled (also for missing tracks: they can be played or removed)."""
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The cell's value for ``role`` (see the class docstring)."""
        if self._rows is None or not index.isValid() or index.row() >= len(self._order):
            return None
        function = _ROLES.get(Qt.ItemDataRole(role))
        if function is None:
            return None
        return function(self._rows, int(self._order[index.row()]), COLUMNS[index.column()])

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header click: ask for the order sorted by ``column`` (it arrives later)."""
        if 0 <= column < len(COLUMNS):
            self.request(column=COLUMNS[column],
                         descending=order == Qt.SortOrder.DescendingOrder)  # fmt: skip


# -- one small function per role ------------------------------------------------------------------


def _display(rows: Rows, row: int, column: str) -> str:
    if column == "mood":  # the chip alone (the pane is narrow); the words are its tooltip
        return ""
    text = rows.text(row, column)
    if column == "title" and rows.status[row] == "missing" and not text.endswith(" (missing)"):
        text += " (missing)"
    return text


def _track_id(rows: Rows, row: int, column: str) -> int:
    return int(rows.ids[row])


def _tooltip(rows: Rows, row: int, column: str) -> str:
    lines = [rows.display_path[row]]
    if rows.status[row] == "missing":
        lines.append("missing: the file is no longer there")
    elif rows.status[row] == "error":
        lines.append(f"cannot be read: {rows.error[row] or 'unknown reason'}")
    if column == "reaction":
        lines.append("Click to like")
    if column == "mood" and not math.isnan(float(rows.valence[row])):
        lines.append(mood_text(float(rows.valence[row]), float(rows.arousal[row])))
    return "\n".join(lines)


def _decoration(rows: Rows, row: int, column: str) -> QPixmap | None:
    if column != "mood" or math.isnan(float(rows.valence[row])):
        return None
    return mood_chip(float(rows.valence[row]), float(rows.arousal[row]))


def _foreground(rows: Rows, row: int, column: str) -> QBrush | None:
    if rows.status[row] != "ok":
        colour = QGuiApplication.palette().color(QPalette.ColorGroup.Disabled,
                                                 QPalette.ColorRole.Text)  # fmt: skip
        return QBrush(colour)
    if column == "reaction" and rows.reaction[row] > 0:
        return QBrush(_LIKED_COLOUR)
    return None


def _alignment(rows: Rows, row: int, column: str) -> int | None:
    if column in _NUMERIC:
        return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if column == "reaction":
        return int(Qt.AlignmentFlag.AlignCenter)
    return None


_ROLES: dict[Qt.ItemDataRole, Callable[[Rows, int, str], object]] = {
    Qt.ItemDataRole.DisplayRole: _display,
    Qt.ItemDataRole.UserRole: _track_id,
    Qt.ItemDataRole.ToolTipRole: _tooltip,
    Qt.ItemDataRole.ForegroundRole: _foreground,
    Qt.ItemDataRole.DecorationRole: _decoration,
    Qt.ItemDataRole.TextAlignmentRole: _alignment,
}
