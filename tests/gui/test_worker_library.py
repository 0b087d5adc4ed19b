"""The worker's library requests: a real worker thread, a real engine over a library file in
tmp_path, real MIDI folders indexed, similar tracks and suggestions from the shipped model."""

from __future__ import annotations

import re
import shutil

import pytest

from studio.core.midi_read import read_song
from studio.engine import Engine
from studio.gui.worker import CANCELLED, KINDS, WorkerClient
from studio.gui.worker_library import NEVER_SUPERSEDED
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.table import LibraryRows

LOAD_TIMEOUT = 60_000  # ms: generous for a loaded CI machine
RUN_TIMEOUT = 60_000


class Requests:
    """Submits requests and keeps how each one ended, and its progress."""

    def __init__(self, client: WorkerClient) -> None:
        self.client = client
        self.ended: dict[int, tuple[str, object]] = {}
        self.progress: dict[int, list[tuple[int, int, str]]] = {}
        client.finished.connect(lambda i, result: self.ended.setdefault(i, ("finished", result)))
        client.failed.connect(lambda i, message: self.ended.setdefault(i, ("failed", message)))
        client.progress.connect(
            lambda i, done, total, text: self.progress.setdefault(i, []).append((done, total, text))
        )

    def wait(self, qtbot, *ids: int) -> list[tuple[str, object]]:
        qtbot.waitUntil(lambda: all(i in self.ended for i in ids), timeout=RUN_TIMEOUT)
        return [self.ended[i] for i in ids]

    def result(self, qtbot, kind: str, payload: dict | None = None) -> object:
        """Run one request that must succeed; its result."""
        request_id = self.client.submit(kind, payload or {})
        outcome, value = self.wait(qtbot, request_id)[0]
        assert outcome == "finished", value
        return value

    def failure(self, qtbot, kind: str, payload: dict | None = None) -> str:
        """Run one request that must fail; its message."""
        request_id = self.client.submit(kind, payload or {})
        outcome, value = self.wait(qtbot, request_id)[0]
        assert outcome == "failed", value
        return value


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The library file, and settings of this test's own (profiles are a setting)."""
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(tmp_path / "settings.json"))
    return tmp_path / "lib.sqlite"


@pytest.fixture
def client(qtbot, tiny_model, db, request):
    client = WorkerClient(lambda: Engine(gan_weights=tiny_model, db_path=db))
    request.addfinalizer(client.stop)
    with qtbot.waitSignal(client.modelReady, timeout=LOAD_TIMEOUT):
        client.start()
    return client


@pytest.fixture
def requests(client):
    return Requests(client)


@pytest.fixture
def indexed(qtbot, requests, midi_folder):
    """The tiny tunes indexed through the worker; returns their track ids (status ok)."""
    requests.result(qtbot, "index", {"folders": [str(midi_folder)]})
    rows = requests.result(qtbot, "library_rows")
    return [int(i) for i, status in zip(rows.ids, rows.status, strict=True) if status == "ok"]


def test_every_library_kind_is_known_and_the_writes_never_supersede():
    assert {"library_rows", "index", "similar", "recommend", "feedback", "profiles"} <= set(KINDS)
    assert {
        "feedback", "idea_reaction", "index", "rescan", "remove_tracks", "prepare_library",
        "create_profile", "use_profile", "forget_profile", "rebuild_library", "reopen_library",
    } == NEVER_SUPERSEDED  # fmt: skip
    assert set(KINDS) >= NEVER_SUPERSEDED


def test_index_reports_counts_then_library_rows_has_the_tracks(qtbot, requests, midi_folder):
    request_id = requests.client.submit("index", {"folders": [str(midi_folder)]})
    outcome, summary = requests.wait(qtbot, request_id)[0]
    assert outcome == "finished", summary
    assert summary.indexed == 48 and [p for p, _ in summary.skipped] == [
        str(midi_folder / "broken.mid")
    ]
    messages = [text for _, _, text in requests.progress[request_id]]
    assert any(re.fullmatch(r"indexed 49 of 49 files · \d+ files/s", m) for m in messages)
    rows = requests.result(qtbot, "library_rows")
    assert isinstance(rows, LibraryRows) and len(rows) == 49
    assert rows.status.count("error") == 1 and rows.version == requests.result(
        qtbot, "library_version"
    )
    assert titles_of(rows, rows.view("tune-07")) == ["tune-07"]


