"""One variation's plan, drawn before any note: its phrase form, the chord and the density
of each unit, the cadence that closes each phrase, which units repeat earlier ones (and where a
repeat departs), and the tune's own rhythmic and melodic leaning. ``plan_variation`` draws it
from the style priors (``studio.generation.priors``) with the variation's own random stream;
``MelodyGenerator`` then has the network and the decoding rules write the notes to it."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from studio.core.forms import is_form
from studio.core.theory import Chord
from studio.generation.calibration import condition_for
from studio.generation.data import STEPS_PER_BAR as STEPS
from studio.generation.data import UNIT_STEPS
from studio.generation.decoding import MAX_INTERVAL, Frame
from studio.generation.form import (
    CADENCE_UNITS,
    SECTION_UNITS,
    Cadence,
    PhrasePlan,
    plan_form,
)

if TYPE_CHECKING:
    from studio.generation.generator import GenerationSettings
    from studio.generation.priors import StylePriors

FALLBACK_DENSITY = 0.35
"""Onsets per step when neither the request nor the style priors give a density."""
VARIED_REPEAT_RATE = 0.35
"""Where the style priors do not say where returning phrases depart
(``StylePriors.repeat_departure``): the share of repeated phrases in which the second half of
one bar is varied rather than copied."""
BAR_REPEAT_RATE = 0.5
"""The chance that a bar of a new phrase repeats the bar a phrase before it (same chord), where
the style priors do not say how often the meter's tunes do (``StylePriors.bar_repeat_rate``)."""
INTERVAL_LEANING = 1.5
"""How strongly a variation takes on the melodic intervals of a real tune (``interval_leaning``;
the same tune as its rhythmic feel): some tunes move by step and repeat notes, others skip
through their chords' notes, and a tune keeps to a few intervals of its own. Chosen on the
validation split (seeds 0–5): 0.5 / 1.0 / 1.5 / 2.0 gave two-sample accuracies of 0.712 / 0.690
/ 0.682 / 0.682, against 0.704 for the leaning it replaced (a random leaning towards repeated
notes and towards steps)."""
TUNE_INTERVAL_PRIOR = 2.0
"""Pseudo-counts of the style's intervals added to a tune's own before ``interval_leaning``
compares them: an interval a tune never plays becomes rare, not impossible (0.5 and 5 scored
the same as 2 on the validation split)."""
PHRASE_END_TONIC_RATE = 0.25
"""How often an ordinary phrase end (not a full close) ends the melody on its tonic anyway:
measured on generated melodies of the validation keys."""
RHYTHM_LEANING = 2.0
"""How strongly a variation takes on the rhythmic feel of a real tune (``rhythm_leaning``):
each variation draws one tune's onset rate per step, so some lean on dotted rhythms, some on
even eighths, as tunes do. Chosen on the validation split: 1.0 / 2.0 / 3.0 gave two-sample
accuracies of 0.705 / 0.694 / 0.705 (none: 0.716); over 24 sampling seeds 0.705 against 0.719."""
SPAN_FROM_DATA = True
SPAN_SLACK = 2
"""Each variation keeps every 8 bars within the span of a real 8-bar window of its style
(``priors.pitch_range``) plus ``SPAN_SLACK`` semitones (a soft limit: ``decoding.SPAN_WEIGHT``).
Left alone the network roamed: its 8-bar spans varied with a standard deviation of 4.9
semitones, the tunes' 3.4 (validation; slack 0 and 4 scored the same within noise)."""


@dataclass
class Plan:
    """What one variation will be: its phrase plan and, per unit, the chord (in the frame),
    the density asked for and the cadence that closes it."""

    phrases: PhrasePlan
    chords: list[Chord]
    densities: list[float]
    cadences: list[Cadence | None]
    copies: dict[int, int]  # unit → the earlier unit whose notes it repeats
    varied: dict[int, int]  # repeated unit → the steps it keeps; the rest is sampled anew
    endings: list[str | None]  # per unit: the rhythm of its phrase ending (cadence units only)
    interval_style: np.ndarray  # (25,) added to the interval weights: this tune's own leaning
    rhythm: np.ndarray  # (16,) added to the onset logits: this tune's rhythmic feel (or zeros)
    span: int | None = None  # semitones a real 8-bar window of its style spans (None: any)
    final_octave: int | None = None  # which tonic the melody closes on (``decoding.final_target``)


