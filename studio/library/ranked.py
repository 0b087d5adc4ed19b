"""A ranked library track: what "similar tracks" and "for you" both return.

One type for every ranked list the app shows: the track, its score, the reasons to show, the
parts the score is made of (for recommendations: content, taste, collaborative, seed) and, when a
passage matched, where in the track it is (``match_beats``: first and last beat) and at what
pace it matched (``match_pace``: beats of the query per beat of the track).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from studio.core.errors import InvalidInput
from studio.core.music import TimeSignature
from studio.library.catalog import CatalogTrack


def beats_per_bar(time_signature: str | None) -> float:
    """Bar length in beats of a catalog time signature such as ``"6/8"`` (4 when unknown)."""
    try:
        return TimeSignature.parse(time_signature or "4/4").beats_per_bar
    except InvalidInput:
        return 4.0


@dataclass(frozen=True)
class RankedTrack:
    """One ranked library track.

    ``score`` is in cosine units (higher is closer); ``track`` is the catalog row, filled in by
    the service that read it (rankers that work on arrays leave it ``None``).
    """

    track_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    parts: dict[str, float] = field(default_factory=dict)
    match_beats: tuple[float, float] | None = None
    track: CatalogTrack | None = None
    match_pace: float = 1.0  # the passage matched the query this many times slower (or faster)

    def with_track(self, track: CatalogTrack | None) -> RankedTrack:
        """The same result with its catalog row."""
        return replace(self, track=track)

    @property
    def match_bars(self) -> tuple[int, int] | None:
        """``match_beats`` as bar numbers counted from 1 (first and last bar), or ``None``."""
        if self.match_beats is None:
            return None
        first, last = self.match_beats
        per_bar = beats_per_bar(self.track.time_signature if self.track else None)
        start = int(first // per_bar) + 1
        return start, max(start, math.ceil(last / per_bar))
