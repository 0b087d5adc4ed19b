"""Reactions to generated ideas, per listening profile, on a real SQLite catalog in tmp_path."""

from __future__ import annotations

import math
import sqlite3
import time

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.idea_reactions import (
    IDEA_KINDS,
    KEEP_KINDS,
    IdeaReaction,
    forget_ideas,
    idea_marks,
    idea_reactions,
    idea_summary,
    record_idea,
    withdraw_idea,
)
from studio.library.schema import UPGRADES

FEATURES = np.array([0.5, -1.25, 3.0], dtype=np.float32)


@pytest.fixture
def catalog(tmp_path):
    """A catalog with the profiles 'default' and 'Anna'."""
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        feedback.create_profile(catalog, "Anna")
        yield catalog


def react(catalog, idea, kind, *, profile="default", at=1.0, **extra):
    """Record a reaction with small made-up features."""
    return record_idea(
        catalog, profile=profile, idea=idea, kind=kind, features=FEATURES, feature_version=1,
        at=at, **extra,
    )  # fmt: skip


def rows(catalog, profile=None) -> list[tuple[str, str]]:
    """``(idea, kind)`` of the stored rows (of one profile), in id order."""
    return [
        (idea, kind)
        for idea, kind, name in catalog.execute(
            "SELECT idea, kind, profile FROM idea_reactions ORDER BY id"
        )
        if profile is None or name == profile
    ]


def test_a_new_library_has_the_table_and_its_indexes(catalog):
    indexes = {r[0] for r in catalog.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"idea_reactions_by_profile", "idea_reactions_by_profile_idea"} <= indexes
    plan = " ".join(
        str(tuple(r))
        for r in catalog.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM idea_reactions WHERE profile = 'x' ORDER BY at"
        )
    )
    assert "idea_reactions_by_profile" in plan


def test_every_field_round_trips(catalog):
    latents = np.arange(12, dtype=np.float64).reshape(3, 4) / 7  # stored as float32
    settings = {"key": "D minor", "meter": "6/8", "bars": 8, "tempo": 92.5, "form": "AABA",
                "density": 0.75, "chords": ["Dm", "Bb"]}  # fmt: skip
    made = record_idea(
        catalog, profile="Anna", idea="a1b2", kind="export", features=[0.1, 0.2, 0.3, 0.4],
        feature_version=3, settings=settings, seed=2**40 + 7, latents=latents, valence=-0.5,
        arousal=0.25, at=1234.5,
    )  # fmt: skip
    [stored] = idea_reactions(catalog, "Anna")
    assert stored == made and stored.id == made.id is not None
    assert (stored.idea, stored.kind, stored.profile) == ("a1b2", "export", "Anna")
    assert stored.at == 1234.5
    assert (stored.seed, stored.feature_version) == (2**40 + 7, 3)
    assert (stored.valence, stored.arousal) == (-0.5, 0.25)
    assert stored.settings == settings
    assert stored.features.dtype == np.float32 and stored.features.shape == (4,)
    assert np.array_equal(stored.features, np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32))
    assert stored.latents.dtype == np.float32 and stored.latents.shape == (3, 4)
    assert np.array_equal(stored.latents, latents.astype(np.float32))
    assert stored.kept and not react(catalog, "x", "dislike").kept
    assert stored.to_json() == {
        "id": made.id, "profile": "Anna", "idea": "a1b2", "kind": "export", "at": 1234.5,
        "seed": 2**40 + 7, "settings": settings,
        "features": [float(x) for x in np.float32([0.1, 0.2, 0.3, 0.4])], "feature_version": 3,
        "latent_shape": [3, 4], "valence": -0.5, "arousal": 0.25,
    }  # fmt: skip
    assert stored != idea_reactions(catalog, "default")[0]


def test_the_optional_fields_are_none_and_at_is_now(catalog):
    made = record_idea(catalog, profile="default", idea="i", kind="open", features=FEATURES,
                       feature_version=1)  # fmt: skip
    assert abs(made.at - time.time()) < 60
    [stored] = idea_reactions(catalog, "default")
    assert stored == made
    assert (stored.seed, stored.latents, stored.valence, stored.arousal) == (None,) * 4
    assert stored.settings == {} and stored.to_json()["latent_shape"] is None


