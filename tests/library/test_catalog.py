"""The SQLite catalog on real files in tmp_path: schema, WAL, upgrades, rows keyed by raw paths."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from studio.library.catalog import Catalog, CatalogError, default_db_path
from studio.library.schema import SCHEMA_VERSION, UPGRADES


def test_a_new_catalog_has_the_schema_in_wal_mode(tmp_path):
    path = tmp_path / "sub" / "library.sqlite"
    with Catalog(path) as catalog:
        assert catalog.schema_version == SCHEMA_VERSION == 7
        assert catalog.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert catalog.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = {row[0] for row in catalog.execute("SELECT name FROM sqlite_master")}
        assert {"tracks", "embeddings", "feedback", "profiles", "idea_reactions"} <= tables
        assert catalog.counts() == {"ok": 0, "error": 0, "missing": 0, "total": 0}
    with Catalog(path) as again:  # opening again runs no upgrade and keeps the version
        assert again.schema_version == SCHEMA_VERSION


def test_a_version_1_library_is_upgraded_and_keeps_its_tracks(tmp_path):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    UPGRADES[0](old)
    old.execute("PRAGMA user_version=1")
    old.execute(
        "INSERT INTO tracks (path, display_path, status, indexed_at) VALUES (?, 'a.mid', 'ok', 0)",
        (b"/a.mid",),
    )
    old.commit()
    old.close()
    with Catalog(path) as catalog:
        assert catalog.schema_version == SCHEMA_VERSION
        assert [t.display_path for t in catalog.tracks()] == ["a.mid"]
        catalog.set_embedding(1, "m1", np.ones(4), np.eye(2, 3), np.array([0.0, 4.0]), 4.0)
        stored = catalog.embedding(1, "m1")
        assert np.array_equal(stored.passages, np.eye(2, 3))
        assert list(stored.passage_starts) == [0.0, 4.0] and stored.passage_hop == 4.0
        assert stored.passage_scale == 1.0  # the file's own beats
        catalog.set_embedding(1, "m1", np.ones(4), np.eye(2, 3), np.zeros(2), 4.0, 0.625)
        assert catalog.embedding(1, "m1").passage_scale == 0.625
        assert [e.passage_scale for e in catalog.embeddings("m1")] == [0.625]
        assert [e.track_id for e in catalog.embeddings("m1")] == [1]
        assert catalog.embedding(1, "m1").traits is None  # stored without traits
        traits = np.linspace(0, 1, 16)
        catalog.set_embedding(1, "m1", np.ones(4), np.eye(2, 3), np.zeros(2), 4.0, 1.0, traits)
        assert np.allclose(catalog.embedding(1, "m1").traits, traits)
        assert np.allclose(next(catalog.embeddings("m1")).traits, traits)
        assert list(catalog.traits([1, 2], "m1")) == [1] and catalog.traits([1], "m2") == {}
        assert catalog.paths_without_embedding("m2") == {b"/a.mid"}


def test_default_location_is_in_the_user_data_folder():
    assert default_db_path().name == "library.sqlite"
    assert "motif-studio" in str(default_db_path())


def test_upsert_keeps_the_id_and_decodes_rows(tmp_path):
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        song = tmp_path / "a.mid"
        first = catalog.upsert_track(
            song, content_hash="ab", size=10, mtime_ns=5,
            metadata={"title": "A", "programs": [0, 128], "density": 2.5},
        )  # fmt: skip
        second = catalog.upsert_track(song, content_hash="cd", size=11, mtime_ns=6)
        assert first == second
        track = catalog.get_by_path(str(song))
        assert track.content_hash == "cd" and track.size == 11 and track.programs == []
        assert catalog.get(first) == track
        assert catalog.find_by_hash("cd") == [track]
        assert catalog.paths_with_hash("cd") == [(first, os.fsencode(song))]
        assert catalog.paths_with_hash("ab") == []


def test_non_utf8_paths_are_stored_as_bytes(tmp_path):
    raw = os.fsencode(tmp_path) + b"/caf\xe9.mid"
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        catalog.upsert_track(raw, content_hash="x", size=1, mtime_ns=1)
        track = catalog.get_by_path(raw)
        assert track.path == raw
        assert track.display_path.endswith("caf\ufffd.mid")


def test_mark_missing_and_paths_under(tmp_path):
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        for name in ("music/a.mid", "music/deep/b.mid", "musical/c.mid"):
            catalog.upsert_track(tmp_path / name, content_hash=name, size=1, mtime_ns=1)
        under = catalog.paths_under(tmp_path / "music")
        assert sorted(os.path.basename(p) for p in under) == [b"a.mid", b"b.mid"]
        with catalog.transaction():
            assert catalog.mark_missing([tmp_path / "music/a.mid"]) == 1
        assert catalog.mark_missing([tmp_path / "music/a.mid"]) == 0
        assert [t.display_path for t in catalog.tracks("missing")] == [
            str(tmp_path / "music/a.mid")
        ]
        assert catalog.counts()["ok"] == 2


def test_a_failed_transaction_leaves_nothing(tmp_path):
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        with pytest.raises(RuntimeError), catalog.transaction():
            catalog.upsert_track(tmp_path / "a.mid", content_hash="x", size=1, mtime_ns=1)
            raise RuntimeError("boom")
        assert catalog.counts()["total"] == 0


def test_feedback_and_embeddings_follow_their_track(tmp_path):
    with Catalog(tmp_path / "lib.sqlite") as catalog:
        track_id = catalog.upsert_track(tmp_path / "a.mid", content_hash="x", size=1, mtime_ns=1)
        catalog.execute(
            "INSERT INTO feedback (track_id, kind, value, at) VALUES (?, 'like', 1, 0)", [track_id]
        )
        with pytest.raises(sqlite3.IntegrityError):
            catalog.execute("INSERT INTO feedback (track_id, kind, at) VALUES (999, 'like', 0)")


def test_a_file_that_is_not_a_database_gives_a_clear_error(tmp_path):
    bad = tmp_path / "lib.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(CatalogError, match="not a usable library"):
        Catalog(bad)


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "lib.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version=99")
    with pytest.raises(CatalogError, match=r"newer .*\(schema 99, this one knows 7\)"):
        Catalog(path)


def test_the_library_imports_neither_qt_nor_torch():
    import subprocess
    import sys

    code = (
        "import sys, studio.library, studio.library.indexer, studio.commands.index; "
        "print([m for m in ('PySide6', 'torch') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_change_marker_moves_with_the_music_not_with_feedback(tmp_path):
    from studio.library.feedback import record

    with Catalog(tmp_path / "library.sqlite") as catalog:
        first = catalog.change_marker()
        track = catalog.upsert_track("/a.mid", content_hash="00", size=1, mtime_ns=1)
        after_track = catalog.change_marker()
        assert after_track != first
        record(catalog, track, "like", profile="default")
        assert catalog.change_marker() == after_track
        with Catalog(tmp_path / "library.sqlite") as other:  # another program's change counts
            other.set_embedding(track, "m", np.ones(4), np.eye(1, 3), np.zeros(1), 4.0)
        assert catalog.change_marker() != after_track


def test_connections_opening_a_new_library_at_once_all_get_it(tmp_path):
    """The window's workers open the user's new library file at the same moment: one creates
    the tables, the others find them made (no "table tracks already exists", no "database is
    locked" from switching the new file to WAL)."""
    import threading

    from studio.library.catalog import Catalog

    for attempt in range(5):
        path, errors, opened = tmp_path / f"new-{attempt}.sqlite", [], []
        start = threading.Barrier(8)

        def open_it(path=path, errors=errors, opened=opened, start=start) -> None:
            start.wait()
            try:
                catalog = Catalog(path)
                opened.append(catalog.schema_version)
                catalog.close()
            except Exception as error:  # the test reports any failure
                errors.append(error)

        threads = [threading.Thread(target=open_it) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(opened) == 8
        assert len(set(opened)) == 1 and opened[0] > 0
