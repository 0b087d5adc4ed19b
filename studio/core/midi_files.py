"""MIDI files on disk: the one folder walk (indexing and both trainers use it) and the path
helpers of the catalog (paths are kept as the file system's bytes, so any file name works)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from studio.core.midi_read import MIDI_SUFFIXES

_SUFFIXES = tuple(suffix.encode() for suffix in MIDI_SUFFIXES)


def path_bytes(path: str | bytes | os.PathLike) -> bytes:
    """The absolute path as the file system's bytes (the catalog's key)."""
    return os.path.abspath(os.fsencode(path))


def display_path(path: str | bytes | os.PathLike) -> str:
    """A path as text: bytes that are not UTF-8 become U+FFFD."""
    return os.fsencode(path).decode("utf-8", errors="replace")


def find_midi_files(
    folder: bytes, problems: list[tuple[str, str]]
) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(path, size, mtime_ns)`` of the MIDI files under ``folder`` (absolute bytes).

    Symlinked folders are not entered (no loops); symlinked files are followed. Folders that
    cannot be read are added to ``problems`` with the reason.
    """
    if os.path.isfile(folder):  # a single file given as a root: itself, if it is MIDI
        if folder.lower().endswith(_SUFFIXES):
            stat = os.stat(folder)
            yield folder, stat.st_size, stat.st_mtime_ns
        return
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                children = list(entries)
        except OSError as error:
            problems.append((display_path(current), f"cannot read folder: {error.strerror}"))
            continue
        children.sort(key=lambda entry: entry.name)
        for entry in children:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.name.lower().endswith(_SUFFIXES) and entry.is_file():
                    stat = entry.stat()
                    yield entry.path, stat.st_size, stat.st_mtime_ns
            except OSError as error:
                problems.append((display_path(entry.path), f"cannot read: {error.strerror}"))


def midi_paths(
    folder: str | os.PathLike, problems: list[tuple[str, str]] | None = None
) -> list[Path]:
    """The MIDI files under ``folder`` (the walk of ``find_midi_files``), sorted.

    Folders that cannot be read are added to ``problems`` when given, else left out silently.
    """
    found = find_midi_files(path_bytes(folder), problems if problems is not None else [])
    return sorted(Path(os.fsdecode(path)) for path, _, _ in found)