def plan_variation(
    settings: GenerationSettings, frame: Frame, rng: np.random.Generator, units: int,
    priors: StylePriors | None, density_map: dict[str, list[list[float]]],
    feel: tuple[np.ndarray | None, np.ndarray | None] | None = None, first_new: int = 0,
) -> Plan:  # fmt: skip
    """Sample one variation's form, chords, densities and cadences (``rng``: its own);
    ``feel``: the music's own (onset rate per step, interval counts) to lean towards instead
    of a real tune's (``generator._feel_of`` of a primer); the rhythm's mean also sets the
    pace: the phrase densities drawn from the data are scaled to it (through the density map,
    as a density asked for). ``units`` counts
    the units of a primer too, the first new one being ``first_new``: a continuation is
    planned with its primer, so that its phrases may return to the primer's. ``priors``:
    the style priors the open choices are drawn from (None: fixed fallbacks);
    ``density_map``: the network's, per meter (``calibration.density_map``)."""
    meter, mode = settings.meter, frame.mode
    form = settings.form
    if form is None:
        form = priors.form(units, rng, meter) if priors is not None else "ABAC"
        form = form if is_form(form) else "through"
    phrases = plan_form(form, units)
    n_phrases = len(phrases.labels)
    if settings.chords or priors is None:  # cycled from the first new unit on
        chords = [settings.chord_for_bar(u - first_new).transpose(frame.shift)
                  for u in range(units)]  # fmt: skip
    else:
        chords = [
            _chord(root, quality)
            for root, quality in priors.progression(meter, mode, units, rng, phrases.phrase_units)
        ]
    if settings.density is not None:  # the condition that gives what the user asked for
        wanted = condition_for(float(settings.density), density_map.get(meter))
        per_phrase = [wanted] * n_phrases
    elif priors is not None:
        per_phrase = [float(d) for d in priors.density(meter, mode, rng, n_phrases)]
        if feel is not None and feel[0] is not None:  # the music goes on at its own pace
            scale = float(np.mean(feel[0])) / max(float(np.mean(per_phrase)), 1e-3)
            per_phrase = [condition_for(d * scale, density_map.get(meter))
                          for d in per_phrase]  # fmt: skip
    else:
        per_phrase = [FALLBACK_DENSITY] * n_phrases
    first_of = {label: i for i, label in reversed(list(enumerate(phrases.labels)))}
    densities = [per_phrase[first_of[phrases.labels[phrases.phrase_of(u)]]]
                 for u in range(units)]  # fmt: skip
    cadences = cadences_of(phrases, meter, mode, rng, priors)
    if not settings.chords:  # a repeat plays its source's chords
        for u in range(units):
            source = phrases.source_of(u)
            if source is not None:
                chords[u] = chords[source]
            if cadences[u] == Cadence.FINAL:  # the tune closes on its tonic chord
                chords[u] = Chord(0, "maj") if mode == 0 else Chord(9, "min")
            dominant = chords[u].root == (7 if mode == 0 else 4)
            if cadences[u] == Cadence.HALF and not dominant:
                if priors is None:  # the fallback progression: a half cadence on V
                    chords[u] = Chord(7, "maj") if mode == 0 else Chord(4, "min")
                else:  # the learned progression closes the first half elsewhere
                    cadences[u] = Cadence.PHRASE
    # A repeat copies its source's notes unless the user's chords differ there.
    copies = {
        u: source
        for u in range(units)
        if (source := phrases.source_of(u)) is not None and chords[u] == chords[source]
    }
    # Tunes also repeat single bars between phrases that differ as a whole: a bar of a new
    # phrase takes the notes of the bar a phrase earlier now and then (same chord only).
    size = phrases.phrase_units
    for u in range(size, units):
        earlier = u - size
        if u in copies or cadences[u] is not None or chords[u] != chords[earlier]:
            continue
        measured = priors.bar_repeat_rate(meter, units, u) if priors is not None else None
        if rng.random() < (BAR_REPEAT_RATE if measured is None else measured):
            copies[u] = copies.get(earlier, earlier)
    varied = varied_repeats(meter, priors, rng, phrases, copies)
    repeat_first_bars(settings, priors, rng, chords, cadences, copies, varied)
    closes_section = [
        (u + 1) % SECTION_UNITS == 0 or cadence == Cadence.FINAL
        for u, cadence in enumerate(cadences)
    ]
    # Tunes differ in where their notes fall and in how they move: a real tune's feel
    drawn = priors.feel(meter, mode, rng) if priors is not None else None
    own_rhythm, own_intervals = feel if feel is not None else (None, None)
    rhythm = np.zeros(STEPS)
    tune_rhythm = None
    interval_style = np.zeros(2 * MAX_INTERVAL + 1)
    if drawn is not None:  # the music's own feel goes on where it has one
        tune_rhythm = drawn.rhythm if own_rhythm is None else own_rhythm
        rhythm = rhythm_leaning(tune_rhythm, drawn.mean_rhythm, RHYTHM_LEANING)
        tune_intervals = drawn.intervals if own_intervals is None else own_intervals
        if tune_intervals is not None:
            interval_style = interval_leaning(
                tune_intervals, drawn.mean_intervals, INTERVAL_LEANING, TUNE_INTERVAL_PRIOR
            )
    # phrase ends in rhythms the tune would play; a cadence off the grid of four units (eight
    # bars of 2/4 close their first half on bar 4) takes the rhythm of units half-way through
    # real phrases, which mostly run on
    endings = [
        priors.ending(meter, mode, rng, section, rhythm=tune_rhythm,
                      mid_phrase=not section and (u + 1) % CADENCE_UNITS != 0)
        if priors is not None and cadence is not None
        else None
        for u, (cadence, section) in enumerate(zip(cadences, closes_section, strict=True))
    ]  # fmt: skip
    span = None
    if priors is not None and SPAN_FROM_DATA:
        low, high = priors.pitch_range(meter, mode, rng)
        span = high - low
    final_octave = priors.final_octave(meter, mode, rng) if priors is not None else None
    return Plan(
        phrases,
        chords,
        densities,
        cadences,
        copies,
        varied,
        endings,
        interval_style,
        rhythm,
        span,
        final_octave,
    )