def test_a_like_replaces_a_dislike_and_back(catalog):
    react(catalog, "i1", "dislike", at=1.0)
    react(catalog, "i1", "open", at=2.0)
    react(catalog, "i1", "dislike", profile="Anna", at=3.0)
    react(catalog, "i1", "like", at=4.0)
    assert rows(catalog, "default") == [("i1", "open"), ("i1", "like")]
    assert rows(catalog, "Anna") == [("i1", "dislike")]  # another profile's mind is its own
    react(catalog, "i1", "dislike", at=5.0)
    assert rows(catalog, "default") == [("i1", "open"), ("i1", "dislike")]
    assert idea_marks(catalog, "default", ["i1"]) == {"i1": "dislike"}


def test_the_same_like_twice_keeps_one_row_and_returns_it(catalog):
    first = react(catalog, "i1", "like", at=1.0, seed=5)
    again = react(catalog, "i1", "like", at=9.0, seed=6)
    assert again == first and again.at == 1.0 and again.seed == 5
    assert rows(catalog) == [("i1", "like")]
    react(catalog, "i1", "dislike", at=10.0)
    react(catalog, "i1", "dislike", at=11.0)
    assert rows(catalog) == [("i1", "dislike")]


def test_open_export_and_add_repeat(catalog):
    for at, kind in enumerate(("open", "open", "export", "add", "add")):
        react(catalog, "i1", kind, at=float(at))
    assert rows(catalog) == [("i1", k) for k in ("open", "open", "export", "add", "add")]


def test_withdraw(catalog):
    react(catalog, "i1", "like")
    react(catalog, "i1", "open")
    react(catalog, "i1", "like", profile="Anna")
    assert withdraw_idea(catalog, profile="default", idea="i1", kind="like") == 1
    assert rows(catalog) == [("i1", "open"), ("i1", "like")]
    assert withdraw_idea(catalog, profile="default", idea="i1", kind="like") == 0
    react(catalog, "i1", "open")
    assert withdraw_idea(catalog, profile="default", idea="i1", kind="open") == 2
    assert rows(catalog) == [("i1", "like")] == rows(catalog, "Anna")
    with pytest.raises(InvalidInput, match="unknown idea reaction 'love'"):
        withdraw_idea(catalog, profile="default", idea="i1", kind="love")
    with pytest.raises(InvalidInput, match="unknown profile 'nobody'"):
        withdraw_idea(catalog, profile="nobody", idea="i1", kind="like")


def test_marks_are_likes_and_dislikes_of_the_given_ideas(catalog):
    react(catalog, "liked", "like")
    react(catalog, "disliked", "dislike")
    react(catalog, "opened", "open")
    react(catalog, "elsewhere", "like")
    react(catalog, "opened", "dislike", profile="Anna")
    ideas = iter(["liked", "disliked", "opened", "unknown", "liked"])  # any iterable
    assert idea_marks(catalog, "default", ideas) == {"liked": "like", "disliked": "dislike"}
    assert idea_marks(catalog, "Anna", ["liked", "opened"]) == {"opened": "dislike"}
    assert idea_marks(catalog, "default", []) == {}
    with pytest.raises(InvalidInput, match="unknown profile"):
        idea_marks(catalog, "nobody", ["liked"])


