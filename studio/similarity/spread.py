"""Spread the whole-track vectors out, so that a similarity score means something.

The autoencoder's track vectors all lean one way: on a library of one kind of music (piano
pieces, chorales) two unrelated tracks score 0.85–0.99, and the ranking rides on small
differences. ``VectorSpread`` centres the vectors on the library's mean and whitens them with
its covariance, shrunk towards the identity (``SHRINK``), before the cosine: unrelated tracks
then score about 0, versions of one piece well above (measured on the corpus sets: unrelated
chorales median 0.85 → −0.03, other harmonisations of the tune 0.95 → 0.54).

The track's musical traits (texture, harmony and rhythm statistics, ``core/traits.py``) join
the vector: each is standardised on the library (mean 0, standard deviation 1), the traits made
unit length and appended, so that the cosine of two joined vectors is ``1 - TRAIT_WEIGHT``
times the vectors' cosine plus ``TRAIT_WEIGHT`` times the traits'.

A small library says little about its own spread, so its statistics are blended with a
reference measured on the training corpus (``REFERENCE_WEIGHT`` tracks' worth), shipped beside
the weights as ``<weights>.spread.json`` and written by

    python -m studio.similarity.spread          # after training the autoencoder

Pure numpy; applied when the search loads its vectors, so stored vectors never change.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from studio.core.model_files import record_model_file
from studio.core.traits import MIN_SCALE as MIN_TRAIT_SCALE
from studio.core.traits import SIZE as TRAIT_SIZE

SHRINK = 4.0
"""Covariance + ``SHRINK`` × its mean eigenvalue × identity, then whitened. Chosen on the corpus
sets (style P@10 / versions P@10): raw 0.607 / 0.124, centred only 0.614 / 0.125, full
whitening 0.442 / 0.139, shrink 1: 0.589 / 0.148, 4: 0.603 / 0.141, 10: 0.613 / 0.139."""
REFERENCE_WEIGHT = 100
"""How many tracks the shipped reference statistics count as beside a library's own."""
TRAIT_WEIGHT = 0.5
"""The traits' share of a whole-track score. Chosen on the corpus style set (same-group
precision of the top ten): vectors alone 0.603, traits alone 0.632, 0.2: 0.644, 0.5: 0.669,
0.7: 0.666."""


