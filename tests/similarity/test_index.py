"""Exact cosine search: known geometry, brute-force references, and passage (excerpt) queries."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.similarity import index as search
from studio.similarity.index import PassageHit, PassageIndex, VectorIndex


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float64, for references)."""
    rows = np.asarray(rows, dtype=np.float64)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def random_units(rng: np.random.Generator, n: int, dims: int) -> np.ndarray:
    return unit(rng.standard_normal((n, dims))).astype(np.float32)


def brute_force(ids, vectors, query, k, exclude=()):
    """Reference top-k: every cosine in float64, sorted by score then id."""
    ids = np.asarray(ids)
    cosines = unit(vectors) @ unit(query)
    keep = ~np.isin(ids, list(exclude))
    ids, cosines = ids[keep], cosines[keep]
    order = np.lexsort((ids, -cosines))[:k]
    return ids[order].tolist(), cosines[order]


def check_against_reference(index, ids, vectors, query, k, exclude=()):
    got = index.top_k(query, k, exclude=exclude)
    want_ids, want_scores = brute_force(ids, vectors, query, k, exclude)
    assert [track for track, _ in got] == want_ids
    np.testing.assert_allclose([score for _, score in got], want_scores, atol=1e-5)


# --- VectorIndex ---------------------------------------------------------------------------------


def test_vectors_at_known_angles_come_back_in_angle_order():
    degrees = {10: 0, 11: 10, 12: 30, 13: 90, 14: 180, 15: 45}
    index = VectorIndex(2)
    angles = np.radians(list(degrees.values()))
    index.add(list(degrees), np.stack([np.cos(angles), np.sin(angles)], axis=1))
    result = index.top_k(np.array([1.0, 0.0]), k=6)
    assert [track for track, _ in result] == [10, 11, 12, 15, 13, 14]
    expected = np.cos(np.radians([0, 10, 30, 45, 90, 180]))
    np.testing.assert_allclose([score for _, score in result], expected, atol=1e-6)


@pytest.mark.parametrize(("n", "k"), [(1, 1), (7, 3), (50, 5), (1000, 10), (3000, 100), (20, 50)])
def test_top_k_matches_brute_force_on_random_data(n, k):
    rng = np.random.default_rng(n * 1000 + k)
    ids = rng.permutation(10 * n)[:n]
    vectors = rng.standard_normal((n, 24))
    index = VectorIndex(24)
    index.add(ids, vectors)
    for _ in range(5):
        query = rng.standard_normal(24)
        check_against_reference(index, ids, vectors, query, k)
        exclude = set(rng.choice(ids, size=min(n, 4), replace=False).tolist()) | {-5}
        check_against_reference(index, ids, vectors, query, k, exclude)


def test_k_larger_than_the_index_returns_everything_not_excluded():
    index = VectorIndex(3)
    index.add([1, 2, 3], np.eye(3))
    assert len(index.top_k(np.ones(3), k=10)) == 3
    assert [track for track, _ in index.top_k(np.ones(3), k=10, exclude=[2, 2, 9])] == [1, 3]
    assert index.top_k(np.ones(3), k=10, exclude=[1, 2, 3]) == []
    assert index.top_k(np.ones(3), k=0) == []
    assert VectorIndex(3).top_k(np.ones(3)) == []


def test_ties_go_to_the_smaller_id_even_at_the_partition_boundary():
    index = VectorIndex(4)
    ids = [90, 30, 70, 10, 50, 20]
    index.add(ids, np.tile([1.0, 2.0, 0.0, 0.0], (6, 1)))
    index.add([5], [[0.0, 0.0, 1.0, 0.0]])
    assert [track for track, _ in index.top_k(np.array([1.0, 2.0, 0, 0]), k=3)] == [10, 20, 30]
    assert [track for track, _ in index.top_k(np.array([1.0, 2.0, 0, 0]), k=7)] == [
        10, 20, 30, 50, 70, 90, 5,
    ]  # fmt: skip


