"""A track's musical traits: a few statistics a musician can read (texture, harmony, rhythm).

The similar-tracks vectors say *that* two tracks sound alike; the traits say *how*: how many
voices sound at once and how often they strike together, which chords the harmony uses and how
fast it changes, where in the beat the notes start. Each is a pure function of the notes
(muspy-style: pitches, and starts and ends in beats), transposition-invariant; counted in the
beats the similarity passages use, a copy at another tempo or read from its notes has the same
traits.

The traits join the track vector in the library's search (``similarity.spread``) and give the
reasons a suggestion shows ("both have block chords and seventh chords").

The traits (``NAMES``, in this order):

- texture: ``voices`` (notes sounding at once, where anything sounds), ``chordal`` (share of
  note starts that strike three or more notes together), ``span`` (octaves between the low and
  high notes, 5th to 95th percentile), ``rests`` (share of the time nothing sounds);
- rhythm: ``density`` (log2 of 1 + note starts per beat), ``offbeat`` (share of starts off the
  beat on an eighth or sixteenth), ``triplet`` (share on a third of a beat), ``syncopation``
  (share of starts off the beat whose note holds over the next beat), ``length`` (log2 of the
  median note length in beats), ``variety`` (entropy of the gaps between starts, in bits);
- harmony, per beat: ``triads`` (share of beats whose notes make a major or minor triad),
  ``minor`` (share of those triads that are minor), ``sevenths`` (share of beats with a seventh
  chord), ``dissonance`` (share of the sounding time outside the beat's closest triad),
  ``changes`` (share of beats whose chord differs from the one before), ``chromatic`` (share
  of the sounding time outside the track's best-fitting diatonic scale).
"""

from __future__ import annotations

import numpy as np

from studio.core.stats import median, percentiles

NAMES = (
    "voices", "chordal", "span", "rests",
    "density", "offbeat", "triplet", "syncopation", "length", "variety",
    "triads", "minor", "sevenths", "dissonance", "changes", "chromatic",
)  # fmt: skip
SIZE = len(NAMES)
STEPS_PER_BEAT = 12
"""Grid the texture is sampled on: sixteenths and triplets both fall on it."""
TOGETHER = 1 / 24
"""Note starts closer than this (beats) strike together."""
MAX_BEATS = 2048
"""Longer tracks are measured on their first this many beats (the harmony's per-beat matrix)."""
_DIATONIC = np.array([np.roll([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], k) for k in range(12)], float)
"""The 12 diatonic scales (one per major tonic) as 0/1 rows."""


def _chord_templates() -> tuple[np.ndarray, np.ndarray]:
    """0/1 pitch-class templates of every chord in every root, and their kind: 0 major,
    1 minor, 2 diminished or augmented, 3 a seventh chord."""
    shapes = {
        0: [(0, 4, 7)],
        1: [(0, 3, 7)],
        2: [(0, 3, 6), (0, 4, 8)],
        3: [(0, 4, 7, 10), (0, 3, 7, 10), (0, 4, 7, 11), (0, 3, 6, 10), (0, 3, 6, 9)],
    }
    rows, kinds = [], []
    for kind, chords in shapes.items():
        for chord in chords:
            for root in range(12):
                row = np.zeros(12)
                row[[(root + i) % 12 for i in chord]] = 1
                rows.append(row)
                kinds.append(kind)
    return np.array(rows), np.array(kinds)


_TEMPLATES, _KINDS = _chord_templates()
_TEMPLATE_COLUMNS = np.ascontiguousarray(_TEMPLATES.T)
_COMPLETE = _TEMPLATES.sum(axis=1) - 0.5
"""A beat holds a chord when this many of its tones are present (all of them, less a half)."""


