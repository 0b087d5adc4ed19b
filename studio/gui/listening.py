"""What listening to a library track tells the recommender: a play (with the fraction heard) or
a skip (with the seconds heard).

A ``Listening`` follows one library track from the moment it starts playing until it stops,
ends, or another song takes the player; ``finish`` then says which feedback event it was, the
way streaming players count them: moving on within ``SKIP_SECONDS`` is a skip, anything longer
(or hearing a short track to its end) is a play. Only time actually heard counts: positions are
summed while playing, so seeking ahead does not make a play. Pure Python: the window feeds it
the player's positions (seconds) and turns its answer into a ``feedback`` request.
"""

from __future__ import annotations

from dataclasses import dataclass

SKIP_SECONDS = 30.0
"""Moving on sooner than this (and before the end) is a skip."""
MAX_STEP_SECONDS = 1.0
"""A position step longer than this between two reports is a seek, not listening."""


@dataclass
class Listening:
    """One library track being heard. Times are in seconds of the track."""

    track_id: int
    duration: float
    heard: float = 0.0
    ended: bool = False
    _last: float | None = None

    def position(self, seconds: float) -> None:
        """The player is at ``seconds`` while playing: count the time since the last report
        (a jump, forward or back, counts nothing: the user seeked)."""
        if self._last is not None and 0.0 <= seconds - self._last <= MAX_STEP_SECONDS:
            self.heard += seconds - self._last
        self._last = seconds
        if self.duration > 0 and seconds >= self.duration - 0.05:
            self.ended = True

    def paused(self) -> None:
        """Playing stopped for now (the next position starts counting afresh)."""
        self._last = None

    def finish(self) -> tuple[str, float] | None:
        """The feedback event this listening was: ("skip", seconds heard) when it stopped
        within ``SKIP_SECONDS`` before the end, else ("play", fraction heard 0–1); None when
        nothing was heard at all (a click on play then stop at once is no opinion)."""
        if self.heard <= 0.0 and not self.ended:
            return None
        if not self.ended and self.heard < SKIP_SECONDS:
            return "skip", round(self.heard, 1)
        if self.duration <= 0:
            return "play", 1.0
        fraction = 1.0 if self.ended else self.heard / self.duration
        return "play", round(min(1.0, max(0.0, fraction)), 3)
