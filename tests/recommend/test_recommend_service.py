"""The recommendation service over a real catalog: the table from the database, feedback learnt
at once."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.mood import Mood, shared_mood
from studio.core.resources import DEMO_LIBRARY
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.indexer import index_folders
from studio.recommend.service import RecommendService, track_table
from studio.similarity.embedder import Embedder


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "library.sqlite"
    with Catalog(db) as catalog:
        index_folders(catalog, [DEMO_LIBRARY], embedder=Embedder(), workers=1)
    return db


@pytest.fixture
def catalog(demo_db, tmp_path):
    copy = tmp_path / "library.sqlite"
    shutil.copy(demo_db, copy)
    with Catalog(copy) as opened:
        yield opened


def test_the_table_holds_every_embedded_track(catalog):
    version = Embedder().model_version
    table = track_table(catalog, version)
    assert len(table) == catalog.counts()["ok"] == 42
    track = catalog.get(int(table.ids[0]))
    assert table.titles[0] == track.title and table.tempo[0] == track.tempo
    stored = catalog.embedding(track.id, version)
    assert np.allclose(table.vectors[0], stored.vector, atol=1e-6)


def test_the_table_ranks_with_the_library_s_spread_vectors(catalog):
    """The engine hands in the similar-tracks spread: unrelated demo tracks are no longer all
    close (raw cosines of the chorales to the reels: about 0.4 and up)."""
    from studio.similarity.embedder import DEFAULT_WEIGHTS
    from studio.similarity.spread import library_spread

    version = Embedder().model_version
    spread = library_spread(DEFAULT_WEIGHTS, version)
    service = RecommendService(catalog, version, spread)
    raw, spread_table = track_table(catalog, version), service.table
    assert np.array_equal(raw.ids, spread_table.ids)
    traits = np.stack([stored.traits for stored in catalog.embeddings(version)])
    assert np.allclose(spread_table.vectors, spread(raw.vectors, traits), atol=1e-5)
    chorales = np.array(["Chorale" in t or "BWV" in t for t in raw.titles])
    across = spread_table.vectors[chorales] @ spread_table.vectors[~chorales].T
    within = spread_table.vectors[chorales] @ spread_table.vectors[chorales].T
    assert np.median(across) < 0.1 < np.median(within)
    assert np.median(raw.vectors[chorales] @ raw.vectors[~chorales].T) > np.median(across) + 0.2


def test_the_engine_recommends_with_the_spread(tmp_path):
    from studio.engine import Engine

    with Engine(db_path=tmp_path / "library.sqlite") as engine:
        assert engine.recommendations.spread is not None


def test_each_feedback_event_changes_the_next_recommendations(catalog):
    service = RecommendService(catalog, Embedder().model_version)
    chorales = [t.id for t in catalog.tracks("ok") if "bach-chorale" in t.display_path]
    tunes = [t.id for t in catalog.tracks("ok") if "bach-chorale" not in t.display_path]
    service.record_feedback(chorales[0], "like", profile="default")
    first = service.recommend("default", top=10)
    taste = service._tastes["default"]
    steps = taste.steps
    for track_id in tunes[:3]:
        service.record_feedback(track_id, "like", profile="default")
    assert taste.steps > steps  # the kept model learnt from the new likes, no refit
    second = service.recommend("default", top=10)
    assert [s.track.id for s in first] != [s.track.id for s in second]
    shown = {s.track.id for s in second}
    assert not shown & {chorales[0], *tunes[:3]}  # reacted to just now: held back
    tune_share = sum(s.track.id in tunes for s in second) / len(second)
    assert tune_share > sum(s.track.id in tunes for s in first) / len(first)


def test_profiles_and_seeds_are_checked(catalog):
    service = RecommendService(catalog, Embedder().model_version)
    with pytest.raises(InvalidInput, match="no profile 'nobody'"):
        service.recommend("nobody")
    feedback.create_profile(catalog, "guest")
    assert len(service.recommend("guest", top=5)) == 5
    with pytest.raises(InvalidInput, match="has no vectors"):
        service.recommend("guest", seed_track=99999)


def test_a_library_without_vectors_recommends_nothing(tmp_path):
    with Catalog(tmp_path / "library.sqlite") as catalog:
        assert RecommendService(catalog, "some-model").recommend("default") == []


def test_feedback_another_process_records_is_learnt_too(catalog):
    service = RecommendService(catalog, Embedder().model_version)
    chorales = [t.id for t in catalog.tracks("ok") if "bach-chorale" in t.display_path]
    tunes = [t.id for t in catalog.tracks("ok") if "bach-chorale" not in t.display_path]
    service.record_feedback(chorales[0], "like", profile="default")
    first = service.recommend("default", top=10)
    own = service._tastes["default"]
    service.record_feedback(chorales[1], "like", profile="default")
    service.recommend("default", top=10)
    assert service._tastes["default"] is own  # its own events: learnt at once, no refit
    with Catalog(catalog.path) as other:  # `studio feedback` in a terminal, say
        for track_id in tunes[:4]:
            feedback.record(other, track_id, "like", profile="default")
    second = service.recommend("default", top=10)
    assert service._tastes["default"] is not own  # refitted with the other process's likes
    assert [s.track.id for s in first] != [s.track.id for s in second]
    assert not {s.track.id for s in second} & set(tunes[:4])  # liked just now: held back


def test_a_suggestion_names_the_traits_it_shares_with_a_liked_track(catalog):
    """Liking a four-part chorale among fiddle tunes: the chorales suggested next say what they
    share with it in texture or harmony, read from the notes of both."""
    service = RecommendService(catalog, Embedder().model_version)
    chorales = [t.id for t in catalog.tracks("ok") if "bach-chorale" in t.display_path]
    service.record_feedback(chorales[0], "like", profile="default")
    found = service.recommend("default", top=10)
    shared = [
        reason
        for r in found
        if r.track_id in chorales
        for reason in r.reasons
        if reason.startswith("both have ")
    ]
    assert shared, [r.reasons for r in found]
    assert any("texture" in s or "chords" in s or "harmon" in s for s in shared), shared
    table = service.table
    first, second = table.rows(chorales[:2])
    assert table.shared_traits(first, second) == table.shared_traits(second, first)
    moods = {t.id: (t.valence, t.arousal) for t in catalog.tracks("ok")}
    for suggestion in found:  # a shared mood is named only when both tracks have it
        for reason in suggestion.reasons:
            if reason.startswith("also "):
                words = shared_mood(Mood(*moods[chorales[0]]), Mood(*moods[suggestion.track_id]))
                assert reason == f"also {words}"
