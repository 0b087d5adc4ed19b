"""A profile's taste in generated ideas, learned from what it kept and threw away (numpy only).

Generate can make more candidates than it shows and put first those this profile is likely to
keep. ``IdeaTaste.fit`` learns a small logistic model from the profile's reactions: the ideas it
kept (♥, opened, exported, added to a song) against the ideas it rejected (✕) and against the
generator's own output (the candidates of the request at hand): the model learns what sets the
kept ideas apart from what the generator makes anyway, so a single ♥ already points somewhere.
Its inputs are ``core.idea_features.idea_inputs``: the ideas' musical features, standardised
over the candidates (the latent noise only if ``LATENT_WEIGHT`` there is above 0; it is not,
see why there).

``pick`` takes the best-scored candidates and leaves a share of the page to unranked ones, so
the page never narrows to one kind of idea and the model keeps seeing ideas it has not learnt
about. ``IdeaTaste.reason`` says in words what a pick has of the taste ("higher, sparser").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from studio.core.idea_features import NAMES, WORDS

OVERGENERATE = 4
"""Candidates made per idea shown when ranking."""
EXPLORE_SHARE = 0.125
"""Share of a ranked page given to unranked candidates (rounded down: one of 8, none on a
page of 1–7): the page never narrows to one kind of idea, and the taste keeps learning about
the others. It costs little: 0.50 against 0.52 kept after 5 rounds (``studio eval ideas``)."""
L2 = 0.3
"""Ridge penalty of the logistic model (0.3 / 1 / 3 kept 0.52 / 0.52 / 0.52–0.55 after 5
rounds in ``studio eval ideas``: it matters little)."""
DISLIKE_WEIGHT = 1.0
MAX_REACTIONS = 300
"""The newest reactions the model learns from: taste moves, old keeps fade out."""


@dataclass(frozen=True)
class IdeaTaste:
    """A fitted taste: ``score(x) = w · standardise(x) + b`` (higher: more likely kept).

    ``mean`` and ``scale`` standardise the inputs (the candidates' spread); ``weights`` has one
    entry per input (the ``NAMES`` features, then the latent noise's dimensions)."""

    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    kept: int
    rejected: int

    @classmethod
    def fit(
        cls, kept: np.ndarray, rejected: np.ndarray, candidates: np.ndarray
    ) -> IdeaTaste | None:
        """Learn from the inputs (``idea_inputs``) of ``kept`` and ``rejected`` ideas, against
        the ``candidates`` of the request; None without any kept idea."""
        kept, rejected = np.atleast_2d(kept), np.atleast_2d(rejected)
        candidates = np.atleast_2d(candidates)
        if kept.size == 0:
            return None
        rejected = rejected.reshape(-1, kept.shape[1])
        pool = np.concatenate([candidates, kept])
        mean = pool.mean(axis=0)
        scale = pool.std(axis=0)
        scale[scale < 1e-9] = 1.0
        x = _expanded((np.concatenate([kept, rejected, candidates]) - mean) / scale)
        labels = np.concatenate([np.ones(len(kept)), np.zeros(len(rejected) + len(candidates))])
        # The candidates stand for "what the generator makes": together they weigh as much as
        # the kept ideas, so a large pool does not drown a few keeps.
        background = len(kept) / max(1, len(candidates))
        sample_weights = np.concatenate([
            np.ones(len(kept)), np.full(len(rejected), DISLIKE_WEIGHT),
            np.full(len(candidates), background),
        ])  # fmt: skip
        weights, bias = _logistic(x, labels, sample_weights, L2)
        return cls(weights, bias, mean, scale, len(kept), len(rejected))

    def scores(self, inputs: np.ndarray) -> np.ndarray:
        """The score of each row of ``inputs`` (higher: more to this taste)."""
        z = (np.atleast_2d(inputs) - self.mean) / self.scale
        return _expanded(z) @ self.weights + self.bias

    def reason(self, inputs: np.ndarray, limit: int = 3) -> str:
        """What ``inputs`` (one idea) has of this taste, in words: the features that raise its
        score most, where it is well off the candidates' middle ("higher, sparser, rising");
        "" when none does."""
        z = (np.asarray(inputs, dtype=np.float64) - self.mean) / self.scale
        terms = _expanded(z[None])[0] * self.weights
        n = len(NAMES)
        gains = [(terms[i] + terms[len(z) + i], i) for i in range(n) if abs(z[i]) >= 0.5]
        words = [WORDS[NAMES[i]][0 if z[i] > 0 else 1]
                 for gain, i in sorted(gains, reverse=True)[:limit] if gain > 0.1]  # fmt: skip
        return ", ".join(words)


def pick(scores: np.ndarray, count: int, *, explore: float = EXPLORE_SHARE):
    """Which ``count`` candidates to show: the best-scored ones, then ``floor(count ·
    explore)`` unranked ones (the lowest-numbered left, as unranked generation would show
    them). Returns the rows and, per row, whether it was ranked."""
    count = min(count, len(scores))
    ranked = count - int(count * explore)
    chosen = [int(row) for row in np.argsort(-np.asarray(scores), kind="stable")[:ranked]]
    chosen += [row for row in range(len(scores)) if row not in chosen][: count - ranked]
    return chosen, [i < ranked for i in range(count)]


def _expanded(z: np.ndarray) -> np.ndarray:
    """Standardised inputs with each feature's square added (centred): a taste can then lie
    in the middle of a feature ("a medium density"), not only at one end."""
    squares = (z[:, : len(NAMES)] ** 2 - 1) / np.sqrt(2)
    return np.hstack([z, squares])


def _logistic(
    x: np.ndarray, labels: np.ndarray, sample_weights: np.ndarray, l2: float, steps: int = 25
) -> tuple[np.ndarray, float]:
    """Weighted logistic regression with a ridge penalty (not on the bias), by Newton steps."""
    n, d = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 1e-6
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(design @ theta, -30, 30)))
        gradient = design.T @ (sample_weights * (p - labels)) + penalty * theta
        curvature = sample_weights * p * (1 - p)
        hessian = design.T @ (design * curvature[:, None]) + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


