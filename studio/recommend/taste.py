"""The library as arrays for the recommender, and one profile's taste model (numpy only).

``TrackTable`` holds the features every score reads; ``TasteModel`` is the "recommendation
network" that learns a profile's taste from its feedback over those features (the autoencoder
vectors are the "feature-extraction network"). See ``ranker.py`` for how its score is blended.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.mood import Mood, mood_reason
from studio.core.traits import MIN_SCALE, shared_traits
from studio.recommend.serial_math import matmul, matvec
from studio.recommend.weights import (
    HALF_LIFE_SECONDS,
    TRACK_WEIGHT_LIMIT,
    FeedbackEvent,
    event_weight,
)


def _standardised(values: np.ndarray) -> np.ndarray:
    """(values - median) / robust spread, clipped to ±3; unknown (NaN) values become 0."""
    known = values[np.isfinite(values)]
    if len(known) == 0:
        return np.zeros(len(values))
    low, middle, high = np.percentile(known, [25, 50, 75])
    spread = (high - low) / 1.349 or float(known.std()) or 1.0
    return np.clip(np.nan_to_num((values - middle) / spread, nan=0.0), -3.0, 3.0)


class TrackTable:
    """The library as arrays: track ``ids`` (n,), unit ``vectors`` (n, d), ``tempo`` in BPM
    and ``density`` in notes per beat (n,; NaN when unknown), display ``titles`` and, when
    known, the tracks' musical ``traits`` (n, ``core.traits.SIZE``; NaN rows for a track
    without; None when no track has any) and ``moods`` (n, 2: valence and arousal, NaN
    unknown; ``core.mood``), both read only for reasons.

    ``features`` (n, d + 3) is what the scores read: the vector, standardised tempo and density
    (robust: median and interquartile range, clipped to ±3, unknown = 0) and a constant 1.
    ``mean`` and ``covariance`` of the features give the library spread of any linear score.
    """

    def __init__(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        tempo: np.ndarray,
        density: np.ndarray,
        titles: Sequence[str],
        traits: np.ndarray | None = None,
        moods: np.ndarray | None = None,
    ) -> None:
        ids = np.asarray(ids)
        if ids.size and ids.dtype.kind not in "iu":
            raise InvalidInput(f"track ids must be integers, got dtype {ids.dtype}")
        self.ids = ids.astype(np.int64).reshape(-1)
        n = len(self.ids)
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != n or not np.isfinite(vectors).all():
            raise InvalidInput(f"vectors must be finite, shape ({n}, d); got {vectors.shape}")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        self.tempo = np.asarray(tempo, dtype=float).reshape(-1)
        self.density = np.asarray(density, dtype=float).reshape(-1)
        self.titles = list(titles)
        if not len(self.tempo) == len(self.density) == len(self.titles) == n:
            raise InvalidInput("ids, vectors, tempo, density and titles must have one entry each")
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]
        if n > 1 and (np.diff(self._sorted) == 0).any():
            raise InvalidInput("track ids must be unique")
        extra = np.stack([_standardised(self.tempo), _standardised(self.density), np.ones(n)], 1)
        self.features = np.ascontiguousarray(
            np.concatenate([self.vectors, extra.astype(np.float32)], axis=1)
        )
        self.mean = self.features.sum(axis=0, dtype=np.float64) / max(n, 1)
        centred = self.features - self.mean.astype(np.float32)
        self.covariance = (centred.T @ centred).astype(np.float64) / max(n, 1)
        centre = self.vectors.sum(axis=0, dtype=np.float64)
        norm = np.linalg.norm(centre)
        self.centre = (centre / norm if norm > 0 else centre).astype(np.float32)
        self.traits = None if traits is None else np.asarray(traits, dtype=float).reshape(n, -1)
        if self.traits is not None and not np.isfinite(self.traits).any():
            self.traits = None  # no track has traits: nothing to compare
        self.moods = None if moods is None else np.asarray(moods, dtype=float).reshape(n, 2)
        if self.traits is not None:
            self._trait_mean = np.nanmean(self.traits, axis=0)
            self._trait_scale = np.maximum(np.nanstd(self.traits, axis=0), MIN_SCALE)

    def shared_traits(self, row: int, other: int) -> list[str]:
        """What two tracks share in texture, harmony and rhythm that sets both apart from the
        library (``core.traits.shared_traits``); empty without traits."""
        if self.traits is None:
            return []
        first, second = self.traits[row], self.traits[other]
        if np.isnan(first).any() or np.isnan(second).any():
            return []
        return shared_traits(first, second, self._trait_mean, self._trait_scale)

    def shared_mood(self, row: int, other: int) -> list[str]:
        """The reason for a mood two tracks share ("also calm and dark"; ``core.mood``), as a
        list of one, or empty (no moods, or none shared)."""
        if self.moods is None:
            return []
        first, second = (
            Mood(*self.moods[r]) if not np.isnan(self.moods[r]).any() else None
            for r in (row, other)
        )
        return mood_reason(first, second)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dims(self) -> int:
        """Length of a track vector."""
        return self.vectors.shape[1]

    def rows(self, track_ids: Iterable[int]) -> np.ndarray:
        """The row of each id (int64), -1 for ids not in the table."""
        wanted = np.fromiter((int(t) for t in track_ids), dtype=np.int64)
        if len(self._sorted) == 0:
            return np.full(len(wanted), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
        return np.where(self._sorted[at] == wanted, self._order[at], -1)

    def spread(self, query: np.ndarray) -> float:
        """Standard deviation over the library of ``features @ query``."""
        return float(np.sqrt(max(query @ self.covariance @ query, 0.0)))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class TasteModel:
    """One profile's taste: ``score(x) = w2 · relu(x @ W1) + u · x`` over a track's features.

    ``x`` is a row of ``TrackTable.features`` (vector, tempo, density, 1), ``W1`` maps it to
    ``hidden`` units. Trained with Adam on a weighted logistic loss: tracks with positive weight
    are 1s and negative ones 0s, each weighted by ``|weight|``; every step adds ``WEAK_NEGATIVES``
    random tracks as 0s of weight ``WEAK_WEIGHT``; L2 penalty ``L2`` on all parameters.
    Deterministic for a given ``seed``: step ``t`` draws its random tracks from ``(seed, t)``.
    """

    HIDDEN = 32
    FIT_STEPS = 150
    UPDATE_STEPS = 8
    REPLAY = 100  # recent events kept for updates
    NEW_EVENT_BOOST = 2.0
    WEAK_NEGATIVES = 32
    WEAK_WEIGHT = 0.1
    L2 = 1e-3
    LEARNING_RATE = 0.01

    def __init__(self, dims: int, seed: int = 0, hidden: int = HIDDEN) -> None:
        self.dims, self.seed, self.hidden = int(dims), int(seed), int(hidden)
        self.steps = 0
        self.buffer: list[tuple[int, float, float]] = []  # (track id, weight, at)
        self._reset()

    def _reset(self) -> None:
        inputs = self.dims + 3
        rng = np.random.default_rng([self.seed, 0])
        self.params = {
            "W1": rng.normal(0.0, np.sqrt(2.0 / inputs), (inputs, self.hidden)),
            "w2": rng.normal(0.0, np.sqrt(1.0 / self.hidden), self.hidden),
            "u": np.zeros(inputs),
        }
        self.moments = {
            f"{m}_{name}": np.zeros_like(p) for name, p in self.params.items() for m in "mv"
        }
        self.steps = 0

    @property
    def linear(self) -> np.ndarray:
        """The linear term ``u`` (over the feature columns)."""
        return self.params["u"]

    def fit(
        self, table: TrackTable, events: Iterable[FeedbackEvent], *, steps: int = FIT_STEPS
    ) -> TasteModel:
        """Train from scratch on the last ``REPLAY`` of ``events``; returns self."""
        self._check(table)
        self._reset()
        ordered = sorted(events, key=lambda e: e.at)[-self.REPLAY :]
        self.buffer = [(int(e.track_id), event_weight(e.kind, e.value), float(e.at))
                       for e in ordered]  # fmt: skip
        self._train(table, steps, boost=None)
        return self

    def update(self, table: TrackTable, event: FeedbackEvent, *, steps: int = UPDATE_STEPS) -> None:
        """Learn from one new event: ``steps`` Adam steps on it (weight doubled) and the replay."""
        self._check(table)
        self.buffer.append((int(event.track_id), event_weight(event.kind, event.value),
                            float(event.at)))  # fmt: skip
        self.buffer = self.buffer[-self.REPLAY :]
        self._train(table, steps, boost=int(event.track_id))

    def scores(self, table: TrackTable, rows: np.ndarray | None = None) -> np.ndarray:
        """The taste score (a logit) of every track, or of ``rows``."""
        self._check(table)
        features = table.features if rows is None else table.features[rows]
        weights = np.concatenate([self.params["W1"], self.params["u"][:, None]], 1)
        weights = weights.astype(np.float32)
        w2 = self.params["w2"].astype(np.float32)
        block = matmul(features, weights)
        return matvec(np.maximum(block[:, : self.hidden], 0.0), w2) + block[:, self.hidden]

    def state(self) -> dict[str, np.ndarray]:
        """Everything needed to rebuild the model, as a dict of numpy arrays."""
        track, weight, at = zip(*self.buffer, strict=True) if self.buffer else ((), (), ())
        return {
            **{k: v.copy() for k, v in self.params.items()},
            **{k: v.copy() for k, v in self.moments.items()},
            "config": np.array([self.dims, self.seed, self.hidden, self.steps], dtype=np.int64),
            "buffer_track": np.array(track, dtype=np.int64),
            "buffer_weight": np.array(weight, dtype=np.float64),
            "buffer_at": np.array(at, dtype=np.float64),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, np.ndarray]) -> TasteModel:
        """The model saved by :meth:`state`."""
        dims, seed, hidden, steps = (int(v) for v in state["config"])
        model = cls(dims, seed, hidden)
        model.params = {k: np.array(state[k], dtype=np.float64) for k in model.params}
        model.moments = {k: np.array(state[k], dtype=np.float64) for k in model.moments}
        model.steps = steps
        model.buffer = list(zip(state["buffer_track"].tolist(), state["buffer_weight"].tolist(),
                                state["buffer_at"].tolist(), strict=True))  # fmt: skip
        return model

    def _check(self, table: TrackTable) -> None:
        if table.dims != self.dims:
            raise InvalidInput(f"the taste model has {self.dims} dims, the table {table.dims}")

    def _examples(self, table: TrackTable, boost: int | None):
        """Rows, labels and loss weights of the replay buffer (aged to its newest event)."""
        if not self.buffer:
            return np.empty(0, np.int64), np.empty(0), np.empty(0)
        newest = max(at for _, _, at in self.buffer)
        weights: dict[int, float] = {}
        for track, weight, at in self.buffer:
            aged = weight * 0.5 ** (max(newest - at, 0.0) / HALF_LIFE_SECONDS)
            weights[track] = weights.get(track, 0.0) + aged
        tracks = list(weights)
        values = np.clip([weights[t] for t in tracks], -TRACK_WEIGHT_LIMIT, TRACK_WEIGHT_LIMIT)
        rows = table.rows(tracks)
        keep = (rows >= 0) & (values != 0)
        if boost is not None:
            values = np.where(np.array(tracks) == boost, values * self.NEW_EVENT_BOOST, values)
        return rows[keep], (values[keep] > 0).astype(float), np.abs(values[keep])

    def _train(self, table: TrackTable, steps: int, boost: int | None) -> None:
        rows, labels, weights = self._examples(table, boost)
        if len(rows) == 0 or len(table) == 0:
            return
        fixed = table.features[rows].astype(np.float64)
        weak = min(self.WEAK_NEGATIVES, len(table))
        labels = np.concatenate([labels, np.zeros(weak)])
        weights = np.concatenate([weights, np.full(weak, self.WEAK_WEIGHT)])
        weights /= weights.sum()
        W1, w2, u = self.params["W1"], self.params["w2"], self.params["u"]
        for _ in range(steps):
            rng = np.random.default_rng([self.seed, 1, self.steps])
            others = table.features[rng.integers(0, len(table), weak)].astype(np.float64)
            x = np.concatenate([fixed, others])
            pre = matmul(x, W1)
            hidden = np.maximum(pre, 0.0)
            error = weights * (_sigmoid(matvec(hidden, w2) + matvec(x, u)) - labels)
            grads = {
                "W1": matmul(x.T, np.outer(error, w2) * (pre > 0)) + self.L2 * W1,
                "w2": matvec(hidden.T, error) + self.L2 * w2,
                "u": matvec(x.T, error) + self.L2 * u,
            }
            self._adam(grads)

    def _adam(self, grads: dict[str, np.ndarray], beta1=0.9, beta2=0.999, eps=1e-8) -> None:
        self.steps += 1
        for name, grad in grads.items():
            m, v = self.moments[f"m_{name}"], self.moments[f"v_{name}"]
            m *= beta1
            m += (1 - beta1) * grad
            v *= beta2
            v += (1 - beta2) * grad * grad
            m_hat = m / (1 - beta1**self.steps)
            v_hat = v / (1 - beta2**self.steps)
            self.params[name] -= self.LEARNING_RATE * m_hat / (np.sqrt(v_hat) + eps)
