"""Track recommendations for a profile: "for you", or "similar to this, for you" (numpy only).

Inputs are plain data: a :class:`TrackTable` (one unit autoencoder vector per track, plus tempo
and density) and each profile's feedback events (anything with ``track_id``, ``kind``, ``value``
and ``at``; see :class:`FeedbackEvent`). Nothing here reads the database, Qt or torch.

**Feedback weights** (:func:`event_weight`): like +1, added to a project or exported +0.8,
dislike -1; a play of fraction ``f`` heard is +0.5 when ``f ≥ 0.8``, rises linearly from 0 at
``f = 0.3`` to +0.5 at ``f = 0.8``, and below 0.3 is a mild negative, -0.3 at ``f = 0`` up to 0
at 0.3; a skip
after ``s`` seconds is ``-0.7 · (1 - min(s, 30) / 30)``. An event's weight halves every 30 days
of age (``HALF_LIFE_SECONDS``) before ``now``; a track's weight is the sum over its events,
clipped to ±2. Positive tracks are "liked", negative ones "disliked".

**Parts** of a track's score, all linear in the track's features except the taste model:

- *content*: mean cosine to the liked tracks (weighted) minus mean cosine to the disliked ones.
  With nothing liked yet, the library's centre (the mean track vector) stands in for the liked
  tracks: the cold start ranks the most typical tracks first, and MMR spreads them out.
- *seed* (only with a seed track): cosine to the seed.
- *taste*: the profile's :class:`TasteModel` (a small MLP over the track's features).
- *collaborative*: other profiles weighted by the cosine between their track-weight vectors and
  this profile's (only positive similarities count); the score is their weighted mean of
  (mean cosine to their liked tracks + half of their own weight of this track, capped at 1).

**Blend.** With ``n`` events of this profile and ``β = n / (n + 10)``::

    score = c·content + seed + β·(1.0·taste' + 0.5·collaborative')

where ``c = 1`` without a seed and ``0.5·β`` with one, and ``taste'`` and ``collaborative'`` are
standardised over the library (mean 0) and scaled to the spread of the content + seed part, so
each is in the same units as a cosine. With no events (``β = 0``) only content or seed
similarity ranks, and the hybrid and :meth:`Recommender.content_only` rankings are identical:
both run the same code with the same numbers. Without events and without a seed the ranking is
closeness to the library's centre (deterministic; the same for every new profile).

**Ranking.** Two stages so that 100,000 tracks stay well under 20 ms: every track gets the linear
parts in one matrix-vector product (the taste model contributes its linear term); the best
``POOL`` (2,000) go to the full score, taste MLP included (exact when the library is no larger).
The best ``MMR_POOL`` (100, or ``top`` if more) by score are re-ranked by maximal marginal
relevance, each pick maximising ``0.7 · score - 0.3 · (highest cosine to a track already
picked)``. When the liked track and its copies are the best matches, MMR alone would still pick
every copy (the penalty then follows the relevance), so a track closer than cosine 0.995 to one
already picked (another file of the same piece) comes only after all the others. Held back:
the seed, ``exclude``, every track of this profile's last 20 events or of its events in the 24
hours before ``now``, and tracks whose latest like/dislike is a dislike. Ties go to the smaller
track id; ``now`` defaults to the newest event of any profile, so results are reproducible.

**Reasons** are stated only when true: "because you liked <title> (0.91)" (the liked track with
the highest cosine; "played", "added … to a project" or "exported" when that is the event),
"like <seed> (0.88)", "matches the tempo and density you play most" (both inside the
interquartile ranges of the profile's liked tracks, at least 4 of them with known values),
"people with similar taste liked it" (a similar profile liked it and the collaborative part
lifts it most), "typical of your library (0.93)" at a cold start, "new to you" (no event on it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.traits import shared_reason
from studio.library.feedback import FeedbackEvent
from studio.library.ranked import RankedTrack
from studio.recommend.serial_math import matmul, matvec
from studio.recommend.taste import TasteModel, TrackTable
from studio.recommend.weights import (
    VERBS,
    event_weight,
    held_back,
    latest_time,
    track_weights,
)

EVENTS_HALF = 10.0  # events at which taste and collaborative parts reach half weight
TASTE_WEIGHT = 1.0
COLLAB_WEIGHT = 0.5
CONTENT_WITH_SEED = 0.5
DIRECT_SHARE = 0.5  # weight of a similar profile's own liking of a track in its collab score
POOL = 2_000
MMR_POOL = 100
MMR_LAMBDA = 0.7
DUPLICATE_COSINE = 0.995  # closer than this to a picked track: another copy of the same piece
SAMPLE_ROWS = 2_048  # rows whose taste scores set the taste part's scale
MIN_FOR_RANGE = 4


@dataclass
class _Profile:
    """One profile's aggregated events: rows and weights of its known tracks."""

    weights: dict[int, float]
    rows: np.ndarray
    values: np.ndarray
    count: int
    best_kind: dict[int, str]


