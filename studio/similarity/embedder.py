"""Turn a song into the vectors the library searches: one per passage and one for the whole track.

Runs the trained encoder in numpy (``autoencoder.NumpyEncoder``): no torch, so the indexer's
worker processes and ``studio similar`` start fast.

- Passage vectors: the encoder's unit-length latent of each window (``passages.song_windows``).
- Track vector: the mean of the passage vectors and their spread (standard deviation per
  dimension, weighted by ``SPREAD_WEIGHT``), made unit length. The mean says what the piece
  mostly sounds like; the spread says how much it varies.
- Traits: the track's texture, harmony and rhythm statistics (``core.traits``), read in the same
  beats as its passages.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from studio.core.errors import ModelFileError
from studio.core.model_files import verify_model_file
from studio.core.music import Song
from studio.core.resources import AUTOENCODER_WEIGHTS
from studio.core.traits import musical_traits
from studio.similarity.autoencoder import load_numpy_encoder
from studio.similarity.passages import (
    LIBRARY_HOP_BEATS,
    MAX_WINDOWS,
    MIN_ONSETS,
    QUERY_HOP_BEATS,
    NoteArrays,
    note_arrays,
    query_readings,
    recording_reading,
    song_windows,
)
from studio.similarity.spread import reference_path

DEFAULT_WEIGHTS = AUTOENCODER_WEIGHTS
SPREAD_WEIGHT = 0.5
PASSAGE_READING = 3
"""Version of how a song becomes passages, part of the vectors' ``model_version``: a library
indexed with another reading is embedded again. 2: files off their beat grid are read on beats
from their notes (``passages.read_off_grid``); 3: musical traits (texture, harmony and rhythm) are
kept beside the vectors, and an off-grid file's beats follow its tempo (``tracked_beats``)."""


@dataclass(frozen=True)
class SongEmbedding:
    """``vector`` (track, unit length or zeros), ``passages`` (n, latent), their ``starts``
    (beats of the file) and the ``hop`` (beats of the windows) they were taken at; ``scale``:
    window beats per beat of the file (on average: ``passages.read_off_grid``); ``traits``:
    the track's ``core.traits.NAMES`` (None where no one asked for them); a query variant with
    ``recordings_only`` is compared with the library's recordings only
    (``passages.recording_reading``)."""

    vector: np.ndarray
    passages: np.ndarray
    starts: np.ndarray
    hop: float
    scale: float = 1.0
    traits: np.ndarray | None = None
    recordings_only: bool = False


def track_vector(passages: np.ndarray) -> np.ndarray:
    """The whole-track vector from the passage vectors (zeros when there are none)."""
    if len(passages) == 0:
        return np.zeros(2 * passages.shape[1], dtype=np.float32)
    vector = np.concatenate([passages.mean(axis=0), SPREAD_WEIGHT * passages.std(axis=0)])
    norm = np.linalg.norm(vector)
    return (vector / norm if norm > 0 else vector).astype(np.float32)


def _traits(notes: NoteArrays) -> np.ndarray:
    return musical_traits(notes.pitch, notes.start, notes.end)


@functools.lru_cache(maxsize=4)
def _load(path: Path, mtime_ns: int) -> tuple:
    """The numpy encoder and metadata of one weights file (loaded once per process and file
    version: the indexer's workers unpickle an ``Embedder`` per chunk of files), checked
    against their manifest first with the spread reference beside them
    (``studio.core.model_files``: the shipped files always, a user's when recorded)."""
    for file in (path, reference_path(path)):
        verify_model_file(file, "the similar-tracks model")
    try:
        return load_numpy_encoder(path)
    except Exception as error:  # a damaged or foreign file
        raise ModelFileError(f"cannot load autoencoder weights {path}: {error}") from None


class Embedder:
    """The encoder loaded once; ``embed`` a library track, ``embed_query`` a short excerpt.

    Pickles as its weights path, so it can be handed to worker processes cheaply.
    """

    def __init__(self, weights: str | os.PathLike | None = None) -> None:
        path = Path(weights) if weights else DEFAULT_WEIGHTS
        try:
            mtime_ns = path.stat().st_mtime_ns
        except OSError:
            mtime_ns = -1
        if mtime_ns < 0 or not path.is_file():
            raise ModelFileError(
                f"no autoencoder weights at {path}; train them with `studio train autoencoder`"
            )
        self._encoder, self.metadata = _load(path.resolve(), mtime_ns)
        self.path = path
        weights_version = self.metadata.get("model_version", path.stem)
        self.model_version: str = f"{weights_version}+r{PASSAGE_READING}"

    def __reduce__(self) -> tuple:
        return (Embedder, (str(self.path),))

    @property
    def dims(self) -> int:
        """Length of a passage vector."""
        return self._encoder.config.latent

    def embed(
        self,
        song: Song,
        *,
        hop_beats: float = LIBRARY_HOP_BEATS,
        min_onsets: int = MIN_ONSETS,
        scale: float | None = None,
    ) -> SongEmbedding:
        """Passage vectors at ``hop_beats`` (at most ``MAX_WINDOWS``) and the track vector;
        windows with fewer than ``min_onsets`` note starts are left out. ``scale``: window beats
        per beat of the file (default: the file's own, or ``passages.read_off_grid``)."""
        notes = note_arrays(song, scale)
        return replace(self._embed(notes, hop_beats, min_onsets), traits=_traits(notes))

    def embed_query(self, song: Song, scale: float | None = None) -> SongEmbedding:
        """Like ``embed`` at the finer query hop, every window kept so that window ``i`` starts
        at window beat ``i * hop`` (``PassageIndex`` lines windows up with the library's by
        position)."""
        return self._embed(note_arrays(song, scale), QUERY_HOP_BEATS, 0)

    def query_variants(self, song: Song, passage: bool = False) -> list[SongEmbedding]:
        """The song embedded at each of its ``query_readings`` (as ``embed``, or as
        ``embed_query`` with ``passage``): a query is compared at all of them and its best
        match counts, so a copy at another tempo or written at double speed is still found.
        A whole-track query also gets its ``recording_reading``, flagged ``recordings_only``."""
        notes = note_arrays(song, 1.0)  # the file's beats, read once
        hop, min_onsets = (QUERY_HOP_BEATS, 0) if passage else (LIBRARY_HOP_BEATS, MIN_ONSETS)
        plain = query_readings(notes)
        readings = [(reading, False) for reading in plain]
        recording = None if passage else recording_reading(notes, plain)
        if recording is not None:
            readings.append((recording, True))
        variants = []
        for reading, only in readings:
            variant = replace(self._embed(reading, hop, min_onsets), recordings_only=only)
            variants.append(variant if passage else replace(variant, traits=_traits(reading)))
        return variants

    def _embed(self, notes: NoteArrays, hop_beats: float, min_onsets: int) -> SongEmbedding:
        windows = song_windows(
            notes, hop_beats=hop_beats, max_windows=MAX_WINDOWS, min_onsets=min_onsets
        )
        passages = self._encoder.encode(windows.features)
        starts = windows.starts / notes.scale
        return SongEmbedding(track_vector(passages), passages, starts, windows.hop, notes.scale)