@dataclass(frozen=True)
class VectorSpread:
    """``apply`` maps track vectors (and their traits) to the joined unit-length vectors the
    library is searched with: ``width(dims)`` numbers each."""

    mean: np.ndarray
    transform: np.ndarray
    trait_mean: np.ndarray = field(default_factory=lambda: np.zeros(TRAIT_SIZE))
    trait_scale: np.ndarray = field(default_factory=lambda: np.ones(TRAIT_SIZE))

    @staticmethod
    def width(dims: int) -> int:
        """Length of a joined vector for track vectors of ``dims`` numbers."""
        return dims + TRAIT_SIZE

    @classmethod
    def identity(cls, dims: int) -> VectorSpread:
        """No change but the unit length."""
        return cls(np.zeros(dims), np.eye(dims))

    @classmethod
    def fit(
        cls,
        vectors: np.ndarray,
        reference: Reference | None = None,
        traits: np.ndarray | None = None,
    ) -> VectorSpread:
        """The spread of ``vectors`` (tracks × dims) and of their ``traits`` (tracks ×
        ``TRAIT_SIZE``; NaN rows for tracks without one), blended with ``reference`` (if any)
        as ``REFERENCE_WEIGHT`` tracks; without a reference a library of fewer than 2 tracks is
        left as it is."""
        vectors = np.asarray(vectors, dtype=np.float64)
        dims = vectors.shape[1]
        count = len(vectors)
        if reference is None and count < 2:
            return cls.identity(dims)
        trait_mean, trait_scale = _trait_statistics(traits, reference)
        mean, scatter, weight = np.zeros(dims), np.zeros((dims, dims)), 0.0
        if count:
            mean, weight = vectors.mean(axis=0), float(count)
            scatter = (vectors - mean).T @ (vectors - mean)
        if reference is not None:
            total = weight + REFERENCE_WEIGHT
            blended = (weight * mean + REFERENCE_WEIGHT * reference.mean) / total
            scatter = (
                scatter
                + weight * np.outer(mean - blended, mean - blended)
                + REFERENCE_WEIGHT * (reference.covariance + np.outer(reference.mean - blended,
                                                                      reference.mean - blended))
            )  # fmt: skip
            mean, weight = blended, total
        covariance = scatter / max(weight - 1.0, 1.0)
        level = max(float(np.trace(covariance)) / dims, 1e-12)
        values, axes = np.linalg.eigh(covariance + SHRINK * level * np.eye(dims))
        transform = axes @ np.diag(1.0 / np.sqrt(values)) @ axes.T
        return cls(mean, transform, trait_mean, trait_scale)

    def apply(self, vectors: np.ndarray, traits: np.ndarray | None = None) -> np.ndarray:
        """The joined vectors (float32): the track vectors centred, whitened and made unit
        length, times √(1 − ``TRAIT_WEIGHT``), then the traits standardised and made unit
        length, times √``TRAIT_WEIGHT``. Zero vectors give zero rows. A track without traits
        (None, or a NaN row) keeps its whole vector at full length and zeros for the traits:
        among such tracks scores are the vectors' cosines."""
        vectors = np.asarray(vectors, dtype=np.float64)
        zero = ~np.any(vectors, axis=-1)
        spread = _unit((vectors - self.mean) @ self.transform)
        if traits is None:
            traits = np.full((*vectors.shape[:-1], TRAIT_SIZE), np.nan)
        traits = np.asarray(traits, np.float64)
        missing = np.isnan(traits).any(axis=-1, keepdims=True)
        standard = _unit((traits - self.trait_mean) / self.trait_scale)
        weight = np.where(missing, 1.0, 1 - TRAIT_WEIGHT)
        joined = np.concatenate([np.sqrt(weight) * spread, np.sqrt(1 - weight) * standard], -1)
        joined[zero] = 0.0
        return joined.astype(np.float32)


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; zero and NaN rows become zeros."""
    rows = np.nan_to_num(rows, nan=0.0)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def _trait_statistics(
    traits: np.ndarray | None, reference: Reference | None
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale (standard deviation, at least ``core.traits.MIN_SCALE``) of a library's
    traits blended with the reference's as ``REFERENCE_WEIGHT`` tracks."""
    known = np.zeros((0, TRAIT_SIZE))
    if traits is not None and len(traits):
        known = np.asarray(traits, dtype=np.float64).reshape(-1, TRAIT_SIZE)
        known = known[~np.isnan(known).any(axis=1)]
    moments = [(len(known), known.mean(axis=0), known.var(axis=0))] if len(known) else []
    if reference is not None and reference.trait_mean is not None:
        moments.append((REFERENCE_WEIGHT, reference.trait_mean, reference.trait_std**2))
    if not moments:
        return np.zeros(TRAIT_SIZE), np.ones(TRAIT_SIZE)
    total = sum(weight for weight, _, _ in moments)
    mean = sum(weight * m for weight, m, _ in moments) / total
    variance = sum(weight * (v + (m - mean) ** 2) for weight, m, v in moments) / total
    return mean, np.maximum(np.sqrt(variance), MIN_TRAIT_SCALE)


@dataclass(frozen=True)
class Reference:
    """Mean and covariance of a model's track vectors over the training corpus."""

    model_version: str
    mean: np.ndarray
    covariance: np.ndarray
    tracks: int
    trait_mean: np.ndarray | None = None
    trait_std: np.ndarray | None = None


