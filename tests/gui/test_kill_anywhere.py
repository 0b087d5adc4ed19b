"""kill -9 at random moments of a scripted session (issue 18): edit, autosave, export, react,
index, again and again, killed at seeded-random moments. After each kill the catalog passes
``integrity_check``, no reaction the session saw stored is lost, the next start offers exactly
the song last autosaved and recovers it; a clean start after the last kill works.

Each child is a real window (``create_window``) on the same user folders, driven by timer steps
(the event loop never blocks). It prints ``begin STEP`` and ``done STEP …`` lines (flushed), so
the test knows what was stored and in which step each kill landed.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from studio.core.midi_read import read_midi
from studio.core.music import Song
from studio.core.resources import DEMO_LIBRARY

SEED = int(os.environ.get("MOTIF_KILL_SEED", "18"))
"""Another seed: ``MOTIF_KILL_SEED=7 pytest tests/gui/test_kill_anywhere.py``."""
KILLS = 10

CHILD = r"""
import hashlib, os, shutil, sys, time
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
app = QApplication(["studio"])
from studio.gui.app import create_window

song_file, music, exports, spare = (sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4])


def say(*words):  # one write per line: under PYTHONUNBUFFERED print writes word by word
    sys.stdout.write(" ".join(map(str, words)) + "\n")
    sys.stdout.flush()


def digest(song):
    tpb = song.ticks_per_beat
    notes = sorted((t.is_drum, n.pitch, round(n.start * tpb), round(n.end * tpb),
                    n.velocity) for t in song.tracks for n in t.notes)
    return hashlib.sha256(repr(notes).encode()).hexdigest()[:16]


window = create_window([song_file])


def failed(kind, error, trace):  # a broken step must fail the test, not stall the session
    import traceback
    say("error", " | ".join(traceback.format_exception(kind, error, trace)).replace("\n", " "))
    os._exit(3)


sys.excepthook = failed
window.resize(1200, 800)
window.show()
library = window.library
state = {"cycle": 0, "step": -1, "waiting": None}
stored = {}


def feedback_stored(request_id, result):
    if type(result).__name__ == "FeedbackEvent" and state["waiting"] == (result.track_id,
                                                                          result.kind):
        say("done react", result.track_id, result.kind, repr(result.at), result.profile)
        state["waiting"] = None
        next_step()


library.reads.finished.connect(feedback_stored)


def until(condition, then):
    def check():
        if condition():
            then()
        else:
            QTimer.singleShot(10, check)
    QTimer.singleShot(0, check)


def recovered_first():
    box = window.findChild(QMessageBox, "recoveryBox")
    if box is not None and box.isVisible():
        box.button(QMessageBox.StandardButton.Yes).click()
        say("done recover", digest(window.piano_roll.song()))
    else:
        say("done recover none")
    until(lambda: window.model_ready and library.ready and library.pane.rows() is not None,
          lambda: (say("ready"), next_step()))


def tracks():
    rows = library.pane.rows()
    return [int(i) for i, s in zip(rows.ids, rows.status) if s == "ok"]


def edit():
    roll = window.piano_roll
    before = roll.song()
    c = state["cycle"]
    beat, pitch = 0.5 * ((c * 7) % 48) + 0.1, 60 + (c * 5) % 17
    roll.set_tool("draw")
    roll.ensure_visible(beat, pitch)
    at = QPoint(int(roll.beat_to_x(beat)), int(roll.pitch_to_y(pitch)))
    none = Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(roll.note_area(), Qt.MouseButton.LeftButton, none, at)
    if roll.song() == before:  # a note was there: erase it instead
        QTest.mouseClick(roll.note_area(), Qt.MouseButton.RightButton, none, at)
    say("done edit", digest(roll.song()))
    next_step()


def autosave():
    song = window.piano_roll.song()
    say("begin autosave", digest(song))
    assert window.autosaver.save_now(), window.autosaver.last_error
    say("done autosave", digest(song))
    next_step()


def export():
    path = os.path.join(exports, f"export-{state['cycle'] % 3}.mid")
    assert window.export_midi(path)
    say("done export", path)
    next_step()


def react():
    ids = tracks()
    c = state["cycle"]
    track = ids[(c * 3) % len(ids)]
    kind = ("like", "dislike")[c % 2]
    state["waiting"] = (track, kind)
    library.react(track, kind)


def index():
    names = sorted(os.listdir(spare))
    name = names[state["cycle"] % len(names)]
    target = os.path.join(music, f"{state['cycle']:03d}-{os.getpid()}-{name}")
    shutil.copyfile(os.path.join(spare, name), target + ".part")
    os.replace(target + ".part", target)  # the folder never holds half a copy
    if state["cycle"] % 2 == 0:
        window.add_folder(music)
    else:
        library.rescan()
    until(lambda: library.ready, lambda: (say("done index", len(tracks())), next_step()))


STEPS = [edit, autosave, export, react, index]