def varied_repeats(
    meter: str, priors: StylePriors | None, rng: np.random.Generator, phrases: PhrasePlan,
    copies: dict[int, int],
) -> dict[int, int]:  # fmt: skip
    """Which units of returning phrases change, and from which step on: each unit that the
    form copies departs from its first statement where and as often as real returning
    phrases do (``StylePriors.repeat_departure``: the last unit a phrase repeats, before
    it runs on or closes afresh, changes more often than the ones before it, mostly late
    in the unit). Without that measurement, one unit of a repeated phrase in
    ``VARIED_REPEAT_RATE`` changes its second half."""
    varied = {}
    if priors is not None and priors.measures_repeat_departures(meter):
        returning = {u for u in copies if copies[u] == phrases.source_of(u)}
        for u in sorted(returning):
            last = u + 1 not in returning or phrases.phrase_of(u + 1) != phrases.phrase_of(u)
            departure = priors.repeat_departure(meter, last, rng)
            if departure is not None:
                varied[u] = departure
        return varied
    first_of = {label: i for i, label in reversed(list(enumerate(phrases.labels)))}
    for phrase, label in enumerate(phrases.labels):
        if first_of[label] != phrase and rng.random() < VARIED_REPEAT_RATE:
            begin = phrase * phrases.phrase_units
            inner = [u for u in range(begin, min(phrases.units, begin + phrases.phrase_units))
                     if u in copies]  # fmt: skip
            if inner:
                varied[int(rng.choice(inner))] = UNIT_STEPS[meter] // 2
    return varied


