"""The "similar tracks" service: rank the library against a track, a file or a few bars.

Two ways of comparing, both over the autoencoder's vectors held in memory (``index.py``):

- **track**: whole-track vectors (what a piece sounds like overall); used when the query is a
  whole piece.
- **passage**: the query's windows against every window of every library track (the best
  stretch of each track that matches); used when the query is short (at most
  ``SHORT_QUERY_BEATS``), such as a few bars in the editor.

Only the music ranks: titles, file names and folders never enter a score. Reasons shown with a hit
come from the data of both tracks (key, tempo, density, meter, instruments, where a passage
matches) and are only stated when true.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput, MidiFileError
from studio.core.midi_info import describe_song
from studio.core.midi_read import read_midi
from studio.core.mood import Mood, mood_reason
from studio.core.music import Song
from studio.core.traits import SIZE as TRAIT_SIZE
from studio.core.traits import musical_traits, shared_reason, shared_traits
from studio.library.catalog import Catalog, CatalogTrack
from studio.library.ranked import RankedTrack, beats_per_bar
from studio.similarity.index import PassageIndex, VectorIndex
from studio.similarity.passages import LIBRARY_HOP_BEATS, MIN_ONSETS, WINDOW_BEATS, note_arrays
from studio.similarity.spread import VectorSpread, load_reference

SHORT_QUERY_BEATS = 32.0
"""Queries up to this long (8 bars of 4/4: an idea, a phrase) are matched passage by passage;
longer ones (a whole chorale is 12–16 bars) compare as whole tracks."""
CLOSE_TEMPO = 0.1
CLOSE_DENSITY = 0.25
GOOD_PASSAGE_MATCH = 0.8
CLOSE_PASSAGE = 0.95
"""A whole-track hit says where it holds a passage this close to one of the query's."""
QUERY_MODES = ("auto", "track", "passage")


@dataclass(frozen=True)
class QueryFacts:
    """What the reasons compare: the query's key, tempo, meter, density, instruments and
    mood."""

    key: str | None
    tempo: float | None
    time_signature: str | None
    density: float | None
    programs: frozenset[int]
    beats_per_bar: float = 4.0
    mood: Mood | None = None

    @classmethod
    def of_song(cls, song: Song) -> QueryFacts:
        info = describe_song(song)
        beats = info["duration_beats"]
        pitched = [t for t in song.tracks if not t.is_drum]
        notes = sum(len(t.notes) for t in pitched)
        return cls(
            key=info["key"]["stated"] or info["key"]["estimated"],
            tempo=info["tempo_bpm"],
            time_signature=info["time_signature"],
            density=notes / beats if beats > 0 else None,
            programs=frozenset(t.program for t in pitched if t.notes),
            beats_per_bar=song.time_signature.beats_per_bar,
            mood=Mood(info["mood"]["valence"], info["mood"]["arousal"]) if info["mood"] else None,
        )

    @classmethod
    def of_track(cls, track: CatalogTrack) -> QueryFacts:
        return cls(
            key=track.key_stated or track.key_estimated,
            tempo=track.tempo,
            time_signature=track.time_signature,
            density=track.density,
            programs=frozenset(p for p in track.programs if p < 128),
            beats_per_bar=beats_per_bar(track.time_signature),
            mood=track_mood(track),
        )


@dataclass(frozen=True)
class SimilarResult:
    """The ranked tracks and how they were found (``mode``: 'track' or 'passage')."""

    ranked: list[RankedTrack]
    mode: str
    model_version: str


