"""``studio eval recommend``: simulated users give feedback on a labelled library's recommendations.

Each simulated user has a hidden taste: 1 or 2 groups of the labelled set (composers,
collections), drawn among the groups with at least ``top`` songs (all groups if none has). Round
1 is a cold start; in every round each user is shown the top 10 of a method, likes the shown
tracks of their taste groups and skips the others after ``SKIP_SECONDS``. The events accumulate
and the next round is one day later (``ROUND_SECONDS``), so the recommender's hold-back (the last
20 events or 24 hours) keeps the previous two rounds' tracks out. All users of a method share one
world of events: the lists of a round are computed first, then every user reacts.

Methods, each in its own world: ``hybrid`` (``Recommender.recommend``, one ``TasteModel`` per
user updated after each event), ``content-only`` (``Recommender.content_only``), ``knn`` (each
track scored by the mean of its ``KNN_NEIGHBOURS`` highest cosines to the user's liked tracks;
with nothing liked, closeness to the library's centre, as the others start), ``popularity``
(positive events over all simulated users of its world so far, ties by track id, the user's
held-back tracks removed) and ``random`` (seeded by run seed, user and round).

Reported: the mean precision@10 over users in each round (``precision``), their mean over the
second half of the rounds (rounds 11–20 of 20, ``late``), P@10 after 20 events (round 3, the
first list shown after 20 events) and the share of relevant tracks (``chance``). ``cold_start``
says whether hybrid and content-only showed every user the same round-1 list (they must).
Numpy only: the encoder runs in numpy, torch is never loaded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.progress import Cancelled, CancelToken, ProgressCallback, no_progress
from studio.library.feedback import FeedbackEvent
from studio.recommend.ranker import Recommender, popularity
from studio.recommend.taste import TasteModel, TrackTable
from studio.recommend.weights import held_back, track_weights

METHODS = ("hybrid", "content-only", "knn", "popularity", "random")
KNN_NEIGHBOURS = 3
SKIP_SECONDS = 3.0
ROUND_SECONDS = 86_400.0
EVENT_SECONDS = 60.0
START = 1_700_000_000.0  # the first round's time, seconds since the epoch


def _taste(rng: np.random.Generator, names: np.ndarray, sizes: np.ndarray, top: int) -> set:
    """1 or 2 random groups, among those with at least ``top`` members when there are any."""
    eligible = names[sizes >= top] if (sizes >= top).any() else names
    count = min(int(rng.integers(1, 3)), len(eligible))
    return set(rng.choice(eligible, size=count, replace=False).tolist())


def _shown(method, recommender, world, user, now, top, rng_seed, round_number, tastes):
    """Track ids the method shows ``user`` this round."""
    table = recommender.table
    profile = str(user)
    if method == "hybrid":
        found = recommender.recommend(world, profile, top=top, now=now, taste=tastes[user])
        return [r.track_id for r in found]
    if method == "content-only":
        return [r.track_id for r in recommender.content_only(world, profile, top=top, now=now)]
    blocked = held_back(world.get(profile, ()), now)
    allowed = ~np.isin(table.ids, np.fromiter(blocked, dtype=np.int64, count=len(blocked)))
    if method == "popularity":
        scores = popularity(table, world)
    elif method == "knn":
        scores = _knn_scores(table, world.get(profile, ()), now)
    else:
        scores = np.random.default_rng([rng_seed, 3, user, round_number]).random(len(table))
    rows = np.flatnonzero(allowed)
    order = np.lexsort((table.ids[rows], -scores[rows]))[:top]
    return table.ids[rows[order]].tolist()


def _knn_scores(table: TrackTable, events: Sequence[FeedbackEvent], now: float) -> np.ndarray:
    """Per table row: the mean of its ``KNN_NEIGHBOURS`` highest cosines to the liked tracks
    (closeness to the library's centre when nothing is liked yet)."""
    liked = [track for track, weight in track_weights(events, now).items() if weight > 0]
    rows = table.rows(liked)
    rows = rows[rows >= 0]
    if not len(rows):
        return table.vectors @ table.centre
    cosines = table.vectors @ table.vectors[rows].T
    return np.sort(cosines, axis=1)[:, -min(KNN_NEIGHBOURS, len(rows)) :].mean(axis=1)


def simulate(
    table: TrackTable,
    groups: np.ndarray | Sequence,
    *,
    users: int = 40,
    rounds: int = 20,
    top: int = 10,
    seed: int = 0,
    methods: Sequence[str] = METHODS,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Run the simulated users (see the module docstring); returns a JSON-ready report.

    ``groups`` holds one label per table row. Keys: ``seed``, ``users``, ``rounds``, ``top``,
    ``tracks``, ``groups``, ``seconds``, ``methods``, ``precision`` ({method: [P@top per round]}),
    ``late`` ({method: mean of the last ``rounds // 2`` rounds}), ``after_20`` ({method: P@top of
    the list shown after 20 events, or None}), ``chance`` and ``cold_start`` (bool). Progress
    counts rounds of all methods; ``cancel`` raises ``Cancelled`` between them.
    """
    started = time.perf_counter()
    groups = np.asarray(groups)
    if len(groups) != len(table) or len(table) == 0:
        raise InvalidInput(f"{len(groups)} group labels for a library of {len(table)} tracks")
    if users < 1 or rounds < 1 or top < 1:
        raise InvalidInput("users, rounds and top must be at least 1")
    unknown = set(methods) - set(METHODS)
    if unknown:
        raise InvalidInput(f"unknown methods {sorted(unknown)}; choose from {METHODS}")
    names, sizes = np.unique(groups, return_counts=True)
    rng = np.random.default_rng([seed, 1])
    tastes = [_taste(rng, names, sizes, top) for _ in range(users)]
    liked = [set(table.ids[np.isin(groups, list(t))].tolist()) for t in tastes]
    recommender = Recommender(table)
    precision: dict[str, list[float]] = {}
    first_lists: dict[str, list[list[int]]] = {}
    done, total = 0, rounds * len(methods)
    for method in methods:
        world: dict[str, list[FeedbackEvent]] = {str(u): [] for u in range(users)}
        models = [TasteModel(table.dims, seed=seed * 1_000 + u) for u in range(users)]
        precision[method] = []
        for number in range(1, rounds + 1):
            if cancel is not None and cancel.cancelled:
                raise Cancelled("cancelled")
            now = START + (number - 1) * ROUND_SECONDS
            shown = [
                _shown(method, recommender, world, u, now, top, seed, number, models)
                for u in range(users)
            ]
            if number == 1:
                first_lists[method] = shown
            hits = [sum(t in liked[u] for t in shown[u]) / top for u in range(users)]
            precision[method].append(float(np.mean(hits)))
            for u in range(users):
                for k, track in enumerate(shown[u]):
                    at = now + (k + 1) * EVENT_SECONDS
                    if track in liked[u]:
                        event = FeedbackEvent(track, "like", 1.0, at)
                    else:
                        event = FeedbackEvent(track, "skip", SKIP_SECONDS, at)
                    world[str(u)].append(event)
                    if method == "hybrid":
                        models[u].update(table, event)
            done += 1
            progress(done, total, f"{method}: round {number} of {rounds}")
    late_rounds = max(rounds // 2, 1)
    after = 20 // top + 1  # the round whose list follows 20 feedback events
    cold = first_lists.get("hybrid") == first_lists.get("content-only")
    return {
        "seed": seed,
        "users": users,
        "rounds": rounds,
        "top": top,
        "tracks": len(table),
        "groups": len(names),
        "seconds": round(time.perf_counter() - started, 2),
        "methods": list(methods),
        "precision": precision,
        "late": {m: float(np.mean(p[-late_rounds:])) for m, p in precision.items()},
        "after_20": {m: (p[after - 1] if after <= rounds else None) for m, p in precision.items()},
        "chance": float(np.mean([len(s) / len(table) for s in liked])),
        "cold_start": bool(cold) if {"hybrid", "content-only"} <= set(methods) else None,
    }


def build_table(
    songs: Sequence,
    weights: Path | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> TrackTable:
    """A :class:`TrackTable` of labelled songs, ids 0…n-1, embedded with the autoencoder and
    spread as the app spreads them (``similarity.spread.library_spread``).

    Tempo is the song's starting tempo (BPM); density is pitched notes per beat (NaN for a
    song without notes). Titles are the songs' sources.
    """
    from studio.similarity.embedder import Embedder
    from studio.similarity.spread import library_spread

    embedder = Embedder(weights)
    vectors, traits, tempo, density = [], [], [], []
    for done, item in enumerate(songs, 1):
        if cancel is not None and cancel.cancelled:
            raise Cancelled("cancelled")
        song = item.song
        embedding = embedder.embed(song)
        vectors.append(embedding.vector)
        traits.append(embedding.traits)
        tempo.append(song.tempo)
        density.append(len(song.notes) / song.end if song.end > 0 else math.nan)
        progress(done, len(songs), item.source)
    spread = library_spread(embedder.path, embedder.model_version)
    return TrackTable(
        np.arange(len(songs)), spread(np.stack(vectors), np.stack(traits)), np.array(tempo),
        np.array(density),
        [item.source for item in songs],
    )  # fmt: skip


def evaluate_recommend(
    model_path: Path | None = None,
    set_path: Path | None = None,
    *,
    users: int = 40,
    rounds: int = 20,
    seed: int = 0,
    groups: Sequence[str] | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Embed a labelled set (the corpus style set unless ``set_path``, see
    ``labelled_sets.load_labelled_set``; only its ``groups`` when given, say the composers)
    with the autoencoder (shipped weights unless ``model_path``) and run :func:`simulate`; the
    report also names the ``set``.

    Raises:
        InvalidInput: a group in ``groups`` is not in the set, or fewer than two are left.
    """
    from studio.evaluation.labelled_sets import default_sets, load_labelled_set

    if set_path is None:
        songs, name = default_sets(progress, cancel)["style"], "style"
    else:
        songs, name = load_labelled_set(Path(set_path), progress, cancel)[0], str(set_path)
    if groups:
        unknown = sorted(set(groups) - {item.group for item in songs})
        if unknown:
            known = ", ".join(sorted({item.group for item in songs}))
            raise InvalidInput(f"no group {', '.join(unknown)} in the {name} set ({known})")
        songs = [item for item in songs if item.group in set(groups)]
        if len(set(groups)) < 2:
            raise InvalidInput("--groups needs at least two groups")
        name = f"{name} ({', '.join(sorted(set(groups)))})"
    table = build_table(songs, model_path, progress, cancel)
    groups = np.array([item.group for item in songs])
    report = simulate(
        table, groups, users=users, rounds=rounds, seed=seed, progress=progress, cancel=cancel
    )
    return {"set": name, **report}


def format_table(report: dict) -> str:
    """The report as a plain-text table: one row per method and a last row for chance."""
    rounds, late = report["rounds"], max(report["rounds"] // 2, 1)
    header = ["method", "round 1 (cold)", "after 20 feedback events", f"round {rounds}",
              f"mean rounds {rounds - late + 1}–{rounds}"]  # fmt: skip

    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    rows = [
        [m, cell(p[0]), cell(report["after_20"][m]), cell(p[-1]), cell(report["late"][m])]
        for m, p in report["precision"].items()
    ]
    chance = cell(report["chance"])
    rows.append(["(chance)", chance, chance, chance, chance])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
