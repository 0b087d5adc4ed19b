"""The engine worker: a real worker thread, a real engine with the tiny GAN, real requests."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import wave
from dataclasses import replace

import pytest

from studio.core.progress import CancelToken
from studio.core.theory import Chord, Key
from studio.engine import Engine
from studio.gui.ideas import Idea
from studio.gui.worker import CANCELLED, EngineWorker, WorkerClient

LOAD_TIMEOUT = 60_000  # ms: generous for a loaded CI machine
RUN_TIMEOUT = 30_000


def payload(bars: int = 4, count: int = 3, seed: int = 1207, key: str = "D minor") -> dict:
    """A "generate" request as the Generate panel builds it."""
    settings = {"bars": bars, "key": Key.parse(key), "chords": (), "tempo": 100.0,
                "temperature": 0.7, "density": 0.5, "key_lock": True}  # fmt: skip
    return {"settings": settings, "count": count, "seed": seed}


class Recorder:
    """Every signal the client emits, in order."""

    def __init__(self, client: WorkerClient) -> None:
        self.finished: list[tuple[int, object]] = []
        self.failed: list[tuple[int, str]] = []
        self.progress: list[tuple[int, int, int, str]] = []
        self.busy: list[bool] = []
        client.finished.connect(lambda *args: self.finished.append(args))
        client.failed.connect(lambda *args: self.failed.append(args))
        client.progress.connect(lambda *args: self.progress.append(args))
        client.busyChanged.connect(self.busy.append)

    def ended(self, request_id: int) -> bool:
        return any(r[0] == request_id for r in (*self.finished, *self.failed))


@pytest.fixture
def engine_factory(tiny_model, tmp_path):
    return lambda: Engine(gan_weights=tiny_model, db_path=tmp_path / "lib.sqlite")


@pytest.fixture
def client(qtbot, engine_factory, request):
    """A started client whose model is loaded."""
    client = WorkerClient(engine_factory)
    request.addfinalizer(client.stop)
    with qtbot.waitSignal(client.modelReady, timeout=LOAD_TIMEOUT):
        client.start()
    return client


def test_loads_the_model_and_says_so(client):
    assert client.model_ready
    assert client.running
    assert not client.busy


def test_the_shipped_model_loads_and_generates_in_the_worker_without_torch(tmp_path):
    """The window's worker never imports torch (a second of import and hundreds of MB)."""
    code = (
        "import sys\n"
        "from studio.engine import Engine\n"
        "from studio.gui.worker import EngineWorker\n"
        f"worker = EngineWorker(lambda: Engine(db_path={str(tmp_path / 'lib.sqlite')!r}))\n"
        "meters = []\n"
        "worker.modelReady.connect(meters.append)\n"
        "worker.load_models()\n"
        "ideas = []\n"
        "worker.finished.connect(lambda request_id, result: ideas.extend(result))\n"
        "worker.run(1, 'generate', {'settings': {'bars': 4}, 'count': 2, 'seed': 5})\n"
        "print(len(meters[0]), len(ideas), 'torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)  # fmt: skip
    assert result.stdout.split() == ["4", "2", "False"]


def test_generate_returns_ideas_in_the_key(qtbot, client):
    seen = Recorder(client)
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
        request_id = client.submit("generate", payload(bars=4, count=3))
    assert blocker.args[0] == request_id
    ideas = blocker.args[1]
    assert len(ideas) == 3
    key = Key.parse("D minor")
    for i, idea in enumerate(ideas):
        assert isinstance(idea, Idea)
        assert idea.seed == 1207 + i
        assert idea.title == f"Idea {i + 1} · seed {1207 + i}"
        assert idea.key_name == "D minor"
        assert Key.parse(idea.key_name) == key
        assert idea.bars == 4 and len(idea.chords) == 4
        assert idea.chords[-1] == "Dm"  # a learned progression closing on the tonic chord
        assert all(Chord.parse(name) for name in idea.chords)  # spelled as chord names
        assert idea.song.notes and idea.notes == idea.song.notes
        assert all(key.contains(note.pitch) for note in idea.song.notes)
        assert idea.song.tempo == 100.0
    progress = [p for p in seen.progress if p[0] == request_id]
    assert progress[-1][1:3] == (4, 4)  # one report per bar, the last one complete
    assert seen.busy == [True, False]
    assert not client.busy


def test_same_seed_same_idea(qtbot, client):
    results = []
    for _ in range(2):
        with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
            client.submit("generate", payload(count=1, seed=42))
        results.append(blocker.args[1][0].song.notes)
    assert results[0] == results[1]


def test_a_newer_request_supersedes_an_older_one(qtbot, client):
    seen = Recorder(client)
    older = client.submit("generate", payload(bars=32, count=16))
    newer = client.submit("generate", payload(bars=2, count=1))
    assert seen.failed == [(older, CANCELLED)]  # at once, so the window can forget it
    qtbot.waitUntil(lambda: seen.ended(newer), timeout=RUN_TIMEOUT)
    qtbot.wait(300)  # time for any late answer about the older request to arrive
    assert [r[0] for r in seen.finished] == [newer]
    assert len(seen.finished[0][1]) == 1
    assert all(p[0] == newer for p in seen.progress)
    assert seen.busy == [True, False]


def test_requests_of_different_kinds_do_not_supersede(qtbot, client):
    seen = Recorder(client)
    first = client.submit("generate", payload(count=1))
    second = client.submit("continue", {**payload(count=1), "primer": ()})
    qtbot.waitUntil(lambda: seen.ended(first) and seen.ended(second), timeout=RUN_TIMEOUT)
    assert [r[0] for r in seen.finished] == [first]
    assert seen.failed == [(second, "the primer has no notes to continue")]


def test_cancel_never_delivers_a_result(qtbot, client):
    seen = Recorder(client)
    request_id = client.submit("generate", payload(bars=32, count=16))
    client.cancel(request_id)
    assert seen.failed == [(request_id, CANCELLED)]
    client.cancel(request_id)  # a second cancel, or one of an ended id, does nothing
    qtbot.wait(300)
    assert seen.finished == [] and len(seen.failed) == 1
    assert not client.busy
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT):  # the worker goes on serving
        client.submit("generate", payload(count=1))


