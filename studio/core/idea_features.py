"""What a generated idea is like, as a few numbers a taste model can learn from.

``idea_features`` reads a melody (a song's pitched notes) as ``NAMES``: where it sits and how
wide (register, span), how busy and how it moves (density, step size, leaps), its shape
(direction: second half against first; arch: middle against the ends), its rhythm (rests, long
notes, off-beat starts) and its mood (``core.mood``). Each is a plain musical quantity, so a
taste learned from them can be said in words (``WORDS``: "higher, sparser"). ``idea_id`` names
an idea by its notes, so a reaction finds its idea again.
"""

from __future__ import annotations

import hashlib

import numpy as np

from studio.core.mood import song_mood
from studio.core.music import Song

FEATURE_VERSION = 1
"""Bumped whenever a feature changes meaning: stored vectors of another version are not used."""
NAMES = (
    "register", "span", "density", "step", "leaps", "direction", "arch", "rests",
    "long_notes", "offbeat", "valence", "arousal",
)  # fmt: skip
"""The features, in the order of the vector."""
WORDS = {
    "register": ("higher", "lower"),
    "span": ("wider", "narrower"),
    "density": ("busier", "sparser"),
    "step": ("leapier", "smoother"),
    "leaps": ("more leaps", "fewer leaps"),
    "direction": ("rising", "falling"),
    "arch": ("arched", "dipping"),
    "rests": ("more rests", "fewer rests"),
    "long_notes": ("longer notes", "shorter notes"),
    "offbeat": ("more syncopated", "more on the beat"),
    "valence": ("brighter", "darker"),
    "arousal": ("more energetic", "calmer"),
}
"""How a feature reads in words when an idea has more of it, or less."""
LEAP = 5
"""Semitones from which a move counts as a leap (a fourth or more)."""
LATENT_WEIGHT = 0.0
"""How much an idea's latent noise counts for a taste model against its musical features
(``idea_inputs``; each feature is standardised to spread 1 there, each noise dimension has 1).
Measured with ``studio eval ideas``: at 0.25 / 0.1 the share kept after 5 rounds fell from 0.52
to 0.46 / 0.43 (64 dimensions of noise to learn from a dozen keeps), so the taste reads the
features only; "More like this" is where the noise serves."""


def idea_features(song: Song, length_beats: float | None = None) -> np.ndarray:
    """The ``NAMES`` of the song's pitched notes as a float64 vector (zeros without notes).

    ``length_beats``: how long the idea is (its bars), so trailing rests count; default: up
    to its last note's end. Register and span are in semitones, density in notes per beat,
    step in semitones per move, direction and arch in semitones, the shares 0–1, the mood −1–1.
    """
    notes = sorted(
        (note for track in song.tracks if not track.is_drum for note in track.notes),
        key=lambda note: (note.start, note.pitch),
    )
    features = np.zeros(len(NAMES))
    if not notes:
        return features
    pitch = np.array([note.pitch for note in notes], dtype=np.float64)
    start = np.array([note.start for note in notes])
    length = np.array([note.duration for note in notes])
    end = float(np.max(start + length))
    total = max(float(length_beats or 0.0), end, 1e-9)
    moves = np.abs(np.diff(pitch))
    middle = (start >= total / 4) & (start < 3 * total / 4)
    second = start >= total / 2
    features[:] = (
        pitch.mean(),
        pitch.max() - pitch.min(),
        len(notes) / total,
        moves.mean() if len(moves) else 0.0,
        np.mean(moves >= LEAP) if len(moves) else 0.0,
        _mean_difference(pitch, second),
        _mean_difference(pitch, middle),
        1.0 - _sounding(start, start + length, total) / total,
        np.mean(length >= 1.0 - 1e-9),
        np.mean(np.abs(start - np.round(start)) > 1e-6),
        *_mood_axes(song),
    )
    return features


def idea_id(song: Song) -> str:
    """A name for an idea made of its notes, tempo and meter (16 hex digits): the same
    melody always gets the same name, another melody (almost surely) another."""
    digest = hashlib.sha1(repr(song.time_signature).encode())
    digest.update(f"{song.tempo:.6g}".encode())
    for track in song.tracks:
        for note in track.notes:
            digest.update(f"{note.pitch},{note.start:.6g},{note.duration:.6g};".encode())
    return digest.hexdigest()[:16]


def idea_inputs(features: np.ndarray, latents: np.ndarray | None, noise_dim: int) -> np.ndarray:
    """What the taste model reads of one idea: its features, then its latent noise averaged
    over its bars (zeros when unknown, or of another size) times ``LATENT_WEIGHT``
    (what ``recommend.idea_taste`` learns from)."""
    features = np.asarray(features, dtype=np.float64)
    if LATENT_WEIGHT == 0:
        return features
    noise = np.zeros(noise_dim)
    if latents is not None:
        latents = np.asarray(latents, dtype=np.float64)
        if latents.ndim == 2 and latents.shape[1] == noise_dim and len(latents):
            noise = latents.mean(axis=0)
    return np.concatenate([features, LATENT_WEIGHT * noise])


def _mean_difference(pitch: np.ndarray, inside: np.ndarray) -> float:
    """Mean pitch of the notes ``inside`` minus that of the others (0 when either is empty)."""
    if inside.all() or not inside.any():
        return 0.0
    return float(pitch[inside].mean() - pitch[~inside].mean())


def _sounding(start: np.ndarray, end: np.ndarray, total: float) -> float:
    """Beats during which some note sounds, within 0–``total``."""
    covered, reached = 0.0, 0.0
    for begin, finish in zip(start, np.minimum(end, total), strict=True):
        begin = max(begin, reached)
        if finish > begin:
            covered += finish - begin
            reached = finish
    return covered


def _mood_axes(song: Song) -> tuple[float, float]:
    found = song_mood(song)
    return (found.valence, found.arousal) if found is not None else (0.0, 0.0)
