"""The "For you" tab: suggestions for the current profile, each with its reasons.

A header names the profile ("For you — Ana", or "… · like Niel Gow" after "More like this"), a
Refresh button asks again (and drops the seed), a cold-start hint says what to do while the
profile has few reactions, a line says what is going on (searching, nothing to suggest, an error
in words), and the list holds the suggestions. The pane only asks and shows; the window sends
the requests to the worker.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.gui.suggestion_list import SuggestionPane
from studio.gui.suggestion_model import Ranked, track_title

COLD_START_EVENTS = 3
"""Below this many events of the profile the pane says how to teach it."""
COLD_START = "Like a few tracks (♥) to teach it what you like"
EMPTY = ("Nothing to suggest: the library is empty, or you have reacted to every track in it"
         " — add a folder")  # fmt: skip
BUSY = "Finding suggestions…"


class ForYouPane(SuggestionPane):
    """The For-you tab (objectName ``forYouPane``; its list is ``forYouList``).

    Signals: ``refreshRequested()`` (the Refresh button: plain "for you" again), plus the
    list's own (``self.list``), repeated by the pane: ``playRequested(track_id,
    start_beats)``, ``stopRequested()``, ``reactionRequested(track_id, kind)``,
    ``openRequested(track_id)``, ``moreLikeThisRequested(track_id)`` (the pane then shows
    "like <title>" and ``seed_track()`` returns it until Refresh),
    ``showPassageRequested(track_id)``.
    """

    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        """The pane for no profile yet."""
        super().__init__("For you", "forYouHeader", "forYouList", parent)
        self.setObjectName("forYouPane")
        self._profile = ""
        self._seed: tuple[int, str] | None = None
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("forYouRefresh")
        self.refresh_button.setToolTip("Suggest again, for you (not like one track)")
        self.cold_start = QLabel(COLD_START)
        self.cold_start.setObjectName("forYouColdStart")
        self.cold_start.setWordWrap(True)
        self.cold_start.setStyleSheet(
            "QLabel { border: 1px solid palette(highlight); border-radius: 4px; padding: 6px; }"
        )
        self.cold_start.hide()
        self.state = QLabel("")
        self.state.setObjectName("forYouState")
        self.state.setWordWrap(True)
        self.state.hide()

        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.cold_start)
        layout.addWidget(self.state)
        layout.addWidget(self.list, 1)

        self.refresh_button.clicked.connect(self._refresh)
        self.list.moreLikeThisRequested.connect(self._seeded)

    # -- what the window calls ----------------------------------------------------------------

    def set_profile(self, name: str, events: int) -> None:
        """Show the suggestions as ``name``'s; with fewer than ``COLD_START_EVENTS`` events
        (reactions and plays) the pane says how to teach it."""
        if name != self._profile:
            self._seed = None
        self._profile = name
        self.cold_start.setVisible(events < COLD_START_EVENTS)
        self._update_header()

    def set_results(self, ranked: Sequence[Ranked],
                    reactions: Mapping[int, int] | None = None) -> None:  # fmt: skip
        """Show the suggestions (best first); ``reactions`` ({track id: +1 / -1}, None keeps
        those known) fill the ♥ / ✕. Selection and scroll stay when the same tracks come back."""
        self.list.set_results(ranked, reactions)
        self._say(EMPTY if not ranked else "")

    def show_busy(self) -> None:
        """Say suggestions are on their way (those shown stay until the new ones come)."""
        self._say(BUSY)

    def show_error(self, text: str) -> None:
        """Show why suggesting failed, in words."""
        self._say(text, error=True)

    def seed_track(self) -> int | None:
        """The track "More like this" asked for (the window passes it as ``seed_track`` when
        it refreshes after a reaction), or None for plain "for you"."""
        return self._seed[0] if self._seed is not None else None

    # -- inside ------------------------------------------------------------------------------

    def _update_header(self) -> None:
        text = f"For you — {self._profile}" if self._profile else "For you"
        if self._seed is not None:
            text += f" · like {self._seed[1]}"
        self.header.setText(text)

    def _say(self, text: str, *, error: bool = False) -> None:
        self.state.setText(text)
        self.state.setStyleSheet("color: #f87171;" if error else "")
        self.state.setVisible(bool(text))

    def _seeded(self, track_id: int) -> None:
        row = self.list.model().row_of(track_id)
        title = track_title(self.list.ranked(row)) if row >= 0 else f"track {track_id}"
        self._seed = (track_id, title)
        self._update_header()
        self.show_busy()

    def _refresh(self) -> None:
        self._seed = None
        self._update_header()
        self.show_busy()
        self.refreshRequested.emit()
