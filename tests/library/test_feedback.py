"""Feedback and listening profiles on a real SQLite catalog in tmp_path."""

from __future__ import annotations

import hashlib
import math
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.feedback import FeedbackEvent
from studio.library.idea_reactions import IDEA_KINDS
from studio.library.schema import UPGRADES


@pytest.fixture
def catalog(tmp_path):
    """A catalog with tracks 1–3 (status ok) and track 4 (missing)."""
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        for name in ("a", "b", "c", "gone"):
            catalog.upsert_track(
                tmp_path / f"{name}.mid", content_hash=name, size=1, mtime_ns=1,
                metadata={"title": name.upper()},
            )  # fmt: skip
        catalog.mark_missing([tmp_path / "gone.mid"])
        yield catalog


def rows(catalog, profile=None) -> int:
    if profile is None:
        return catalog.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
    return catalog.execute("SELECT COUNT(*) FROM feedback WHERE profile = ?", [profile]).fetchone()[
        0
    ]


def test_a_new_library_has_the_default_profile_and_indexes(catalog):
    assert feedback.profile_names(catalog) == ["default"]
    indexes = {r[0] for r in catalog.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {"feedback_by_profile_track", "feedback_by_profile_at"} <= indexes
    plan = " ".join(
        str(tuple(r))
        for r in catalog.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM feedback WHERE profile = 'x' ORDER BY at"
        )
    )
    assert "feedback_by_profile_at" in plan


def test_record_then_events_round_trip_in_time_order(catalog):
    liked = feedback.record(catalog, 2, "like", profile="default", at=300.0)
    played = feedback.record(catalog, 1, "play", profile="default", value=0.25, at=100.0)
    skipped = feedback.record(catalog, 3, "skip", profile="default", value=7.5, at=200.0)
    whole = feedback.record(catalog, 1, "play", profile="default", at=400.0)
    quick = feedback.record(catalog, 1, "skip", profile="default", at=500.0)
    assert liked == FeedbackEvent(2, "like", 1.0, 300.0, profile="default", id=liked.id)
    stored = feedback.events(catalog, "default")
    assert stored == [played, skipped, liked, whole, quick]
    assert [e.value for e in stored] == [0.25, 7.5, 1.0, 1.0, 0.0]
    assert feedback.events(catalog, "default", since=300.0) == [liked, whole, quick]
    assert feedback.events(catalog, "default", kinds=["skip"]) == [skipped, quick]
    assert liked.to_json() == {
        "id": liked.id, "track_id": 2, "profile": "default", "kind": "like", "value": 1.0,
        "at": 300.0,
    }  # fmt: skip
    now = feedback.record(catalog, 1, "added", profile="default")
    assert abs(now.at - time.time()) < 60


def test_every_kind_is_accepted(catalog):
    for kind in feedback.KINDS:
        feedback.record(catalog, 1, kind, profile="default")
    assert [e.kind for e in feedback.events(catalog, "default")] == list(feedback.KINDS)