def repeat_first_bars(
    settings: GenerationSettings, priors: StylePriors | None, rng: np.random.Generator,
    chords: Sequence[Chord], cadences: Sequence[Cadence | None], copies: dict[int, int],
    varied: dict[int, int],
) -> None:  # fmt: skip
    """Tunes in two-bar units (2/4 strains) often open a phrase-closing unit with an
    earlier bar again: bar 3 is bar 1 (``previous``), bar 7 is bar 3 (``parallel``). Such a
    unit becomes a varied repeat (``copies`` and ``varied``, changed in place): its first
    bar repeats, its second comes afresh and closes the cadence. At the rates the priors
    measured; the user's chords must agree."""
    rates = priors.first_bar_repeat_rates(settings.meter) if priors is not None else None
    if rates is None or settings.bars_per_unit != 2:
        return
    previous_rate, parallel_rate = rates
    for u, cadence in enumerate(cadences):
        if u == 0 or cadence is None or u in copies:
            continue
        if u >= 2 and rng.random() < parallel_rate:
            source = u - 2
        elif rng.random() < previous_rate:
            source = u - 1
        else:
            continue
        if not settings.chords or chords[u] == chords[source]:
            copies[u] = copies.get(source, source)
            varied[u] = UNIT_STEPS[settings.meter] // 2  # the first bar


def cadences_of(
    phrases: PhrasePlan, meter: str, mode: int, rng: np.random.Generator,
    priors: StylePriors | None,
) -> list[Cadence | None]:  # fmt: skip
    """The cadence closing each unit: the plan's, with the melody's last note on the tonic
    at the rate real windows of this length end there (else an ordinary phrase end)."""
    cadences = [phrases.cadence_of(u) for u in range(phrases.units)]
    if priors is not None:
        rates = priors.cadence_rates(meter, mode, phrases.units)
        # An ordinary phrase end lands on the tonic now and then too: the rate of full
        # closes is set so that both add up to the data's.
        rate, other = rates.get("final_tonic", 1.0), PHRASE_END_TONIC_RATE
        full = max(0.0, (rate - other) / (1 - other))
        if rng.random() >= full:
            cadences[-1] = Cadence.PHRASE
    return cadences


@functools.lru_cache(maxsize=1024)
def _chord(root: int, quality: str) -> Chord:
    """``Chord(root, quality)``, remembered: plans draw the same few dozen chords all the time."""
    return Chord(root, quality)


def rhythm_leaning(tune: np.ndarray, mean: np.ndarray, strength: float) -> np.ndarray:
    """(16,) onset-logit offsets that give a unit the rhythmic feel of a real tune: ``tune``'s
    onset rate per step against the style's ``mean`` (``StylePriors.rhythm``), as a difference
    of log-odds times ``strength``. Mostly the feel: the tune's profile is first scaled to the
    style's mean density, which the phrase densities set apart (the log-odds still thin a
    melody by about 3 % of its notes; a shift that kept the count exactly scored worse on the
    validation split, 0.711 against 0.705). Steps beyond the unit get 0."""
    tune = np.asarray(tune, dtype=float)
    mean = np.clip(np.asarray(mean, dtype=float), 0.03, 0.97)
    shape = np.clip(tune / max(float(tune.mean()), 1e-3) * mean.mean(), 0.03, 0.97)
    leaning = np.zeros(STEPS)
    leaning[: len(tune)] = strength * (np.log(shape / (1 - shape)) - np.log(mean / (1 - mean)))
    return leaning


def interval_leaning(
    counts: np.ndarray, mean: np.ndarray, strength: float, prior: float
) -> np.ndarray:
    """(25,) log-weight offsets for the intervals −12…+12 that make a melody move as a real tune
    does: the tune's interval ``counts`` (``StylePriors.feel``), with ``prior`` pseudo-counts of
    the style's ``mean`` probabilities, against that mean, as a difference of logs times
    ``strength``. A tune's favourite intervals get more likely, the ones it never plays rarer."""
    mean = np.clip(np.asarray(mean, dtype=float), 1e-6, None)
    mean = mean / mean.sum()
    counts = np.asarray(counts, dtype=float) + prior * mean
    return strength * (np.log(counts / counts.sum()) - np.log(mean))
