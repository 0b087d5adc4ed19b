"""A library locked by another program (an indexing run in a terminal, a backup tool) for longer
than the busy timeout: the window keeps working, says so, and the reactions recorded meanwhile
wait (in memory and in a file) and are stored, with their own time and profile, once the lock is
gone; reactions left waiting by a closed window are stored at the next start."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from studio.gui.waiting_reactions import waiting_file

HOLD_SECONDS = 20
"""The window's busy timeout is 10 s: the lock outlasts it by 10 s, so a busy machine still
shows the waiting reaction before the lock goes (13 s left 3 s, and a CI run missed it once)."""
HOLD_LOCK = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")  # the write lock, as an indexing run holds it
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


def library_file(user_dirs):
    return user_dirs / "xdg_data_home" / "motif-studio" / "library.sqlite"


def stored(user_dirs) -> list[tuple]:
    with sqlite3.connect(library_file(user_dirs)) as db:
        return db.execute("SELECT track_id, kind, profile, at FROM feedback ORDER BY id").fetchall()


def first_track(window) -> int:
    model = window.findChild(QTableView, "libraryView").model()
    return model.index(0, 0).data(Qt.ItemDataRole.UserRole)


def test_a_reaction_during_a_long_lock_waits_and_is_stored_after(window, qtbot, user_dirs):
    qtbot.waitUntil(lambda: window.library.ready, timeout=60_000)
    track = first_track(window)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(library_file(user_dirs)),
                               str(HOLD_SECONDS)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        liked_at = time.time()
        window.library.react(track, "like")
        status = window.statusBar()
        qtbot.waitUntil(lambda: "1 reaction will be saved" in status.currentMessage(),
                        timeout=HOLD_SECONDS * 1000)  # fmt: skip
        (waiting,) = json.loads(waiting_file().read_text())
        assert (waiting["track_id"], waiting["kind"]) == (track, "like")
        assert window.generate_panel.isEnabled() and not stored(user_dirs)
    finally:
        holder.wait(timeout=HOLD_SECONDS + 10)
    qtbot.waitUntil(lambda: len(stored(user_dirs)) == 1, timeout=20_000)
    ((track_id, kind, profile, at),) = stored(user_dirs)
    assert (track_id, kind, profile) == (track, "like", "default")
    assert abs(at - liked_at) < 2  # the time it happened, not the time it was written
    qtbot.waitUntil(lambda: not waiting_file().exists(), timeout=5_000)
    assert "reactions saved" in window.statusBar().currentMessage()


def test_reactions_left_waiting_are_stored_at_the_next_start(qtbot, user_dirs):
    from studio.gui.app import create_window

    window = create_window()
    qtbot.waitUntil(lambda: window.library.ready, timeout=60_000)
    track = first_track(window)
    window.piano_roll.undo_stack.setClean()
    window.close()
    waiting_file().parent.mkdir(parents=True, exist_ok=True)
    left = {"track_id": track, "kind": "dislike", "at": 1_700_000_000.0, "profile": "default"}
    waiting_file().write_text(json.dumps([left]))
    again = create_window()
    try:
        qtbot.waitUntil(lambda: len(stored(user_dirs)) == 1, timeout=30_000)
        assert stored(user_dirs) == [(track, "dislike", "default", 1_700_000_000.0)]
        qtbot.waitUntil(lambda: not waiting_file().exists(), timeout=5_000)
    finally:
        again.piano_roll.undo_stack.setClean()
        again.close()


def test_an_idea_liked_during_a_long_lock_is_stored_after(window, qtbot, user_dirs):
    qtbot.waitUntil(lambda: window.library.ready and window.ideas.count() > 0, timeout=60_000)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(library_file(user_dirs)),
                               str(HOLD_SECONDS)], stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "locked"
        liked_at = time.time()
        window.ideas.toggle_reaction(0, "like")  # what a click on ♥ does
        assert window.ideas.mark(0) == "like"  # shown at once
        assert window.generate_panel.isEnabled()
    finally:
        holder.wait(timeout=HOLD_SECONDS + 10)

    def ideas_stored() -> list[tuple]:
        with sqlite3.connect(library_file(user_dirs)) as db:
            return db.execute("SELECT kind, profile, at FROM idea_reactions").fetchall()

    qtbot.waitUntil(lambda: len(ideas_stored()) == 1, timeout=30_000)
    ((kind, profile, at),) = ideas_stored()
    assert (kind, profile) == ("like", "default")
    assert abs(at - liked_at) < 2  # the time it happened, not the time it was written
