"""Chord estimation: one triad per bar from the notes that sound in it.

Bars are ``beats_per_bar`` beats (quarter notes) long: 4 by default, 3 for 3/4 and 6/8.

Used to give the melody generator's training tunes a chord per bar when they have no
accompaniment, and by anything that needs a rough harmony of a melody.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from studio.core.music import Note
from studio.core.pianoroll import BEATS_PER_BAR
from studio.core.theory import Chord, Key

# Triads the chord estimator chooses among (the generator accepts any chord symbol).
_CANDIDATE_QUALITIES = ("maj", "min", "dim")


def _beat_weight(start: float, beats_per_bar: float = BEATS_PER_BAR) -> float:
    """How much a note starting at ``start`` beats counts for the harmony of its bar."""
    position = start % beats_per_bar
    if position == 0:
        return 2.0
    if position == beats_per_bar / 2 and position == int(position):  # beat 3 of 4/4
        return 1.5
    return 1.0 if position == int(position) else 0.7


def bar_pitch_weights(
    notes: Sequence[Note], n_bars: int, beats_per_bar: float = BEATS_PER_BAR
) -> np.ndarray:
    """Pitch-class weights per bar, shape (n_bars, 12): sounding time (beats) × metric weight.

    Bar ``i`` spans beats ``i * beats_per_bar`` to ``(i + 1) * beats_per_bar``.
    """
    weights = np.zeros((n_bars, 12))
    for note in notes:
        first = max(0, int(note.start // beats_per_bar))
        last = min(n_bars - 1, int(max(note.start, note.end - 1e-9) // beats_per_bar))
        for bar in range(first, last + 1):
            begin, end = bar * beats_per_bar, (bar + 1) * beats_per_bar
            overlap = min(end, note.end) - max(begin, note.start)
            if overlap > 0:
                onset_here = begin <= note.start < end
                weight = _beat_weight(note.start, beats_per_bar) if onset_here else 0.7
                weights[bar, note.pitch % 12] += overlap * weight
    return weights


def _candidate_chords() -> list[Chord]:
    return [Chord(root, quality) for quality in _CANDIDATE_QUALITIES for root in range(12)]


_CANDIDATES = _candidate_chords()
_CANDIDATE_TONES = np.array(
    [[1.0 if pc in chord.tones else 0.0 for pc in range(12)] for chord in _CANDIDATES]
)


def estimate_chords(weights: np.ndarray, key: Key) -> tuple[Chord, ...]:
    """Choose a triad for each bar from its pitch-class weights (see ``bar_pitch_weights``).

    Each candidate scores the weight of its chord tones minus half the weight of the other
    notes, plus a small preference for chords of the key and for its I, IV and V; an empty bar
    keeps the previous chord (the tonic chord at the start).
    """
    diatonic = np.array([all(key.contains(pc) for pc in c.tones) for c in _CANDIDATES])
    primary_roots = {key.tonic, (key.tonic + 5) % 12, (key.tonic + 7) % 12}
    primary = np.array([c.root in primary_roots for c in _CANDIDATES])
    tonic_quality = "maj" if key.mode == "major" else "min"
    previous = Chord(key.tonic, tonic_quality)
    chords = []
    for bar in weights:
        total = bar.sum()
        if total <= 0:
            chords.append(previous)
            continue
        inside = _CANDIDATE_TONES @ bar
        score = inside - 0.5 * (total - inside) + total * (0.15 * diatonic + 0.1 * primary)
        previous = _CANDIDATES[int(np.argmax(score))]
        chords.append(previous)
    return tuple(chords)
