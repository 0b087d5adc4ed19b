"""Tests of the recommendation engine in studio.recommend.ranker, on constructed libraries."""

import subprocess
import sys

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.library.feedback import FeedbackEvent
from studio.recommend import ranker as R
from studio.recommend import taste as T
from studio.recommend import weights as W

DAY = 86_400.0
NOW = 1_700_000_000.0


def clustered(groups=5, per_group=24, dims=16, noise=0.15, seed=0):
    """A library of ``groups`` clusters of unit vectors, with shuffled, non-contiguous ids.

    Tempo and density grow with the group number. Returns (table, group of each row).
    """
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((groups, dims))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    labels = np.repeat(np.arange(groups), per_group)
    vectors = centres[labels] + noise * rng.standard_normal((len(labels), dims))
    tempo = 70.0 + 25.0 * labels + rng.normal(0, 3, len(labels))
    density = 1.0 + 0.5 * labels + rng.normal(0, 0.1, len(labels))
    tempo[[5, 30]] = np.nan
    ids = rng.permutation(len(labels)) * 3 + 1000
    titles = [f"g{g}-{i}" for i, g in enumerate(labels)]
    return T.TrackTable(ids, vectors, tempo, density, titles), labels


def ids_of(table, labels, group, count=None):
    """Track ids of the first ``count`` rows of ``group``."""
    return table.ids[labels == group][:count].tolist()


def feedback_events(likes=(), skips=(), start=NOW - 10 * DAY, kind="like"):
    """Like events on ``likes`` then 3-second skips on ``skips``, a minute apart."""
    events = [FeedbackEvent(t, kind, 1.0, start + 60 * i) for i, t in enumerate(likes)]
    events += [
        FeedbackEvent(t, "skip", 3.0, start + 60 * (len(events) + i)) for i, t in enumerate(skips)
    ]
    return events


def group_means(scores, labels, leave_out=()):
    """Mean score of each group's rows, rows in ``leave_out`` left out."""
    keep = ~np.isin(np.arange(len(labels)), list(leave_out))
    return np.array([scores[(labels == g) & keep].mean() for g in range(labels.max() + 1)])


# -- events ----------------------------------------------------------------------------------


def test_event_weights_follow_the_documented_table():
    weight = R.event_weight
    assert weight("like") == 1.0 and weight("dislike") == -1.0
    assert weight("added") == weight("exported") == 0.8
    assert weight("play", 1.0) == weight("play", 0.8) == 0.5
    assert weight("play", 0.55) == pytest.approx(0.25)
    assert weight("play", 0.3) == pytest.approx(0.0)
    assert weight("play", 0.0) == pytest.approx(-0.3)
    assert weight("play", 0.15) == pytest.approx(-0.15)
    assert weight("skip", 0.0) == pytest.approx(-0.7)
    assert weight("skip", 15.0) == pytest.approx(-0.35)
    assert weight("skip", 30.0) == weight("skip", 500.0) == 0.0
    assert weight("rated") == 0.0


def test_track_weights_age_and_clip():
    events = [
        FeedbackEvent(1, "like", at=NOW - 30 * DAY),  # one half-life old
        FeedbackEvent(2, "dislike", at=NOW),
        FeedbackEvent(3, "like", at=NOW),
        FeedbackEvent(3, "like", at=NOW),
        FeedbackEvent(3, "added", at=NOW),
        FeedbackEvent(4, "like", at=NOW),
        FeedbackEvent(4, "skip", 0.0, at=NOW),
    ]
    weights = W.track_weights(events, NOW)
    assert weights[1] == pytest.approx(0.5)
    assert weights[2] == -1.0
    assert weights[3] == 2.0  # 2.8 clipped
    assert weights[4] == pytest.approx(0.3)
    assert (
        W.aged_weight(FeedbackEvent(9, "like", at=NOW + DAY), NOW) == 1.0
    )  # from the future: no age


def test_held_back_tracks():
    old = [FeedbackEvent(100 + i, "play", 1.0, NOW - 10 * DAY + i) for i in range(30)]
    recent = [FeedbackEvent(7, "skip", 2.0, NOW - 3600), FeedbackEvent(8, "like", at=NOW - 2 * DAY)]
    dislikes = [
        FeedbackEvent(50, "dislike", at=NOW - 90 * DAY),
        FeedbackEvent(51, "dislike", at=NOW - 90 * DAY),
        FeedbackEvent(51, "like", at=NOW - 80 * DAY),
    ]
    events = dislikes + old + recent
    blocked = W.held_back(events, NOW)
    assert blocked == {*range(112, 130), 7, 8, 50}  # the last 20 events, the last day, a dislike