def test_summary_counts(catalog):
    assert idea_summary(catalog, "default") == {
        "counts": dict.fromkeys(IDEA_KINDS, 0), "kept": 0, "ideas": 0,
    }  # fmt: skip
    react(catalog, "a", "like")
    react(catalog, "a", "open")
    react(catalog, "b", "open")
    react(catalog, "b", "open")
    react(catalog, "c", "dislike")
    react(catalog, "d", "add")
    react(catalog, "d", "export")
    react(catalog, "e", "like", profile="Anna")
    assert idea_summary(catalog, "default") == {
        "counts": {"like": 1, "dislike": 1, "open": 3, "export": 1, "add": 1},
        "kept": 3, "ideas": 4,
    }  # fmt: skip
    assert feedback.summary(catalog, "default")["ideas"] == idea_summary(catalog, "default")
    assert feedback.summary(catalog, "Anna")["ideas"]["kept"] == 1
    assert set(KEEP_KINDS) == set(IDEA_KINDS) - {"dislike"}
    with pytest.raises(InvalidInput, match="unknown profile"):
        idea_summary(catalog, "nobody")


def test_reactions_by_kind_version_and_limit_oldest_first(catalog):
    for i in range(6):
        record_idea(
            catalog, profile="default", idea=f"i{i}", kind="like" if i % 2 else "open",
            features=FEATURES, feature_version=1 + i // 3, at=float(10 - i % 3),
        )  # fmt: skip
    every = idea_reactions(catalog, "default")
    assert [r.idea for r in every] == ["i2", "i5", "i1", "i4", "i0", "i3"]  # at, then id
    assert [r.idea for r in idea_reactions(catalog, "default", limit=4)] == [
        "i1", "i4", "i0", "i3",
    ]  # fmt: skip
    assert idea_reactions(catalog, "default", limit=0) == []
    assert [r.idea for r in idea_reactions(catalog, "default", kinds=["like"])] == [
        "i5", "i1", "i3",
    ]  # fmt: skip
    assert idea_reactions(catalog, "default", kinds=("dislike",)) == []
    assert [r.idea for r in idea_reactions(catalog, "default", feature_version=2)] == [
        "i5", "i4", "i3",
    ]  # fmt: skip
    newest_liked = idea_reactions(catalog, "default", kinds=["like"], feature_version=2, limit=1)
    assert [r.idea for r in newest_liked] == ["i3"]
    assert idea_reactions(catalog, "Anna") == []
    with pytest.raises(InvalidInput, match="unknown idea reaction 'skip'"):
        idea_reactions(catalog, "default", kinds=["like", "skip"])
    with pytest.raises(InvalidInput, match="unknown profile 'nobody'"):
        idea_reactions(catalog, "nobody")
    with pytest.raises(InvalidInput, match="negative"):
        idea_reactions(catalog, "default", limit=-1)


class Unstorable:
    pass


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "love"}, r"unknown idea reaction 'love' \(known: like, dislike, open, export"),
        ({"profile": "nobody"}, "unknown profile 'nobody' .*studio profile create nobody"),
        ({"idea": ""}, "an idea is named by its id, a non-empty text"),
        ({"idea": None}, "non-empty text"),
        ({"features": [1.0, math.nan]}, "features must be finite"),
        ({"features": [1.0, math.inf]}, "features must be finite"),
        ({"features": [1e39]}, "features must be finite float32"),  # overflows float32
        ({"features": np.ones((2, 2))}, r"features must be a vector \(1-D\)"),
        ({"features": 1.0}, r"features must be a vector \(1-D\)"),
        ({"features": []}, "at least one value"),
        ({"features": ["loud"]}, "features must be numbers"),
        ({"latents": np.ones(3)}, r"latents must be a table \(2-D"),
        ({"latents": [[0.0, math.nan]]}, "latents must be finite"),
        ({"settings": {"when": Unstorable()}}, "settings must be storable as JSON"),
        ({"settings": {"tempo": math.nan}}, "settings must be storable as JSON"),
        ({"settings": ["key", "C"]}, r"settings are a dict \(a JSON object\)"),
        ({"seed": 1.5}, "a seed is a whole number"),
        ({"seed": 2**64}, "a seed must fit in 64 bits"),
        ({"feature_version": "2"}, "a feature version is a whole number"),
        ({"valence": 1.5}, "a valence is between −1 and 1"),
        ({"arousal": math.nan}, "an? arousal must be a finite number"),
        ({"at": math.inf}, "time must be a finite number"),
    ],
)
def test_bad_reactions_are_refused_and_nothing_is_stored(catalog, change, message):
    arguments = {"profile": "default", "idea": "i1", "kind": "like", "features": FEATURES,
                 "feature_version": 1, **change}  # fmt: skip
    with pytest.raises(InvalidInput, match=message):
        record_idea(catalog, **arguments)
    assert rows(catalog) == []


