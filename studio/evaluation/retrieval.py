"""``studio eval retrieval``: how well "similar tracks" finds related music, on labelled sets.

Labelled sets (songs with a *group* label: a tune with several arrangements, a composer, a
collection) come from ``labelled_sets``; the methods compared (the autoencoder and the
baselines) from ``retrieval_methods``. Labels are used only to score: a method sees the songs'
notes and nothing else (no file names, folders or labels). Three tasks:

* **passage → piece** (versions set): a random excerpt of 4–8 bars, transposed, queries the
  library. "other versions": the excerpt's own song is removed and the other songs of its group
  are the relevant ones; "any version": the own song stays and counts as relevant.
* **style precision** (style set): each whole song queries the library (itself and the other
  movements of its piece excluded, when the set names pieces); P@k is the share of the k best
  matches from its group: for a set grouped by composer, same-composer precision.
* **copies** (versions set): a copy transposed by 1–6 semitones and played faster or slower must
  find its original first: by its tempo map (0.75–1.5×), with its notes stretched off the beat
  grid (0.7–1.4×), or with its times in seconds stretched and no tempo map (a performance, or a
  flattened tempo map).
* **performance excerpt → piece** (style set): 15 seconds of a simulated recording of a piece
  (transposed, its tempo drifting, its notes early or late, no tempo map; ``queries.performance``)
  must find the piece's score.

Metrics are MRR (mean reciprocal rank of the first relevant song) and top-1 hit rate; each task
also reports the chance level of a random ranking. Rankings are deterministic: by score
descending, ties by library position. Times are in **beats** unless said otherwise.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.music import Song
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.evaluation.labelled_sets import LabelledSong, check_set
from studio.evaluation.queries import (
    COPY_KINDS,
    performance_excerpt,
    random_excerpt,
    scaled_copy,
)
from studio.evaluation.retrieval_methods import RetrievalMethod

TASKS = ("passage_to_piece", "style_precision", "copies", "performances")


# -- ranking metrics -------------------------------------------------------------------------


def ranking(scores: Sequence[float] | np.ndarray) -> np.ndarray:
    """Library positions best first: by score descending, ties by position (NaN = worst)."""
    scores = np.nan_to_num(np.asarray(scores, dtype=float), nan=-np.inf)
    return np.lexsort((np.arange(len(scores)), -scores))


def reciprocal_rank(scores: Sequence[float] | np.ndarray, relevant: np.ndarray) -> float:
    """1 / (rank of the first relevant item), ranks from 1; 0 when nothing is relevant."""
    hits = np.flatnonzero(np.asarray(relevant, dtype=bool)[ranking(scores)])
    return 1.0 / (hits[0] + 1) if len(hits) else 0.0


def precision_at_k(scores: Sequence[float] | np.ndarray, relevant: np.ndarray, k: int) -> float:
    """Share of relevant items among the ``k`` best (all of them when there are fewer)."""
    if k < 1:
        raise InvalidInput(f"k = {k} must be at least 1")
    best = ranking(scores)[:k]
    return float(np.asarray(relevant, dtype=bool)[best].mean()) if len(best) else 0.0


def chance_reciprocal_rank(n: int, relevant: int) -> float:
    """Expected reciprocal rank of a random ranking of ``n`` items, ``relevant`` of them hits."""
    if relevant <= 0 or n <= 0:
        return 0.0
    expected, none_before = 0.0, 1.0
    for rank in range(1, n - relevant + 2):
        left = n - rank + 1  # items not yet placed
        expected += none_before * relevant / left / rank
        none_before *= (left - relevant) / left
    return expected


# -- tasks -----------------------------------------------------------------------------------

Step = Callable[[str], None]


def _no_step(message: str) -> None:
    """A step callback that does nothing."""


class _Tally:
    """Per-query values of the named metrics; ``summary`` gives their means and the count."""

    def __init__(self, *names: str) -> None:
        self.values: dict[str, list[float]] = {name: [] for name in names}
        self.queries = 0

    def add(self, **metrics: float) -> None:
        self.queries += 1
        for name, value in metrics.items():
            self.values[name].append(float(value))

    def summary(self) -> dict:
        """The mean of each metric (None without queries) and ``queries``."""
        means = {name: float(np.mean(v)) if v else None for name, v in self.values.items()}
        return {**means, "queries": self.queries}


def _index(methods: Sequence[RetrievalMethod], songs: Sequence[LabelledSong], states) -> list:
    if states is not None:
        return list(states)
    library = [s.song for s in songs]
    return [method.index(library) for method in methods]


def _scores(method: RetrievalMethod, state: object, query: Song, n: int, passage: bool):
    score = method.score_passage if passage else method.score_tracks
    scores = np.asarray(score(state, query), dtype=float)
    if scores.shape != (n,):
        raise InvalidInput(f"{method.name} gave {scores.shape} scores for a library of {n} songs")
    return scores


def _ranked(scores: np.ndarray, relevant: np.ndarray) -> dict[str, float]:
    rr = reciprocal_rank(scores, relevant)
    return {"mrr": rr, "top1": rr == 1.0}


def passage_to_piece(
    songs: Sequence[LabelledSong],
    methods: Sequence[RetrievalMethod],
    rng: np.random.Generator,
    queries_per_song: int = 1,
    *,
    states: Sequence[object] | None = None,
    step: Step = _no_step,
) -> dict:
    """Random transposed excerpts query the library (see the module docstring).

    Returns ``{"queries", "skipped", "chance", "methods"}``; ``chance`` and each method hold
    ``{"other_versions": {"mrr", "top1", "queries"}, "any_version": {...}}``. ``skipped``
    counts songs too short for an excerpt. ``step`` is called once per planned query.
    """
    states = _index(methods, songs, states)
    groups = np.array([s.group for s in songs])
    n = len(songs)
    variants = ("other_versions", "any_version")
    tallies = {m.name: {v: _Tally("mrr", "top1") for v in variants} for m in methods}
    chance = {v: _Tally("mrr", "top1") for v in variants}
    skipped = 0
    for i, item in enumerate(songs):
        relevant = groups == item.group
        members = int(relevant.sum())
        for _ in range(queries_per_song):
            query = random_excerpt(item.song, rng)
            if query is None:
                skipped += 1
                step(item.source)
                continue
            chance["any_version"].add(mrr=chance_reciprocal_rank(n, members), top1=members / n)
            if members > 1:
                chance["other_versions"].add(
                    mrr=chance_reciprocal_rank(n - 1, members - 1), top1=(members - 1) / (n - 1)
                )
            for method, state in zip(methods, states, strict=True):
                scores = _scores(method, state, query, n, passage=True)
                tallies[method.name]["any_version"].add(**_ranked(scores, relevant))
                if members > 1:
                    others = _ranked(np.delete(scores, i), np.delete(relevant, i))
                    tallies[method.name]["other_versions"].add(**others)
            step(item.source)
    return {
        "queries": chance["any_version"].queries,
        "skipped": skipped,
        "chance": {v: t.summary() for v, t in chance.items()},
        "methods": {name: {v: t.summary() for v, t in ts.items()} for name, ts in tallies.items()},
    }


def style_precision(
    songs: Sequence[LabelledSong],
    methods: Sequence[RetrievalMethod],
    k: int = 10,
    *,
    states: Sequence[object] | None = None,
    step: Step = _no_step,
) -> dict:
    """Each whole song queries the library, itself and the other songs of its piece excluded:
    P@k and MRR of its group.

    Returns ``{"k", "queries", "skipped", "chance", "methods"}``; ``chance`` and each method
    hold ``{"precision_at_k", "mrr", "queries"}``. Songs with no other piece in their group are
    skipped.
    """
    states = _index(methods, songs, states)
    groups = np.array([s.group for s in songs])
    pieces = np.array([s.piece or f"#{i}" for i, s in enumerate(songs)])
    n = len(songs)
    tallies = {m.name: _Tally("precision_at_k", "mrr") for m in methods}
    chance = _Tally("precision_at_k", "mrr")
    for i, item in enumerate(songs):
        others = pieces != pieces[i]
        relevant = (groups == item.group)[others]
        if relevant.any():
            chance.add(
                precision_at_k=relevant.mean(),
                mrr=chance_reciprocal_rank(len(relevant), int(relevant.sum())),
            )
            for method, state in zip(methods, states, strict=True):
                scores = _scores(method, state, item.song, n, passage=False)[others]
                tallies[method.name].add(
                    precision_at_k=precision_at_k(scores, relevant, k),
                    mrr=reciprocal_rank(scores, relevant),
                )
        step(item.source)
    return {
        "k": k,
        "queries": chance.queries,
        "skipped": n - chance.queries,
        "chance": chance.summary(),
        "methods": {name: t.summary() for name, t in tallies.items()},
    }


def copies(
    songs: Sequence[LabelledSong],
    methods: Sequence[RetrievalMethod],
    rng: np.random.Generator,
    limit: int | None = None,
    *,
    states: Sequence[object] | None = None,
    step: Step = _no_step,
) -> dict:
    """A ``scaled_copy`` of each song (or of the first ``limit``), of every kind in
    ``COPY_KINDS``, must find its original.

    Returns ``{"queries", "chance", "methods"}``; ``chance`` and each method hold ``{"top1",
    "mrr", "queries"}`` over all kinds and ``"kinds"``: the same per kind.
    """
    states = _index(methods, songs, states)
    n = len(songs)
    tallies = {m.name: {k: _Tally("top1", "mrr") for k in ("all", *COPY_KINDS)} for m in methods}
    chance = {k: _Tally("top1", "mrr") for k in ("all", *COPY_KINDS)}
    for i, item in enumerate(songs[:limit]):
        relevant = np.arange(n) == i
        for kind in COPY_KINDS:
            query = scaled_copy(item.song, rng, kind)
            for key in ("all", kind):
                chance[key].add(top1=1 / n, mrr=chance_reciprocal_rank(n, 1))
            for method, state in zip(methods, states, strict=True):
                ranked = _ranked(_scores(method, state, query, n, passage=False), relevant)
                tallies[method.name]["all"].add(**ranked)
                tallies[method.name][kind].add(**ranked)
        step(item.source)

    def summary(per_kind: dict) -> dict:
        kinds = {kind: per_kind[kind].summary() for kind in COPY_KINDS}
        return {**per_kind["all"].summary(), "kinds": kinds}

    return {
        "queries": chance["all"].queries,
        "chance": summary(chance),
        "methods": {name: summary(t) for name, t in tallies.items()},
    }


def performances(
    songs: Sequence[LabelledSong],
    methods: Sequence[RetrievalMethod],
    rng: np.random.Generator,
    *,
    states: Sequence[object] | None = None,
    step: Step = _no_step,
) -> dict:
    """A ``performance_excerpt`` of each song queries the library as a short excerpt; its own
    song is the one relevant answer.

    Returns ``{"queries", "skipped", "chance", "methods"}``; ``chance`` and each method hold
    ``{"mrr", "top1", "queries"}``. ``skipped`` counts songs with too few notes.
    """
    states = _index(methods, songs, states)
    n = len(songs)
    tallies = {m.name: _Tally("mrr", "top1") for m in methods}
    chance = _Tally("mrr", "top1")
    skipped = 0
    for i, item in enumerate(songs):
        query = performance_excerpt(item.song, rng)
        if query is None:
            skipped += 1
        else:
            chance.add(mrr=chance_reciprocal_rank(n, 1), top1=1 / n)
            relevant = np.arange(n) == i
            for method, state in zip(methods, states, strict=True):
                scores = _scores(method, state, query, n, passage=True)
                tallies[method.name].add(**_ranked(scores, relevant))
        step(item.source)
    return {
        "queries": chance.queries,
        "skipped": skipped,
        "chance": chance.summary(),
        "methods": {name: t.summary() for name, t in tallies.items()},
    }


# -- the whole evaluation --------------------------------------------------------------------


def _plan(sets: dict[str, list[LabelledSong]]) -> dict[str, str]:
    """Which set each task runs on."""
    if "versions" in sets or "style" in sets:
        plan = {}
        if "versions" in sets:
            plan.update(passage_to_piece="versions", copies="versions")
        if "style" in sets:
            plan.update(style_precision="style", performances="style")
        return plan
    if len(sets) == 1:
        return dict.fromkeys(TASKS, next(iter(sets)))
    raise InvalidInput("give a 'versions' set, a 'style' set (or both), or one custom set")


def evaluate_retrieval(
    sets: dict[str, list[LabelledSong]],
    methods: Sequence[RetrievalMethod],
    *,
    seed: int = 0,
    queries_per_song: int = 1,
    k: int = 10,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Run the tasks on labelled sets; returns a JSON-ready report.

    ``sets["versions"]`` gets passage → piece and copies, ``sets["style"]`` style precision and
    performance excerpts; a single set under another name (e.g. ``{"custom": songs}``) gets all
    four. Report keys:
    ``seed``, ``seconds``, ``methods`` (names in order), ``sets`` (``{name: {"songs",
    "groups"}}``) and ``tasks`` (``{task: {"set", ...}}``, see each task's function). Progress
    counts queries; ``cancel`` raises ``Cancelled`` between queries.
    """
    started = time.perf_counter()
    methods = list(methods)
    names = [m.name for m in methods]
    if not methods or len(set(names)) != len(names):
        raise InvalidInput(f"the methods need distinct names (got {names})")
    plan = _plan(sets)
    for name in set(plan.values()):
        check_set(sets[name], f"the {name} set")
    sizes = {"passage_to_piece": queries_per_song, "style_precision": 1, "copies": 1,
             "performances": 1}  # fmt: skip
    total = sum(sizes[task] * len(sets[name]) for task, name in plan.items())
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, message)
        if cancel is not None:
            cancel.raise_if_cancelled()

    indexed: dict[str, list] = {}

    def states(name: str) -> list:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if name not in indexed:
            indexed[name] = _index(methods, sets[name], None)
        return indexed[name]

    tasks = {}
    for task in TASKS:
        if task not in plan:
            continue
        name = plan[task]
        songs, common = sets[name], {"states": states(name), "step": step}
        if task == "passage_to_piece":
            rng = np.random.default_rng([seed, 1])
            result = passage_to_piece(songs, methods, rng, queries_per_song, **common)
        elif task == "style_precision":
            result = style_precision(songs, methods, k, **common)
        elif task == "performances":
            result = performances(songs, methods, np.random.default_rng([seed, 3]), **common)
        else:
            result = copies(songs, methods, np.random.default_rng([seed, 2]), **common)
        tasks[task] = {"set": name, **result}
    return {
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 2),
        "methods": names,
        "sets": {
            name: {"songs": len(sets[name]), "groups": len({s.group for s in sets[name]})}
            for name in sorted(set(plan.values()))
        },
        "tasks": tasks,
    }