def titles_of(rows: LibraryRows, indices) -> list[str]:
    return [rows.title[i] for i in indices]


def test_a_cancelled_index_keeps_whole_batches_and_the_next_one_resumes(
    qtbot, requests, midi_folder, tmp_path, db
):
    folder = tmp_path / "many"
    folder.mkdir()
    tunes = sorted(midi_folder.glob("tune-*.mid"))
    for i in range(300):
        shutil.copy(tunes[i % len(tunes)], folder / f"copy-{i:03d}.mid")
    client = requests.client
    request_id = client.submit("index", {"folders": [str(folder)]})

    def cancel_after_a_batch(i: int, done: int, total: int, text: str) -> None:
        if i == request_id and done > 0:
            client.cancel(request_id)

    client.progress.connect(cancel_after_a_batch)
    assert requests.wait(qtbot, request_id)[0] == ("failed", CANCELLED)
    client.progress.disconnect(cancel_after_a_batch)
    requests.result(qtbot, "library_version")  # the worker has finished the cancelled run
    with Catalog(db) as catalog:
        kept = catalog.counts()["ok"]
    assert 50 <= kept < 300 and kept % 50 == 0  # whole batches of 50
    summary = requests.result(qtbot, "index", {"folders": [str(folder)]})
    assert (summary.unchanged, summary.indexed) == (kept, 300 - kept)


def test_feedback_is_never_superseded(qtbot, requests, indexed, db):
    ids = [requests.client.submit("feedback", {"track_id": t, "kind": "like"}) for t in indexed[:4]]
    ids.append(requests.client.submit("feedback", {"track_id": indexed[0], "kind": "play",
                                                   "value": 0.25}))  # fmt: skip
    outcomes = requests.wait(qtbot, *ids)
    assert [outcome for outcome, _ in outcomes] == ["finished"] * 5
    assert [event.kind for _, event in outcomes] == ["like"] * 4 + ["play"]
    with Catalog(db) as catalog:
        stored = feedback.events(catalog, "default")
    assert [(e.track_id, e.kind, e.value) for e in stored] == [
        *((t, "like", 1.0) for t in indexed[:4]), (indexed[0], "play", 0.25),
    ]  # fmt: skip
    rows = requests.result(qtbot, "library_rows")
    assert sorted(rows.ids[rows.reaction == 1]) == sorted(indexed[:4])


def test_similar_by_track_and_by_song_and_a_newer_one_supersedes(
    qtbot, requests, indexed, midi_folder
):
    by_track = requests.result(qtbot, "similar", {"track_id": indexed[3], "top": 5})
    assert 0 < len(by_track.ranked) <= 5 and by_track.mode == "track"
    assert indexed[3] not in [r.track_id for r in by_track.ranked]
    assert all(r.reasons and r.track is not None for r in by_track.ranked)
    song = read_song(midi_folder / "tune-05.mid")
    older = requests.client.submit("similar", {"song": song})
    newer = requests.client.submit("similar", {"song": song, "mode": "passage"})
    (old_outcome, message), (outcome, by_song) = requests.wait(qtbot, older, newer)
    assert (old_outcome, message) == ("failed", CANCELLED)
    assert outcome == "finished" and by_song.mode == "passage" and len(by_song.ranked) <= 20
    best = by_song.ranked[0]
    assert best.track.display_path == str(midi_folder / "tune-05.mid")  # it finds itself
    assert best.match_bars is not None
    assert "Song" in requests.failure(qtbot, "similar", {"song": "not a song"})
    assert "track_id" in requests.failure(qtbot, "similar", {})