# -- the table -------------------------------------------------------------------------------


def test_table_rows_and_features():
    table, labels = clustered()
    assert table.rows([table.ids[7], 5, table.ids[0]]).tolist() == [7, -1, 0]
    assert np.allclose(np.linalg.norm(table.vectors, axis=1), 1.0, atol=1e-5)
    assert table.features.shape == (len(labels), 16 + 3)
    assert np.isfinite(table.features).all() and (table.features[:, -1] == 1).all()
    assert table.features[5, 16] == 0.0  # unknown tempo: the median
    query = np.random.default_rng(1).standard_normal(19)
    assert table.spread(query) == pytest.approx((table.features @ query).std(), rel=1e-4)
    with pytest.raises(InvalidInput):
        T.TrackTable([1, 1], np.eye(2), [1, 2], [1, 2], ["a", "b"])
    with pytest.raises(InvalidInput):
        T.TrackTable([1, 2], np.eye(2), [1], [1, 2], ["a", "b"])


# -- the taste model -------------------------------------------------------------------------


def test_taste_model_moves_toward_liked_groups():
    table, labels = clustered()
    liked = ids_of(table, labels, 2, 6)
    skipped = [ids_of(table, labels, g, 2)[1] for g in (0, 1, 3, 4)]
    events = feedback_events(liked, skipped)
    model = T.TasteModel(table.dims, seed=1)
    before = group_means(model.scores(table), labels)
    model.fit(table, events)
    seen = table.rows(liked + skipped)
    means = group_means(model.scores(table), labels, leave_out=seen)
    assert means.argmax() == 2 and means[2] > np.delete(means, 2).max() + 1.0
    assert before.argmax() != 2 or before[2] < np.delete(before, 2).max() + 1.0
    unseen = np.setdiff1d(np.arange(len(labels)), seen)
    best = unseen[np.argsort(-model.scores(table)[unseen])[:10]]
    assert (labels[best] == 2).all()

    # New feedback: likes in group 4, skips in group 2. The model follows them.
    gap_before = means[4] - means[2]
    newer = feedback_events(ids_of(table, labels, 4, 6), ids_of(table, labels, 2, 12)[6:],
                      start=NOW - DAY)  # fmt: skip
    for event in newer:
        model.update(table, event)
    seen = table.rows(liked + skipped + [e.track_id for e in newer])
    means = group_means(model.scores(table), labels, leave_out=seen)
    assert means.argmax() == 4 and means[4] - means[2] > gap_before + 1.0


def test_taste_model_is_deterministic_and_its_state_round_trips():
    table, labels = clustered()
    events = feedback_events(ids_of(table, labels, 1, 5), ids_of(table, labels, 3, 3))
    one = T.TasteModel(table.dims, seed=4).fit(table, events)
    two = T.TasteModel(table.dims, seed=4).fit(table, events)
    other = T.TasteModel(table.dims, seed=5).fit(table, events)
    assert np.array_equal(one.scores(table), two.scores(table))
    assert not np.allclose(one.scores(table), other.scores(table))

    state = one.state()
    assert all(isinstance(value, np.ndarray) for value in state.values())
    copy = T.TasteModel.from_state({k: v.copy() for k, v in state.items()})
    assert np.array_equal(copy.scores(table), one.scores(table))
    event = FeedbackEvent(ids_of(table, labels, 0, 1)[0], "like", 1.0, NOW)
    one.update(table, event)
    copy.update(table, event)
    assert np.array_equal(copy.scores(table), one.scores(table))
    assert not np.array_equal(one.scores(table), two.scores(table))
    with pytest.raises(InvalidInput):
        T.TasteModel(8).fit(table, events)