def test_adding_a_known_id_replaces_its_vector():
    rng = np.random.default_rng(1)
    vectors = random_units(rng, 30, 8)
    index = VectorIndex(8)
    index.add(np.arange(30), vectors)
    replacement = rng.standard_normal(8)
    index.add([12], replacement[None, :])
    assert len(index) == 30
    np.testing.assert_allclose(index.vector(12), unit(replacement), atol=1e-6)
    vectors[12] = replacement
    check_against_reference(index, np.arange(30), vectors, rng.standard_normal(8), 10)


def test_an_id_given_twice_in_one_call_keeps_its_last_vector():
    index = VectorIndex(2)
    index.add([4, 5, 4], [[1.0, 0.0], [0.0, 1.0], [0.0, -3.0]])
    assert len(index) == 2
    np.testing.assert_allclose(index.vector(4), [0.0, -1.0])


def test_remove_then_add_keeps_results_exact():
    rng = np.random.default_rng(2)
    vectors = {i: rng.standard_normal(16) for i in range(200)}
    index = VectorIndex(16)
    index.add(list(vectors), np.stack(list(vectors.values())))
    removed = [0, 199, 57, 58, 1000]  # first row, last row, neighbours, unknown id
    index.remove(removed)
    for track in removed:
        vectors.pop(track, None)
        assert track not in index
    assert len(index) == 196
    assert sorted(index.ids.tolist()) == sorted(vectors)
    query = rng.standard_normal(16)
    check_against_reference(index, list(vectors), np.stack(list(vectors.values())), query, 196)
    vectors[57] = rng.standard_normal(16)
    vectors[500] = rng.standard_normal(16)
    index.add([57, 500], np.stack([vectors[57], vectors[500]]))
    assert len(index) == 198
    check_against_reference(index, list(vectors), np.stack(list(vectors.values())), query, 20)
    for track, vector in vectors.items():
        np.testing.assert_allclose(index.vector(track), unit(vector), atol=1e-6)


def test_growth_past_the_initial_capacity_doubles_and_keeps_every_row():
    rng = np.random.default_rng(3)
    vectors = random_units(rng, 100, 8)
    index = VectorIndex(8)
    capacities = []
    for i in range(100):
        index.add([i], vectors[i : i + 1])
        capacities.append(index.nbytes // (8 * 4 + 8))
    assert capacities[0] == search.MIN_CAPACITY
    assert sorted(set(capacities)) == [16, 32, 64, 128]
    assert index.ids.tolist() == list(range(100))
    for i in range(100):
        np.testing.assert_allclose(index.vector(i), vectors[i], atol=1e-6)
    check_against_reference(index, np.arange(100), vectors, vectors[42], 5)


def test_vectors_are_normalised_and_zero_vectors_stay_zero():
    index = VectorIndex(2)
    index.add([1, 2], [[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(index.vector(1), [0.6, 0.8])
    np.testing.assert_array_equal(index.vector(2), [0.0, 0.0])
    assert index.top_k(np.array([6.0, 8.0])) == [(1, pytest.approx(1.0)), (2, 0.0)]


def test_ids_vector_and_contains():
    index = VectorIndex(2)
    index.add(np.array([7, 3], dtype=np.int32), [[1.0, 0.0], [0.0, 1.0]])
    assert index.ids.dtype == np.int64 and index.ids.tolist() == [7, 3]
    assert 7 in index and np.int64(3) in index and 4 not in index
    with pytest.raises(ValueError):
        index.ids[0] = 1
    copy = index.vector(7)
    copy[:] = 9
    np.testing.assert_array_equal(index.vector(7), [1.0, 0.0])
    with pytest.raises(KeyError):
        index.vector(4)


def test_bad_shapes_and_values_are_rejected_clearly():
    index = VectorIndex(4)
    with pytest.raises(ValueError, match=r"dims = 4.*\(3,\)"):
        index.top_k(np.ones(3))
    with pytest.raises(ValueError, match="dims = 4"):
        index.add([1], np.ones((1, 5)))
    with pytest.raises(ValueError, match="2 ids but 1 vectors"):
        index.add([1, 2], np.ones((1, 4)))
    with pytest.raises(TypeError, match="integers"):
        index.add([1.5], np.ones((1, 4)))
    with pytest.raises(ValueError, match="NaN"):
        index.add([1], np.full((1, 4), np.nan))
    with pytest.raises(ValueError):
        VectorIndex(0)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["add", "remove"]), st.lists(st.integers(0, 30), max_size=6)),
        max_size=12,
    ),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
)
def test_any_sequence_of_adds_and_removes_matches_a_plain_dict(operations, k, seed):
    rng = np.random.default_rng(seed)
    index, model = VectorIndex(5), {}
    for operation, ids in operations:
        if operation == "add":
            vectors = rng.standard_normal((len(ids), 5))
            index.add(ids, vectors.reshape(len(ids), 5))
            model.update(zip(ids, vectors, strict=True))
        else:
            index.remove(ids)
            for track in ids:
                model.pop(track, None)
    assert len(index) == len(model) and sorted(index.ids.tolist()) == sorted(model)
    if model:
        stacked = np.stack(list(model.values()))
        check_against_reference(index, list(model), stacked, rng.standard_normal(5), k, {3, 4})


