"""'More like this' (``MelodyGenerator.vary``): the same plan from the melody's seed, latent
noise moved part of the way to fresh noise; with the shipped model."""

from __future__ import annotations

import math
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import Key
from studio.generation.generator import (
    MAX_COUNT,
    VARY_DISTANCE,
    GenerationSettings,
    MelodyGenerator,
)
from studio.generation.idea_reading import melody_length

REQUEST = GenerationSettings(bars=8, key=Key.parse("D minor"))


@pytest.fixture(scope="module")
def generator() -> MelodyGenerator:
    return MelodyGenerator()


@pytest.fixture(scope="module")
def originals(generator):
    """Four melodies to vary (seeds 20–23)."""
    return generator.generate(REQUEST, count=4, seed=20)


def steps(melody) -> tuple[np.ndarray, np.ndarray]:
    """The melody on the 16th grid: the pitch sounding at each step (-1: rest), and where
    notes start."""
    size = round(melody_length(melody) * 4)
    pitch, onset = np.full(size, -1), np.zeros(size, dtype=bool)
    for note in melody.notes:
        begin, end = round(note.start * 4), round(note.end * 4)
        pitch[begin:end] = note.pitch
        onset[begin] = True
    return pitch, onset


def changed_share(a, b) -> float:
    """Share of 16th steps where the two melodies differ (pitch or onset)."""
    (pitch_a, onset_a), (pitch_b, onset_b) = steps(a), steps(b)
    return float(np.mean((pitch_a != pitch_b) | (onset_a != onset_b)))


def test_vary_returns_count_melodies_with_the_same_plan(generator, originals):
    original = originals[0]
    varied = generator.vary(original, count=3, distance=0.5, seed=7)
    assert len(varied) == 3
    for melody in varied:
        assert melody.settings == original.settings
        assert melody.form == original.form
        assert melody.chords == original.chords
        assert melody.densities == original.densities
        assert melody.first_bar == original.first_bar
        assert melody.seed == original.seed  # the plan's seed: the original's
        assert melody.latents.shape == original.latents.shape
        assert max(n.end for n in melody.notes) <= REQUEST.bars * REQUEST.bar_beats + 1e-9
    assert any(m.notes != original.notes for m in varied)


def test_like_names_the_variation_seed_and_distance(generator, originals):
    varied = generator.vary(originals[1], count=3, distance=0.3, seed=40)
    assert [m.like for m in varied] == [(40, 0.3), (41, 0.3), (42, 0.3)]
    assert originals[1].like is None
    (default,) = generator.vary(originals[1], count=1)
    assert default.like == (0, VARY_DISTANCE)


@pytest.mark.parametrize("meter", ["4/4", "2/4", "3/4", "6/8"])
def test_distance_zero_gives_the_melody_again(generator, meter):
    request = GenerationSettings(bars=5, meter=meter, key=Key.parse("A minor"))
    for melody in generator.generate(request, count=2, seed=3):
        (same,) = generator.vary(melody, count=1, distance=0.0, seed=99)
        assert same.notes == melody.notes


def test_varying_a_variation_at_distance_zero_gives_it_again(generator, originals):
    for variation in generator.vary(originals[2], count=2, distance=0.6, seed=1):
        assert generator.vary(variation, count=1, distance=0.0)[0].notes == variation.notes


def test_larger_distances_change_more_steps(generator, originals):
    distances = (0.0, 0.2, 0.5, 1.0)
    means = [
        np.mean([changed_share(original, melody) for original in originals
                 for melody in generator.vary(original, count=3, distance=d, seed=5)])
        for d in distances
    ]  # fmt: skip
    assert means[0] == 0.0
    assert all(a < b for a, b in pairwise(means)), means


def test_same_seed_same_variations_other_seed_other_ones(generator, originals):
    original = originals[3]
    first = generator.vary(original, count=3, distance=0.4, seed=5)
    again = generator.vary(original, count=3, distance=0.4, seed=5)
    other = generator.vary(original, count=3, distance=0.4, seed=50)
    assert [m.notes for m in first] == [m.notes for m in again]
    assert len({m.notes for m in first}) == 3
    assert all(a.notes != b.notes for a, b in zip(first, other, strict=True))
    # variation i is what seed + i gives alone
    assert generator.vary(original, count=1, distance=0.4, seed=6)[0].notes == first[1].notes


def test_key_lock_and_range_hold_in_variations(generator):
    key = Key.parse("E minor")
    request = GenerationSettings(bars=4, key=key, key_lock=True, low=60, high=76)
    for melody in generator.generate(request, count=2, seed=12):
        for varied in generator.vary(melody, count=3, distance=0.8, seed=2):
            assert varied.notes
            assert all(key.contains(n.pitch) for n in varied.notes)
            assert all(60 <= n.pitch <= 76 for n in varied.notes)


def test_a_continuation_keeps_its_primer_bars(generator):
    primer = tuple(
        Note(p, i * 0.5, 0.5, 90) for i, p in enumerate([67, 69, 71, 72, 74, 72, 71, 69])
    )
    request = GenerationSettings(bars=3, key=Key.parse("G"))
    (continued,) = generator.continue_melody(primer, request, seed=5)
    varied = generator.vary(continued, count=3, distance=1.0, seed=1)
    for melody in varied:
        assert melody.first_bar == continued.first_bar == 1
        assert melody.notes[: len(primer)] == primer
        assert all(n.start >= 4 for n in melody.notes[len(primer) :])
    assert any(m.notes[len(primer) :] != continued.notes[len(primer) :] for m in varied)


@pytest.mark.parametrize("distance", [-0.1, 1.01, math.nan])
def test_a_distance_outside_0_to_1_is_refused(generator, originals, distance):
    with pytest.raises(InvalidInput, match="distance must be between 0 and 1"):
        generator.vary(originals[0], count=2, distance=distance)


@pytest.mark.parametrize("count", [0, -1, MAX_COUNT + 1])
def test_a_count_out_of_range_is_refused(generator, originals, count):
    with pytest.raises(InvalidInput, match="count must be between 1"):
        generator.vary(originals[0], count=count)


def test_noise_that_does_not_fit_the_settings_is_refused(generator, originals):
    melody = replace(originals[0], latents=np.zeros((2, generator.config.noise_dim)))
    with pytest.raises(InvalidInput, match="cannot be varied"):
        generator.vary(melody)