def popularity(
    table: TrackTable, events_by_profile: Mapping[str, Sequence[FeedbackEvent]]
) -> np.ndarray:
    """The number of positive events (weight > 0) on each track over all profiles, per row."""
    counts = np.zeros(len(table))
    tracks = [e.track_id for evs in events_by_profile.values() for e in evs
              if event_weight(e.kind, e.value) > 0]  # fmt: skip
    rows = table.rows(tracks)
    np.add.at(counts, rows[rows >= 0], 1)
    return counts


class Recommender:
    """Recommendations over one :class:`TrackTable` (see the module docstring for the blend)."""

    def __init__(self, table: TrackTable) -> None:
        self.table = table
        count = min(len(table), SAMPLE_ROWS)
        self._sample = np.unique(np.linspace(0, len(table) - 1, count).astype(np.int64))

    def recommend(
        self,
        events_by_profile: Mapping[str, Sequence[FeedbackEvent]],
        profile: str,
        *,
        top: int = 10,
        seed: int | None = None,
        now: float | None = None,
        exclude: Collection[int] = (),
        taste: TasteModel | None = None,
    ) -> list[RankedTrack]:
        """The ``top`` recommendations for ``profile``, best first (hybrid blend).

        ``seed`` is a track id for "similar to this, for you"; ``now`` (seconds since the
        epoch) defaults to the newest event of any profile. ``taste`` is the profile's kept
        model; without one, a model is fitted on the profile's events for this call.
        """
        return self._rank(events_by_profile, profile, top, seed, now, exclude, True, taste)

    def content_only(
        self,
        events_by_profile: Mapping[str, Sequence[FeedbackEvent]],
        profile: str,
        *,
        top: int = 10,
        seed: int | None = None,
        now: float | None = None,
        exclude: Collection[int] = (),
    ) -> list[RankedTrack]:
        """Like :meth:`recommend` with only the content and seed parts (and MMR)."""
        return self._rank(events_by_profile, profile, top, seed, now, exclude, False, None)

    # -- the steps ------------------------------------------------------------------------------

    def _profile(self, events: Sequence[FeedbackEvent], now: float) -> _Profile:
        weights = track_weights(events, now)
        tracks = list(weights)
        rows = self.table.rows(tracks)
        known = rows >= 0
        values = np.array([weights[t] for t in tracks])[known] if tracks else np.empty(0)
        best: dict[int, tuple[float, str]] = {}
        for event in events:
            weight = event_weight(event.kind, event.value)
            track = int(event.track_id)
            if event.kind in VERBS and weight > best.get(track, (0.0, ""))[0]:
                best[track] = (weight, event.kind)
        count = int((self.table.rows(e.track_id for e in events) >= 0).sum())
        return _Profile(weights, rows[known], values, count, {t: k for t, (_, k) in best.items()})

    def _content_query(self, me: _Profile) -> np.ndarray:
        """Feature-space query of the content part (liked mean minus disliked mean)."""
        vectors = self.table.vectors
        positive, negative = me.values > 0, me.values < 0
        if positive.any():
            amounts = me.values[positive]
            liked = matvec(vectors[me.rows[positive]].T, amounts) / amounts.sum()
        else:
            liked = self.table.centre.astype(np.float64)
        disliked = np.zeros(self.table.dims)
        if negative.any():
            amounts = -me.values[negative]
            disliked = matvec(vectors[me.rows[negative]].T, amounts) / amounts.sum()
        return np.concatenate([liked - disliked, np.zeros(3)])

    def _collaborative(self, events_by_profile, profile: str, me: _Profile, now: float):
        """(feature-space query, {row: direct score}) of the collaborative part, or None."""
        norm = np.sqrt(sum(w * w for w in me.weights.values()))
        total, query, direct = 0.0, np.zeros(self.table.dims + 3), {}
        for name, events in events_by_profile.items():
            if name == profile or not events or norm == 0:
                continue
            other = track_weights(events, now)
            dot = sum(w * other.get(t, 0.0) for t, w in me.weights.items())
            other_norm = np.sqrt(sum(w * w for w in other.values()))
            similarity = dot / (norm * other_norm) if other_norm > 0 else 0.0
            liked = [(t, w) for t, w in other.items() if w > 0]
            rows = self.table.rows(t for t, _ in liked)
            amounts = np.array([w for _, w in liked])[rows >= 0] if liked else np.empty(0)
            if similarity <= 0 or amounts.sum() <= 0:
                continue
            total += similarity
            mean = matvec(self.table.vectors[rows[rows >= 0]].T, amounts) / amounts.sum()
            query[: self.table.dims] += similarity * mean
            for row, amount in zip(rows[rows >= 0].tolist(), amounts.tolist(), strict=True):
                direct[row] = direct.get(row, 0.0) + similarity * DIRECT_SHARE * min(amount, 1.0)
        if total == 0:
            return None
        return query / total, {row: value / total for row, value in direct.items()}

    def _rank(self, events_by_profile, profile, top, seed, now, exclude, hybrid, taste):
        table = self.table
        if top < 1:
            raise InvalidInput(f"top = {top} must be at least 1")
        now = latest_time(events_by_profile) if now is None else float(now)
        own = list(events_by_profile.get(profile, ()))
        me = self._profile(own, now)
        beta = me.count / (me.count + EVENTS_HALF)
        dims = table.dims + 3
        seed_query = np.zeros(dims)
        if seed is not None:
            seed_row = int(table.rows([seed])[0])
            if seed_row < 0:
                raise InvalidInput(f"the seed track {seed} is not in the library")
            seed_query[: table.dims] = table.vectors[seed_row]
        content_weight = 1.0 if seed is None else CONTENT_WITH_SEED * beta
        content_query = content_weight * self._content_query(me)
        base = content_query + seed_query
        reference = table.spread(base) or 1.0

        # Linear stage over every track, then the pool.
        collab = None
        if hybrid and beta > 0:
            collab = self._collaborative(events_by_profile, profile, me, now)
            if taste is None:
                taste = TasteModel(table.dims).fit(table, own)
        use_taste = hybrid and beta > 0 and taste.steps > 0
        query = base.copy()
        collab_scale = 0.0
        if collab is not None:
            collab_scale = beta * COLLAB_WEIGHT * reference / (table.spread(collab[0]) or 1.0)
            query += collab_scale * collab[0]
        if use_taste:
            linear_spread = table.spread(taste.linear)
            if linear_spread > 0:
                query += beta * TASTE_WEIGHT * reference / linear_spread * taste.linear
        first = matvec(table.features, query.astype(np.float32))
        if collab is not None and collab[1]:
            rows = np.fromiter(collab[1], dtype=np.int64)
            first[rows] += collab_scale * np.fromiter(collab[1].values(), dtype=float)
        blocked = held_back(own, now) | {int(t) for t in exclude}
        if seed is not None:
            blocked.add(int(seed))
        blocked_rows = table.rows(blocked)
        first[blocked_rows[blocked_rows >= 0]] = -np.inf
        pool = _best(first, table.ids, POOL)
        pool = pool[np.isfinite(first[pool])]
        if len(pool) == 0:
            return []

        # The full score of the pool.
        features = table.features[pool].astype(np.float64)
        parts = {
            "content": matvec(features, content_query),
            "seed": matvec(features, seed_query),
            "taste": np.zeros(len(pool)),
            "collaborative": np.zeros(len(pool)),
        }
        lifts = {"content": parts["content"] - table.mean @ content_query,
                 "seed": parts["seed"] - table.mean @ seed_query}  # fmt: skip
        if collab is not None:
            direct = np.array([collab[1].get(int(r), 0.0) for r in pool])
            centred = matvec(features, collab[0]) - table.mean @ collab[0] + direct
            parts["collaborative"] = lifts["collaborative"] = collab_scale * centred
        if use_taste:
            sample = taste.scores(table, self._sample).astype(np.float64)
            spread = float(sample.std()) or 1.0
            scaled = (taste.scores(table, pool) - sample.mean()) / spread
            parts["taste"] = lifts["taste"] = beta * TASTE_WEIGHT * reference * scaled
        score = sum(parts.values())
        order = _mmr(score, pool, table, top)
        return [self._explain(int(i), pool, score, parts, lifts, me, seed, collab) for i in order]

    def _explain(self, i, pool, score, parts, lifts, me: _Profile, seed, collab):
        table = self.table
        row = int(pool[i])
        track = int(table.ids[row])
        vector = table.vectors[row]
        reasons = []
        if seed is not None:
            other = int(table.rows([seed])[0])
            reasons.append(f"like {table.titles[other]} ({vector @ table.vectors[other]:.2f})")
            reasons += shared_reason(table.shared_traits(row, other))
            reasons += table.shared_mood(row, other)
        positive = me.values > 0
        if positive.any():
            liked = me.rows[positive]
            cosines = matvec(table.vectors[liked], vector)
            best = int(liked[int(np.argmax(cosines))])
            verb = VERBS[me.best_kind.get(int(table.ids[best]), "like")]
            title = table.titles[best]
            what = f"{title} to a project" if verb == "added" else title
            reasons.append(f"because you {verb} {what} ({cosines.max():.2f})")
            if seed is None:
                reasons += shared_reason(table.shared_traits(row, best))
                reasons += table.shared_mood(row, best)
            if self._in_usual_range(row, liked):
                reasons.append("matches the tempo and density you play most")
        elif seed is None:
            reasons.append(f"typical of your library ({vector @ table.centre:.2f})")
        if collab is not None and collab[1].get(row, 0.0) > 0:
            lift = {name: float(values[i]) for name, values in lifts.items()}
            if lift["collaborative"] > 0 and max(lift, key=lift.get) == "collaborative":
                reasons.append("people with similar taste liked it")
        if track not in me.weights:
            reasons.append("new to you")
        return RankedTrack(
            track, float(score[i]), reasons, {name: float(v[i]) for name, v in parts.items()}
        )

    def _in_usual_range(self, row: int, liked: np.ndarray) -> bool:
        """Whether the track's tempo and density lie in the interquartile ranges of ``liked``."""
        for values in (self.table.tempo, self.table.density):
            known = values[liked][np.isfinite(values[liked])]
            if len(known) < MIN_FOR_RANGE or not np.isfinite(values[row]):
                return False
            low, high = np.percentile(known, [25, 75])
            if not low <= values[row] <= high:
                return False
        return True


def _best(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` highest scores, best first, ties by smaller id."""
    k = min(k, len(scores))
    if k < len(scores):
        threshold = scores[np.argpartition(scores, len(scores) - k)[len(scores) - k]]
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(len(scores))
    return candidates[np.lexsort((ids[candidates], -scores[candidates]))][:k]


def _mmr(score: np.ndarray, pool: np.ndarray, table: TrackTable, top: int) -> list[int]:
    """Positions in ``pool`` picked by maximal marginal relevance (see the module docstring)."""
    candidates = _best(score, table.ids[pool], max(MMR_POOL, top))
    vectors = table.vectors[pool[candidates]]
    similar = matmul(vectors, vectors.T)
    relevance = MMR_LAMBDA * score[candidates]
    redundancy = np.full(len(candidates), -np.inf)
    picked: list[int] = []
    for _ in range(min(top, len(candidates))):
        value = relevance - (1 - MMR_LAMBDA) * redundancy if picked else relevance.copy()
        value[redundancy >= DUPLICATE_COSINE] -= 1e3
        value[picked] = -np.inf
        choice = int(np.argmax(value))
        picked.append(choice)
        redundancy = np.maximum(redundancy, similar[choice])
    return [int(candidates[p]) for p in picked]
