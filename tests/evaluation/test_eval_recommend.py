"""Tests of the simulated-user evaluation of recommendations in studio.evaluation.recommend."""

import subprocess
import sys

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, Track
from studio.core.progress import Cancelled, CancelToken
from studio.evaluation import recommend as E
from studio.recommend.ranker import TrackTable


def easy_library(groups=6, per_group=30, dims=16, noise=0.12, seed=0):
    """Well separated clusters of unit vectors; returns (table, group label of each row)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((groups, dims))
    labels = np.repeat(np.arange(groups), per_group)
    vectors = centres[labels] / np.linalg.norm(centres[labels], axis=1, keepdims=True)
    vectors = vectors + noise * rng.standard_normal(vectors.shape)
    n = len(labels)
    table = TrackTable(
        np.arange(n) + 10, vectors, rng.uniform(80, 140, n), rng.uniform(1, 4, n),
        [f"t{i}" for i in range(n)],
    )  # fmt: skip
    return table, np.array([f"group{g}" for g in labels])


def test_simulate_report_and_hybrid_learns_more_than_content_only():
    table, groups = easy_library()
    calls = []
    report = E.simulate(
        table, groups, users=6, rounds=10, seed=1, progress=lambda *a: calls.append(a[:2])
    )
    assert set(report) == {
        "seed", "users", "rounds", "top", "tracks", "groups", "seconds", "methods",
        "precision", "late", "after_20", "chance", "cold_start",
    }  # fmt: skip
    assert report["methods"] == list(E.METHODS) and report["tracks"] == 180
    assert all(len(p) == 10 and all(0 <= x <= 1 for x in p) for p in report["precision"].values())
    assert report["cold_start"] is True
    assert report["precision"]["hybrid"][0] == report["precision"]["content-only"][0]
    assert report["after_20"] == {m: p[2] for m, p in report["precision"].items()}
    assert report["late"] == {
        m: pytest.approx(np.mean(p[5:])) for m, p in report["precision"].items()
    }
    assert 1 / 6 <= report["chance"] <= 2 / 6
    late = report["late"]
    assert late["hybrid"] >= late["content-only"] and late["hybrid"] > 0.9
    precision = report["precision"]
    assert np.mean(precision["hybrid"][1:]) >= np.mean(precision["content-only"][1:])
    assert late["hybrid"] > late["random"] + 0.3
    assert calls == [(i, 50) for i in range(1, 51)]  # 10 rounds of 5 methods
    again = E.simulate(table, groups, users=6, rounds=10, seed=1)
    assert again["precision"] == report["precision"]


def test_knn_starts_at_the_centre_and_follows_the_likes():
    table, groups = easy_library()
    report = E.simulate(table, groups, users=6, rounds=6, seed=3, methods=["content-only", "knn"])
    knn = report["precision"]["knn"]
    assert np.mean(knn[2:]) > max(knn[0], report["chance"]) + 0.3  # it learns from likes
    liked = [E.FeedbackEvent(int(table.ids[0]), "like", 1.0, E.START)]
    scores = E._knn_scores(table, liked, E.START + 1)
    assert scores[0] == pytest.approx(1.0) and int(np.argmax(scores)) == 0


def test_random_is_near_chance():
    table, groups = easy_library()
    report = E.simulate(table, groups, users=40, rounds=6, methods=["random"], seed=2)
    assert set(report["precision"]) == {"random"} and report["cold_start"] is None
    assert np.mean(report["precision"]["random"]) == pytest.approx(report["chance"], abs=0.05)


def test_taste_groups_are_big_enough_when_possible():
    table, groups = easy_library(groups=3, per_group=15)
    groups = groups.copy()
    groups[:3] = "tiny"  # 3 songs: never a taste when groups of 10 or more exist
    report = E.simulate(table, groups, users=20, rounds=1, methods=["random"])
    assert report["groups"] == 4
    rng = np.random.default_rng(0)
    names, sizes = np.unique(groups, return_counts=True)
    assert all("tiny" not in E._taste(rng, names, sizes, 10) for _ in range(50))


def test_bad_arguments_and_cancel():
    table, groups = easy_library()
    with pytest.raises(InvalidInput):
        E.simulate(table, groups[:-1])
    with pytest.raises(InvalidInput, match="unknown methods"):
        E.simulate(table, groups, methods=["oracle"])
    token = CancelToken()

    def progress(done, total, message):
        if done == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        E.simulate(table, groups, users=2, rounds=5, progress=progress, cancel=token)


def test_format_table():
    table, groups = easy_library()
    report = E.simulate(table, groups, users=3, rounds=4)
    text = E.format_table(report)
    lines = text.splitlines()
    assert len(lines) == 2 + len(E.METHODS) + 1 and "(chance)" in lines[-1]
    assert "after 20 feedback events" in lines[0] and "mean rounds 3–4" in lines[0]
    hybrid = lines[2].split()
    assert hybrid[0] == "hybrid" and hybrid[2] == f"{report['after_20']['hybrid']:.3f}"
    short = E.simulate(table, groups, users=2, rounds=2)
    assert short["after_20"]["hybrid"] is None and "—" in E.format_table(short)


def test_evaluate_recommend_on_a_folder_set(tiny_autoencoder, tmp_path):
    rng = np.random.default_rng(3)
    for group, (low, step) in {"low": (48, 0.5), "high": (72, 1.0)}.items():
        (tmp_path / group).mkdir()
        for i in range(4):
            notes = tuple(Note(low + int(rng.integers(0, 12)), b * step, step) for b in range(48))
            song = Song((Track(notes),), (TempoChange(0.0, 90.0 + 10 * i),))
            write_midi(song, tmp_path / group / f"{i}.mid")
    report = E.evaluate_recommend(tiny_autoencoder, tmp_path, users=3, rounds=3)
    assert report["set"] == str(tmp_path) and report["tracks"] == 8 and report["groups"] == 2
    assert report["cold_start"] is True
    assert set(report["precision"]) == set(E.METHODS)


def test_the_module_does_not_load_torch():
    code = "import sys, studio.evaluation.recommend; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
