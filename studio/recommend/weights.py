"""Feedback as numbers: how much each like, play, skip or dislike counts, how it fades with age,
and which tracks a profile gave feedback on lately (numpy-free, plain Python)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from studio.library.feedback import FeedbackEvent

HALF_LIFE_SECONDS = 30 * 86_400.0
TRACK_WEIGHT_LIMIT = 2.0
HOLD_BACK_EVENTS = 20
HOLD_BACK_SECONDS = 86_400.0
VERBS = {"like": "liked", "play": "played", "added": "added", "exported": "exported"}
"""How a reason names the event behind it ("because you liked …")."""


def event_weight(kind: str, value: float = 1.0) -> float:
    """The weight of one event before ageing (see the module docstring); 0 for unknown kinds."""
    if kind == "like":
        return 1.0
    if kind == "dislike":
        return -1.0
    if kind in ("added", "exported"):
        return 0.8
    if kind == "play":
        heard = min(max(float(value), 0.0), 1.0)
        if heard >= 0.8:
            return 0.5
        return 0.5 * (heard - 0.3) / 0.5 if heard >= 0.3 else -0.3 * (1.0 - heard / 0.3)
    if kind == "skip":
        return -0.7 * (1.0 - min(max(float(value), 0.0), 30.0) / 30.0)
    return 0.0


def aged_weight(event: FeedbackEvent, now: float) -> float:
    """``event_weight`` halved for every ``HALF_LIFE_SECONDS`` that ``event`` is older than now."""
    age = max(now - float(event.at), 0.0)
    return event_weight(event.kind, event.value) * 0.5 ** (age / HALF_LIFE_SECONDS)


def track_weights(events: Iterable[FeedbackEvent], now: float) -> dict[int, float]:
    """Each track's summed aged event weight, clipped to ±``TRACK_WEIGHT_LIMIT``."""
    weights: dict[int, float] = {}
    for event in events:
        track = int(event.track_id)
        weights[track] = weights.get(track, 0.0) + aged_weight(event, now)
    return {t: min(max(w, -TRACK_WEIGHT_LIMIT), TRACK_WEIGHT_LIMIT) for t, w in weights.items()}


def held_back(events: Sequence[FeedbackEvent], now: float) -> set[int]:
    """Tracks not to recommend now: those of the last ``HOLD_BACK_EVENTS`` events, of events in the
    ``HOLD_BACK_SECONDS`` before ``now``, and those whose latest like/dislike is a dislike."""
    ordered = sorted(events, key=lambda e: e.at)
    tracks = {int(e.track_id) for e in ordered[-HOLD_BACK_EVENTS:]}
    tracks.update(int(e.track_id) for e in ordered if e.at >= now - HOLD_BACK_SECONDS)
    verdict: dict[int, str] = {}
    for event in ordered:
        if event.kind in ("like", "dislike"):
            verdict[int(event.track_id)] = event.kind
    tracks.update(t for t, kind in verdict.items() if kind == "dislike")
    return tracks


def latest_time(events_by_profile: Mapping[str, Sequence[FeedbackEvent]]) -> float:
    """The time of the newest event of any profile (0.0 when there are none)."""
    return max((float(e.at) for events in events_by_profile.values() for e in events), default=0.0)
