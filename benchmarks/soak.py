"""Soak: scripted use of the whole window for a long time, offscreen, watching for leaks, stalls,
underruns and uncaught exceptions (issue 18, "Trustworthy under faults").

Run from the repo root:
    .venv/bin/python benchmarks/soak.py --minutes 60 [--json OUT] [--audio auto|on|off]
    .venv/bin/python benchmarks/soak.py --minutes 5       the short version
    .venv/bin/python benchmarks/soak.py --minutes 1 --functional   what the test suite runs

The real window (``studio.gui.app.create_window``) runs in fresh temporary user folders (config,
data, state, cache and the settings file), so the run never touches the user's files. Once the
model and the library are ready, a scripted session repeats until the time is up, driven by
timers through the automation contract and the real input paths (no sleeping in the GUI
thread): Generate (wait ``ideasReady``), open an idea (Enter in the ideas list), edit in the
piano roll (Ctrl+A, arrows, Q, a drawn note, Delete), undo and redo, play a few seconds and
stop, similar tracks for a library track (a click in the table, wait ``similarReady``), a ♥ or
✕ on a similar track, index a small folder of demo files (added once, then a file swapped and
the library rescanned every few rounds), export MIDI and WAV, and an autosave.

Measured, from the moment the window is ready: the process's RSS once a minute (its growth
after the warm-up: 5 minutes, or 1 minute for runs shorter than 10), the event loop's gaps
(a 10 ms timer on the GUI thread; p50, p99, max), the player's underruns (its stream runs the
whole time, silent when stopped), uncaught exceptions (``sys.excepthook``,
``threading.excepthook``, an exception out of a scripted step, ERROR lines in ``studio.log``),
error messages shown, steps that did not finish in time, and how many of each action ran.

Targets (issue 18): RSS growth ≤ 10 %, 0 underruns, p99 gap ≤ 50 ms, no uncaught exception;
every scripted step must also finish (no error box, no timeout). The exit status is 1 when one
is missed, 2 when the window never got ready, so the script can be a CI job. ``--functional``
judges only what does not depend on the machine's speed and load (exceptions, errors shown,
stuck steps, every action done): tests/test_soak_script.py runs it for a minute in every test
run, while the timing targets stay benchmarks.

Audio: ``auto`` (the default) uses the sound server named by MOTIF_TEST_AUDIO/PULSE_SERVER when
one is set (as under scripts/test.sh), else starts a private PulseAudio null sink with
scripts/sound-server.sh (and stops it at the end); without PulseAudio it runs without audio and
says so (underruns are then not measured). ``on`` fails when no sink can be had; ``off`` never
starts one.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_RSS_GROWTH = 0.10
TARGET_P99_MS = 50.0
HEARTBEAT_MS = 10
BIN_MS = 0.1  # the gap histogram's resolution
MAX_BIN_MS = 2000.0  # longer gaps go to the last bin (the true maximum is kept apart)
POLL_MS = 20
PLAY_SECONDS = 3.0
INDEX_EVERY = 4  # rounds between two rescans of the soak's folder
FOLDER_FILES = 4  # demo files in the soak's folder at any time


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="soak length (default 60)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--audio", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--seed", type=int, default=18, help="the script's random choices")
    parser.add_argument("--keep", action="store_true", help="keep the temporary user folders")
    parser.add_argument("--functional", action="store_true",
                        help="judge only what does not depend on the machine's speed and load: "
                             "no uncaught exception, no error shown, no step stuck, every "
                             "action done (the figures are still printed)")  # fmt: skip
    parser.add_argument("--idle", action="store_true",
                        help="a control run: the same window and measurements, no script (what "
                             "the machine alone does to the event loop and the audio)")  # fmt: skip
    return parser.parse_args(argv)


# -- set-up before Qt and the studio are imported -------------------------------------------------


def scratch_user_folders() -> Path:
    """Fresh XDG folders, settings file and TMPDIR for this run; returns their parent."""
    root = Path(tempfile.mkdtemp(prefix="motif-soak-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = root / name.lower()
        folder.mkdir()
        os.environ[name] = str(folder)
    os.environ["MOTIF_STUDIO_CONFIG"] = str(root / "settings.json")
    (root / "tmp").mkdir()
    os.environ["TMPDIR"] = str(root / "tmp")
    tempfile.tempdir = str(root / "tmp")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    return root


def start_sound(mode: str) -> tuple[str, Path | None]:
    """Make sure a sound sink is there: (what was done, the private server's folder or None)."""
    if mode == "off":
        return "off (--audio off)", None
    if os.environ.get("MOTIF_TEST_AUDIO") and os.environ.get("PULSE_SERVER"):
        return f"the running sink at {os.environ['PULSE_SERVER']}", None
    folder = Path(tempfile.mkdtemp(prefix="motif-soak-sound-", dir="/tmp"))
    done = subprocess.run(["bash", str(REPO / "scripts" / "sound-server.sh"), "start", str(folder)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    words = shlex.split(done.stdout.strip())
    found = dict(w.split("=", 1) for w in words if "=" in w and w.split("=", 1)[0].isupper())
    if done.returncode != 0 or "PULSE_SERVER" not in found:
        shutil.rmtree(folder, ignore_errors=True)
        if mode == "on":
            raise SystemExit(f"soak: no sound server could be started: {done.stdout}{done.stderr}")
        return "none: no PulseAudio here, ran without audio", None
    os.environ.update(found)
    return f"a private PulseAudio null sink (scripts/sound-server.sh) at {found['PULSE_SERVER']}", \
        folder  # fmt: skip


def stop_sound(folder: Path | None) -> None:
    if folder is not None:
        subprocess.run(["bash", str(REPO / "scripts" / "sound-server.sh"), "stop", str(folder)],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def rss_mb() -> float:
    """This process's resident set size in MB (/proc/self/status VmRSS; psutil when present)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- measuring ------------------------------------------------------------------------------------


class GapHistogram:
    """Event-loop gaps (ms) in fixed 0.1 ms bins, so a long run costs no growing memory."""

    def __init__(self) -> None:
        import numpy as np

        self.bins = np.zeros(int(MAX_BIN_MS / BIN_MS) + 1, dtype=np.int64)
        self.max = 0.0
        self.count = 0

    def add(self, gap_ms: float) -> None:
        self.bins[min(int(gap_ms / BIN_MS), len(self.bins) - 1)] += 1
        self.max = max(self.max, gap_ms)
        self.count += 1

    def quantile(self, q: float) -> float:
        if not self.count:
            return 0.0
        import numpy as np

        rank = q * (self.count - 1)
        return float(np.searchsorted(np.cumsum(self.bins), rank, side="right")) * BIN_MS

    def over(self, ms: float) -> int:
        return int(self.bins[int(ms / BIN_MS) + 1 :].sum())

    def summary(self) -> dict:
        return {"ticks": self.count, "p50_ms": round(self.quantile(0.50), 1),
                "p99_ms": round(self.quantile(0.99), 1), "max_ms": round(self.max, 1),
                "over_50_ms": self.over(50.0)}  # fmt: skip


class Heartbeat:
    """A 10 ms precise timer on the GUI thread; the time between two ticks is a gap."""

    def __init__(self, step_name: Callable[[], str]) -> None:
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.total = GapHistogram()
        self.minute = GapHistogram()
        self.worst: list[tuple[float, float, str]] = []  # (gap ms, at s, step), the 10 longest
        self.underruns_by_step: Counter[str] = Counter()
        self.underruns: Callable[[], int] | None = None  # the player's counter, when it has one
        self._last_underruns = 0
        self._step_name = step_name
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)
        self._started = 0.0

    def start(self) -> None:
        self._started = time.monotonic()
        self._last_underruns = self.underruns() if self.underruns else 0
        self._clock.start()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def next_minute(self) -> dict:
        """This minute's gaps, and a fresh histogram for the next one."""
        summary, self.minute = self.minute.summary(), GapHistogram()
        return summary

    def _beat(self) -> None:
        gap = self._clock.nsecsElapsed() / 1e6
        self._clock.restart()
        self.total.add(gap)
        self.minute.add(gap)
        if self.underruns is not None and (count := self.underruns()) != self._last_underruns:
            self.underruns_by_step[self._step_name()] += count - self._last_underruns
            self._last_underruns = count
        if gap > 50.0 and (len(self.worst) < 10 or gap > self.worst[-1][0]):
            at = round(time.monotonic() - self._started, 1)
            self.worst = sorted([*self.worst, (round(gap, 1), at, self._step_name())],
                                reverse=True)[:10]  # fmt: skip


class Collections:
    """Python's garbage collections, on any thread: how many of each generation, the longest
    (ms), and how many took over 10 ms (a full one holds the GIL, and the audio callback waits)."""

    def __init__(self) -> None:
        self.count: Counter[int] = Counter()
        self.longest_ms = {0: 0.0, 1: 0.0, 2: 0.0}
        self.over_10_ms = 0
        self._started: dict[int, float] = {}

    def install(self) -> None:
        gc.callbacks.append(self._callback)

    def summary(self) -> dict:
        return {"collections": {str(g): self.count[g] for g in (0, 1, 2)},
                "longest_ms": {str(g): round(ms, 1) for g, ms in self.longest_ms.items()},
                "over_10_ms": self.over_10_ms}  # fmt: skip

    def _callback(self, phase: str, info: dict) -> None:
        thread = threading.get_ident()
        if phase == "start":
            self._started[thread] = time.perf_counter()
            return
        started = self._started.pop(thread, None)
        if started is not None:
            ms = (time.perf_counter() - started) * 1000
            generation = info["generation"]
            self.count[generation] += 1
            self.longest_ms[generation] = max(self.longest_ms[generation], ms)
            self.over_10_ms += ms > 10


def count_qt_messages(counter: Counter[str]) -> None:
    """Count Qt's messages (offscreen it repeats a few warnings thousands of times) instead of
    printing them; critical and fatal ones are printed too."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind, _context, message: str) -> None:
        key = f"{kind.name}: {message}"
        counter[key if key in counter or len(counter) < 50 else "other messages"] += 1
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            print(f"Qt: {message}", file=sys.stderr)

    qInstallMessageHandler(handler)


class Problems:
    """Uncaught exceptions (GUI thread and other threads), errors shown, stuck steps."""

    def __init__(self) -> None:
        self.exceptions: list[str] = []
        self.errors_shown: list[str] = []
        self.stuck: list[str] = []
        self._previous_hook = None

    def install(self) -> None:
        """Count what reaches the hooks, then let the app's own hook (log and box) run too."""
        self._previous_hook = sys.excepthook

        def hook(kind, error, trace) -> None:
            self.exceptions.append("".join(traceback.format_exception(kind, error, trace)))
            self._previous_hook(kind, error, trace)

        def thread_hook(args) -> None:
            trace = traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)
            self.exceptions.append(f"in thread {args.thread.name}: " + "".join(trace))

        sys.excepthook = hook
        threading.excepthook = thread_hook

    def close_message_boxes(self) -> None:
        """Record and close any message box (an error shown to the user, "Something went
        wrong"): a soak that clicks on regardless would hide them."""
        from PySide6.QtWidgets import QApplication, QMessageBox

        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                self.errors_shown.append(f"{widget.windowTitle()}: {widget.text()}")
                widget.done(0)
                widget.deleteLater()


# -- the scripted session -------------------------------------------------------------------------


@dataclass
class Wait:
    """A step waits until ``done()`` holds, for ``timeout`` seconds at most."""

    action: str
    done: Callable[[], bool]
    timeout: float
    started: float = 0.0
    detail: Callable[[], str] | None = None  # what to say when it times out


class Session:
    """The scripted use of the window, as a generator of ``Wait``s (see ``drive``)."""

    def __init__(self, window, scratch: Path, seed: int, problems: Problems, idle: bool) -> None:
        from PySide6.QtGui import QAction
        from PySide6.QtWidgets import QListView, QPushButton, QTableView

        self.window = window
        self.rng = random.Random(seed)
        self.problems = problems
        self.actions: Counter[str] = Counter()
        self.step = "start"
        self.signals: Counter[str] = Counter()
        self.finished: set[int] = set()
        self.failed: dict[int, str] = {}
        self.out = scratch / "exports"
        self.out.mkdir()
        self.folder = scratch / "soak folder"
        self.folder.mkdir()
        self.demo = sorted((REPO / "resources" / "demo").glob("*.mid"))
        self.next_demo = 0
        self.folder_added = False
        self.deadline = 0.0
        self.idle = idle
        self.generate_button = window.findChild(QPushButton, "generateButton")
        self.undo = window.findChild(QAction, "actionUndo")
        self.redo = window.findChild(QAction, "actionRedo")
        self.table = window.findChild(QTableView, "libraryView")
        self.similar = window.findChild(QListView, "similarList")
        for name in ("ideasReady", "similarReady", "suggestionsReady", "libraryChanged"):
            getattr(window, name).connect(lambda name=name: self.signals.update([name]))
        window.worker.finished.connect(lambda request, _result: self.finished.add(request))
        window.worker.failed.connect(lambda request, text: self.failed.update({request: text}))

    def run(self, seconds: float) -> Iterator[Wait]:
        """Rounds of the script until ``seconds`` have passed (a round ends early then)."""
        self.deadline = time.monotonic() + seconds
        steps = (self.generate, self.open_idea, self.edit, self.undo_redo, self.play,
                 self.similar_tracks, self.react, self.index, self.export,
                 self.autosave)  # fmt: skip
        if self.idle:
            steps = (self.wait_idle,)
        round_number = 0
        while time.monotonic() < self.deadline:
            for step in steps:
                if time.monotonic() >= self.deadline:
                    break
                self.step = step.__name__
                try:
                    yield from step(round_number)
                except Exception:
                    self.problems.exceptions.append(f"in step {self.step}: "
                                                    + traceback.format_exc())  # fmt: skip
                self.problems.close_message_boxes()
                yield self.pause(0.3)  # a user's moment between two things
            round_number += 1
        self.step = "end"

    def pause(self, seconds: float) -> Wait:
        until = time.monotonic() + seconds
        return Wait("pause", lambda: time.monotonic() >= until, seconds + 60)

    def _signal(self, name: str) -> Callable[[], bool]:
        before = self.signals[name]
        return lambda: self.signals[name] > before

    # -- the steps --------------------------------------------------------------------------------

    def wait_idle(self, _round: int) -> Iterator[Wait]:
        yield self.pause(1.0)

    def generate(self, _round: int) -> Iterator[Wait]:
        ready = self._signal("ideasReady")
        self.generate_button.click()
        yield Wait("generate", ready, 180)
        self.actions["generate"] += 1

    def open_idea(self, _round: int) -> Iterator[Wait]:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        ideas = self.window.ideas
        if ideas.count() == 0:
            return
        before = self.window.piano_roll.song()
        ideas.setFocus()
        ideas.setCurrentRow(self.rng.randrange(ideas.count()))
        QTest.keyClick(ideas, Qt.Key.Key_Return)  # Enter opens the current idea
        yield Wait("open idea", lambda: self.window.piano_roll.song() is not before, 10)
        self.actions["open idea"] += 1

    def edit(self, _round: int) -> Iterator[Wait]:
        """Select all, move up a semitone and right by the snap, quantize, draw a note after
        the last one, then select all and delete (undone in the next step)."""
        from PySide6.QtCore import QPoint, Qt
        from PySide6.QtTest import QTest

        roll = self.window.piano_roll
        area = roll.note_area()
        area.setFocus()
        roll.set_tool("select")
        ctrl, none = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.NoModifier
        for key, modifiers in ((Qt.Key.Key_A, ctrl), (Qt.Key.Key_Up, none),
                               (Qt.Key.Key_Right, none), (Qt.Key.Key_Q, none)):  # fmt: skip
            QTest.keyClick(area, key, modifiers)
            self.actions["edit (key)"] += 1
        song = roll.song()
        beat = (max((n.end for n in song.notes), default=0.0) // 1) + 1.0
        pitch = self.rng.randrange(60, 80)
        roll.set_tool("draw")
        roll.ensure_visible(beat, pitch)
        yield self.pause(0.05)  # let the scroll settle before the click
        where = QPoint(round(roll.beat_to_x(beat + 0.1)), round(roll.pitch_to_y(pitch)))
        QTest.mouseClick(area, Qt.MouseButton.LeftButton, none, where)
        self.actions["edit (draw)"] += 1
        roll.set_tool("select")
        QTest.keyClick(area, Qt.Key.Key_A, ctrl)
        QTest.keyClick(area, Qt.Key.Key_Delete)
        self.actions["edit (key)"] += 2
        yield self.pause(0.05)

    def undo_redo(self, _round: int) -> Iterator[Wait]:
        """Undo the delete and the drawn note, redo the note: a song with notes again."""
        for _ in range(2):
            self.undo.trigger()
            self.actions["undo"] += 1
        self.redo.trigger()
        self.actions["redo"] += 1
        if not self.window.piano_roll.song().notes:
            self.problems.stuck.append("undo/redo: the editor is empty after undoing the delete")
        yield self.pause(0.05)

    def play(self, _round: int) -> Iterator[Wait]:
        player = self.window.playback.player
        if not self.window.playback.available:
            self.actions["play (no audio)"] += 1
            return
        self.window.transport.play_button.click()
        yield Wait("play", lambda: player.is_playing, 10)
        yield self.pause(PLAY_SECONDS)
        self.window.transport.stop_button.click()
        yield Wait("stop", lambda: not player.is_playing, 10)
        self.actions["play"] += 1

    def similar_tracks(self, _round: int) -> Iterator[Wait]:
        """A click on another library track in the table fills Similar."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        pane, model = self.window.library.pane, self.table.model()
        current = pane.current_track()
        tracks = [model.index(r, 0).data(Qt.ItemDataRole.UserRole) for r in range(model.rowCount())]
        snapshot = pane.rows()  # a track whose file vanished (rescan) has no similar tracks
        tracks = [t for t in tracks if t != current and snapshot is not None
                  and snapshot.row_of(t) is not None
                  and snapshot.status[snapshot.row_of(t)] == "ok"]  # fmt: skip
        if not tracks:
            return
        track = self.rng.choice(tracks)
        self.table.scrollTo(model.index(tracks.index(track), 0))
        yield self.pause(0.05)
        row = self._row_of(track)  # again: a new snapshot of the table may have come meanwhile
        if row is None:
            return
        ready = self._signal("similarReady")
        where = self.table.visualRect(model.index(row, 0)).center()
        QTest.mouseClick(self.table.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, where)  # fmt: skip
        if pane.current_track() != track:
            self.problems.stuck.append(f"{time.strftime('%H:%M:%S')} similar: a click on row "
                                       f"{row} did not make track {track} current")  # fmt: skip
            return
        yield Wait(f"similar for track {track}", ready, 60, detail=self._similar_state)
        self.actions["similar"] += 1

    def _similar_state(self) -> str:
        library = self.window.library
        return (
            f"(the Similar pane says {library.similar.state.text()!r}; library reads "
            f"{'busy' if library.reads.busy else 'idle'})"
        )

    def _row_of(self, track: int) -> int | None:
        from PySide6.QtCore import Qt

        model = self.table.model()
        for row in range(model.rowCount()):
            if model.index(row, 0).data(Qt.ItemDataRole.UserRole) == track:
                return row
        return None

    def react(self, round_number: int) -> Iterator[Wait]:
        """♥ (even rounds) or ✕ (odd) on the first similar track not reacted to yet."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        from studio.gui.suggestion_list import DISLIKE, LIKE

        self.window.show_dock("similarDock")
        yield self.pause(0.05)
        model = self.similar.model()
        rows = [r for r in range(model.rowCount()) if model.reaction(model.ranked(r).track_id) == 0]
        if not rows:
            return
        kind = LIKE if round_number % 2 == 0 else DISLIKE
        ready = self._signal("suggestionsReady")
        where, left = self.similar.button_center(rows[0], kind), Qt.MouseButton.LeftButton
        QTest.mouseClick(self.similar.viewport(), left, Qt.KeyboardModifier.NoModifier, where)
        yield Wait("react", ready, 60)
        self.actions["react ♥" if kind == LIKE else "react ✕"] += 1

    def index(self, round_number: int) -> Iterator[Wait]:
        """Add the soak's folder (round 0); every few rounds swap a file in it and rescan."""
        library = self.window.library
        if not self.folder_added:
            for _ in range(FOLDER_FILES):
                self._copy_next_demo()
            self.window.add_folder(self.folder)
            self.folder_added = True
            action = "index folder"
        elif round_number % INDEX_EVERY == 0:
            oldest = min(self.folder.glob("*.mid"), key=lambda p: p.stat().st_mtime)
            oldest.unlink()
            self._copy_next_demo()
            library.rescan()
            action = "rescan"
        else:
            return
        yield self.pause(0.05)
        yield Wait(action, lambda: library.ready, 180)
        self.actions[action] += 1

    def _copy_next_demo(self) -> None:
        source = self.demo[self.next_demo % len(self.demo)]
        self.next_demo += 1
        shutil.copy(source, self.folder / f"{self.next_demo:04d} {source.name}")

    def export(self, _round: int) -> Iterator[Wait]:
        if self.window.export_midi(self.out / "soak.mid"):
            self.actions["export MIDI"] += 1
        request = self.window.export_wav(self.out / "soak.wav")
        yield Wait("export WAV", lambda: request in self.finished or request in self.failed, 180)
        if request in self.finished:
            self.actions["export WAV"] += 1
        else:
            self.problems.stuck.append(f"export WAV failed: {self.failed.get(request)}")

    def autosave(self, _round: int) -> Iterator[Wait]:
        if self.window.autosaver.save_now():
            self.actions["autosave"] += 1
        elif self.window.autosaver.last_error:
            self.problems.stuck.append(self.window.autosaver.last_error)
        return
        yield  # a generator, like the other steps


def drive(steps: Iterator[Wait], problems: Problems, done: Callable[[], None]) -> None:
    """Run ``steps`` on timers: each ``Wait`` is polled every 20 ms; one that times out is
    recorded as stuck and the script goes on."""
    from PySide6.QtCore import QTimer

    current: list[Wait | None] = [None]

    def tick() -> None:
        wait = current[0]
        if wait is not None and not wait.done():
            if time.monotonic() - wait.started < wait.timeout:
                QTimer.singleShot(POLL_MS, tick)
                return
            problems.stuck.append(f"{time.strftime('%H:%M:%S')} {wait.action}: not done "
                                  f"after {wait.timeout:.0f} s"
                                  + (f" {wait.detail()}" if wait.detail else ""))  # fmt: skip
        try:
            current[0] = next(steps)
        except StopIteration:
            done()
            return
        current[0].started = time.monotonic()
        QTimer.singleShot(0, tick)

    QTimer.singleShot(0, tick)


# -- the run --------------------------------------------------------------------------------------


def log_problems(state_home: Path) -> tuple[list[str], int]:
    """ERROR lines of studio.log (the app logs uncaught exceptions as "unexpected error"), and
    how many WARNING lines it has."""
    path = state_home / "motif-studio" / "studio.log"
    if not path.exists():
        return [], 0
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if " ERROR " in line], sum(" WARNING " in x for x in lines)


def soak(args: argparse.Namespace, scratch: Path, audio: str) -> dict:
    """Start the window, wait until it is ready, run the script, measure; the results."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(["studio"])
    qt_messages: Counter[str] = Counter()
    count_qt_messages(qt_messages)
    collections = Collections()
    from studio.gui.app import create_window

    started = time.monotonic()
    window = create_window()
    problems = Problems()
    problems.install()  # after create_window, which sets the app's own hook
    window.resize(1400, 900)
    window.show()
    session = Session(window, scratch, args.seed, problems, args.idle)
    heart = Heartbeat(lambda: session.step)
    seconds = args.minutes * 60
    warmup = 5 if args.minutes >= 10 else 1
    result: dict = {"minutes": args.minutes, "warmup_minutes": warmup, "audio": audio,
                    "idle": args.idle,
                    "date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpus": os.cpu_count(),
                    "load_average_start": [round(x, 2) for x in os.getloadavg()],
                    "samples": []}  # fmt: skip
    state = {"ready_at": None, "underruns_at_ready": 0, "minute": 0}
    minute_timer = QTimer()

    def player():
        return window.playback.player if window.playback.available else None

    def sample(end: bool = False) -> None:
        p = player()
        minute = round((time.monotonic() - state["ready_at"]) / 60, 2) if end else state["minute"]
        result["samples"].append({
            "minute": minute, "rss_mb": round(rss_mb(), 1),
            "underruns": (p.underruns - state["underruns_at_ready"]) if p else None,
            "load_average": round(os.getloadavg()[0], 2), "gaps": heart.next_minute(),
            "actions": sum(session.actions.values()),
        })  # fmt: skip
        print(f"[{time.strftime('%H:%M:%S')}] minute {minute}: "
              f"RSS {result['samples'][-1]['rss_mb']} MB, "
              f"gap p99 {result['samples'][-1]['gaps']['p99_ms']} ms, "
              f"underruns {result['samples'][-1]['underruns']}, "
              f"load {result['samples'][-1]['load_average']}", flush=True)  # fmt: skip
        state["minute"] += 1

    def finish() -> None:
        minute_timer.stop()
        sample(end=True)
        heart.stop()
        p = player()
        result["underruns_during_soak"] = (p.underruns - state["underruns_at_ready"]) if p \
            else None  # fmt: skip
        result["underruns_at_start"] = state["underruns_at_ready"] if p else None
        result["blocks_played"] = p.blocks_played if p else None
        result["callback_max_ms"] = round(p.callback_max_seconds * 1000, 2) if p else None
        result["block_budget_ms"] = round(p.block_budget_seconds * 1000, 2) if p else None
        window.piano_roll.undo_stack.setClean()  # no "save changes?" at close
        window.close()
        app.quit()

    def begin() -> None:
        if not (window.model_ready and window.library.ready and window.piano_roll.song().notes):
            if time.monotonic() - started > 600:
                result["not_ready"] = "the window was not ready after 600 s"
                window.piano_roll.undo_stack.setClean()
                window.close()
                app.quit()
                return
            QTimer.singleShot(100, begin)
            return
        state["ready_at"] = time.monotonic()
        result["start_seconds"] = round(state["ready_at"] - started, 1)
        p = player()
        state["underruns_at_ready"] = p.underruns if p else 0
        window.autosaver.set_interval(15)  # the autosave timer ticks during the soak too
        heart.underruns = (lambda: p.underruns) if p else None
        heart.start()
        collections.install()
        sample()
        minute_timer.timeout.connect(sample)
        minute_timer.start(60_000)
        drive(session.run(seconds), problems, finish)

    QTimer.singleShot(0, begin)
    app.exec()
    result["soak_seconds"] = round(time.monotonic() - (state["ready_at"] or started), 1)
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["gaps"] = heart.total.summary()
    result["worst_gaps"] = [{"ms": g, "at_s": t, "step": s} for g, t, s in heart.worst]
    result["actions"] = dict(sorted(session.actions.items()))
    result["underruns_by_step"] = dict(heart.underruns_by_step.most_common())
    result["gc"] = collections.summary()
    result["qt_messages"] = dict(qt_messages.most_common())
    errors, warnings = log_problems(Path(os.environ["XDG_STATE_HOME"]))
    problems.close_message_boxes()
    result["uncaught_exceptions"] = problems.exceptions
    result["log_errors"] = errors
    result["log_warnings"] = warnings
    result["errors_shown"] = problems.errors_shown
    result["stuck_steps"] = problems.stuck
    return result


FUNCTIONAL_ACTIONS = ("generate", "open idea", "edit (key)", "undo", "redo", "similar",
                      "export MIDI", "export WAV", "autosave")  # fmt: skip
"""What even the shortest scripted run must have done at least once (``--functional``)."""


def judge(result: dict, functional: bool = False) -> list[str]:
    """The targets missed (empty: all met); also fills ``rss`` in ``result``. ``functional``:
    only the targets that do not depend on the machine's speed and load (a check for CI:
    timings are benchmarks, not tests), plus every action of ``FUNCTIONAL_ACTIONS`` done."""
    samples = result["samples"]
    warmup = result["warmup_minutes"]
    base = next((s for s in samples if s["minute"] == warmup), None)
    missed = []
    if base is not None and len(samples) > warmup + 1:
        later = [s["rss_mb"] for s in samples if s["minute"] >= warmup]
        result["rss"] = {"at_start_mb": samples[0]["rss_mb"], "baseline_mb": base["rss_mb"],
                         "max_after_mb": max(later), "end_mb": later[-1],
                         "growth_max": round(max(later) / base["rss_mb"] - 1, 4),
                         "growth_end": round(later[-1] / base["rss_mb"] - 1, 4)}  # fmt: skip
        if result["rss"]["growth_max"] > TARGET_RSS_GROWTH:
            missed.append(f"RSS grew {result['rss']['growth_max']:.1%} after minute {warmup}")
    else:
        result["rss"] = None
        missed.append(f"too short to measure RSS growth after minute {warmup}")
    if result["underruns_during_soak"]:
        missed.append(f"{result['underruns_during_soak']} underruns")
    if result["gaps"]["p99_ms"] > TARGET_P99_MS:
        missed.append(f"event-loop p99 gap {result['gaps']['p99_ms']} ms")
    if functional:
        missed = [f"never done: {a}" for a in FUNCTIONAL_ACTIONS if not result["actions"].get(a)]
    if result["uncaught_exceptions"] or result["log_errors"]:
        missed.append(f"{len(result['uncaught_exceptions'])} uncaught exceptions, "
                      f"{len(result['log_errors'])} ERROR lines in studio.log")  # fmt: skip
    if result["errors_shown"] or result["stuck_steps"]:
        missed.append(f"{len(result['errors_shown'])} error messages shown, "
                      f"{len(result['stuck_steps'])} steps stuck or failed")  # fmt: skip
    return missed


def print_summary(result: dict, missed: list[str]) -> None:
    rss, gaps = result["rss"] or {}, result["gaps"]
    warmup = result["warmup_minutes"]
    rows = [
        ("length (after the window was ready)", f"{result['soak_seconds'] / 60:.1f} min", ""),
        ("start to ready (model, library, first melody)", f"{result['start_seconds']} s", ""),
        ("audio", result["audio"], ""),
        ("script", "none: an idle control run (--idle)" if result["idle"] else
         "generate, open idea, edit, undo/redo, play, similar, react, index, export, autosave",
         ""),
        ("load average (1 min) start / end, on this many CPUs",
         f"{result['load_average_start'][0]} / {result['load_average_end'][0]}, {result['cpus']}",
         ""),
        (f"RSS at ready / at minute {warmup} / max after / end",
         f"{rss.get('at_start_mb')} / {rss.get('baseline_mb')} / {rss.get('max_after_mb')} / "
         f"{rss.get('end_mb')} MB", ""),
        (f"RSS growth after minute {warmup} (max / end)",
         f"{rss.get('growth_max', float('nan')):.1%} / {rss.get('growth_end', float('nan')):.1%}",
         "≤ 10 %"),
        ("event-loop gap p50 / p99 / max", f"{gaps['p50_ms']} / {gaps['p99_ms']} / "
         f"{gaps['max_ms']} ms ({gaps['over_50_ms']} of {gaps['ticks']} ticks over 50 ms)",
         "p99 ≤ 50 ms"),
        ("underruns during the soak (at start-up)",
         f"{result['underruns_during_soak']} ({result['underruns_at_start']}) in "
         f"{result['blocks_played']} blocks", "0"),
        ("underruns by step", ", ".join(f"{k} {v}" for k, v in
                                        result["underruns_by_step"].items()) or "none", ""),
        ("slowest audio callback / block budget",
         f"{result['callback_max_ms']} / {result['block_budget_ms']} ms", ""),
        ("garbage collections (gen 0 / 1 / 2), longest gen 2, over 10 ms",
         " / ".join(str(v) for v in result["gc"]["collections"].values())
         + f", {result['gc']['longest_ms']['2']} ms, {result['gc']['over_10_ms']}", ""),
        ("uncaught exceptions / ERROR lines in studio.log",
         f"{len(result['uncaught_exceptions'])} / {len(result['log_errors'])}", "0"),
        ("error messages shown / steps stuck or failed",
         f"{len(result['errors_shown'])} / {len(result['stuck_steps'])}", "0"),
        ("actions", ", ".join(f"{k} {v}" for k, v in result["actions"].items()), ""),
    ]  # fmt: skip
    print("\n| what | measured | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    for title, items in (("uncaught exceptions", result["uncaught_exceptions"]),
                         ("ERROR lines in studio.log", result["log_errors"]),
                         ("error messages shown", result["errors_shown"]),
                         ("steps stuck or failed", result["stuck_steps"]),
                         ("gaps over 50 ms (ms, at s, step)",
                          [f"{g['ms']} {g['at_s']} {g['step']}"
                           for g in result["worst_gaps"]])):  # fmt: skip
        if items:
            print(f"\n{title}:")
            for item in items[:10]:
                print("  " + item.rstrip().replace("\n", "\n  "))
    print("\n" + ("all targets met" if not missed else "MISSED: " + "; ".join(missed)))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    scratch = scratch_user_folders()
    audio, sound_folder = start_sound(args.audio)
    print(f"soak: {args.minutes:g} min, user folders in {scratch}, audio: {audio}", flush=True)
    try:
        result = soak(args, scratch, audio)
    finally:
        stop_sound(sound_folder)
    if "not_ready" in result:
        print(f"soak: {result['not_ready']}", file=sys.stderr)
        return 2
    missed = judge(result, args.functional)
    result["missed"] = missed
    print_summary(result, missed)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    if missed or args.keep:
        print(f"the run's user folders (studio.log, library, autosaves) are kept in {scratch}")
    else:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
