"""Helpers shared by the subcommands: JSON output, progress bars, Ctrl-C as a cancel token."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from studio.core.progress import CancelToken, ProgressCallback

EXIT_OK = 0


def print_json(document: object) -> None:
    """Print one JSON document on stdout (the only thing a ``--json`` command prints there)."""
    print(json.dumps(document, indent=2, ensure_ascii=False))


@contextmanager
def progress_bar(description: str, enabled: bool = True) -> Iterator[ProgressCallback]:
    """A tqdm progress bar on stderr, as a ``progress(done, total, message)`` callback."""
    if not enabled:
        yield lambda done, total, message: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=description, file=sys.stderr, dynamic_ncols=True, unit="step")

    def update(done: int, total: int, message: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


@contextmanager
def cancel_on_interrupt() -> Iterator[CancelToken]:
    """A cancel token that the first Ctrl-C sets (a second one interrupts at once)."""
    token = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        print("\nstopping after the current step (Ctrl-C again to abort)…", file=sys.stderr)
        token.cancel()

    signal.signal(signal.SIGINT, handler)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)


def read_song(path: str):
    """Read a MIDI file for a command; the error message names the file."""
    from studio.core.errors import MidiFileError
    from studio.core.midi_read import read_midi

    try:
        return read_midi(path)
    except MidiFileError as error:
        message = str(error)
        raise MidiFileError(message if path in message else f"{path}: {message}") from None


def library_track_id(catalog, query: str, *, hint: str) -> int:
    """The track id a user means by ``query``: a MIDI file in the library (by path, else by
    content) or a track id. ``hint`` ends the message for a file the library does not hold."""
    import os

    from studio.core.errors import InvalidInput

    if os.path.lexists(query):
        try:
            track = catalog.find_file(query)
        except OSError as error:
            raise InvalidInput(f"cannot read {query}: {error.strerror or error}") from None
        if track is None:
            raise InvalidInput(f"{query} is not in the library: {hint}")
        return track.id
    if query.isascii() and query.isdigit():
        return int(query)
    raise InvalidInput(f"{query} is neither a MIDI file nor a track id")


def print_suggestions(suggestions) -> None:
    """Print ranked tracks (anything with ``track``, ``score`` and ``reasons``), one block each."""
    for rank, suggestion in enumerate(suggestions, 1):
        track = suggestion.track
        print(f"{rank:>3}. {suggestion.score:.3f}  {track.title}  [id {track.id}]")
        print(f"       {track.display_path}")
        for reason in suggestion.reasons:
            print(f"       · {reason}")