def next_step():
    state["step"] += 1
    if state["step"] == len(STEPS):
        state["step"] = 0
        state["cycle"] += 1
    step = STEPS[state["step"]]
    say("begin", step.__name__)
    QTimer.singleShot(0, step)


until(lambda: window.piano_roll.song().notes, lambda: QTimer.singleShot(50, recovered_first))
app.exec()
"""


def digest(song: Song) -> str:
    """What the child prints for a song: its notes' on and off ticks, as a MIDI file holds
    them (the same code as CHILD's)."""
    tpb = song.ticks_per_beat
    notes = sorted(
        (t.is_drum, n.pitch, round(n.start * tpb), round(n.end * tpb), n.velocity)
        for t in song.tracks
        for n in t.notes
    )
    return hashlib.sha256(repr(notes).encode()).hexdigest()[:16]


class Child:
    """One session: the child process and the lines it printed."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            if not line.endswith("\n"):
                break  # cut off by the kill: the child never finished saying it
            self.lines.append(line.strip())
            if line.strip() == "ready":
                self.ready.set()
        self.ready.set()  # ended: nothing to wait for

    def kill(self) -> None:
        """SIGKILL, then every line it wrote before dying (it must not have ended by itself)."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=30)
        assert self.process.returncode == -signal.SIGKILL, self.lines[-3:]

    def words(self, prefix: str) -> list[list[str]]:
        """The lines starting with ``prefix``, split, without it."""
        return [line.split()[len(prefix.split()) :] for line in self.lines
                if line.startswith(prefix + " ")]  # fmt: skip

    def step_at_kill(self) -> str:
        """The step the kill landed in: "start-up (…)" before the session ran, "autosave
        (inside save_now)" while an autosave wrote, else the step's name."""
        begun = [line for line in self.lines if line.startswith(("begin", "ready"))]
        if not begun or begun == ["ready"]:
            when = "after" if self.words("done recover") else "before"
            return f"start-up ({when} the recovery question)"
        last = begun[-1].split()
        if last[:2] == ["begin", "autosave"] and len(last) == 3:
            return "autosave (inside save_now)"
        return last[1] if len(last) > 1 else "start-up"


def check_catalog(db: Path) -> set[tuple]:
    """``integrity_check`` and ``foreign_key_check`` pass; the stored reactions (none when a
    kill came before the library was created)."""
    if not db.exists():
        return set()
    connection = sqlite3.connect(f"file:{db}?mode=rw", uri=True, timeout=10)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        return set(connection.execute("SELECT track_id, kind, at, profile FROM feedback"))
    finally:
        connection.close()


def kill_at_a_random_moment(child: Child, rng: random.Random, right_after_recovery: bool) -> str:
    """Wait for the moment, kill; the moment, in words."""
    if right_after_recovery:  # recovered, not yet autosaved again: the work is only in memory
        while not child.words("done recover") and child.process.poll() is None:
            time.sleep(0.005)
        child.kill()
        return "right after recovery"
    if rng.random() < 0.2:  # start-up: recovery, the model loading, the library resuming
        time.sleep(rng.uniform(0.5, 4.0))
    else:
        assert child.ready.wait(timeout=120), child.lines
        time.sleep(rng.uniform(0.0, 1.5))
    child.kill()
    return child.step_at_kill()


def test_kill_9_anywhere_loses_nothing_reported(qtbot, user_dirs, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from studio.gui.app import create_window
    from studio.gui.autosave import autosave_folder, pending_recovery
    from studio.library.catalog import default_db_path

    rng = random.Random(SEED)
    demo = sorted(DEMO_LIBRARY.glob("*.mid"))
    song_file = tmp_path / "song.mid"
    shutil.copyfile(demo[0], song_file)
    music, exports, spare = (tmp_path / name for name in ("music", "exports", "spare"))
    for folder in (music, exports, spare):
        folder.mkdir()
    for path in rng.sample(demo, 4):
        shutil.copyfile(path, spare / path.name)
    args = [str(song_file), str(music), str(exports), str(spare)]

    expected: str | None = None  # the digest of the song the next start must offer
    reactions: set[tuple] = set()
    landed: list[str] = []
    tried_after_recovery = False
    leftovers = 0  # half-written autosave files that kills left
    for kill in range(KILLS):
        child = Child(args)
        after_recovery = expected is not None and not tried_after_recovery
        tried_after_recovery |= after_recovery
        landed.append(kill_at_a_random_moment(child, rng, after_recovery))

        recovered = child.words("done recover")
        if recovered and expected is not None:  # the new window recovered exactly that song
            assert recovered[0] == [expected], (kill, recovered, expected)
        allowed = {expected}
        if done := child.words("done autosave"):
            allowed = {done[-1][0]}
        begun = child.words("begin autosave")
        if landed[-1].startswith("autosave (inside") and begun:
            allowed.add(begun[-1][0])  # the old autosave or the new one, never a mix

        reactions |= {(int(t), k, float(at), p) for t, k, at, p in child.words("done react")}
        stored = check_catalog(default_db_path())
        assert reactions <= stored, (kill, landed[-1], reactions - stored)

        items = pending_recovery()
        offered = [digest(item.read()) for item in items]
        assert (offered[0] if offered else None) in allowed, (kill, landed[-1], offered, allowed)
        expected = offered[0] if offered else None
        folder = autosave_folder()
        files = set(folder.iterdir()) if folder.is_dir() else set()
        half_written = {p for p in files if p.name.startswith(".") and p.suffix == ".tmp"}
        lone_info = {p for p in files if p.suffix == ".json" and p.with_suffix(".mid") not in files}
        assert files - half_written - lone_info <= {p for i in items for p in (i.midi, i.info)}
        leftovers += len(half_written | lone_info)  # the next start removes them (checked below)

    # A clean start after the last kill: the work offered and recovered, the library there with
    # every reaction, each exported file whole.
    window = create_window()
    window.resize(1200, 800)
    window.show()
    try:
        if expected is not None:
            qtbot.waitUntil(lambda: window.findChild(QMessageBox, "recoveryBox") is not None)
            window.findChild(QMessageBox, "recoveryBox").button(
                QMessageBox.StandardButton.Yes
            ).click()
            assert digest(window.piano_roll.song()) == expected
        qtbot.waitUntil(lambda: window.model_ready and window.library.ready, timeout=60_000)
        rows = window.library.pane.rows()
        assert len(rows.ids) >= len(demo)
        latest = {t: (at, k) for t, k, at, _p in sorted(reactions, key=lambda r: r[2])}
        shown = dict(zip(rows.ids.tolist(), rows.reaction.tolist(), strict=True))
        assert {t: shown[t] for t in latest} == {
            t: 1 if k == "like" else -1 for t, (_at, k) in latest.items()
        }
        exported = sorted(exports.glob("export-*.mid"))
        assert exported
        for path in exported:
            assert read_midi(path).notes, path
        stray = sorted(p.name for p in exports.iterdir() if p not in exported)
        assert stray == []  # what a kill mid-export left, this start removed
    finally:
        window.piano_roll.undo_stack.setClean()
        window.close()
    assert pending_recovery() == []
    assert not autosave_folder().is_dir() or not any(autosave_folder().iterdir())
    print(f"seed {SEED}, {KILLS} kills landed in: {landed}; {leftovers} half-written autosave "
          f"files (removed at the next start)")  # fmt: skip


def dead_pid() -> int:
    """The process id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_an_autosave_cut_short_keeps_the_previous_one_and_its_leftovers_go(
    qtbot, user_dirs, monkeypatch
):
    """A kill inside ``save_now``, at each of its writes, as the random kills above rarely hit
    it: the previous autosave (or none) is offered, never a song without its process id, and
    the next session removes what the cut write left (and nothing else)."""
    from types import SimpleNamespace

    from studio.core.music import Note, Track
    from studio.gui import autosave

    class Cut(Exception):
        pass

    def song(pitch: int) -> Song:
        return Song((Track((Note(pitch, 0.0, 1.0, 90),)),))

    def session(pid: int):
        roll = SimpleNamespace(song=lambda: current[0],
                               undo_stack=SimpleNamespace(isClean=lambda: False))  # fmt: skip
        window = SimpleNamespace(piano_roll=roll, path=None, statusBar=lambda: None)
        saver = autosave.Autosaver(window, 60)
        saver.name = f"{pid}-{saver.name.split('-', 1)[1]}"  # as if that process wrote it
        saver.stop()
        return saver

    real_write = autosave.atomic_write_bytes
    current = [song(60)]
    for first_save in (True, False):
        for cut_at in range(2):  # cut during the JSON's write, then during the song's
            pid = dead_pid()
            saver = session(pid)
            if not first_save:
                assert saver.save_now()
                current[0] = song(62)
            writes = []

            def cut_write(path, data, writes=writes, cut_at=cut_at):
                writes.append(path)
                if len(writes) > cut_at:  # the temp file is written, the rename never comes
                    (Path(path).parent / f".{Path(path).name}.k1ll3d.tmp").write_bytes(data[:7])
                    raise Cut
                real_write(path, data)

            monkeypatch.setattr(autosave, "atomic_write_bytes", cut_write)
            with pytest.raises(Cut):
                saver.save_now()
            monkeypatch.setattr(autosave, "atomic_write_bytes", real_write)
            assert writes[0].suffix == ".json"  # the JSON first

            items = autosave.pending_recovery()
            assert [item.read().notes for item in items] == ([] if first_save else [song(60).notes])
            assert any(p.name.endswith(".tmp") for p in autosave.autosave_folder().iterdir())
            session(os.getpid())  # the next start
            left = sorted(p.name for p in autosave.autosave_folder().iterdir())
            assert left == sorted(p.name for i in items for p in (i.midi, i.info))
            for item in items:
                item.discard()
            current[0] = song(60)
