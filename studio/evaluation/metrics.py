"""Generation-quality metrics: pure functions of melodies, in the style of muspy.

A *melody* is a sequence of ``Note`` (monophonic, in any order) whose bars start at beat 0. All
times are in **beats** (quarter notes). Metrics that depend on the bar take a ``meter`` ("4/4",
"2/4", "3/4" or "6/8", default "4/4"): a bar lasts ``METER_BEATS[meter]`` beats (a 6/8 bar is 3
quarter notes) and its strong beats are ``STRONG_BEATS[meter]``.

Rates and means of nothing (an empty melody, a melody without strong-beat notes…) are ``nan``
rather than a made-up 0 or 1; ``summarize`` averages over the melodies where a value exists.

``overlap_area`` and ``feature_overlaps`` compare a generated set of melodies with a reference set
as in Yang & Lerch, "On the evaluation of generative models in music" (2018): the density of a
feature is estimated with a Gaussian kernel (Scott's bandwidth) and the area shared by the two
densities (0 = disjoint, 1 = identical) is the score.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from itertools import combinations, pairwise

import numpy as np

from studio.core import keyfinding
from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import Chord, Key

Melody = Sequence[Note]

STEPS_PER_BEAT = 4
_EPS = 1e-6

METER_BEATS = {"4/4": 4.0, "2/4": 2.0, "3/4": 3.0, "6/8": 3.0}
"""Length of a bar in beats (quarter notes) per meter."""
STRONG_BEATS = {"4/4": (0.0, 2.0), "2/4": (0.0,), "3/4": (0.0,), "6/8": (0.0, 1.5)}
"""Strong beats per meter, in beats from the bar line: 4/4 beats 1 and 3, 2/4 and 3/4 beat 1,
6/8 the first and fourth eighth."""
PHRASE_BARS = {"4/4": 4, "2/4": 8, "3/4": 4, "6/8": 4}
"""Bars per phrase: four, but eight of 2/4 (two 2/4 bars make one four-beat unit)."""

DURATION_BINS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)
"""Centres (beats) of the IOI and note-length histogram bins; one more bin holds all > 4 beats."""
_DURATION_EDGES = np.array([0.375, 0.625, 0.875, 1.25, 1.75, 2.5, 3.5, 4.0 + _EPS])
MAX_INTERVAL = 12
"""Intervals (semitones) in ``interval_histogram`` are clipped to ±this value."""


def _sorted(melody: Melody) -> list[Note]:
    return sorted(melody, key=lambda n: (n.start, n.pitch))


def _check_bars(n_bars: int) -> None:
    if n_bars < 1:
        raise InvalidInput(f"number of bars {n_bars} must be at least 1")


def bar_beats(meter: str) -> float:
    """Length of a bar of ``meter`` in beats (quarter notes): "6/8" → 3.

    Raises:
        InvalidInput: for a meter other than 4/4, 2/4, 3/4 and 6/8.
    """
    try:
        return METER_BEATS[meter]
    except KeyError:
        raise InvalidInput(f"meter {meter!r} is not one of {', '.join(METER_BEATS)}") from None


def _bar_pitch_classes(melody: Melody, n_bars: int, meter: str = "4/4") -> list[set[int]]:
    """Pitch classes sounding in each of the first ``n_bars`` bars (a held note counts)."""
    _check_bars(n_bars)
    length = bar_beats(meter)
    bars: list[set[int]] = [set() for _ in range(n_bars)]
    for note in melody:
        first = int((note.start + _EPS) // length)
        last = int(max(note.start, note.end - _EPS) // length)
        for bar in range(first, min(last, n_bars - 1) + 1):
            bars[bar].add(note.pitch % 12)
    return bars


# ------------------------------------------------------------------------ per-melody values


def note_count(melody: Melody) -> int:
    """Number of notes."""
    return len(melody)


def in_scale_rate(melody: Melody, key: Key) -> float:
    """Fraction of notes whose pitch is in ``key``'s scale; ``nan`` for an empty melody."""
    if not melody:
        return math.nan
    return sum(key.contains(n.pitch) for n in melody) / len(melody)


