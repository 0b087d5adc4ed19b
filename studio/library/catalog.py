"""The library catalog: one SQLite file (WAL mode) with tracks, embeddings, feedback, profiles.

Paths are stored as the raw bytes the file system uses (``os.fsencode``), so a file whose name is
not valid UTF-8 still has exactly one row and can be opened again; ``display_path`` is the same
path with U+FFFD replacements for people and JSON. Every write goes through ``transaction()``: a
process killed at any moment (even ``kill -9``) leaves the last committed state, never half a batch.

Opening an older file upgrades its schema first (``studio.library.schema``: one step per version,
each in its own transaction).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import StudioError
from studio.core.midi_files import display_path, path_bytes
from studio.library import schema

STATUSES = ("ok", "error", "missing")


class CatalogError(StudioError):
    """The library file cannot be opened or used (corrupt, locked, from a newer version)."""


def set_aside(path: str | os.PathLike) -> Path | None:
    """Move a library file (with its WAL files) out of the way, to start a new one.

    Returns where it went (``NAME.broken-YYYYmmdd-HHMMSS``), or None when there was no file.
    Nothing is deleted: a file set aside can be inspected or restored by hand.
    """
    source = Path(path)
    if not source.exists():
        return None
    target = source.with_name(f"{source.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{source}{suffix}")
        if part.exists():
            os.replace(part, f"{target}{suffix}")
    return target


def default_db_path() -> Path:
    """Where the library lives unless ``--db`` says otherwise."""
    from platformdirs import user_data_path

    return user_data_path("motif-studio") / "library.sqlite"


# Metadata columns that ``upsert_track`` takes from the indexer's description of a file.
METADATA_COLUMNS = (
    "title",
    "duration_seconds",
    "tempo",
    "time_signature",
    "key_stated",
    "key_estimated",
    "programs",
    "note_count",
    "pitch_low",
    "pitch_high",
    "density",
    "valence",
    "arousal",
    "described",
)


@dataclass(frozen=True)
class StoredEmbedding:
    """A track's vectors from one model: ``vector`` (float32, whole track) and ``passages``
    (float32, one row per window, starting at beats ``passage_starts`` of the file, on a grid of
    ``passage_hop`` window beats; ``passage_scale`` window beats per beat of the file) and the
    track's musical ``traits``: texture, harmony and rhythm (None when stored without)."""

    track_id: int
    vector: np.ndarray
    passages: np.ndarray
    passage_starts: np.ndarray
    passage_hop: float
    passage_scale: float = 1.0
    traits: np.ndarray | None = None


@dataclass(frozen=True)
class CatalogTrack:
    """One row of the ``tracks`` table. Times: ``duration_seconds`` in seconds, ``tempo`` in BPM,
    ``mtime_ns`` in nanoseconds since the epoch, ``indexed_at`` in seconds since the epoch;
    ``density`` in notes per beat; ``programs`` are GM program numbers (128 stands for drums);
    ``valence`` and ``arousal`` the mood (``core.mood``, −1…1, None without pitched notes);
    ``described`` the version of the indexer's reading that filled the row."""

    id: int
    path: bytes
    display_path: str
    content_hash: str | None
    size: int | None
    mtime_ns: int | None
    title: str | None
    duration_seconds: float | None
    tempo: float | None
    time_signature: str | None
    key_stated: str | None
    key_estimated: str | None
    programs: list[int]
    note_count: int | None
    pitch_low: int | None
    pitch_high: int | None
    density: float | None
    status: str
    error: str | None
    indexed_at: float
    valence: float | None = None
    arousal: float | None = None
    described: int | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> CatalogTrack:
        values = dict(row)
        values["path"] = bytes(values["path"])
        values["programs"] = json.loads(values["programs"]) if values["programs"] else []
        return cls(**values)