@pytest.mark.parametrize(
    ("track_id", "kind", "value", "profile", "message"),
    [
        (1, "love", None, "default", "unknown feedback kind 'love'"),
        (1, "play", 1.5, "default", "between 0 and 1"),
        (1, "play", -0.1, "default", "between 0 and 1"),
        (1, "play", math.nan, "default", "finite"),
        (1, "skip", -1.0, "default", "negative"),
        (1, "like", 0.5, "default", "no value"),
        (1, "play", "half", "default", "finite number"),
        (99, "like", None, "default", "no track 99"),
        (2**70, "like", None, "default", "no track"),
        (4, "like", None, "default", "is missing"),
        (1, "like", None, "nobody", "unknown profile 'nobody'"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_stored(
    catalog, track_id, kind, value, profile, message
):
    with pytest.raises(InvalidInput, match=message):
        feedback.record(catalog, track_id, kind, profile=profile, value=value)
    assert rows(catalog) == 0


def test_profiles_are_isolated(catalog):
    feedback.create_profile(catalog, "Jazz nights")
    feedback.create_profile(catalog, "kids_2")
    assert feedback.profile_names(catalog) == ["default", "Jazz nights", "kids_2"]
    mine = feedback.record(catalog, 1, "like", profile="Jazz nights", at=1.0)
    theirs = feedback.record(catalog, 1, "dislike", profile="kids_2", at=2.0)
    assert feedback.events(catalog, "Jazz nights") == [mine]
    assert feedback.events(catalog, "kids_2") == [theirs]
    assert feedback.events(catalog, "default") == []
    assert feedback.event_counts(catalog) == {"default": 0, "Jazz nights": 1, "kids_2": 1}
    with pytest.raises(InvalidInput, match="unknown profile"):
        feedback.events(catalog, "nobody")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "1–40 characters"),
        ("x" * 41, "1–40 characters"),
        ("a/b", "letters, digits"),
        (" padded", "letters, digits"),
        ("semi;colon", "letters, digits"),
        ("DEFAULT", "already a profile 'default'"),
    ],
)
def test_bad_profile_names_are_refused(catalog, name, message):
    with pytest.raises(InvalidInput, match=message):
        feedback.create_profile(catalog, name)
    assert feedback.profile_names(catalog) == ["default"]


def test_a_duplicate_profile_is_refused(catalog):
    assert feedback.create_profile(catalog, "Élodie-2") == "Élodie-2"
    with pytest.raises(InvalidInput, match="already a profile"):
        feedback.create_profile(catalog, "Élodie-2")
    assert feedback.create_profile(catalog, "x" * 40) == "x" * 40


def test_forget_removes_every_event_of_that_profile_and_nothing_else(catalog):
    feedback.create_profile(catalog, "work")
    for i in range(5):
        feedback.record(catalog, 1 + i % 3, "play", profile="work", value=0.5, at=float(i))
    for i in range(3):
        feedback.record(catalog, 1 + i, "like", profile="default", at=float(i))
    tracks_before = catalog.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
    assert feedback.forget_profile(catalog, "work") == 5
    assert rows(catalog, "work") == 0 and rows(catalog, "default") == 3 and rows(catalog) == 3
    assert feedback.profile_names(catalog) == ["default", "work"]  # forgotten, not deleted
    assert catalog.execute("SELECT COUNT(*) FROM tracks").fetchone()[0] == tracks_before
    assert feedback.forget_profile(catalog, "work") == 0
    assert feedback.forget_profile(catalog, "default") == 3
    assert rows(catalog) == 0
    assert feedback.profile_names(catalog) == ["default", "work"]


def test_delete_profile(catalog):
    feedback.create_profile(catalog, "guest")
    feedback.record(catalog, 1, "like", profile="guest")
    feedback.record(catalog, 2, "like", profile="default")
    assert feedback.forget_profile(catalog, "guest", delete=True) == 1
    assert feedback.profile_names(catalog) == ["default"]
    assert rows(catalog) == 1
    with pytest.raises(InvalidInput, match="unknown profile 'guest'"):
        feedback.record(catalog, 1, "like", profile="guest")
    with pytest.raises(InvalidInput, match="unknown profile"):
        feedback.forget_profile(catalog, "guest")
    with pytest.raises(InvalidInput, match="cannot be deleted"):
        feedback.forget_profile(catalog, "default", delete=True)
    assert rows(catalog) == 1 and feedback.profile_names(catalog) == ["default"]
    feedback.create_profile(catalog, "guest")  # the name is free again, with no old events
    assert feedback.events(catalog, "guest") == []