def _on_strong_beat(start: float, meter: str) -> bool:
    position = start % bar_beats(meter)
    return any(abs(position - beat) < _EPS for beat in STRONG_BEATS[meter]) or (
        bar_beats(meter) - position < _EPS  # a start a hair before the bar line
    )


def chord_tone_rate_on_strong_beats(
    melody: Melody,
    chords: Sequence[Chord | None],
    beats_per_chord: float = 4.0,
    meter: str = "4/4",
) -> float:
    """Fraction of strong-beat notes that are tones of the chord sounding at their onset.

    Strong beats are ``STRONG_BEATS[meter]`` of each bar (4/4: beats 1 and 3). ``chords`` are
    cycled: chord ``i`` lasts from beat ``i * beats_per_chord`` (modulo the list length). Notes
    under ``None`` (no chord) are skipped. Returns ``nan`` when no note is left to judge.
    """
    if not chords:
        raise InvalidInput("at least one chord is needed to judge chord tones")
    if beats_per_chord <= 0:
        raise InvalidInput(f"beats per chord {beats_per_chord} must be positive")
    hits = total = 0
    for note in melody:
        if not _on_strong_beat(note.start, meter):
            continue
        chord = chords[int((note.start + _EPS) // beats_per_chord) % len(chords)]
        if chord is not None:
            total += 1
            hits += chord.contains(note.pitch)
    return hits / total if total else math.nan


def empty_bar_rate(melody: Melody, n_bars: int, meter: str = "4/4") -> float:
    """Fraction of the first ``n_bars`` bars in which no note sounds (MuseGAN's EB)."""
    bars = _bar_pitch_classes(melody, n_bars, meter)
    return sum(not bar for bar in bars) / n_bars


def qualified_note_rate(melody: Melody, min_duration: float = 0.25) -> float:
    """Fraction of notes lasting ≥ ``min_duration`` beats (MuseGAN's QN); ``nan`` if empty."""
    if not melody:
        return math.nan
    return sum(n.duration >= min_duration - _EPS for n in melody) / len(melody)


def used_pitch_classes_per_bar(melody: Melody, n_bars: int, meter: str = "4/4") -> float:
    """Mean number of pitch classes sounding per non-empty bar (MuseGAN's UPC); ``nan`` if none."""
    used = [len(bar) for bar in _bar_pitch_classes(melody, n_bars, meter) if bar]
    return sum(used) / len(used) if used else math.nan


def pitch_range(melody: Melody) -> int:
    """Highest minus lowest pitch in semitones (0 for an empty melody)."""
    if not melody:
        return 0
    pitches = [n.pitch for n in melody]
    return max(pitches) - min(pitches)


def _intervals(melody: Melody) -> list[int]:
    return [b.pitch - a.pitch for a, b in pairwise(_sorted(melody))]


def average_interval(melody: Melody) -> float:
    """Mean absolute interval (semitones) between consecutive notes; ``nan`` under two notes."""
    intervals = _intervals(melody)
    return sum(map(abs, intervals)) / len(intervals) if intervals else math.nan


def _normalised(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts


def interval_histogram(melody: Melody) -> np.ndarray:
    """Share of each signed interval −12…+12 between consecutive notes (index 12 = unison).

    Larger leaps count in the end bins; zeros for fewer than two notes.
    """
    counts = np.zeros(2 * MAX_INTERVAL + 1)
    for interval in _intervals(melody):
        counts[min(max(interval, -MAX_INTERVAL), MAX_INTERVAL) + MAX_INTERVAL] += 1
    return _normalised(counts)


def _duration_histogram(values: Sequence[float]) -> np.ndarray:
    counts = np.zeros(len(DURATION_BINS) + 1)
    if values:
        np.add.at(counts, np.searchsorted(_DURATION_EDGES, values, side="right"), 1)
    return _normalised(counts)


def ioi_histogram(melody: Melody) -> np.ndarray:
    """Share of inter-onset intervals (beats) in the ``DURATION_BINS`` bins, plus a "> 4" bin.

    A value goes to the nearest bin centre, so rests lengthen an IOI; zeros under two notes.
    """
    onsets = [n.start for n in _sorted(melody)]
    return _duration_histogram([b - a for a, b in pairwise(onsets)])


def note_length_histogram(melody: Melody) -> np.ndarray:
    """Share of note durations (beats) in the ``DURATION_BINS`` bins, plus a "> 4" bin."""
    return _duration_histogram([n.duration for n in melody])


def _step_grid(melody: Melody, n_bars: int, meter: str = "4/4") -> np.ndarray:
    """(n_bars, steps per bar) ints: pitch + 1 at an onset, −(pitch + 1) while held, 0 rest."""
    steps_per_bar = round(bar_beats(meter) * STEPS_PER_BEAT)
    grid = np.zeros(n_bars * steps_per_bar, dtype=np.int16)
    for note in _sorted(melody):
        start = math.floor(note.start * STEPS_PER_BEAT + 0.5)
        end = max(start + 1, math.floor(note.end * STEPS_PER_BEAT + 0.5))
        if start < len(grid):
            grid[start] = note.pitch + 1
            grid[start + 1 : end] = -(note.pitch + 1)
    return grid.reshape(n_bars, steps_per_bar)


def self_similarity(melody: Melody, n_bars: int, meter: str = "4/4") -> float:
    """How much the bars repeat each other, 0–1 (1 = every bar is the same).

    Each bar of ``meter`` becomes its sixteenth steps (16 in 4/4, 12 in 3/4 and 6/8), each a
    rest, a note onset of a pitch or a held pitch. For each pair of bars, the score is the
    fraction of equal steps among the steps where at least one of the two bars sounds; the
    result is the mean over pairs (pairs of two empty bars are skipped). Repetition must be
    literal: a transposed bar scores 0. ``nan`` when there is no pair to compare.
    """
    _check_bars(n_bars)
    grid = _step_grid(melody, n_bars, meter)
    scores = []
    for a, b in combinations(grid, 2):
        active = (a != 0) | (b != 0)
        if active.any():
            scores.append(float(np.mean(a[active] == b[active])))
    return float(np.mean(scores)) if scores else math.nan


def continuation_fit(
    primer: Melody, continuation: Melody, primer_bars: int, bars: int, meter: str = "4/4"
) -> dict[str, float]:
    """How a ``continuation`` of ``bars`` bars (beats from 0) goes on from its ``primer`` of
    ``primer_bars`` bars: ``pace_gap``, the difference of their notes per bar; ``register_gap``,
    of their mean pitches (semitones; ``nan`` when one is empty); ``primer_returns``, the share
    of the continuation's sounding bars that are a bar of the primer again, literally (its steps
    as in ``self_similarity``). Real tunes set the scale: their second halves keep the first
    half's pace and register and often return to its bars."""
    _check_bars(primer_bars)
    _check_bars(bars)
    pace_gap = abs(len(continuation) / bars - len(primer) / primer_bars)
    register_gap = (
        abs(np.mean([n.pitch for n in continuation]) - np.mean([n.pitch for n in primer]))
        if primer and continuation
        else math.nan
    )
    primer_grid = {tuple(bar) for bar in _step_grid(primer, primer_bars, meter) if bar.any()}
    sounding = [tuple(bar) for bar in _step_grid(continuation, bars, meter) if bar.any()]
    returns = np.mean([bar in primer_grid for bar in sounding]) if sounding else math.nan
    return {
        "pace_gap": float(pace_gap),
        "register_gap": float(register_gap),
        "primer_returns": float(returns),
    }


def distinct_rate(melodies: Sequence[Melody]) -> float:
    """Fraction of distinct melodies (by each note's pitch, start and duration); ``nan`` if none."""
    if not melodies:
        return math.nan
    keys = {
        tuple(sorted((n.pitch, round(n.start, 6), round(n.duration, 6)) for n in melody))
        for melody in melodies
    }
    return len(keys) / len(melodies)


def notes_per_bar(melody: Melody, n_bars: int) -> float:
    """Number of notes divided by ``n_bars``."""
    _check_bars(n_bars)
    return len(melody) / n_bars


def _last_note_before(melody: Melody, beat: float) -> Note | None:
    """The note with the latest onset before ``beat`` (the highest of notes starting together)."""
    before = [n for n in melody if n.start < beat - _EPS]
    return max(before, key=lambda n: (n.start, n.pitch)) if before else None


def dominant_pitch_classes(key: Key) -> frozenset[int]:
    """Pitch classes of the dominant triad: scale degrees 5, 7 and 2.

    In minor both the leading tone of V and the subtonic of v count (G♯ and G in A minor).
    """
    sevenths = {11} if key.mode == "major" else {10, 11}
    return frozenset((key.tonic + i) % 12 for i in (7, 2, *sevenths))


def ends_on_tonic(melody: Melody, key: Key) -> float:
    """1.0 when the last note (by onset) is the tonic of ``key``, else 0.0; ``nan`` if empty."""
    last = _last_note_before(melody, math.inf)
    return math.nan if last is None else float(last.pitch % 12 == key.tonic)


def middle_on_dominant(melody: Melody, key: Key, n_bars: int, meter: str = "4/4") -> float:
    """1.0 when the note ending the first half (the last to start before the bar line after bar
    ``n_bars // 2``) is in the dominant triad (a half cadence), else 0.0.

    ``nan`` for fewer than two bars or no note in the first half.
    """
    _check_bars(n_bars)
    if n_bars < 2:
        return math.nan
    note = _last_note_before(melody, n_bars // 2 * bar_beats(meter))
    return math.nan if note is None else float(note.pitch % 12 in dominant_pitch_classes(key))


def phrase_ends(n_bars: int, meter: str = "4/4") -> list[float]:
    """Beats at which phrases end in ``n_bars`` bars: every ``PHRASE_BARS[meter]`` bars, and the
    end of the melody when it is shorter than one phrase."""
    _check_bars(n_bars)
    length, phrase = bar_beats(meter), PHRASE_BARS[meter]
    ends = range(phrase, n_bars + 1, phrase) if n_bars >= phrase else [n_bars]
    return [bar * length for bar in ends]


def long_phrase_end_rate(
    melody: Melody, n_bars: int, meter: str = "4/4", min_beats: float = 1.0
) -> float:
    """Fraction of phrase ends (``phrase_ends``) whose final note lasts ≥ ``min_beats`` beats.

    The final note of a phrase is the last one to start before the phrase's last bar line; a
    pick-up into the next phrase therefore counts as the phrase's final note, in real and in
    generated melodies alike. ``nan`` when no phrase has a note.
    """
    finals = [_last_note_before(melody, end) for end in phrase_ends(n_bars, meter)]
    lengths = [n.duration for n in finals if n is not None]
    return sum(d >= min_beats - _EPS for d in lengths) / len(lengths) if lengths else math.nan


# ---------------------------------------------------------------------------- overlap areas


def _scott_bandwidth(values: np.ndarray) -> float:
    """Scott's rule for a 1-D Gaussian KDE (as scipy's ``gaussian_kde``): σ · n^(−1/5)."""
    if values.size < 2:
        return 0.0
    return float(np.std(values, ddof=1)) * values.size ** (-0.2)


def _kde(samples: np.ndarray, bandwidth: float, grid: np.ndarray) -> np.ndarray:
    density = np.zeros_like(grid)
    for i in range(0, samples.size, 256):  # in chunks, to bound memory
        z = (grid[None, :] - samples[i : i + 256, None]) / bandwidth
        density += np.exp(-0.5 * z * z).sum(axis=0)
    return density / (samples.size * bandwidth * math.sqrt(2 * math.pi))


def _subsample(values: np.ndarray, limit: int, seed: int) -> np.ndarray:
    if values.size <= limit:
        return values
    rng = np.random.default_rng(seed)
    return values[np.sort(rng.choice(values.size, limit, replace=False))]


def overlap_area(
    generated_values: Sequence[float] | np.ndarray,
    reference_values: Sequence[float] | np.ndarray,
    bins: int = 512,
    *,
    max_samples: int = 2000,
    seed: int = 0,
) -> float:
    """Area shared by the estimated densities of two 1-D samples, 0–1 (symmetric).

    Each density is a Gaussian KDE with Scott's bandwidth. A sample without spread (one value,
    or all equal) borrows the other sample's bandwidth; when neither has spread, the result is 1
    if both hold the same value and 0 otherwise. NaN values are ignored.

    Args:
        generated_values, reference_values: one value per item (any unit).
        bins: least number of grid points for the numeric integral; the grid is refined (up to
            8 × ``bins``) so that the narrower kernel is resolved.
        max_samples: larger samples are randomly subsampled to this size (seeded) for speed.
        seed: seed of that subsampling.

    Returns:
        The overlap area, or ``nan`` when a sample has no finite value.
    """
    samples = []
    for values in (generated_values, reference_values):
        array = np.asarray(values, dtype=float).ravel()
        samples.append(_subsample(array[np.isfinite(array)], max_samples, seed))
    gen, ref = samples
    if gen.size == 0 or ref.size == 0:
        return math.nan
    widths = [_scott_bandwidth(sample) for sample in samples]
    if max(widths) <= 1e-12:  # two point masses
        return 1.0 if math.isclose(gen.mean(), ref.mean(), abs_tol=1e-12) else 0.0
    widths = [h if h > 1e-12 else max(widths) for h in widths]
    low = min(gen.min(), ref.min()) - 4 * max(widths)
    high = max(gen.max(), ref.max()) + 4 * max(widths)
    n_points = int(np.clip(math.ceil((high - low) / (min(widths) / 4)) + 1, bins, 8 * bins))
    grid = np.linspace(low, high, n_points)
    shared = np.minimum(_kde(gen, widths[0], grid), _kde(ref, widths[1], grid))
    area = (shared.sum() - (shared[0] + shared[-1]) / 2) * (grid[1] - grid[0])  # trapezoid rule
    return float(np.clip(area, 0.0, 1.0))


SCALAR_FEATURES: dict[str, Callable[[Melody], float]] = {
    "pitch_range": pitch_range,
    "average_interval": average_interval,
    "note_count": note_count,
}
"""Features compared by ``feature_overlaps`` as one number per melody."""

HISTOGRAM_FEATURES: dict[str, Callable[[Melody], np.ndarray]] = {
    # Each note counts once (key finding weighs them by duration instead).
    "pitch_class_histogram": partial(keyfinding.pitch_class_histogram, weighting="count"),
    "interval_histogram": interval_histogram,
    "ioi_histogram": ioi_histogram,
    "note_length_histogram": note_length_histogram,
}
"""Features compared by ``feature_overlaps`` through distances between melodies."""


def _pick(melodies: Sequence[Melody], limit: int, seed: int) -> list[Melody]:
    indices = _subsample(np.arange(len(melodies)), limit, seed)
    return [melodies[i] for i in indices]


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distance between every row of ``a`` and every row of ``b``."""
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=-1))


def nanmean(values: Sequence[float]) -> float:
    """The mean of the values that are not NaN (NaN when none is)."""
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan


def feature_overlaps(
    generated: Sequence[Melody],
    reference: Sequence[Melody],
    *,
    max_melodies: int = 200,
    seed: int = 0,
) -> dict[str, float]:
    """Overlap areas (0–1, higher = closer to the reference) per feature, plus their ``"mean"``.

    Scalar features (``SCALAR_FEATURES``) compare the two sets' values directly with
    ``overlap_area``. Histogram features (``HISTOGRAM_FEATURES``) follow Yang & Lerch's
    intra/inter-set method: the Euclidean distances between all pairs of reference melodies
    (intra-set) and between every generated and every reference melody (inter-set) form two
    samples, and the score is the overlap area of those.

    Args:
        generated, reference: lists of melodies (times in beats).
        max_melodies: each set is randomly subsampled to at most this many melodies (seeded).
        seed: seed of the subsampling.

    Returns:
        ``{feature name: overlap}`` and ``"mean"`` over the features that have a value (a
        feature is ``nan`` when it has no data, e.g. a histogram with one reference melody).
    """
    gen = _pick(generated, max_melodies, seed)
    ref = _pick(reference, max_melodies, seed)
    if not gen or not ref:
        raise InvalidInput("both the generated and the reference set need at least one melody")
    result = {}
    for name, scalar in SCALAR_FEATURES.items():
        result[name] = overlap_area([scalar(m) for m in gen], [scalar(m) for m in ref], seed=seed)
    for name, histogram in HISTOGRAM_FEATURES.items():
        gen_vectors = np.array([histogram(m) for m in gen])
        ref_vectors = np.array([histogram(m) for m in ref])
        intra = _distances(ref_vectors, ref_vectors)[np.triu_indices(len(ref), 1)]
        inter = _distances(gen_vectors, ref_vectors).ravel()
        result[name] = overlap_area(inter, intra, seed=seed)
    result["mean"] = nanmean(list(result.values()))
    return result


def summarize(
    melodies: Sequence[Melody],
    *,
    key: Key | None = None,
    chords: Sequence[Chord | None] | None = None,
    n_bars: int,
    beats_per_chord: float = 4.0,
    meter: str = "4/4",
) -> dict[str, float]:
    """Means over ``melodies`` (each ``n_bars`` bars of ``meter``) of the per-melody metrics, plus
    ``distinct_rate`` of the set.

    Keys: ``empty_bar_rate``, ``qualified_note_rate``, ``used_pitch_classes``, ``pitch_range``,
    ``average_interval``, ``note_count``, ``notes_per_bar``, ``self_similarity``,
    ``long_phrase_ends`` (``long_phrase_end_rate``), ``distinct_rate``; with ``key`` also
    ``in_scale_rate``, ``ends_on_tonic`` and ``middle_on_dominant``; with ``chords`` also
    ``chord_tone_rate`` (see ``chord_tone_rate_on_strong_beats``). A melody whose value is
    ``nan`` is left out of that mean; a metric with no value at all is ``nan``.
    """
    bar_beats(meter)  # check the meter once
    metrics: dict[str, Callable[[Melody], float]] = {
        "empty_bar_rate": lambda m: empty_bar_rate(m, n_bars, meter),
        "qualified_note_rate": qualified_note_rate,
        "used_pitch_classes": lambda m: used_pitch_classes_per_bar(m, n_bars, meter),
        "pitch_range": pitch_range,
        "average_interval": average_interval,
        "note_count": note_count,
        "notes_per_bar": lambda m: notes_per_bar(m, n_bars),
        "self_similarity": lambda m: self_similarity(m, n_bars, meter),
        "long_phrase_ends": lambda m: long_phrase_end_rate(m, n_bars, meter),
    }
    if key is not None:
        metrics["in_scale_rate"] = lambda m: in_scale_rate(m, key)
        metrics["ends_on_tonic"] = lambda m: ends_on_tonic(m, key)
        metrics["middle_on_dominant"] = lambda m: middle_on_dominant(m, key, n_bars, meter)
    if chords is not None:
        metrics["chord_tone_rate"] = lambda m: chord_tone_rate_on_strong_beats(
            m, chords, beats_per_chord, meter
        )
    result = {name: nanmean([float(f(m)) for m in melodies]) for name, f in metrics.items()}
    result["distinct_rate"] = distinct_rate(melodies)
    return result