@dataclass(frozen=True)
class IdeaPage:
    """The ideas to show of a request's candidates: ``rows`` (candidate numbers, in order),
    ``ranked`` (per row: placed by the taste, or unranked to explore) and ``reasons`` (per row:
    what it has of the taste, "" for an unranked one); ``taste`` is None when the profile kept
    no idea yet (the first candidates, unranked)."""

    rows: list[int]
    ranked: list[bool]
    reasons: list[str]
    taste: IdeaTaste | None


def rank_ideas(
    candidates: Sequence[np.ndarray], kept: Sequence[np.ndarray],
    rejected: Sequence[np.ndarray], count: int,
) -> IdeaPage:  # fmt: skip
    """The page of ``count`` ideas from ``candidates`` (``idea_inputs`` each) for a profile
    that kept the ideas ``kept`` and rejected ``rejected`` (``idea_inputs`` too)."""
    matrix = np.asarray(candidates, dtype=np.float64)
    taste = None
    if len(kept) and len(matrix):
        width = matrix.shape[1]
        taste = IdeaTaste.fit(
            np.asarray(kept, dtype=np.float64).reshape(-1, width),
            np.asarray(rejected, dtype=np.float64).reshape(-1, width), matrix,
        )  # fmt: skip
    rows, ranked, reasons = rank_order(taste, matrix, count)
    return IdeaPage(rows, ranked, reasons, taste)


def rank_order(taste: IdeaTaste | None, inputs: np.ndarray, count: int):
    """Rows of the ``count`` ideas to show from candidates with ``inputs``, whether each was
    ranked, and each one's reason ("" for an unranked one). Without a taste: the first
    ``count``, none ranked."""
    if taste is None or not len(inputs):
        rows = list(range(min(count, len(inputs))))
        return rows, [False] * len(rows), [""] * len(rows)
    matrix = np.asarray(inputs)
    rows, ranked = pick(taste.scores(matrix), count)
    reasons = [taste.reason(matrix[row]) if was else ""
               for row, was in zip(rows, ranked, strict=True)]  # fmt: skip
    return rows, ranked, reasons
