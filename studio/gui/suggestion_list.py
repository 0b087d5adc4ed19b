"""A list of ranked library tracks (the "Similar" and "For you" tabs), one card per track.

``SuggestionList`` is the view: it shows a ``RankedTrackModel`` (``studio.gui.suggestion_model``)
through a ``SuggestionDelegate`` (``studio.gui.suggestion_card``), keeps selection and scroll
when the results refresh, and turns clicks, keys and its context menu into track-id signals
(``LIST_SIGNALS``), which the panes repeat as their own (``forward_signals``). The clickable
areas of a card, ``PLAY``, ``LIKE``, ``DISLIKE`` and ``PASSAGE``, are importable from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QWidget

from studio.gui.suggestion_card import DISLIKE, LIKE, PASSAGE, PLAY, SuggestionDelegate
from studio.gui.suggestion_model import (
    PASSAGE_ROLE,
    REASONS_ROLE,
    Ranked,
    RankedTrackModel,
    start_beats,
)

__all__ = [
    "DISLIKE",
    "LIKE",
    "LIST_SIGNALS",
    "PASSAGE",
    "PLAY",
    "SuggestionList",
    "SuggestionPane",
    "forward_signals",
]


class SuggestionList(QListView):
    """Ranked library tracks as cards (the Similar and For-you lists; ≤ 50 rows).

    Signals (track ids): ``playRequested(track_id, start_beats)`` (▶, Space or "Play";
    ``start_beats`` is the matching passage's first beat, else 0), ``stopRequested()`` (■, or
    Space on the track that plays), ``reactionRequested(track_id, "like" | "dislike")`` (♥ / ✕,
    shown at once; a click on a filled ♥ or ✕ does nothing), ``openRequested(track_id)``
    (double-click, Enter or "Open in editor"), ``moreLikeThisRequested(track_id)`` ("More like
    this"), ``showPassageRequested(track_id)`` (a click on the passage reason, or "Show matching
    bars").
    """

    playRequested = Signal(int, float)
    stopRequested = Signal()
    reactionRequested = Signal(int, str)
    openRequested = Signal(int)
    moreLikeThisRequested = Signal(int)
    showPassageRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty list."""
        super().__init__(parent)
        self.setModel(RankedTrackModel(self))
        self.delegate = SuggestionDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setUniformItemSizes(True)
        self.setSpacing(1)
        self.setMouseTracking(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._hover: tuple[QPersistentModelIndex, str] | None = None
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.play_action = self._action("suggestionPlay", "▶ Play", self._play_current)
        self.open_action = self._action("suggestionOpen", "Open in editor", self._emit(
            self.openRequested))  # fmt: skip
        self.passage_action = self._action("suggestionShowPassage", "Show matching bars",
                                           self._emit(self.showPassageRequested))  # fmt: skip
        self.more_action = self._action("suggestionMoreLikeThis", "More like this", self._emit(
            self.moreLikeThisRequested))  # fmt: skip
        self.like_action = self._action("suggestionLike", "♥ Like",
                                        lambda: self._react_current(LIKE))  # fmt: skip
        self.dislike_action = self._action("suggestionDislike", "✕ Dislike",
                                           lambda: self._react_current(DISLIKE))  # fmt: skip
        self.selectionModel().currentChanged.connect(self._update_actions)
        self.model().modelReset.connect(self._update_actions)
        self._update_actions()

    def _action(self, name: str, text: str, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _emit(self, signal):
        return lambda: self._with_current(signal.emit)

    # -- content -----------------------------------------------------------------------------

    def model(self) -> RankedTrackModel:  # narrowed for type checkers and readers
        """The rows' model."""
        return super().model()  # type: ignore[return-value]

    def set_results(self, ranked: Sequence[Ranked],
                    reactions: Mapping[int, int] | None = None) -> None:  # fmt: skip
        """Show ``ranked`` (best first). ``reactions`` ({track id: +1 / -1}) replaces the
        reactions shown; None keeps those known. When the same tracks come back (the list
        refreshes after each reaction) the selection and the scroll position stay; when some
        changed, the selected tracks that are still listed stay selected and the track at the
        top of the view stays where it was."""
        model = self.model()
        if [r.track_id for r in ranked] == model.ids():
            model.set_rows(ranked, reactions)
            return
        selected = {self.model().ranked(i.row()).track_id for i in self.selectedIndexes()}
        current = self.current_track_id()
        top = self.indexAt(QPoint(4, 4))
        anchor = (model.ranked(top.row()).track_id, self.visualRect(top).top()) \
            if top.isValid() else None  # fmt: skip
        scroll = self.verticalScrollBar().value()
        model.set_rows(ranked, reactions)
        self.doItemsLayout()
        for track_id in selected:
            row = model.row_of(track_id)
            if row >= 0:
                self.selectionModel().select(
                    model.index(row), QItemSelectionModel.SelectionFlag.Select
                )
        if current is not None and model.row_of(current) >= 0:
            self.selectionModel().setCurrentIndex(
                model.index(model.row_of(current)), QItemSelectionModel.SelectionFlag.NoUpdate
            )
        bar = self.verticalScrollBar()
        row = model.row_of(anchor[0]) if anchor is not None else -1
        if row >= 0:
            bar.setValue(bar.value() + self.visualRect(model.index(row)).top() - anchor[1])
        else:
            bar.setValue(min(scroll, bar.maximum()))

    def set_playing(self, track_id: int | None) -> None:
        """Show ■ on ``track_id``'s row while it plays (None: no row plays)."""
        self.model().set_playing(track_id)

    def set_reaction(self, track_id: int, reaction: int) -> None:
        """Show ``track_id`` as liked (+1), disliked (-1) or neither (0)."""
        self.model().set_reaction(track_id, reaction)

    def track_id(self, row: int) -> int:
        """The track id of ``row`` (``IndexError`` if there is none)."""
        return self.model().ranked(row).track_id

    def ranked(self, row: int) -> Ranked:
        """The ranked track of ``row`` (``IndexError`` if there is none)."""
        return self.model().ranked(row)

    def current_track_id(self) -> int | None:
        """The current row's track id, or None."""
        row = self.currentIndex().row()
        return self.track_id(row) if 0 <= row < self.model().rowCount() else None

    def selected_track_ids(self) -> list[int]:
        """The selected tracks' ids, top to bottom."""
        return [self.track_id(i.row()) for i in sorted(self.selectedIndexes(), key=QModelIndex.row)]

    # -- geometry for tests and automation ----------------------------------------------------

    def row_center(self, row: int) -> QPoint:
        """The centre of row ``row`` on the viewport (on the card, off its buttons)."""
        rect = self.visualRect(self.model().index(row))
        return QPoint(rect.left() + rect.width() // 3, rect.center().y())

    def button_center(self, row: int, area: str) -> QPoint:
        """The centre of row ``row``'s ``PLAY``, ``LIKE`` or ``DISLIKE`` button (viewport)."""
        return SuggestionDelegate.button_rect(self.visualRect(self.model().index(row)),
                                              area).center()  # fmt: skip

    def passage_center(self, row: int) -> QPoint | None:
        """The centre of row ``row``'s passage reason (viewport), or None when it has none."""
        index = self.model().index(row)
        passage = index.data(PASSAGE_ROLE)
        segments = self.delegate.reason_segments(self.visualRect(index), self.font(),
                                                 index.data(REASONS_ROLE))  # fmt: skip
        return segments[passage][1].center() if 0 <= passage < len(segments) else None

    # -- actions -----------------------------------------------------------------------------

    def activate(self, row: int, area: str) -> None:
        """What a click on a card's ``area`` does (``PLAY``, ``LIKE``, ``DISLIKE``,
        ``PASSAGE``)."""
        ranked = self.model().ranked(row)
        track_id = ranked.track_id
        if area == PLAY:
            if self.model().playing() == track_id:
                self.stopRequested.emit()
            else:
                self.playRequested.emit(track_id, start_beats(ranked))
        elif area in (LIKE, DISLIKE):
            self._react(track_id, area)
        elif area == PASSAGE:
            self.setCurrentIndex(self.model().index(row))
            self.showPassageRequested.emit(track_id)

    def _react(self, track_id: int, kind: str) -> None:
        wanted = 1 if kind == LIKE else -1
        if self.model().reaction(track_id) == wanted:
            return  # liking twice would count twice: the filled ♥ / ✕ only says so
        self.set_reaction(track_id, wanted)  # shown at once; the list refreshes after
        self.reactionRequested.emit(track_id, kind)

    def _with_current(self, slot) -> None:
        track_id = self.current_track_id()
        if track_id is not None:
            slot(track_id)

    def _play_current(self) -> None:
        row = self.currentIndex().row()
        if 0 <= row < self.model().rowCount():
            self.activate(row, PLAY)

    def _react_current(self, kind: str) -> None:
        self._with_current(lambda track_id: self._react(track_id, kind))

    def _update_actions(self, *_args) -> None:
        row = self.currentIndex().row()
        has_row = 0 <= row < self.model().rowCount()
        for action in (self.play_action, self.open_action, self.more_action, self.like_action,
                       self.dislike_action):  # fmt: skip
            action.setEnabled(has_row)
        self.passage_action.setEnabled(has_row and self.model().ranked(row).match_beats is not None)

    # -- input -------------------------------------------------------------------------------

    def hover_area(self, index: QModelIndex) -> str:
        """The clickable area of ``index``'s card under the mouse ("" for none)."""
        if self._hover is None or self._hover[0] != QPersistentModelIndex(index):
            return ""
        return self._hover[1]

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Track the button under the mouse (it lights up; the link shows a hand)."""
        point = event.position().toPoint()
        index = self.indexAt(point)
        area = self.delegate.area_at(self.visualRect(index), point, index, self.font()) \
            if index.isValid() else ""  # fmt: skip
        hover = (QPersistentModelIndex(index), area) if area else None
        if hover != self._hover:
            self._hover = hover
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor if area == PASSAGE
                                      else Qt.CursorShape.ArrowCursor)  # fmt: skip
            self.viewport().update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        """Nothing is hovered any more."""
        if self._hover is not None:
            self._hover = None
            self.viewport().update()
        super().leaveEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """A double-click on a card opens its track (on a button it does only the button's
        job, once)."""
        point = event.position().toPoint()
        index = self.indexAt(point)
        on_area = index.isValid() and bool(
            self.delegate.area_at(self.visualRect(index), point, index, self.font())
        )
        super().mouseDoubleClickEvent(event)
        if index.isValid() and not on_area and event.button() == Qt.MouseButton.LeftButton:
            self.openRequested.emit(self.track_id(index.row()))

    def event(self, event: QEvent) -> bool:
        """Claim Space and Enter from the window's shortcuts while a row is current."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() in _KEYS
            and event.modifiers() == Qt.KeyboardModifier.NoModifier
            and self.current_track_id() is not None
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the current track in the editor; Space plays (or stops) it."""
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)  # fmt: skip
        if plain and event.key() in _KEYS and self.current_track_id() is not None:
            if event.key() == Qt.Key.Key_Space:
                self._play_current()
            else:
                self._with_current(self.openRequested.emit)
        else:
            super().keyPressEvent(event)


_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)
LIST_SIGNALS = ("playRequested", "stopRequested", "reactionRequested", "openRequested",
                "moreLikeThisRequested", "showPassageRequested")  # fmt: skip
"""The list's signals, which the panes repeat as their own."""


def forward_signals(source: SuggestionList, target: QWidget) -> None:
    """Re-emit each of ``source``'s ``LIST_SIGNALS`` as ``target``'s signal of that name."""
    for name in LIST_SIGNALS:
        getattr(source, name).connect(getattr(target, name))


class SuggestionPane(QWidget):
    """What the Similar and For-you panes share: a bold header (``header``) and a
    ``SuggestionList`` (``list``) whose ``LIST_SIGNALS`` the pane repeats as its own."""

    playRequested = Signal(int, float)
    stopRequested = Signal()
    reactionRequested = Signal(int, str)
    openRequested = Signal(int)
    moreLikeThisRequested = Signal(int)
    showPassageRequested = Signal(int)

    def __init__(
        self, title: str, header_name: str, list_name: str, parent: QWidget | None = None
    ) -> None:
        """The header ``title`` (objectName ``header_name``) and an empty list (``list_name``);
        the subclass lays them out."""
        super().__init__(parent)
        self.header = QLabel(title)
        self.header.setObjectName(header_name)
        self.header.setWordWrap(True)
        font = self.header.font()
        font.setBold(True)
        self.header.setFont(font)
        self.list = SuggestionList(self)
        self.list.setObjectName(list_name)
        forward_signals(self.list, self)
