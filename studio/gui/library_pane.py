"""The library pane (the mockup's left column): the track count, a search box, the table of
tracks, "+ Add folder…" and "⟳ Rescan", and a status line for indexing and unreadable files.

The pane shows what it is given (``set_rows`` with a library snapshot, ``show_progress``,
``show_problems``) and says what the user asks for by signals carrying track ids; the window
runs the requests in its worker. Sorting and search run off the GUI thread (``LibraryModel``),
so a 100,000-track library stays responsive; the selection (by track id) and the scroll
position survive a new snapshot or a new order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QMimeData,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from studio.gui.index_problems import IndexProblemsDialog, plural
from studio.gui.library_columns import COLUMNS_KEY, HIDDEN_BY_DEFAULT, ColumnChooser, size_columns
from studio.gui.library_model import COLUMNS, LibraryModel, Rows
from studio.gui.library_selection import LibrarySelection
from studio.gui.mood_map import MoodMap

__all__ = ["COLUMNS_KEY", "HIDDEN_BY_DEFAULT", "IndexProblemsDialog", "LibraryPane"]

SEARCH_DELAY_MS = 150
SEARCH_HINT = "Search: title, key (D minor), tempo (100-120), mood (calm), instrument"
_MOOD_WORD = re.compile(r"mood:-?\d*\.?\d+,-?\d*\.?\d+(:-?\d*\.?\d+,-?\d*\.?\d+)?",
                        re.IGNORECASE)  # fmt: skip
"""The search word of a point or a region on the mood map (``studio.library.search`` reads
it)."""


def with_mood_token(text: str, picked: tuple[float, ...] | None) -> str:
    """``text`` with its mood word replaced by that of ``picked``: a point ("mood:-0.50,0.30")
    or a region, two corners ("mood:-0.50,0.10:0.20,0.80"); removed for None, added at the end
    when there was none."""
    words = [word for word in text.split() if not _MOOD_WORD.fullmatch(word)]
    if picked is not None:
        corners = [f"{picked[i]:.2f},{picked[i + 1]:.2f}" for i in range(0, len(picked), 2)]
        words.append("mood:" + ":".join(corners))
    return " ".join(words)


MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".smf")
_PLAY_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_REMOVE_KEYS = (Qt.Key.Key_Delete,)
_LINK_STYLE = "QPushButton { border: none; padding: 2px 4px; color: palette(highlight); }"


class LibraryPane(QWidget):
    """The library pane (objectName ``libraryPane``).

    Children: ``libraryCount`` (label), ``librarySearch`` (filters as you type; Esc clears),
    ``libraryMoodButton`` (its menu holds ``libraryMoodMap``: a click on the map puts a
    "mood:V,A" word in the search, ``libraryMoodClear`` takes it out),
    ``libraryView`` (the table), ``addFolderButton``, ``rescanButton``, ``libraryStatus``,
    ``libraryProgress``, ``libraryCancelButton`` and ``libraryProblemsButton`` ("show"). The
    table's context menu holds the actions ``libraryPlay``, ``libraryOpen``, ``librarySimilar``,
    ``libraryLike``, ``libraryDislike``, ``libraryReveal``, ``libraryCopyPath`` and
    ``libraryRemove``; its header's, one checkable ``libraryColumn_<name>`` per column.

    Signals carry track ids: ``currentTrackChanged(id)`` (-1 for none), ``playRequested(id)``
    (double-click, Enter, "Play"), ``openRequested(id)``, ``similarRequested(id)``,
    ``reactionRequested(id, "like" | "dislike")`` (the menu, or a click on the ♥ cell of a
    track not liked yet), ``removeRequested(ids)`` (after a confirmation), ``addFolderRequested``,
    ``rescanRequested``, ``cancelRequested`` (✕ beside the indexing progress) and
    ``foldersDropped(paths)`` (folders and MIDI files dropped on the pane).
    """

    currentTrackChanged = Signal(int)
    playRequested = Signal(int)
    openRequested = Signal(int)
    similarRequested = Signal(int)
    reactionRequested = Signal(int, str)
    removeRequested = Signal(list)
    addFolderRequested = Signal()
    rescanRequested = Signal()
    cancelRequested = Signal()
    foldersDropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty pane; the library arrives with ``set_rows``."""
        super().__init__(parent)
        self.setObjectName("libraryPane")
        self.setAcceptDrops(True)
        self.model = LibraryModel(self)
        self._current_id = -1
        self._problems: list[tuple[str, str]] = []
        self._indexing = False

        self._count = QLabel("", objectName="libraryCount")
        self.search = QLineEdit(objectName="librarySearch", placeholderText=SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.installEventFilter(self)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.mood_map = MoodMap(regions=True)
        self.mood_map.setObjectName("libraryMoodMap")
        self.mood_map.setToolTip("Click a mood: the tracks near it are shown; drag: the tracks "
                                 "in that rectangle; Delete clears it")  # fmt: skip
        self.mood_map.setFixedSize(200, 120)
        self.mood_map.moodChanged.connect(self._mood_picked)
        self.mood_button = QToolButton(objectName="libraryMoodButton", text="Mood")
        self.mood_button.setToolTip("Show the tracks of a mood, picked on a map")
        self.mood_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.mood_button)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.mood_map)
        menu.addAction(holder)
        clear = menu.addAction("Any mood")
        clear.setObjectName("libraryMoodClear")
        clear.triggered.connect(lambda: self.mood_map.set_mood(None))
        self.mood_button.setMenu(menu)
        self.view = self._make_view()
        self._selection = LibrarySelection(self.view, self.model)
        self.add_button = self._link_button(
            "+ Add folder…", "addFolderButton", "Add a folder of MIDI files to the library"
        )
        self.rescan_button = self._link_button(
            "⟳ Rescan", "rescanButton", "Look for new, changed and vanished files"
        )
        self.add_button.clicked.connect(self.addFolderRequested)
        self.rescan_button.clicked.connect(self.rescanRequested)
        self._status = QLabel("", objectName="libraryStatus")
        self._status.setMinimumWidth(1)  # a long message is cut, the pane does not widen
        self._status.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self._progress = QProgressBar(objectName="libraryProgress", textVisible=False)
        self._progress.setMaximumHeight(6)
        self._cancel = self._link_button("✕", "libraryCancelButton", "Stop indexing")
        self._cancel.clicked.connect(self.cancelRequested)
        self._problems_button = self._link_button(
            "show", "libraryProblemsButton", "The files that could not be read, and why"
        )
        self._problems_button.clicked.connect(self.open_problems)
        self._layout()
        self._make_actions()
        self.model.modelAboutToBeReset.connect(self._selection.remember)
        self.model.modelReset.connect(self._restore)
        self.view.selectionModel().currentRowChanged.connect(lambda *_: self._sync_current())
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._enable_actions())
        self.show_idle()
        self._show_count()

    # -- building -------------------------------------------------------------------------------

    def _make_view(self) -> QTableView:
        view = QTableView(self, objectName="libraryView")
        view.setModel(self.model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setCornerButtonEnabled(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        rows = view.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # fixed: 100k rows stay cheap
        rows.setDefaultSectionSize(view.fontMetrics().height() + 8)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(view.fontMetrics().horizontalAdvance("♥♥"))
        size_columns(view)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)  # a header click calls model.sort: the order comes later
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._track_menu)
        view.doubleClicked.connect(self._double_clicked)
        view.clicked.connect(self._clicked)
        view.installEventFilter(self)
        view.setToolTip("Double-click or Enter: play · Right-click: more")
        return view

    def _link_button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self, objectName=name, toolTip=tip, flat=True)
        button.setStyleSheet(_LINK_STYLE)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        return button

    def _layout(self) -> None:
        title = QLabel("LIBRARY", self)
        title.setStyleSheet("font-weight: bold; color: palette(placeholder-text);")
        self._count.setStyleSheet("color: palette(placeholder-text);")
        top = QHBoxLayout()
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self._count)
        bottom = QHBoxLayout()
        bottom.addWidget(self.add_button)
        bottom.addWidget(self.rescan_button)
        bottom.addStretch(1)
        status = QHBoxLayout()
        status.addWidget(self._status)
        status.addWidget(self._problems_button)
        status.addStretch(1)
        status.addWidget(self._cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(top)
        search_row = QHBoxLayout()
        search_row.setSpacing(4)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.mood_button)
        layout.addLayout(search_row)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        layout.addWidget(self._progress)
        layout.addLayout(status)

    def _mood_picked(self, point: tuple[float, ...] | None) -> None:
        """Put the picked mood (a point or a region) into the search box as its word (or take
        it out)."""
        self.search.setText(with_mood_token(self.search.text(), point))
        self.mood_button.setText("Mood" if point is None else "Mood ●")

    def _make_actions(self) -> None:
        def action(name: str, text: str, slot) -> QAction:
            made = QAction(text, self, objectName=name)
            made.triggered.connect(slot)
            return made

        def with_current(signal):
            return lambda: self._emit_current(signal)

        self.track_actions = [
            action("libraryPlay", "▶ Play", with_current(self.playRequested)),
            action("libraryOpen", "Open in editor", with_current(self.openRequested)),
            action("librarySimilar", "Show similar", with_current(self.similarRequested)),
            action("libraryLike", "♥ Like", lambda: self._react("like")),
            action("libraryDislike", "✕ Dislike", lambda: self._react("dislike")),
            action("libraryReveal", "Reveal in file manager", self.reveal_current),
            action("libraryCopyPath", "Copy path", self.copy_paths),
            action("libraryRemove", "Remove from library…", self.confirm_remove),
        ]
        self.columns = ColumnChooser(self.view, self)
        self.column_actions = self.columns.actions
        self._enable_actions()

    # -- public API -----------------------------------------------------------------------------

    def set_rows(self, rows: Rows) -> None:
        """Show a new library snapshot (``LibraryRows``) once its order is computed (off the GUI
        thread, with the current search and sort); the selection and scroll position stay."""
        self.model.request(rows)

    def rows(self) -> Rows | None:
        """The snapshot shown (None before the first one is shown)."""
        return self.model.rows()

    def current_track(self) -> int | None:
        """The id of the current (focused) track, None when there is none."""
        return self._selection.current_track()

    def selected_tracks(self) -> list[int]:
        """The ids of the selected tracks, top to bottom."""
        return self._selection.selected_tracks()

    def select_track(self, track_id: int) -> None:
        """Make ``track_id`` the current and only selected track and scroll to it; a search that
        hides it is cleared first (it is selected when the new order arrives)."""
        row = self.model.view_row_of(track_id)
        if row is not None:
            self._selection.select_rows([row], row)
            self.view.scrollTo(self.model.index(row, 0),
                               QAbstractItemView.ScrollHint.PositionAtCenter)  # fmt: skip
            return
        self._selection.select_after_reset(track_id)
        if self.search.text():
            self.search.clear()
            self._apply_search()

    def show_progress(self, done: int, total: int, message: str = "") -> None:
        """Indexing is under way: "Indexing… 1,204 / 2,003" and a bar (busy when ``total`` is 0);
        ``message`` (e.g. "85 files/s") follows the count."""
        self._indexing = True
        self._progress.setRange(0, max(total, 0))
        self._progress.setValue(min(done, total) if total > 0 else 0)
        self._progress.show()
        self._cancel.show()
        self.rescan_button.setEnabled(False)
        text = f"Indexing… {done:,} / {total:,}" if total > 0 else "Indexing…"
        self._status.setText(f"{text} · {message}" if message else text)
        self._problems_button.hide()

    def show_idle(self) -> None:
        """Indexing has ended: the bar goes; the unread files (if any) are mentioned."""
        self._indexing = False
        self._progress.hide()
        self._cancel.hide()
        self.rescan_button.setEnabled(True)
        self._show_status()

    def show_problems(self, skipped: Sequence[tuple[str, str]]) -> None:
        """The files the last indexing could not read, as (path, reason): "12 files could not be
        read — show" ("show" opens ``indexProblemsDialog``); an empty list clears it."""
        self._problems = [(str(path), str(reason)) for path, reason in skipped]
        if not self._indexing:
            self._show_status()

    def problems(self) -> list[tuple[str, str]]:
        """The unread files last given to ``show_problems``."""
        return list(self._problems)

    def open_problems(self) -> IndexProblemsDialog:
        """Open (not modal to the app) the list of unread files with their reasons."""
        dialog = IndexProblemsDialog(self._problems, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    # -- what the actions do --------------------------------------------------------------------

    def reveal_current(self) -> None:
        """Open the current track's folder in the file manager."""
        path = self._current_path()
        if path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))

    def copy_paths(self) -> None:
        """Put the selected tracks' paths on the clipboard (as text, one a line, and as file
        URLs for a file manager or a DAW)."""
        rows = self.model.rows()
        ids = self.selected_tracks()
        if rows is None or not ids:
            return
        paths = [rows.display_path[rows.row_of(i)] for i in ids]
        data = QMimeData()
        data.setText("\n".join(paths))
        data.setUrls([QUrl.fromLocalFile(p) for p in paths])
        QGuiApplication.clipboard().setMimeData(data)

    def confirm_remove(self) -> QMessageBox | None:
        """Ask (without blocking) whether to remove the selected tracks from the library; yes
        emits ``removeRequested(ids)``. Returns the question box (objectName
        ``libraryRemoveConfirm``)."""
        ids = self.selected_tracks()
        if not ids:
            return None
        what = self._title_of(ids[0]) if len(ids) == 1 else plural(len(ids), "track")
        box = QMessageBox(QMessageBox.Icon.Question, "Remove from library",
                          f"Remove {what} from the library?", parent=self)  # fmt: skip
        box.setObjectName("libraryRemoveConfirm")
        box.setInformativeText(
            "The files stay on disk: adding their folder again brings the"
            " tracks back. Your likes and plays of them are forgotten."
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.AcceptRole)
        remove.setObjectName("libraryRemoveYes")
        box.addButton(QMessageBox.StandardButton.Cancel)
        remove.clicked.connect(lambda: self.removeRequested.emit(ids))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _react(self, kind: str) -> None:
        track_id = self.current_track()
        if track_id is not None:
            self.reactionRequested.emit(track_id, kind)

    def _emit_current(self, signal) -> None:
        track_id = self.current_track()
        if track_id is not None:
            signal.emit(track_id)

    def _current_path(self) -> str | None:
        rows, track_id = self.model.rows(), self.current_track()
        if rows is None or track_id is None:
            return None
        return rows.display_path[rows.row_of(track_id)]

    def _title_of(self, track_id: int) -> str:
        rows = self.model.rows()
        row = rows.row_of(track_id) if rows is not None else None
        return f"“{rows.text(row, 'title')}”" if row is not None else "1 track"

    # -- input ----------------------------------------------------------------------------------

    def _double_clicked(self, index: QModelIndex) -> None:
        if COLUMNS[index.column()] != "reaction":  # the ♥ cell likes (on the first click)
            track_id = self.model.track_id(index.row())
            if track_id is not None:
                self.playRequested.emit(track_id)

    def _clicked(self, index: QModelIndex) -> None:
        rows = self.model.rows()
        if COLUMNS[index.column()] != "reaction" or rows is None:
            return
        row = self.model.data_row(index.row())
        if rows.reaction[row] <= 0:  # a like is undone by a dislike (the menu), not a click
            self.reactionRequested.emit(int(rows.ids[row]), "like")

    def _track_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid() and not self.view.selectionModel().isRowSelected(index.row()):
            self._selection.select_rows([index.row()], index.row())
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        for position, action in enumerate(self.track_actions):
            if position in (3, 5, 7):
                menu.addSeparator()
            menu.addAction(action)
        menu.popup(self.view.viewport().mapToGlobal(point))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Esc in the search box clears it; Enter in the table plays the current track and
        Delete asks to remove the selected ones (claimed before the window's shortcuts)."""
        if not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)  # fmt: skip
        key = event.key()
        if watched is self.search and key == Qt.Key.Key_Escape and self.search.text():
            if event.type() == QEvent.Type.KeyPress:
                self.search.clear()
                self._apply_search()
            event.accept()
            return True
        if watched is self.view and plain and key in (*_PLAY_KEYS, *_REMOVE_KEYS):
            if self.current_track() is None:
                return False
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                if key in _PLAY_KEYS:
                    self._emit_current(self.playRequested)
                else:
                    self.confirm_remove()
                return True
        return super().eventFilter(watched, event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept folders and MIDI files from a file manager."""
        if _dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Emit ``foldersDropped`` with the dropped folders and MIDI files."""
        paths = _dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.foldersDropped.emit(paths)

    # -- after a reset --------------------------------------------------------------------------

    def _restore(self) -> None:
        self._selection.restore()  # selection, current track and scroll as before the reset
        self._sync_current()
        self._show_count()
        self._show_status()

    def _sync_current(self) -> None:
        track_id = self.current_track()
        track_id = -1 if track_id is None else track_id
        if track_id != self._current_id:
            self._current_id = track_id
            self.currentTrackChanged.emit(track_id)
        self._enable_actions()

    def _enable_actions(self) -> None:
        has_current = self.current_track() is not None
        for action in self.track_actions:
            action.setEnabled(has_current)
        self.track_actions[-1].setEnabled(self.view.selectionModel().hasSelection())

    def _apply_search(self) -> None:
        self._search_timer.stop()
        text = self.search.text().strip()
        if self.mood_map.picked() is not None and not any(map(_MOOD_WORD.fullmatch, text.split())):
            self.mood_map.blockSignals(True)  # the word was typed away: the map follows
            self.mood_map.set_mood(None)
            self.mood_map.blockSignals(False)
            self.mood_button.setText("Mood")
        self.model.request(query=text)

    def _show_count(self) -> None:
        rows, shown = self.model.rows(), self.model.rowCount()
        total = len(rows) if rows is not None else 0
        if rows is None:
            self._count.setText("")
        elif self.model.query()[0] and shown != total:
            self._count.setText(f"{shown:,} of {total:,}")
        else:
            self._count.setText(plural(total, "track"))

    def _show_status(self) -> None:
        if self._indexing:
            return
        rows = self.model.rows()
        self._problems_button.setVisible(bool(self._problems))
        if self._problems:
            self._status.setText(f"{plural(len(self._problems), 'file')} could not be read —")
        elif rows is not None and len(rows) == 0:
            self._status.setText("No tracks yet: add a folder of MIDI files, or drop one here.")
        elif rows is not None and self.model.rowCount() == 0:
            self._status.setText("No track matches the search.")
        else:
            self._status.setText("")


def _dropped_paths(data: QMimeData) -> list[str]:
    """The local folders and MIDI files among dropped URLs."""
    paths = [url.toLocalFile() for url in data.urls() if url.isLocalFile()] if data else []
    return [p for p in paths
            if os.path.isdir(p) or Path(p).suffix.lower() in MIDI_SUFFIXES]  # fmt: skip
