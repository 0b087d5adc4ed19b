"""Reactions that wait for the library: a ♥, ✕, play, skip or export that could not be written
because another program held the library's write lock (an indexing run in a terminal, a backup
tool) past the busy timeout.

They are kept in order, with the time they happened and the profile they were for, in a file in
the user state folder (``reactions-waiting.json``, written atomically), so neither the lock nor
closing or killing the window loses one. Every few seconds (and at the next start) they are
submitted again; each leaves the list when the library has stored it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.fileio import atomic_write_bytes

BUSY_MARK = "is busy"
"""What the catalog's message says when another program holds the write lock too long."""
RETRY_MS = 3000


def is_busy(message: str) -> bool:
    """Whether a failed request's message means "the library is locked by someone else"."""
    return BUSY_MARK in message


def waiting_file() -> Path:
    """Where the waiting reactions are kept (``XDG_STATE_HOME`` moves it)."""
    from platformdirs import user_state_path

    return user_state_path("motif-studio") / "reactions-waiting.json"


class WaitingReactions(QObject):
    """The queue; ``submit(payload)`` sends one feedback request (its answer must come back as
    ``stored(payload)`` or, when the library is still busy, ``add(payload)`` again)."""

    changed = Signal(int)
    """How many reactions wait now."""

    def __init__(self, submit: Callable[[dict], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._submit = submit
        self._items: list[dict] = _read(waiting_file())
        self._timer = QTimer(self, singleShot=True, interval=RETRY_MS, timeout=self._retry)

    def __len__(self) -> int:
        return len(self._items)

    def start(self) -> None:
        """Submit what an earlier session left waiting (soon after start)."""
        if self._items:
            self._timer.start(0)

    def add(self, payload: dict) -> None:
        """The library was busy for this reaction: keep it and try again in a moment."""
        if payload not in self._items:
            self._items.append(payload)
            self._save()
        self._timer.start(RETRY_MS)

    def stored(self, payload: dict) -> None:
        """The library stored this reaction: it waits no more."""
        if payload in self._items:
            self._items.remove(payload)
            self._save()

    def _retry(self) -> None:
        for payload in list(self._items):
            self._submit(payload)

    def _save(self) -> None:
        path = waiting_file()
        try:
            if self._items:
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, json.dumps(self._items).encode("utf-8"))
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass  # the list in memory still holds them; the next change tries to write again
        self.changed.emit(len(self._items))


def _read(path: Path) -> list[dict]:
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [i for i in items if isinstance(i, dict) and "track_id" in i and "kind" in i]
