"""Text typed on the command line reaches SQL only as parameters (issue 18): quotes, ``%``,
``_`` and SQL in profile names, track arguments and ``--profile`` are refused with one line or
matched exactly, and every table keeps its rows."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import run_studio, write_tune_files

from studio.library.catalog import Catalog
from studio.library.indexer import index_folders

HOSTILE = ("x'); DROP TABLE feedback; --", "' OR '1'='1", '" OR 1=1 --', "%", "\\")


@pytest.fixture
def db(tmp_path, tiny_tunes, monkeypatch):
    """A small library with one like in the 'default' profile, and settings of this test's."""
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(tmp_path / "settings.json"))
    folder = tmp_path / "music"
    folder.mkdir()
    write_tune_files(folder, tiny_tunes[:3])
    path = tmp_path / "lib.sqlite"
    with Catalog(path) as catalog:
        index_folders(catalog, [folder], workers=1)
    done = run_studio("feedback", "1", "like", "--db", str(path))
    assert done.returncode == 0, done.stderr
    return path


def contents(path) -> dict[str, list[tuple]]:
    """The rows users' text could touch (tracks by id, path, title and status: a command may
    add their vectors meanwhile)."""
    queries = {"tracks": "SELECT id, path, title, status FROM tracks ORDER BY id",
               "feedback": "SELECT * FROM feedback ORDER BY id",
               "profiles": "SELECT * FROM profiles ORDER BY name"}  # fmt: skip
    with sqlite3.connect(path) as db:
        return {table: db.execute(sql).fetchall() for table, sql in queries.items()}


def test_hostile_text_on_the_command_line_changes_nothing(db):
    before = contents(db)
    for text in HOSTILE:
        for args in (
            ("profile", "create", text),
            ("profile", "use", text),
            ("profile", "forget", text, "--yes", "--delete"),
            ("feedback", text, "like"),
            ("feedback", "1", "like", "--profile", text),
            ("recommend", "--profile", text),
            ("similar", text),
        ):
            done = run_studio(*args, "--db", str(db))
            assert done.returncode == 2, (args, done.stdout, done.stderr)
            assert done.stderr.splitlines()[-1].startswith("studio: error: ")  # one line
    assert contents(db) == before


def test_profile_names_compare_exactly_not_as_patterns(db):
    # '_' and '%' are no wildcards: "defaul_" is unknown, then a new name, never 'default'
    for args in (("profile", "use", "_"), ("profile", "use", "defaul_"),
                 ("recommend", "--profile", "defaul%")):  # fmt: skip
        done = run_studio(*args, "--db", str(db))
        last = done.stderr.splitlines()[-1]
        assert done.returncode == 2 and "profile" in last, (args, done.stderr)
    done = run_studio("profile", "create", "defaul_", "--db", str(db))
    assert done.returncode == 0, done.stderr
    done = run_studio("profile", "create", "DEFAULT", "--db", str(db))  # letter case aside
    assert done.returncode == 2 and "already a profile 'default'" in done.stderr
    done = run_studio("profile", "forget", "defaul_", "--yes", "--db", str(db))
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(db) as library:  # the like in 'default' is still there
        assert library.execute("SELECT profile FROM feedback").fetchall() == [("default",)]
