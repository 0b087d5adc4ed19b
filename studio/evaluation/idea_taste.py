"""Does ranking ideas by a profile's taste put more keepers on the first page? Simulated
songwriters say (``studio eval ideas``).

Each simulated songwriter likes one register (low, middle or high: the thirds of the
generator's own output by median pitch), one density (sparse, medium, busy: notes per bar) and
one contour (falling, level, rising: the last third's mean pitch against the first third's):
27 songwriters. These are the songwriter's own measures, not the taste model's features
(which read mean pitch, notes per beat, second half against first half, and nine more), so
the model has to find the taste, not read it off. On each page a songwriter keeps (♥) the
ideas that have at least two of its three liked qualities and rejects (✕) half of those with
none; the rest it ignores. Every round is one Generate with the window's defaults in the
songwriter's key and a new seed; after ``rounds`` rounds of feedback the next page is scored.
The same songwriters with the same seeds get unranked pages (what Generate gives with the
setting off), so the difference is the ranking's alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from studio.core.progress import ProgressCallback, no_progress
from studio.core.theory import Key
from studio.generation.generator import GeneratedMelody, GenerationSettings, MelodyGenerator
from studio.generation.idea_reading import melody_inputs
from studio.recommend.idea_taste import OVERGENERATE, rank_ideas

PAGE = 8
"""Ideas on a page: the Generate panel's default variations."""
KEYS = ("C major", "A minor", "D minor", "G major", "E minor", "F major")
QUALITIES = ("register", "density", "contour")


@dataclass(frozen=True)
class Songwriter:
    """Which third of each quality a songwriter likes (0 low … 2 high), and its key."""

    liked: tuple[int, int, int]
    key: str

    @property
    def name(self) -> str:
        """ "high · sparse · rising"."""
        words = (("low", "middle", "high"), ("sparse", "medium", "busy"),
                 ("falling", "level", "rising"))  # fmt: skip
        return " · ".join(words[q][third] for q, third in enumerate(self.liked))


def qualities(melody: GeneratedMelody) -> np.ndarray:
    """The songwriter's measures of a melody: median pitch, notes per bar, and the last
    third's mean pitch minus the first third's (by note order)."""
    pitch = np.array([note.pitch for note in melody.notes], dtype=np.float64)
    if len(pitch) == 0:
        return np.array([0.0, 0.0, 0.0])
    third = max(1, len(pitch) // 3)
    return np.array([
        float(np.median(pitch)),
        len(pitch) / melody.settings.bars,
        float(pitch[-third:].mean() - pitch[:third].mean()),
    ])  # fmt: skip


def thirds(samples: np.ndarray) -> np.ndarray:
    """(3, 2): the cut points between the thirds of each quality over ``samples`` (n, 3)."""
    return np.percentile(samples, [100 / 3, 200 / 3], axis=0).T


def matches(measures: np.ndarray, cuts: np.ndarray, writer: Songwriter) -> int:
    """How many of the writer's liked qualities a melody with ``measures`` has."""
    return sum(
        int(np.searchsorted(cuts[q], measures[q], side="right")) == third
        for q, third in enumerate(writer.liked)
    )


@dataclass
class SessionResult:
    """One songwriter's pages: per round, the share of the page kept (ranked and unranked)."""

    writer: Songwriter
    ranked: list[float]
    unranked: list[float]


def simulate(
    generator: MelodyGenerator,
    writer: Songwriter,
    cuts: np.ndarray,
    rounds: int,
    seed: int,
    *,
    ranked: bool,
) -> list[float]:
    """The kept share of each of ``rounds + 1`` pages one songwriter gets (the last one after
    ``rounds`` rounds of feedback)."""
    rng = np.random.default_rng([seed, *writer.liked])
    settings = GenerationSettings(key=Key.parse(writer.key))
    kept: list[np.ndarray] = []
    rejected: list[np.ndarray] = []
    shares = []
    for round_number in range(rounds + 1):
        page_seed = seed + 1000 * round_number
        made = generator.generate(settings, PAGE * (OVERGENERATE if ranked else 1), page_seed)
        if ranked:
            inputs = [melody_inputs(melody) for melody in made]
            page = rank_ideas(inputs, kept, rejected, PAGE)
            shown = [(made[row], inputs[row]) for row in page.rows]
        else:
            shown = [(melody, None) for melody in made]
        keeps = 0
        for melody, inputs in shown:
            hits = matches(qualities(melody), cuts, writer)
            if hits >= 2:
                keeps += 1
                kept.append(melody_inputs(melody) if inputs is None else inputs)
            elif hits == 0 and rng.random() < 0.5:
                rejected.append(melody_inputs(melody) if inputs is None else inputs)
        shares.append(keeps / len(shown))
    return shares


def evaluate_idea_taste(
    generator: MelodyGenerator,
    *,
    rounds: int = 5,
    repeats: int = 2,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    writers: Callable[[], list[Songwriter]] | None = None,
) -> dict:
    """Run every songwriter ``repeats`` times with and without ranking; the kept share of the
    page after ``rounds`` rounds of feedback, per round and per songwriter, as JSON."""
    sample = [
        melody
        for key in KEYS
        for start in range(0, 128, 64)
        for melody in generator.generate(GenerationSettings(key=Key.parse(key)), 64,
                                         seed + 99_999 + start)
    ]  # fmt: skip
    cuts = thirds(np.array([qualities(melody) for melody in sample]))
    people = writers() if writers is not None else [
        Songwriter((r, d, c), KEYS[(9 * r + 3 * d + c) % len(KEYS)])
        for r in range(3) for d in range(3) for c in range(3)
    ]  # fmt: skip
    results = []
    total = len(people) * repeats
    for n, (writer, repeat) in enumerate((w, r) for w in people for r in range(repeats)):
        session_seed = seed + 10_000 * repeat + 7
        results.append(SessionResult(
            writer,
            simulate(generator, writer, cuts, rounds, session_seed, ranked=True),
            simulate(generator, writer, cuts, rounds, session_seed, ranked=False),
        ))  # fmt: skip
        progress(n + 1, total, writer.name)
    return summarise(results, rounds)


def summarise(results: list[SessionResult], rounds: int) -> dict:
    """Means per round, the final page's difference with a bootstrap interval, per writer."""
    ranked = np.array([r.ranked for r in results])
    unranked = np.array([r.unranked for r in results])
    final = ranked[:, rounds] - unranked[:, rounds]
    rng = np.random.default_rng(0)
    boots = [final[rng.integers(0, len(final), len(final))].mean() for _ in range(2000)]
    low, high = np.percentile(boots, [2.5, 97.5])
    return {
        "rounds": rounds,
        "sessions": len(results),
        "page": PAGE,
        "candidates": PAGE * OVERGENERATE,
        "ranked_by_round": [round(float(v), 3) for v in ranked.mean(axis=0)],
        "unranked_by_round": [round(float(v), 3) for v in unranked.mean(axis=0)],
        "ranked_final": round(float(ranked[:, rounds].mean()), 3),
        "unranked_final": round(float(unranked[:, rounds].mean()), 3),
        "difference": round(float(final.mean()), 3),
        "difference_ci95": [round(float(low), 3), round(float(high), 3)],
        "better_sessions": int((final > 0).sum()),
        "worse_sessions": int((final < 0).sum()),
    }