def test_a_bad_request_fails_with_a_readable_message(qtbot, client):
    with qtbot.waitSignal(client.failed, timeout=RUN_TIMEOUT) as blocker:
        request_id = client.submit("generate", payload(bars=99))
    assert blocker.args == [request_id, "bars must be between 1 and 32, not 99"]
    with pytest.raises(ValueError, match="unknown request kind"):
        client.submit("paint", {})


def test_an_internal_error_is_logged_and_reported(qtbot, client, caplog):
    bad = payload()
    bad["settings"]["colour"] = "blue"  # not a field of GenerationSettings: a programming error
    with caplog.at_level(logging.ERROR), qtbot.waitSignal(client.failed, timeout=RUN_TIMEOUT) as b:
        client.submit("generate", bad)
    assert b.args[1].startswith("internal error: TypeError:")
    assert "colour" in b.args[1]
    assert any(r.exc_info for r in caplog.records)  # with its traceback


def test_continue_and_regenerate(qtbot, client):
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
        client.submit("generate", payload(bars=2, count=1))
    idea = blocker.args[1][0]
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
        client.submit("continue", {**payload(bars=2, count=2, seed=5), "primer": idea.notes})
    continued = blocker.args[1]
    assert [c.bars for c in continued] == [4, 4]
    assert all(len(c.chords) == 4 for c in continued)  # the primer's bars get estimated chords
    assert all(c.notes[: len(idea.notes)] == idea.notes for c in continued)
    request = {"melody": continued[0].notes, "bars": [3], "settings": payload()["settings"],
               "seed": 9, "title": "Idea 1 · bar 4 anew"}  # fmt: skip
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
        client.submit("regenerate", request)
    regenerated = blocker.args[1]
    assert isinstance(regenerated, Idea)
    assert regenerated.title == "Idea 1 · bar 4 anew" and regenerated.bars == 4
    # The bars before are kept; a note held into the regenerated bar ends at its bar line.
    kept = [replace(n, duration=min(n.end, 12) - n.start) for n in continued[0].notes
            if n.start < 12]  # fmt: skip
    assert [n for n in regenerated.notes if n.start < 12] == kept