class Catalog:
    """The library database. Use as a context manager, or call ``close()``.

    One connection, used only on the thread that opened it (SQLite's default rule, kept on
    purpose): the engine that owns a catalog lives on one thread. Other processes (another
    ``studio`` command) may use the same file at once; WAL mode and the busy ``timeout``
    (seconds) let them take turns. The indexer's worker processes only parse: all writes go
    through the process that owns the catalog.
    """

    def __init__(self, path: str | os.PathLike, *, timeout: float = 10.0) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as error:
            raise CatalogError(f"cannot open the library {self.path}: {error}") from None
        self._db.row_factory = sqlite3.Row
        try:
            self._set_up(timeout)
        except CatalogError:
            self._db.close()
            raise
        except sqlite3.DatabaseError as error:
            self._db.close()
            raise CatalogError(
                f"{self.path} is not a usable library ({error}); run `studio index --rebuild` "
                "to set it aside and build a new one, or pass --db with another file"
            ) from None

    # -- set-up -----------------------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return schema.schema_version(self._db)

    def _set_up(self, timeout: float) -> None:
        """WAL mode, pragmas and the schema. Switching a new file to WAL needs a moment alone
        with it, and SQLite does not wait for that (no busy handler): when another connection
        opens the same new file at the same moment, try again for up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._upgrade()

    def _upgrade(self) -> None:
        try:
            schema.upgrade(self._db, self.transaction)
        except schema.NewerSchemaError as error:
            raise CatalogError(
                f"{self.path} was made by a newer Motif Studio (schema {error.version}, this one "
                f"knows {schema.SCHEMA_VERSION})"
            ) from None

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed at the end of the block, rolled back on an error.

        Raises:
            CatalogError: another program holds the library's write lock for longer than the
                timeout (another indexing run, say), or the change cannot be written (a full
                disk, an I/O error; the message says which, and nothing of it is kept).
        """
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            raise CatalogError(
                f"the library {self.path} is busy ({error}): is another indexing run going? "
                "Try again when it ends"
            ) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.OperationalError as error:  # a full disk, an I/O error
            self._roll_back()
            hint = " (is the disk full?)" if "disk" in str(error) else ""
            raise CatalogError(
                f"cannot write to the library {self.path}: {error}{hint}; nothing of this "
                "change was kept"
            ) from None
        except BaseException:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        """Undo the open transaction; after an I/O error SQLite may have done it already."""
        with suppress(sqlite3.Error):
            self._db.execute("ROLLBACK")

    def execute(self, sql: str, parameters: Iterable = ()) -> sqlite3.Cursor:
        """Run one SQL statement (for queries and tests)."""
        return self._db.execute(sql, tuple(parameters))

    def rows(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        """Every row of a query as a plain tuple (for big reads: faster than ``sqlite3.Row``)."""
        cursor = self._db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, tuple(parameters)).fetchall()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: every query in the block sees the same state of the file,
        even while another process writes to it (WAL keeps the snapshot)."""
        self._db.execute("BEGIN")
        try:
            yield self._db
        finally:
            self._db.execute("COMMIT")

    # -- reading ----------------------------------------------------------------------------

    def get(self, track_id: int) -> CatalogTrack | None:
        """The track with this id, or None."""
        row = self._db.execute("SELECT * FROM tracks WHERE id = ?", (track_id,)).fetchone()
        return CatalogTrack.from_row(row) if row else None

    def get_by_path(self, path: str | bytes | os.PathLike) -> CatalogTrack | None:
        """The track at this path (made absolute), or None."""
        row = self._db.execute(
            "SELECT * FROM tracks WHERE path = ?", (path_bytes(path),)
        ).fetchone()
        return CatalogTrack.from_row(row) if row else None

    def find_by_hash(self, content_hash: str) -> list[CatalogTrack]:
        """Every track whose content has this sha256 (hex), oldest first."""
        rows = self._db.execute(
            "SELECT * FROM tracks WHERE content_hash = ? ORDER BY id", (content_hash,)
        )
        return [CatalogTrack.from_row(row) for row in rows]

    def paths_with_hash(self, content_hash: str) -> list[tuple[int, bytes]]:
        """``(id, path)`` of every track whose content has this sha256 (hex), oldest first: what
        the indexer's move detection needs, without reading whole rows (a library can hold many
        copies of one file)."""
        rows = self._db.execute(
            "SELECT id, path FROM tracks WHERE content_hash = ? ORDER BY id", (content_hash,)
        )
        return [(track_id, bytes(path)) for track_id, path in rows]

    def find_file(self, path: str | os.PathLike) -> CatalogTrack | None:
        """The track of a file: the one at its path, else one with the same content (sha256 of
        the bytes; a track with status ok first), else None.

        Raises:
            OSError: the file is not in the catalog by path and cannot be read.
        """
        track = self.get_by_path(path)
        if track is not None:
            return track
        content_hash = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        same = self.find_by_hash(content_hash)
        return next((t for t in same if t.status == "ok"), same[0] if same else None)

    def tracks(self, status: str | None = None) -> list[CatalogTrack]:
        """All tracks, or those with one status, in id order."""
        if status is None:
            rows = self._db.execute("SELECT * FROM tracks ORDER BY id")
        else:
            rows = self._db.execute("SELECT * FROM tracks WHERE status = ? ORDER BY id", (status,))
        return [CatalogTrack.from_row(row) for row in rows]

    def file_states(self) -> dict[bytes, tuple[int, int | None, int | None, str]]:
        """``path → (id, size, mtime_ns, status)`` for every track (for incremental runs)."""
        rows = self._db.execute("SELECT path, id, size, mtime_ns, status FROM tracks")
        return {bytes(row[0]): (row[1], row[2], row[3], row[4]) for row in rows}

    def paths_under(self, folder: str | bytes | os.PathLike) -> list[bytes]:
        """Paths of the tracks inside ``folder`` (at any depth)."""
        prefix = path_bytes(folder).rstrip(os.sep.encode()) + os.sep.encode()
        upper = prefix[:-1] + bytes([prefix[-1] + 1])
        rows = self._db.execute(
            "SELECT path FROM tracks WHERE path >= ? AND path < ?", (prefix, upper)
        )
        return [bytes(row[0]) for row in rows]

    def counts(self) -> dict[str, int]:
        """Number of tracks per status, plus ``total``."""
        counts = dict.fromkeys(STATUSES, 0)
        for status, n in self._db.execute("SELECT status, COUNT(*) FROM tracks GROUP BY status"):
            counts[status] = n
        counts["total"] = sum(counts[s] for s in STATUSES)
        return counts

    # -- writing (call inside ``transaction()`` to group writes; alone, each commits) -------------

    def upsert_track(
        self,
        path: str | bytes | os.PathLike,
        *,
        content_hash: str | None,
        size: int | None,
        mtime_ns: int | None,
        status: str = "ok",
        error: str | None = None,
        metadata: dict | None = None,
    ) -> int:
        """Insert or replace the track at ``path``; keeps its id if it exists. Returns the id."""
        if status not in STATUSES:
            raise ValueError(f"unknown track status {status!r}")
        key = path_bytes(path)
        values = {column: None for column in METADATA_COLUMNS}
        for column, value in (metadata or {}).items():
            if column not in values:
                raise ValueError(f"unknown track column {column!r}")
            values[column] = json.dumps(value) if column == "programs" else value
        row = {
            "path": key,
            "display_path": display_path(key),
            "content_hash": content_hash,
            "size": size,
            "mtime_ns": mtime_ns,
            **values,
            "status": status,
            "error": error,
            "indexed_at": time.time(),
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        updates = ", ".join(f"{name} = excluded.{name}" for name in row if name != "path")
        self._db.execute(
            f"INSERT INTO tracks ({columns}) VALUES ({marks}) "
            f"ON CONFLICT (path) DO UPDATE SET {updates}",
            row,
        )
        return self._db.execute("SELECT id FROM tracks WHERE path = ?", (key,)).fetchone()[0]

    def move_track(
        self, track_id: int, new_path: str | bytes | os.PathLike, *, size: int, mtime_ns: int
    ) -> None:
        """Give a track a new path (a file that was moved or renamed); its id stays."""
        key = path_bytes(new_path)
        self._db.execute(
            "UPDATE tracks SET path = ?, display_path = ?, size = ?, mtime_ns = ?, "
            "status = CASE WHEN status = 'missing' THEN "
            "(CASE WHEN error IS NULL THEN 'ok' ELSE 'error' END) ELSE status END, "
            "indexed_at = ? WHERE id = ?",
            (key, display_path(key), size, mtime_ns, time.time(), track_id),
        )

    def mark_missing(self, paths: Iterable[str | bytes | os.PathLike]) -> int:
        """Mark the tracks at these paths as missing (their files are gone); returns how many."""
        changed = 0
        for path in paths:
            cursor = self._db.execute(
                "UPDATE tracks SET status = 'missing' WHERE path = ? AND status != 'missing'",
                (path_bytes(path),),
            )
            changed += cursor.rowcount
        return changed

    def remove_tracks(self, track_ids: Iterable[int]) -> int:
        """Drop tracks from the library, with their vectors and feedback (the schema's foreign
        keys cascade), in one transaction; their files are not touched. The triggers bump the
        change marker, so other processes see it. Unknown ids are ignored; returns how many
        tracks went."""
        ids = sorted({int(track_id) for track_id in track_ids})
        removed = 0
        with self.transaction() as db:
            for first in range(0, len(ids), 500):
                chunk = ids[first : first + 500]
                marks = ", ".join("?" * len(chunk))
                removed += db.execute(f"DELETE FROM tracks WHERE id IN ({marks})", chunk).rowcount
        return removed

    # -- embeddings -------------------------------------------------------------------------------

    def set_embedding(
        self,
        track_id: int,
        model_version: str,
        vector: np.ndarray,
        passages: np.ndarray,
        passage_starts: np.ndarray,
        passage_hop: float,
        passage_scale: float = 1.0,
        traits: np.ndarray | None = None,
    ) -> None:
        """Store (or replace) a track's vectors from one model, and its musical traits."""
        passages = np.asarray(passages, dtype=np.float16)
        if len(passage_starts) != len(passages):
            raise ValueError("one start per passage vector")
        self._db.execute(
            "INSERT OR REPLACE INTO embeddings (track_id, model_version, vector, passages, "
            "passage_starts, passage_dims, passage_hop, passage_scale, traits) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                track_id,
                model_version,
                np.asarray(vector, dtype=np.float32).tobytes(),
                passages.tobytes(),
                np.asarray(passage_starts, dtype=np.float32).tobytes(),
                passages.shape[1] if passages.ndim == 2 else 0,
                float(passage_hop),
                float(passage_scale),
                None if traits is None else np.asarray(traits, dtype=np.float32).tobytes(),
            ),
        )

    def embeddings(self, model_version: str) -> Iterator[StoredEmbedding]:
        """The vectors of every track with status ok from ``model_version``, in track id order."""
        rows = self._db.execute(
            "SELECT e.track_id, e.vector, e.passages, e.passage_starts, e.passage_dims, "
            "e.passage_hop, e.passage_scale, e.traits "
            "FROM embeddings e JOIN tracks t ON t.id = e.track_id "
            "WHERE e.model_version = ? AND t.status = 'ok' ORDER BY e.track_id",
            (model_version,),
        )
        for row in rows:
            yield _stored(*row)

    def embedding(self, track_id: int, model_version: str) -> StoredEmbedding | None:
        """One track's vectors from ``model_version``, or None."""
        row = self._db.execute(
            "SELECT track_id, vector, passages, passage_starts, passage_dims, passage_hop, "
            "passage_scale, traits FROM embeddings "
            "WHERE track_id = ? AND model_version = ?",
            (track_id, model_version),
        ).fetchone()
        return _stored(*row) if row else None

    def traits(self, track_ids: Iterable[int], model_version: str) -> dict[int, np.ndarray]:
        """The musical traits stored with some tracks' vectors from ``model_version`` (tracks
        without any are left out): a light read for the reasons of a few hits."""
        wanted = [int(t) for t in track_ids]
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        rows = self._db.execute(
            f"SELECT track_id, traits FROM embeddings WHERE model_version = ? "
            f"AND traits IS NOT NULL AND track_id IN ({marks})",
            (model_version, *wanted),
        )
        return {row[0]: np.frombuffer(row[1], dtype=np.float32).copy() for row in rows}

    def paths_described_before(self, version: int) -> set[bytes]:
        """Paths of the tracks (status ok) described by an older reading than ``version`` (the
        indexer's ``DESCRIPTION``), or before readings had versions."""
        rows = self._db.execute(
            "SELECT path FROM tracks WHERE status = 'ok' AND (described IS NULL OR described < ?)",
            (version,),
        )
        return {bytes(row[0]) for row in rows}

    def paths_without_embedding(self, model_version: str) -> set[bytes]:
        """Paths of the tracks (status ok) that have no vectors from ``model_version``."""
        rows = self._db.execute(
            "SELECT path FROM tracks WHERE status = 'ok' AND id NOT IN "
            "(SELECT track_id FROM embeddings WHERE model_version = ?)",
            (model_version,),
        )
        return {bytes(row[0]) for row in rows}

    def change_marker(self) -> int:
        """A number that changes whenever tracks or embeddings change, from any connection (not
        when feedback is recorded): to know when to reload vectors. Costs microseconds."""
        row = self._db.execute("SELECT value FROM meta WHERE key = 'music_version'").fetchone()
        return row[0]


def _stored(
    track_id: int,
    vector: bytes,
    passages: bytes,
    starts: bytes,
    dims: int,
    hop: float,
    scale: float | None,
    traits: bytes | None,
) -> StoredEmbedding:
    vector_array = np.frombuffer(vector, dtype=np.float32).copy()
    if passages and dims:
        passage_array = np.frombuffer(passages, dtype=np.float16).reshape(-1, dims)
    else:
        passage_array = np.zeros((0, dims or 0), dtype=np.float16)
    start_array = np.frombuffer(starts or b"", dtype=np.float32).copy()
    return StoredEmbedding(
        track_id, vector_array, passage_array.astype(np.float32), start_array, hop or 0.0,
        scale or 1.0, None if traits is None else np.frombuffer(traits, dtype=np.float32).copy(),
    )  # fmt: skip