class SimilarityService:
    """Similar tracks from one catalog, with the vectors of one embedder held in memory.

    The in-memory indexes are rebuilt when the catalog changed since the last query (another
    indexing run, a removed file), so results always match the database.
    """

    def __init__(self, catalog: Catalog, embedder) -> None:
        self.catalog = catalog
        self.embedder = embedder
        self._marker: tuple | None = None
        self._tracks = VectorIndex(VectorSpread.width(2 * embedder.dims))
        self._recordings = VectorIndex(VectorSpread.width(2 * embedder.dims))
        self._passages = PassageIndex(embedder.dims)
        self._library_hop = LIBRARY_HOP_BEATS
        self._starts: dict[int, np.ndarray] = {}
        self._scales: dict[int, float] = {}
        self._hashes: dict[str, list[int]] = {}
        weights = getattr(embedder, "path", None)
        self._reference = load_reference(weights, embedder.model_version) if weights else None
        self._spread = VectorSpread.identity(2 * embedder.dims)

    @property
    def size(self) -> int:
        """Tracks that can be searched (status ok, with vectors from this model)."""
        self.refresh()
        return len(self._tracks)

    def refresh(self) -> None:
        """Reload the vectors if the catalog changed."""
        marker = self.catalog.change_marker()
        if marker == self._marker:
            return
        version = self.embedder.model_version
        tracks = VectorIndex(VectorSpread.width(2 * self.embedder.dims))
        recordings = VectorIndex(VectorSpread.width(2 * self.embedder.dims))
        passages = PassageIndex(self.embedder.dims)
        ids, hops, starts, scales = [], [], {}, {}
        rows = _Rows(2 * self.embedder.dims, TRAIT_SIZE)
        for stored in self.catalog.embeddings(version):
            ids.append(stored.track_id)
            rows.add(stored.vector, stored.traits)
            passages.add(stored.track_id, stored.passages)
            hops.append(stored.passage_hop)
            starts[stored.track_id] = stored.passage_starts
            scales[stored.track_id] = stored.passage_scale
        matrix, trait_rows = rows.matrices()
        trait_rows = trait_rows if ids else None
        spread = VectorSpread.fit(matrix, self._reference, trait_rows)  # scores that mean something
        if ids:
            joined = spread.apply(matrix, trait_rows)
            tracks.add(ids, joined)
            read = np.array([scales[i] != 1.0 for i in ids])  # read on their notes' beats
            if read.any():
                recordings.add(np.asarray(ids)[read], joined[read])
        hashes: dict[str, list[int]] = {}
        for row in self.catalog.execute(
            "SELECT id, content_hash FROM tracks WHERE status = 'ok' AND content_hash IS NOT NULL"
        ):
            hashes.setdefault(row[1], []).append(row[0])
        self._tracks, self._passages, self._hashes = tracks, passages, hashes
        self._recordings = recordings
        self._starts, self._scales, self._spread = starts, scales, spread
        # Long tracks take their passages at a wider hop; the usual hop sets the query's phases.
        usual = [hop for hop in hops if hop > 0]
        self._library_hop = float(np.median(usual)) if usual else LIBRARY_HOP_BEATS
        self._marker = marker

    # -- queries ----------------------------------------------------------------------------

    def similar_to_track(self, track_id: int, *, top: int = 10) -> SimilarResult:
        """Tracks like library track ``track_id`` (it and its byte-identical copies left out)."""
        track = self.catalog.get(track_id)
        if track is None:
            raise InvalidInput(f"no track with id {track_id} in the library")
        if track.status != "ok":
            raise InvalidInput(f"track {track_id} is {track.status}: {track.error or 'file gone'}")
        self.refresh()
        stored = self.catalog.embedding(track_id, self.embedder.model_version)
        exclude = {track_id, *self._hashes.get(track.content_hash or "", [])}
        if stored is None:  # indexed without a model: embed it now
            song = _read(track.path)
            return self._rank_song(song, QueryFacts.of_track(track), exclude, top, "track")
        vector = self._spread.apply(stored.vector, stored.traits)
        hits = self._tracks.top_k(vector, top, exclude=exclude)
        return self._result(hits, QueryFacts.of_track(track), stored.passages, stored.traits)

    def similar_to_file(
        self, path: str | os.PathLike, *, top: int = 10, mode: str = "auto"
    ) -> SimilarResult:
        """Tracks like a MIDI file (in the library or not; its byte-identical copies left out)."""
        data = _read_bytes(path)
        try:
            song = read_midi(data)
        except MidiFileError as error:
            raise InvalidInput(f"{path}: {error}") from None
        exclude = set(self._hashes_of(hashlib.sha256(data).hexdigest()))
        return self.similar_to_song(song, top=top, mode=mode, exclude=exclude)

    def similar_to_song(
        self, song: Song, *, top: int = 10, mode: str = "auto", exclude=()
    ) -> SimilarResult:
        """Tracks like a song in memory (the melody in the editor, say)."""
        if mode not in QUERY_MODES:
            raise InvalidInput(f"unknown mode {mode!r}: use one of {', '.join(QUERY_MODES)}")
        if mode == "auto":
            mode = "passage" if song.end <= SHORT_QUERY_BEATS else "track"
        return self._rank_song(song, QueryFacts.of_song(song), set(exclude), top, mode)

    # -- ranking --------------------------------------------------------------------------------

    def _hashes_of(self, content_hash: str) -> list[int]:
        self.refresh()
        return self._hashes.get(content_hash, [])

    def _rank_song(
        self, song: Song, facts: QueryFacts, exclude: set[int], top: int, mode: str
    ) -> SimilarResult:
        self.refresh()
        if mode == "track":
            variants = self.embedder.query_variants(song)
            if len(variants[0].passages) == 0:
                raise InvalidInput("the query has too few notes to compare")
            best: dict[int, float] = {}
            for variant in variants:  # the best of the query's time scales counts
                vector = self._spread.apply(variant.vector, variant.traits)
                index = self._recordings if variant.recordings_only else self._tracks
                for track_id, score in index.top_k(vector, top, exclude=exclude):
                    best[track_id] = max(score, best.get(track_id, -np.inf))
            hits = sorted(best.items(), key=lambda hit: (-hit[1], hit[0]))[:top]
            passages = np.concatenate([v.passages for v in variants])
            return self._result(hits, facts, passages, variants[0].traits)
        notes = note_arrays(song)
        if len(notes) < MIN_ONSETS:
            raise InvalidInput("the query has too few notes to compare")
        query_traits = musical_traits(notes.pitch, notes.start, notes.end)
        found: dict[int, tuple] = {}
        for query in self.embedder.query_variants(song, passage=True):
            phases = max(1, round(self._library_hop / query.hop))
            for hit in self._passages.top_k(query.passages, top, exclude=exclude, phases=phases):
                if hit.track_id not in found or hit.score > found[hit.track_id][0].score:
                    found[hit.track_id] = (hit, query)
        ranked = []
        best = sorted(found.values(), key=lambda f: (-f[0].score, f[0].track_id))[:top]
        shared = self._shared(query_traits, [hit.track_id for hit, _ in best])
        for hit, query in best:
            track = self.catalog.get(hit.track_id)
            # Line the query up with the track: its window ``query_window`` sits on the track's
            # window ``window``; the span covers the whole query from there (in the track's
            # beats: the windows' beats are ``scale`` times the file's, for either).
            scale = self._scales.get(hit.track_id, 1.0)
            query_beat = query.starts[hit.query_window] * query.scale / scale
            first = max(0.0, float(self._starts[hit.track_id][hit.window] - query_beat))
            length = max(float(song.end) * query.scale, WINDOW_BEATS) / scale
            span = (first, first + length)
            bars = _bars_text(span, beats_per_bar(track.time_signature))
            how = "a passage matches" if hit.score >= GOOD_PASSAGE_MATCH else "closest passage"
            reasons = [f"{how}: {bars} ({hit.score:.2f} similarity)"]
            reasons += shared[hit.track_id]
            reasons += _reasons(facts, track)
            pace = scale / query.scale  # the query's beats per track beat
            ranked.append(
                RankedTrack(
                    track.id,
                    float(hit.score),
                    reasons,
                    match_beats=span,
                    track=track,
                    match_pace=pace,
                )
            )
        return SimilarResult(ranked, "passage", self.embedder.model_version)

    def _shared(self, query_traits: np.ndarray | None, track_ids: list[int]) -> dict[int, list]:
        """For each track, a reason naming what it shares with the query in texture, harmony
        and rhythm (an empty list when nothing stands out or the traits are unknown)."""
        found: dict[int, list] = {track_id: [] for track_id in track_ids}
        if query_traits is None or np.isnan(query_traits).any():
            return found
        mean, scale = self._spread.trait_mean, self._spread.trait_scale
        for track_id, other in self.catalog.traits(track_ids, self.embedder.model_version).items():
            found[track_id] = shared_reason(shared_traits(query_traits, other, mean, scale))
        return found

    def _result(
        self,
        hits,
        facts: QueryFacts,
        query_passages: np.ndarray,
        query_traits: np.ndarray | None = None,
    ) -> SimilarResult:
        """A whole-track ranking, each hit with its closest passage pair when that is close and
        what it shares with the query in texture, harmony and rhythm."""
        ranked = []
        shared = self._shared(query_traits, [track_id for track_id, _ in hits])
        for track_id, score in hits:
            track = self.catalog.get(track_id)
            reasons = [f"sounds alike overall ({score:.2f} similarity)"]
            span = None
            if len(query_passages) and track_id in self._passages:
                cosines = self._passages.passages(track_id) @ query_passages.T
                window, _ = np.unravel_index(int(np.argmax(cosines)), cosines.shape)
                if cosines[window].max() >= CLOSE_PASSAGE:
                    first = float(self._starts[track_id][window])
                    span = (first, first + WINDOW_BEATS / self._scales.get(track_id, 1.0))
                    bars = _bars_text(span, beats_per_bar(track.time_signature))
                    reasons.append(
                        f"melodic and harmonic match at {bars} ({cosines[window].max():.2f})"
                    )
            reasons += shared[track_id]
            reasons += _reasons(facts, track)
            ranked.append(
                RankedTrack(track.id, float(score), reasons, match_beats=span, track=track)
            )
        return SimilarResult(ranked, "track", self.embedder.model_version)


