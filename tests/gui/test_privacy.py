"""Privacy and safety in the whole window (issue 18): a full scripted session reaches no network,
in this process or in the indexer's worker processes, and writes files only in the documented
user folders and where the user chose; text typed in the search box is matched literally and
harms no table."""

from __future__ import annotations

import fnmatch
import multiprocessing.forkserver
import os
import shutil
import socket
import sqlite3
import sys
import tempfile
from pathlib import Path

import offline_guard
import pytest
from conftest import REPO_ROOT
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QListView, QPushButton, QTableView

from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, Track
from studio.core.resources import DEMO_LIBRARY
from studio.library.search import normalize, parse_query

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

# What a session may leave behind, relative to the test folder: HOME (no XDG_* variables, so
# the documented defaults ~/.config, ~/.local/share, ~/.local/state, ~/.cache apply), the
# folder the user chose for exports and saves, and TMPDIR.
DOCUMENTED = (
    "home/.config/motif-studio/settings.json",
    "home/.config/motif-studio/Motif Studio.conf",
    "home/.local/share/motif-studio/library.sqlite",
    "home/.local/share/motif-studio/library.sqlite-wal",
    "home/.local/share/motif-studio/library.sqlite-shm",
    "home/.local/share/motif-studio/autosave/*",
    "home/.local/share/motif-studio/pending-writes/*",
    "home/.local/state/motif-studio/studio.log",
    "home/.local/state/motif-studio/indexing.json",
    "home/.cache/motif-studio/*",
    "chosen/exported.mid",
    "chosen/exported.wav",
    "chosen/saved.mid",
    # multiprocessing's scratch folder for the forkserver's AF_UNIX socket (the indexer's
    # process pool); Python removes it when the process exits.
    "tmp/pymp-*",
)
# Written by the system's libraries, not by Motif Studio: the PulseAudio client (reached through
# PortAudio) creates its authentication cookie when it is missing; on a desktop it exists.
SYSTEM = ("home/.config/pulse/cookie",)
LIBRARIES = ("torch", "safetensors", "pretty_midi", "music21", "mido", "symusic", "fluidsynth",
             "sounddevice", "rtmidi")  # fmt: skip
NETWORK_PACKAGES = {"requests", "urllib3", "httpx", "aiohttp", "huggingface_hub"}


