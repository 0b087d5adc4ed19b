"""The library as a table: one column snapshot of every track for one listening profile.

``library_rows(catalog, profile)`` reads the tracks and the profile's feedback in a few queries
(one read transaction, so the rows and their ``version`` agree) and returns ``LibraryRows``:
numpy arrays for the numeric columns, tuples of strings for the others. ``LibraryRows.view``
filters and sorts it for a table view (the window's library pane) without Qt and without SQL:
with 100,000 tracks a view takes milliseconds (measured: 5–25 ms to filter, under 1 ms to sort),
because the search text and the sort orders are built once per snapshot. ``library_rows`` builds
the search text and the title order (``prepare``), so the thread that reads the library pays for
them; another column's order costs 5–25 ms on its first use. After feedback only, the next
snapshot borrows the track columns, search text and orders of the previous one (``previous``).

**Search**: ``view``'s query is parsed by ``studio.library.search.parse_query`` (words, keys
such as "D minor" or "Bb", tempo ranges such as "100-120", "liked" / "disliked", moods such as
"calm" or "bright"); a word matches a substring of the title, the file name, the folders inside
the library (below the folder all tracks share, so the user's home folder matches nothing; a
word with a path separator matches across the whole path), the key, the meter or the
instruments; a mood word matches the tracks of that mood, and the word in their text too.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.gm import PROGRAM_NAMES
from studio.core.mood import WORD_THRESHOLD, Mood
from studio.core.theory import Key
from studio.library.catalog import Catalog
from studio.library.search import (
    DISLIKED,
    LIKED,
    MOOD_RADIUS,
    MOOD_WORDS,
    Query,
    normalize,
    parse_query,
)

LIBRARY_COLUMNS = (
    "title", "duration", "tempo", "key", "mood", "meter", "instruments", "notes", "added",
    "reaction", "plays",
)  # fmt: skip
"""The columns of the library table, in their usual order."""

DRUMS_PROGRAM = 128  # how the catalog's ``programs`` lists a drum track

_NUMERIC = {"duration", "tempo", "notes", "added", "reaction", "plays", "mood"}
"""Columns sorted by number ("mood": by valence, dark to bright)."""
_CATEGORIES = ("folder", "key", "meter", "instruments")  # few distinct values: matched per value


# -- the snapshot ------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LibraryRows:
    """A column snapshot of the library for one profile (row i is one track, rows in track id
    order). Units: ``duration`` seconds (nan unknown), ``tempo`` BPM (nan unknown), ``notes``
    a count (-1 unknown), ``added`` seconds since the epoch (when it was indexed),
    ``reaction`` +1 liked / -1 disliked / 0 none (the profile's latest like or dislike),
    ``plays`` the profile's play events, ``valence`` and ``arousal`` the mood (``core.mood``,
    −1…1, nan unknown). ``version`` is ``library_version`` as read with the
    rows. The columns never change; the search text, sort orders and recent filters are cached
    on first use, idempotently, so several threads may read one snapshot at once."""

    ids: np.ndarray
    title: tuple[str, ...]
    display_path: tuple[str, ...]
    duration: np.ndarray
    tempo: np.ndarray
    key: tuple[str, ...]
    meter: tuple[str, ...]
    instruments: tuple[str, ...]
    notes: np.ndarray
    added: np.ndarray
    reaction: np.ndarray
    plays: np.ndarray
    status: tuple[str, ...]
    error: tuple[str, ...]
    profile: str
    valence: np.ndarray
    arousal: np.ndarray
    version: tuple
    _cache: dict = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:  # not 100,000 titles in a log line or a test report
        return f"LibraryRows({len(self)} tracks, profile={self.profile!r}, version={self.version})"

    def row_of(self, track_id: int) -> int | None:
        """The row of a track id, or None when the snapshot has no such track."""
        row = int(np.searchsorted(self.ids, track_id))
        return row if row < len(self.ids) and self.ids[row] == track_id else None

    def view(self, query: str = "", column: str = "title", descending: bool = False) -> np.ndarray:
        """Row indices (int64) of the rows matching ``query``, sorted by ``column`` (stable;
        unknown values last in either direction). See the module docstring for the query."""
        order = self._order(column, descending)
        if not query.strip():
            return order.copy()
        mask = self.matches(query)
        return order[mask[order]]

    def matches(self, query: str | Query) -> np.ndarray:
        """A bool per row: whether it matches ``query`` (text or a parsed ``Query``)."""
        parsed = parse_query(query) if isinstance(query, str) else query
        recent = self._cache.setdefault("queries", {})
        known = recent.get(parsed)
        if known is not None:
            return known
        mask = np.ones(len(self), dtype=bool)
        for key in parsed.keys:
            mask &= self._key_mask(key)
        for low, high in parsed.tempos:
            with np.errstate(invalid="ignore"):
                mask &= (self.tempo >= low) & (self.tempo <= high)
        for reaction in parsed.reactions:
            mask &= self.reaction == reaction
        for mood in parsed.moods:  # the mood, or the word in the text ("Dark Island")
            mask &= self._mood_mask(mood) | self._word_mask(mood)
        for valence, arousal in parsed.mood_points:
            with np.errstate(invalid="ignore"):  # nan (no mood) is never near
                mask &= np.hypot(self.valence - valence, self.arousal - arousal) <= MOOD_RADIUS
        for low_v, low_a, high_v, high_a in parsed.mood_regions:
            with np.errstate(invalid="ignore"):
                mask &= (self.valence >= low_v) & (self.valence <= high_v)
                mask &= (self.arousal >= low_a) & (self.arousal <= high_a)
        for word in parsed.words:
            if not mask.any():
                break
            mask &= self._word_mask(word)
        if len(recent) >= 8:  # typing goes forward and back: keep the last few
            recent.pop(next(iter(recent), None), None)  # (another thread may be here too)
        mask.flags.writeable = False  # shared by later calls with the same query
        recent[parsed] = mask
        return mask

    def text(self, row: int, column: str) -> str:
        """What a table cell shows: "3:05", "120", "D minor", "calm and dark", "3/4",
        "Violin, Drums", "1,204", "12 Mar 2026", "♥" / "✕" / "", the play count ("" for none);
        "" when unknown."""
        if column in ("title", "key", "meter", "instruments"):
            return getattr(self, column)[row]
        if column == "mood":
            valence, arousal = float(self.valence[row]), float(self.arousal[row])
            return "" if math.isnan(valence) else Mood(valence, arousal).words
        if column == "duration":
            return format_duration(float(self.duration[row]))
        if column == "tempo":
            tempo = float(self.tempo[row])
            if math.isnan(tempo):
                return ""
            return f"{tempo:.0f}" if abs(tempo - round(tempo)) < 0.05 else f"{tempo:.1f}"
        if column == "notes":
            return f"{int(self.notes[row]):,}" if self.notes[row] >= 0 else ""
        if column == "added":
            moment = time.localtime(float(self.added[row]))
            return f"{moment.tm_mday} {time.strftime('%b %Y', moment)}"
        if column == "reaction":
            return {LIKED: "♥", DISLIKED: "✕"}.get(int(self.reaction[row]), "")
        if column == "plays":
            return str(int(self.plays[row])) if self.plays[row] else ""
        raise ValueError(f"unknown library column {column!r} (known: {LIBRARY_COLUMNS})")

    def prepare(self) -> LibraryRows:
        """Build the search index and the title orders now (else on first use); returns self.
        About 0.25 s for 100,000 tracks: call it off the GUI thread. Every other column's
        order takes 5–25 ms on its first use."""
        self._search()
        self._order("title", False)
        self._order("title", True)
        return self

    # -- search ----------------------------------------------------------------------------

    def _search(self) -> dict:
        """The search index, built once: per-row text (title and file name) joined into one
        string with the start of each row, and the few-valued columns as codes into their
        distinct values (with those values normalised)."""
        search = self._cache.get("search")
        if search is not None:
            return search
        folders, names = [], []
        for path in self.display_path:
            folder, _, name = path.rpartition(os.sep)
            folders.append(folder)
            names.append(name)
        folders = _folders_below_common(folders)
        titles = [normalize(title) for title in self.title]
        rows = [f"{title}\x1f{normalize(name)}" for title, name in zip(titles, names, strict=True)]
        lengths = np.fromiter((len(r) + 1 for r in rows), dtype=np.int64, count=len(rows))
        starts = np.zeros(len(rows), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        search = {"text": "\n".join(rows), "starts": starts, "titles": titles}
        columns = (folders, self.key, self.meter, self.instruments)
        for name, values in zip(_CATEGORIES, columns, strict=True):
            uniques, codes = _codes(values)
            search[name] = (uniques, [normalize(u) for u in uniques], codes)
        self._cache["search"] = search
        return search

    def _word_mask(self, word: str) -> np.ndarray:
        search = self._search()
        mask = np.zeros(len(self), dtype=bool)
        for name in _CATEGORIES:
            _, texts, codes = search[name]
            hits = [i for i, text in enumerate(texts) if word in text]
            if hits:
                mask |= np.isin(codes, hits)
        positions = [m.start() for m in re.finditer(re.escape(word), search["text"])]
        if positions:
            rows = np.searchsorted(search["starts"], np.asarray(positions), side="right") - 1
            mask[rows] = True
        if os.sep in word:  # a path fragment across the folder and the name
            for row, path in enumerate(self.display_path):
                if not mask[row] and word in normalize(path):
                    mask[row] = True
        return mask

    def _mood_mask(self, word: str) -> np.ndarray:
        axis, side = MOOD_WORDS[word]
        values = self.valence if axis == "valence" else self.arousal
        with np.errstate(invalid="ignore"):  # nan (no mood) matches neither side
            return values * side >= WORD_THRESHOLD

    def _key_mask(self, key: Key) -> np.ndarray:
        uniques, _, codes = self._search()["key"]
        hits = [i for i, text in enumerate(uniques) if _stored_key(text) == key]
        return np.isin(codes, hits)

    # -- sorting ---------------------------------------------------------------------------

    def _order(self, column: str, descending: bool) -> np.ndarray:
        """Row indices sorted by ``column`` (stable, unknown values last either way)."""
        cached = self._cache.get(("order", column, descending))
        if cached is not None:
            return cached
        rank, unknown = self._rank(column)
        if descending:
            keys = np.where(unknown, 1, -rank)  # every known rank is ≤ 0
        else:
            keys = np.where(unknown, rank.max(initial=0) + 1, rank)
        order = np.argsort(keys, kind="stable").astype(np.int64)
        order.flags.writeable = False
        self._cache[("order", column, descending)] = order
        return order

    def _rank(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Dense ranks of a column's values (equal values, equal ranks) and which are unknown;
        computed once per column."""
        if column not in LIBRARY_COLUMNS:
            raise ValueError(f"unknown library column {column!r} (known: {LIBRARY_COLUMNS})")
        cached = self._cache.get(("rank", column))
        if cached is not None:
            return cached
        if column == "title":  # unique per row, mostly: sorted in C
            keys = [_DIGITS.sub(_pad_number, t) for t in self._search()["titles"]]
            array = np.array(keys, dtype=np.dtypes.StringDType())
            order = np.argsort(array, kind="stable")
            ranks = np.empty(len(self), dtype=np.int64)
            if len(order):  # dense ranks: equal neighbours in sorted order share one
                ordered = array[order]
                ranks[order] = np.concatenate(([0], np.cumsum(ordered[1:] != ordered[:-1])))
            result = ranks, np.zeros(len(self), dtype=bool)
        elif column in _NUMERIC:
            values = getattr(self, "valence" if column == "mood" else column)
            if column == "reaction":  # disliked < none < liked
                unknown = np.zeros(len(self), dtype=bool)
            elif values.dtype.kind == "f":
                unknown = np.isnan(values)
            else:
                unknown = values < 0
            ranks = np.zeros(len(self), dtype=np.int64)
            if (~unknown).any():
                ranks[~unknown] = np.unique(values[~unknown], return_inverse=True)[1]
            result = ranks, unknown
        else:  # key, meter, instruments: few distinct values, ranked in Python
            uniques, normalized, codes = self._search()[column]
            sort_key = {"key": _key_order, "meter": _meter_order}.get(column)
            keys = [sort_key(u) for u in uniques] if sort_key else normalized
            distinct = sorted(set(keys))
            position = {key: rank for rank, key in enumerate(distinct)}
            unique_rank = np.asarray([position[k] for k in keys], dtype=np.int64)
            empty = [i for i, text in enumerate(uniques) if not text]
            result = unique_rank[codes] if len(codes) else codes, np.isin(codes, empty)
        self._cache[("rank", column)] = result
        return result


