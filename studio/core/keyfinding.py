"""Estimate the key of some notes with the Krumhansl–Schmuckler method.

The notes' durations (in beats) are summed per pitch class into a 12-bin histogram, which is
correlated (Pearson) with a major and a minor key profile rotated to each of the 12 tonics; the
best of the 24 correlations names the key. Three published profile pairs are available:

- ``"krumhansl"``: Krumhansl & Kessler (1982), probe-tone ratings.
- ``"temperley"``: Temperley (2007), from the Kostka–Payne textbook corpus.
- ``"albrecht_shanahan"``: Albrecht & Shanahan (2013), from a corpus of classical pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.music import Note, Song, Track
from studio.core.theory import Key, canonical_scale_name

# Weights indexed by semitones above the tonic: (major profile, minor profile).
KEY_PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    "temperley": (
        (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
        (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
    ),
    "albrecht_shanahan": (
        (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
        (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052),
    ),
}

# The weight, in beats, of a note shorter than this (zero-length notes still count).
MIN_NOTE_WEIGHT = 1 / 32

# The 24 candidate keys, in the row order of ``profile_matrix``: 12 majors then 12 minors.
_KEYS = tuple(Key(tonic, mode) for mode in ("major", "natural_minor") for tonic in range(12))

Music = Iterable[Note] | Track | Song


@dataclass(frozen=True, slots=True)
class KeyEstimate:
    """The result of ``estimate_key``.

    Attributes:
        key: the best-matching major or natural-minor key.
        confidence: its Pearson correlation with the profile, −1…1 (above ~0.8 is convincing).
        alternatives: all 24 keys with their correlations, best first (the first is ``key``).
    """

    key: Key
    confidence: float
    alternatives: tuple[tuple[Key, float], ...]


def _pitched_notes(music: Music) -> Iterable[Note]:
    """The notes to analyse: drum tracks are left out (their pitches are not pitches)."""
    if isinstance(music, Song):  # any order will do for a histogram: no sorting
        return (note for track in music.tracks if not track.is_drum for note in track.notes)
    if isinstance(music, Track):
        return () if music.is_drum else music.notes
    return music


def pitch_class_histogram(music: Music, *, weighting: str = "duration") -> np.ndarray:
    """Share of each pitch class (index 0 = C), shape (12,), summing to 1; zeros without notes.

    ``music`` is an iterable of ``Note``, a ``Track`` or a ``Song`` (drum tracks are ignored).
    With ``weighting="duration"`` (for key finding) each note weighs its duration in beats, at
    least ``MIN_NOTE_WEIGHT``; with ``"count"`` (the melody metrics) every note weighs 1.
    """
    if weighting not in ("duration", "count"):
        raise InvalidInput(f"weighting must be 'duration' or 'count', not {weighting!r}")
    bins = [0.0] * 12  # a list: adding to numpy elements one note at a time is slow
    for note in _pitched_notes(music):
        bins[note.pitch % 12] += (
            max(note.duration, MIN_NOTE_WEIGHT) if weighting == "duration" else 1.0
        )
    histogram = np.array(bins)
    total = histogram.sum()
    return histogram / total if total > 0 else histogram


def columns_histogram(pitches: Sequence[np.ndarray], durations: Sequence[np.ndarray]) -> np.ndarray:
    """``pitch_class_histogram(..., weighting="duration")`` of notes given as columns (one pair
    per track, pitched tracks only), to the last bit: the same weights added in the same order."""
    if not pitches:
        return np.zeros(12)
    pitch = np.concatenate(pitches)
    weights = np.maximum(np.concatenate(durations), MIN_NOTE_WEIGHT)
    histogram = np.bincount(pitch % 12, weights=weights, minlength=12).astype(float)
    total = histogram.sum()
    return histogram / total if total > 0 else histogram


@cache
def profile_matrix(profile: str) -> np.ndarray:
    """The 24 rotated profiles as rows (see ``_KEYS``), each standardised to mean 0, norm 1."""
    if profile not in KEY_PROFILES:
        valid = ", ".join(KEY_PROFILES)
        raise InvalidInput(f"unknown key profile {profile!r}; valid profiles are: {valid}")
    major, minor = (np.asarray(p, dtype=float) for p in KEY_PROFILES[profile])
    rows = [np.roll(base, tonic) for base in (major, minor) for tonic in range(12)]
    matrix = np.array(rows)
    matrix -= matrix.mean(axis=1, keepdims=True)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix.flags.writeable = False
    return matrix


def key_correlations(histogram: np.ndarray, *, profile: str = "krumhansl") -> np.ndarray | None:
    """Pearson correlation of a 12-bin pitch-class histogram with the 24 keys' profiles.

    Rows follow 12 major keys C…B then 12 minor keys C…B. Returns None when the histogram is
    flat (all bins equal, including all zeros), where the correlation is undefined.
    """
    values = np.asarray(histogram, dtype=float).reshape(12)
    centred = values - values.mean()
    norm = np.linalg.norm(centred)
    if norm < 1e-12 * max(1.0, float(np.abs(values).max())):
        return None
    return profile_matrix(profile) @ (centred / norm)


def estimate_key(music: Music, *, profile: str = "krumhansl") -> KeyEstimate | None:
    """Estimate the major or minor key of some notes (Krumhansl–Schmuckler).

    Args:
        music: an iterable of ``Note``, a ``Track`` or a ``Song``; drum tracks are ignored.
        profile: "krumhansl", "temperley" or "albrecht_shanahan" (see ``KEY_PROFILES``).

    Returns:
        The estimate, or None when there is nothing to go on: no pitched notes, or a histogram
        with every pitch class equally present (a chromatic scale, say).

    Raises:
        InvalidInput: for an unknown profile name.
    """
    profile_matrix(profile)  # an unknown profile is an error even without notes
    return key_of_histogram(pitch_class_histogram(music), profile=profile)


def key_of_histogram(histogram: np.ndarray, *, profile: str = "krumhansl") -> KeyEstimate | None:
    """``estimate_key`` of a pitch-class histogram (``pitch_class_histogram``'s, or
    ``columns_histogram``'s): None when it is flat."""
    correlations = key_correlations(histogram, profile=profile)
    if correlations is None:
        return None
    order = sorted(range(24), key=lambda i: -correlations[i])  # stable: ties keep C…B order
    ranked = tuple((_KEYS[i], float(correlations[i])) for i in order)
    return KeyEstimate(key=ranked[0][0], confidence=ranked[0][1], alternatives=ranked)


def stated_key(song: Song | None) -> Key | None:
    """The key ``song``'s file states at its start (its first key signature), or None."""
    stated = song.key_signature if song is not None else None
    return Key(stated.tonic, stated.mode) if stated is not None else None


def choose_key(
    key: str | None = None,
    mode: str | None = None,
    scale: str | None = None,
    primer: Sequence[Note] = (),
    stated: Key | None = None,
) -> Key:
    """The key of a generation request: ``key`` ("D minor", "F#"), else the key the primer's
    file states (``stated``, its key signature), else the key estimated from the primer's
    notes, else C major; ``mode`` ("major"/"minor") or ``scale`` (dorian, blues…) then replace
    the mode on the same tonic.

    A stated key wins over the estimate because a few bars say little (half of a set of 8-bar
    D minor melodies estimate as F major, A minor, C major…), but a stated C major gives way
    when the notes fit another key clearly better: it is what many programs write when nobody
    chose a key."""
    if key:
        chosen = Key.parse(key)
    elif primer or stated is not None:
        estimate = estimate_key(primer) if primer else None
        chosen = estimate.key if estimate else Key(0)
        if stated is not None and (estimate is None or not _default_against(stated, estimate)):
            chosen = stated
    else:
        chosen = Key(0)
    if mode:
        chosen = Key(chosen.tonic, mode)
    if scale:
        chosen = Key(chosen.tonic, canonical_scale_name(scale))
    return chosen


STATED_DEFAULT_MARGIN = 0.1
"""How much better (in correlation) another key must fit a primer's notes for a stated C major
to be taken for a default rather than a choice."""


def _default_against(stated: Key, estimate: KeyEstimate) -> bool:
    """Whether a stated key looks like a program's default that the notes contradict: C major,
    with some other key fitting the notes by more than ``STATED_DEFAULT_MARGIN``."""
    if stated != Key(0, "major"):
        return False
    fit = next(c for k, c in estimate.alternatives if k.tonic == 0 and k.mode == "major")
    return estimate.confidence - fit > STATED_DEFAULT_MARGIN
