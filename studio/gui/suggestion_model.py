"""The rows of the "Similar" and "For you" lists: ``RankedTrackModel``, a list model over ranked
library tracks, with the profile's reactions and the playing track.

Each row exposes the track id as ``Qt.UserRole`` and the reasons as the tooltip (the window's
automation contract), plus the card's data under the ``*_ROLE`` roles below; the role table maps
each role to a small function (``track_title``, ``track_details``, ``passage_reason`` …).

The rows are ``RankedTrack`` objects of ``studio.library.ranked``; the GUI may not import that
layer, so this module reads them by duck typing (see ``Ranked``).

**The score bar.** Similar-track scores are cosines between the autoencoder's unit vectors
(1: the same direction, 0: unrelated; a passage match can round to a hair above 1); "for you"
scores are a blend in the same units (content + seed + taste + collaborative, see
``studio/recommend/ranker.py``) and can leave [0, 1]. The bar is the score clamped to [0, 1]
and drawn as a share of the full width: 0.87 fills 87 %. It is not a probability, and scores of
the two tabs are not comparable with each other; the number itself is in the bar's tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any, Protocol

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

REASON_SEPARATOR = " · "
"""Between a card's reasons, and between its details."""

TRACK_ID_ROLE = Qt.ItemDataRole.UserRole
REASONS_ROLE = Qt.ItemDataRole.UserRole + 1  # list[str]
SCORE_ROLE = Qt.ItemDataRole.UserRole + 2  # float, cosine units
START_ROLE = Qt.ItemDataRole.UserRole + 3  # float beats where ▶ starts
PASSAGE_ROLE = Qt.ItemDataRole.UserRole + 4  # int: index of the passage reason, -1 for none
REACTION_ROLE = Qt.ItemDataRole.UserRole + 5  # +1 liked, -1 disliked, 0 none
PLAYING_ROLE = Qt.ItemDataRole.UserRole + 6  # bool
DETAILS_ROLE = Qt.ItemDataRole.UserRole + 7  # "D minor · 104 BPM · 3:05"
MISSING_ROLE = Qt.ItemDataRole.UserRole + 8  # bool: the track's file is not usable
MOOD_ROLE = Qt.ItemDataRole.UserRole + 9  # (valence, arousal), or None when unknown


class Ranked(Protocol):
    """What this list reads of a ``RankedTrack`` (``track`` is a ``CatalogTrack`` or None)."""

    track_id: int
    score: float
    reasons: list[str]
    match_beats: tuple[float, float] | None
    track: Any


def track_title(ranked: Ranked) -> str:
    """The track's title, else its file name without extension, else "Track <id>"."""
    track = ranked.track
    if track is not None and track.title:
        return str(track.title)
    if track is not None and track.display_path:
        return PurePath(track.display_path).stem
    return f"Track {ranked.track_id}"


def track_details(ranked: Ranked) -> str:
    """What the card shows beside the title: "D minor · 104 BPM · 3:05" (what is known)."""
    track = ranked.track
    if track is None:
        return ""
    parts = []
    key = track.key_stated or track.key_estimated
    if key:
        parts.append(str(key))
    if track.tempo and math.isfinite(track.tempo):
        parts.append(f"{track.tempo:.0f} BPM")
    if track.duration_seconds and math.isfinite(track.duration_seconds):
        minutes, seconds = divmod(round(track.duration_seconds), 60)
        parts.append(f"{minutes}:{seconds:02d}")
    if track.status != "ok":
        parts.append(str(track.status))
    return REASON_SEPARATOR.join(parts)


def track_mood(ranked: Ranked) -> tuple[float, float] | None:
    """The track's mood (valence, arousal; ``core.mood``), or None when it has none."""
    valence = getattr(ranked.track, "valence", None)
    arousal = getattr(ranked.track, "arousal", None)
    if valence is None or arousal is None:
        return None
    return float(valence), float(arousal)


def passage_reason(ranked: Ranked) -> int:
    """The index of the reason that says where a passage matches ("… bars 9–13 …"), or -1
    when the track has no passage match."""
    if ranked.match_beats is None:
        return -1
    return next((i for i, reason in enumerate(ranked.reasons) if "bars " in reason), -1)


