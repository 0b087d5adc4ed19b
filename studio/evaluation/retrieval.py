"""``studio eval retrieval``: how well "similar tracks" finds related music, on labelled sets.

A labelled set is a list of songs, each with a *group* label (a tune with several arrangements,
a composer, a collection). Labels are used only to score: a method sees the songs' notes and
nothing else (no file names, folders or labels). Three tasks:

* **passage → piece** (versions set): a random excerpt of 4–8 bars, transposed, queries the
  library. "other versions": the excerpt's own song is removed and the other songs of its group
  are the relevant ones; "any version": the own song stays and counts as relevant.
* **style precision** (style set): each whole song queries the library (itself excluded);
  P@k is the share of the k best matches from its group.
* **copies** (versions set): a copy transposed by 1–6 semitones and 0.75–1.5× faster must find
  its original first.

Metrics are MRR (mean reciprocal rank of the first relevant song) and top-1 hit rate; each task
also reports the chance level of a random ranking. Rankings are deterministic: by score
descending, ties by library position. Baselines: pitch-class histograms, plain and
key-invariant, and random scores. Times are in **beats** unless said otherwise.
"""

from __future__ import annotations

import csv
import math
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from studio.core.errors import InvalidInput, MidiFileError
from studio.core.keyfinding import pitch_class_histogram
from studio.core.midi_files import midi_paths
from studio.core.midi_read import MIDI_SUFFIXES, read_midi
from studio.core.music import Song
from studio.core.progress import Cancelled, CancelToken, ProgressCallback, no_progress
from studio.evaluation.queries import random_excerpt, scaled_copy

TASKS = ("passage_to_piece", "style_precision", "copies")


# -- labelled sets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelledSong:
    """A song with its group label; ``source`` is a display path for reports only."""

    song: Song
    group: str
    source: str


def load_labelled_set(
    source: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[LabelledSong], list[tuple[str, str]]]:
    """Read a labelled set: the songs, and the skipped files with the reason for each.

    ``source`` is a folder whose immediate subfolders are the groups (MIDI files anywhere inside
    each), or a CSV file with the header ``path,group`` (relative paths are resolved against the
    CSV's folder). Unreadable files and files without pitched notes are skipped.

    Raises:
        InvalidInput: ``source`` is neither, or fewer than 2 songs or 2 groups could be read.
        Cancelled: ``cancel`` was set.
    """
    source = Path(source)
    if source.is_dir():
        entries, skipped = _folder_entries(source)
    elif source.is_file() and source.suffix.lower() == ".csv":
        entries, skipped = _csv_entries(source)
    else:
        raise InvalidInput(f"{source} is neither a folder of group folders nor a .csv file")
    songs, unreadable = _read_songs(entries, progress, cancel)
    _check_set(songs, str(source))
    return songs, skipped + unreadable


def default_sets(
    progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
) -> dict[str, list[LabelledSong]]:
    """The ``versions`` and ``style`` sets of the music21 corpus (written first if needed).

    Versions: Bach chorales whose tune has several harmonisations, grouped by tune. Style: up to
    30 pieces per composer or collection, grouped by it. See ``studio.similarity.corpus``.
    """
    from studio.similarity.corpus import ensure_corpus

    files = ensure_corpus(progress=progress, cancel=cancel)
    _check_cancel(cancel)
    labels = {"versions": lambda f: f.tune, "style": lambda f: f.group}
    entries = [
        (f.path, labels[f.role](f), f"{f.path.parent.name}/{f.path.name}", f.role)
        for f in files
        if f.role in labels
    ]
    songs, _ = _read_songs([e[:3] for e in entries], progress, cancel)
    role_of = {e[2]: e[3] for e in entries}
    sets = {role: [s for s in songs if role_of[s.source] == role] for role in labels}
    for role, members in sets.items():
        _check_set(members, f"the corpus {role} set")
    return sets


def _folder_entries(folder: Path) -> tuple[list[tuple[Path, str, str]], list[tuple[str, str]]]:
    """``(path, group, shown)`` for each MIDI file in a group subfolder, and misplaced files."""
    entries, skipped = [], []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            for path in midi_paths(child, skipped):  # the indexer's walk
                entries.append((path, child.name, path.relative_to(folder).as_posix()))
        elif child.suffix.lower() in MIDI_SUFFIXES:
            skipped.append((child.name, "not inside a group folder"))
    return entries, skipped


def _csv_entries(path: Path) -> tuple[list[tuple[Path, str, str]], list[tuple[str, str]]]:
    """``(path, group, shown)`` for each row of a ``path,group`` CSV file, and bad rows."""
    entries, skipped = [], []
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            if not {"path", "group"} <= set(reader.fieldnames or ()):
                raise InvalidInput(f"{path} needs the header line 'path,group'")
            for line, row in enumerate(reader, 2):
                name, group = (row["path"] or "").strip(), (row["group"] or "").strip()
                if name and group:
                    entries.append((path.parent / name, group, name))
                else:
                    skipped.append((f"{path.name} line {line}", "empty path or group"))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"cannot read {path}: {error}") from None
    return entries, skipped


def _read_songs(
    entries: Sequence[tuple[Path, str, str]],
    progress: ProgressCallback,
    cancel: CancelToken | None,
) -> tuple[list[LabelledSong], list[tuple[str, str]]]:
    songs, skipped = [], []
    seen: dict[tuple, str] = {}
    for done, (path, group, shown) in enumerate(entries, 1):
        _check_cancel(cancel)
        try:
            song = read_midi(path)
        except MidiFileError as error:
            skipped.append((shown, str(error)))
        else:
            music = _music_key(song)
            if not song.notes:
                skipped.append((shown, "no notes outside drum tracks"))
            elif music in seen:
                # The same notes twice (the corpus has a few): either copy would be a right answer.
                skipped.append((shown, f"the same music as {seen[music]}"))
            else:
                seen[music] = shown
                songs.append(LabelledSong(song, group, shown))
        progress(done, len(entries), shown)
    return songs, skipped


def _music_key(song: Song) -> tuple:
    """The pitched notes as a hashable value, to spot duplicates: (start, duration, pitch class)
    in the rotation of the 12 that sorts first, so that a transposed duplicate, or one with a
    note in another octave, counts too (the corpus has BWV 158.4 and BWV 279: one harmonisation,
    one bass note an octave apart)."""
    notes = song.notes
    return min(
        tuple(sorted((round(n.start, 4), round(n.duration, 4), (n.pitch + k) % 12) for n in notes))
        for k in range(12)
    )


def _check_set(songs: Sequence[LabelledSong], where: str) -> None:
    groups = {s.group for s in songs}
    if len(songs) < 2 or len(groups) < 2:
        raise InvalidInput(
            f"{where}: a labelled set needs at least 2 readable songs in at least 2 groups "
            f"(found {len(songs)} songs in {len(groups)} groups)"
        )


def _check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.cancelled:
        raise Cancelled("cancelled")


# -- methods ---------------------------------------------------------------------------------


@runtime_checkable
class RetrievalMethod(Protocol):
    """A way to find similar songs. It sees notes only, never labels or file names."""

    name: str

    def index(self, songs: Sequence[Song]) -> object:
        """Prepare the library; returns an opaque state for the ``score_*`` calls."""
        ...

    def score_tracks(self, state: object, query: Song) -> np.ndarray:
        """One score per library song for a whole-song query; higher = more similar."""
        ...

    def score_passage(self, state: object, query: Song) -> np.ndarray:
        """One score per library song for a short excerpt query; higher = more similar."""
        ...


def _unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows, dtype=float), where=norms > 0)


class HistogramMethod:
    """Cosine similarity of duration-weighted pitch-class histograms (12 bins)."""

    name = "histogram"

    def index(self, songs: Sequence[Song]) -> np.ndarray:
        """The unit-length histogram of each song, shape (songs, 12)."""
        return _unit(np.array([pitch_class_histogram(s) for s in songs]).reshape(-1, 12))

    def score_tracks(self, state: np.ndarray, query: Song) -> np.ndarray:
        """Cosine between the query's histogram and each library histogram."""
        return state @ _unit(pitch_class_histogram(query))

    def score_passage(self, state: np.ndarray, query: Song) -> np.ndarray:
        """The same as ``score_tracks``: a histogram does not care about length."""
        return self.score_tracks(state, query)