def files_under(root: Path) -> dict[str, tuple[int, int]]:
    """``relative posix path → (size, mtime_ns)`` of every file (and socket) under ``root``."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            stat = path.lstat()
            found[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


def written(before: dict, after: dict) -> list[str]:
    """The files created or changed between two ``files_under`` snapshots."""
    return sorted(path for path, state in after.items() if before.get(path) != state)


def undocumented(paths: list[str]) -> list[str]:
    allowed = DOCUMENTED + SYSTEM
    return [p for p in paths if not any(fnmatch.fnmatch(p, pattern) for pattern in allowed)]


def draw_note(roll, beat: float, pitch: int) -> None:
    """Click with the draw tool on the cell at ``beat`` and ``pitch`` (scrolled into view)."""
    roll.set_tool("draw")
    roll.ensure_visible(beat, pitch)
    point = QPoint(int(roll.beat_to_x(beat + 0.1)), int(roll.pitch_to_y(pitch)))
    QTest.mouseClick(roll.note_area(), LEFT, NONE, point)


def table_count(window) -> int:
    return window.findChild(QTableView, "libraryView").model().rowCount()


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """No network for this test and its child processes, and a user with an empty HOME, an
    empty TMPDIR and an empty working folder. Yields the guard's log file and TMPDIR."""
    guard = tmp_path / "guard"
    guard.mkdir()
    log = guard / "attempts.log"
    shutil.copy(offline_guard.__file__, guard / "sitecustomize.py")
    for name in ("home", "cwd", "chosen"):
        (tmp_path / name).mkdir()
    # TMPDIR: a short path of its own (multiprocessing puts an AF_UNIX socket in it, and those
    # paths have at most 107 bytes), looked at with the test folder; left in the tests'
    # scratch folder, as multiprocessing may keep using its folder in it.
    scratch = tempfile.mkdtemp(prefix="mt-")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME",
                 "MOTIF_STUDIO_CONFIG"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", scratch)
    monkeypatch.setattr(tempfile, "tempdir", scratch)
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("MOTIF_OFFLINE_LOG", str(log))
    paths = [str(guard), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    # The forkserver keeps the environment it started with: start a new one, under the guard.
    multiprocessing.forkserver._forkserver._stop()

    class ForbiddenSocket(socket.socket):
        """``socket.socket`` that refuses the network families (a subclass, so isinstance
        checks and AF_UNIX sockets work as before)."""

        def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
            if fileno is None and family in (-1, *offline_guard.NETWORK_FAMILIES):
                offline_guard.record(f"socket.socket({family}, {type}, {proto})")
            super().__init__(family, type, proto, fileno)

    def forbidden_connection(address, *args, **kwargs):
        offline_guard.record(f"create_connection({address!r})")

    monkeypatch.setattr(socket, "socket", ForbiddenSocket)
    monkeypatch.setattr(socket, "create_connection", forbidden_connection)
    offline_guard.attempts.clear()
    offline_guard.install(log)
    try:
        yield log, Path(scratch)
    finally:
        offline_guard.uninstall()
        multiprocessing.forkserver._forkserver._stop()  # later tests get one without the guard


def test_a_whole_session_stays_offline_and_writes_only_where_documented(qtbot, tmp_path, offline):
    from studio.gui.app import create_window

    log, scratch = offline

    def snapshot() -> dict[str, tuple[int, int]]:
        files = files_under(tmp_path)
        files.update({f"tmp/{path}": state for path, state in files_under(scratch).items()})
        return files

    music = tmp_path / "music"  # enough files for the indexer's process pool (100 or more)
    for copy in ("a", "b", "c"):
        shutil.copytree(DEMO_LIBRARY, music / copy, ignore=shutil.ignore_patterns("*.md"))
    files = len(list(music.rglob("*.mid")))
    assert files >= 100
    shipped = files_under(REPO_ROOT / "resources")
    before = snapshot()
    modules_before = set(sys.modules)

    def network_sockets() -> set[str]:
        return set(offline_guard.network_sockets(offline_guard.process_tree(os.getpid())))

    open_before = network_sockets()  # an earlier test's, if any
    native: set[str] = set()  # network sockets seen in /proc while the session runs
    sampler = QTimer(interval=100)
    sampler.timeout.connect(lambda: native.update(network_sockets() - open_before))
    sampler.start()

    window = create_window()
    try:
        window.resize(1400, 900)
        window.show()
        qtbot.waitUntil(lambda: window.model_ready, timeout=90_000)
        qtbot.waitUntil(lambda: window.library.ready, timeout=90_000)  # the demo library
        roll = window.piano_roll
        qtbot.waitUntil(lambda: len(roll.song().notes) > 0, timeout=30_000)

        # generate, open an idea, add a note, undo it
        with qtbot.waitSignal(window.ideasReady, timeout=30_000):
            qtbot.mouseClick(window.findChild(QPushButton, "generateButton"), LEFT)
        window.open_idea(0)
        opened = len(roll.song().notes)
        draw_note(roll, roll.song().end + 2, 67)
        assert len(roll.song().notes) == opened + 1
        roll.undo_stack.undo()
        assert len(roll.song().notes) == opened

        # similar tracks for a library track, then a like and a dislike
        view = window.findChild(QTableView, "libraryView")
        rect = view.visualRect(view.model().index(2, 0))
        with qtbot.waitSignal(window.similarReady, timeout=30_000):
            qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
        assert window.findChild(QListView, "similarList").model().rowCount() > 0
        liked, disliked = (view.model().index(row, 0).data(Qt.ItemDataRole.UserRole)
                           for row in (0, 1))  # fmt: skip
        with qtbot.waitSignal(window.suggestionsReady, timeout=30_000):
            window.library.react(liked, "like")
        with qtbot.waitSignal(window.suggestionsReady, timeout=30_000):
            window.library.react(disliked, "dislike")

        # index a folder of MIDI files (on the process pool)
        shown = table_count(window)
        window.add_folder(music)
        qtbot.waitUntil(lambda: window.library.ready and table_count(window) == shown + files,
                        timeout=180_000)  # fmt: skip

        # export MIDI and WAV where the user chose, and save there
        chosen = tmp_path / "chosen"
        assert window.export_midi(chosen / "exported.mid")
        with qtbot.waitSignal(window.worker.finished, timeout=60_000):
            window.export_wav(chosen / "exported.wav")
        window.path = chosen / "saved.mid"
        assert window.save()
    finally:
        window.piano_roll.undo_stack.setClean()
        window.close()
        sampler.stop()

    # -- nothing left the machine ---------------------------------------------------------------
    children = Path(f"{log}.children")
    assert children.exists(), "the indexer's worker processes did not start under the guard"
    assert offline_guard.attempts == []
    assert not log.exists(), log.read_text()  # no attempt in any child process either
    assert native == set()
    loaded = {name.split(".")[0] for name in set(sys.modules) - modules_before}
    assert not loaded & NETWORK_PACKAGES

    # -- files only where documented ------------------------------------------------------------
    created = [p for p in written(before, snapshot()) if not p.startswith("guard/")]
    print("the session wrote:", *created, sep="\n  ")
    print("libraries it used:", *sorted(m for m in LIBRARIES if m in sys.modules))
    assert undocumented(created) == []
    for needed in ("home/.local/share/motif-studio/library.sqlite", "chosen/exported.mid",
                   "chosen/exported.wav", "chosen/saved.mid"):  # fmt: skip
        assert needed in created
    assert files_under(REPO_ROOT / "resources") == shipped  # the shipped models stay as they are


# -- typed search text --------------------------------------------------------------------------

TITLES = ("Fifty% Reel", "a%b", "Alphabet Song", "under_score Jig", "x_y", "xay",
          "O'Carolan's \"Quote\"", "Back\\slash Hornpipe", "Plain Reel")  # fmt: skip
TYPED = ("'", '"', "%", "_", "a%b", "x_y", "'; DROP TABLE tracks; --", '" OR 1=1 --', "\\",
         "%' OR '1'='1", "*", "[a-z]", ".*", "(")  # fmt: skip


def literal_matches(rows, text: str) -> set[str]:
    """The titles a search for ``text`` must show when its words match literally (substrings of
    the title, the path, the key, the meter or the instruments; letter case and accents aside)."""
    words = parse_query(text).words
    found = set()
    for i, title in enumerate(rows.title):
        fields = (title, rows.display_path[i], rows.key[i], rows.meter[i], rows.instruments[i])
        haystack = "\n".join(normalize(str(field)) for field in fields)
        if all(word in haystack for word in words):
            found.add(title)
    return found


def test_typed_search_text_is_matched_literally_and_harms_nothing(window, qtbot, tmp_path):
    qtbot.waitUntil(lambda: window.library.ready, timeout=90_000)
    folder = tmp_path / "titles"
    folder.mkdir()
    for number, title in enumerate(TITLES):
        notes = tuple(Note(60 + i, i * 0.5, 0.5, 90) for i in range(8))
        song = Song((Track(notes, name="melody"),), tempos=(TempoChange(0, 100),), title=title)
        write_midi(song, folder / f"tune{number}.mid")
    shown = table_count(window)
    window.add_folder(folder)
    qtbot.waitUntil(lambda: window.library.ready and table_count(window) == shown + len(TITLES),
                    timeout=60_000)  # fmt: skip
    library = Path(os.environ["XDG_DATA_HOME"]) / "motif-studio" / "library.sqlite"
    with sqlite3.connect(library) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        tracks = db.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]

    pane = window.library.pane
    search = window.findChild(QLineEdit, "librarySearch")
    rows = pane.rows()
    model = pane.model
    for text in TYPED:
        assert parse_query(text).words and not parse_query(text).keys  # plain words, all
        search.clear()
        qtbot.keyClicks(search, text)
        qtbot.waitUntil(lambda text=text: model.query()[0] == text.strip() and not model.busy(),
                        timeout=10_000)  # fmt: skip
        titles = {model.data(model.index(row, 0)) for row in range(model.rowCount())}
        assert titles == literal_matches(rows, text), text
    qtbot.keyClick(search, Qt.Key.Key_Escape)

    # % and _ are no wildcards: only titles (or paths) holding them literally match
    demo = {rows.title[i] for i, path in enumerate(rows.display_path)
            if path.startswith(str(DEMO_LIBRARY))}  # fmt: skip
    assert demo and "%" not in str(DEMO_LIBRARY) and "_" not in str(DEMO_LIBRARY)
    percent, underscore = literal_matches(rows, "%"), literal_matches(rows, "_")
    assert {"Fifty% Reel", "a%b"} <= percent and not demo & percent
    assert {"under_score Jig", "x_y"} <= underscore and not demo & underscore
    assert "Alphabet Song" not in literal_matches(rows, "a%b")
    assert "xay" not in literal_matches(rows, "x_y")

    with sqlite3.connect(library) as db:  # every table is still there, with every track
        assert {row[0] for row in db.execute("SELECT name FROM sqlite_master")} == tables
        assert db.execute("SELECT COUNT(*) FROM tracks").fetchone()[0] == tracks


