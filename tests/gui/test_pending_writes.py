"""A window killed while it writes a file the user chose leaves a hidden temporary file beside
it; the next start removes it, and only it (studio.gui.pending_writes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from studio.core.midi_read import read_midi
from studio.gui import pending_writes

# A writer killed inside ``atomic_write_bytes``: its temporary file is made as that function
# makes it (same folder, same name pattern), then the process waits for the kill.
KILLED_WRITER = r"""
import sys, tempfile, time
from pathlib import Path
from studio.gui import pending_writes
target = Path(sys.argv[1])
with pending_writes.writing(target):
    import os
    fd, _ = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp",
                             dir=target.parent)
    os.write(fd, b"MThd half a song")
    print("writing", flush=True)
    time.sleep(60)
"""


def killed_while_writing(target) -> None:
    """Run a writer of ``target`` and kill -9 it halfway."""
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)],
                             stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)


def hidden(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_the_next_window_removes_what_a_killed_export_left_and_nothing_else(
    qtbot, user_dirs, tmp_path
):
    music = tmp_path / "music"
    music.mkdir()
    song = music / "song.mid"
    killed_while_writing(song)
    ours = music / f".song.mid.{os.getpid()}-running.tmp"  # a running writer's: stays
    ours.write_bytes(b"")
    other = music / ".other.mid.1-x.tmp"  # not a file a window was writing: stays
    other.write_bytes(b"")
    assert len(hidden(music)) == 3
    assert len(list(pending_writes.pending_folder().glob("*.json"))) == 1

    from studio.gui.app import create_window

    window = create_window()
    qtbot.addWidget(window)
    assert hidden(music) == sorted([ours.name, other.name])
    assert list(pending_writes.pending_folder().glob("*.json")) == []


def test_a_file_is_listed_only_while_it_is_written(user_dirs, tmp_path):
    target = tmp_path / "song.mid"
    own_list = pending_writes.pending_folder() / f"{os.getpid()}.json"
    with pending_writes.writing(target):
        assert json.loads(own_list.read_text()) == [str(target)]
        with pending_writes.writing(target):  # the same file twice: listed until both end
            assert json.loads(own_list.read_text()) == [str(target)] * 2
        assert json.loads(own_list.read_text()) == [str(target)]
    assert not own_list.exists()
    assert pending_writes.tidy_after_killed_sessions() == []  # this process's: never


def test_a_list_cut_off_by_the_kill_is_removed(user_dirs):
    folder = pending_writes.pending_folder()
    folder.mkdir(parents=True)
    (folder / "999999999.json").write_text('["/nowhere/so')  # no such process, half a list
    (folder / ".999999999.json.999999999-abc.tmp").write_text("[")
    assert pending_writes.tidy_after_killed_sessions() == []
    assert list(folder.iterdir()) == []


def test_export_midi_lists_the_file_while_it_writes_it(window, tmp_path, monkeypatch):
    import studio.core.midi_write as midi_write

    path = tmp_path / "export.mid"
    seen = []
    real = midi_write.write_midi

    def watched(song, target):
        lists = pending_writes.pending_folder().glob("*.json")
        seen.extend(name for p in lists for name in json.loads(p.read_text()))
        real(song, target)

    monkeypatch.setattr(midi_write, "write_midi", watched)
    assert window.export_midi(path)
    assert seen == [str(path)]
    assert read_midi(path) is not None
    assert list(pending_writes.pending_folder().glob("*.json")) == []
