"""Index folders of MIDI files into the catalog: incremental, parallel, resumable.

1. Walk each folder (recursively, never into symlinked folders, so no loops) for MIDI suffixes in
   any letter case.
2. A file whose size and mtime match its row is unchanged and not read again.
3. The others are hashed, parsed and embedded (passage and track vectors from the autoencoder,
   run in numpy) by a process pool; a new path whose content hash belongs to a track whose file
   is gone is a move (the row gets the new path and keeps its id). Unchanged tracks without
   vectors from the current model, or described by an older reading (``DESCRIPTION``: the mood
   came with 2), are read again.
4. Results are written in batches, one transaction each, so a killed run loses at most the batch
   in flight and the next run resumes where it stopped.
5. Tracks under the indexed folders whose files vanished are marked missing.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Protocol

import numpy as np

from studio.core.environment import environment
from studio.core.errors import MidiFileError
from studio.core.midi_files import display_path, find_midi_files, path_bytes
from studio.core.midi_read import MAX_FILE_BYTES
from studio.core.music import Song
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.library.catalog import Catalog

BATCH_SIZE = 50
DRUMS_PROGRAM = 128
DESCRIPTION = 2
"""Version of what the indexer reads from a file into its row (``_metadata``): a track
described by an older version is read again on the next run. 2: the mood."""


class SongEmbedding(Protocol):
    """What the catalog stores of an embedded song: the track ``vector``, the ``passages``
    (one row a window), their ``starts`` (beats of the file), the ``hop`` between windows and
    the ``scale`` (window beats per beat of the file)."""

    vector: np.ndarray
    passages: np.ndarray
    starts: np.ndarray
    hop: float
    scale: float


class SongEmbedder(Protocol):
    """Turns songs into vectors for the catalog (``studio.similarity.embedder.Embedder`` is
    one); the library stays free of any model by taking it as an argument."""

    model_version: str

    def embed(self, song: Song) -> SongEmbedding:
        """The vectors of one song."""
        ...


@dataclass
class IndexSummary:
    """What one indexing run did. ``skipped`` holds ``(display path, reason)`` pairs."""

    indexed: int = 0
    unchanged: int = 0
    moved: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    missing: int = 0
    embedded: int = 0
    model_version: str | None = None
    seconds: float = 0.0
    cancelled: bool = False

    @property
    def files_per_second(self) -> float:
        """Files looked at (indexed, unchanged, moved, skipped) per second of the run."""
        files = self.indexed + self.unchanged + self.moved + len(self.skipped)
        return files / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict:
        """The summary as a JSON-ready dict."""
        document = asdict(self)
        document["skipped"] = [{"path": path, "reason": reason} for path, reason in self.skipped]
        document["seconds"] = round(self.seconds, 3)
        document["files_per_second"] = round(self.files_per_second, 1)
        return document


# -- the worker (runs in a child process) ---------------------------------------------------------


def describe_path(path: bytes, embedder: SongEmbedder | None = None) -> dict:
    """Hash, parse and (with an ``embedder``) embed one file: a dict for
    ``Catalog.upsert_track`` plus ``embedding`` (what ``embedder.embed`` returned) when it was
    embedded.

    Never raises for a bad file: the dict then has ``status`` 'error' and the reason.
    """
    from studio.core.midi_info import describe_song
    from studio.core.midi_read import read_midi

    result: dict = {"path": path, "content_hash": None, "status": "error", "error": None}
    try:
        stat = os.stat(path)
        result["size"], result["mtime_ns"] = stat.st_size, stat.st_mtime_ns
        if stat.st_size > MAX_FILE_BYTES:
            raise MidiFileError(f"file is too large for a MIDI file: {stat.st_size >> 20} MB")
        with open(path, "rb") as file:
            data = file.read()
        result["content_hash"] = hashlib.sha256(data).hexdigest()
        if not data:
            raise MidiFileError("empty file")
        song = read_midi(data)
        info = describe_song(song)
        if embedder is not None:
            result["embedding"] = embedder.embed(song)
    except MidiFileError as error:
        result["error"] = str(error)
        return result
    except OSError as error:
        result["error"] = f"cannot read: {error.strerror or error}"
        return result
    except Exception as error:  # a parser bug must not stop a run over thousands of files
        result["error"] = f"unexpected error: {type(error).__name__}: {error}"
        return result
    result["status"] = "ok"
    result["metadata"] = _metadata(info, path)
    return result


def _metadata(info: dict, path: bytes) -> dict:
    tracks = info["tracks"]
    pitched = [t for t in tracks if not t["is_drum"] and t["note_count"]]
    ranges = [t["pitch_range"] for t in pitched if t["pitch_range"]]
    programs = {t["program"] for t in pitched} | {DRUMS_PROGRAM for t in tracks if t["is_drum"]}
    beats = info["duration_beats"]
    stem = os.path.splitext(os.path.basename(path))[0]
    return {
        "title": info["title"] or display_path(stem),
        "duration_seconds": info["duration_seconds"],
        "tempo": info["tempo_bpm"],
        "time_signature": info["time_signature"],
        "key_stated": info["key"]["stated"],
        "key_estimated": info["key"]["estimated"],
        "programs": sorted(programs),
        "note_count": info["note_count"],
        "pitch_low": min((r["low"] for r in ranges), default=None),
        "pitch_high": max((r["high"] for r in ranges), default=None),
        "density": round(sum(t["note_count"] for t in pitched) / beats, 4) if beats > 0 else 0.0,
        "valence": info["mood"]["valence"] if info["mood"] else None,
        "arousal": info["mood"]["arousal"] if info["mood"] else None,
        "described": DESCRIPTION,
    }


# -- the run -------------------------------------------------------------------------------------


def index_folders(
    catalog: Catalog,
    folders: Sequence[str | bytes | os.PathLike],
    *,
    embedder: SongEmbedder | None = None,
    workers: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> IndexSummary:
    """Index the MIDI files under ``folders`` into ``catalog`` (see the module docstring).

    Args:
        embedder: turns each song into its vectors while it is parsed (it is sent to the
            worker processes, so it must pickle cheaply); without one, tracks are catalogued
            without vectors.
        workers: parser processes (default: one per core); 1 parses in this process.
        progress: called as ``progress(done, total, "N files/s")`` after each batch.
        cancel: checked between batches; a cancelled run keeps what it wrote and says so.
    """
    started = time.perf_counter()
    summary = IndexSummary()
    roots = [path_bytes(folder) for folder in folders]
    known = catalog.file_states()
    summary.model_version = embedder.model_version if embedder is not None else None
    stale = catalog.paths_described_before(DESCRIPTION)
    if embedder is not None:
        stale |= catalog.paths_without_embedding(summary.model_version)
    seen: set[bytes] = set()
    todo: list[bytes] = []
    for root in roots:
        for path, size, mtime_ns in find_midi_files(root, summary.skipped):
            if path in seen:
                continue
            seen.add(path)
            state = known.get(path)
            same = state and state[1] == size and state[2] == mtime_ns and state[3] != "missing"
            if same and path not in stale:
                summary.unchanged += 1
            else:
                todo.append(path)
    _process(catalog, todo, seen, summary, workers, embedder, progress, cancel, started)
    if not summary.cancelled:
        gone = [
            path
            for root in roots
            for path in catalog.paths_under(root)
            if path not in seen and not os.path.lexists(path)
        ]
        with catalog.transaction():
            summary.missing = catalog.mark_missing(gone)
    summary.seconds = time.perf_counter() - started
    return summary


def embed_missing(
    catalog: Catalog,
    embedder: SongEmbedder,
    *,
    workers: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> IndexSummary:
    """Embed the library's tracks that have no vectors from this model (the model changed, or
    they were indexed without one). Their files are read again; vanished files are skipped."""
    started = time.perf_counter()
    summary = IndexSummary()
    summary.model_version = embedder.model_version
    todo = sorted(
        p for p in catalog.paths_without_embedding(summary.model_version) if os.path.exists(p)
    )
    _process(catalog, todo, set(todo), summary, workers, embedder, progress, cancel, started)
    summary.seconds = time.perf_counter() - started
    return summary


def _process(
    catalog: Catalog,
    todo: list[bytes],
    seen: set[bytes],
    summary: IndexSummary,
    workers: int | None,
    embedder: SongEmbedder | None,
    progress: ProgressCallback,
    cancel: CancelToken | None,
    started: float,
) -> None:
    """Parse (and embed) ``todo`` on the pool and store the results, one transaction a batch.
    ``seen``: every file of the run (the progress counts them; they exist, so none of them is
    the old path of a moved file)."""
    total = len(seen)
    done = total - len(todo)
    progress(done, total, "")
    for batch in _batches(_parse_all(todo, workers, embedder), BATCH_SIZE):
        with catalog.transaction():
            for result in batch:
                _store(catalog, result, summary, seen)
        done += len(batch)
        elapsed = time.perf_counter() - started
        progress(done, total, f"{done / elapsed:.0f} files/s" if elapsed > 0 else "")
        if cancel is not None and cancel.cancelled:
            summary.cancelled = True
            break


def _store(catalog: Catalog, result: dict, summary: IndexSummary, seen: set[bytes]) -> None:
    path = result["path"]
    if result["status"] == "error":
        summary.skipped.append((display_path(path), result["error"]))
    if "size" not in result:  # vanished between the walk and the parse
        return
    if result["status"] == "ok" and catalog.get_by_path(path) is None:
        for track_id, old_path in catalog.paths_with_hash(result["content_hash"]):
            if old_path not in seen and not os.path.lexists(old_path):
                catalog.move_track(track_id, path, size=result["size"], mtime_ns=result["mtime_ns"])
                summary.moved += 1
                _store_embedding(catalog, track_id, result, summary)
                return
    track_id = catalog.upsert_track(
        path,
        content_hash=result["content_hash"],
        size=result["size"],
        mtime_ns=result["mtime_ns"],
        status=result["status"],
        error=result["error"],
        metadata=result.get("metadata"),
    )
    if result["status"] == "ok":
        summary.indexed += 1
        _store_embedding(catalog, track_id, result, summary)


def _store_embedding(catalog: Catalog, track_id: int, result: dict, summary: IndexSummary) -> None:
    embedding = result.get("embedding")
    if embedding is None or summary.model_version is None:
        return
    catalog.set_embedding(
        track_id,
        summary.model_version,
        embedding.vector,
        embedding.passages,
        embedding.starts,
        embedding.hop,
        getattr(embedding, "scale", 1.0),
        getattr(embedding, "traits", None),
    )
    summary.embedded += 1


def _parse_all(
    paths: list[bytes], workers: int | None, embedder: SongEmbedder | None
) -> Iterator[dict]:
    """``describe_path`` over ``paths``, in order, on a process pool when it pays."""
    work = partial(describe_path, embedder=embedder)
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(paths) < 2 * BATCH_SIZE:
        yield from map(work, paths)
        return
    # forkserver: safe when the caller has threads (the GUI's worker thread); fork is not.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        with _single_threaded_math():  # the workers start now and keep this environment
            results = executor.map(work, paths, chunksize=16)
    except OSError:  # no pool here (its socket path under a long TMPDIR, say): parse in turn
        executor.shutdown(wait=False, cancel_futures=True)
        yield from map(work, paths)
        return
    try:
        yield from results
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _single_threaded_math() -> AbstractContextManager[None]:
    """One BLAS thread per worker: the pool already uses every core, and threaded matrix
    products on busy cores were several times slower (benchmarks/bench_search.py)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    return environment(dict.fromkeys(names, "1"))


def _batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