def test_one_update_raises_the_liked_track():
    """One feedback event changes the kept model at once (its speed is in benchmarks/)."""
    rng = np.random.default_rng(2)
    n = 2_000
    table = T.TrackTable(np.arange(n), rng.standard_normal((n, 64)), rng.uniform(60, 180, n),
                         rng.gamma(2.0, 1.0, n), [str(i) for i in range(n)])  # fmt: skip
    kinds = ("like", "skip", "play", "dislike")
    events = [FeedbackEvent(int(rng.integers(n)), kinds[i % 4], 0.5, NOW + i) for i in range(50)]
    model = T.TasteModel(64).fit(table, events)
    liked = 1234
    before = model.scores(table)
    model.update(table, FeedbackEvent(liked, "like", 1.0, NOW + 100))
    after = model.scores(table)
    assert after[liked] - before[liked] > np.median(after - before)
    assert model.steps > 0 and model.buffer[-1][0] == liked


# -- recommendations -------------------------------------------------------------------------


def as_tuples(found):
    return [(r.track_id, r.score, r.reasons, r.parts) for r in found]


def test_cold_start_equals_content_ranking():
    table, labels = clustered()
    others = {
        "a": feedback_events(ids_of(table, labels, 0, 5)),
        "b": feedback_events(ids_of(table, labels, 3)),
    }
    recommender = R.Recommender(table)
    for world in (others, {**others, "new": []}):
        hybrid = recommender.recommend(world, "new", now=NOW)
        content = recommender.content_only(world, "new", now=NOW)
        assert as_tuples(hybrid) == as_tuples(content) and len(hybrid) == 10
    # No events, no seed: closeness to the library's centre, spread out by MMR.
    closeness = table.vectors @ table.centre
    rows = table.rows(r.track_id for r in hybrid)
    assert rows[0] == np.argmax(closeness)
    assert [r.score for r in hybrid] == pytest.approx(closeness[rows].tolist(), abs=1e-5)
    assert all(r.parts["taste"] == r.parts["collaborative"] == 0.0 for r in hybrid)
    assert len(set(labels[rows])) >= 3  # MMR: not all from one group
    assert all("new to you" in r.reasons and r.reasons[0].startswith("typical of your library")
               for r in hybrid)  # fmt: skip

    seed = ids_of(table, labels, 1, 1)[0]
    hybrid = recommender.recommend(others, "new", seed=seed, now=NOW)
    assert as_tuples(hybrid) == as_tuples(recommender.content_only(others, "new", seed=seed))
    cosines = table.vectors @ table.vectors[table.rows([seed])[0]]
    cosines[table.rows([seed])[0]] = -2
    assert hybrid[0].track_id == table.ids[np.argmax(cosines)]
    title = table.titles[table.rows([seed])[0]]
    assert hybrid[0].reasons == [f"like {title} ({cosines.max():.2f})", "new to you"]
    assert seed not in [r.track_id for r in hybrid]


def test_content_part_is_liked_mean_minus_disliked_mean():
    table, labels = clustered()
    liked, disliked = ids_of(table, labels, 0, 2), ids_of(table, labels, 2, 1)
    events = [*feedback_events(liked), FeedbackEvent(disliked[0], "dislike", at=NOW - 10 * DAY)]
    found = R.Recommender(table).content_only({"me": events}, "me", now=NOW - 10 * DAY + 600)
    vectors = table.vectors
    for item in found:
        vector = vectors[table.rows([item.track_id])[0]]
        expected = vectors[table.rows(liked)].mean(0) @ vector
        expected -= vectors[table.rows(disliked)[0]] @ vector
        assert item.parts["content"] == pytest.approx(expected, abs=1e-5)
        assert item.score == pytest.approx(sum(item.parts.values()))
    assert sum(labels[table.rows([r.track_id for r in found])] == 0) >= 8


def test_profiles_are_isolated():
    table, labels = clustered()
    mine = feedback_events(ids_of(table, labels, 1, 4), ids_of(table, labels, 4, 3))
    theirs = feedback_events(ids_of(table, labels, 3, 8), ids_of(table, labels, 0, 4))
    recommender = R.Recommender(table)
    alone = recommender.content_only({"me": mine}, "me", now=NOW)
    together = recommender.content_only({"me": mine, "them": theirs}, "me", now=NOW)
    assert as_tuples(alone) == as_tuples(together)
    # Their events share no track with mine: no similarity, so the hybrid ignores them too.
    taste = T.TasteModel(table.dims).fit(table, mine)
    alone = recommender.recommend({"me": mine}, "me", now=NOW, taste=taste)
    together = recommender.recommend({"me": mine, "them": theirs}, "me", now=NOW, taste=taste)
    assert as_tuples(alone) == as_tuples(together)
    assert all(r.parts["collaborative"] == 0.0 for r in together)