def test_recommend_learns_from_a_like(qtbot, requests, indexed):
    cold = requests.result(qtbot, "recommend", {"top": 5})
    assert len(cold) == 5
    requests.result(qtbot, "feedback", {"track_id": cold[0].track_id, "kind": "like"})
    warm = requests.result(qtbot, "recommend", {})
    assert 0 < len(warm) <= 20 and cold[0].track_id not in [r.track_id for r in warm]
    seeded = requests.result(qtbot, "recommend", {"seed_track": indexed[1], "top": 3})
    assert len(seeded) == 3 and all(r.reasons for r in seeded)


def test_profiles_create_use_and_forget(qtbot, requests, indexed, db):
    first = requests.result(qtbot, "profiles")
    assert first == {"current": "default", "profiles": {"default": 0}}
    assert requests.result(qtbot, "create_profile", {"name": "Anna"}) == "Anna"
    assert requests.result(qtbot, "use_profile", {"name": "Anna"}) is None
    requests.result(qtbot, "feedback", {"track_id": indexed[0], "kind": "like"})
    assert requests.result(qtbot, "profiles") == {
        "current": "Anna", "profiles": {"Anna": 1, "default": 0},
    }  # fmt: skip
    rows = requests.result(qtbot, "library_rows")
    assert rows.profile == "Anna" and rows.reaction[rows.row_of(indexed[0])] == 1
    assert "already a profile" in requests.failure(qtbot, "create_profile", {"name": "anna"})
    assert requests.result(qtbot, "forget_profile", {"name": "Anna", "delete": True}) == 1
    assert requests.result(qtbot, "profiles") == {"current": "default", "profiles": {"default": 0}}
    assert "unknown profile" in requests.failure(qtbot, "use_profile", {"name": "Anna"})


def test_profiles_on_a_new_library_need_no_index_first(qtbot, requests):
    assert requests.result(qtbot, "profiles") == {"current": "default", "profiles": {"default": 0}}


def test_track_song_remove_and_rescan(qtbot, requests, midi_folder, tmp_path):
    folder = tmp_path / "music"
    shutil.copytree(midi_folder, folder)
    requests.result(qtbot, "index", {"folders": [str(folder)]})
    rows = requests.result(qtbot, "library_rows")
    first = int(rows.ids[rows.display_path.index(str(folder / "tune-00.mid"))])
    song = requests.result(qtbot, "track_song", {"track_id": first})
    assert song.notes == read_song(folder / "tune-00.mid").notes
    (folder / "tune-00.mid").unlink()
    message = requests.failure(qtbot, "track_song", {"track_id": first})
    assert message.startswith("“tune-00” is missing: ") and "no longer there" in message
    rows = requests.result(qtbot, "library_rows")
    assert rows.status[rows.row_of(first)] == "missing"
    second = int(rows.ids[rows.display_path.index(str(folder / "tune-01.mid"))])
    assert requests.result(qtbot, "remove_tracks", {"ids": [second]}) == 1
    assert folder.joinpath("tune-01.mid").is_file()
    summary = requests.result(qtbot, "rescan")
    assert summary.indexed == 1 and summary.missing == 0  # tune-01 comes back as a new track
    request_id = requests.client.submit("rescan", {})
    assert requests.wait(qtbot, request_id)[0][0] == "finished"
    last = requests.progress[request_id][-1][2]
    assert last == "rescanned 48 of 48 files"  # nothing changed: no rate


def test_prepare_library_indexes_the_demo_on_a_first_run(qtbot, requests):
    request_id = requests.client.submit("prepare_library", {})
    outcome, done = requests.wait(qtbot, request_id)[0]
    assert outcome == "finished", done
    assert done.demo_indexed is not None and done.demo_indexed.indexed > 30
    last = requests.progress[request_id][-1][2]
    assert re.fullmatch(r"preparing the library: (\d+) of \1 files · \d+ files/s", last)
    assert len(requests.result(qtbot, "library_rows")) >= done.demo_indexed.indexed
