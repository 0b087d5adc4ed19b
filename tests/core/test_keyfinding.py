"""Key estimation on melodies whose key is known by construction."""

import random

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.keyfinding import (
    KEY_PROFILES,
    KeyEstimate,
    estimate_key,
    key_correlations,
    pitch_class_histogram,
)
from studio.core.music import Note, Song, Track
from studio.core.theory import Key

ALL_KEYS = [Key(tonic, mode) for mode in ("major", "natural_minor") for tonic in range(12)]

# Beats per scale degree (0-based index into the scale): long tonic and dominant, shorter
# third, short passing notes.
DEGREE_BEATS = {0: 2.0, 2: 1.0, 4: 1.5}


def tune(key: Key, *, seed: int = 0, length: int = 32) -> list[Note]:
    """A stepwise random tune in ``key`` that starts and ends on the tonic (octave 4)."""
    rng = random.Random(seed)
    size = len(key.intervals)
    degree = 0
    degrees = [0]
    for _ in range(length - 2):
        step = rng.choice([-2, -1, -1, 1, 1, 2, 0]) if degree % size else rng.choice([-1, 1, 2, 4])
        degree = max(-size + 1, min(2 * size - 1, degree + step))
        degrees.append(degree)
    degrees.append(0)
    notes, beat = [], 0.0
    for d in degrees:
        duration = DEGREE_BEATS.get(d % size, 0.5)
        notes.append(Note(key.degree_pitch(d + 1, 4), beat, duration))
        beat += duration
    return notes


@pytest.mark.parametrize("profile", sorted(KEY_PROFILES))
@pytest.mark.parametrize("key", ALL_KEYS, ids=str)
def test_tunes_are_estimated_in_their_key(key: Key, profile: str) -> None:
    for seed in range(3):
        estimate = estimate_key(tune(key, seed=seed), profile=profile)
        assert estimate is not None
        assert estimate.key == key, (seed, estimate.alternatives[:3])
        assert estimate.confidence > 0.5


def test_c_major_scale_run() -> None:
    notes = [Note(p, i * 0.5, 0.5) for i, p in enumerate(Key(0).scale_pitches(60, 72))]
    assert estimate_key(notes).key == Key.parse("C major")


@pytest.mark.parametrize("profile", sorted(KEY_PROFILES))
def test_harmonic_minor_tune_is_minor(profile: str) -> None:
    notes = tune(Key.parse("A harmonic minor"), seed=7)
    assert any(n.pitch % 12 == 8 for n in notes)  # the raised seventh, G#, is there
    assert estimate_key(notes, profile=profile).key == Key.parse("A minor")


def test_estimate_shape() -> None:
    estimate = estimate_key(tune(Key.parse("E minor")))
    assert isinstance(estimate, KeyEstimate)
    scores = [score for _, score in estimate.alternatives]
    assert len(estimate.alternatives) == 24
    assert {key for key, _ in estimate.alternatives} == set(ALL_KEYS)
    assert scores == sorted(scores, reverse=True)
    assert estimate.alternatives[0] == (estimate.key, estimate.confidence)
    assert all(-1.0 - 1e-9 <= s <= 1.0 + 1e-9 for s in scores)


def test_nothing_to_go_on_gives_none() -> None:
    assert estimate_key([]) is None
    chromatic = [Note(60 + i, i, 1.0) for i in range(12)]
    assert estimate_key(chromatic) is None
    drums = Track(notes=(Note(36, 0, 1), Note(38, 1, 1)), is_drum=True)
    assert estimate_key(drums) is None
    assert estimate_key(Song(tracks=(drums,))) is None


def test_song_and_track_inputs_ignore_drums() -> None:
    melody = Track(notes=tuple(tune(Key.parse("D major"))))
    drums = Track(notes=tuple(Note(p, i, 4.0) for i, p in enumerate([42, 44, 46] * 20)),
                  is_drum=True)  # fmt: skip
    assert estimate_key(melody).key == Key.parse("D")
    assert estimate_key(Song(tracks=(melody, drums))).key == Key.parse("D")


def test_zero_length_notes_count() -> None:
    notes = [Note(p, i, 0.0) for i, p in enumerate([60, 64, 67, 60, 62, 64, 65, 67, 72])]
    histogram = pitch_class_histogram(notes)
    assert histogram[0] > 0
    assert estimate_key(notes).key == Key(0)


def test_histogram_is_duration_weighted_and_normalised() -> None:
    histogram = pitch_class_histogram([Note(60, 0, 3.0), Note(79, 3, 1.0)])
    assert histogram.shape == (12,)
    assert histogram.sum() == pytest.approx(1.0)
    assert histogram[0] == pytest.approx(0.75)
    assert histogram[7] == pytest.approx(0.25)
    assert not pitch_class_histogram([]).any()


def test_correlations_match_numpy_pearson() -> None:
    rng = np.random.default_rng(1)
    histogram = rng.random(12)
    correlations = key_correlations(histogram, profile="temperley")
    major = np.array(KEY_PROFILES["temperley"][0])
    for tonic in range(12):
        expected = np.corrcoef(histogram, np.roll(major, tonic))[0, 1]
        assert correlations[tonic] == pytest.approx(expected)


def test_transposing_notes_transposes_the_estimate() -> None:
    notes = tune(Key.parse("G minor"), seed=3)
    base = estimate_key(notes)
    for shift in (-5, 1, 6):
        moved = [Note(n.pitch + shift, n.start, n.duration) for n in notes]
        estimate = estimate_key(moved)
        assert estimate.key == base.key.transpose(shift)
        assert estimate.confidence == pytest.approx(base.confidence)


def test_unknown_profile_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="unknown key profile"):
        estimate_key([], profile="bach")
