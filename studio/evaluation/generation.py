"""``studio eval generation``: the GAN against baselines on held-out melodies, per meter.

```
studio eval generation --split valid          # choose settings and checkpoints on this
studio eval generation                        # the shipped model on the test split, once
studio eval generation --mode conditional     # the GAN also gets each window's chords/density
studio eval generation --mode continuation    # the GAN continues each window's first half
```

The reference is a split of the data set (``test`` by default): non-overlapping windows of
``n_bars`` bars of real melodies in their own meter (key-normalised to C major / A minor). For
every reference window each model writes a melody of the same length, key and meter:

* ``gan`` — in the default ``"unconditional"`` mode it gets only what a user types on the
  command line: ``GenerationSettings(bars, key=C major or A minor, meter)``; everything else
  (density, chords, form, range) is the generator's own default. ``"conditional"`` also hands
  over the window's chords and note density (the model card's older protocol);
  ``"continuation"`` measures Continue: the GAN gets the window's first half as a primer
  (``continue_melody``, the defaults otherwise) and writes the second half, which is scored
  against the real second halves; the baselines write it without the primer;
* ``markov`` — an order-2 Markov chain over (interval, duration), fitted per meter on the
  training split's windows, key-locked like the GAN;
* ``lstm`` — the MelodyRNN-like baseline of ``studio.evaluation.lstm_baseline`` when present;
* ``random`` — random notes of the scale with random grid durations;
* ``real`` — windows of the validation split (of the training split when the reference is the
  validation split): the ceiling to compare with.

Scores per meter and for all meters pooled (``"all"``): the per-window metrics of
``studio.evaluation.metrics.summarize`` (cadence rates, self-similarity, in-scale rate…), the
Yang & Lerch overlap areas with the reference windows and the 1-NN two-sample test of
``studio.evaluation.two_sample`` (0.5 = indistinguishable from the reference, 1.0 = always
told apart). A continuation is also scored on how it goes on from its primer
(``metrics.continuation_fit``: pace and register kept, bars of the primer returning), real
second halves after their own first halves being the reference.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from studio.core.errors import InvalidInput, StudioError
from studio.core.music import Note
from studio.core.pianoroll import EncodedMelody, decode_melody
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import CHORD_QUALITIES, Chord, Key
from studio.evaluation.baselines import MarkovMelodyModel, random_in_scale
from studio.evaluation.metrics import (
    METER_BEATS,
    bar_beats,
    continuation_fit,
    distinct_rate,
    feature_overlaps,
    nanmean,
    summarize,
)
from studio.evaluation.two_sample import melody_two_sample
from studio.generation.data import SPEC, MelodyDataset
from studio.generation.generator import MAX_COUNT, GenerationSettings, MelodyGenerator

LOW, HIGH = SPEC.low, SPEC.high
MODES = ("unconditional", "conditional", "continuation")
BASELINES = ("markov", "lstm", "random")
MODELS = ("gan", *BASELINES, "real", "train", "reference")
"""The report's columns; "real" is other real tunes (the validation split's; the training
split's when judging on validation), "train" the training tunes (what a model writing exactly
like the tunes it learnt from would score: how far the reference lies from them), "reference"
the reference windows themselves (their metrics only: what the targets' "within 10 % of the
real tunes'" compares with)."""
UNIT_STEPS = {"4/4": 16, "2/4": 16, "3/4": 12, "6/8": 12}
"""Sixteenth steps of a data row per meter; a 2/4 row holds two bars, 12-step rows are padded."""
LSTM_SECONDS = 20.0
"""CPU seconds of LSTM training per meter (the issue's baseline: 20 s), to bound the run time."""
_QUALITY_BY_INTERVALS = {tuple(sorted(v)): k for k, v in CHORD_QUALITIES.items()}


@dataclass(frozen=True)
class Segment:
    """A real window: notes (beats from 0), its chord per bar, key, note density and meter."""

    notes: tuple[Note, ...]
    chords: tuple[Chord, ...]
    key: Key
    density: float
    meter: str = "4/4"


@dataclass(frozen=True)
class Made:
    """A melody a model wrote for a reference window, and the chords it was written over."""

    notes: tuple[Note, ...]
    chords: tuple[Chord, ...] | None


def _chord(root: int, tones: np.ndarray) -> Chord:
    intervals = tuple(sorted((pc - root) % 12 for pc in np.flatnonzero(tones)))
    return Chord(int(root), _QUALITY_BY_INTERVALS.get(intervals, "maj"))


def tune_meters(data: MelodyDataset) -> np.ndarray:
    """Each tune's meter name; "4/4" for every tune of a data set without meters."""
    meter = getattr(data, "meter", None)
    if meter is None:
        return np.full(data.n_tunes, "4/4")
    from studio.generation import data as data_module

    names = getattr(data_module, "METERS", tuple(METER_BEATS))
    return np.asarray(names)[np.asarray(meter, dtype=int)]


def _units(n_bars: int, meter: str) -> int:
    """Data rows that hold ``n_bars`` bars (a 2/4 row is two bars)."""
    return -(-n_bars // 2) if meter == "2/4" else n_bars


def _cut(notes: Sequence[Note], end: float) -> tuple[Note, ...]:
    """Notes before ``end`` (beats), the last one shortened to end there."""
    return tuple(
        n if n.end <= end else dataclasses.replace(n, duration=end - n.start)
        for n in notes
        if n.start < end - 1e-9
    )


def primer_bars(n_bars: int) -> int:
    """Bars of a window that a continuation gets as its primer: the first half."""
    return n_bars // 2


def split_window(segment: Segment, n_bars: int) -> tuple[tuple[Note, ...], Segment]:
    """A window's first half (the primer, ``primer_bars``) and its second half as a window of
    its own (beats from 0; a note held over the middle stays with the first half, cut there)."""
    bars = primer_bars(n_bars)
    middle = bars * bar_beats(segment.meter)
    rest = tuple(
        dataclasses.replace(n, start=n.start - middle)
        for n in segment.notes
        if n.start >= middle - 1e-9
    )
    return _cut(segment.notes, middle), dataclasses.replace(
        segment, notes=rest, chords=segment.chords[bars:]
    )


def segments(
    data: MelodyDataset,
    split: str,
    n_bars: int,
    limit: int,
    seed: int = 0,
    meter: str | None = None,
) -> list[Segment]:
    """Up to ``limit`` non-overlapping windows of ``n_bars`` bars per meter from ``split``.

    Windows start at multiples of their length within a tune, in the tune's own meter
    (``meter`` picks one; None takes every meter present). Rows of 12-step meters are cut to
    their 12 steps before decoding. The choice among windows is seeded.
    """
    names = tune_meters(data)
    rows = data.bars_in(split)
    present = [m for m in METER_BEATS if m in set(names[np.unique(data.tune[rows])])]
    rng = np.random.default_rng(seed)
    result = []
    for name in [meter] if meter is not None else present:
        units, steps = _units(n_bars, name), UNIT_STEPS[name]
        starts = data.segments(units, split)
        starts = starts[(data.bar[starts] % units == 0) & (names[data.tune[starts]] == name)]
        if len(starts) > limit:
            starts = np.sort(rng.permutation(starts)[:limit])
        for start in starts:
            window = slice(start, start + units)
            pitch = data.pitch[window, :steps].reshape(-1).astype(np.int16)
            onset = data.onset[window, :steps].reshape(-1)
            melody = EncodedMelody(pitch, onset, np.zeros(len(pitch), dtype=np.uint8))
            notes = _cut(decode_melody(melody, SPEC), n_bars * bar_beats(name))
            if not notes:
                continue
            roots, tones = data.chord_root[window], data.chord_tones[window]
            chords = [_chord(r, t) for r, t in zip(roots, tones, strict=True)]
            per_row = 2 if name == "2/4" else 1
            chords = [c for c in chords for _ in range(per_row)][:n_bars]
            key = Key(0, "major") if data.mode[start] == 0 else Key(9, "natural_minor")
            result.append(Segment(notes, tuple(chords), key, float(onset.mean()), name))
    return result


# ----------------------------------------------------------------------------------- models


def _has_meter_setting() -> bool:
    return "meter" in {f.name for f in dataclasses.fields(GenerationSettings)}


def gan_supports(generator: MelodyGenerator, meter: str) -> bool:
    """Whether the generator can write ``meter`` (its ``meters``; a generator without meters
    writes 4/4, and 2/4 as four-beat units)."""
    return meter in getattr(generator, "meters", ("4/4", "2/4"))


def _gan_settings(
    segment: Segment, n_bars: int, mode: str, temperature: float | None, gan_options: Mapping
) -> tuple[GenerationSettings, float]:
    """Settings for one window, and the beat where its melody must be cut."""
    options: dict = {"key": segment.key, **gan_options}
    if temperature is not None:
        options["temperature"] = temperature
    if _has_meter_setting():
        options |= {"bars": n_bars, "meter": segment.meter}
    else:  # a 4/4-only generator: 2/4 windows are written as four-beat bars
        options["bars"] = _units(n_bars, segment.meter)
    if mode == "conditional":
        chords = segment.chords
        if not _has_meter_setting() and segment.meter == "2/4":
            chords = chords[::2]
        options |= {"chords": chords, "density": min(1.0, segment.density), "low": LOW,
                    "high": HIGH}  # fmt: skip
    return GenerationSettings(**options), n_bars * bar_beats(segment.meter)


def _gan_melodies(
    generator: MelodyGenerator,
    reference: Sequence[Segment],
    n_bars: int,
    mode: str,
    temperature: float | None,
    seed: int,
    gan_options: Mapping,
) -> list[Made | None]:
    """The GAN's melody per window (None where it cannot write the meter).

    Unconditional requests are identical for windows of one key and meter, so they are
    generated in batches (variation ``i`` of a batch uses seed ``first + i``).
    """
    made: list[Made | None] = [None] * len(reference)
    groups: dict[tuple, list[int]] = {}
    for i, segment in enumerate(reference):
        if gan_supports(generator, segment.meter):
            group = (segment.key, segment.meter) if mode == "unconditional" else (i,)
            groups.setdefault(group, []).append(i)
    for indices in groups.values():
        settings, end = _gan_settings(reference[indices[0]], n_bars, mode, temperature, gan_options)
        for first in range(0, len(indices), MAX_COUNT):
            chunk = indices[first : first + MAX_COUNT]
            melodies = generator.generate(settings, len(chunk), seed + chunk[0])
            for i, melody in zip(chunk, melodies, strict=True):
                per_bar = melody.chords
                if not _has_meter_setting() and reference[i].meter == "2/4":
                    per_bar = tuple(c for c in per_bar for _ in range(2))
                made[i] = Made(_cut(melody.notes, end), per_bar[:n_bars])
    return made


def _gan_continuations(
    generator: MelodyGenerator,
    reference: Sequence[Segment],
    n_bars: int,
    temperature: float | None,
    seed: int,
    gan_options: Mapping,
) -> list[Made | None]:
    """The GAN's second half per window, continuing its first half (None where it cannot
    write the meter); window ``i`` is sampled with seed ``seed + i``."""
    made: list[Made | None] = [None] * len(reference)
    for i, segment in enumerate(reference):
        if gan_supports(generator, segment.meter):
            made[i] = _continue(generator, segment, n_bars, temperature, gan_options, seed + i)
    return made


def _continue(generator, segment, n_bars, temperature, gan_options, seed) -> Made:
    primer, _ = split_window(segment, n_bars)
    bars = n_bars - primer_bars(n_bars)
    settings, end = _gan_settings(segment, bars, "unconditional", temperature, gan_options)
    (melody,) = generator.continue_melody(primer, settings, 1, seed)
    middle = primer_bars(n_bars) * bar_beats(segment.meter)
    notes = [dataclasses.replace(n, start=n.start - middle) for n in melody.notes
             if n.start >= middle - 1e-9]  # fmt: skip
    return Made(_cut(notes, end), melody.chords[:bars])


def _lstm_class():
    try:
        from studio.evaluation.lstm_baseline import LstmMelodyModel
    except ImportError:
        return None
    return LstmMelodyModel


def _meter_options(model_class, meter: str) -> dict:
    """How ``model_class.fit`` and ``generate`` are told the meter: ``meter=`` or, for a model
    that only knows bar lengths, ``beats_per_bar=``."""
    if "meter" in inspect.signature(model_class.fit).parameters:
        return {"meter": meter}
    return {"beats_per_bar": bar_beats(meter)}


def available_baselines() -> tuple[str, ...]:
    """The baselines that can run here (``lstm`` needs ``studio.evaluation.lstm_baseline``)."""
    return tuple(b for b in BASELINES if b != "lstm" or _lstm_class() is not None)


def _baseline_makers(
    names: Sequence[str], data: MelodyDataset, meters: Sequence[str], n_bars: int, seed: int
) -> dict[str, Callable[[Segment, int], Made]]:
    """For each baseline, a function (window, seed) → melody; the learnt ones are fitted per
    meter on the training split's windows."""
    makers: dict[str, Callable[[Segment, int], Made]] = {}
    learnt: dict[str, dict] = {}
    for name in names:
        if name == "random":
            makers[name] = lambda s, k: Made(
                random_in_scale(n_bars, s.key, k, LOW, HIGH, meter=s.meter), None
            )
            continue
        model_class = MarkovMelodyModel if name == "markov" else _lstm_class()
        if model_class is None:
            continue
        models = learnt.setdefault(name, {})
        for meter in meters:
            train = [s.notes for s in segments(data, "train", n_bars, 20_000, seed, meter)]
            if train:
                options = _meter_options(model_class, meter)
                budget = {}
                if "seconds" in inspect.signature(model_class.fit).parameters:
                    budget["seconds"] = LSTM_SECONDS
                models[meter] = (model_class().fit(train, **options, **budget), options)

        def make(segment: Segment, k: int, models=models) -> Made:
            model, options = models[segment.meter]
            notes = model.generate(n_bars, segment.key, k, low=LOW, high=HIGH, **options)
            return Made(tuple(notes), None)

        makers[name] = make
    return makers


# ----------------------------------------------------------------------------------- scores


def _metrics(made: Sequence[Made], windows: Sequence[Segment], n_bars: int) -> dict:
    """The per-window metrics' means of ``made`` (written for ``windows``)."""
    per_window = [
        summarize(
            [m.notes],
            key=w.key,
            chords=m.chords,
            n_bars=n_bars,
            meter=w.meter,
            beats_per_chord=bar_beats(w.meter),
        )
        for m, w in zip(made, windows, strict=True)
    ]
    names = {k for p in per_window for k in p if k != "distinct_rate"}
    metrics = {}
    for name in sorted(names):
        metrics[name] = nanmean([p[name] for p in per_window if name in p])
    metrics["distinct_rate"] = distinct_rate([m.notes for m in made])
    return metrics


def _score(
    made: Sequence[Made], windows: Sequence[Segment], reference: Sequence[Segment], n_bars: int
) -> dict:
    """Per-window metrics (means), overlaps and the two-sample test of ``made`` (written for
    ``windows``) against the ``reference`` windows."""
    metrics = _metrics(made, windows, n_bars)
    test = melody_two_sample(
        [(m.notes, n_bars, w.meter) for m, w in zip(made, windows, strict=True)],
        [(s.notes, n_bars, s.meter) for s in reference],
    )
    return {
        "windows": len(made),
        "metrics": metrics,
        "overlaps": feature_overlaps([m.notes for m in made], [s.notes for s in reference]),
        "two_sample": test.to_dict(),
    }


SAMPLING_STRIDE = 1_000_003
"""Window ``i`` is sampled with seed ``seed * SAMPLING_STRIDE + i``: with ``seed + i`` the runs
of seeds 0, 1, 2 … shared all but one of their melodies, so averaging them averaged one run."""


def _made_per_model(
    generator, data, reference, n_bars, mode, temperature, gan_options, baselines, seed, draws,
    progress, cancel,
) -> tuple[list[dict[str, list[Made | None]]], dict[str, float]]:  # fmt: skip
    """Every model's melody per reference window for each of ``draws`` independent draws (the
    baselines are fitted once), and each model's diversity across eight seeds."""
    meters = sorted({s.meter for s in reference}, key=list(METER_BEATS).index)
    written = n_bars - primer_bars(n_bars) if mode == "continuation" else n_bars
    makers = _baseline_makers(baselines, data, meters, written, seed)
    steps = draws * (1 + len(makers))
    made_per_draw: list[dict[str, list[Made | None]]] = []
    done = 0
    for draw in range(draws):
        if cancel is not None:
            cancel.raise_if_cancelled()
        first = (seed + draw) * SAMPLING_STRIDE
        if mode == "continuation":
            gan = _gan_continuations(generator, reference, n_bars, temperature, first, gan_options)
        else:
            gan = _gan_melodies(generator, reference, n_bars, mode, temperature, first, gan_options)
        made = {"gan": gan}
        done += 1
        progress(done, steps, "gan written")
        for name, make in makers.items():
            if cancel is not None:
                cancel.raise_if_cancelled()
            made[name] = [make(s, first + i) for i, s in enumerate(reference)]
            done += 1
            progress(done, steps, f"{name} written")
        made_per_draw.append(made)
    diversity = {
        "gan": _gan_diversity(generator, reference, n_bars, mode, temperature, gan_options)
    }
    for name, make in makers.items():
        diversity[name] = float(np.mean([
            distinct_rate([make(s, 1000 * i + j).notes for j in range(8)])
            for i, s in enumerate(reference[:20])
        ]))  # fmt: skip
    return made_per_draw, diversity


def _real_score(
    windows: Sequence, references: Sequence[Segment], n_bars: int, scored_bars: int, mode: str
) -> dict | None:
    """``_score`` of real ``windows`` of ``n_bars`` as if a model had written them (in
    continuation mode (first half, second half) pairs: the second halves, with ``_fit``'s
    figures) against the ``references`` of ``scored_bars``; None for fewer than two."""
    if len(windows) < 2:
        return None
    fit = {}
    if mode == "continuation":
        fit = _fit([(p, w.notes, w.meter) for p, w in windows], n_bars)
        windows = [w for _, w in windows]
    result = _score([Made(s.notes, s.chords) for s in windows], windows, references, scored_bars)
    result["metrics"] |= fit
    return result


def _fit(pairs: Sequence[tuple[Sequence[Note], Sequence[Note], str]], n_bars: int) -> dict:
    """The means of ``metrics.continuation_fit`` over (primer, continuation, meter) ``pairs``
    of windows of ``n_bars`` bars."""
    first = primer_bars(n_bars)
    fits = [continuation_fit(p, c, first, n_bars - first, meter) for p, c, meter in pairs]
    return {key: nanmean([f[key] for f in fits]) for key in fits[0]}


def _combine(draws: Sequence[dict]) -> dict:
    """One model's results over several draws: the metrics' and overlaps' means, and the
    two-sample accuracy's mean with its standard deviation and each draw's value (``draws``)."""
    if len(draws) == 1:
        return draws[0]
    first = draws[0]
    accuracies = [d["two_sample"]["accuracy"] for d in draws]
    return {
        "windows": first["windows"],
        "metrics": {k: nanmean([d["metrics"][k] for d in draws]) for k in first["metrics"]},
        "overlaps": {k: nanmean([d["overlaps"][k] for d in draws]) for k in first["overlaps"]},
        "two_sample": {
            "accuracy": float(np.mean(accuracies)),
            "sd": float(np.std(accuracies)),
            "draws": accuracies,
            "p_value": max(d["two_sample"]["p_value"] for d in draws),
            "n": first["two_sample"]["n"],
        },
    }


def _gan_diversity(generator, reference, n_bars, mode, temperature, gan_options) -> float:
    """Distinct melodies among eight seeds under one request, averaged over 20 windows."""
    rates = []
    for i, segment in enumerate(reference[:20]):
        if not gan_supports(generator, segment.meter):
            continue
        if mode == "continuation":
            made = [_continue(generator, segment, n_bars, temperature, gan_options, 1000 * i + j)
                    for j in range(8)]  # fmt: skip
            rates.append(distinct_rate([m.notes for m in made]))
            continue
        settings, end = _gan_settings(segment, n_bars, mode, temperature, gan_options)
        melodies = generator.generate(settings, 8, 1000 * i)
        rates.append(distinct_rate([_cut(m.notes, end) for m in melodies]))
    return float(np.mean(rates)) if rates else math.nan


def evaluate_generation(
    generator: MelodyGenerator,
    data: MelodyDataset,
    *,
    mode: str = "unconditional",
    n_bars: int = 8,
    limit: int = 150,
    seed: int = 0,
    split: str = "test",
    temperature: float | None = None,
    gan_options: Mapping[str, object] | None = None,
    baselines: Sequence[str] = BASELINES,
    draws: int = 1,
    outside: MelodyDataset | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Evaluate the GAN and the baselines per meter; returns a JSON-ready report.

    Args:
        generator: the GAN to judge.
        data: the data set (its ``split`` is the reference, its training split fits baselines).
        mode: "unconditional" (the CLI defaults: only bars, key and meter), "conditional"
            (also the window's chords and note density) or "continuation" (the GAN continues
            each window's first half; the second halves are scored, with
            ``continuation_fit``'s figures).
        n_bars: bars per window, of the window's meter.
        limit: reference windows per meter at most (bounds the run time).
        seed: seeds the choice of windows and every model's sampling (other seeds draw other
            melodies for every window: ``SAMPLING_STRIDE``).
        split: "test" to report, "valid" to choose settings and checkpoints on.
        temperature: the GAN's sampling temperature (default: the generator's default).
        gan_options: further ``GenerationSettings`` fields for the GAN, as a user's flags
            would give them (e.g. ``{"density": 0.375}``).
        baselines: any of ``BASELINES``; an unavailable ``lstm`` is skipped.
        draws: independent sampling draws of every model (draw ``d`` samples as ``seed + d``
            alone would); with more than one, each result holds the means and its
            ``two_sample`` the accuracy's mean, ``sd`` and ``draws`` (one draw of 8-bar windows
            moves by about ±0.015 overall, more per meter).
        outside: tunes from elsewhere to judge against instead of ``data``'s ``split``: every
            tune of it is a reference, as in an independent check on music the models never
            learnt from; the "real" row is then ``data``'s validation tunes against them (how
            far the corpus itself is from them), so the test split stays unseen.

    Returns:
        ``{"results": {meter or "all": {model: {"windows", "metrics", "overlaps",
        "two_sample"}}}, "reference": …, "mode": …, …}``.
    """
    if mode not in MODES:
        raise InvalidInput(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if draws < 1:
        raise InvalidInput(f"draws must be at least 1, not {draws}")
    if mode == "continuation" and n_bars < 2:
        raise InvalidInput("a continuation needs windows of 2 bars or more (half is the primer)")
    unknown = set(baselines) - set(BASELINES)
    if unknown:
        raise InvalidInput(f"unknown baseline {sorted(unknown)[0]!r} (use {', '.join(BASELINES)})")
    started = time.perf_counter()
    if outside is not None:
        reference = segments(outside, "all", n_bars, limit, seed)
    else:
        reference = segments(data, split, n_bars, limit, seed)
    if len(reference) < 2:
        where = "the outside tunes have" if outside is not None else f"the {split} split has"
        raise StudioError(f"{where} too few melodies of {n_bars} bars to compare")
    made_per_draw, diversity = _made_per_model(
        generator, data, reference, n_bars, mode, temperature, dict(gan_options or {}),
        baselines, seed, draws, progress, cancel,
    )  # fmt: skip
    other = "valid" if split == "test" or outside is not None else "train"
    meters = sorted({s.meter for s in reference}, key=list(METER_BEATS).index)
    counts = {m: sum(s.meter == m for s in reference) for m in meters}
    real = {m: segments(data, other, n_bars, counts[m], seed, m) for m in meters}
    # as many training windows as reference windows, other ones each draw ("real" is already
    # the training split's when the reference is the validation split)
    learnt = [] if other == "train" else [
        {m: segments(data, "train", n_bars, counts[m], seed + draw * SAMPLING_STRIDE, m)
         for m in meters}
        for draw in range(draws)
    ]  # fmt: skip
    scored, scored_bars = reference, n_bars  # the windows written and scored
    if mode == "continuation":  # the second halves, each after its own first half
        primers, scored = zip(*(split_window(s, n_bars) for s in reference), strict=True)
        scored_bars = n_bars - primer_bars(n_bars)
        real, *learnt = [
            {m: [split_window(s, n_bars) for s in windows] for m, windows in picked.items()}
            for picked in (real, *learnt)
        ]
    results: dict[str, dict] = {}
    for group in [*meters, "all"]:
        if group == "all" and len(meters) == 1:
            results["all"] = results[meters[0]]
            break
        chosen = [i for i, s in enumerate(reference) if group in ("all", s.meter)]
        table = {}
        for name in made_per_draw[0]:
            kept = [i for i in chosen if made_per_draw[0][name][i] is not None]
            if len(kept) >= 2:
                windows = [scored[i] for i in kept]
                scores = [_score([made[name][i] for i in kept], windows, windows, scored_bars)
                          for made in made_per_draw]  # fmt: skip
                table[name] = _combine(scores)
                table[name]["metrics"]["distinct_across_seeds"] = diversity[name]
                if mode == "continuation":
                    table[name]["metrics"] |= _fit(
                        [(primers[i], made[name][i].notes, windows[j].meter)
                         for made in made_per_draw for j, i in enumerate(kept)], n_bars,
                    )  # fmt: skip
        references = [scored[i] for i in chosen]
        in_group = [m for m in meters if group in ("all", m)]
        own = _real_score([w for m in in_group for w in real[m]], references, n_bars,
                          scored_bars, mode)  # fmt: skip
        if own is not None:
            table["real"] = own
        learnt_scores = [
            _real_score([w for m in in_group for w in picked[m]], references, n_bars,
                        scored_bars, mode)
            for picked in learnt
        ]  # fmt: skip
        if learnt_scores and None not in learnt_scores:
            table["train"] = _combine(learnt_scores)
        table["reference"] = {
            "windows": len(references),
            "metrics": _metrics([Made(s.notes, s.chords) for s in references], references,
                                scored_bars),
        }  # fmt: skip
        results[group] = table
    progress(1, 1, "done")
    return {
        "model": str(generator.path),
        "mode": mode,
        "gan_options": dict(gan_options or {}),
        "reference": {"split": "outside" if outside is not None else split, "bars": n_bars,
                      "windows": len(reference),
                      "per_meter": {m: sum(s.meter == m for s in reference) for m in meters}},
        "temperature": temperature or GenerationSettings().temperature,
        "seed": seed,
        "draws": draws,
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
    }  # fmt: skip


# ------------------------------------------------------------------------------------ table

SUMMARY_ROWS = (
    ("count", "windows", "windows"),
    ("overlap", "mean", "**overlap: mean**"),
    ("two_sample", "accuracy", "**two-sample accuracy** (0.5 = like real)"),
    ("overlap", "note_count", "overlap: notes per bar"),
    ("overlap", "ioi_histogram", "overlap: inter-onset intervals"),
    ("overlap", "note_length_histogram", "overlap: note lengths"),
    ("metric", "self_similarity", "self-similarity between bars"),
    ("metric", "ends_on_tonic", "ends on the tonic"),
    ("metric", "middle_on_dominant", "half cadence (middle on V)"),
    ("metric", "long_phrase_ends", "phrase-final notes ≥ 1 beat"),
    ("metric", "notes_per_bar", "notes per bar"),
    ("metric", "in_scale_rate", "in-scale rate"),
)
"""(kind, key, label) of the rows shown for each meter."""

METRIC_LABELS = {
    "in_scale_rate": "in-scale rate (baselines: key lock)",
    "chord_tone_rate": "chord tones on strong beats",
    "empty_bar_rate": "empty-bar rate",
    "qualified_note_rate": "qualified notes (≥ 1/16)",
    "used_pitch_classes": "used pitch classes per bar",
    "pitch_range": "pitch range (semitones)",
    "average_interval": "average interval (semitones)",
    "notes_per_bar": "notes per bar",
    "self_similarity": "self-similarity between bars",
    "ends_on_tonic": "ends on the tonic",
    "middle_on_dominant": "half cadence (middle on V)",
    "long_phrase_ends": "phrase-final notes ≥ 1 beat",
    "distinct_rate": "distinct melodies",
    "distinct_across_seeds": "distinct across 8 seeds",
    "pace_gap": "continuation: notes per bar off the primer's",
    "register_gap": "continuation: mean pitch off the primer's",
    "primer_returns": "continuation: bars of the primer again",
}
"""Labels of the metrics in the full table (``"all"``)."""


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}"


def _value(result: dict | None, kind: str, key: str) -> str:
    part = {"two_sample": "two_sample", "overlap": "overlaps"}.get(kind)
    if result is None or (part is not None and part not in result):
        return "—"  # the reference windows themselves have metrics only
    if kind == "count":
        return str(result["windows"])
    if kind == "two_sample":
        test = result["two_sample"]
        if "draws" in test:
            return f"{test['accuracy']:.3f} ± {test['sd']:.3f} ({len(test['draws'])} draws)"
        return f"{test['accuracy']:.2f} ({test['low']:.2f}–{test['high']:.2f})"
    return _cell(result["overlaps" if kind == "overlap" else "metrics"].get(key))


def _rows(table: dict, full: bool) -> list[tuple[str, str, str]]:
    if not full:
        return list(SUMMARY_ROWS)
    overlaps = next(iter(table.values()))["overlaps"]
    return [
        *SUMMARY_ROWS[:3],
        *[("metric", k, label) for k, label in METRIC_LABELS.items()],
        *[("overlap", k, f"overlap: {k.replace('_', ' ')}") for k in overlaps if k != "mean"],
    ]  # fmt: skip


def format_table(report: dict) -> str:
    """The report as Markdown: one table per meter (the summary rows), then every metric and
    overlap for all meters together; one column per model."""
    sections = []
    groups = list(report["results"])
    per_meter = report["reference"].get("per_meter", {})
    for group in groups:
        table = report["results"][group]
        if not table or (group == "all" and len(groups) == 2):
            continue  # one meter: "all" is the same table
        names = [n for n in MODELS if n in table]
        full = group == "all" or len(groups) == 2
        title = "all meters" if group == "all" else f"{group} ({per_meter.get(group, '?')} windows)"
        lines = [f"### {title}", "", "| metric | " + " | ".join(names) + " |",
                 "|---" * (len(names) + 1) + "|"]  # fmt: skip
        for kind, key, label in _rows(table, full):
            lines.append(f"| {label} | " + " | ".join(_value(table[n], kind, key) for n in names)
                         + " |")  # fmt: skip
        sections.append("\n".join(lines))
    return "\n\n".join(sections)
