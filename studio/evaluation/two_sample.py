"""A 1-nearest-neighbour two-sample test: can generated windows be told apart from real ones?

Every window of melody (a whole ``n_bars`` segment) becomes one fixed feature vector
(``window_features``). The generated and the real vectors are pooled, z-scored on the pool and
each vector is labelled by the set of its nearest neighbour among all the others (leave one
out; Lopez-Paz & Oquab, "Revisiting classifier two-sample tests", 2017). With equal set sizes
the accuracy is 0.5 when the two sets are indistinguishable and 1.0 when every window's nearest
neighbour comes from its own set. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from studio.core import keyfinding
from studio.core.errors import InvalidInput
from studio.evaluation.metrics import (
    Melody,
    average_interval,
    bar_beats,
    interval_histogram,
    ioi_histogram,
    note_length_histogram,
    notes_per_bar,
    pitch_range,
    self_similarity,
)

ONSET_POSITIONS = 4
"""Bins of the onset-position histogram: the sixteenth of the beat a note starts on."""

FEATURE_BLOCKS: dict[str, int] = {
    "pitch_class_histogram": 12,
    "interval_histogram": 25,
    "ioi_histogram": 9,
    "note_length_histogram": 9,
    "onset_position_histogram": ONSET_POSITIONS,
    "notes_per_bar": 1,
    "pitch_range": 1,
    "average_interval": 1,
    "self_similarity": 1,
    "rest_share": 1,
}
"""The parts of a window's feature vector and their lengths, in order. After z-scoring, each
part is scaled to the same total weight, so a 25-bin histogram counts as much as one number."""


def _onset_positions(melody: Melody) -> np.ndarray:
    counts = np.zeros(ONSET_POSITIONS)
    for note in melody:
        counts[math.floor(note.start * ONSET_POSITIONS + 0.5) % ONSET_POSITIONS] += 1
    return counts / counts.sum() if counts.sum() else counts


def _rest_share(melody: Melody, length: float) -> float:
    """Share of the window's ``length`` beats in which no note sounds."""
    sounding = np.zeros(max(1, round(length * 4)), dtype=bool)
    for note in melody:
        sounding[round(note.start * 4) : max(round(note.start * 4) + 1, round(note.end * 4))] = True
    return 1.0 - float(sounding.mean())


def window_features(melody: Melody, n_bars: int, meter: str = "4/4") -> np.ndarray:
    """One window's feature vector (``FEATURE_BLOCKS`` in order); ``nan`` where undefined.

    Args:
        melody: the window's notes, beats from its first bar line (key-normalised to C major or
            A minor, so the pitch-class histogram compares scale degrees).
        n_bars: bars in the window; meter: its meter ("4/4", "2/4", "3/4" or "6/8").
    """
    parts = [
        keyfinding.pitch_class_histogram(melody, weighting="count"),
        interval_histogram(melody),
        ioi_histogram(melody),
        note_length_histogram(melody),
        _onset_positions(melody),
        [notes_per_bar(melody, n_bars)],
        [pitch_range(melody)],
        [average_interval(melody)],
        [self_similarity(melody, n_bars, meter)],
        [_rest_share(melody, n_bars * bar_beats(meter))],
    ]
    return np.concatenate([np.asarray(p, dtype=float).ravel() for p in parts])


def standardize(vectors: np.ndarray, blocks: dict[str, int] | None = None) -> np.ndarray:
    """Z-score each column on the given rows and fill ``nan`` with 0 (the mean); with ``blocks``
    (e.g. ``FEATURE_BLOCKS``: part name → number of columns, in order) weigh each part by
    1/√length so that every part weighs the same in a distance."""
    vectors = np.asarray(vectors, dtype=float)
    mean = np.nanmean(vectors, axis=0)
    std = np.nanstd(vectors, axis=0)
    mean, std = np.nan_to_num(mean), np.where(np.nan_to_num(std) > 1e-12, std, 1.0)
    scaled = np.nan_to_num((vectors - mean) / std)
    if blocks is not None:
        if sum(blocks.values()) != scaled.shape[1]:
            covered = sum(blocks.values())
            raise InvalidInput(f"the blocks cover {covered} of {scaled.shape[1]} columns")
        scaled *= np.concatenate([np.full(n, 1 / math.sqrt(n)) for n in blocks.values()])
    return scaled


