"""The "Similar" tab: library tracks like the selected library track or the editor's melody.

The pane shows what the results are similar to, a "Like my melody" button, an "auto" check that
follows the editor's melody a moment after edits stop, a line saying what is going on (nothing
asked yet, searching, no library, an error in words) and the list of ranked tracks. It only asks
(``melodyRequested``) and shows; the window sends the requests to the worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui.suggestion_list import SuggestionPane
from studio.gui.suggestion_model import Ranked

AUTO_DELAY_MS = 1500
"""How long after the last edit the "auto" check asks for tracks like the melody."""
HINT = "Select a track in the library, or press Like my melody"
EMPTY = "No similar tracks: the library is empty — add a folder"
BUSY = "Finding similar tracks…"
MODES = {
    "passage": "Compared passage by passage (a short melody against every stretch of each track)",
    "track": "Compared as whole tracks (what each piece sounds like overall)",
}


class SimilarPane(SuggestionPane):
    """The Similar tab (objectName ``similarPane``; its list is ``similarList``).

    Signals: ``melodyRequested()`` (the "Like my melody" button, or "auto" after edits stop:
    the pane already shows "Similar to: my melody" and the busy line), and the list's own
    (``self.list``), repeated by the pane: ``playRequested(track_id, start_beats)``,
    ``stopRequested()``, ``reactionRequested(track_id, kind)``, ``openRequested(track_id)``,
    ``moreLikeThisRequested(track_id)``, ``showPassageRequested(track_id)``.
    """

    melodyRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """The pane with nothing asked yet ("auto" on)."""
        super().__init__("Similar tracks", "similarHeader", "similarList", parent)
        self.setObjectName("similarPane")
        self.melody_button = QPushButton("Like my melody")
        self.melody_button.setObjectName("likeMyMelodyButton")
        self.melody_button.setToolTip("Find library tracks like the melody in the editor")
        self.auto_check = QCheckBox("auto")
        self.auto_check.setObjectName("similarAutoCheck")
        self.auto_check.setChecked(True)
        self.auto_check.setToolTip("Follow the editor's melody a moment after edits stop")
        self.state = QLabel(HINT)
        self.state.setObjectName("similarState")
        self.state.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self.melody_button)
        buttons.addWidget(self.auto_check)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.header)
        layout.addLayout(buttons)
        layout.addWidget(self.state)
        layout.addWidget(self.list, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTO_DELAY_MS)
        self._timer.timeout.connect(self._auto_request)
        self.melody_button.clicked.connect(self._request_melody)
        self.auto_check.toggled.connect(self._auto_toggled)

    # -- what the window calls ----------------------------------------------------------------

    def show_for_track(self, title: str) -> None:
        """Say the results are similar to the library track ``title`` (a pending "auto"
        request for the melody is dropped: the user chose a track)."""
        self._timer.stop()
        self.header.setText(f"Similar to: {title}")

    def show_for_melody(self) -> None:
        """Say the results are similar to the editor's melody."""
        self.header.setText("Similar to: my melody")

    def set_results(self, ranked: Sequence[Ranked], mode: str = "",
                    reactions: Mapping[int, int] | None = None) -> None:  # fmt: skip
        """Show the ranked tracks of a ``SimilarResult`` (``mode``: "passage" or "track");
        ``reactions`` ({track id: +1 / -1}, None keeps those known) fill the ♥ / ✕."""
        self.list.set_results(ranked, reactions)
        self.header.setToolTip(MODES.get(mode, ""))
        self._say(EMPTY if not ranked else "")

    def show_busy(self) -> None:
        """Say a search is running (the results shown so far stay until the new ones come)."""
        self._say(BUSY)

    def show_error(self, text: str) -> None:
        """Show why the search failed, in words."""
        self._say(text, error=True)

    def auto_follows_melody(self) -> bool:
        """Whether edits of the melody ask for similar tracks by themselves."""
        return self.auto_check.isChecked()

    @Slot()
    def melody_edited(self) -> None:
        """The editor's melody changed: with "auto" on, ask for tracks like it once edits
        have stopped for ``AUTO_DELAY_MS`` (each edit restarts the wait)."""
        if self.auto_check.isChecked():
            self._timer.start()

    # -- inside ------------------------------------------------------------------------------

    def _say(self, text: str, *, error: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("color: #f87171;" if error else "")
        self.state.setVisible(bool(text))

    def _request_melody(self) -> None:
        self._timer.stop()
        self.show_for_melody()
        self.show_busy()
        self.melodyRequested.emit()

    def _auto_request(self) -> None:
        if self.auto_check.isChecked():
            self._request_melody()

    def _auto_toggled(self, on: bool) -> None:
        if not on:
            self._timer.stop()
