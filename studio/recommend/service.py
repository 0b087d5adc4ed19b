"""Recommendations from a catalog: the ranker (``ranker.py``) fed from the database.

``RecommendService`` holds the library's track table (reloaded when the music changes, not on
each piece of feedback), every profile's events, and one kept taste model per profile. Recording
feedback through it stores the event and updates that profile's taste model incrementally, so
the next recommendations already reflect it; a new process (the command line) fits the model on the
profile's events instead, which gives the same kind of result.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from studio.core.errors import InvalidInput
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.ranked import RankedTrack
from studio.recommend.ranker import Recommender
from studio.recommend.taste import TasteModel, TrackTable

VectorTransform = Callable[[np.ndarray, np.ndarray | None], np.ndarray]
"""Maps the library's track vectors (tracks × dims) and musical traits (tracks × traits, NaN
rows where a track has none) to the vectors to rank with."""


class RecommendService:
    """ "For you" recommendations from one catalog, with the vectors of one embedder's model;
    ``spread`` (the similarity package's centring and whitening, handed in by the engine) maps
    the library's vectors before ranking, so that closeness means what it does in "similar
    tracks"."""

    def __init__(
        self, catalog: Catalog, model_version: str, spread: VectorTransform | None = None
    ) -> None:
        self.catalog = catalog
        self.model_version = model_version
        self.spread = spread
        self._marker: int | None = None
        self._recommender: Recommender | None = None
        self._tastes: dict[str, TasteModel] = {}
        self._feedback_seen: tuple[int, int] | None = None  # feedback.marker when last fitted

    @property
    def table(self) -> TrackTable:
        """The library as arrays (reloaded when tracks or vectors changed)."""
        return self._current().table

    def _current(self) -> Recommender:
        marker = self.catalog.change_marker()
        if marker != self._marker or self._recommender is None:
            self._recommender = Recommender(
                track_table(self.catalog, self.model_version, self.spread)
            )
            self._tastes.clear()  # rows and features changed: refit on the next request
            self._marker = marker
        return self._recommender

    def recommend(
        self,
        profile: str,
        *,
        top: int = 10,
        seed_track: int | None = None,
        content_only: bool = False,
        now: float | None = None,
    ) -> list[RankedTrack]:
        """The ``top`` recommendations for ``profile`` ("like ``seed_track``, for you" with one)."""
        names = feedback.profile_names(self.catalog)
        if profile not in names:
            raise InvalidInput(
                f"no profile {profile!r} in this library (see `studio profile list`)"
            )
        recommender = self._current()
        if len(recommender.table) == 0:
            return []
        if seed_track is not None and not _in_table(recommender.table, seed_track):
            raise InvalidInput(
                f"track {seed_track} has no vectors in this library (not indexed, or its "
                "file is missing)"
            )
        seen = feedback.marker(self.catalog)
        if seen != self._feedback_seen:  # another process recorded feedback: refit
            self._tastes.clear()
            self._feedback_seen = seen
        events = {name: feedback.events(self.catalog, name) for name in names}
        now = now if now is not None else time.time()
        if content_only:
            found = recommender.content_only(events, profile, top=top, seed=seed_track, now=now)
        else:
            taste = self._taste(profile, events[profile])
            found = recommender.recommend(
                events, profile, top=top, seed=seed_track, now=now, taste=taste
            )
        return [r.with_track(self.catalog.get(r.track_id)) for r in found]

    def record_feedback(
        self,
        track_id: int,
        kind: str,
        *,
        profile: str,
        value: float | None = None,
        at: float | None = None,
    ) -> feedback.FeedbackEvent:
        """Store one feedback event (that happened ``at``, default now) and update the
        profile's taste model at once."""
        event = feedback.record(self.catalog, track_id, kind, profile=profile, value=value, at=at)
        recommender = self._current()
        if profile in self._tastes and _in_table(recommender.table, track_id):
            self._tastes[profile].update(recommender.table, event)
        if self._feedback_seen is not None:  # our own event is learnt already: no refit
            self._feedback_seen = feedback.marker(self.catalog)
        return event

    def _taste(self, profile: str, events) -> TasteModel | None:
        if not events:
            return None
        if profile not in self._tastes:
            table = self._current().table
            rows = table.rows(e.track_id for e in events)
            usable = [e for e, row in zip(events, rows, strict=True) if row >= 0]
            if not usable:
                return None
            self._tastes[profile] = TasteModel(table.dims).fit(table, usable)
        return self._tastes[profile]


def _in_table(table: TrackTable, track_id: int) -> bool:
    return bool(table.rows([track_id])[0] >= 0)


def track_table(
    catalog: Catalog, model_version: str, spread: VectorTransform | None = None
) -> TrackTable:
    """Every track with vectors from ``model_version`` as a ``TrackTable`` (the vectors mapped by
    ``spread`` when given, with the tracks' musical traits)."""
    ids, vectors, traits = [], [], []
    for stored in catalog.embeddings(model_version):
        ids.append(stored.track_id)
        vectors.append(stored.vector)
        traits.append(stored.traits)
    rows = {
        row["id"]: row
        for row in catalog.execute(
            "SELECT id, title, tempo, density, valence, arousal FROM tracks WHERE status = 'ok'"
        )
    }
    kept = [i for i in range(len(ids)) if ids[i] in rows]
    ids = [ids[i] for i in kept]
    dims = len(vectors[0]) if vectors else 1
    matrix = np.stack([vectors[i] for i in kept]) if kept else np.zeros((0, dims), np.float32)
    width = max((len(t) for t in traits if t is not None), default=0)
    known = [traits[i] if traits[i] is not None else np.full(width, np.nan) for i in kept]
    trait_rows = np.stack(known) if width and kept else None
    if spread is not None and kept:
        matrix = spread(matrix, trait_rows)

    def number(value) -> float:
        return float(value) if value is not None else float("nan")

    return TrackTable(
        np.asarray(ids, dtype=np.int64),
        matrix,
        np.array([number(rows[i]["tempo"]) for i in ids]),
        np.array([number(rows[i]["density"]) for i in ids]),
        [rows[i]["title"] or "" for i in ids],
        trait_rows,
        np.array([[number(rows[i]["valence"]), number(rows[i]["arousal"])] for i in ids]).reshape(
            -1, 2
        ),
    )
