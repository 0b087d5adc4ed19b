"""``studio eval generation``: the GAN against two baselines on held-out melodies, in one run.

The reference is the test split of the data set: segments of ``n_bars`` bars of real melodies
(key-normalised to C major / A minor) with their chords and note density. For every reference
segment each model makes a melody of the same length for the same key, and the GAN also gets the
segment's chords and density. Models:

* ``gan``: the generator with its default decoding (key lock, chord-tone strength 0.5);
* ``markov``: an order-2 Markov chain over (interval, duration), fitted on the training split,
  key-locked like the GAN;
* ``random``: random notes of the scale with random grid durations.

For each model: the per-melody metrics of ``studio.evaluation.metrics.summarize`` (in-scale rate,
chord-tone rate on strong beats, empty bars, qualified notes, used pitch classes, range,
self-similarity, distinct rate), the Yang & Lerch overlap areas with the reference, and the
diversity of eight seeds under one condition. A ``real`` row measures the validation split
against the test split the same way: the ceiling to compare with.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from studio.core.music import Note
from studio.core.pianoroll import EncodedMelody, decode_melody
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import CHORD_QUALITIES, Chord, Key
from studio.evaluation.baselines import MarkovMelodyModel, random_in_scale
from studio.evaluation.metrics import distinct_rate, feature_overlaps, summarize
from studio.generation.data import SPEC, MelodyDataset
from studio.generation.generator import GenerationSettings, MelodyGenerator

LOW, HIGH = SPEC.low, SPEC.high
_QUALITY_BY_INTERVALS = {tuple(sorted(v)): k for k, v in CHORD_QUALITIES.items()}


@dataclass(frozen=True)
class Segment:
    """A real melody segment: notes (beats from 0), its chord per bar, key and density."""

    notes: tuple[Note, ...]
    chords: tuple[Chord, ...]
    key: Key
    density: float


def _chord(root: int, tones: np.ndarray) -> Chord:
    intervals = tuple(sorted((pc - root) % 12 for pc in np.flatnonzero(tones)))
    return Chord(int(root), _QUALITY_BY_INTERVALS.get(intervals, "maj"))


def segments(
    data: MelodyDataset, split: str, n_bars: int, limit: int, seed: int = 0
) -> list[Segment]:
    """Up to ``limit`` non-overlapping segments of ``n_bars`` bars from ``split``, seeded."""
    starts = data.segments(n_bars, split)
    starts = starts[data.bar[starts] % n_bars == 0]  # non-overlapping windows
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.permutation(starts)[:limit]) if len(starts) > limit else starts
    result = []
    for start in chosen:
        rows = slice(start, start + n_bars)
        pitch = data.pitch[rows].reshape(-1).astype(np.int16)
        onset = data.onset[rows].reshape(-1)
        melody = EncodedMelody(pitch, onset, np.zeros(len(pitch), dtype=np.uint8))
        notes = decode_melody(melody, SPEC)
        if not notes:
            continue
        chords = tuple(
            _chord(root, tones)
            for root, tones in zip(data.chord_root[rows], data.chord_tones[rows], strict=True)
        )
        key = Key(0, "major") if data.mode[start] == 0 else Key(9, "natural_minor")
        result.append(Segment(notes, chords, key, float(onset.mean())))
    return result


def _scores(melodies, reference: list[Segment], n_bars: int) -> dict:
    """Mean metrics over melodies made for each reference segment, plus overlaps."""
    per_melody = [
        summarize([m], key=s.key, chords=s.chords, n_bars=n_bars)
        for m, s in zip(melodies, reference, strict=True)
    ]
    keys = per_melody[0].keys() if per_melody else ()
    metrics = {
        k: float(np.nanmean([p[k] for p in per_melody])) for k in keys if k != "distinct_rate"
    }
    metrics["distinct_rate"] = distinct_rate(melodies)
    overlaps = feature_overlaps(list(melodies), [s.notes for s in reference])
    return {"metrics": metrics, "overlaps": overlaps}


def evaluate_generation(
    generator: MelodyGenerator,
    data: MelodyDataset,
    *,
    n_bars: int = 4,
    limit: int = 300,
    seed: int = 0,
    split: str = "test",
    temperature: float | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Evaluate the GAN and the baselines; returns a JSON-ready dict of tables.

    ``limit`` bounds the number of reference segments (and so the run time). Choose settings
    (``temperature``, a checkpoint) on ``split="valid"`` and report on the test split.
    """
    started = time.perf_counter()
    temperature = temperature or GenerationSettings().temperature
    reference = segments(data, split, n_bars, limit, seed)
    if not reference:
        from studio.core.errors import StudioError

        raise StudioError(f"the test split has no melody of {n_bars} bars to compare with")
    train_melodies = [s.notes for s in segments(data, "train", n_bars, 20_000, seed)]
    markov = MarkovMelodyModel().fit(train_melodies)
    steps = 4
    progress(0, steps, "reference ready")

    def check() -> None:
        if cancel is not None:
            cancel.raise_if_cancelled()

    def gan(segment: Segment, melody_seed: int) -> tuple[Note, ...]:
        settings = GenerationSettings(
            bars=n_bars, key=segment.key, chords=segment.chords,
            density=min(1.0, segment.density), low=LOW, high=HIGH, temperature=temperature,
        )  # fmt: skip
        return generator.generate(settings, 1, melody_seed)[0].notes

    makers = {
        "gan": gan,
        "markov": lambda s, k: markov.generate(n_bars, s.key, k, low=LOW, high=HIGH),
        "random": lambda s, k: random_in_scale(n_bars, s.key, k, LOW, HIGH),
    }
    tables = {}
    for name, make in makers.items():
        melodies = [make(segment, seed + i) for i, segment in enumerate(reference)]
        tables[name] = _scores(melodies, reference, n_bars)
        # Diversity: eight seeds under one condition, averaged over some conditions.
        tables[name]["metrics"]["distinct_across_seeds"] = float(
            np.mean([
                distinct_rate([make(segment, 1000 * i + j) for j in range(8)])
                for i, segment in enumerate(reference[:20])
            ])
        )  # fmt: skip
        check()
        progress(len(tables), steps, f"scored {name}")
    other = "valid" if split == "test" else "train"
    valid = segments(data, other, n_bars, len(reference), seed)
    if valid:
        real = _scores([s.notes for s in valid], valid, n_bars)
        real["overlaps"] = feature_overlaps([s.notes for s in valid], [s.notes for s in reference])
        tables["real"] = real
    progress(steps, steps, "done")
    return {
        "model": str(generator.path),
        "reference": {"split": split, "segments": len(reference), "bars": n_bars},
        "temperature": temperature,
        "seconds": round(time.perf_counter() - started, 1),
        "results": tables,
    }