# --- PassageIndex --------------------------------------------------------------------------------

DIMS = 32


def passage_library(seed: int = 0, tracks: int = 60, windows: int = 40) -> tuple:
    """A PassageIndex of random tracks and the float passages it was given."""
    rng = np.random.default_rng(seed)
    index, passages = PassageIndex(DIMS), {}
    for track in range(tracks):
        passages[track] = random_units(rng, windows + track % 7, DIMS)
        index.add(track, passages[track])
    return rng, index, passages


def excerpt(rng, windows: np.ndarray, start: int, count: int, shift: int = 0, noise: float = 0.15):
    """A fine-hop query (4 windows per library window) whose windows ``shift + 4r`` are noisy
    copies of library windows ``start + r``; the windows in between are unrelated."""
    query = random_units(rng, shift + 4 * (count - 1) + 1, DIMS)
    for r in range(count):
        query[shift + 4 * r] = windows[start + r] + noise * rng.standard_normal(DIMS) / np.sqrt(
            DIMS
        )
    return query


def reference_scores(passages: dict, query: np.ndarray, phases: int) -> dict:
    """The documented score, computed track by track in float64 from the given passages."""
    query = unit(query)
    result = {}
    for track, windows in passages.items():
        best = (query @ unit(windows).T).max(axis=1)
        used = min(phases, len(query))
        result[track] = max(best[o::phases].mean() for o in range(used))
    return result


def test_the_track_holding_the_excerpt_ranks_first_and_says_where():
    rng, index, passages = passage_library()
    query = excerpt(rng, passages[23], start=9, count=4)  # 13 windows, like a 4-bar query
    assert query.shape == (13, DIMS)
    hits = index.top_k(query, k=5)
    assert isinstance(hits[0], PassageHit)
    assert hits[0].track_id == 23
    assert hits[0].score > 0.9 > hits[1].score + 0.2
    assert hits[0].query_window % 4 == 0
    assert hits[0].window == 9 + hits[0].query_window // 4
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


@pytest.mark.parametrize("shift", [1, 2, 3])
def test_an_excerpt_shifted_by_a_fine_step_is_still_found(shift):
    rng, index, passages = passage_library(seed=shift)
    query = excerpt(rng, passages[40], start=20, count=3, shift=shift)
    hit = index.top_k(query, k=1)[0]
    assert hit.track_id == 40 and hit.score > 0.9
    assert hit.query_window % 4 == shift
    assert hit.window == 20 + (hit.query_window - shift) // 4


def test_scores_follow_the_documented_formula_across_chunks(monkeypatch):
    monkeypatch.setattr(search, "CHUNK_ROWS", 100)  # many chunks, and tracks bigger than one
    rng, index, passages = passage_library(seed=5, tracks=25)
    passages[99] = random_units(rng, 250, DIMS)
    index.add(99, passages[99])
    for rows, phases in [(13, 4), (9, 4), (2, 4), (5, 1), (7, 3)]:
        query = random_units(rng, rows, DIMS)
        query[0] = passages[3][2]
        ids, scores = index.scores(query, phases=phases)
        assert ids.tolist() == sorted(passages)
        want = reference_scores(passages, query, phases)
        np.testing.assert_allclose(scores, [want[t] for t in ids.tolist()], atol=0.02)