def test_summary(catalog):
    assert feedback.summary(catalog, "default") == {
        "profile": "default", "events": 0, "counts": dict.fromkeys(feedback.KINDS, 0),
        "tracks": 0, "first_at": None, "last_at": None,
        "ideas": {"counts": dict.fromkeys(IDEA_KINDS, 0), "kept": 0, "ideas": 0},
    }  # fmt: skip
    feedback.record(catalog, 1, "like", profile="default", at=10.0)
    feedback.record(catalog, 1, "play", profile="default", value=0.5, at=20.0)
    feedback.record(catalog, 2, "play", profile="default", at=15.0)
    result = feedback.summary(catalog, "default")
    assert result["events"] == 3 and result["tracks"] == 2
    assert result["counts"]["play"] == 2 and result["counts"]["like"] == 1
    assert result["counts"]["skip"] == 0
    assert (result["first_at"], result["last_at"]) == (10.0, 20.0)


def test_feedback_goes_with_its_track(catalog, tmp_path):
    feedback.record(catalog, 1, "like", profile="default")
    catalog.execute("DELETE FROM tracks WHERE id = 1")
    assert feedback.events(catalog, "default") == []


def test_find_file_by_path_then_by_content(catalog, tmp_path):
    (tmp_path / "a.mid").write_bytes(b"song a")
    copy = tmp_path / "elsewhere.mid"
    copy.write_bytes(b"song a")
    catalog.upsert_track(
        tmp_path / "a.mid", content_hash=hashlib.sha256(b"song a").hexdigest(), size=6,
        mtime_ns=1,
    )  # fmt: skip
    assert catalog.find_file(tmp_path / "a.mid").id == 1
    assert catalog.find_file(copy).id == 1
    stranger = tmp_path / "stranger.mid"
    stranger.write_bytes(b"other")
    assert catalog.find_file(stranger) is None
    with pytest.raises(OSError):
        catalog.find_file(tmp_path / "nowhere.mid")


def test_a_version_2_library_is_upgraded_with_its_data_and_a_default_profile(tmp_path):
    path = tmp_path / "v2.sqlite"
    old = sqlite3.connect(path)
    UPGRADES[0](old)
    UPGRADES[1](old)
    old.execute("PRAGMA user_version=2")
    old.execute(
        "INSERT INTO tracks (path, display_path, status, indexed_at) VALUES (?, 'a.mid', 'ok', 0)",
        (b"/a.mid",),
    )
    old.execute(
        "INSERT INTO embeddings (track_id, model_version, vector) VALUES (1, 'm1', ?)",
        (np.arange(4, dtype=np.float32).tobytes(),),
    )
    old.execute("INSERT INTO feedback (track_id, kind, value, at) VALUES (1, 'like', 1, 5)")
    old.execute(
        "INSERT INTO feedback (track_id, profile, kind, value, at) VALUES (1, 'old', 'play', .5, 6)"
    )
    old.commit()
    old.close()
    with Catalog(path) as catalog:
        assert catalog.schema_version == 7
        assert [t.display_path for t in catalog.tracks()] == ["a.mid"]
        assert list(catalog.embedding(1, "m1").vector) == [0.0, 1.0, 2.0, 3.0]
        assert feedback.profile_names(catalog) == ["default", "old"]
        assert [(e.kind, e.at) for e in feedback.events(catalog, "default")] == [("like", 5.0)]
        assert [(e.kind, e.value) for e in feedback.events(catalog, "old")] == [("play", 0.5)]
        feedback.record(catalog, 1, "skip", profile="default", value=3.0, at=7.0)
    with Catalog(path) as again:  # no second upgrade, nothing lost
        assert again.schema_version == 7 and feedback.profile_names(again) == ["default", "old"]
        assert len(feedback.events(again, "default")) == 2


def test_feedback_modules_import_neither_qt_nor_torch_nor_a_network_client():
    code = (
        "import sys, studio.library.feedback, studio.commands.feedback, studio.commands.profile; "
        "print(sorted(m for m in ('PySide6', 'torch', 'urllib.request', 'http.client', "
        "'requests') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
