"""A profile's taste in generated ideas (``recommend.idea_taste``), on synthetic feature
vectors where what the profile keeps and rejects is known."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core.idea_features import NAMES
from studio.recommend.idea_taste import (
    EXPLORE_SHARE,
    IdeaPage,
    IdeaTaste,
    pick,
    rank_ideas,
    rank_order,
)

REGISTER, DENSITY = NAMES.index("register"), NAMES.index("density")
# Where each feature sits and how widely it varies among generated ideas (roughly: register
# around 70 semitones, density around 2 notes per beat…): the taste standardises them itself.
CENTRE = np.array([70, 14, 2, 2.5, 0.2, 0, 0, 0.15, 0.3, 0.3, 0.1, 0.0])
SPREAD = np.array([4, 4, 0.5, 0.8, 0.1, 2, 2, 0.08, 0.15, 0.15, 0.3, 0.3])


def ideas(count: int, seed: int, *, spread: float = 1.0, **shift: float) -> np.ndarray:
    """``count`` random feature vectors, ``spread`` times as varied as the generator's;
    ``shift`` moves features by that many spreads (``register=2``: two spreads higher)."""
    z = spread * np.random.default_rng(seed).standard_normal((count, len(NAMES)))
    for name, by in shift.items():
        z[:, NAMES.index(name)] += by
    return CENTRE + z * SPREAD


CANDIDATES = ideas(32, seed=1)
NO_IDEAS = np.empty((0, len(NAMES)))
PROFILES = range(5)
"""Seeds of the made-up profiles each test runs (a taste from a dozen keeps is noisy: the
tests claim what holds for each of them)."""


def kept_ideas(count: int, seed: int, **shift: float) -> np.ndarray:
    """Ideas a profile kept: set apart from the generator's by ``shift``, and a little less
    varied than them otherwise."""
    return ideas(count, seed, spread=0.6, **shift)


def probe(**shift: float) -> np.ndarray:
    """One idea in the middle of the generator's, but for ``shift``."""
    return ideas(1, seed=0, spread=0.0, **shift)[0]


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


@pytest.mark.parametrize("shift", [2.0, -2.0])
def test_keeping_high_or_low_register_ranks_that_register_first(shift):
    register = CANDIDATES[:, REGISTER]
    for seed in PROFILES:
        page = rank_ideas(list(CANDIDATES), list(kept_ideas(12, seed, register=shift)), [], 8)
        assert page.taste is not None and page.taste.kept == 12 and page.taste.rejected == 0
        assert correlation(page.taste.scores(CANDIDATES), register) * shift > 0
        ranked = [row for row, was in zip(page.rows, page.ranked, strict=True) if was]
        assert (register[ranked].mean() - register.mean()) * shift > 0


def test_scores_are_higher_on_the_kept_side():
    for seed in PROFILES:
        taste = IdeaTaste.fit(kept_ideas(12, seed, register=2), NO_IDEAS, CANDIDATES)
        for k in (1, 2, 3):
            assert taste.scores(probe(register=k))[0] > taste.scores(probe(register=-k))[0]


def test_rejected_ideas_push_their_kind_down():
    for seed in PROFILES:
        kept = kept_ideas(12, seed)
        rejected = kept_ideas(6, seed + 50, density=2.5)
        alone = IdeaTaste.fit(kept, NO_IDEAS, CANDIDATES)
        with_rejected = IdeaTaste.fit(kept, rejected, CANDIDATES)
        assert with_rejected.rejected == 6
        busy, sparse = probe(density=2), probe(density=-2)
        gap_alone = alone.scores(busy)[0] - alone.scores(sparse)[0]
        gap = with_rejected.scores(busy)[0] - with_rejected.scores(sparse)[0]
        assert gap < gap_alone


