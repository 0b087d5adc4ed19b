"""Exact cosine nearest-neighbour search for the library's "similar tracks" (numpy only).

Two indexes, both exact (every stored vector is scored for every query, so results never miss a
neighbour and are reproducible):

- :class:`VectorIndex` holds one vector per track in a preallocated float32 matrix that grows by
  doubling. A query is one matrix-vector product, ``np.argpartition`` for the best k, and a sort
  of those k (ties go to the smaller track id).
- :class:`PassageIndex` holds short-window ("passage") vectors of every track, for queries that are
  a short excerpt of a few bars. Passages are stored as int8 (``round(v * 127)``) rather than
  float32 because there are many of them: 100,000 tracks × ~90 windows × 32 dims is ≈ 290 MB as
  int8 and four times that as float32. Rounding changes a cosine by at most about 0.01 (0.011
  measured at 32 dims), so a passage score can slightly exceed 1. Queries convert the int8 rows
  to float32 a chunk at a time, so the extra memory a query needs stays bounded.

No approximate (ANN) index is used: exact search meets the speed targets measured by
``benchmarks/bench_search.py`` (see docs/BENCHMARKS.md), so the extra dependency, the build time
and the recall loss of an ANN index would buy nothing.

All vectors are expected to be L2-normalised; they are normalised again on the way in (a zero
vector stays zero and scores 0 against everything). Track ids are integers (int64).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

MIN_CAPACITY = 16
PASSAGE_SCALE = 127
CHUNK_ROWS = 16_384
"""Passages scored per step of a passage query. The float32 copy of a chunk (2 MB at 32 dims)
stays in the processor's cache: measured faster than 65,536 or 262,144 rows per step."""
BLOCK_ROWS = 256
"""Rows per matrix product in a chunk: products this small run on the calling thread."""


