"""The simulated-songwriter evaluation of ranking ideas by taste (``studio eval ideas``): a
small real run with the shipped model (its report's shape and invariants, not its verdict),
and the summary on made-up sessions."""

from __future__ import annotations

import numpy as np
import pytest

from studio.evaluation import idea_taste as E
from studio.generation.generator import MelodyGenerator
from studio.recommend.idea_taste import OVERGENERATE

WRITERS = [E.Songwriter((2, 0, 2), "C major"), E.Songwriter((0, 2, 1), "A minor")]
ROUNDS = 1


@pytest.fixture(scope="module")
def run():
    """One round of feedback for two songwriters, once each; the progress calls too."""
    calls = []
    report = E.evaluate_idea_taste(
        MelodyGenerator(), rounds=ROUNDS, repeats=1, seed=3, writers=lambda: WRITERS,
        progress=lambda *args: calls.append(args),
    )  # fmt: skip
    return report, calls


def test_the_report_has_its_fields_and_sizes(run):
    report, _ = run
    assert set(report) == {
        "rounds", "sessions", "page", "candidates", "ranked_by_round", "unranked_by_round",
        "ranked_final", "unranked_final", "difference", "difference_ci95", "better_sessions",
        "worse_sessions",
    }  # fmt: skip
    assert report["rounds"] == ROUNDS and report["sessions"] == len(WRITERS)
    assert report["page"] == E.PAGE and report["candidates"] == E.PAGE * OVERGENERATE
    assert len(report["ranked_by_round"]) == len(report["unranked_by_round"]) == ROUNDS + 1


def test_shares_are_whole_ideas_of_a_page(run):
    report, _ = run
    pages = report["sessions"] * E.PAGE  # every share is a count of ideas over these
    for share in [*report["ranked_by_round"], *report["unranked_by_round"]]:
        assert 0.0 <= share <= 1.0
        assert share * pages == pytest.approx(round(share * pages), abs=0.01)


def test_the_numbers_agree_with_each_other(run):
    report, _ = run
    assert report["ranked_final"] == report["ranked_by_round"][ROUNDS]
    assert report["unranked_final"] == report["unranked_by_round"][ROUNDS]
    difference = report["ranked_final"] - report["unranked_final"]
    assert report["difference"] == pytest.approx(difference, abs=0.002)
    low, high = report["difference_ci95"]
    assert low - 0.001 <= report["difference"] <= high + 0.001
    assert report["better_sessions"] + report["worse_sessions"] <= report["sessions"]


def test_without_feedback_ranked_and_unranked_pages_are_the_same(run):
    report, _ = run
    assert report["ranked_by_round"][0] == report["unranked_by_round"][0]


def test_progress_follows_each_session(run):
    _, calls = run
    assert [(done, total) for done, total, _ in calls] == [(1, 2), (2, 2)]
    assert [name for *_, name in calls] == [w.name for w in WRITERS]
    assert WRITERS[0].name == "high · sparse · rising"


def sessions(ranked, unranked) -> list[E.SessionResult]:
    return [E.SessionResult(WRITERS[0], list(r), list(u))
            for r, u in zip(ranked, unranked, strict=True)]  # fmt: skip


def test_the_summary_reports_a_ranking_that_does_worse():
    worse = E.summarise(sessions([[0.25, 0.125]] * 3, [[0.25, 0.5]] * 3), rounds=1)
    assert worse["difference"] == -0.375
    assert worse["worse_sessions"] == 3 and worse["better_sessions"] == 0
    assert worse["difference_ci95"] == [-0.375, -0.375]


def test_the_summary_of_mixed_sessions():
    ranked = [[0.0, 0.5], [0.0, 0.25], [0.0, 0.0]]
    unranked = [[0.0, 0.25], [0.0, 0.25], [0.0, 0.25]]
    summary = E.summarise(sessions(ranked, unranked), rounds=1)
    assert summary["ranked_by_round"] == [0.0, 0.25]
    assert summary["unranked_by_round"] == [0.0, 0.25]
    assert summary["difference"] == 0.0
    assert (summary["better_sessions"], summary["worse_sessions"]) == (1, 1)
    low, high = summary["difference_ci95"]
    assert low < 0 < high


def test_a_songwriter_counts_the_qualities_it_likes():
    cuts = np.array([[60.0, 70.0], [4.0, 8.0], [-2.0, 2.0]])  # register, density, contour
    writer = E.Songwriter((2, 0, 2), "C major")  # high, sparse, rising
    assert E.matches(np.array([75.0, 3.0, 5.0]), cuts, writer) == 3
    assert E.matches(np.array([75.0, 9.0, 0.0]), cuts, writer) == 1
    assert E.matches(np.array([55.0, 6.0, -5.0]), cuts, writer) == 0