def _folders_below_common(folders: Sequence[str]) -> list[str]:
    """Each folder without the part every one of them shares: the folders inside the library.
    A word should not match every track because the library sits in /home/gowan/Music; a
    word with a path separator in it still matches across the whole path (``_word_mask``)."""
    try:
        common = os.path.commonpath(folders) if folders else ""
    except ValueError:  # absolute and relative paths mixed: nothing is shared
        return list(folders)
    return [folder.removeprefix(common).lstrip(os.sep) for folder in folders]


def _codes(values: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The distinct values (in first-seen order) and each row's index into them."""
    index: dict[str, int] = {}
    codes = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    return list(index), codes


# Titles sort accents and case aside, and numbers by value ("Tune 2" < "Tune 10").
_DIGITS = re.compile(r"\d+")


def _pad_number(match: re.Match) -> str:
    return match.group().zfill(12)


def _key_order(text: str) -> tuple:
    key = _stored_key(text)
    return (key.tonic, key.mode) if key is not None else (99, normalize(text))


def _meter_order(text: str) -> tuple:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if match is None:
        return (math.inf, 0, text)
    return (int(match.group(1)), int(match.group(2)), text)  # 2/4, 3/4, 3/8, 4/4, 6/8, 12/8


_KEYS: dict[str, Key | None] = {}


def _stored_key(text: str) -> Key | None:
    """A catalog key name ("Bb minor") as a ``Key`` (None when empty or unreadable)."""
    if text not in _KEYS:
        try:
            _KEYS[text] = Key.parse(text) if text else None
        except InvalidInput:
            _KEYS[text] = None
    return _KEYS[text]


def format_duration(seconds: float) -> str:
    """A duration for a table cell: "0:07", "3:05", "1:02:05"; "" when unknown (nan)."""
    if math.isnan(seconds) or seconds < 0:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def instrument_names(programs: Sequence[int]) -> str:
    """GM program numbers as a cell: "Acoustic Grand Piano, Violin" (128 is "Drums")."""
    names = [
        "Drums" if p == DRUMS_PROGRAM else PROGRAM_NAMES[p] if 0 <= p < 128 else f"program {p}"
        for p in programs
    ]
    return ", ".join(names)


# -- reading -----------------------------------------------------------------------------------


def library_version(catalog: Catalog) -> tuple:
    """A cheap value that changes when tracks, vectors or feedback change, from any process:
    the catalog's change marker, the number of feedback rows and the highest feedback id, and
    the profile names (a created or deleted profile changes it too)."""
    count, last = catalog.execute("SELECT COUNT(*), MAX(id) FROM feedback").fetchone()
    profiles = tuple(row[0] for row in catalog.execute("SELECT name FROM profiles ORDER BY name"))
    return (catalog.change_marker(), count, last or 0, profiles)


_TRACK_COLUMNS = (
    "id, title, display_path, duration_seconds, tempo, COALESCE(time_signature, ''), "
    "COALESCE(key_stated, key_estimated, ''), programs, COALESCE(note_count, -1), status, "
    "COALESCE(error, ''), indexed_at, valence, arousal"
)
_FEEDBACK_COLUMNS = ("reaction", "plays")  # what ``previous`` cannot lend a new snapshot


def library_rows(
    catalog: Catalog,
    profile: str,
    *,
    previous: LibraryRows | None = None,
    prepare: bool = True,
) -> LibraryRows:
    """Every track of ``catalog`` with ``profile``'s reactions and plays, read in one read
    transaction (a few queries; an unknown profile simply has none).

    Args:
        previous: an earlier snapshot of the same catalog; when the tracks have not changed
            since (only feedback or profiles did), its track columns, search index and sort
            orders are reused and only the feedback is read (milliseconds, not tenths of a
            second, for 100,000 tracks).
        prepare: build the search index and sort orders now (``LibraryRows.prepare``).
    """
    with catalog.reading():  # one snapshot: the rows and the version agree
        version = library_version(catalog)
        reuse = previous is not None and previous.version[0] == version[0]
        rows = [] if reuse else catalog.rows(f"SELECT {_TRACK_COLUMNS} FROM tracks ORDER BY id")
        reactions = catalog.rows(
            "SELECT track_id, kind = 'like' FROM feedback WHERE profile = ? AND kind IN "
            "('like', 'dislike') ORDER BY at, id",
            [profile],
        )
        plays = catalog.rows(
            "SELECT track_id, COUNT(*) FROM feedback WHERE profile = ? AND kind = 'play' "
            "GROUP BY track_id",
            [profile],
        )
    tracks = _track_columns(previous) if reuse else _read_tracks(rows)
    ids = tracks["ids"]
    reaction = np.zeros(len(ids), dtype=np.int8)
    if reactions:  # in time order: the latest like or dislike of a track wins
        track_ids, liked = np.asarray(reactions, dtype=np.int64).T
        reaction[np.searchsorted(ids, track_ids)] = np.where(liked == 1, LIKED, DISLIKED)
    play_counts = np.zeros(len(ids), dtype=np.int32)
    if plays:
        play_ids, counts = np.asarray(plays, dtype=np.int64).T
        play_counts[np.searchsorted(ids, play_ids)] = counts
    table = LibraryRows(
        **tracks, reaction=reaction, plays=play_counts, profile=profile, version=version
    )
    if reuse:
        lent = list(previous._cache.items())  # one step: the GUI thread may be adding to it
        table._cache.update(
            (name, value)
            for name, value in lent
            if name != "queries" and not (isinstance(name, tuple) and name[1] in _FEEDBACK_COLUMNS)
        )
    return table.prepare() if prepare else table


def _track_columns(rows: LibraryRows) -> dict:
    names = ("ids", "title", "display_path", "duration", "tempo", "key", "meter", "instruments",
             "notes", "added", "status", "error", "valence", "arousal")  # fmt: skip
    return {name: getattr(rows, name) for name in names}


def _read_tracks(rows: list[tuple]) -> dict:
    """The track columns of ``LibraryRows`` from the rows of the ``_TRACK_COLUMNS`` query."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * 14
    (ids, titles, paths, durations, tempos, meters, keys, programs, notes, statuses, errors,
     added, valences, arousals) = columns  # fmt: skip
    instruments = {p: instrument_names(json.loads(p)) if p else "" for p in set(programs)}
    return {
        "ids": np.asarray(ids, dtype=np.int64),
        "title": tuple(
            title or os.path.splitext(path.rpartition(os.sep)[2])[0]
            for title, path in zip(titles, paths, strict=True)
        ),
        "display_path": paths,
        "duration": np.asarray(durations, dtype=np.float64),  # None becomes nan
        "tempo": np.asarray(tempos, dtype=np.float64),
        "key": keys,
        "meter": meters,
        "instruments": tuple(instruments[p] for p in programs),
        "notes": np.asarray(notes, dtype=np.int64),
        "added": np.asarray(added, dtype=np.float64),
        "status": statuses,
        "error": errors,
        "valence": np.asarray(valences, dtype=np.float64),  # None (no mood) becomes nan
        "arousal": np.asarray(arousals, dtype=np.float64),
    }