def test_similar_profiles_lend_recommendations():
    table, labels = clustered()
    shared = ids_of(table, labels, 0, 20)
    lent = ids_of(table, labels, 3, 6)
    world = {
        "me": feedback_events(shared, start=NOW - 5 * DAY),
        "friend": feedback_events(shared + lent, start=NOW - 6 * DAY),
        "stranger": feedback_events(ids_of(table, labels, 4, 10), shared, start=NOW - 6 * DAY),
    }
    recommender = R.Recommender(table)
    hybrid = recommender.recommend(world, "me", now=NOW)
    content = recommender.content_only(world, "me", now=NOW)
    borrowed = [r for r in hybrid if r.track_id in lent]
    assert len(borrowed) >= sum(r.track_id in lent for r in content)
    assert all(r.parts["collaborative"] > 0 for r in borrowed)
    assert any("people with similar taste liked it" in r.reasons for r in borrowed)
    for item in hybrid:  # the stranger's taste is the opposite of mine: never lent
        if "people with similar taste liked it" in item.reasons:
            assert item.track_id in lent

    def positions(found):
        order = [r.track_id for r in found]
        return np.mean([order.index(t) for t in lent])

    everything = len(table) - len(shared)
    assert positions(recommender.recommend(world, "me", now=NOW, top=everything)) + 10 < positions(
        recommender.content_only(world, "me", now=NOW, top=everything)
    )


def test_mmr_keeps_near_duplicates_out():
    table, labels = clustered()
    rng = np.random.default_rng(3)
    piece = table.vectors[labels == 0][0]
    copies = piece + 0.002 * rng.standard_normal((12, table.dims))
    n = len(labels)
    ids = np.arange(n + 12) + 5000
    vectors = np.concatenate([table.vectors, copies])
    table = T.TrackTable(ids, vectors, np.full(n + 12, 100.0), np.full(n + 12, 2.0),
                         [f"t{i}" for i in range(n + 12)])  # fmt: skip
    copy_ids = set(ids[n:].tolist())
    events = feedback_events([int(ids[0])])  # the piece itself
    plain = np.argsort(-(table.vectors @ table.vectors[0]))
    assert set(plain[:13].tolist()) == {0, *range(n, n + 12)}  # plain ranking: all the copies
    for method in ("recommend", "content_only"):
        found = getattr(R.Recommender(table), method)({"me": events}, "me", now=NOW)
        assert len(found) == 10
        assert sum(r.track_id in copy_ids for r in found) == 1
        rows = [r.track_id - 5000 for r in found if r.track_id not in copy_ids]
        assert (labels[rows] == 0).sum() >= 5  # the rest: other pieces like it


def test_recent_tracks_are_held_back_and_exclude_is_honoured():
    table, labels = clustered()
    group = ids_of(table, labels, 2)
    events = [FeedbackEvent(group[0], "like", at=NOW - 20 * DAY)]  # old enough to come back
    events += [FeedbackEvent(t, "play", 1.0, NOW - 3 * DAY + i) for i, t in enumerate(group[1:21])]
    events += [
        FeedbackEvent(group[21], "skip", 1.0, NOW - 3600),
        FeedbackEvent(group[22], "dislike", at=NOW - 3 * DAY),
    ]
    recommender = R.Recommender(table)
    taste = T.TasteModel(table.dims).fit(table, events)
    for found in (
        recommender.recommend({"me": events}, "me", now=NOW, top=30, taste=taste),
        recommender.content_only({"me": events}, "me", now=NOW, top=30),
    ):
        shown = [r.track_id for r in found]
        assert not set(shown) & set(group[1:23])
        assert group[0] in shown  # an old like may come back, but not as new
        again = next(r for r in found if r.track_id == group[0])
        assert "new to you" not in again.reasons
        assert all("new to you" in r.reasons for r in found if r.track_id != group[0])
    found = recommender.content_only({"me": events}, "me", now=NOW, exclude=[group[0], 12345])
    assert group[0] not in [r.track_id for r in found]
    # Without ``now``, the newest event sets the clock.
    assert as_tuples(recommender.content_only({"me": events}, "me")) == as_tuples(
        recommender.content_only({"me": events}, "me", now=NOW - 3600)
    )


