"""Style priors: what real tunes do, per meter and mode, to sample a new melody's defaults from.

Whatever a user leaves unset when generating (note density per phrase, chord progression,
range, phrase form, phrase-ending rhythms, a real tune's rhythmic feel and melodic intervals)
is drawn from these, so each variation differs as different real tunes do.
They are measured on the **training split** of a ``MelodyDataset`` (key-normalised to C major /
A minor) and shipped as a small JSON file, ``resources/models/style_priors.json``:

    python -m studio.generation.priors --data music21     # rebuild it from the cached data set

Units are data rows: a bar of 4/4, 3/4 or 6/8, or a pair of 2/4 bars; a *phrase* is
``PHRASE_UNITS`` units. Densities are onsets per sixteenth step (a rest's start counts, as in
``studio.generation.data.event_onsets``): the GAN's density condition. Pure numpy, no torch.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.forms import FORMS
from studio.core.model_files import record_model_file
from studio.core.music import TimeSignature
from studio.core.resources import MODELS
from studio.core.theory import CHORD_QUALITIES, Chord
from studio.generation.data import METERS, SPEC, SPLITS, UNIT_STEPS, MelodyDataset
from studio.generation.form import SECTION_UNITS, phrase_length, plan_form
from studio.generation.runs import RUN_LENGTHS, continuation_counts

PRIORS_VERSION = 1
PRIORS_PATH = MODELS / "style_priors.json"
"""The shipped style priors (written by ``python -m studio.generation.priors``)."""

MODES = ("major", "minor")
PHRASE_UNITS = 4
"""Units per phrase for densities, progressions and phrase ends (8 bars of 2/4)."""
FORM_WINDOWS = (4, 8, 16)
"""Window lengths (units) whose four phrases the forms are measured on (4: one-unit phrases, as
in an 8-bar 2/4 melody)."""
SAME_PHRASE = 0.7
"""Share of equal (pitch, onset) steps from which a phrase counts as a repeat of an earlier one:
a varied repeat that changes its last bar of four (or half its second bar of two) still counts,
two different phrases over the same rhythm rarely reach it (see the module's measurements)."""
CADENCE_WINDOWS = (4, 8, 16)
"""Window lengths (units) cadence rates are measured on (8 bars of 2/4 are 4 units)."""
BAR_REPEAT_PRIOR = 20
"""Pseudo-pairs at a meter's overall bar-repeat rate added to the pairs counted at one place
of a window (``StylePriors.bar_repeat_rate``): 3/4 has few pairs at each place of 16 units."""
MAX_PROGRESSIONS = 300
MAX_PROFILES = 300
PROGRESSION_LENGTHS = (2, 4)
MAX_ENDINGS = 400
"""Phrase-ending rhythms kept per style (the most frequent; they cover most phrase ends)."""
ENDING_FEEL = 0.5
"""How much a phrase-ending rhythm drawn for a variation leans to its tune's feel
(``StylePriors.ending``'s ``rhythm``): the likelihood of a pattern's onsets under the tune's
onset rate per step, raised to this power, weighs each pattern, and a per-pattern factor fitted
on the style's sampled tunes (``_calibrated``) keeps every pattern as common overall as in the
tunes. Drawn on their own, a third of the 4/4 endings (sixteenths in 39 % of them) went to
ideas whose feel has none (48 % of the 4/4 tunes play no sixteenth), and their cadence bars
held a stray sixteenth three times as often as the tunes' (0.24 a window at bar 4, the tunes
0.08). Chosen by how well it predicts the validation tunes' phrase ends from their other units
(mean log-probability of inner phrase ends, 4/4 major: unweighted −4.26; 0.3 −3.37, 0.5 −3.26,
1.0 −3.47; 2/4 −3.89 → −2.64, 6/8 −2.55 → −2.25; section ends 4/4 −4.35 → −3.85). Without the
fitted factor the likelihood alone shifted the mix (2/4 phrases held their last note half as
often)."""
ENDING_FIT_ROUNDS = 20
"""Rounds of iterative proportional fitting in ``_calibrated`` (off by under 1e-4 after 20)."""
MAX_RHYTHMS = 200
"""Tunes' feels (onset rate per step of a unit, and melodic interval counts) kept per style, a
seeded sample."""
MAX_INTERVAL = 12
"""Melodic intervals are counted from −12 to +12 semitones (wider ones as ±12)."""
_TONIC = (0, 9)  # tonic pitch class per mode in the normalised frame
_DOMINANT_ROOT = (7, 4)
_KEY_TONES = (frozenset({0, 2, 4, 5, 7, 9, 11}), frozenset({9, 11, 0, 2, 4, 5, 7, 8}))
"""Pitch classes a chord of the key may use per mode: C major; A minor, natural or with the
G♯ of its major dominant."""
_DOMINANT_TONES = (frozenset({7, 11, 2}), frozenset({4, 8, 11, 7}))  # V (and v in minor)
_INNER_LIST = re.compile(r"\[\s+([^\[\]{}]*?)\s+\]")  # a list holding no list or object
_ITEM_BREAK = re.compile(r",\n\s*")
_MINOR_MODES = {"minor", "natural_minor", "harmonic_minor", "melodic_minor", "dorian",
                "phrygian", "aeolian", "locrian", "minor_pentatonic", "blues"}  # fmt: skip


def window_units(meter: str, bars: int = 8) -> int:
    """Units in ``bars`` bars of ``meter`` (a 2/4 unit is two bars)."""
    return max(1, bars // 2) if meter == "2/4" else bars


def _meter(meter: str) -> str:
    meter = "4/4" if meter == "2/2" else meter
    if meter not in METERS:
        raise InvalidInput(f"meter {meter!r} is not one of {', '.join(METERS)}")
    return meter


def _mode(mode: str | int) -> str:
    """Major or minor, as "major" or "minor", from a mode name or index (0 major, 1 minor)."""
    if isinstance(mode, (int, np.integer)):
        if mode not in (0, 1):
            raise InvalidInput(f"mode index {mode} must be 0 (major) or 1 (minor)")
        return MODES[int(mode)]
    return "minor" if str(mode) in _MINOR_MODES else "major"


def _quality(root: int, tones: np.ndarray) -> str:
    """The ``CHORD_QUALITIES`` name of a chord given by root and 12 tone flags ("maj" if odd)."""
    intervals = tuple(sorted((pc - root) % 12 for pc in np.flatnonzero(tones)))
    for name, pattern in CHORD_QUALITIES.items():
        if tuple(sorted(pattern)) == intervals:
            return name
    return "maj"


# ------------------------------------------------------------------------ real tunes' features


@dataclass(frozen=True)
class TuneFeel:
    """What a variation takes from one real tune (``StylePriors.feel``): how its notes fall in
    a unit and how it moves, each with its style's mean to lean away from."""

    rhythm: np.ndarray  # (steps,) the tune's onset rate per step of a unit
    mean_rhythm: np.ndarray  # (steps,) the style's
    intervals: np.ndarray | None  # (25,) the tune's counts of intervals −12…+12 (None: unknown)
    mean_intervals: np.ndarray  # (25,) the style's interval probabilities


@dataclass
class _Tune:
    """One training tune's units, cut to its meter's steps."""

    meter: str
    mode: str
    pitch: np.ndarray  # (units, steps) pitch index
    onset: np.ndarray  # (units, steps) event onsets
    chords: list[str]  # chord name per unit
    roots: list[int]  # chord root per unit


def _tunes(data: MelodyDataset, split: str = "train") -> Iterator[_Tune]:
    rows = data.bars_in(split)
    if rows.size == 0:
        return
    starts = np.flatnonzero(np.diff(data.tune[rows], prepend=-1))
    for begin, end in zip(starts, [*starts[1:], rows.size], strict=True):
        tune_rows = rows[begin:end]
        meter = METERS[int(data.meter[data.tune[tune_rows[0]]])]
        steps = UNIT_STEPS[meter]
        chords = [Chord(int(root), _quality(int(root), tones)).name
                  for root, tones in zip(data.chord_root[tune_rows],
                                         data.chord_tones[tune_rows], strict=True)]  # fmt: skip
        yield _Tune(
            meter, MODES[int(data.mode[tune_rows[0]])],
            data.pitch[tune_rows, :steps].astype(np.int16),
            data.onset[tune_rows, :steps], chords, [int(r) for r in data.chord_root[tune_rows]],
        )  # fmt: skip


def _note_starts(pitch: np.ndarray, onset: np.ndarray) -> np.ndarray:
    """Steps (in the flattened window) where a note (not a rest) begins."""
    return np.flatnonzero(onset & (pitch != SPEC.rest_index))


def window_cadences(
    pitch: np.ndarray, onset: np.ndarray, chord_roots: Sequence[int], mode: str | int
) -> dict[str, float]:
    """Cadence features of one window of whole units, in the normalised frame (C major / A minor).

    Args:
        pitch: (units, steps) pitch indices (``SPEC``), rows cut to the meter's steps.
        onset: (units, steps) event onsets (a rest's start counts).
        chord_roots: the chord root of each unit.
        mode: "major"/"minor" or 0/1.

    Returns (nan where there is no note to judge): ``final_tonic`` 1.0 when the last note is the
    tonic; ``final_tonic_chord`` when the last unit's chord is on the tonic; ``middle_on_dominant``
    when the last note to start before the middle (unit ``units // 2``) is in the dominant triad
    (also v's seventh degree in minor, as ``studio.evaluation.metrics``);
    ``middle_on_dominant_chord`` when the chord of the unit before the middle is on V;
    ``phrase_end_long`` the share of phrase ends (every ``PHRASE_UNITS`` units, or the window's
    end if shorter) whose last note lasts ≥ 1 beat (4 steps) within the window.
    """
    index = MODES.index(_mode(mode))
    units, steps = pitch.shape
    flat_pitch, flat_onset = pitch.reshape(-1), onset.reshape(-1)
    starts = _note_starts(flat_pitch, flat_onset)
    events = np.flatnonzero(flat_onset)
    nan = math.nan

    def last_before(step: int) -> int | None:
        before = starts[starts < step]
        return int(before[-1]) if before.size else None

    def pc(step: int) -> int:
        return (int(flat_pitch[step]) + SPEC.low) % 12

    def length(step: int) -> int:
        after = events[events > step]
        return int(after[0] if after.size else units * steps) - step

    last = last_before(units * steps)
    middle = last_before(units // 2 * steps) if units >= 2 else None
    ends = range(PHRASE_UNITS, units + 1, PHRASE_UNITS) if units >= PHRASE_UNITS else [units]
    finals = [s for s in (last_before(end * steps) for end in ends) if s is not None]
    return {
        "final_tonic": nan if last is None else float(pc(last) == _TONIC[index]),
        "final_tonic_chord": float(int(chord_roots[-1]) == _TONIC[index]),
        "middle_on_dominant": nan
        if middle is None
        else float(pc(middle) in _DOMINANT_TONES[index]),
        "middle_on_dominant_chord": (
            nan if units < 2 else float(int(chord_roots[units // 2 - 1]) == _DOMINANT_ROOT[index])
        ),
        "phrase_end_long": (
            float(np.mean([length(s) >= SPEC.steps_per_beat for s in finals])) if finals else nan
        ),
    }


def ending_pattern(pitch: np.ndarray, onset: np.ndarray) -> str:
    """The rhythm of a phrase's last unit as text, one character per step: "x" a note starts,
    "r" a rest starts, "." the step holds (``pitch``/``onset``: the unit's steps, cut to its
    meter). "x...x...x...r..." is three quarter notes and a quarter rest in 4/4."""
    return "".join(
        ("r" if p == SPEC.rest_index else "x") if o else "."
        for p, o in zip(pitch, onset, strict=True)
    )


def phrase_similarity(a_pitch, a_onset, b_pitch, b_onset) -> float:
    """Share of steps where two equally long phrases have the same pitch and the same onset."""
    return float(np.mean((a_pitch == b_pitch) & (a_onset == b_onset)))


def form_labels(pitch: np.ndarray, onset: np.ndarray, threshold: float = SAME_PHRASE) -> str:
    """Label the four equal phrases of a window ("AABA"): each takes the letter of the first
    earlier phrase it matches (``phrase_similarity`` ≥ ``threshold``), else a new letter.

    ``pitch`` and ``onset`` are (units, steps) with units divisible by four."""
    quarters = np.split(pitch.reshape(-1), 4), np.split(onset.reshape(-1), 4)
    labels: list[str] = []
    for i in range(4):
        match = next((labels[j] for j in range(i)
                      if phrase_similarity(quarters[0][i], quarters[1][i], quarters[0][j],
                                           quarters[1][j]) >= threshold), None)  # fmt: skip
        labels.append(match or "ABCD"[len(set(labels))])
    return "".join(labels)


def _same_pairs(form: str) -> set[tuple[int, int]]:
    letters = "ABCD" if form == "through" else form
    return {(i, j) for i in range(4) for j in range(i + 1, 4) if letters[i] == letters[j]}


def nearest_form(labels: str) -> str:
    """The one of ``FORMS`` whose phrase-repeat pairs differ least from ``labels``' ("AAAA" →
    "AABA", "ABCA" → "through"); ties go to the earlier one in ``FORMS``."""
    pairs = _same_pairs(labels)
    return min(FORMS, key=lambda form: len(pairs ^ _same_pairs(form)))


def _windows(tune: _Tune, length: int) -> Iterator[tuple[np.ndarray, np.ndarray, list[int]]]:
    """Non-overlapping windows of ``length`` units from the tune's first unit (whole ones):
    pitch, onsets and chord roots."""
    for begin in range(0, len(tune.pitch) - length + 1, length):
        cut = slice(begin, begin + length)
        yield tune.pitch[cut], tune.onset[cut], tune.roots[cut]


def _root(name: str) -> int:
    return Chord.parse(name).root


def _quantiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    q = np.quantile(np.asarray(values, dtype=float), [0.25, 0.5, 0.75])
    return {"mean": float(np.mean(values)), "q25": float(q[0]), "median": float(q[1]),
            "q75": float(q[2]), "n": len(values)}  # fmt: skip


def _top(counter: Counter, limit: int) -> list[list]:
    """The ``limit`` most frequent items as [item, count], ties by item (deterministic)."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return [[item, count] for item, count in ranked[:limit]]


def _style_priors(tunes: list[_Tune], mode: str) -> dict:
    rng = np.random.default_rng(0)  # subsampling of the density profiles only
    phrase_densities, tune_densities, profiles = [], [], []
    progressions = {length: Counter() for length in PROGRESSION_LENGTHS}
    ranges: Counter = Counter()
    intervals = np.zeros(2 * MAX_INTERVAL + 1)
    degree_intervals = np.zeros((12, 2 * MAX_INTERVAL + 1), dtype=np.int64)
    interval_pairs = np.zeros((2 * MAX_INTERVAL + 1, 2 * MAX_INTERVAL + 1), dtype=np.int64)
    runs = np.zeros((2, RUN_LENGTHS), dtype=np.int64)  # stepwise runs going on, and all
    cadences = {length: [] for length in CADENCE_WINDOWS}
    endings: Counter = Counter()  # phrase ends inside a section
    section_endings: Counter = Counter()
    mid_endings: Counter = Counter()  # units half-way through a phrase
    openings = np.zeros(12, dtype=np.int64)  # the first note's pitch class of each window
    final_octaves: Counter = Counter()  # windows closing on the tonic: its octave (_final_octave)
    rhythms, tune_intervals = [], []
    rest_starts = np.zeros(tunes[0].onset.shape[1], dtype=np.int64)  # per step of a unit
    range_units = window_units(tunes[0].meter)
    for tune in tunes:
        tune_densities.append(float(tune.onset.mean()))
        rhythms.append(tune.onset.mean(axis=0))
        rest_starts += (tune.onset & (tune.pitch == SPEC.rest_index)).sum(axis=0)
        n_phrases = max(1, len(tune.onset) // PHRASE_UNITS)
        densities = [float(tune.onset[p * PHRASE_UNITS:(p + 1) * PHRASE_UNITS].mean())
                     for p in range(n_phrases)]  # fmt: skip
        phrase_densities.extend(densities)
        # runs of four phrases (a 16-unit window); a shorter tune gives its whole run
        profiles.extend(
            [densities[i : i + 4] for i in range(0, len(densities) - 3, 4)] or [densities]
        )
        pitches = tune.pitch.reshape(-1)[_note_starts(tune.pitch.reshape(-1),
                                                      tune.onset.reshape(-1))]  # fmt: skip
        steps = np.clip(np.diff(pitches.astype(int)), -MAX_INTERVAL, MAX_INTERVAL)
        tune_intervals.append(np.bincount(steps + MAX_INTERVAL, minlength=intervals.size))
        intervals += tune_intervals[-1]
        np.add.at(degree_intervals, ((SPEC.low + pitches[:-1]) % 12, steps + MAX_INTERVAL), 1)
        np.add.at(interval_pairs, (steps[:-1] + MAX_INTERVAL, steps[1:] + MAX_INTERVAL), 1)
        runs += continuation_counts(pitches)
        for length in PROGRESSION_LENGTHS:
            for begin in range(0, len(tune.chords) - length + 1, length):
                progressions[length][" ".join(tune.chords[begin : begin + length])] += 1
        windows = list(_windows(tune, range_units)) or [(tune.pitch, tune.onset, tune.roots)]
        for pitch, onset, _ in windows:
            sounding = pitch[pitch != SPEC.rest_index] + SPEC.low
            if sounding.size:
                ranges[f"{int(sounding.min())}-{int(sounding.max())}"] += 1
            starts = _note_starts(pitch.reshape(-1), onset.reshape(-1))
            if starts.size:
                openings[(int(pitch.reshape(-1)[starts[0]]) + SPEC.low) % 12] += 1
            octave = _final_octave(pitch.reshape(-1)[starts], _TONIC[MODES.index(mode)])
            if octave is not None:
                final_octaves[str(octave)] += 1
        for length in CADENCE_WINDOWS:
            for pitch, onset, roots in _windows(tune, length):
                cadences[length].append(window_cadences(pitch, onset, roots, mode))
        # A tune's last unit closes the tune, a section end whatever its place: its rhythm
        # (a final note, and in 71 % of them a rest filling the bar a pick-up began) is no
        # phrase end inside a section, nor a unit half-way through a phrase.
        for end in range(PHRASE_UNITS, len(tune.pitch) + 1, PHRASE_UNITS):
            if end % SECTION_UNITS == 0 or end == len(tune.pitch):
                table = section_endings
            else:
                table = endings
            table[ending_pattern(tune.pitch[end - 1], tune.onset[end - 1])] += 1
        for end in range(PHRASE_UNITS // 2, len(tune.pitch), PHRASE_UNITS):
            mid_endings[ending_pattern(tune.pitch[end - 1], tune.onset[end - 1])] += 1
    if len(profiles) > MAX_PROFILES:
        keep = np.sort(rng.choice(len(profiles), MAX_PROFILES, replace=False))
        profiles = [profiles[i] for i in keep]
    mean_rhythm = np.mean(rhythms, axis=0)
    if len(rhythms) > MAX_RHYTHMS:  # the same tunes' rhythms and intervals
        keep = np.sort(rng.choice(len(rhythms), MAX_RHYTHMS, replace=False))
        rhythms, tune_intervals = [rhythms[i] for i in keep], [tune_intervals[i] for i in keep]
    return {
        "density": {
            "profiles": [[round(d, 3) for d in p] for p in profiles],
            "tunes": _rounded(_quantiles(tune_densities)),
            "phrases": _rounded(_quantiles(phrase_densities)),
        },
        "progressions": {str(n): _top(c, MAX_PROGRESSIONS) for n, c in progressions.items()},
        "ranges": dict(sorted(ranges.items())),
        "intervals": [
            round(float(v), 5) for v in (intervals + 1) / (intervals.sum() + intervals.size)
        ],
        "degree_intervals": [[int(v) for v in row] for row in degree_intervals],
        "interval_pairs": [[int(v) for v in row] for row in interval_pairs],
        "runs": [[int(v) for v in row] for row in runs],
        "cadences": {str(n): _rates(rows) for n, rows in cadences.items() if rows},
        "endings": dict(_top(endings, MAX_ENDINGS)),
        "section_endings": dict(_top(section_endings, MAX_ENDINGS)),
        "mid_endings": dict(_top(mid_endings, MAX_ENDINGS)),
        "openings": [int(v) for v in openings],
        "final_octaves": dict(sorted(final_octaves.items())),
        "rhythms": {
            "mean": [round(float(v), 3) for v in mean_rhythm],
            "tunes": [[round(float(v), 2) for v in r] for r in rhythms],
            "intervals": [[int(v) for v in counts] for counts in tune_intervals],
        },
        "rests": {
            "starts": [int(v) for v in rest_starts],
            "units": int(sum(len(t.onset) for t in tunes)),
        },
        "tunes": len(tunes),
    }


def _final_octave(notes: np.ndarray, tonic: int) -> int | None:
    """For a window's note pitch indices (in order) whose last note is the ``tonic`` (pitch
    class in the frame): which tonic it is, counted from the lowest tonic at or above the
    lowest note before it (0), one octave up (1, 2) or below that note (−1); None for a window
    of fewer than two notes or that closes elsewhere. Tunes close low: 8-bar 4/4 windows that
    end on the tonic end on tonic 0 in about 80 % of them (the network alone, about half)."""
    if notes.size < 2 or (int(notes[-1]) + SPEC.low) % 12 != tonic:
        return None
    return int(np.clip((int(notes[-1]) - int(notes[:-1].min())) // 12, -1, 2))


def _rates(rows: list[dict[str, float]]) -> dict[str, float]:
    rates: dict[str, float] = {"windows": len(rows)}
    for name in rows[0]:
        values = [r[name] for r in rows if not math.isnan(r[name])]
        if values:
            rates[name] = round(float(np.mean(values)), 4)
    return rates


def _rounded(stats: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in stats.items()}


def _form_counts(tunes: list[_Tune]) -> dict:
    """Per meter and window length: raw label counts and counts mapped onto ``FORMS``."""
    forms: dict = {}
    for meter in METERS:
        of_meter = [t for t in tunes if t.meter == meter]
        forms[meter] = {}
        for length in FORM_WINDOWS:
            raw = Counter(form_labels(pitch, onset) for t in of_meter
                          for pitch, onset, _ in _windows(t, length))  # fmt: skip
            mapped = Counter()
            for labels, count in raw.items():
                mapped[nearest_form(labels)] += count
            if raw:
                forms[meter][str(length)] = {"raw": dict(sorted(raw.items())),
                                             "forms": dict(sorted(mapped.items()))}  # fmt: skip
    return forms


def _same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether two (pitch, onset) stretches count as the same music (``SAME_PHRASE``)."""
    return phrase_similarity(a[0], a[1], b[0], b[1]) >= SAME_PHRASE


def _bar_repeats(tunes: list[_Tune]) -> dict:
    """Per meter: how often a unit of an 8-unit window takes the notes of the unit two before
    (a phrase earlier) when both have the same chord root and their phrases are not a repeat of
    each other (``form_labels``): pairs counted, and the share that match (``SAME_PHRASE``).

    ``by_unit`` counts the same per window length (``FORM_WINDOWS``) and place in the window,
    a phrase being ``phrase_length`` units there, for every unit a plan of that length may
    repeat (not a cadence unit, not in the first phrase): [pairs, repeats]. Tunes repeat a
    bar early in a strain far more than late (8-bar 4/4 windows: bar 3 is bar 1 again in
    46 % of such pairs, bar 6 bar 4 in 4 %)."""
    result = {}
    for meter in METERS:
        pairs = repeats = 0
        by_unit: dict[str, dict[str, list[int]]] = {}
        of_meter = [t for t in tunes if t.meter == meter]
        for length in FORM_WINDOWS:
            size = phrase_length(length)
            plan = plan_form("through", length)
            places = [u for u in range(size, length) if plan.cadence_of(u) is None]
            counts = {u: [0, 0] for u in places}
            for tune in of_meter:
                for pitch, onset, roots in _windows(tune, length):
                    labels = form_labels(pitch, onset)
                    for unit in places:
                        earlier = unit - size
                        if labels[unit // size] == labels[earlier // size]:
                            continue
                        if roots[unit] != roots[earlier]:
                            continue
                        same = _same((pitch[unit], onset[unit]), (pitch[earlier], onset[earlier]))
                        counts[unit][0] += 1
                        counts[unit][1] += same
                        if length == 8:
                            pairs, repeats = pairs + 1, repeats + same
            if any(n for n, _ in counts.values()):
                by_unit[str(length)] = {str(u): c for u, c in counts.items()}
        if pairs:
            result[meter] = {"pairs": pairs, "rate": round(repeats / pairs, 4), "by_unit": by_unit}
    return result


def _first_bar_repeats(tunes: list[_Tune]) -> dict:
    """Per meter whose unit holds two bars (2/4): in 4-unit windows (eight bars), how often the
    first bar of a unit that closes a phrase (units 1 and 3: bars 3–4 and 7–8) repeats
    (``SAME_PHRASE`` of its steps) the first bar of the unit before (``previous``: bar 3 is bar
    1 again, or bar 7 bar 5) or, for unit 3, of unit 1 (``parallel``: bar 7 is bar 3 again);
    windows counted, and the share of units that repeat."""
    result = {}
    for meter in METERS:
        steps = UNIT_STEPS[meter]
        bar = round(TimeSignature.parse(meter).beats_per_bar * SPEC.steps_per_beat)
        if bar >= steps:
            continue
        windows = previous = parallel = 0
        for tune in (t for t in tunes if t.meter == meter):
            for pitch, onset, _ in _windows(tune, 4):
                windows += 1
                first = [(pitch[unit, :bar], onset[unit, :bar]) for unit in range(4)]
                previous += _same(first[1], first[0]) + _same(first[3], first[2])
                parallel += _same(first[3], first[1])
        if windows:
            result[meter] = {
                "windows": windows,
                "previous": round(previous / (2 * windows), 4),
                "parallel": round(parallel / windows, 4),
            }
    return result


def _repeat_departures(tunes: list[_Tune]) -> dict:
    """Per meter: where a returning phrase departs from its first statement. In windows of
    eight bars (``window_units``), the phrase of the second half returns to the first when a
    unit starts as the unit half a window before it: its first half has the same pitches and
    onsets, with a note starting there. Counted for the last unit of the returning phrase
    (``last``: it runs on into the phrase that answers) and the ones before it (``inner``;
    a 2/4 phrase of two bars is one unit, its last): the returns, and per step of the unit's
    second half how many depart there (the first step that differs); the other returns
    repeat whole."""
    result = {}
    for meter in METERS:
        units = window_units(meter)
        size = phrase_length(units)
        half, steps = units // 2, UNIT_STEPS[meter]
        counts = {"inner": [0, Counter()], "last": [0, Counter()]}
        for tune in (t for t in tunes if t.meter == meter):
            for pitch, onset, _ in _windows(tune, units):
                for unit in range(half, min(half + size, units - 1)):
                    earlier = unit - half
                    same = (pitch[unit] == pitch[earlier]) & (onset[unit] == onset[earlier])
                    opening = slice(0, steps // 2)
                    starts = onset[unit, opening] & (pitch[unit, opening] != SPEC.rest_index)
                    if not same[opening].all() or not starts.any():
                        continue
                    kind = counts["last" if unit == half + size - 1 else "inner"]
                    kind[0] += 1
                    if not same.all():
                        kind[1][int(np.argmin(same))] += 1
        result[meter] = {
            kind: {"returns": returns, "departures": {str(k): v for k, v in sorted(at.items())}}
            for kind, (returns, at) in counts.items()
            if returns
        }
    return result


def compute_priors(data: MelodyDataset, description: str = "") -> StylePriors:
    """Measure the style priors on the training split of ``data``."""
    tunes = list(_tunes(data, "train"))
    if not tunes:
        raise InvalidInput("the data set has no training tunes to learn style priors from")
    styles = {}
    for meter in METERS:
        for mode in MODES:
            group = [t for t in tunes if t.meter == meter and t.mode == mode]
            if group:
                styles[f"{meter} {mode}"] = _style_priors(group, mode)
    train = data.split == SPLITS["train"]
    tunes_per_meter = {m: int(np.sum(train & (data.meter == i))) for i, m in enumerate(METERS)}
    return StylePriors({
        "version": PRIORS_VERSION,
        "data": {"description": description, "tunes": int(data.n_tunes),
                 "train_tunes": int(train.sum()), "train_tunes_per_meter": tunes_per_meter,
                 "train_units": int(data.bars_in("train").size)},
        "phrase_units": PHRASE_UNITS,
        "same_phrase": SAME_PHRASE,
        "forms": _form_counts(tunes),
        "bar_repeats": _bar_repeats(tunes),
        "first_bar_repeats": _first_bar_repeats(tunes),
        "repeat_departures": _repeat_departures(tunes),
        "styles": styles,
    })  # fmt: skip


# ------------------------------------------------------------------------------- the priors


@functools.lru_cache(maxsize=4096)
def _parse_chord(name: str) -> Chord:
    """``Chord.parse``, remembered: the same few dozen names come back all the time."""
    return Chord.parse(name)


def _draw(rng: np.random.Generator, weights: np.ndarray) -> int:
    """An index drawn with probability proportional to ``weights``: as ``rng.choice`` with
    ``p`` draws it (one uniform against the cumulative weights), without its checks' cost."""
    return _pick(rng, np.cumsum(weights))


def _pick(rng: np.random.Generator, cumulative: np.ndarray) -> int:
    """``_draw`` from weights already summed up (``np.cumsum``)."""
    return int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))


def _weighted(rng: np.random.Generator, items: Sequence, counts: Sequence[float]):
    return items[_draw(rng, np.asarray(counts, dtype=float))]


def _feel_likelihood(starts: np.ndarray, rhythm: np.ndarray) -> np.ndarray:
    """``ENDING_FEEL`` times the log-likelihood of each pattern's onsets (``starts``: patterns
    × steps, 1 where a note or rest starts) under onset rates per step (``rhythm``: one tune,
    or tunes × steps)."""
    rate = np.clip(rhythm[..., : starts.shape[1]], 0.03, 0.97)
    return ENDING_FEEL * (np.log(rate) @ starts.T + np.log(1 - rate) @ (1 - starts).T)


def _calibrated(log_counts: np.ndarray, starts: np.ndarray, tunes: list | None) -> np.ndarray:
    """Log-weights of the ending patterns that, with ``_feel_likelihood`` added for a tune's
    rhythm, give each pattern its share of ``log_counts`` on average over ``tunes`` (the
    style's sampled rhythms), by iterative proportional fitting; ``log_counts`` unchanged
    without tunes."""
    if not tunes:
        return log_counts
    likelihood = _feel_likelihood(starts, np.asarray(tunes, dtype=float))  # tunes × patterns
    target = np.exp(log_counts - log_counts.max())
    target /= target.sum()
    weights = log_counts.copy()
    for _ in range(ENDING_FIT_ROUNDS):
        scores = weights + likelihood
        chance = np.exp(scores - scores.max(axis=1, keepdims=True))
        chance /= chance.sum(axis=1, keepdims=True)
        weights += np.log(target / chance.mean(axis=0))
    return weights


class StylePriors:
    """Loaded style priors with seeded samplers (every method takes a ``numpy.random.Generator``).

    ``mode`` is "major"/"minor" (any minor-like mode name counts as minor) or 0/1; ``meter``
    one of ``METERS`` ("2/2" = "4/4"). A (meter, mode) the data lacks falls back to the same
    meter's other mode, then to a meter of the same unit length, then to 4/4.
    """

    def __init__(self, content: dict) -> None:
        if content.get("version") != PRIORS_VERSION:
            raise ValueError(f"style priors version {content.get('version')} is not "
                             f"{PRIORS_VERSION}; rebuild them")  # fmt: skip
        self.content = content
        self._tables: dict = {}  # tables parsed once (``_parsed``, ``_choices``, ``ending``)
        self._last_feel: dict = {}  # per ending table: the last feel and its cumulative weights

    @property
    def description(self) -> str:
        """The data set the priors were measured on."""
        return self.content["data"]["description"]

    def _style(self, meter: str, mode: str | int) -> dict:
        meter, mode = _meter(meter), _mode(mode)
        other = MODES[1 - MODES.index(mode)]
        alike = {"4/4": "2/4", "2/4": "4/4", "3/4": "6/8", "6/8": "3/4"}[meter]
        styles = self.content["styles"]
        for name in (f"{meter} {mode}", f"{meter} {other}", f"{alike} {mode}", f"{alike} {other}",
                     f"4/4 {mode}", f"4/4 {other}"):  # fmt: skip
            if name in styles:
                return styles[name]
        raise KeyError(f"no style priors for {meter} {mode}")

    def density(
        self, meter: str, mode: str | int, rng: np.random.Generator, phrases: int,
        *, jitter: float = 0.02,
    ) -> list[float]:  # fmt: skip
        """Onset density (onsets per sixteenth step) for each of ``phrases`` phrases of a new
        tune: a real tune's run of phrase densities (repeated if it is shorter), each moved by
        Gaussian noise of ``jitter`` and kept within 1/16–1."""
        profiles = self._style(meter, mode)["density"]["profiles"]
        profile = profiles[int(rng.integers(len(profiles)))]
        start = int(rng.integers(max(1, len(profile) - phrases + 1)))
        values = [profile[(start + i) % len(profile)] for i in range(max(0, phrases))]
        noisy = np.asarray(values) + jitter * rng.standard_normal(len(values))
        return [round(float(v), 4) for v in np.clip(noisy, 1 / 16, 1.0)]

    def progression(
        self,
        meter: str,
        mode: str | int,
        units: int,
        rng: np.random.Generator,
        phrase_units: int = PHRASE_UNITS,
        cadences: bool = True,
    ) -> list[tuple[int, str]]:
        """A chord (root pitch class, ``Chord`` quality) per unit, in C major / A minor.

        Each phrase of ``phrase_units`` units is a real phrase progression (weighted by how
        often it occurs). With ``cadences`` the last phrase ends on the tonic chord, and the
        phrase ending at the middle ends on V at the rate the data does (else off V).
        """
        if units <= 0:
            return []
        style, index = self._style(meter, mode), MODES.index(_mode(mode))
        phrase_units = max(1, int(phrase_units))
        rates = self.cadence_rates(meter, mode, units)
        n_phrases = math.ceil(units / phrase_units)
        middle = units // 2 if units % 2 == 0 and (units // 2) % phrase_units == 0 else None
        chords: list[str] = []
        for phrase in range(n_phrases):
            length = min(phrase_units, units - phrase * phrase_units)
            end = None
            if cadences and phrase == n_phrases - 1:
                end = "tonic"
            elif cadences and middle is not None and (phrase + 1) * phrase_units == middle:
                on_v = rng.random() < rates.get("middle_on_dominant_chord", 0.0)
                end = "dominant" if on_v else "not dominant"
            chords.extend(self._phrase(style, index, length, rng, end, first=phrase == 0))
        return [(c.root, c.quality) for c in map(_parse_chord, chords)]

    def _phrase(
        self, style: dict, index: int, length: int, rng, end: str | None, first: bool = False
    ) -> list[str]:
        """``length`` chord names from real phrase progressions; the last one meets ``end``,
        and the tune's ``first`` phrase opens on the tonic chord."""
        stored = sorted(int(n) for n in style["progressions"])
        base = max([n for n in stored if n <= length], default=stored[0])
        table = style["progressions"][str(base)]
        pieces = math.ceil(length / base)
        chords: list[str] = []
        for piece in range(pieces):
            wanted = end if piece == pieces - 1 else None
            chords.extend(self._one(table, index, rng, wanted, first and piece == 0))
        return chords[-length:]

    def _one(
        self, table: list, index: int, rng, end: str | None, opening: bool = False
    ) -> list[str]:
        """One real phrase progression from ``table`` (weighted by its count) whose last chord
        meets ``end`` ("tonic", "dominant", "not dominant" or None), made of chords of the key
        (the folk tunes' estimated chords include some that are not), opening on the tonic
        chord when ``opening``."""
        names, cumulative, fits = self._choices(table, index, end, opening)
        chosen = _pick(rng, cumulative)
        picked = list(names[chosen])
        if not fits[chosen]:  # no real phrase ends so: close it on the chord asked for
            if end == "dominant":
                picked[-1] = Chord(_DOMINANT_ROOT[index], "maj").name
            else:  # the tonic, also when no real phrase avoids ending on V
                picked[-1] = Chord(_TONIC[index], "min" if index else "maj").name
        return picked

    def _choices(self, table: list, index: int, end: str | None, opening: bool) -> tuple:
        """For ``_one``: (chord names, cumulative weights to draw from, whether each meets
        ``end``), worked out once per (table, mode, end, opening)."""
        key = (id(table), index, end, opening)
        cached = self._tables.get(key)
        if cached is None:
            names, counts, roots, firsts, in_key = self._parsed(table, index)
            counts = counts * in_key if in_key.any() else counts
            if opening and (counts * (firsts == _TONIC[index])).any():
                counts = counts * (firsts == _TONIC[index])
            if end == "tonic":
                fits = roots == _TONIC[index]
            elif end == "dominant":
                fits = roots == _DOMINANT_ROOT[index]
            elif end == "not dominant":
                fits = roots != _DOMINANT_ROOT[index]
            else:
                fits = np.ones(len(roots), dtype=bool)
            weights = counts * fits if (counts * fits).any() else counts
            cached = self._tables[key] = (names, np.cumsum(weights), fits)
        return cached

    def _parsed(self, table: list, index: int) -> tuple:
        """A progression table of mode ``index`` as (chord names, counts, root of the last
        chord, root of the first, whether every chord is of the key), parsed once."""
        cached = self._tables.get(id(table))
        if cached is None:
            names = [progression.split() for progression, _ in table]
            counts = np.array([count for _, count in table], dtype=float)
            roots = np.array([_root(chords[-1]) for chords in names])
            firsts = np.array([_root(chords[0]) for chords in names])
            scale = _KEY_TONES[index]
            in_key = np.array([all(_parse_chord(c).tones <= scale for c in chords)
                               for chords in names])  # fmt: skip
            cached = self._tables[id(table)] = (names, counts, roots, firsts, in_key)
        return cached

    def interval_log_weights(self, meter: str, mode: str | int) -> np.ndarray:
        """Log-probabilities of the melodic intervals −12…+12 semitones between consecutive
        notes of real tunes (add-one smoothed; ``MAX_INTERVAL`` + k is the interval k)."""
        return np.log(np.asarray(self._style(meter, mode)["intervals"], dtype=float))

    def degree_interval_counts(self, meter: str, mode: str | int) -> np.ndarray | None:
        """(12, 25) counts of real tunes' melodic intervals by the pitch class of the note they
        leave: row = pitch class in the normalised frame (C major / A minor), column
        ``MAX_INTERVAL`` + k = the interval k (−12…+12 semitones, wider ones clipped); None in
        priors built before they were counted."""
        counts = self._style(meter, mode).get("degree_intervals")
        return None if counts is None else np.asarray(counts, dtype=float)

    def opening_counts(self, meter: str, mode: str | int) -> np.ndarray | None:
        """(12,) how often the style's 8-bar windows open on each pitch class (C major / A
        minor); None when the priors hold none (older files)."""
        counts = self._style(meter, mode).get("openings")
        return None if counts is None else np.asarray(counts, dtype=float)

    def interval_pair_counts(self, meter: str, mode: str | int) -> np.ndarray | None:
        """(25, 25) counts of real tunes' consecutive melodic intervals: row ``MAX_INTERVAL``
        + j = the interval j into a note, column ``MAX_INTERVAL`` + k = the interval k on from
        it (−12…+12 semitones, wider ones clipped); None in priors built before they were
        counted."""
        counts = self._style(meter, mode).get("interval_pairs")
        return None if counts is None else np.asarray(counts, dtype=float)

    def run_counts(self, meter: str, mode: str | int) -> np.ndarray | None:
        """(2, ``runs.RUN_LENGTHS``) the real tunes' stepwise runs of 2, 3, 4, 5+ steps: how
        often the next move went on with the run (row 0) and how often a move followed one
        (row 1); None in priors built before they were counted."""
        counts = self._style(meter, mode).get("runs")
        return None if counts is None else np.asarray(counts, dtype=float)

    def pitch_range(self, meter: str, mode: str | int, rng: np.random.Generator) -> tuple[int, int]:
        """(lowest, highest) MIDI pitch of a real 8-bar window, in the normalised frame."""
        ranges = self._style(meter, mode)["ranges"]
        low, high = _weighted(rng, list(ranges), list(ranges.values())).split("-")
        return int(low), int(high)

    def final_octave(self, meter: str, mode: str | int, rng: np.random.Generator) -> int | None:
        """Which tonic a melody closes on, drawn as real 8-bar windows close (``_final_octave``:
        0 the lowest at or above the lowest note before it, 1 an octave higher, −1 below that
        note); None in priors without the measurement."""
        counts = self._style(meter, mode).get("final_octaves")
        if not counts:
            return None
        return int(_weighted(rng, list(counts), list(counts.values())))

    def form(self, units: int, rng: np.random.Generator, meter: str = "4/4") -> str:
        """A phrase form for a melody of ``units`` units: the pattern of a real window of the
        nearest measured length (4, 8 or 16 units) as ``form_labels`` reads it ("AABC"), at
        the rate the tunes show it; "ABCD" is "through". Until 2026-12-02 each pattern was
        mapped to the nearest of ``FORMS`` first, which made the tunes' common "AABC" (a
        phrase stated twice, then new ones) an "AABB" that repeats again in its second half."""
        meter = _meter(meter)
        by_length = self.content["forms"].get(meter) or self.content["forms"]["4/4"]
        lengths = sorted(int(n) for n in by_length)
        nearest = min(lengths, key=lambda n: (abs(n - units), -n))
        counts = by_length[str(nearest)]["raw"]
        form = _weighted(rng, sorted(counts), [counts[f] for f in sorted(counts)])
        return "through" if form == "ABCD" else form

    def bar_repeat_rate(
        self, meter: str, units: int | None = None, unit: int | None = None
    ) -> float | None:
        """How often a real unit takes the notes of the unit a phrase earlier when both have the
        same chord (and their phrases as a whole differ); None in priors without it. Given a
        melody's ``units`` and a ``unit`` of it, the rate at that place in windows of that
        length where the priors measured it (``BAR_REPEAT_PRIOR`` pseudo-pairs of the meter's
        overall rate added), else the overall rate."""
        measured = self.content.get("bar_repeats", {}).get(_meter(meter))
        if measured is None:
            return None
        rate = float(measured["rate"])
        if units is None or unit is None:
            return rate
        pairs, repeats = measured.get("by_unit", {}).get(str(units), {}).get(str(unit), (0, 0))
        return (repeats + BAR_REPEAT_PRIOR * rate) / (pairs + BAR_REPEAT_PRIOR)

    def first_bar_repeat_rates(self, meter: str) -> tuple[float, float] | None:
        """For a meter whose unit holds two bars: how often a phrase-closing unit's first bar
        repeats the first bar of the unit before, and of the unit two before (``parallel``);
        None for other meters and in priors without it."""
        measured = self.content.get("first_bar_repeats", {}).get(_meter(meter))
        if measured is None:
            return None
        return float(measured["previous"]), float(measured["parallel"])

    def repeat_departure(self, meter: str, last: bool, rng: np.random.Generator) -> int | None:
        """Where a unit of a returning phrase departs from its first statement, drawn as real
        phrases depart (``last``: the last unit the phrase repeats, else one before it; a
        meter measured for only one of them uses it for both): the step of the unit's
        second half from which it is new, or None: it repeats whole. The priors must have
        measured the meter (``measures_repeat_departures``)."""
        measured = self.content.get("repeat_departures", {}).get(_meter(meter), {})
        kinds = ("last", "inner") if last else ("inner", "last")
        counts = measured.get(kinds[0]) or measured[kinds[1]]
        returns, departures = counts["returns"], counts["departures"]
        steps = sorted(departures, key=int)
        weights = [returns - sum(departures.values())] + [departures[k] for k in steps]
        drawn = _weighted(rng, [None, *steps], weights)
        return None if drawn is None else int(drawn)

    def measures_repeat_departures(self, meter: str) -> bool:
        """Whether these priors measured ``repeat_departure`` for ``meter``."""
        return bool(self.content.get("repeat_departures", {}).get(_meter(meter)))

    def cadence_rates(self, meter: str, mode: str | int, units: int | None = None) -> dict:
        """Cadence rates of real windows of ``units`` units (nearest measured; default 8 bars of
        the meter): see ``window_cadences`` for the names; ``windows`` counts the windows."""
        meter = _meter(meter)
        cadences = self._style(meter, mode)["cadences"]
        units = window_units(meter) if units is None else units
        nearest = min((int(n) for n in cadences), key=lambda n: (abs(n - units), -n))
        return dict(cadences[str(nearest)])

    def ending(
        self,
        meter: str,
        mode: str | int,
        rng: np.random.Generator,
        section: bool = False,
        *,
        mid_phrase: bool = False,
        rhythm: np.ndarray | None = None,
    ) -> str | None:
        """A phrase-ending rhythm (``ending_pattern`` text, the meter's steps long) sampled from
        the last units of real phrases: of phrases that close a section (``SECTION_UNITS``)
        with ``section``, else of phrases inside one. ``mid_phrase`` (for a cadence off the
        grid of ``PHRASE_UNITS``, such as the half cadence of eight 2/4 bars, which falls on
        bar 4): of the units half-way through real phrases, where tunes mostly run on. With
        ``rhythm`` (a tune's onset rate per step, as ``feel`` gives it), rhythms that tune
        would play are likelier (``ENDING_FEEL``). A file without the section or mid-phrase
        table gives the phrase endings instead; None when the priors hold no endings (older
        files)."""
        style = self._style(meter, mode)
        endings = (
            (section and style.get("section_endings"))
            or (mid_phrase and style.get("mid_endings"))
            or style.get("endings")
        )
        if not endings:
            return None
        key = id(endings)
        if key not in self._tables:  # sorted once: the draws depend on the order
            patterns = sorted(endings)
            counts = np.array([endings[p] for p in patterns], dtype=float)
            starts = np.array([[c != "." for c in p] for p in patterns], dtype=float)
            tunes = (style.get("rhythms") or {}).get("tunes")
            log_weights = _calibrated(np.log(counts), starts, tunes)
            self._tables[key] = (patterns, np.cumsum(counts), log_weights, starts)
        patterns, cumulative, log_weights, starts = self._tables[key]
        if rhythm is None:
            return patterns[_pick(rng, cumulative)]
        rhythm = np.asarray(rhythm, dtype=float)
        feel = rhythm.tobytes()  # a tune's phrases end with the same feel: kept for the next
        last_feel, cumulative = self._last_feel.get(key, (None, None))
        if last_feel != feel:
            weights = log_weights + _feel_likelihood(starts, rhythm)
            cumulative = np.cumsum(np.exp(weights - weights.max()))
            self._last_feel[key] = (feel, cumulative)
        return patterns[_pick(rng, cumulative)]

    def mean_rhythm(self, meter: str, mode: str | int) -> np.ndarray | None:
        """The style's onset rate per step of a unit (the mean of its sampled tunes' rhythm
        profiles, as ``feel`` gives it); None when the priors hold none (older files)."""
        rhythms = self._style(meter, mode).get("rhythms")
        if not rhythms or not rhythms.get("mean"):
            return None
        return np.asarray(rhythms["mean"], dtype=float)[: UNIT_STEPS[_meter(meter)]]

    def rest_starts(self, meter: str, mode: str | int) -> tuple[np.ndarray, int] | None:
        """Per step of a unit, how many of the style's units have a rest beginning there, and
        how many units it has; None when the priors hold no rest counts (older files)."""
        rests = self._style(meter, mode).get("rests")
        if not rests or not rests["units"]:
            return None
        return np.asarray(rests["starts"], dtype=float), int(rests["units"])

    def feel(self, meter: str, mode: str | int, rng: np.random.Generator) -> TuneFeel | None:
        """One real tune's feel, drawn among the style's sample: its rhythm profile and its
        melodic intervals, with the style's means; None when the priors hold none (older
        files). A file without tunes' intervals gives their ``intervals`` as None."""
        rhythms = self._style(meter, mode).get("rhythms")
        if not rhythms or not rhythms["tunes"]:
            return None
        key = id(rhythms)
        if key not in self._tables:  # as arrays once
            counts = rhythms.get("intervals")
            counts = None if counts is None else np.asarray(counts, dtype=float)
            self._tables[key] = (np.asarray(rhythms["tunes"], dtype=float),
                                 np.asarray(rhythms["mean"], dtype=float), counts)  # fmt: skip
        tunes, mean, counts = self._tables[key]
        steps = UNIT_STEPS[_meter(meter)]
        tune = int(rng.integers(len(tunes)))
        return TuneFeel(
            tunes[tune][:steps], mean[:steps], None if counts is None else counts[tune],
            np.asarray(self._style(meter, mode)["intervals"], dtype=float),
        )  # fmt: skip

    def to_json(self) -> str:
        """The priors as deterministic JSON text: sorted keys, floats already rounded, one
        innermost list per line (so a rebuild diffs line by line)."""
        text = json.dumps(self.content, sort_keys=True, ensure_ascii=False, indent=1)
        return (
            _INNER_LIST.sub(lambda m: f"[{', '.join(_ITEM_BREAK.split(m.group(1)))}]", text) + "\n"
        )

    def save(self, path: str | os.PathLike = PRIORS_PATH) -> None:
        """Write the JSON file atomically (temp file, then rename) and record it in its
        folder's manifest (``studio.core.model_files``)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_text(self.to_json(), encoding="utf-8")
        os.replace(temporary, target)
        record_model_file(target)  # the shipped priors: resources/models/MANIFEST.sha256

    @classmethod
    def load(cls, path: str | os.PathLike = PRIORS_PATH) -> StylePriors:
        """Read priors written by ``save``."""
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))


def load_priors(path: str | os.PathLike = PRIORS_PATH) -> StylePriors:
    """The shipped style priors (or those at ``path``)."""
    return StylePriors.load(path)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m studio.generation.priors --data music21 [--out FILE]``: rebuild the priors."""
    from studio.generation.data import DATA_VERSION, load_or_build

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="music21", help='"music21" or a folder of MIDI files')
    parser.add_argument("--out", default=str(PRIORS_PATH), help="the JSON file to write")
    args = parser.parse_args(argv)
    data = load_or_build(args.data)
    source = "music21 corpus" if args.data == "music21" else f"MIDI folder {Path(args.data).name}"
    description = (f"{source}, data version {DATA_VERSION}: {data.n_tunes} tunes, "
                   f"{len(data)} units; training split only")  # fmt: skip
    priors = compute_priors(data, description)
    priors.save(args.out)
    print(f"wrote {args.out} ({Path(args.out).stat().st_size / 1024:.0f} KB): {description}")


if __name__ == "__main__":
    main()
