"""Spreading the track vectors: unrelated music scores low, near copies stay high."""

from __future__ import annotations

import numpy as np
import pytest

from studio.similarity.embedder import DEFAULT_WEIGHTS, Embedder
from studio.similarity.spread import (
    VectorSpread,
    load_reference,
    measure_reference,
    reference_path,
    save_reference,
)


def _leaning_vectors(count: int, seed: int = 0) -> np.ndarray:
    """Unit vectors that all lean one way (cosines about 0.87), as the track vectors do."""
    rng = np.random.default_rng(seed)
    common = rng.standard_normal(16)
    vectors = 3 * common / np.linalg.norm(common) + 0.3 * rng.standard_normal((count, 16))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_unrelated_vectors_score_about_zero_and_near_copies_high():
    library = _leaning_vectors(300)
    raw = library @ library.T
    spread = VectorSpread.fit(library)
    spread_vectors = spread.apply(library)
    cosines = spread_vectors @ spread_vectors.T
    pairs = np.triu_indices(len(library), 1)
    assert np.median(raw[pairs]) > 0.85 and abs(np.median(cosines[pairs])) < 0.05
    near = library[0] + 0.01 * np.random.default_rng(1).standard_normal(16)
    assert spread.apply(near) @ spread_vectors[0] > 0.9
    assert np.allclose(np.linalg.norm(spread_vectors, axis=1), 1.0, atol=1e-5)
    assert not spread.apply(np.zeros(16)).any()  # a track without passages stays zero


def test_a_small_library_leans_on_the_reference():
    reference = measure_reference(_leaning_vectors(500, seed=2), "m")
    alone = VectorSpread.fit(_leaning_vectors(1, seed=3))
    assert np.array_equal(alone.transform, np.eye(16))  # one track says nothing on its own
    helped = VectorSpread.fit(_leaning_vectors(1, seed=3), reference)
    assert np.allclose(helped.mean, reference.mean, atol=0.05)
    empty = VectorSpread.fit(np.zeros((0, 16)), reference)
    assert np.isfinite(empty.transform).all()


def test_the_reference_round_trips_and_belongs_to_one_model(tmp_path):
    weights = tmp_path / "model.safetensors"
    reference = measure_reference(_leaning_vectors(50), "passage-ae-1")
    assert save_reference(reference, weights) == reference_path(weights)
    loaded = load_reference(weights, "passage-ae-1")
    assert loaded.tracks == 50 and np.allclose(loaded.mean, reference.mean, atol=1e-6)
    assert load_reference(weights, "passage-ae-2") is None  # retrained: not this one's
    reference_path(weights).write_text("{ damaged", encoding="utf-8")
    assert load_reference(weights, "passage-ae-1") is None
    assert load_reference(tmp_path / "other.safetensors", "passage-ae-1") is None


def test_the_shipped_reference_belongs_to_the_shipped_model():
    """After retraining the autoencoder, run `python -m studio.similarity.spread`."""
    embedder = Embedder(DEFAULT_WEIGHTS)
    reference = load_reference(DEFAULT_WEIGHTS, embedder.model_version)
    assert reference is not None and reference.tracks > 1000
    assert reference.covariance.shape == (2 * embedder.dims, 2 * embedder.dims)
    assert reference_path(DEFAULT_WEIGHTS).stat().st_size < 100_000


@pytest.mark.parametrize("shrink", [0.0, 4.0])
def test_more_shrinkage_whitens_less(monkeypatch, shrink):
    from studio.similarity import spread as module

    monkeypatch.setattr(module, "SHRINK", shrink)
    library = _leaning_vectors(300)
    spread = VectorSpread.fit(library).apply(library)[:, : library.shape[1]]  # no profiles
    covariance = np.cov(spread.T)
    values = np.linalg.eigvalsh(covariance)
    ratio = values.max() / values.min()
    assert (ratio < 3) if shrink == 0 else (ratio > 3)  # fully white: all directions alike


def test_the_vectors_version_names_the_weights_and_the_passage_reading():
    """A library indexed before files off their beat grid were read on their notes' beats is
    embedded again: the version the catalog keys vectors by changed with the reading."""
    from studio.similarity.embedder import PASSAGE_READING

    embedder = Embedder(DEFAULT_WEIGHTS)
    assert embedder.model_version == f"{embedder.metadata['model_version']}+r{PASSAGE_READING}"
