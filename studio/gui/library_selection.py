"""The library table's selection by track id: which tracks are selected and current, selecting
view rows in bulk, and keeping the selection, the current track and the scroll position across
the model's resets (a new snapshot, search or sort reorders every row)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QAbstractItemView, QTableView

from studio.gui.library_model import LibraryModel

_FLAG = QItemSelectionModel.SelectionFlag


class LibrarySelection:
    """The selection of ``view`` (showing ``model``) in track ids, kept across model resets.

    The owner calls ``remember`` when the model is about to reset and ``restore`` once it has:
    the selected tracks still shown stay selected, the current track stays current, and the
    view keeps its place (after a new snapshot, the track at the top stays at the top; after a
    new search or sort, the current track is scrolled to the middle)."""

    def __init__(self, view: QTableView, model: LibraryModel) -> None:
        """The selection of ``view``, whose model is ``model``."""
        self._view, self._model = view, model
        # selected ids, current id (-1: none), the top row's id, the scroll bar's value
        self._remembered: tuple[list[int], int, int | None, int] = ([], -1, None, 0)
        self._select_next: int | None = None

    def current_track(self) -> int | None:
        """The id of the current (focused) track, None when there is none."""
        return self._model.track_id(self._view.currentIndex().row())

    def selected_tracks(self) -> list[int]:
        """The ids of the selected tracks, top to bottom."""
        ids: list[int] = []
        ranges = sorted(self._view.selectionModel().selection(), key=lambda r: r.top())
        for selected in ranges:
            ids.extend(self._model.track_ids(selected.top(), selected.bottom()))
        return ids

    def select_rows(self, rows: Sequence[int], current: int | None) -> None:
        """Select view ``rows`` (merged into ranges, so 100,000 rows stay cheap) and make
        ``current`` the current row (None: no current row)."""
        model, selection = self._model, QItemSelection()
        last = model.columnCount() - 1
        ordered = np.unique(np.asarray(rows, dtype=np.int64))
        if len(ordered):
            breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
            for run in np.split(ordered, breaks):
                selection.select(model.index(int(run[0]), 0), model.index(int(run[-1]), last))
        selection_model = self._view.selectionModel()
        if current is not None:
            selection_model.setCurrentIndex(model.index(current, 0), _FLAG.NoUpdate)
        else:
            selection_model.clearCurrentIndex()
        selection_model.select(selection, _FLAG.ClearAndSelect | _FLAG.Rows)

    def select_after_reset(self, track_id: int) -> None:
        """Make ``track_id`` the current and only selected track at the next ``restore`` that
        shows it (it is not in the view yet, e.g. a search hides it)."""
        self._select_next = track_id

    def remember(self) -> None:
        """Note the selection, the current track and the scroll position (before a reset)."""
        current = self.current_track()
        self._remembered = (
            self.selected_tracks(),
            -1 if current is None else current,
            self._model.track_id(self._view.rowAt(0)),
            self._view.verticalScrollBar().value(),
        )

    def restore(self) -> None:
        """Select again what ``remember`` noted, by track id, and scroll (after a reset)."""
        selected, current, top_id, scroll = self._remembered
        view, model, reason = self._view, self._model, self._model.reason
        view.doItemsLayout()  # the scroll bar's range must fit the new rows
        if self._select_next is not None and model.view_row_of(self._select_next) is not None:
            selected, current = [self._select_next], self._select_next
            self._select_next, top_id, reason = None, None, "view"
        rows = [r for r in map(model.view_row_of, selected) if r is not None]
        current_row = model.view_row_of(current) if current >= 0 else None
        self.select_rows(rows, current_row)
        top_row = model.view_row_of(top_id) if top_id is not None else None
        if reason == "snapshot" and top_row is not None:
            view.scrollTo(model.index(top_row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
        elif reason == "snapshot":
            view.verticalScrollBar().setValue(scroll)
        elif current_row is not None:
            view.scrollTo(
                model.index(current_row, 0), QAbstractItemView.ScrollHint.PositionAtCenter
            )
        else:
            view.scrollToTop()