# -- the guard itself ---------------------------------------------------------------------------


def test_the_guard_refuses_the_network_here_and_in_child_processes(offline):
    import _socket
    import subprocess

    log, _scratch = offline
    for attempt in (
        lambda: socket.socket(),
        lambda: socket.socket(socket.AF_INET6, socket.SOCK_DGRAM),
        lambda: _socket.socket(socket.AF_INET),  # around the patched class: the audit hook
        lambda: socket.create_connection(("192.0.2.1", 9)),
        lambda: socket.getaddrinfo("example.org", 80),
    ):
        with pytest.raises(offline_guard.NetworkForbidden):
            attempt()
    assert len(offline_guard.attempts) == 5
    left, right = socket.socketpair()  # AF_UNIX stays allowed
    left.close(), right.close()
    code = "import socket; socket.create_connection(('192.0.2.1', 9), timeout=1)"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.returncode != 0 and "NetworkForbidden" in child.stderr
    pids = {int(line.split()[0]) for line in log.read_text().splitlines()}
    assert pids - {os.getpid()}, "the child's attempt is in the log"


def test_the_proc_check_sees_a_bound_network_socket():
    before = offline_guard.network_sockets([os.getpid()])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        assert len(offline_guard.network_sockets([os.getpid()])) == len(before) + 1