def test_int8_rounding_error_stays_below_002_in_cosine():
    rng = np.random.default_rng(7)
    windows = random_units(rng, 2000, DIMS)
    index = PassageIndex(DIMS)
    index.add(1, windows)
    stored = index.passages(1)
    queries = random_units(rng, 300, DIMS)
    error = np.abs(queries @ stored.T - unit(queries) @ unit(windows).T)
    assert error.max() < 0.02
    assert index.top_k(windows[5:6], k=1)[0].score == pytest.approx(1.0, abs=0.02)
    assert index.nbytes == 2000 * DIMS and index.passage_count == 2000


def test_exclude_remove_replace_and_empty_tracks():
    rng, index, passages = passage_library(seed=8, tracks=10)
    query = excerpt(rng, passages[4], start=3, count=4)
    assert index.top_k(query, k=1)[0].track_id == 4
    assert 4 not in [hit.track_id for hit in index.top_k(query, k=50, exclude={4, 77})]
    assert len(index.top_k(query, k=50, exclude=[0, 1, 1])) == 8
    index.remove([4, 77])
    assert len(index) == 9 and 4 not in index
    assert 4 not in [hit.track_id for hit in index.top_k(query, k=50)]
    index.add(6, passages[4])  # replace track 6 with the passages that match the query
    assert index.top_k(query, k=1)[0].track_id == 6
    index.add(6, np.empty((0, DIMS)))
    assert 6 not in index and len(index) == 8
    assert 6 not in [hit.track_id for hit in index.top_k(query, k=50)]
    assert index.passage_count == sum(len(passages[t]) for t in (0, 1, 2, 3, 5, 7, 8, 9))


def test_many_replacements_reuse_space_and_keep_every_track_exact():
    rng = np.random.default_rng(9)
    index, passages = PassageIndex(DIMS), {}
    for step in range(400):
        track = int(rng.integers(0, 20))
        passages[track] = random_units(rng, int(rng.integers(1, 30)), DIMS)
        index.add(track, passages[track])
        if step % 50 == 49:
            index.remove([track])
            del passages[track]
    # At most 20 × 29 rows are live: unused rows are compacted away instead of growing the store.
    assert len(index._store) <= 1024
    assert index.passage_count == sum(len(p) for p in passages.values())
    for track, windows in passages.items():
        np.testing.assert_allclose(index.passages(track), windows, atol=0.5 / 127)
    query = random_units(rng, 6, DIMS)
    ids, scores = index.scores(query)
    want = reference_scores(passages, query, 4)
    np.testing.assert_allclose(scores, [want[t] for t in ids.tolist()], atol=0.02)


def test_an_empty_index_returns_nothing():
    index = PassageIndex(DIMS)
    query = np.ones((4, DIMS))
    assert index.top_k(query) == []
    ids, scores = index.scores(query)
    assert ids.size == 0 and scores.size == 0
    index.add(1, np.ones((3, DIMS)))
    index.remove([1])
    assert index.top_k(query) == [] and len(index) == 0 and index.nbytes == 0


def test_equal_passage_scores_go_to_the_smaller_id():
    index = PassageIndex(4)
    same = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    for track in (8, 2, 5):
        index.add(track, same)
    assert [hit.track_id for hit in index.top_k(same[:1], k=2)] == [2, 5]


def test_bad_passage_queries_are_rejected():
    index = PassageIndex(DIMS)
    index.add(1, np.ones((3, DIMS)))
    with pytest.raises(ValueError, match="dims = 32"):
        index.top_k(np.ones((4, 16)))
    with pytest.raises(ValueError, match="at least one window"):
        index.top_k(np.ones((0, DIMS)))
    with pytest.raises(ValueError, match="phases"):
        index.top_k(np.ones((4, DIMS)), phases=0)
    with pytest.raises(ValueError, match="dims = 32"):
        index.add(2, np.ones(DIMS))


def test_search_imports_without_qt_or_torch():
    code = (
        "import json, sys; import studio.similarity.index; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'torch'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []
