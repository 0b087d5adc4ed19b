"""Interval calibration: make a generator's melodic intervals those of real tunes.

The network proposes each step's pitch on its own, so its melodies repeat a pitch about twice as
often as real tunes do and move by semitone steps too rarely. Decoding therefore adds a
log-weight per melodic interval (−12…+12 semitones from the note before) to the pitch logits at
each onset (``decoding.decode_bars``, ``interval_weights``). The weights are found by iterating

    weights += log(real share of each interval / generated share)

over melodies made with the generator's own defaults (the request a user makes), starting from
none: a few rounds bring the generated interval distribution onto the training split's
(``priors.StylePriors.interval_log_weights``), per meter and mode. The weights belong to one
network, so they are stored beside its weights file (``gan.safetensors`` →
``gan.decoding.json``) and read when the model loads:

    python -m studio.generation.calibration                 # the shipped model
    python -m studio.generation.calibration --model runs/x/gan.safetensors
    python -m studio.generation.calibration --only rests    # one stage over the others

Takes a few minutes on two cores.

Matching the intervals on the whole still lets each scale degree move its own wrong way: in
minor the network sat on the natural sixth (5.8 % of the notes of validation ideas, the tunes
3.3 %) and played the raised sixth, which the tunes take on up to the seventh, less than half
as often as they do. A second stage (``calibrate_degrees``) therefore finds **degree weights**:
a log-weight per (pitch class of the note before, in the normalised frame; interval), added to
the interval weights, by iterating

    degree weights += DEGREE_STEP × log(real share of each interval from that pitch class /
                                         generated share)

against the training split's counts (``priors.StylePriors.degree_interval_counts``), with
``DEGREE_PSEUDOCOUNT`` added to every cell so that rare notes do not swing the weights. On the
validation split they brought the two-sample accuracy from 0.669 to 0.651 (6 draws) and from
0.676 to 0.667 (12 other draws; 4/4 0.671 → 0.653) with the same network.

Both tables weigh each note by where it comes from, not by the way the melody was going: the
network turned back after a move far more often than the tunes do (validation ideas changed
direction at 64 % of their notes, the tunes at 50 %; went x–y–x 25 % of the time, the tunes
17 %), so the melodies zig-zagged. A third stage (``calibrate_contour``) finds **contour
weights**: a log-weight per (interval into the note before, interval on from it), iterated
the same way against the training split's counts of consecutive interval pairs
(``priors.StylePriors.interval_pair_counts``), ``CONTOUR_ROUNDS`` rounds of ``CONTOUR_STEP``.
After it: direction changes 52 %, x–y–x 16 %.

The degree and contour tables are fitted row by row, and a row the tunes seldom visit (after a
wide leap; the sharp fourth) is smoothed towards every move alike, so together they let the
melodies leap more than the tunes on the whole (2/4 minor: 10.9 % of moves a minor sixth or
wider, the tunes 4.7 %). A last stage therefore goes on with the interval weights for
``REFIT_ROUNDS`` rounds over the other two tables. On the validation split the two-sample
accuracy went from 0.638 / 0.643 / 0.655 / 0.644 to 0.633 / 0.634 / 0.645 / 0.637 (seeds 0,
10, 20, 30). Smoothing the rare rows towards the style's own moves instead scored worse.

Before all of these comes a **downbeat bias** per style: the network left a bar's first step
without a new note or rest more often than the tunes do, so notes were tied over the bar line
two to three times as often (4/4 validation ideas 0.7 % of their notes, the tunes 0.2 %; 3/4 2.5 %
against 1.2–1.8 %). ``calibrate_downbeats`` finds a log-odds added to the onset at each bar line
(``GenerationSettings.bar_starts``) until the share of bar lines where a note or rest begins
(``bar_line_onset_rate``) is the tunes' (``priors.StylePriors.mean_rhythm`` at those steps).
It goes first, with no interval tables, so a calibration does not depend on the one before.

After them, **opening weights** (``calibrate_openings``): a log-weight per pitch class for a
melody's first note, which has no interval before it. The network opened 4/4 major melodies on
the tonic 58 % of the time (the tunes' 8-bar windows 40 %) and hardly ever off the tonic triad
(1 %, the tunes 14 %). Iterated like the interval weights against the priors' ``openings``.

Last, **rest biases** (``calibrate_rests``): a log-weight per step of a unit added to the rest's
logit. The network is trained on every meter at once, and the sixteenth rest after an eighth
note that 4/4 tunes of the corpus write (a window in four has one, three on average) it put
into 2/4 ideas too: 35 % of their 8-bar windows had one, the 2/4 tunes' 7 %; a 2/4 unit began
0.38 rests against the tunes' 0.16. Iterated like the downbeat bias against the share of the
training split's units where a rest begins at each step (``priors.StylePriors.rest_starts``;
a style with few units leans on its meter's other mode, ``REST_PRIOR_UNITS``), with
``REST_FLOOR`` added to both shares. On the validation split (six draws, seeds 0–30) the 2/4
two-sample accuracy went from 0.631 to 0.601; the other meters' rests were near the tunes'
already and stayed level.

Between the contour weights and the last interval rounds come **run weights**
(``calibrate_runs``): tunes run up and down the scale for five notes and more, and the
contour weights, which look one interval back, let the ideas break such runs off sooner (2/4:
a run of two steps or more went on 39 % of the time, the tunes' 48 %; runs of five steps or
more 0.28 a window against 0.49). A log-weight per run length (2, 3, 4, 5+ steps) on a step
that goes on with the run, iterated like the downbeat bias against the share of the training
tunes' runs that go on (``priors.StylePriors.run_counts``; a style with few runs leans on its
meter's other mode, ``RUN_PRIOR``).

The stages run in this order: downbeat bias, interval weights, degree weights, contour weights,
run weights, interval weights again, opening weights, rest biases, density map (``main``).
``--only rests`` fits the rest biases alone over a model's calibration as it is and keeps its
other tables.
Every table is fitted to the ideas as they are decoded, so a change to decoding calls for the
whole calibration again: four mending and ending changes made after the last full run had
left every style's ideas leaping more than its tunes (3/4 minor: a move of 2.40 semitones on
average against 2.17), which a full run brought back (2.34).

The same file holds a **density map** per meter: the network writes fewer notes than a high
density condition asks for and more than a low one (4/4: asked 0.8, it gave 0.62), so a density
a user asks for (``--density``) is turned into the condition that gives it (``density_map``,
``condition_for``). Densities left to the style priors are not mapped: they are conditions the
data's own phrases had, and mapped ones scored worse on the validation split.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from studio.core.model_files import record_model_file
from studio.core.music import Note
from studio.core.theory import Key
from studio.generation.decoding import TONIC
from studio.generation.priors import MAX_INTERVAL, load_priors
from studio.generation.runs import RUN_LENGTHS, continuation_counts

CALIBRATION_VERSION = 1
ROUNDS = 5
MELODIES = 512
"""Melodies of 8 bars measured per meter and mode and round."""
DOWNBEAT_ROUNDS = 4
"""Rounds of the downbeat bias (a whole log-odds ratio a round)."""
REFIT_ROUNDS = 2
"""Rounds of the interval weights once more, over the degree and contour weights: fitted row
by row, those tables leave the intervals on the whole off the data's (validation ideas leapt
a minor sixth or more 7.4 % of the time in 4/4, training tunes 6.1 %; in 2/4 minor twice as
often as the tunes)."""
OPENING_ROUNDS = 4
"""Rounds of the opening weights (a whole log-ratio a round)."""
REST_ROUNDS = 4
"""Rounds of the rest biases (a whole log-ratio a round)."""
RUN_ROUNDS = 4
"""Rounds of the run weights (a whole log-odds ratio a round)."""
RUN_PRIOR = 100
"""Runs of the meter's two modes together added to a style's own before its rate of going on
is taken: 2/4 minor has 40 runs of five steps or more in its training tunes."""
REST_FLOOR = 0.002
"""Added to the real and the generated share of units with a rest beginning at a step before
their ratio: most steps of most styles almost never begin one."""
REST_PRIOR_UNITS = 400
"""Units of the meter's two modes together added to a style's own before its rest shares are
taken: 2/4 minor has about a hundred training units, and a rest seen once at a step would ask
for one in every hundred units there."""
WIDE = 8
"""Semitones from which a move counts as a wide leap in the progress lines."""
DEGREE_ROUNDS = 4
DEGREE_STEP = 0.5
"""Rounds of the degree weights, and the share of each round's log-ratio taken (half: the
rows of rare pitch classes are measured on few notes)."""
CONTOUR_ROUNDS = 6
CONTOUR_STEP = 1.0
"""Rounds of the contour weights and the share of each round's log-ratio taken (the
pseudo-count is the degree weights')."""
DEGREE_PSEUDOCOUNT = 3.0
"""Added to every (pitch class, interval) count, real and generated, before the ratio."""
MAX_WEIGHT = 4.0
"""Bound on a weight (natural log): no interval is pushed by more than a factor of about 55."""
KEYS = (0, 7, 2, 9, 5, 10, 4, 3)
"""Tonics the melodies are asked in (the range cuts each key's melodies differently)."""
DENSITY_GRID = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
"""Density conditions the map measures (onsets per sixteenth step, rests' included)."""
DENSITY_MELODIES = 64
"""Melodies of 8 bars per meter and density measured for the map."""


def calibration_path(weights: str | os.PathLike) -> Path:
    """Where the calibration of the model in ``weights`` lives: beside it, ``*.decoding.json``."""
    path = Path(weights)
    return path.with_name(path.name.split(".")[0] + ".decoding.json")


def interval_counts(melodies: Iterable[Iterable[Note]]) -> np.ndarray:
    """Counts of the melodic intervals −12…+12 (index 12 = unison; wider ones count as ±12)
    between consecutive note starts of each melody (rests skipped, as in the style priors)."""
    return degree_interval_counts(melodies, 0).sum(axis=0)


def degree_interval_counts(melodies: Iterable[Iterable[Note]], shift: int) -> np.ndarray:
    """(12, 25) counts of the intervals between consecutive note starts of each melody (as
    ``interval_counts``, which sums its rows) by the pitch class of the note they leave, after
    moving the melodies ``shift`` semitones (into the normalised frame)."""
    counts = np.zeros((12, 2 * MAX_INTERVAL + 1))
    for melody in melodies:
        pitches, steps = _pitches_and_steps(melody, shift)
        np.add.at(counts, (pitches[:-1] % 12, steps + MAX_INTERVAL), 1)
    return counts


def interval_pair_counts(melodies: Iterable[Iterable[Note]]) -> np.ndarray:
    """(25, 25) counts of consecutive interval pairs between the note starts of each melody:
    row ``MAX_INTERVAL`` + j = the interval into a note, column ``MAX_INTERVAL`` + k = the one
    on from it (wider than an octave: ±12)."""
    counts = np.zeros((2 * MAX_INTERVAL + 1, 2 * MAX_INTERVAL + 1))
    for melody in melodies:
        _, steps = _pitches_and_steps(melody)
        np.add.at(counts, (steps[:-1] + MAX_INTERVAL, steps[1:] + MAX_INTERVAL), 1)
    return counts


def _pitches_and_steps(melody: Iterable[Note], shift: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A melody's pitches in order of their starts (moved ``shift`` semitones) and the
    intervals between them, wider than an octave counted as ±``MAX_INTERVAL``."""
    pitches = np.array(
        [n.pitch + shift for n in sorted(melody, key=lambda n: (n.start, n.pitch))], dtype=int
    )
    return pitches, np.clip(np.diff(pitches), -MAX_INTERVAL, MAX_INTERVAL)


def bar_line_onset_rate(melodies: Iterable[Iterable[Note]], bar_beats: float) -> float:
    """The share of the inner bar lines of the melodies (each from its first note's bar to its
    last note's) where a note or a rest begins: not where a note is held over the line or a
    rest goes on across it. ``nan`` when there is none."""
    began = lines = 0
    for melody in melodies:
        notes = sorted(melody, key=lambda n: (n.start, n.pitch))
        if not notes:
            continue
        first = math.floor(notes[0].start / bar_beats + 1e-6) + 1
        last = math.ceil(max(n.end for n in notes) / bar_beats - 1e-6)
        starts = np.array([n.start for n in notes])
        ends = np.array([n.end for n in notes])
        for line in np.arange(first, last) * bar_beats:
            lines += 1
            if np.any(np.abs(starts - line) < 1e-6):
                began += 1  # a note begins on it
            elif not np.any((starts < line) & (ends > line + 1e-6)):
                before = ends[starts < line]
                # a rest begins on it when the note before ends there
                began += bool(before.size) and abs(before.max() - line) < 1e-6
    return began / lines if lines else math.nan


def event_density(notes: Iterable[Note], steps: int) -> float:
    """Onsets per step of a melody over ``steps`` sixteenth steps: note starts, and rest starts
    (a gap between one note's end and the next note's start), as the data counts density."""
    ordered = sorted(notes, key=lambda n: (n.start, n.pitch))
    rests = sum(1 for a, b in itertools.pairwise(ordered) if b.start - a.end > 1e-6)
    return (len(ordered) + rests) / steps


def rest_start_rates(melodies: Iterable[Iterable[Note]], meter: str, units: int) -> np.ndarray:
    """Per sixteenth step of a unit of ``meter``, the share of the melodies' units (``units``
    each, from beat 0) where a rest begins: before the first note, where a note ends and no
    note starts, after the last note when it ends early, as the data counts rests."""
    from studio.generation.data import SPEC, UNIT_BEATS, UNIT_STEPS

    steps, per_beat = UNIT_STEPS[meter], SPEC.steps_per_beat
    end = units * UNIT_BEATS[meter] * per_beat
    counts = np.zeros(steps)
    total = 0
    for melody in melodies:
        total += units
        notes = sorted(melody, key=lambda n: (n.start, n.pitch))
        starts = {round(n.start * per_beat) for n in notes}
        rests = {round(n.end * per_beat) for n in notes} - starts
        if notes and notes[0].start > 1e-6:
            rests.add(0)
        for step in rests:
            if step < end:
                counts[step % steps] += 1
    return counts / max(total, 1)


def density_map(generator, *, melodies: int = DENSITY_MELODIES) -> dict[str, list[list[float]]]:
    """Per meter: [condition, density it gives] over ``DENSITY_GRID`` with the defaults
    otherwise (measured in major and minor alike)."""
    from studio.generation.data import UNIT_STEPS
    from studio.generation.generator import GenerationSettings

    result = {}
    for meter in generator.meters:
        rows = []
        for density in DENSITY_GRID:
            given = []
            for k, mode in enumerate(("major", "minor")):
                settings = GenerationSettings(
                    bars=8, key=Key(KEYS[k], mode), meter=meter, density=density
                )
                made = generator.generate(settings, melodies // 2, seed=7000 + 100 * k)
                units = settings.units
                given += [event_density(m.notes, units * UNIT_STEPS[meter]) for m in made]
            rows.append([density, round(float(np.mean(given)), 4)])
        result[meter] = rows
    return result


def condition_for(density: float, rows: list[list[float]] | None) -> float:
    """The density condition that gives ``density`` by a meter's map ``rows`` (linear between
    its points, its ends beyond them); ``density`` itself without a map."""
    if not rows:
        return density
    conditions, given = np.array(rows, dtype=float).T
    order = np.argsort(given)
    conditions, given = conditions[order], given[order]
    return float(np.clip(np.interp(density, given, conditions), conditions[0], conditions[-1]))


def _melodies_per_key(generator, meter: str, mode: str, melodies: int, seed: int):
    """About ``melodies`` 8-bar melodies of ``meter`` and ``mode`` made with the defaults,
    spread over ``KEYS``: (tonic, melodies) per key, key ``k`` from seed ``seed + 100 k`` in
    requests of up to ``MAX_COUNT`` (the next from 10,000 seeds further on)."""
    from studio.generation.generator import MAX_COUNT, GenerationSettings

    per_key = -(-melodies // len(KEYS))
    for k, tonic in enumerate(KEYS):
        settings = GenerationSettings(bars=8, key=Key(tonic, mode), meter=meter)
        made = []
        for chunk, begin in enumerate(range(0, per_key, MAX_COUNT)):
            count = min(MAX_COUNT, per_key - begin)
            made += generator.generate(settings, count, seed=seed + 100 * k + 10_000 * chunk)
        yield tonic, made


def calibrate(
    generator,
    *,
    rounds: int = ROUNDS,
    melodies: int = MELODIES,
    start: dict[str, np.ndarray] | None = None,
    seed: int = 0,
    progress=print,
) -> dict[str, list[float]]:
    """Interval log-weights per style ("4/4 major" …) for ``generator``
    (a ``generator.MelodyGenerator`` with style priors), found as the module describes. The
    rounds generate through ``generator.interval_calibration``, so the generator is left using
    the weights found. Without ``start`` the rounds begin from no weights and with no degree or
    contour weights (``calibrate_degrees`` comes after); with it (the weights per style found
    before) they go on from those, over the degree and contour weights the generator has
    (the last stage, ``REFIT_ROUNDS``). Round ``r`` draws its melodies from ``seed`` + 1000 r."""
    priors = load_priors()
    if start is None:
        generator.degree_calibration = None
        generator.contour_calibration = None
        generator.opening_calibration = None
        generator.run_calibration = None

    def real_of(meter: str, mode: str) -> np.ndarray:
        real = np.exp(priors.interval_log_weights(meter, mode))
        return real / real.sum()

    def counted(made_per_key, mode: str) -> np.ndarray:
        return interval_counts(m.notes for _, made in made_per_key for m in made)

    def described(mode: str, round_: int, generated: np.ndarray, real: np.ndarray) -> str:
        wide = generated[np.abs(np.arange(len(real)) - MAX_INTERVAL) >= WIDE].sum()
        return (f"round {round_ + 1}, unisons {generated[MAX_INTERVAL]:.3f} (real "
                f"{real[MAX_INTERVAL]:.3f}), leaps of {WIDE}+ {wide:.3f}")  # fmt: skip

    return _calibrate_shares(
        generator, "interval_calibration", real_of, counted, described,
        size=2 * MAX_INTERVAL + 1, start=start, rounds=rounds, melodies=melodies, seed=seed,
        progress=progress,
    )  # fmt: skip


def _calibrate_shares(
    generator, attribute, real_of, counted, described, *, size, start, rounds, melodies, seed,
    progress,
) -> dict[str, list[float]]:  # fmt: skip
    """A vector of ``size`` log-weights per style, set on ``generator.<attribute>`` as it is
    found: from ``start[style]`` (or zeros), each round adds log(real share / generated share)
    of ``real_of(meter, mode)`` (None: the style is skipped) against ``counted(melodies per
    key, mode)`` of the round's melodies (one added to every count), drawn from ``seed`` +
    1000 × round; ``described(mode, round, generated, real)`` is its progress line."""
    weights: dict[str, np.ndarray] = {}
    setattr(generator, attribute, weights)
    for meter in generator.meters:
        for mode in ("major", "minor"):
            style = f"{meter} {mode}"
            real = real_of(meter, mode)
            if real is None:
                continue
            begin = None if start is None else start.get(style)
            weights[style] = np.zeros(size) if begin is None else np.array(begin)
            for round_ in range(rounds):
                counts = counted(
                    _melodies_per_key(generator, meter, mode, melodies, seed + 1000 * round_), mode
                )
                generated = (counts + 1) / (counts + 1).sum()
                weights[style] = np.clip(
                    weights[style] + np.log(real / generated), -MAX_WEIGHT, MAX_WEIGHT
                )
                progress(f"{style}: {described(mode, round_, generated, real)}")
    return {style: [round(float(w), 4) for w in v] for style, v in weights.items()}


def calibrate_downbeats(
    generator,
    *,
    rounds: int = DOWNBEAT_ROUNDS,
    melodies: int = MELODIES,
    progress=print,
) -> dict[str, float]:
    """A downbeat bias per style (a log-odds on the onset at each bar line) for ``generator``,
    found as the module describes with no interval, degree or contour weights; the generator
    is left using the biases found (``generator.downbeat_calibration``). Empty when the style
    priors have no rhythm profiles."""
    from studio.generation.generator import GenerationSettings

    priors = load_priors()
    biases: dict[str, float] = {}
    generator.interval_calibration = None
    generator.degree_calibration = None
    generator.contour_calibration = None
    generator.opening_calibration = None
    generator.run_calibration = None
    generator.rest_calibration = None  # fitted last, over all the others
    generator.downbeat_calibration = biases
    for meter in generator.meters:
        settings = GenerationSettings(meter=meter)
        for mode in ("major", "minor"):
            style = f"{meter} {mode}"
            mean = priors.mean_rhythm(meter, mode)
            if mean is None:
                continue
            real = float(np.clip(mean[list(settings.bar_starts)].mean(), 0.01, 0.999))
            biases[style] = 0.0
            for round_ in range(rounds):
                made = _melodies_per_key(generator, meter, mode, melodies, 300_000 + 1000 * round_)
                rate = bar_line_onset_rate(
                    (m.notes for _, ms in made for m in ms), settings.bar_beats
                )
                rate = float(np.clip(rate, 0.01, 0.999))
                step = _logit(real) - _logit(rate)
                biases[style] = float(np.clip(biases[style] + step, -MAX_WEIGHT, MAX_WEIGHT))
                progress(f"{style}: downbeat round {round_ + 1}, bar lines with an onset "
                         f"{rate:.3f} (real {real:.3f})")  # fmt: skip
    return {style: round(bias, 4) for style, bias in biases.items()}


def opening_counts(melodies: Iterable[Iterable[Note]], shift: int) -> np.ndarray:
    """(12,) counts of the pitch class each melody opens on, after moving it ``shift``
    semitones (into the normalised frame)."""
    counts = np.zeros(12)
    for melody in melodies:
        pitches, _ = _pitches_and_steps(melody, shift)
        if pitches.size:
            counts[pitches[0] % 12] += 1
    return counts


def calibrate_openings(
    generator,
    *,
    rounds: int = OPENING_ROUNDS,
    melodies: int = MELODIES,
    progress=print,
) -> dict[str, list[float]]:
    """Opening weights per style (12 log-weights by pitch class) for ``generator``, found over
    its other tables as the module describes; empty when the style priors have no openings.
    The rounds generate through ``generator.opening_calibration``, so the generator is left
    using the weights found."""
    from studio.generation.data import normalising_shift

    priors = load_priors()

    def real_of(meter: str, mode: str) -> np.ndarray | None:
        counts = priors.opening_counts(meter, mode)
        return None if counts is None else (counts + 1) / (counts + 1).sum()

    def counted(made_per_key, mode: str) -> np.ndarray:
        return sum(
            opening_counts((m.notes for m in made), normalising_shift(Key(tonic, mode)))
            for tonic, made in made_per_key
        )

    def described(mode: str, round_: int, generated: np.ndarray, real: np.ndarray) -> str:
        tonic = TONIC[int(mode == "minor")]
        return (f"opening round {round_ + 1}, on the tonic {generated[tonic]:.3f} "
                f"(real {real[tonic]:.3f})")  # fmt: skip

    return _calibrate_shares(
        generator, "opening_calibration", real_of, counted, described, size=12, start=None,
        rounds=rounds, melodies=melodies, seed=600_000, progress=progress,
    )  # fmt: skip


def calibrate_rests(
    generator,
    *,
    rounds: int = REST_ROUNDS,
    melodies: int = MELODIES,
    progress=print,
) -> dict[str, list[float]]:
    """Rest biases per style (a log-weight per step of a unit on the rest's logit) for
    ``generator``, found over its other tables as the module describes; the generator is left
    using them (``generator.rest_calibration``). Empty when the style priors have no rest
    counts."""
    from studio.generation.generator import GenerationSettings

    priors = load_priors()
    biases: dict[str, np.ndarray] = {}
    generator.rest_calibration = biases
    for meter in generator.meters:
        units = GenerationSettings(bars=8, meter=meter).units
        counts = {mode: priors.rest_starts(meter, mode) for mode in ("major", "minor")}
        if None in counts.values():
            continue
        pooled = sum(c for c, _ in counts.values()) / sum(n for _, n in counts.values())
        for mode, (starts, own) in counts.items():
            style = f"{meter} {mode}"
            real = (starts + REST_PRIOR_UNITS * pooled) / (own + REST_PRIOR_UNITS)
            biases[style] = np.zeros(real.size)
            for round_ in range(rounds):
                made = _melodies_per_key(generator, meter, mode, melodies, 400_000 + 1000 * round_)
                rates = rest_start_rates((m.notes for _, ms in made for m in ms), meter, units)
                biases[style] = np.clip(
                    biases[style] + np.log((real + REST_FLOOR) / (rates + REST_FLOOR)),
                    -MAX_WEIGHT, MAX_WEIGHT,
                )  # fmt: skip
                progress(f"{style}: rest round {round_ + 1}, rests a unit {rates.sum():.3f} "
                         f"(real {real.sum():.3f})")  # fmt: skip
    return {style: [round(float(b), 4) for b in v] for style, v in biases.items()}


def calibrate_runs(
    generator,
    *,
    rounds: int = RUN_ROUNDS,
    melodies: int = MELODIES,
    progress=print,
) -> dict[str, list[float]]:
    """Run weights per style (a log-weight per run length on a step that goes on with a
    stepwise run, ``runs``) for ``generator``, found over its other tables as the module
    describes; the generator is left using them (``generator.run_calibration``). Empty when
    the style priors have no run counts."""
    priors = load_priors()
    weights: dict[str, np.ndarray] = {}
    generator.run_calibration = weights
    for meter in generator.meters:
        counts = {mode: priors.run_counts(meter, mode) for mode in ("major", "minor")}
        if any(c is None for c in counts.values()):
            continue
        pooled = sum(counts.values())
        pooled = pooled[0] / np.maximum(pooled[1], 1)
        for mode, (went_on, runs) in counts.items():
            style = f"{meter} {mode}"
            real = (went_on + RUN_PRIOR * pooled) / (runs + RUN_PRIOR)
            weights[style] = np.zeros(RUN_LENGTHS)
            for round_ in range(rounds):
                made = _melodies_per_key(generator, meter, mode, melodies, 700_000 + 1000 * round_)
                got = sum(run_counts_of(m.notes) for _, ms in made for m in ms)
                rates = (got[0] + 1) / (got[1] + 2)
                weights[style] = np.clip(
                    weights[style] + _logits(real) - _logits(rates), -MAX_WEIGHT, MAX_WEIGHT
                )
                progress(f"{style}: run round {round_ + 1}, runs of 2/3/4/5+ steps going on "
                         f"{' '.join(f'{r:.2f}' for r in rates)} (real "
                         f"{' '.join(f'{r:.2f}' for r in real)})")  # fmt: skip
    return {style: [round(float(w), 4) for w in v] for style, v in weights.items()}


def run_counts_of(notes: Iterable[Note]) -> np.ndarray:
    """``runs.continuation_counts`` of a melody's notes in the order they start."""
    return continuation_counts([n.pitch for n in sorted(notes, key=lambda n: n.start)])


def _logits(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 0.01, 0.99)
    return np.log(p / (1 - p))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _conditional(counts: np.ndarray) -> np.ndarray:
    smoothed = counts + DEGREE_PSEUDOCOUNT
    return smoothed / smoothed.sum(axis=1, keepdims=True)


def calibrate_degrees(
    generator,
    *,
    rounds: int = DEGREE_ROUNDS,
    melodies: int = MELODIES,
    progress=print,
) -> dict[str, list[list[float]]]:
    """Degree weights per style ((12, 25) lists) for ``generator``, found over its interval
    weights (``calibrate`` first) as the module describes; empty when the style priors have no
    degree counts. The rounds generate through ``generator.degree_calibration``, so the
    generator is left using the weights found (and no contour weights: they come after)."""
    from studio.generation.data import normalising_shift

    def counted(made_per_key, mode: str) -> np.ndarray:
        return sum(
            degree_interval_counts((m.notes for m in made), normalising_shift(Key(tonic, mode)))
            for tonic, made in made_per_key
        )

    generator.contour_calibration = None
    return _calibrate_table(
        generator, "degree_calibration", load_priors().degree_interval_counts, counted,
        rounds=rounds, step=DEGREE_STEP, melodies=melodies, seed=50_000, name="degree",
        progress=progress,
    )  # fmt: skip


def calibrate_contour(
    generator,
    *,
    rounds: int = CONTOUR_ROUNDS,
    melodies: int = MELODIES,
    progress=print,
) -> dict[str, list[list[float]]]:
    """Contour weights per style ((25, 25) lists: the interval into a note × the interval on)
    for ``generator``, found over its interval and degree weights as the module describes;
    empty when the style priors have no interval-pair counts. The rounds generate through
    ``generator.contour_calibration``, so the generator is left using the weights found."""

    def counted(made_per_key, mode: str) -> np.ndarray:
        return interval_pair_counts(m.notes for _, made in made_per_key for m in made)

    return _calibrate_table(
        generator, "contour_calibration", load_priors().interval_pair_counts, counted,
        rounds=rounds, step=CONTOUR_STEP, melodies=melodies, seed=90_000, name="contour",
        progress=progress,
    )  # fmt: skip


def _calibrate_table(
    generator, attribute, real_counts_of, counted, *, rounds, step, melodies, seed, name, progress
) -> dict[str, list[list[float]]]:
    """A table of log-weights per style, set on ``generator.<attribute>`` as it is found: per
    row (what the note before is or did), ``step`` × log(real share of each interval / generated
    share) a round, ``real_counts_of(meter, mode)`` (None: the style is skipped) against
    ``counted(melodies per key, mode)`` of the round's melodies."""
    weights: dict[str, np.ndarray] = {}
    setattr(generator, attribute, weights)
    for meter in generator.meters:
        for mode in ("major", "minor"):
            style = f"{meter} {mode}"
            real_counts = real_counts_of(meter, mode)
            if real_counts is None:
                continue
            real = _conditional(real_counts)
            weights[style] = np.zeros_like(real)
            for round_ in range(rounds):
                made = _melodies_per_key(generator, meter, mode, melodies, seed + 1000 * round_)
                generated = _conditional(counted(made, mode))
                # how far each row's moves are from the data's (total variation), weighed by
                # how often the data is in that row
                share = real_counts.sum(axis=1) / real_counts.sum()
                distance = float(share @ (0.5 * np.abs(real - generated).sum(axis=1)))
                weights[style] = np.clip(
                    weights[style] + step * np.log(real / generated), -MAX_WEIGHT, MAX_WEIGHT
                )
                progress(f"{style}: {name} round {round_ + 1}, distance {distance:.3f}")
    return {style: [[round(float(w), 4) for w in row] for row in v] for style, v in weights.items()}


def save_calibration(
    weights: dict[str, list[float]],
    path: str | os.PathLike,
    densities: dict[str, list[list[float]]] | None = None,
    degrees: dict[str, list[list[float]]] | None = None,
    contours: dict[str, list[list[float]]] | None = None,
    downbeats: dict[str, float] | None = None,
    openings: dict[str, list[float]] | None = None,
    rests: dict[str, list[float]] | None = None,
    runs: dict[str, list[float]] | None = None,
) -> None:
    """Write the calibration JSON atomically (temp file, then rename) and record it in its
    folder's manifest (``studio.core.model_files``): interval weights, and optionally the
    density map, the degree and contour weights, the downbeat biases, the opening weights, the
    rest biases and the run weights."""
    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    content = {"version": CALIBRATION_VERSION, "interval_weights": weights}
    if densities:
        content["density_map"] = densities
    if degrees:
        content["degree_weights"] = degrees
    if contours:
        content["contour_weights"] = contours
    if downbeats:
        content["downbeat_bias"] = downbeats
    if openings:
        content["opening_weights"] = openings
    if rests:
        content["rest_bias"] = rests
    if runs:
        content["run_weights"] = runs
    temporary.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, target)
    record_model_file(target)  # beside its weights' line in the folder's MANIFEST.sha256


def read_decoding(path: str | os.PathLike) -> dict | None:
    """The content of a calibration file; None when it is missing, unreadable or of another
    version."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(content, dict) or content.get("version") != CALIBRATION_VERSION:
        return None
    return content


def interval_weights_of(content: dict | None) -> dict[str, np.ndarray] | None:
    """The interval weights per style in a file's ``content``; None when it has none."""
    try:
        return {
            style: np.asarray(values, dtype=float)
            for style, values in content["interval_weights"].items()
            if len(values) == 2 * MAX_INTERVAL + 1
        }
    except (KeyError, TypeError, AttributeError, ValueError):
        return None


def _tables_of(content: dict | None, key: str, shape: tuple[int, ...]) -> dict | None:
    """The arrays per style under ``key`` in a file's ``content`` that have ``shape`` and
    finite values; None when there are none."""
    try:
        tables = {style: np.asarray(values, dtype=float) for style, values in content[key].items()}
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    return {s: t for s, t in tables.items() if t.shape == shape and np.isfinite(t).all()} or None


def degree_weights_of(content: dict | None) -> dict[str, np.ndarray] | None:
    """The degree weights ((12, 25) per style) in a file's ``content``; None when it has none."""
    return _tables_of(content, "degree_weights", (12, 2 * MAX_INTERVAL + 1))


def contour_weights_of(content: dict | None) -> dict[str, np.ndarray] | None:
    """The contour weights ((25, 25) per style) in a file's ``content``; None when it has
    none."""
    return _tables_of(content, "contour_weights", (2 * MAX_INTERVAL + 1,) * 2)


def downbeat_bias_of(content: dict | None) -> dict[str, float] | None:
    """The downbeat bias per style in a file's ``content``; None when it has none."""
    try:
        biases = {style: float(b) for style, b in content["downbeat_bias"].items()}
    except (KeyError, TypeError, AttributeError, ValueError):
        return None
    return {s: b for s, b in biases.items() if math.isfinite(b)} or None


def opening_weights_of(content: dict | None) -> dict[str, np.ndarray] | None:
    """The opening weights ((12,) per style) in a file's ``content``; None when it has none."""
    return _tables_of(content, "opening_weights", (12,))


def rest_bias_of(content: dict | None) -> dict[str, np.ndarray] | None:
    """The rest biases (one per step of a unit of the style's meter) in a file's ``content``;
    None when it has none."""
    from studio.generation.data import UNIT_STEPS

    tables = {}
    for meter, steps in UNIT_STEPS.items():
        found = _tables_of(content, "rest_bias", (steps,)) or {}
        tables.update({s: t for s, t in found.items() if s.split(" ")[0] == meter})
    return tables or None


def run_weights_of(content: dict | None) -> dict[str, np.ndarray] | None:
    """The run weights ((``runs.RUN_LENGTHS``,) per style) in a file's ``content``; None when
    it has none."""
    return _tables_of(content, "run_weights", (RUN_LENGTHS,))


def density_map_of(content: dict | None) -> dict[str, list[list[float]]]:
    """The density map per meter in a file's ``content`` (empty when it has none)."""
    try:
        return {meter: [[float(a), float(b)] for a, b in rows]
                for meter, rows in content.get("density_map", {}).items()}  # fmt: skip
    except (TypeError, AttributeError, ValueError):
        return {}


def main(argv: list[str] | None = None) -> None:
    """Calibrate a model (the shipped one by default) and write its ``*.decoding.json``."""
    from studio.generation.generator import MelodyGenerator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="generator weights (default: the shipped model)")
    parser.add_argument("--downbeat-rounds", type=int, default=DOWNBEAT_ROUNDS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--degree-rounds", type=int, default=DEGREE_ROUNDS)
    parser.add_argument("--contour-rounds", type=int, default=CONTOUR_ROUNDS)
    parser.add_argument("--refit-rounds", type=int, default=REFIT_ROUNDS)
    parser.add_argument("--opening-rounds", type=int, default=OPENING_ROUNDS)
    parser.add_argument("--rest-rounds", type=int, default=REST_ROUNDS)
    parser.add_argument("--run-rounds", type=int, default=RUN_ROUNDS)
    parser.add_argument("--melodies", type=int, default=MELODIES)
    parser.add_argument(
        "--only", choices=("rests",),
        help="fit only this stage over the model's calibration as it is (and measure the "
        "density map again); keep its other tables",
    )  # fmt: skip
    args = parser.parse_args(argv)
    generator = MelodyGenerator(args.model)
    target = calibration_path(generator.path)
    if args.only == "rests":
        kept = read_decoding(target) or {}
        weights, degrees = kept.get("interval_weights", {}), kept.get("degree_weights")
        contours, downbeats = kept.get("contour_weights"), kept.get("downbeat_bias")
        openings, runs = kept.get("opening_weights"), kept.get("run_weights")
    else:
        downbeats = calibrate_downbeats(
            generator, rounds=args.downbeat_rounds, melodies=args.melodies
        )
        weights = calibrate(generator, rounds=args.rounds, melodies=args.melodies)
        degrees = calibrate_degrees(generator, rounds=args.degree_rounds, melodies=args.melodies)
        contours = calibrate_contour(generator, rounds=args.contour_rounds, melodies=args.melodies)
        runs = calibrate_runs(generator, rounds=args.run_rounds, melodies=args.melodies)
        weights = calibrate(  # the interval weights again, over the tables since: these are kept
            generator, rounds=args.refit_rounds, melodies=args.melodies,
            start=generator.interval_calibration, seed=200_000,
        )  # fmt: skip
        openings = calibrate_openings(generator, rounds=args.opening_rounds, melodies=args.melodies)
    rests = calibrate_rests(generator, rounds=args.rest_rounds, melodies=args.melodies)
    generator.density_map = {}  # measure the network's own response
    densities = density_map(generator)
    save_calibration(
        weights, target, densities, degrees, contours, downbeats, openings, rests, runs
    )
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