def start_beats(ranked: Ranked) -> float:
    """Where ▶ starts the track, beats: the matching passage's first beat, else 0."""
    return float(ranked.match_beats[0]) if ranked.match_beats is not None else 0.0


def bar_fraction(score: float) -> float:
    """The share of the score bar that is filled: ``score`` clamped to [0, 1] (see above)."""
    return min(1.0, max(0.0, float(score))) if math.isfinite(score) else 0.0


class RankedTrackModel(QAbstractListModel):
    """The rows: ranked tracks in order, with the profile's reactions and the playing track."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """No rows."""
        super().__init__(parent)
        self._rows: list[Ranked] = []
        self._reactions: dict[int, int] = {}
        self._playing: int | None = None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        """The number of tracks (a list has no children)."""
        return 0 if parent.isValid() else len(self._rows)

    def ids(self) -> list[int]:
        """The track ids, top to bottom."""
        return [ranked.track_id for ranked in self._rows]

    def ranked(self, row: int) -> Ranked:
        """The ranked track of ``row`` (``IndexError`` if there is none)."""
        if not 0 <= row < len(self._rows):
            raise IndexError(f"no track in row {row}")
        return self._rows[row]

    def row_of(self, track_id: int) -> int:
        """The row of ``track_id`` (-1 when it is not listed)."""
        return next((r for r, ranked in enumerate(self._rows) if ranked.track_id == track_id), -1)

    def reaction(self, track_id: int) -> int:
        """+1 liked, -1 disliked, 0 neither."""
        return self._reactions.get(track_id, 0)

    def playing(self) -> int | None:
        """The track id that plays, or None."""
        return self._playing

    def set_rows(self, ranked: Sequence[Ranked], reactions: Mapping[int, int] | None) -> None:
        """Show ``ranked``; ``reactions`` replaces the known reactions (None keeps them). The
        same ids in the same order only repaint (views keep selection and scroll)."""
        if reactions is not None:
            self._reactions = {int(k): int(v) for k, v in reactions.items() if v}
        ranked = list(ranked)
        if [r.track_id for r in ranked] == self.ids():
            self._rows = ranked
            self._changed(range(len(ranked)))
            return
        self.beginResetModel()
        self._rows = ranked
        self.endResetModel()

    def set_reaction(self, track_id: int, reaction: int) -> None:
        """Show ``track_id`` as liked (+1), disliked (-1) or neither (0)."""
        if reaction:
            self._reactions[track_id] = 1 if reaction > 0 else -1
        else:
            self._reactions.pop(track_id, None)
        self._changed([self.row_of(track_id)])

    def set_playing(self, track_id: int | None) -> None:
        """Show ■ on ``track_id``'s row (None: on no row)."""
        before, self._playing = self._playing, track_id
        self._changed([self.row_of(t) for t in (before, track_id) if t is not None])

    def _changed(self, rows) -> None:
        rows = [r for r in rows if r >= 0]
        if rows:
            self.dataChanged.emit(self.index(min(rows)), self.index(max(rows)))

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        """The row's title (DisplayRole), id (UserRole), reasons (tooltip) and card data."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        ranked = self._rows[index.row()]
        getter = _ROLES.get(role)
        return getter(self, ranked) if getter is not None else None


_ROLES = {
    Qt.ItemDataRole.DisplayRole: lambda m, r: track_title(r),
    Qt.ItemDataRole.ToolTipRole: lambda m, r: "\n".join(r.reasons),
    Qt.ItemDataRole.AccessibleTextRole: lambda m, r: ": ".join(
        (track_title(r), REASON_SEPARATOR.join(r.reasons))),
    TRACK_ID_ROLE: lambda m, r: int(r.track_id),
    REASONS_ROLE: lambda m, r: list(r.reasons),
    SCORE_ROLE: lambda m, r: float(r.score),
    START_ROLE: lambda m, r: start_beats(r),
    PASSAGE_ROLE: lambda m, r: passage_reason(r),
    REACTION_ROLE: lambda m, r: m.reaction(r.track_id),
    PLAYING_ROLE: lambda m, r: m.playing() == r.track_id,
    DETAILS_ROLE: lambda m, r: track_details(r),
    MISSING_ROLE: lambda m, r: r.track is not None and r.track.status != "ok",
    MOOD_ROLE: lambda m, r: track_mood(r),
}  # fmt: skip