def test_render_wav(qtbot, client, tmp_path, user_dirs, monkeypatch):
    import studio.audio.wav as wav_module
    from studio.gui import pending_writes

    listed = []  # what the window's list of files being written held during the write
    write = wav_module.atomic_write_bytes

    def watched(path, data):
        for path_list in pending_writes.pending_folder().glob("*.json"):
            listed.extend(json.loads(path_list.read_text()))
        write(path, data)

    monkeypatch.setattr(wav_module, "atomic_write_bytes", watched)
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
        client.submit("generate", payload(bars=1, count=1))
    song = blocker.args[1][0].song
    target = tmp_path / "idea.wav"
    with qtbot.waitSignal(client.finished, timeout=RUN_TIMEOUT) as blocker:
        client.submit("render_wav", {"song": song, "path": target})
    assert blocker.args[1] == {"path": target, "warnings": []}
    with wave.open(str(target)) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() > 0
    assert listed == [str(target)]  # a kill mid-write: the next start tidies (pending_writes)
    assert list(pending_writes.pending_folder().glob("*.json")) == []


def test_a_missing_model_fails_to_load(qtbot, tmp_path, request):
    missing = tmp_path / "missing.safetensors"
    client = WorkerClient(lambda: Engine(gan_weights=missing, db_path=tmp_path / "lib.sqlite"))
    request.addfinalizer(client.stop)
    with qtbot.waitSignal(client.modelFailed, timeout=LOAD_TIMEOUT) as blocker:
        client.start()
    assert blocker.args == [f"model file not found: {missing}"]
    assert not client.model_ready and client.model_error == blocker.args[0]
    with qtbot.waitSignal(client.failed, timeout=RUN_TIMEOUT) as blocker:  # requests fail too
        client.submit("generate", payload())
    assert "model file not found" in blocker.args[1]


def test_worker_checks_the_token_before_and_during_a_run(qtbot, engine_factory):
    """The worker itself (on this thread): a token set before, or between two bars."""
    worker = EngineWorker(engine_factory)
    failed, finished = [], []
    worker.failed.connect(lambda *args: failed.append(args))
    worker.finished.connect(lambda *args: finished.append(args))
    token = CancelToken()
    token.cancel()
    worker.run(1, "generate", payload(), token)
    token = CancelToken()
    worker.progress.connect(lambda _id, done, _total, _msg: done >= 1 and token.cancel())
    worker.run(2, "generate", payload(bars=8), token)
    assert failed == [(1, CANCELLED), (2, CANCELLED)] and finished == []
    worker.close()


def test_stop_is_safe_twice_and_before_start(qtbot, engine_factory):
    client = WorkerClient(engine_factory)
    client.stop()
    with qtbot.waitSignal(client.modelReady, timeout=LOAD_TIMEOUT):
        client.start()
    client.submit("generate", payload(bars=32, count=16))
    client.stop()
    client.stop()
    assert not client.running and not client.busy
    with pytest.raises(RuntimeError):
        client.submit("generate", payload())


def test_a_ranked_generate_over_a_damaged_library_is_unranked_and_says_why(tiny_model, tmp_path):
    library = tmp_path / "lib.sqlite"
    library.write_bytes(b"this is not a library" * 100)
    worker = EngineWorker(lambda: Engine(gan_weights=tiny_model, db_path=library))
    finished = []
    worker.finished.connect(lambda *args: finished.append(args))
    worker.run(1, "generate", {**payload(), "rank": True})
    ((_, page),) = finished
    assert len(page) == 3 and page.kept_ideas == 0 and [i.reason for i in page] == [""] * 3
    assert "library" in page.problem  # the catalog's own words, shown in the status bar
    worker.close()
