"""Benchmark recommendations ("for you"); writes two tables into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_recommend.py [--no-write]
Targets: ``Recommender.recommend`` over 100,000 tracks (80 dims) ≤ 20 ms median for a profile of
50 events beside 3 other profiles; a taste-model update after one event ≤ 200 ms. The library is
synthetic (random unit vectors, fixed seed); events fall on 2,000 of its tracks so that the
profiles overlap and the collaborative part runs. Then the simulated users of
``studio.evaluation.recommend`` on the corpus style set with the shipped autoencoder (section
"recommend-quality"; skipped when the weights are absent).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)

from studio.library.feedback import FeedbackEvent  # noqa: E402
from studio.recommend.ranker import Recommender  # noqa: E402
from studio.recommend.taste import TasteModel, TrackTable  # noqa: E402

TRACKS = 100_000
DIMS = 80  # the joined vector: 64 learnt numbers and 16 musical traits
EVENTS = 50
KINDS = ("like", "like", "play", "play", "skip", "skip", "added", "dislike")
START = 1_700_000_000.0


def library(tracks: int = TRACKS, seed: int = 0) -> TrackTable:
    """A table of random unit vectors, tempo 60–180 BPM and density around 2 notes per beat."""
    rng = np.random.default_rng(seed)
    return TrackTable(
        np.arange(tracks), rng.standard_normal((tracks, DIMS), dtype=np.float32),
        rng.uniform(60, 180, tracks), rng.gamma(4.0, 0.5, tracks),
        [f"track {i}" for i in range(tracks)],
    )  # fmt: skip


def profile_events(rng: np.random.Generator, count: int, start: float) -> list[FeedbackEvent]:
    """``count`` random events, a minute apart, on the first 2,000 tracks."""
    return [
        FeedbackEvent(int(rng.integers(2_000)), KINDS[int(rng.integers(len(KINDS)))],
              float(rng.random()), start + 60.0 * i)
        for i in range(count)
    ]  # fmt: skip


def timed(function, repeats: int, warm: int = 3) -> list[float]:
    """Seconds of each of ``repeats`` calls after ``warm`` unmeasured ones."""
    for _ in range(warm):
        function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return sorted(times)


def ms(times: list[float]) -> str:
    """Median / p95 in milliseconds."""
    p95 = times[int(0.95 * (len(times) - 1))]
    return f"{statistics.median(times) * 1000:.1f} / {p95 * 1000:.1f} ms"


def speed_rows() -> list[tuple[str, str, str]]:
    """Latency of recommendations, model fitting and updating at 100,000 tracks."""
    started = time.perf_counter()
    table = library()
    built = time.perf_counter() - started
    rng = np.random.default_rng(1)
    world = {name: profile_events(rng, EVENTS, START + 1000.0 * i)
             for i, name in enumerate(("me", "a", "b", "c"))}  # fmt: skip
    now = START + 86_400.0
    recommender = Recommender(table)
    fit = timed(lambda: TasteModel(DIMS).fit(table, world["me"]), 10, warm=1)
    taste = TasteModel(DIMS).fit(table, world["me"])
    hybrid = timed(lambda: recommender.recommend(world, "me", now=now, taste=taste), 60)
    seeded = timed(lambda: recommender.recommend(world, "me", seed=7, now=now, taste=taste), 30)
    content = timed(lambda: recommender.content_only(world, "me", now=now), 30)
    updates, loop = [], []
    for i in range(40):
        event = FeedbackEvent(int(rng.integers(TRACKS)), KINDS[i % len(KINDS)], 0.9, now + 60.0 * i)
        world["me"].append(event)
        started = time.perf_counter()
        taste.update(table, event)
        updates.append(time.perf_counter() - started)
        recommender.recommend(world, "me", now=event.at, taste=taste)
        loop.append(time.perf_counter() - started)
    updates.sort()
    loop.sort()
    what = f"{TRACKS:,} tracks × {DIMS} dims, {EVENTS} events + 3 other profiles"
    return [
        (f"`Recommender.recommend` (hybrid, kept taste model), {what}, warm (median / p95 of 60)",
         ms(hybrid), "≤ 20 ms median"),
        ("same, \"similar to this, for you\" (a seed track)", ms(seeded), ""),
        ("`Recommender.content_only`, same profile", ms(content), ""),
        ("`TasteModel.update` after one event (median / p95 of 40)", ms(updates),
         "≤ 200 ms; 8 Adam steps on the event and the replay of the last 100"),
        ("one feedback event: update, then the next recommendations", ms(loop), ""),
        (f"`TasteModel.fit` on {EVENTS} events (a recommend without a kept model adds it)",
         ms(sorted(fit)), "150 Adam steps"),
        (f"`TrackTable` of {TRACKS:,} tracks (once per library change)", f"{built:.2f} s", ""),
    ]  # fmt: skip


def quality(write: bool) -> None:
    """Run the simulated users on the style set and record the table."""
    from studio.evaluation.recommend import evaluate_recommend
    from studio.similarity.embedder import DEFAULT_WEIGHTS

    if not DEFAULT_WEIGHTS.is_file():
        print(f"no shipped weights at {DEFAULT_WEIGHTS}: recommend-quality skipped")
        return
    report = evaluate_recommend()
    rounds, late = report["rounds"], max(report["rounds"] // 2, 1)
    rows = [
        (method, f"{p[0]:.3f}", f"{report['after_20'][method]:.3f}", f"{p[-1]:.3f}",
         f"{report['late'][method]:.3f}")
        for method, p in report["precision"].items()
    ]  # fmt: skip
    chance = f"{report['chance']:.3f}"
    rows.append(("(chance: share of a user's groups in the library)", chance, chance, chance,
                 chance))  # fmt: skip
    record(
        "recommend-quality",
        "Recommendation quality (simulated users)",
        f"`benchmarks/bench_recommend.py` on {machine()} (= `evaluate_recommend`, "
        f"seed 0): the corpus style set, {report['tracks']} pieces in {report['groups']} "
        f"composers/collections, shipped autoencoder; {report['users']} users, each with a hidden "
        f"taste of 1–2 groups, see the top 10 for {rounds} rounds, like what matches and skip the "
        f"rest; precision@10 averaged over users; cold start identical for hybrid and "
        f"content-only: {report['cold_start']}; {report['seconds']:.0f} s",
        ["method", "round 1 (cold start)", "after 20 feedback events (round 3)", f"round {rounds}",
         f"mean of rounds {rounds - late + 1}–{rounds}"],
        rows,
        write=write,
    )  # fmt: skip


COMPOSERS = ("bach", "beethoven", "haydn", "josquin", "monteverdi", "mozart", "palestrina",
             "schumann_robert", "trecento")  # fmt: skip
"""The style set's composers: listeners who like one composer's pieces and skip the rest."""


def composer_quality(write: bool) -> None:
    """Run the simulated users on the composers of the style set and record per-round
    precision (rounds 2–4 are where a taste must show after a handful of reactions)."""
    from studio.evaluation.recommend import evaluate_recommend

    report = evaluate_recommend(groups=COMPOSERS)
    shown = (1, 2, 3, 4, 5, 10, 20)
    rows = [
        (method, *(f"{p[r - 1]:.3f}" for r in shown), f"{np.mean(p[1:4]):.3f}")
        for method, p in report["precision"].items()
    ]
    chance = f"{report['chance']:.3f}"
    rows.append(("(chance)", *([chance] * (len(shown) + 1))))
    record(
        "recommend-composers",
        "Recommendation quality: composer-level listeners",
        f"`benchmarks/bench_recommend.py` on {machine()} (= `studio eval recommend --groups "
        f"{','.join(COMPOSERS)}`, seed 0): {report['tracks']} pieces of {report['groups']} "
        f"composers, shipped autoencoder and traits; {report['users']} users, each liking 1–2 "
        f"composers' pieces and skipping the rest; precision@10 per round",
        ["method", *(f"round {r}" for r in shown), "rounds 2–4"],
        rows,
        write=write,
    )


def main() -> None:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--speed-only", action="store_true", help="skip the simulated users")
    arguments = parser.parse_args()
    load = os.getloadavg()[0]
    rows = speed_rows()
    record(
        "recommend", "Recommendations (for you)",
        f"`python benchmarks/bench_recommend.py` ({machine()}, {os.cpu_count()} cores, load "
        f"average {load:.1f} at the start; synthetic random library)",
        ("what", "measured", "target / note"), rows, write=not arguments.no_write,
    )  # fmt: skip
    if not arguments.speed_only:
        quality(write=not arguments.no_write)
        composer_quality(write=not arguments.no_write)


if __name__ == "__main__":
    main()