def test_no_kept_idea_means_no_taste():
    assert IdeaTaste.fit(NO_IDEAS, ideas(3, seed=7), CANDIDATES) is None
    page = rank_ideas(list(CANDIDATES), [], list(ideas(3, seed=7)), 8)
    assert page == IdeaPage(list(range(8)), [False] * 8, [""] * 8, None)


def test_reason_names_the_direction_of_the_taste():
    high = IdeaTaste.fit(kept_ideas(12, seed=8, register=2.5), NO_IDEAS, CANDIDATES)
    low = IdeaTaste.fit(kept_ideas(12, seed=8, register=-2.5), NO_IDEAS, CANDIDATES)
    top, bottom = probe(register=2), probe(register=-2)
    assert "higher" in high.reason(top).split(", ")
    assert "lower" in low.reason(bottom).split(", ")
    assert "higher" not in low.reason(top) and "lower" not in high.reason(bottom)


def test_reason_is_empty_in_the_middle_and_has_at_most_limit_words():
    kept = kept_ideas(12, seed=9, register=2, density=-2, rests=2, span=2)
    taste = IdeaTaste.fit(kept, NO_IDEAS, CANDIDATES)
    assert taste.reason(taste.mean) == ""
    extreme = taste.mean + 3 * np.sign(taste.weights[: len(NAMES)]) * taste.scale
    assert 1 <= len(taste.reason(extreme).split(", ")) <= 3
    assert len(taste.reason(extreme, limit=1).split(", ")) == 1


def test_pick_leaves_the_explore_share_unranked_at_the_end():
    scores = np.random.default_rng(10).standard_normal(32)
    rows, ranked = pick(scores, 16)
    best = 16 - int(16 * EXPLORE_SHARE)
    assert 0 < best < 16
    assert len(rows) == 16 and len(set(rows)) == 16
    assert ranked == [True] * best + [False] * (16 - best)
    assert rows[:best] == [int(r) for r in np.argsort(-scores)[:best]]
    assert rows[best:] == sorted(set(range(32)) - set(rows[:best]))[: 16 - best]


def test_pick_never_repeats_a_row_even_on_ties():
    rows, ranked = pick(np.zeros(10), 8, explore=0.25)
    assert len(rows) == len(set(rows)) == len(ranked) == 8


def test_pick_with_a_larger_explore_share():
    scores = np.arange(16.0)  # the last row scores best
    rows, ranked = pick(scores, 8, explore=0.5)
    assert rows == [15, 14, 13, 12, 0, 1, 2, 3]
    assert ranked == [True] * 4 + [False] * 4
    assert pick(scores, 8, explore=0.0) == (list(range(15, 7, -1)), [True] * 8)


def test_pick_on_a_small_page_ranks_every_row():
    scores = np.array([0.1, 0.9, 0.5, 0.7, 0.3])
    assert pick(scores, 4) == ([1, 3, 2, 4], [True] * 4)


@pytest.mark.parametrize("count", [3, 8])
def test_rank_ideas_with_fewer_candidates_than_asked(count):
    candidates = ideas(3, seed=11)
    page = rank_ideas(list(candidates), list(kept_ideas(2, seed=12, register=2)), [], count)
    assert sorted(page.rows) == [0, 1, 2]
    assert len(page.ranked) == len(page.reasons) == 3
    assert page.ranked == [True] * 3


def test_unranked_rows_have_no_reason():
    page = rank_ideas(list(CANDIDATES), list(kept_ideas(4, seed=13, register=3)), [], 16)
    best = 16 - int(16 * EXPLORE_SHARE)
    assert page.ranked == [True] * best + [False] * (16 - best)
    assert page.reasons[best:] == [""] * (16 - best)
    assert any(page.reasons[:best])


def test_rank_order_without_a_taste_keeps_the_first_rows():
    assert rank_order(None, CANDIDATES, 5) == ([0, 1, 2, 3, 4], [False] * 5, [""] * 5)
    assert rank_order(None, CANDIDATES[:2], 5) == ([0, 1], [False] * 2, [""] * 2)
