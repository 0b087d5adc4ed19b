"""The engine's library calls for the window: the table snapshot and its version (also across
processes), removing tracks, rescanning, and reading a track's song — on a real library file
indexed from real MIDI files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import InvalidInput, MidiFileError
from studio.core.music import Song
from studio.core.progress import CancelToken
from studio.engine import Engine
from studio.library import feedback
from studio.library.track_files import library_folders

STUDIO = Path(sys.executable).with_name("studio")


@pytest.fixture(scope="module")
def indexed_db(midi_folder, tmp_path_factory):
    """A library of the tiny tunes (48 good files and a broken one), indexed once."""
    path = tmp_path_factory.mktemp("engine-library") / "library.sqlite"
    with Engine(db_path=path) as engine:
        summary = engine.index([midi_folder])
        assert summary.indexed == 48 and len(summary.skipped) == 1
    return path


@pytest.fixture
def music(midi_folder, tmp_path):
    """A copy of the tiny tunes this test may change (the folder a library was built from)."""
    folder = tmp_path / "music"
    shutil.copytree(midi_folder, folder)
    return folder


@pytest.fixture
def engine(music, tmp_path):
    """An engine over a library indexed from ``music``."""
    with Engine(db_path=tmp_path / "library.sqlite") as engine:
        engine.index([music])
        yield engine


def ok_ids(engine: Engine) -> list[int]:
    return [t.id for t in engine.catalog.tracks("ok")]


def studio(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(STUDIO), *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


# -- the table and its version -------------------------------------------------------------------


def test_library_rows_are_every_track_with_the_current_profiles_feedback(indexed_db, tmp_path):
    shutil.copy(indexed_db, tmp_path / "lib.sqlite")
    with Engine(db_path=tmp_path / "lib.sqlite", settings={"profile": "default"}) as engine:
        rows = engine.library_rows()
        assert len(rows) == 49 and rows.profile == "default"
        assert sorted(rows.status).count("ok") == 48 and rows.status.count("error") == 1
        assert rows.version == engine.library_version()
        first = int(rows.ids[rows.status.index("ok")])
        engine.record_feedback(first, "like")
        engine.record_feedback(first, "play", value=0.5)
        liked = engine.library_rows()
        assert liked.version == engine.library_version() != rows.version
        assert liked.reaction[liked.row_of(first)] == 1 and liked.plays[liked.row_of(first)] == 1
        assert list(liked.view("liked")) == [liked.row_of(first)]
        feedback.create_profile(engine.catalog, "guest")
        guest = engine.library_rows("guest")
        assert guest.profile == "guest" and not guest.reaction.any()


def test_the_version_sees_another_process_record_feedback_and_index(indexed_db, tmp_path, data_dir):
    db = tmp_path / "lib.sqlite"
    shutil.copy(indexed_db, db)
    with Engine(db_path=db) as engine:
        before = engine.library_rows()
        version = engine.library_version()
        track = int(before.ids[before.status.index("ok")])
        result = studio("feedback", str(track), "like", "--profile", "default", "--db", str(db))
        assert result.returncode == 0, result.stderr
        liked = engine.library_version()
        assert liked != version and liked[0] == version[0]  # feedback only: tracks unchanged
        rows = engine.library_rows("default")
        assert rows.reaction[rows.row_of(track)] == 1
        more = tmp_path / "more"
        more.mkdir()
        shutil.copy(data_dir / "key_and_names.mid", more / "new.mid")
        result = studio("index", str(more), "--db", str(db))
        assert result.returncode == 0, result.stderr
        indexed = engine.library_version()
        assert indexed[0] != liked[0]
        grown = engine.library_rows("default")
        assert len(grown) == len(rows) + 1
        assert grown.display_path[-1] == str(more / "new.mid")
        assert grown.reaction[grown.row_of(track)] == 1


# -- removing tracks ------------------------------------------------------------------------------


def test_remove_tracks_drops_rows_vectors_and_feedback_but_never_files(engine, music):
    ids = ok_ids(engine)
    catalog = engine.catalog
    engine.record_feedback(ids[0], "like")
    engine.record_feedback(ids[1], "like")
    paths = [catalog.get(i).display_path for i in ids[:2]]
    version = engine.library_version()
    assert engine.remove_tracks([ids[0], np.int64(ids[1]), 999_999]) == 2
    assert catalog.get(ids[0]) is None and catalog.get(ids[1]) is None
    for table in ("embeddings", "feedback"):
        left = catalog.execute(
            f"SELECT COUNT(*) FROM {table} WHERE track_id IN (?, ?)", ids[:2]
        ).fetchone()[0]
        assert left == 0, table
    assert all(os.path.isfile(path) for path in paths)
    assert engine.library_version()[0] != version[0]
    rows = engine.library_rows()
    assert len(rows) == 47 and rows.row_of(ids[0]) is None
    assert engine.remove_tracks([]) == 0
    with pytest.raises(InvalidInput, match="whole numbers"):
        engine.remove_tracks(["3"])
    # A rescan finds the files again (as new tracks: their old ids and feedback are gone).
    summary = engine.rescan()
    assert summary.indexed == 2 and len(engine.library_rows()) == 49


# -- rescanning -----------------------------------------------------------------------------------


def test_rescan_reads_new_changed_and_vanished_files_of_the_librarys_folders(engine, music):
    (music / "tune-00.mid").unlink()
    (music / "sub").mkdir()
    shutil.copy(music / "tune-01.mid", music / "sub" / "copy.mid")
    seen = []
    summary = engine.rescan(progress=lambda done, total, message: seen.append((done, total)))
    assert (summary.indexed, summary.missing, summary.unchanged) == (1, 1, 48)  # broken too
    assert seen[-1] == (49, 49)
    assert engine.catalog.get_by_path(music / "tune-00.mid").status == "missing"
    assert engine.catalog.get_by_path(music / "sub" / "copy.mid").status == "ok"
    assert library_folders(engine.catalog) == [os.fsencode(music)]  # sub is inside music


def test_rescan_marks_a_vanished_folder_missing_without_calling_it_unreadable(
    engine, music, tmp_path
):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(music / "tune-02.mid", elsewhere / "other.mid")
    engine.index([elsewhere])
    assert library_folders(engine.catalog) == sorted([os.fsencode(elsewhere), os.fsencode(music)])
    shutil.rmtree(elsewhere)
    summary = engine.rescan()
    assert summary.missing == 1 and summary.skipped == []
    assert engine.catalog.get_by_path(elsewhere / "other.mid").status == "missing"


def test_rescan_can_be_cancelled_and_an_empty_library_has_nothing_to_rescan(engine, tmp_path):
    os.utime(engine.catalog.tracks()[0].path, ns=(1, 1))  # changed: to be read again
    token = CancelToken()
    token.cancel()
    summary = engine.rescan(cancel=token)
    assert summary.cancelled and summary.indexed == 0 and summary.missing == 0
    with Engine(db_path=tmp_path / "empty.sqlite") as empty:
        nothing = empty.rescan()
        assert (nothing.indexed, nothing.missing, nothing.skipped) == (0, 0, [])


# -- a track's song -------------------------------------------------------------------------------


def test_track_song_reads_the_file_and_says_when_it_vanished(engine, music):
    ids = ok_ids(engine)
    song = engine.track_song(ids[0])
    assert isinstance(song, Song) and song.notes
    track = engine.catalog.get(ids[1])
    os.remove(track.path)
    version = engine.library_version()
    with pytest.raises(InvalidInput, match=r"“tune-01” is missing: .*tune-01\.mid is no longer"):
        engine.track_song(ids[1])
    assert engine.catalog.get(ids[1]).status == "missing"  # the library shows it greyed
    assert engine.library_version() != version
    with pytest.raises(InvalidInput, match="is missing"):
        engine.track_song(ids[1])  # still words, without another write
    with pytest.raises(InvalidInput, match="no track 999999"):
        engine.track_song(999_999)
    with pytest.raises(InvalidInput, match="whole number"):
        engine.track_song("12")


def test_track_song_of_a_damaged_file_names_it(engine, music):
    broken = engine.catalog.get_by_path(music / "broken.mid")
    with pytest.raises(MidiFileError, match=r"broken\.mid"):
        engine.track_song(broken.id)
