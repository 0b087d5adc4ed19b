"""Writing a big song to disk without freezing the window.

Encoding a song as MIDI takes about 0.4 µs a note: a few milliseconds for a tune, 0.8 s for
2,000,000 notes and 2.4 s for the largest file the reader accepts (12,000,000 controller events
besides). Songs under ``BACKGROUND_EVENTS`` events are written at once on the GUI thread; bigger
ones on a Python thread while the window's event loop goes on (a ``Song`` is immutable, so the
thread needs no copy):

- ``wait_for`` is for the user's Save and Export MIDI, whose caller needs the outcome: it waits
  in a local event loop behind a window-modal "Saving…" dialog (the window repaints, playback
  goes on, edits wait until the file is written);
- ``ThreadCall`` is for the autosave, which nobody waits for: it reports on the GUI thread when
  the write is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from studio.core.music import Song

BACKGROUND_EVENTS = 50_000
"""Songs with more notes, controllers and bends than this are written on a thread (under it a
write takes under 30 ms here)."""

_POLL_MS = 20
_SHOW_AFTER_MS = 500


def event_count(song: Song) -> int:
    """The notes, controller events and pitch bends of ``song``: what a write costs."""
    return sum(len(t.notes) + len(t.controls) + len(t.pitch_bends) for t in song.tracks)


def is_big(song: Song) -> bool:
    """Whether writing ``song`` is long enough to take off the GUI thread."""
    return event_count(song) > BACKGROUND_EVENTS


class ThreadCall(QObject):
    """``work()`` on a daemon thread; ``done(result, error)`` on the GUI thread after it (one of
    the two is None). ``running`` tells whether it is still going; ``join`` waits for it."""

    def __init__(self, work: Callable[[], Any], done: Callable[[Any, BaseException | None], None],
                 parent: QObject | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._done = done
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self._thread = threading.Thread(target=self._run, args=(work,), name="song-writer",
                                        daemon=True)  # fmt: skip
        self._timer = QTimer(self)
        self._timer.setInterval(_POLL_MS)
        self._timer.timeout.connect(self._check)
        self._thread.start()
        self._timer.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self._outcome = (work(), None)
        except BaseException as error:  # reported on the GUI thread, never lost
            self._outcome = (None, error)

    @property
    def running(self) -> bool:
        """True until the work has ended and ``done`` was called."""
        return self._timer.isActive()

    def join(self) -> None:
        """Wait for the work (blocking), then call ``done`` at once."""
        self._thread.join()
        self._check()

    def _check(self) -> None:
        if self._thread.is_alive() or not self._timer.isActive():
            return
        self._timer.stop()
        self._done(*self._outcome)


def wait_for(work: Callable[[], Any], parent: QWidget | None, label: str) -> Any:
    """Run ``work()`` on a thread and return its result (or raise its exception), keeping the
    event loop going meanwhile; a window-modal progress dialog saying ``label`` shows after
    half a second, so the window takes no input until the work is done."""
    dialog = QProgressDialog(label, "", 0, 0, parent)
    dialog.setObjectName("backgroundWriteDialog")
    dialog.setCancelButton(None)  # an atomic write is short and safe: nothing to cancel
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    show_later = QTimer(dialog)  # a write of a second or two needs no flash of a dialog
    show_later.setSingleShot(True)
    show_later.timeout.connect(dialog.show)
    show_later.start(_SHOW_AFTER_MS)
    loop = QEventLoop()
    outcome: list = []
    call = ThreadCall(work, lambda result, error: (outcome.append((result, error)), loop.quit()))
    loop.exec()  # ThreadCall reports from a timer, so only once this loop runs
    call.deleteLater()
    show_later.stop()
    dialog.hide()
    dialog.deleteLater()
    result, error = outcome[0]
    if error is not None:
        raise error
    return result