class KeyInvariantHistogramMethod(HistogramMethod):
    """Pitch-class histograms compared in every key: the best cosine over the 12 rotations.

    (Chosen over the DFT magnitude of the histogram, which is also transposition-invariant but
    cannot tell a histogram from its mirror image, e.g. major from Phrygian.)
    """

    name = "histogram-key-invariant"

    def score_tracks(self, state: np.ndarray, query: Song) -> np.ndarray:
        """The largest cosine over the 12 transpositions of the query's histogram."""
        histogram = _unit(pitch_class_histogram(query))
        rotations = np.stack([np.roll(histogram, shift) for shift in range(12)])
        return (state @ rotations.T).max(axis=1)


class RandomMethod:
    """Random scores, seeded by ``seed`` and the query's notes (so runs are reproducible)."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def index(self, songs: Sequence[Song]) -> int:
        """The library size: all a random ranking needs."""
        return len(songs)

    def score_tracks(self, state: int, query: Song) -> np.ndarray:
        """Uniform random scores in [0, 1), the same for the same query and seed."""
        notes = np.array([(n.pitch, n.start, n.duration) for n in query.notes], dtype=float)
        return np.random.default_rng([self.seed, zlib.crc32(notes.tobytes())]).random(state)

    def score_passage(self, state: int, query: Song) -> np.ndarray:
        """Random scores, as for ``score_tracks``."""
        return self.score_tracks(state, query)


def default_methods(model_path: Path | None = None) -> list[RetrievalMethod]:
    """The autoencoder (shipped weights unless ``model_path``) followed by the three baselines."""
    from studio.similarity.embedder import AutoencoderMethod

    return [AutoencoderMethod(model_path), KeyInvariantHistogramMethod(), HistogramMethod(),
            RandomMethod(0)]  # fmt: skip


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
    """Each whole song queries the library, itself excluded: P@k and MRR of its group.

    Returns ``{"k", "queries", "skipped", "chance", "methods"}``; ``chance`` and each method
    hold ``{"precision_at_k", "mrr", "queries"}``. Songs alone in their group are skipped.
    """
    states = _index(methods, songs, states)
    groups = np.array([s.group for s in songs])
    n = len(songs)
    tallies = {m.name: _Tally("precision_at_k", "mrr") for m in methods}
    chance = _Tally("precision_at_k", "mrr")
    for i, item in enumerate(songs):
        relevant = np.delete(groups == item.group, i)
        if relevant.any():
            chance.add(
                precision_at_k=relevant.mean(),
                mrr=chance_reciprocal_rank(n - 1, int(relevant.sum())),
            )
            for method, state in zip(methods, states, strict=True):
                scores = np.delete(_scores(method, state, item.song, n, passage=False), i)
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
    """A ``scaled_copy`` of each song (or of the first ``limit``) must find its original.

    Returns ``{"queries", "chance", "methods"}``; ``chance`` and each method hold
    ``{"top1", "mrr", "queries"}``.
    """
    states = _index(methods, songs, states)
    n = len(songs)
    tallies = {m.name: _Tally("top1", "mrr") for m in methods}
    chance = _Tally("top1", "mrr")
    for i, item in enumerate(songs[:limit]):
        query = scaled_copy(item.song, rng)
        relevant = np.arange(n) == i
        chance.add(top1=1 / n, mrr=chance_reciprocal_rank(n, 1))
        for method, state in zip(methods, states, strict=True):
            scores = _scores(method, state, query, n, passage=False)
            tallies[method.name].add(**_ranked(scores, relevant))
        step(item.source)
    return {
        "queries": chance.queries,
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
            plan["style_precision"] = "style"
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

    ``sets["versions"]`` gets passage → piece and copies, ``sets["style"]`` style precision; a
    single set under another name (e.g. ``{"custom": songs}``) gets all three. Report keys:
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
        _check_set(sets[name], f"the {name} set")
    sizes = {"passage_to_piece": queries_per_song, "style_precision": 1, "copies": 1}
    total = sum(sizes[task] * len(sets[name]) for task, name in plan.items())
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, message)
        _check_cancel(cancel)

    indexed: dict[str, list] = {}

    def states(name: str) -> list:
        _check_cancel(cancel)
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
    ("copies", ("top1",), "copies top-1"),
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