def library_spread(weights: str | os.PathLike | None, model_version: str):
    """A function that maps a library's track vectors (tracks × dims) and traits (tracks ×
    ``TRAIT_SIZE``, or None) as the similar-tracks search does: fitted on them and the
    reference of ``weights`` (if it matches ``model_version``). The recommender ranks with it."""
    reference = load_reference(weights, model_version) if weights else None

    def spread(vectors: np.ndarray, traits: np.ndarray | None = None) -> np.ndarray:
        return VectorSpread.fit(vectors, reference, traits).apply(vectors, traits)

    return spread


def reference_path(weights: str | os.PathLike) -> Path:
    """Where the reference statistics of ``weights`` live: beside them."""
    weights = Path(weights)
    return weights.with_name(f"{weights.stem}.spread.json")


def load_reference(weights: str | os.PathLike, model_version: str) -> Reference | None:
    """The reference statistics of ``weights``, or None when there are none, they are
    unreadable or they belong to another model version."""
    try:
        content = json.loads(reference_path(weights).read_text(encoding="utf-8"))
        reference = Reference(
            content["model_version"],
            np.asarray(content["mean"], dtype=np.float64),
            np.asarray(content["covariance"], dtype=np.float64),
            int(content["tracks"]),
            *(
                np.asarray(content[key], dtype=np.float64) if key in content else None
                for key in ("trait_mean", "trait_std")
            ),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    dims = len(reference.mean)
    if reference.model_version != model_version or reference.covariance.shape != (dims, dims):
        return None
    if reference.trait_mean is not None and reference.trait_mean.shape != (TRAIT_SIZE,):
        return replace(reference, trait_mean=None, trait_std=None)  # other traits
    return reference


def measure_reference(
    vectors: np.ndarray, model_version: str, traits: np.ndarray | None = None
) -> Reference:
    """The reference statistics of a model's track vectors (tracks × dims) and, when given,
    of the tracks' traits."""
    vectors = np.asarray(vectors, dtype=np.float64)
    trait_mean = trait_std = None
    if traits is not None:
        traits = np.asarray(traits, dtype=np.float64)
        trait_mean, trait_std = traits.mean(axis=0), traits.std(axis=0)
    return Reference(
        model_version, vectors.mean(axis=0), np.cov(vectors.T), len(vectors), trait_mean,
        trait_std,
    )  # fmt: skip


def save_reference(reference: Reference, weights: str | os.PathLike) -> Path:
    """Write ``reference`` beside ``weights`` (rounded, deterministic JSON) and record it in
    their folder's manifest (``studio.core.model_files``); returns the path."""
    path = reference_path(weights)
    content = {
        "model_version": reference.model_version,
        "tracks": reference.tracks,
        "mean": [round(float(v), 6) for v in reference.mean],
        "covariance": [[round(float(v), 7) for v in row] for row in reference.covariance],
    }
    if reference.trait_mean is not None:
        content["trait_mean"] = [round(float(v), 6) for v in reference.trait_mean]
        content["trait_std"] = [round(float(v), 6) for v in reference.trait_std]
    text = json.dumps(content, indent=0, sort_keys=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, path)
    record_model_file(path)  # beside its weights' line in the folder's MANIFEST.sha256
    return path


def main(argv: list[str] | None = None) -> None:
    """Measure the reference on the training part of the corpus and write it beside the
    weights."""
    from studio.core.midi_read import read_midi
    from studio.similarity.corpus import ensure_corpus
    from studio.similarity.embedder import DEFAULT_WEIGHTS, Embedder

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DEFAULT_WEIGHTS), help="autoencoder weights")
    args = parser.parse_args(argv)
    embedder = Embedder(args.model)
    vectors, traits = [], []
    for file in ensure_corpus():
        if file.role == "train":
            embedding = embedder.embed(read_midi(file.path))
            if len(embedding.passages):
                vectors.append(embedding.vector)
                traits.append(embedding.traits)
    reference = measure_reference(np.stack(vectors), embedder.model_version, np.stack(traits))
    path = save_reference(reference, args.model)
    print(f"wrote {path}: {reference.tracks} tracks of model {reference.model_version}")


if __name__ == "__main__":
    main()