def test_reasons_are_true():
    table, labels = clustered()
    liked = ids_of(table, labels, 1, 8)
    events = feedback_events(liked, ids_of(table, labels, 0, 4), start=NOW - 3 * DAY)
    events.append(FeedbackEvent(liked[0], "added", at=NOW - 2 * DAY))
    events.append(FeedbackEvent(liked[1], "dislike", at=NOW - 2 * DAY))  # no longer liked
    added = ids_of(table, labels, 1, 12)[-1]
    events.append(FeedbackEvent(added, "added", at=NOW - 2 * DAY))
    found = R.Recommender(table).recommend({"me": events}, "me", now=NOW, top=20)
    weights = W.track_weights(events, NOW)
    positive = [t for t, w in weights.items() if w > 0]
    rows = table.rows(positive)
    ranges = [np.nanpercentile(values[rows], [25, 75]) for values in (table.tempo, table.density)]
    matched = 0
    for item in found:
        row = table.rows([item.track_id])[0]
        cosines = table.vectors[rows] @ table.vectors[row]
        best = positive[int(np.argmax(cosines))]
        title = table.titles[table.rows([best])[0]]
        verb = f"added {title} to a project" if best == added else f"liked {title}"
        assert item.reasons[0] == f"because you {verb} ({cosines.max():.2f})"
        tempo, density = table.tempo[row], table.density[row]
        inside = ranges[0][0] <= tempo <= ranges[0][1] and ranges[1][0] <= density <= ranges[1][1]
        assert ("matches the tempo and density you play most" in item.reasons) == inside
        matched += inside
        assert ("new to you" in item.reasons) == (item.track_id not in weights)
        assert item.score == pytest.approx(sum(item.parts.values()))
    assert matched >= 1


def test_reasons_name_the_event():
    table, labels = clustered()
    recommender = R.Recommender(table)
    first, second = ids_of(table, labels, 2, 2)
    for events, verb in (
        ([FeedbackEvent(first, "added", at=NOW)], "added g{} to a project"),
        (
            [FeedbackEvent(first, "exported", at=NOW), FeedbackEvent(second, "play", 0.9, at=NOW)],
            "exported g{}",
        ),
        ([FeedbackEvent(first, "play", 0.9, at=NOW)], "played g{}"),
        (
            [FeedbackEvent(first, "play", 0.9, at=NOW), FeedbackEvent(first, "like", at=NOW)],
            "liked g{}",
        ),
    ):
        found = recommender.content_only({"me": events}, "me", now=NOW)
        title = table.titles[table.rows([first])[0]][1:]
        assert any(r.reasons[0].startswith(f"because you {verb.format(title)} (") for r in found)


def test_recommend_without_a_kept_taste_model_is_deterministic():
    table, labels = clustered()
    events = feedback_events(ids_of(table, labels, 3, 5), ids_of(table, labels, 1, 5))
    recommender = R.Recommender(table)
    first = recommender.recommend({"me": events}, "me", now=NOW)
    assert as_tuples(first) == as_tuples(recommender.recommend({"me": events}, "me", now=NOW))
    assert any(r.parts["taste"] != 0 for r in first)
    assert sum(labels[table.rows([r.track_id for r in first])] == 3) >= 8


def test_bad_arguments():
    table, _ = clustered()
    recommender = R.Recommender(table)
    with pytest.raises(InvalidInput, match="not in the library"):
        recommender.recommend({}, "me", seed=1)
    with pytest.raises(InvalidInput):
        recommender.recommend({}, "me", top=0)
    assert len(recommender.recommend({}, "nobody")) == 10


def test_popularity_counts_positive_events():
    table, _ = clustered()
    a, b, c = (int(t) for t in table.ids[:3])
    world = {
        "x": [
            FeedbackEvent(a, "like"),
            FeedbackEvent(b, "skip", 1.0),
            FeedbackEvent(c, "play", 0.9),
        ],
        "y": [FeedbackEvent(a, "added"), FeedbackEvent(b, "dislike"), FeedbackEvent(99, "like")],
    }
    counts = R.popularity(table, world)
    assert counts[:3].tolist() == [2, 0, 1] and counts.sum() == 3


def test_the_module_loads_neither_torch_nor_qt():
    code = (
        "import sys, studio.recommend.ranker; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
