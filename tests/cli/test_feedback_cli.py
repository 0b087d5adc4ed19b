"""End-to-end: `studio feedback` and `studio profile` on a library that `studio index` built."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studio.library import feedback
from studio.library.catalog import Catalog

STUDIO = Path(sys.executable).with_name("studio")
EVENT_KEYS = {"id", "track_id", "profile", "kind", "value", "at"}


@pytest.fixture(scope="module")
def indexed_library(midi_folder, tmp_path_factory):
    """A library file with the tiny tunes, indexed once by the real command."""
    db = tmp_path_factory.mktemp("feedback-library") / "lib.sqlite"
    result = subprocess.run(
        [str(STUDIO), "index", str(midi_folder), "--db", str(db), "--json"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["library"]["ok"] == 48
    return db


@pytest.fixture
def db(indexed_library, tmp_path, monkeypatch):
    """A fresh copy of the indexed library, and settings of this test's own."""
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(tmp_path / "settings.json"))
    copy = tmp_path / "lib.sqlite"
    for suffix in ("", "-wal", "-shm"):
        source = indexed_library.with_name(indexed_library.name + suffix)
        if source.exists():
            shutil.copy(source, copy.with_name(copy.name + suffix))
    return copy


def stored(db, profile="default") -> list[feedback.FeedbackEvent]:
    with Catalog(db) as catalog:
        return feedback.events(catalog, profile)


def ok_ids(db) -> list[str]:
    """The ids of the playable tracks, as command-line text (ids follow the indexing order)."""
    with Catalog(db) as catalog:
        return [str(track.id) for track in catalog.tracks("ok")]