def _normalised(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32; zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def _checked(vectors: np.ndarray, dims: int, name: str, ndim: int) -> np.ndarray:
    """``vectors`` as a finite float32 array of ``ndim`` dimensions ending in ``dims``."""
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim != ndim or array.shape[-1] != dims:
        expected = "(dims,)" if ndim == 1 else "(n, dims)"
        raise ValueError(
            f"{name} must have shape {expected} with dims = {dims}, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity")
    return array


def _id_array(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """Track ids as a 1-D int64 array (integers only: floats are not silently truncated)."""
    array = np.asarray(ids)
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"track ids must be integers, got dtype {array.dtype}")
    return array.astype(np.int64).reshape(-1)


def _best_rows(scores: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores, best first, equal scores by smaller id.

    ``np.argpartition`` finds the k-th best score; every row scoring at least that much is a
    candidate (so a tie at the boundary is decided by id, not by partition order).
    """
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    if k < len(scores):
        threshold = scores[np.argpartition(scores, len(scores) - k)[len(scores) - k]]
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(len(scores))
    order = np.lexsort((ids[candidates], -scores[candidates]))
    return candidates[order[:k]]


class VectorIndex:
    """Whole-track vectors of ``dims`` float32 values with exact cosine top-k search."""

    def __init__(self, dims: int) -> None:
        if dims <= 0:
            raise ValueError(f"dims must be positive, got {dims}")
        self.dims = dims
        self._matrix = np.empty((0, dims), dtype=np.float32)
        self._ids = np.empty(0, dtype=np.int64)
        self._rows: dict[int, int] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._rows

    @property
    def ids(self) -> np.ndarray:
        """The stored track ids in row order (a read-only int64 view)."""
        view = self._ids[: self._count]
        view.flags.writeable = False
        return view

    @property
    def nbytes(self) -> int:
        """Bytes held by the vector matrix and id array, spare capacity included."""
        return self._matrix.nbytes + self._ids.nbytes

    def add(self, ids: Sequence[int] | np.ndarray, vectors: np.ndarray) -> None:
        """Insert ``vectors`` (shape ``(len(ids), dims)``) for ``ids``; a known id is replaced.

        If an id appears twice in one call, its last vector wins.
        """
        ids = _id_array(ids)
        vectors = _checked(vectors, self.dims, "vectors", ndim=2)
        if len(vectors) != len(ids):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        # Keep the last occurrence of each id (unique over the reversed array finds it).
        _, last = np.unique(ids[::-1], return_index=True)
        if len(last) < len(ids):
            keep = np.sort(len(ids) - 1 - last)
            ids, vectors = ids[keep], vectors[keep]
        rows = np.array([self._rows.get(i, -1) for i in ids.tolist()], dtype=np.intp)
        fresh = np.flatnonzero(rows < 0)
        self._reserve(self._count + len(fresh))
        rows[fresh] = np.arange(self._count, self._count + len(fresh))
        self._ids[rows[fresh]] = ids[fresh]
        self._rows.update(zip(ids[fresh].tolist(), rows[fresh].tolist(), strict=True))
        self._count += len(fresh)
        self._matrix[rows] = _normalised(vectors)

    def remove(self, ids: Sequence[int] | np.ndarray) -> None:
        """Delete ``ids`` (unknown ones are ignored) by moving the last row into each hole."""
        for track_id in _id_array(ids).tolist():
            row = self._rows.pop(track_id, None)
            if row is None:
                continue
            last = self._count - 1
            if row != last:
                moved = int(self._ids[last])
                self._matrix[row] = self._matrix[last]
                self._ids[row] = moved
                self._rows[moved] = row
            self._count = last

    def vector(self, track_id: int) -> np.ndarray:
        """A copy of the stored (normalised) vector of ``track_id``; KeyError if absent."""
        row = self._rows.get(track_id)
        if row is None:
            raise KeyError(f"track {track_id} is not in the index")
        return self._matrix[row].copy()

    def top_k(
        self, query: np.ndarray, k: int = 10, exclude: Collection[int] = ()
    ) -> list[tuple[int, float]]:
        """The ``k`` tracks most similar to ``query`` as ``(track_id, cosine)``, best first.

        ``query`` has shape ``(dims,)`` and is normalised here. Ids in ``exclude`` never appear.
        Fewer than ``k`` results come back when fewer tracks are available.
        """
        query = _normalised(_checked(query, self.dims, "query", ndim=1))
        # einsum rather than ``@``: a matrix-vector product is limited by memory bandwidth, and
        # OpenBLAS's worker threads cost a scheduler tick (~8 ms) per call on a busy machine.
        scores = np.einsum("ij,j->i", self._matrix[: self._count], query)
        excluded = list({self._rows[i] for i in exclude if i in self._rows})
        scores[excluded] = -np.inf
        ids = self._ids[: self._count]
        best = _best_rows(scores, ids, min(k, self._count - len(excluded)))
        return [(int(ids[row]), float(scores[row])) for row in best]

    def _reserve(self, needed: int) -> None:
        """Make room for ``needed`` rows, at least doubling the capacity when it grows."""
        capacity = len(self._matrix)
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity, MIN_CAPACITY)
        matrix = np.empty((capacity, self.dims), dtype=np.float32)
        matrix[: self._count] = self._matrix[: self._count]
        ids = np.empty(capacity, dtype=np.int64)
        ids[: self._count] = self._ids[: self._count]
        self._matrix, self._ids = matrix, ids


@dataclass(frozen=True, slots=True)
class PassageHit:
    """One track found by a passage query.

    ``window`` is the index of the track's passage that matched best and ``query_window`` the index
    of the query window it matched, so the app can say where in the track the excerpt occurs.
    """

    track_id: int
    score: float
    window: int
    query_window: int


class PassageIndex:
    """Per-track sequences of passage vectors (``dims`` values each), stored as int8.

    All passages live in one int8 matrix whose capacity doubles as tracks are added, each track's
    passages one run of rows. A replaced or removed track leaves its old rows unused until the
    first query after a change, which compacts them away and lists the tracks' row offsets.
    (One matrix rather than an array per track: 100,000 small arrays freed after being copied
    into a concatenated matrix stayed resident, 691 MB instead of 406 MB in the benchmark.)
    """

    def __init__(self, dims: int) -> None:
        if dims <= 0:
            raise ValueError(f"dims must be positive, got {dims}")
        self.dims = dims
        self._store = np.empty((0, dims), dtype=np.int8)
        self._used = 0  # rows written, including unused rows of replaced or removed tracks
        self._live = 0  # rows of the tracks in the index
        # Track id -> (first row, row count). Dict order is row order: add() appends at the end.
        self._spans: dict[int, tuple[int, int]] = {}
        self._ids = np.empty(0, dtype=np.int64)
        self._offsets = np.zeros(1, dtype=np.intp)
        self._stale = False

    def __len__(self) -> int:
        return len(self._spans)

    def __contains__(self, track_id: object) -> bool:
        return track_id in self._spans

    @property
    def passage_count(self) -> int:
        """Total number of passages over all tracks."""
        return self._live

    @property
    def nbytes(self) -> int:
        """Bytes of int8 passage storage in use (``passage_count × dims``)."""
        return self._live * self.dims

    def add(self, track_id: int, passages: np.ndarray) -> None:
        """Store ``passages`` (shape ``(m, dims)``) for ``track_id``, replacing earlier ones.

        ``m == 0`` means the track has no passages: it is removed and is not searchable here.
        """
        passages = _normalised(_checked(passages, self.dims, "passages", ndim=2))
        track_id = int(track_id)
        self.remove([track_id])
        count = len(passages)
        if count == 0:
            return
        self._reserve(count)
        start = self._used
        self._store[start : start + count] = np.round(passages * PASSAGE_SCALE)
        self._spans[track_id] = (start, count)
        self._used += count
        self._live += count
        self._stale = True

    def remove(self, track_ids: Sequence[int] | np.ndarray) -> None:
        """Delete the passages of ``track_ids``; unknown ids are ignored."""
        for track_id in _id_array(track_ids).tolist():
            span = self._spans.pop(track_id, None)
            if span is not None:
                self._live -= span[1]
                self._stale = True

    def passages(self, track_id: int) -> np.ndarray:
        """The stored passages of ``track_id`` dequantised to float32; KeyError if absent."""
        start, count = self._spans[track_id]
        return self._store[start : start + count].astype(np.float32) / PASSAGE_SCALE

    def scores(self, query: np.ndarray, phases: int = 4) -> tuple[np.ndarray, np.ndarray]:
        """``(track ids, scores)`` of every searchable track, ids ascending.

        The score is the one :meth:`top_k` ranks by (see there).
        """
        ids, per_phase, _ = self._phase_scores(query, phases)
        order = np.argsort(ids)
        return ids[order], per_phase.max(axis=0)[order]

    def top_k(
        self,
        query: np.ndarray,
        k: int = 10,
        exclude: Collection[int] = (),
        phases: int = 4,
    ) -> list[PassageHit]:
        """The ``k`` tracks containing the passage most like ``query``, best first.

        ``query`` has shape ``(q, dims)``: windows of the excerpt taken at a hop ``phases`` times
        finer than the library's (library hop 4 beats, query hop 1 beat for ``phases=4``). With
        ``best[i, t]`` the highest cosine between query window ``i`` and any passage of track
        ``t``, the score of ``t`` is the highest, over the phases ``o < min(phases, q)``, of the
        mean of ``best[i, t]`` over the windows ``i`` with ``i % phases == o``: the query windows
        that line up with the library's grid for one shift of the excerpt. The hit's ``window``
        and ``query_window`` are the passage ``j`` and query window ``i`` (of the best phase) with
        the highest cosine. Ids in ``exclude`` never appear; equal scores go to the smaller id.
        """
        ids, per_phase, query = self._phase_scores(query, phases)
        scores = per_phase.max(axis=0)
        excluded = np.isin(ids, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
        scores[excluded] = -np.inf
        best = _best_rows(scores, ids, min(k, len(ids) - int(excluded.sum())))
        hits = []
        for column in best:
            track_id = int(ids[column])
            phase = int(np.argmax(per_phase[:, column]))
            windows = query[phase::phases] @ self.passages(track_id).T
            i, j = np.unravel_index(int(np.argmax(windows)), windows.shape)
            hit = PassageHit(track_id, float(scores[column]), int(j), phase + int(i) * phases)
            hits.append(hit)
        return hits

    def _phase_scores(
        self, query: np.ndarray, phases: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ids, mean best cosine per phase and track ``(P, T)``, the normalised query)."""
        if phases < 1:
            raise ValueError(f"phases must be at least 1, got {phases}")
        query = _normalised(_checked(query, self.dims, "query", ndim=2))
        if len(query) == 0:
            raise ValueError("query must have at least one window")
        self._rebuild()
        best = self._best_per_track(query)
        used = min(phases, len(query))
        per_phase = np.stack([best[o::phases].mean(axis=0) for o in range(used)])
        return self._ids, per_phase, query

    def _best_per_track(self, query: np.ndarray) -> np.ndarray:
        """``best[i, t]``: the highest cosine between query window ``i`` and a passage of ``t``.

        The int8 rows are converted to float32 one chunk at a time into a reused buffer. Each
        chunk is multiplied as a stack of ``BLOCK_ROWS``-row products: one big product would use
        OpenBLAS's threads, whose wake-ups cost milliseconds per call on a busy machine (measured
        3–5× slower over 100,000 tracks with two other busy processes on two cores).
        """
        best = np.empty((len(query), len(self._ids)), dtype=np.float32)
        scaled_t = np.ascontiguousarray(query.T / PASSAGE_SCALE)
        chunks = self._chunks()
        widest = max((self._offsets[b] - self._offsets[a] for a, b in chunks), default=0)
        buffer = np.zeros((-(-widest // BLOCK_ROWS) * BLOCK_ROWS, self.dims), dtype=np.float32)
        for first, stop in chunks:
            start, end = self._offsets[first], self._offsets[stop]
            padded = -(-(end - start) // BLOCK_ROWS) * BLOCK_ROWS
            np.copyto(buffer[: end - start], self._store[start:end], casting="unsafe")
            blocks = buffer[:padded].reshape(-1, BLOCK_ROWS, self.dims)
            similarity = np.matmul(blocks, scaled_t).reshape(padded, len(query))[: end - start]
            local = self._offsets[first:stop] - start
            best[:, first:stop] = np.maximum.reduceat(similarity, local, axis=0).T
        return best

    def _chunks(self) -> list[tuple[int, int]]:
        """Runs of whole tracks ``[first, stop)`` of about ``CHUNK_ROWS`` passages each."""
        marks = np.arange(CHUNK_ROWS, self._offsets[-1], CHUNK_ROWS)
        cuts = np.unique(np.searchsorted(self._offsets, marks))
        bounds = [0, *cuts.tolist(), len(self._ids)]
        return [(a, b) for a, b in pairwise(bounds) if b > a]

    def _reserve(self, rows: int) -> None:
        """Make room for ``rows`` more rows: compact if a quarter is unused, else double."""
        capacity = len(self._store)
        if self._used + rows <= capacity:
            return
        if self._used - self._live >= capacity // 4:
            self._compact()
            if self._used + rows <= capacity:
                return
        store = np.empty((max(self._used + rows, 2 * capacity, MIN_CAPACITY), self.dims), np.int8)
        store[: self._used] = self._store[: self._used]
        self._store = store

    def _compact(self) -> None:
        """Move every track's rows down over the unused ones, keeping their order."""
        cursor = 0
        for track_id, (start, count) in self._spans.items():
            if start != cursor:
                self._store[cursor : cursor + count] = self._store[start : start + count]
                self._spans[track_id] = (cursor, count)
            cursor += count
        self._used = cursor

    def _rebuild(self) -> None:
        """Compact the rows and list track ids and row offsets, if changed since the last query."""
        if not self._stale:
            return
        if self._used > self._live:
            self._compact()
        counts = np.fromiter((count for _, count in self._spans.values()), np.intp, len(self))
        self._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.intp)
        self._ids = np.fromiter(self._spans, dtype=np.int64, count=len(self))
        self._stale = False