def musical_traits(pitch: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The ``NAMES`` of some notes, float32 of length ``SIZE`` (zeros without notes)."""
    if len(pitch) == 0:
        return np.zeros(SIZE, dtype=np.float32)
    pitch = np.asarray(pitch, dtype=np.int64)
    start = np.maximum(np.asarray(start, dtype=np.float64), 0.0)  # where the beat falls
    end = np.maximum(np.asarray(end, dtype=np.float64), start + 1 / STEPS_PER_BEAT)
    keep = start < MAX_BEATS
    start, end, pitch = start[keep], np.minimum(end[keep], MAX_BEATS), pitch[keep]
    values = {**_texture(start, end, pitch), **_rhythm(start, end), **_harmony(start, end, pitch)}
    return np.array([values[name] for name in NAMES], dtype=np.float32)


def _texture(start: np.ndarray, end: np.ndarray, pitch: np.ndarray) -> dict[str, float]:
    grid = np.arange(0, end.max(), 1 / STEPS_PER_BEAT) + 0.5 / STEPS_PER_BEAT
    sounding = np.searchsorted(np.sort(start), grid, "right") - np.searchsorted(
        np.sort(end), grid, "right"
    )
    heard = sounding > 0
    _, together = np.unique(np.round(start / TOGETHER).astype(np.int64), return_counts=True)
    low, high = percentiles(np.sort(pitch), (5, 95))
    return {
        "voices": float(sounding[heard].mean()) if heard.any() else 0.0,
        "chordal": float(np.mean(together >= 3)),
        "span": float(high - low) / 12,
        "rests": float(1 - heard.mean()),
    }


def _rhythm(start: np.ndarray, end: np.ndarray) -> dict[str, float]:
    steps = np.round(start * STEPS_PER_BEAT).astype(np.int64)
    order = np.argsort(steps, kind="stable")
    steps, ends = steps[order], end[order]
    first = np.flatnonzero(np.r_[True, steps[1:] != steps[:-1]])
    onsets = steps[first] / STEPS_PER_BEAT
    longest = np.maximum.reduceat(ends, first)  # the longest note starting at each onset
    beats = max(float(end.max()), 1.0)
    place = np.round((onsets % 1) * STEPS_PER_BEAT).astype(int) % STEPS_PER_BEAT
    on_beat = place == 0
    offbeat = (place % 3 == 0) & ~on_beat  # 3, 6 or 9 twelfths: an eighth or a sixteenth
    triplet = (place % 4 == 0) & ~on_beat  # 4 or 8 twelfths
    held = longest > np.floor(onsets) + 1 + 0.5 / STEPS_PER_BEAT  # over the next beat line
    gaps = np.diff(onsets)
    variety = 0.0
    if len(gaps):
        _, counts = np.unique(np.round(np.log2(gaps) * 4), return_counts=True)
        shares = counts / counts.sum()
        variety = float(-(shares * np.log2(shares)).sum())
    return {
        "density": float(np.log2(1 + len(onsets) / beats)),
        "offbeat": float(offbeat.mean()),
        "triplet": float(triplet.mean()),
        "syncopation": float((held & ~on_beat).mean()),
        "length": float(np.log2(max(median(end - start), 1 / STEPS_PER_BEAT))),
        "variety": variety,
    }


def _beat_pitch_classes(start: np.ndarray, end: np.ndarray, pitch: np.ndarray) -> np.ndarray:
    """How many quarter-beat steps each pitch class sounds in each beat, shape (beats, 12): a
    note adds 1 to its pitch class from its first step and takes it away after its last."""
    per_beat = 4
    first = np.round(start * per_beat).astype(np.int64)
    last = np.maximum(np.round(end * per_beat).astype(np.int64), first + 1)
    steps = -(-int(last.max()) // per_beat) * per_beat
    column = pitch % 12
    changes = np.bincount(
        np.concatenate([first * 12 + column, last * 12 + column]),
        weights=np.concatenate([np.ones(len(first)), -np.ones(len(last))]),
        minlength=(steps + 1) * 12,
    ).reshape(steps + 1, 12)[:steps]
    sounding = np.cumsum(changes, axis=0) > 0.5
    return sounding.reshape(-1, per_beat, 12).sum(axis=1).astype(float)


def _harmony(start: np.ndarray, end: np.ndarray, pitch: np.ndarray) -> dict[str, float]:
    weights = _beat_pitch_classes(start, end, pitch)
    totals = weights.sum(axis=1)
    heard = totals > 0
    weights, totals = weights[heard], totals[heard]
    if not len(weights):
        return dict.fromkeys(NAMES[-6:], 0.0)
    present = weights >= 0.2 * weights.max(axis=1, keepdims=True)
    # best chord per beat: all of its tones present, most weight inside it
    inside = weights @ _TEMPLATE_COLUMNS
    complete = present.astype(float) @ _TEMPLATE_COLUMNS >= _COMPLETE
    scored = np.where(complete, inside, -1.0)
    best = scored.argmax(axis=1)
    found = scored.max(axis=1) >= 0
    kind = np.where(found, _KINDS[best], -1)
    in_triad = inside[:, _KINDS < 3].max(axis=1)  # the time inside the closest triad
    triads = (kind == 0) | (kind == 1)
    chord_id = np.where(found, best, -1)
    scale_fit = float((_DIATONIC @ weights.sum(axis=0)).max())
    return {
        "triads": float(triads.mean()),
        "minor": float((kind == 1).sum() / max(triads.sum(), 1)),
        "sevenths": float((kind == 3).mean()),
        "dissonance": float(1 - in_triad.sum() / totals.sum()),
        "changes": float(np.mean(chord_id[1:] != chord_id[:-1])) if len(chord_id) > 1 else 0.0,
        "chromatic": float(1 - scale_fit / totals.sum()),
    }


PHRASES = {
    "voices": ("a full texture ({voices:.0f} notes at once)", "a single line"),
    "chordal": ("block chords", None),
    "span": ("a wide range ({span:.1f} octaves)", "a narrow range ({span:.1f} octaves)"),
    "rests": ("many rests", None),
    "density": (
        "busy rhythms ({notes:.1f} notes a beat)",
        "slow rhythms ({notes:.1f} notes a beat)",
    ),
    "offbeat": ("offbeat rhythms", "rhythms on the beat"),
    "triplet": ("triplets", None),
    "syncopation": ("syncopation", None),
    "length": ("long notes", "short notes"),
    "variety": ("varied rhythms", "even rhythms"),
    "triads": ("plain triads", None),
    "minor": ("minor chords", None),  # low: no triads, or major ones
    "sevenths": ("seventh chords", None),
    "dissonance": ("dissonant harmony", None),  # low: a plain line too
    "changes": ("a quick harmonic rhythm", None),  # low: a plain line has no chords to change
    "chromatic": ("chromatic notes", "notes of one scale"),
}
"""How a statistic reads when both tracks sit high (first) or low (second) in the library."""
MIN_SCALE = 0.02
"""A trait that hardly varies in a library (no triplets anywhere) is standardised by at least
this, so that noise in it does not count as a difference."""
DISTINCT = 0.75
"""Both tracks must be this many standard deviations from the library's mean…"""
CLOSE = 0.75
"""…and within this many of each other, for a trait to be named."""


def shared_traits(
    first: np.ndarray, second: np.ndarray, mean: np.ndarray, scale: np.ndarray, limit: int = 2
) -> list[str]:
    """What two tracks' traits have in common that sets both apart from the library (whose
    traits have ``mean`` and standard deviation ``scale``): up to ``limit`` phrases, the most
    distinctive first ("block chords", "seventh chords")."""
    a, b = (np.asarray(p, dtype=float) for p in (first, second))
    za, zb = (a - mean) / scale, (b - mean) / scale
    found = []
    for index, name in enumerate(NAMES):
        side = 0 if za[index] > 0 else 1
        phrase = PHRASES[name][side]
        same_side = np.sign(za[index]) == np.sign(zb[index])
        distinct = min(abs(za[index]), abs(zb[index])) >= DISTINCT
        if phrase and same_side and distinct and abs(za[index] - zb[index]) <= CLOSE:
            strength = min(abs(za[index]), abs(zb[index])) - abs(za[index] - zb[index])
            found.append((strength, _fill(phrase, (a + b) / 2)))
    return [phrase for _, phrase in sorted(found, key=lambda f: -f[0])[:limit]]


def shared_reason(phrases: list[str]) -> list[str]:
    """The reason a suggestion shows for ``shared_traits`` phrases ("both have block chords and
    seventh chords"), as a list of one, or an empty list when there are none."""
    return [f"both have {' and '.join(phrases)}"] if phrases else []


def _fill(phrase: str, values: np.ndarray) -> str:
    named = dict(zip(NAMES, values.tolist(), strict=True))
    return phrase.format(**named, notes=2 ** named["density"] - 1)
