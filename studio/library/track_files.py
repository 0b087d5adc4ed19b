"""The library's tracks as files on disk: rescanning the folders they came from, and reading a
track's MIDI file (a vanished file is marked missing and said in words)."""

from __future__ import annotations

import numbers
import os

from studio.core.errors import InvalidInput
from studio.core.music import Song
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.library.catalog import Catalog
from studio.library.indexer import IndexSummary, SongEmbedder, index_folders


def library_folders(catalog: Catalog) -> list[bytes]:
    """The outermost folders holding the library's tracks (absolute paths as bytes, sorted):
    the folder of every track, without those inside another one of them."""
    folders = {os.path.dirname(bytes(row[0])) for row in catalog.rows("SELECT path FROM tracks")}
    outermost = []
    for folder in sorted(folders):
        child, parent = folder, os.path.dirname(folder)
        while parent != child and parent not in folders:  # up to the root of the file system
            child, parent = parent, os.path.dirname(parent)
        if parent == child:
            outermost.append(folder)
    return outermost


def rescan(
    catalog: Catalog,
    *,
    embedder: SongEmbedder | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> IndexSummary:
    """Index again the folders the library's tracks came from (``library_folders``): changed
    and new files are read, vanished ones marked missing — also every track of a folder that
    is gone as a whole (an unplugged drive), without calling it unreadable. Files that are
    back get their status again. ``progress`` and ``cancel`` as for ``index_folders``."""
    folders = library_folders(catalog)
    present = [folder for folder in folders if os.path.isdir(folder)]
    if present:
        summary = index_folders(
            catalog, present, embedder=embedder, progress=progress, cancel=cancel
        )
    else:
        summary = IndexSummary(model_version=embedder.model_version if embedder else None)
    gone = [folder for folder in folders if folder not in present]
    if gone and not summary.cancelled:
        with catalog.transaction():
            summary.missing += catalog.mark_missing(
                path for folder in gone for path in catalog.paths_under(folder)
            )
    return summary


def read_track_song(catalog: Catalog, track_id: int) -> Song:
    """The MIDI file of library track ``track_id`` as a song.

    Raises:
        InvalidInput: no such track, or its file has vanished (the track is then marked
            missing, so the library shows it greyed).
        MidiFileError: the file cannot be read as MIDI (the message names it).
    """
    from studio.core.midi_read import read_song

    if isinstance(track_id, bool) or not isinstance(track_id, numbers.Integral):
        raise InvalidInput(f"a track id is a whole number, not {track_id!r}")
    track = catalog.get(int(track_id)) if 0 <= track_id < 2**63 else None
    if track is None:
        raise InvalidInput(f"no track {track_id} in the library {catalog.path}")
    if not os.path.isfile(track.path):
        if track.status != "missing":
            with catalog.transaction():
                catalog.mark_missing([track.path])
        title = track.title or os.path.basename(track.display_path)
        raise InvalidInput(
            f"“{title}” is missing: {track.display_path} is no longer there (moved or "
            "deleted?); rescan the library once it is back"
        )
    return read_song(os.fsdecode(track.path))