_COLUMNS = (
    ("passage_to_piece", ("other_versions", "mrr"), "passage MRR (other)"),
    ("passage_to_piece", ("other_versions", "top1"), "top-1 (other)"),
    ("passage_to_piece", ("any_version", "mrr"), "MRR (any)"),
    ("style_precision", ("precision_at_k",), "style P@{k}"),
    ("style_precision", ("mrr",), "style MRR"),
    ("copies", ("kinds", "tempo", "top1"), "copies top-1"),
    ("copies", ("kinds", "stretched", "top1"), "stretched top-1"),
    ("copies", ("kinds", "flattened", "top1"), "flattened top-1"),
    ("performances", ("mrr",), "performance MRR"),
)


def format_table(report: dict) -> str:
    """The report as a plain-text table: one row per method and a last row for chance."""
    tasks = report["tasks"]
    k = tasks.get("style_precision", {}).get("k", 10)
    header = ["method", *(label.format(k=k) for _, _, label in _COLUMNS)]

    def cell(task: str, path: tuple[str, ...], method: str | None) -> str:
        value = tasks.get(task)
        if value is not None:
            value = value["chance"] if method is None else value["methods"].get(method)
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return "—" if value is None or math.isnan(value) else f"{value:.3f}"

    rows = [
        [label, *(cell(task, path, method) for task, path, _ in _COLUMNS)]
        for label, method in [*((m, m) for m in report["methods"]), ("(chance)", None)]
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