METRIC_LABELS = {
    "in_scale_rate": "in-scale rate (key lock)",
    "chord_tone_rate": "chord tones on beats 1 and 3",
    "empty_bar_rate": "empty-bar rate",
    "qualified_note_rate": "qualified notes (≥ 1/16)",
    "used_pitch_classes": "used pitch classes per bar",
    "pitch_range": "pitch range (semitones)",
    "self_similarity": "self-similarity between bars",
    "distinct_rate": "distinct melodies",
    "distinct_across_seeds": "distinct across 8 seeds",
}


def format_table(report: dict) -> str:
    """The report as a Markdown table (one column per model), for the terminal and model card."""
    results = report["results"]
    names = [n for n in ("gan", "markov", "random", "real") if n in results]
    header = "| metric | " + " | ".join(names) + " |"
    lines = [header, "|---" * (len(names) + 1) + "|"]

    def row(label: str, values: list[float]) -> str:
        cells = ["—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"
                 for v in values]  # fmt: skip
        return f"| {label} | " + " | ".join(cells) + " |"

    for key, label in METRIC_LABELS.items():
        values = [results[n]["metrics"].get(key) for n in names]
        if any(v is not None for v in values):
            lines.append(row(label, values))
    overlap_keys = [k for k in results["gan"]["overlaps"] if k != "mean"] + ["mean"]
    for key in overlap_keys:
        label = "**overlap: mean**" if key == "mean" else f"overlap: {key.replace('_', ' ')}"
        lines.append(row(label, [results[n]["overlaps"].get(key) for n in names]))
    return "\n".join(lines)
