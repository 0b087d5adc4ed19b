"""Autosave and recovery: unsaved work is kept aside, so a crash or a kill loses nothing.

Every ``autosave_seconds`` (a setting, default 60) of unsaved changes the edited song is written
atomically to ``<user data>/autosave/<pid>-<id>.mid`` with a small JSON file beside it (the
song's own path, its title, when, and the process id), the JSON first, so no song is ever there
without it. A clean save or a normal close removes them. At the next start, the entries whose
process is gone are what ``pending_recovery`` lists and ``recover`` restores; what a kill left
half-written (temp files, a JSON whose song never came) is removed (``remove_leftovers``).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer

from studio.core.errors import StudioError
from studio.core.fileio import atomic_write_bytes, process_running
from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes
from studio.core.music import Song
from studio.gui.background_write import ThreadCall, is_big, wait_for


def autosave_folder() -> Path:
    """Where unsaved work is kept (``XDG_DATA_HOME`` moves it)."""
    from platformdirs import user_data_path

    return user_data_path("motif-studio") / "autosave"


@dataclass(frozen=True)
class RecoveryItem:
    """Unsaved work a previous session left: the MIDI file, the song's own file (or None for
    an untitled song), its title and when it was saved (seconds since the epoch)."""

    midi: Path
    info: Path
    source: Path | None
    title: str
    saved_at: float

    def read(self) -> Song:
        """The song as it was autosaved."""
        return read_midi(self.midi)

    def discard(self) -> None:
        """Forget this item (its files are removed)."""
        for path in (self.midi, self.info):
            path.unlink(missing_ok=True)


def pending_recovery(folder: Path | None = None) -> list[RecoveryItem]:
    """What crashed or killed sessions left unsaved, newest first (running sessions' files and
    damaged entries are left alone)."""
    folder = folder or autosave_folder()
    items = []
    for info in sorted(folder.glob("*.json")):
        try:
            data = json.loads(info.read_text(encoding="utf-8"))
            midi = info.with_suffix(".mid")
            pid = int(data["pid"])
            if (process_running(pid) and pid != os.getpid()) or not midi.exists():
                continue
            source = Path(data["source"]) if data.get("source") else None
            items.append(RecoveryItem(midi, info, source, data.get("title") or "untitled",
                                      float(data["saved_at"])))  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(items, key=lambda item: item.saved_at, reverse=True)


def remove_leftovers(folder: Path, keep: str = "") -> None:
    """Remove what sessions that are gone left half-written in ``folder``: the temp file of a
    write a kill interrupted, a JSON file whose song was never written (neither holds work).
    A session is known by the process id its files' names start with; ``keep`` is this
    session's name (another session of this process id is an earlier, dead one)."""
    try:
        paths = list(folder.iterdir())
    except OSError:
        return
    for path in paths:
        session = path.name.lstrip(".").split(".", 1)[0]
        pid = session.split("-", 1)[0]
        if session == keep or "-" not in session or not pid.isdigit():
            continue
        if process_running(int(pid)) and int(pid) != os.getpid():
            continue
        half_written = path.name.startswith(".") and path.name.endswith(".tmp")
        lone_info = path.suffix == ".json" and not path.with_suffix(".mid").exists()
        if half_written or lone_info:
            with contextlib.suppress(OSError):
                path.unlink()


class Autosaver(QObject):
    """Keeps the window's unsaved work aside on a timer (see the module docstring)."""

    def __init__(self, window, seconds: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.folder = autosave_folder()
        self.name = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        remove_leftovers(self.folder, keep=self.name)
        self.last_error: str | None = None
        self._writing: ThreadCall | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(seconds * 1000)
        self._timer.timeout.connect(lambda: self.save_now(wait=False))
        self._timer.start()

    @property
    def midi_path(self) -> Path:
        """This session's autosave file."""
        return self.folder / f"{self.name}.mid"

    def save_now(self, wait: bool = True) -> bool:
        """Write the song aside if it has unsaved changes; False when there was nothing to do
        or the write failed (the reason in ``last_error``; the work stays in memory).

        A big song (``background_write.is_big``) is written on a thread. With ``wait`` (an
        explicit call) the event loop runs until it is written; without (the timer's tick)
        this returns False at once and the outcome shows in ``last_error`` when it comes."""
        if self.window.piano_roll.undo_stack.isClean():
            return False
        if self.writing and not wait:
            return False  # the previous tick's write is still going
        self._wait_for_write()
        song = self.window.piano_roll.song()
        info = {"source": str(self.window.path) if self.window.path else None,
                "title": self.window.path.name if self.window.path else "untitled",
                "saved_at": time.time(), "pid": os.getpid()}  # fmt: skip

        def write() -> None:
            self._write(song, info)

        if not is_big(song):
            return self._finish(self._attempt(write))
        if wait:
            return self._finish(self._attempt(
                lambda: wait_for(write, self.window, "Keeping your work aside…")))  # fmt: skip
        self._writing = ThreadCall(write, lambda _result, error: self._finish(error), self)
        return False

    def _write(self, song: Song, info: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        # The JSON first: a kill between the two leaves the previous song (or no song) with
        # it, never a song without the process id that tells whether its session is gone.
        atomic_write_bytes(self.midi_path.with_suffix(".json"), json.dumps(info).encode())
        atomic_write_bytes(self.midi_path, midi_bytes(song))

    @staticmethod
    def _attempt(write) -> BaseException | None:
        try:
            write()
        except (OSError, StudioError) as error:
            return error
        return None

    def _finish(self, error: BaseException | None) -> bool:
        """Say how the write went; True when the song is kept aside."""
        if error is None:
            self.last_error = None
            return True
        if not isinstance(error, (OSError, StudioError)):
            raise error  # a bug, not a full disk: the uncaught-exception hook reports it
        self.last_error = f"autosave failed: {error}"
        self.window.statusBar().showMessage(self.last_error, 10_000)
        return False

    @property
    def writing(self) -> bool:
        """True while a big song's autosave is being written on its thread."""
        return self._writing is not None and self._writing.running

    def _wait_for_write(self) -> None:
        if self.writing:
            self._writing.join()

    def clear(self) -> None:
        """The work is saved (or closed on purpose): nothing to recover."""
        self._wait_for_write()  # else a write still going would put the song back
        for path in (self.midi_path, self.midi_path.with_suffix(".json")):
            try:
                path.unlink(missing_ok=True)
            except OSError as error:  # a folder gone bad must not stop a save or a close
                self.last_error = f"cannot remove the autosave {path}: {error}"

    def set_interval(self, seconds: int) -> None:
        """Save aside every ``seconds`` from now on."""
        self._timer.setInterval(seconds * 1000)

    def interval_seconds(self) -> int:
        """How often unsaved work is saved aside, in seconds."""
        return self._timer.interval() // 1000

    def stop(self) -> None:
        """Stop the timer and let a write still going end (at close)."""
        self._timer.stop()
        self._wait_for_write()
