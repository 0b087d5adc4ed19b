"""Progress reporting and cancellation shared by every long-running service.

A service that can take long (train, index, generate, render) takes ``progress`` and ``cancel``
arguments. The CLI passes a progress bar and a token cancelled by Ctrl-C; the GUI's worker thread
passes a callback that emits a Qt signal and a token its Cancel button sets. One code path serves
both.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from studio.core.errors import StudioError

ProgressCallback = Callable[[int, int, str], None]
"""``progress(done, total, message)``: ``done`` of ``total`` units are finished."""


def no_progress(done: int, total: int, message: str) -> None:
    """A progress callback that reports nothing."""


class Cancelled(StudioError):
    """The user cancelled the operation; whatever was finished before is kept."""


class CancelToken:
    """A thread-safe flag that a long operation checks between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the operation to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """True once ``cancel`` was called."""
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raise ``Cancelled`` if the operation was cancelled."""
        if self._event.is_set():
            raise Cancelled("cancelled")