def test_forget_profile_removes_its_idea_reactions_and_counts_them(catalog):
    feedback.create_profile(catalog, "work")
    catalog.upsert_track(b"/a.mid", content_hash="a", size=1, mtime_ns=1)
    feedback.record(catalog, 1, "like", profile="work")
    react(catalog, "i1", "like", profile="work")
    react(catalog, "i1", "open", profile="work")
    react(catalog, "i1", "like", profile="Anna")
    assert feedback.forget_profile(catalog, "work") == 3  # 1 event + 2 idea reactions
    assert rows(catalog) == [("i1", "like")] == rows(catalog, "Anna")
    assert feedback.profile_names(catalog) == ["Anna", "default", "work"]
    react(catalog, "i2", "add", profile="work")
    assert forget_ideas(catalog, "work") == 1 and rows(catalog, "work") == []
    with pytest.raises(InvalidInput, match="unknown profile"):
        forget_ideas(catalog, "nobody")


def test_deleting_a_profile_removes_its_idea_reactions(catalog):
    react(catalog, "i1", "like", profile="Anna")
    react(catalog, "i2", "dislike", profile="Anna")
    react(catalog, "i1", "like")
    assert feedback.forget_profile(catalog, "Anna", delete=True) == 2
    assert rows(catalog) == [("i1", "like")] == rows(catalog, "default")
    feedback.create_profile(catalog, "Anna")  # the name is free again, with no old reactions
    assert idea_reactions(catalog, "Anna") == [] and idea_marks(catalog, "Anna", ["i1"]) == {}


def test_a_version_6_library_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "v6.sqlite"
    old = sqlite3.connect(path)
    for step in UPGRADES[:6]:
        step(old)
    old.execute("PRAGMA user_version=6")
    old.execute(
        "INSERT INTO tracks (path, display_path, status, indexed_at, valence) "
        "VALUES (?, 'a.mid', 'ok', 0, 0.5)",
        (b"/a.mid",),
    )
    old.execute("INSERT INTO profiles (name, created_at) VALUES ('Anna', 1)")
    old.execute(
        "INSERT INTO feedback (track_id, profile, kind, value, at) VALUES (1, 'Anna', 'like', 1, 5)"
    )
    old.commit()
    tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "idea_reactions" not in tables
    old.close()
    with Catalog(path) as catalog:
        assert catalog.schema_version == 7
        assert [(t.display_path, t.valence) for t in catalog.tracks()] == [("a.mid", 0.5)]
        assert feedback.profile_names(catalog) == ["Anna", "default"]
        assert [(e.track_id, e.kind) for e in feedback.events(catalog, "Anna")] == [(1, "like")]
        assert idea_reactions(catalog, "Anna") == []
        made = react(catalog, "i1", "like", profile="Anna")
    with Catalog(path) as again:  # no second upgrade, nothing lost
        assert again.schema_version == 7
        assert idea_reactions(again, "Anna") == [made]
        assert len(feedback.events(again, "Anna")) == 1


def test_reactions_compare_by_value():
    one = IdeaReaction("i", "like", "default", 1.0, None, {}, FEATURES.copy(), 1, None, None, None)
    same = IdeaReaction("i", "like", "default", 1.0, None, {}, FEATURES.copy(), 1, None, None, None)
    other = IdeaReaction("i", "like", "default", 1.0, None, {}, FEATURES * 2, 1, None, None, None)
    noisy = IdeaReaction(
        "i", "like", "default", 1.0, None, {}, FEATURES.copy(), 1, np.zeros((1, 2), np.float32),
        None, None,
    )  # fmt: skip
    assert one == same and one != other and one != noisy and noisy == noisy
    assert one != "i"