@dataclass(frozen=True)
class TwoSampleResult:
    """Leave-one-out 1-NN accuracy with a 95 % bootstrap interval and a permutation p-value.

    Attributes:
        accuracy: share of pooled windows whose nearest neighbour is from their own set.
        low, high: the 2.5 % and 97.5 % quantiles of the accuracy over bootstrap resamples of
            the windows' outcomes (stratified by set).
        p_value: share of label permutations with an accuracy at least as high (one-sided:
            small means the sets differ).
        n: windows per set (the larger set is subsampled to the smaller one's size).
    """

    accuracy: float
    low: float
    high: float
    p_value: float
    n: int

    def to_dict(self) -> dict:
        """JSON-ready values."""
        return asdict(self)


def _nearest_neighbours(pooled: np.ndarray) -> np.ndarray:
    squared = (pooled * pooled).sum(axis=1)
    distances = squared[:, None] + squared[None, :] - 2 * pooled @ pooled.T
    np.fill_diagonal(distances, np.inf)
    return np.argmin(distances, axis=1)


def nearest_neighbour_test(
    generated: np.ndarray | Sequence[np.ndarray],
    real: np.ndarray | Sequence[np.ndarray],
    *,
    seed: int = 0,
    resamples: int = 1000,
    blocks: dict[str, int] | None = None,
) -> TwoSampleResult:
    """The 1-NN two-sample test on two sets of feature vectors (one row per window).

    The larger set is subsampled (seeded) to the smaller one's size, the pool is z-scored
    (``standardize``, with ``blocks`` weighting) and each window is classified by its nearest
    other window (Euclidean). The interval resamples each set's correct/incorrect outcomes
    with replacement (the neighbours stay fixed); the p-value permutes the set labels over the
    fixed neighbours.

    Raises:
        InvalidInput: if a set has fewer than two windows or the vectors differ in length.
    """
    a, b = np.asarray(generated, dtype=float), np.asarray(real, dtype=float)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise InvalidInput("both sets need feature vectors of the same length, one per row")
    n = min(len(a), len(b))
    if n < 2:
        raise InvalidInput("the two-sample test needs at least two windows in each set")
    rng = np.random.default_rng(seed)
    a = a[np.sort(rng.choice(len(a), n, replace=False))]
    b = b[np.sort(rng.choice(len(b), n, replace=False))]
    labels = np.repeat([0, 1], n)
    neighbours = _nearest_neighbours(standardize(np.concatenate([a, b]), blocks))
    correct = labels == labels[neighbours]
    accuracy = float(correct.mean())
    boot = np.concatenate(
        [rng.choice(correct[:n], (resamples, n)), rng.choice(correct[n:], (resamples, n))], axis=1
    ).mean(axis=1)
    permuted = np.array([rng.permutation(labels) for _ in range(resamples)])
    null = permuted == permuted[:, neighbours]
    p_value = (1 + int((null.mean(axis=1) >= accuracy - 1e-12).sum())) / (resamples + 1)
    low, high = np.quantile(boot, [0.025, 0.975])
    return TwoSampleResult(accuracy, float(low), float(high), float(p_value), n)


def melody_two_sample(
    generated: Sequence[tuple[Melody, int, str]],
    real: Sequence[tuple[Melody, int, str]],
    *,
    seed: int = 0,
    resamples: int = 1000,
) -> TwoSampleResult:
    """``nearest_neighbour_test`` on windows given as (notes, bars, meter) triples."""
    return nearest_neighbour_test(
        [window_features(*window) for window in generated],
        [window_features(*window) for window in real],
        seed=seed, resamples=resamples, blocks=FEATURE_BLOCKS,
    )  # fmt: skip