class _Rows:
    """Track vectors and traits gathered into matrices a block at a time: a hundred thousand
    small arrays alive at once would keep their memory in the process after the load."""

    BLOCK = 4096

    def __init__(self, dims: int, traits: int) -> None:
        self._widths = (dims, traits)
        self._blocks: tuple[list, list] = ([], [])
        self._pending: tuple[list, list] = ([], [])
        self._missing = np.full(traits, np.nan, dtype=np.float32)

    def add(self, vector: np.ndarray, traits: np.ndarray | None) -> None:
        self._pending[0].append(vector)
        self._pending[1].append(self._missing if traits is None else traits)
        if len(self._pending[0]) == self.BLOCK:
            self._flush()

    def _flush(self) -> None:
        for blocks, pending in zip(self._blocks, self._pending, strict=True):
            if pending:
                blocks.append(np.stack(pending).astype(np.float32))
                pending.clear()

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, traits), one row per track added; NaN traits where a track had none."""
        self._flush()
        return tuple(
            np.concatenate(blocks) if blocks else np.zeros((0, width), np.float32)
            for blocks, width in zip(self._blocks, self._widths, strict=True)
        )


def _bars_text(span: tuple[float, float], per_bar: float) -> str:
    first = int(span[0] // per_bar) + 1
    last = max(first, int(np.ceil(span[1] / per_bar)))
    return f"bars {first}–{last}"


def _close(a: float, b: float, share: float) -> bool:
    return abs(a - b) <= share * max(a, b)


def _reasons(query: QueryFacts, track: CatalogTrack) -> list[str]:
    """What ``track`` shares with the query (key, rhythm, tempo, meter, instruments, mood),
    each statement true of the data."""
    reasons = []
    other = QueryFacts.of_track(track)
    if query.key and other.key and query.key == other.key:
        reasons.append(f"same key ({query.key})")
    if query.density and other.density and _close(query.density, other.density, CLOSE_DENSITY):
        reasons.append(f"similar rhythm: {other.density:.1f} vs {query.density:.1f} notes per beat")
    if query.tempo and other.tempo and _close(query.tempo, other.tempo, CLOSE_TEMPO):
        reasons.append(f"close tempo: {other.tempo:.0f} vs {query.tempo:.0f} BPM")
    if query.time_signature and query.time_signature == other.time_signature:
        reasons.append(f"same meter ({query.time_signature})")
    shared = query.programs & other.programs
    if shared and len(shared) == len(query.programs | other.programs):
        from studio.core.gm import program_name

        names = ", ".join(program_name(p) for p in sorted(shared)[:3])
        reasons.append(f"same instruments ({names})")
    reasons += mood_reason(query.mood, other.mood)
    return reasons


def track_mood(track: CatalogTrack) -> Mood | None:
    """A catalog track's mood, or None when it has none (no pitched notes, not read yet)."""
    if track.valence is None or track.arousal is None:
        return None
    return Mood(track.valence, track.arousal)


def _read_bytes(path: str | os.PathLike) -> bytes:
    target = Path(os.fsdecode(path))
    if target.is_dir():
        raise InvalidInput(f"{target} is a folder, not a MIDI file")
    try:
        return target.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {target}: {error.strerror or error}") from None


def _read(path: bytes) -> Song:
    try:
        return read_midi(_read_bytes(path))
    except MidiFileError as error:
        raise InvalidInput(f"{os.fsdecode(path)}: {error}") from None
