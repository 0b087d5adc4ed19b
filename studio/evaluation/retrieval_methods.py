"""The methods ``studio eval retrieval`` compares: the autoencoder and three baselines.

A method sees the songs' notes only, never labels or file names. It indexes the library once
and then scores every library song for a query, whole songs and short excerpts alike (higher =
more similar). Baselines: pitch-class histograms, plain and key-invariant, and random scores.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from studio.core.keyfinding import pitch_class_histogram
from studio.core.music import Song
from studio.similarity.embedder import Embedder
from studio.similarity.index import PassageIndex
from studio.similarity.passages import LIBRARY_HOP_BEATS
from studio.similarity.spread import VectorSpread, load_reference


@runtime_checkable
class RetrievalMethod(Protocol):
    """A way to find similar songs. It sees notes only, never labels or file names."""

    name: str

    def index(self, songs: Sequence[Song]) -> object:
        """Prepare the library; returns an opaque state for the ``score_*`` calls."""
        ...

    def score_tracks(self, state: object, query: Song) -> np.ndarray:
        """One score per library song for a whole-song query; higher = more similar."""
        ...

    def score_passage(self, state: object, query: Song) -> np.ndarray:
        """One score per library song for a short excerpt query; higher = more similar."""
        ...


def default_methods(model_path: Path | None = None) -> list[RetrievalMethod]:
    """The autoencoder (shipped weights unless ``model_path``) followed by the three baselines."""
    return [AutoencoderMethod(model_path), KeyInvariantHistogramMethod(), HistogramMethod(),
            RandomMethod(0)]  # fmt: skip


class AutoencoderMethod:
    """The autoencoder as a method: whole-track queries compare track vectors, short queries
    compare passages (the scoring of ``PassageIndex``)."""

    def __init__(self, weights: str | os.PathLike | None = None) -> None:
        self.embedder = Embedder(weights)
        self.reference = load_reference(self.embedder.path, self.embedder.model_version)
        self.name = "autoencoder"

    def index(self, songs: Sequence[Song]) -> tuple:
        """Embed every library song: the track vectors (songs, dims) spread as the app spreads
        them (``VectorSpread``), the passage index, the spread, and which songs were read on
        their notes' beats (recordings)."""
        embeddings = [self.embedder.embed(song) for song in songs]
        matrix = np.stack([e.vector for e in embeddings])
        traits = np.stack([e.traits for e in embeddings])
        spread = VectorSpread.fit(matrix, self.reference, traits)
        passages = PassageIndex(self.embedder.dims)
        for number, embedding in enumerate(embeddings):
            passages.add(number, embedding.passages)
        recordings = np.array([e.scale != 1.0 for e in embeddings])  # read on their notes' beats
        return spread.apply(matrix, traits), passages, spread, recordings

    def score_tracks(self, state: tuple, query: Song) -> np.ndarray:
        """Cosine of the joined track vectors and traits, the best over the query's time
        scales."""
        matrix, _, spread, recordings = state
        scores = []
        for variant in self.embedder.query_variants(query):
            found = matrix @ spread.apply(variant.vector, variant.traits)
            scores.append(np.where(recordings, found, -1.0) if variant.recordings_only else found)
        return np.max(scores, axis=0)

    def score_passage(self, state: tuple, query: Song) -> np.ndarray:
        """Best-aligned passage match of the query's windows against each song's windows, the
        best over the query's time scales."""
        matrix, passages, _, _ = state
        scores = np.full(len(matrix), -1.0)
        for embedding in self.embedder.query_variants(query, passage=True):
            if len(embedding.passages) == 0 or len(passages) == 0:
                continue
            phases = max(1, round(LIBRARY_HOP_BEATS / embedding.hop))
            ids, values = passages.scores(embedding.passages, phases=phases)
            scores[ids] = np.maximum(scores[ids], values)
        return scores


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows, dtype=float), where=norms > 0)


class HistogramMethod:
    """Cosine similarity of duration-weighted pitch-class histograms (12 bins)."""

    name = "histogram"

    def index(self, songs: Sequence[Song]) -> np.ndarray:
        """The unit-length histogram of each song, shape (songs, 12)."""
        return _unit(np.array([pitch_class_histogram(s) for s in songs]).reshape(-1, 12))

    def score_tracks(self, state: np.ndarray, query: Song) -> np.ndarray:
        """Cosine between the query's histogram and each library histogram."""
        return state @ _unit(pitch_class_histogram(query))

    def score_passage(self, state: np.ndarray, query: Song) -> np.ndarray:
        """The same as ``score_tracks``: a histogram does not care about length."""
        return self.score_tracks(state, query)


class KeyInvariantHistogramMethod(HistogramMethod):
    """Pitch-class histograms compared in every key: the best cosine over the 12 rotations.

    (Chosen over the DFT magnitude of the histogram, which is also transposition-invariant but
    cannot tell a histogram from its mirror image, e.g. major from Phrygian.)
    """

    name = "histogram-key-invariant"

    def score_tracks(self, state: np.ndarray, query: Song) -> np.ndarray:
        """The largest cosine over the 12 transpositions of the query's histogram."""
        histogram = _unit(pitch_class_histogram(query))
        rotations = np.stack([np.roll(histogram, shift) for shift in range(12)])
        return (state @ rotations.T).max(axis=1)


class RandomMethod:
    """Random scores, seeded by ``seed`` and the query's notes (so runs are reproducible)."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def index(self, songs: Sequence[Song]) -> int:
        """The library size: all a random ranking needs."""
        return len(songs)

    def score_tracks(self, state: int, query: Song) -> np.ndarray:
        """Uniform random scores in [0, 1), the same for the same query and seed."""
        notes = np.array([(n.pitch, n.start, n.duration) for n in query.notes], dtype=float)
        return np.random.default_rng([self.seed, zlib.crc32(notes.tobytes())]).random(state)

    def score_passage(self, state: int, query: Song) -> np.ndarray:
        """Random scores, as for ``score_tracks``."""
        return self.score_tracks(state, query)