def one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("studio") and result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_feedback_by_file_and_by_id(studio, db, midi_folder, tmp_path):
    tune = midi_folder / "tune-03.mid"
    with Catalog(db) as catalog:
        track = catalog.get_by_path(tune)
    result = studio("feedback", str(tune), "like", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"liked {track.title!r} (track {track.id}) as profile 'default'\n"

    by_id = studio("feedback", str(track.id), "play", "--fraction", "0.4", "--db", str(db),
                   "--json")  # fmt: skip
    assert by_id.returncode == 0, by_id.stderr
    event = json.loads(by_id.stdout)
    assert set(event) == EVENT_KEYS
    assert (event["track_id"], event["kind"], event["value"]) == (track.id, "play", 0.4)
    assert event["profile"] == "default" and isinstance(event["at"], float)

    copy = tmp_path / "renamed copy.mid"  # not indexed: found by its content
    copy.write_bytes(tune.read_bytes())
    skip = studio("feedback", str(copy), "skip", "--seconds", "3", "--db", str(db), "--json")
    assert skip.returncode == 0, skip.stderr
    assert json.loads(skip.stdout)["track_id"] == track.id

    events = stored(db)
    assert [(e.track_id, e.kind, e.value) for e in events] == [
        (track.id, "like", 1.0), (track.id, "play", 0.4), (track.id, "skip", 3.0)
    ]  # fmt: skip
    assert events[1].id == event["id"]


def test_bad_input_is_one_line_and_exit_2(studio, db, tmp_path, midi_folder):
    track_id = ok_ids(db)[0]
    stranger = tmp_path / "stranger.mid"
    stranger.write_bytes(b"MThd not indexed")
    cases = [
        (("99999", "like"), ("no track 99999",)),
        ((track_id, "like", "--profile", "nobody"), ("unknown profile 'nobody'",)),
        ((track_id, "love"), ("unknown feedback kind 'love'",)),
        ((track_id, "like", "--fraction", "0.5"), ("--fraction goes with play only",)),
        ((track_id, "play", "--seconds", "2"), ("--seconds goes with skip only",)),
        ((track_id, "play", "--fraction", "1.5"), ("between 0 and 1",)),
        ((str(stranger), "like"), ("not in the library", "studio index")),
        (("not-a-file", "like"), ("neither a MIDI file nor a track id",)),
        ((str(midi_folder / "broken.mid"), "like"), ("is error",)),
    ]
    for arguments, fragments in cases:
        one_line_error(studio("feedback", *arguments, "--db", str(db)), *fragments)
    one_line_error(studio("feedback", track_id, "like", "--db", str(tmp_path / "none.sqlite")),
                   "no library at")  # fmt: skip
    assert stored(db) == []


def test_profile_use_sends_feedback_to_that_profile(studio, db):
    first, second = ok_ids(db)[:2]
    created = studio("profile", "create", "late night", "--db", str(db), "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["profile"] == "late night"
    one_line_error(studio("profile", "create", "late night", "--db", str(db)), "already")
    one_line_error(studio("profile", "use", "nobody", "--db", str(db)), "unknown profile")

    used = studio("profile", "use", "late night", "--db", str(db))
    assert used.returncode == 0, used.stderr
    result = studio("feedback", first, "dislike", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("as profile 'late night'\n")
    assert [(e.track_id, e.kind) for e in stored(db, "late night")] == [(int(first), "dislike")]
    assert stored(db, "default") == []
    explicit = studio("feedback", second, "like", "--profile", "default", "--db", str(db))
    assert explicit.returncode == 0, explicit.stderr
    assert [e.track_id for e in stored(db, "default")] == [int(second)]

    listed = studio("profile", "list", "--db", str(db), "--json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert document["current"] == "late night"
    assert document["profiles"] == [
        {"name": "default", "events": 1, "current": False},
        {"name": "late night", "events": 1, "current": True},
    ]
    text = studio("profile", "list", "--db", str(db))
    assert text.stdout.splitlines()[1].startswith("* late night")


def test_forget_needs_yes_without_a_terminal(studio, db):
    assert studio("profile", "create", "guest", "--db", str(db)).returncode == 0
    ids = ok_ids(db)
    for track_id in ids[:3]:
        assert studio("feedback", track_id, "like", "--profile", "guest", "--db", str(db)).stdout
    assert studio("feedback", ids[3], "like", "--db", str(db)).returncode == 0

    one_line_error(studio("profile", "forget", "guest", "--db", str(db)), "--yes", "3 feedback")
    assert len(stored(db, "guest")) == 3

    forgot = studio("profile", "forget", "guest", "--yes", "--db", str(db), "--json")
    assert forgot.returncode == 0, forgot.stderr
    assert json.loads(forgot.stdout)["removed"] == 3
    assert stored(db, "guest") == [] and len(stored(db, "default")) == 1

    one_line_error(studio("profile", "forget", "default", "--delete", "--yes", "--db", str(db)),
                   "cannot be deleted")  # fmt: skip
    deleted = studio("profile", "forget", "guest", "--delete", "--yes", "--db", str(db))
    assert deleted.returncode == 0, deleted.stderr
    with Catalog(db) as catalog:
        assert feedback.profile_names(catalog) == ["default"]
        assert catalog.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 1


class FakeTerminal:
    """A stdin that is a terminal where the user types ``answer``."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


def test_forget_on_a_terminal_asks_first(db, monkeypatch, capsys):
    from studio.cli import main

    ids = ok_ids(db)
    assert main(["feedback", ids[0], "like", "--db", str(db)]) == 0
    monkeypatch.setattr("sys.stdin", FakeTerminal("n\n"))
    assert main(["profile", "forget", "default", "--db", str(db)]) == 0
    assert "Delete the 1 feedback event of profile 'default'" in capsys.readouterr().err
    assert len(stored(db)) == 1
    monkeypatch.setattr("sys.stdin", FakeTerminal("yes\n"))
    assert main(["profile", "forget", "default", "--db", str(db)]) == 0
    assert capsys.readouterr().out == "forgot 1 event of profile 'default'\n"
    assert stored(db) == []
