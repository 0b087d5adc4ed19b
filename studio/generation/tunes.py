"""Tunes for the melody GAN's training data: melodies in 4/4, 2/4, 3/4 or 6/8 with a key and chords.

Sources, both offline:

* the corpus that the ``music21`` package ships: by default Ryan's Mammoth Collection (1883),
  O'Neill's *Music of Ireland* (1850), Aird's *Selection of Scotch, English, Irish and Foreign
  Airs* (1782–1803) and the Bach chorales — all public domain. The Essen folk-song collection is
  left out on purpose: its licence allows only non-commercial distribution.
* a folder of the user's own MIDI files (the melody is the top line of the pitched tracks, the
  chords come from the other notes).

A *tune* is a monophonic melody in one of ``METERS`` (2/2 counts as 4/4; other meters and tunes
that change meter are skipped), its key (major or minor) and one chord per *unit*: a bar of 4/4,
3/4 or 6/8, or a pair of 2/4 bars (``UNIT_BEATS``). Chords come from the accompaniment where there
is one, otherwise they are estimated from the melody. ``studio.generation.data`` turns tunes into
arrays. Times are in **beats** (quarter notes); beat 0 is the first full bar's downbeat.
"""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.errors import InvalidInput, StudioError, music21_missing
from studio.core.keyfinding import estimate_key, stated_key
from studio.core.melody import extract_melody
from studio.core.midi_files import midi_paths
from studio.core.midi_read import read_midi
from studio.core.music import Note, Song
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Chord, Key

MUSIC21_COLLECTIONS = ("ryansMammoth", "oneills1850", "airdsAirs", "bach")
"""Public-domain collections of the music21 corpus used by default (Essen is excluded)."""

METERS = ("4/4", "2/4", "3/4", "6/8")
"""The meters the GAN learns; a tune's meter is one of these (2/2 is counted as 4/4)."""

UNIT_BEATS = {"4/4": 4, "2/4": 4, "3/4": 3, "6/8": 3}
"""Length of one unit (a data row) in beats: a bar, or a pair of 2/4 bars."""

MIN_BARS = 2
"""Fewest units a tune must have."""


def meter_name(signature: str) -> str | None:
    """The meter of a time signature such as "6/8" (one of ``METERS``; "2/2" → "4/4"), or None."""
    text = signature.strip()
    if text == "2/2":
        return "4/4"
    return text if text in METERS else None


@dataclass(frozen=True)
class Tune:
    """A melody ready for encoding.

    Attributes:
        title: the tune's title (or file name).
        source: the collection or folder it came from.
        key: its key (mode "major" or "natural_minor").
        notes: a monophonic melody; beat 0 is the first full bar's downbeat.
        chords: one chord per unit (``UNIT_BEATS[meter]`` beats).
        meter: one of ``METERS``.
    """

    title: str
    source: str
    key: Key
    notes: tuple[Note, ...]
    chords: tuple[Chord, ...]
    meter: str = "4/4"

    @property
    def n_units(self) -> int:
        """Number of units (the chord count)."""
        return len(self.chords)

    @property
    def n_bars(self) -> int:
        """Number of bars of the tune's meter (twice the units for 2/4)."""
        return 2 * self.n_units if self.meter == "2/4" else self.n_units


def _major_or_minor(key: Key) -> Key:
    """Map a modal key to major or minor on the same tonic (dorian → minor, lydian → major…)."""
    minorish = {"natural_minor", "harmonic_minor", "melodic_minor", "dorian", "phrygian",
                "locrian", "minor_pentatonic", "blues"}  # fmt: skip
    return Key(key.tonic, "natural_minor" if key.mode in minorish else "major")


def make_tune(
    title: str,
    source: str,
    melody: Sequence[Note],
    accompaniment: Sequence[Note] = (),
    key: Key | None = None,
    meter: str = "4/4",
) -> Tune | None:
    """Build a ``Tune`` from a melody (beat 0 = a downbeat) and optional accompaniment notes.

    The key is estimated from all notes when not given. Returns None when the melody has fewer
    than ``MIN_BARS`` units or no key can be found.

    Raises:
        InvalidInput: if ``meter`` is not one of ``METERS``.
    """
    tune = _build_tune(title, source, melody, accompaniment, key, meter)
    return tune if isinstance(tune, Tune) else None


def _build_tune(title, source, melody, accompaniment, key, meter) -> Tune | str:
    """The tune, or the reason it was skipped."""
    if meter not in METERS:
        raise InvalidInput(f"meter {meter!r} is not one of {', '.join(METERS)}")
    melody = tuple(n for n in melody if n.start >= 0 and n.duration > 0)
    if not melody:
        return "no notes"
    unit = UNIT_BEATS[meter]
    n_units = math.ceil(max(n.end for n in melody) / unit - 1e-9)
    if n_units < MIN_BARS:
        return "too short"
    if key is None:
        estimate = estimate_key(tuple(melody) + tuple(accompaniment))
        if estimate is None:
            return "no key"
        key = estimate.key
    key = _major_or_minor(key)
    weights = bar_pitch_weights(melody, n_units, unit) + 2.0 * bar_pitch_weights(
        accompaniment, n_units, unit
    )
    return Tune(title, source, key, melody, estimate_chords(weights, key), meter)


def scan_music21_file(path: str) -> tuple[list[Tune], Counter]:
    """Parse one corpus file (or any ABC or MusicXML file; it may hold many tunes) into tunes,
    and count the skipped ones. The tunes' source is the file's folder name.

    Runs in a worker process: music21 is imported here. The counter maps a reason ("meter 9/8",
    "mixed meters", "too short", "unreadable file", …) to the number of tunes skipped for it.
    """
    import music21  # slow to import and only needed to build the data set

    source = Path(path).parent.name
    skipped: Counter = Counter()
    in_corpus = Path(music21.__file__).parent / "corpus" in Path(path).resolve().parents
    try:
        parsed = (music21.corpus.parse if in_corpus else music21.converter.parse)(path)
    except Exception:  # a corpus file music21 itself cannot parse: nothing to learn from
        skipped["unreadable file"] += 1
        return [], skipped
    scores = parsed.scores if isinstance(parsed, music21.stream.Opus) else [parsed]
    tunes = []
    for number, score in enumerate(scores):
        try:
            tune = _tune_from_music21_score(score, source, f"{Path(path).stem} #{number + 1}")
        except (StudioError, ValueError, AttributeError, IndexError, ZeroDivisionError):
            tune = "malformed"  # a malformed tune in a large collection: skip it
        if isinstance(tune, Tune):
            tunes.append(tune)
        else:
            skipped[tune] += 1
    return tunes, skipped


def tunes_from_music21_file(path: str) -> list[Tune]:
    """Parse one corpus file (it may hold many tunes) into tunes; other meters are skipped."""
    return scan_music21_file(path)[0]


def _tune_from_music21_score(score, source: str, fallback_title: str) -> Tune | str:
    """The score's tune, or the reason it is skipped."""
    import music21

    parts = list(score.parts) or [score]
    melody_part = parts[0].stripTies()
    measures = list(melody_part.getElementsByClass(music21.stream.Measure))
    downbeat = next((float(m.offset) for m in measures if not m.paddingLeft), 0.0)
    signatures = list(score.flatten().getElementsByClass(music21.meter.TimeSignature))
    if _has_pickup_signature(measures):
        # music21 gives an anacrusis written as its own short bar a signature of its own
        # ("1/8" before "6/8"): that bar is the pickup, the next one the first full bar.
        signatures = [m.timeSignature for m in measures[1:] if m.timeSignature]
        downbeat = float(measures[1].offset)
    if not signatures:
        return "no time signature"
    names = {s.ratioString for s in signatures}
    if len({meter_name(name) for name in names}) > 1:
        longest = max(signatures, key=lambda s: s.barDuration.quarterLength)
        others = [s for s in signatures if s.ratioString != longest.ratioString]
        if all(meter_name(s.ratioString) is None for s in others) and all(
            s.barDuration.quarterLength < longest.barDuration.quarterLength for s in others
        ):
            return "short bars with their own signature"  # they would shift the grid after them
        return "mixed meters"
    meter = meter_name(signatures[0].ratioString)
    if meter is None:
        return f"meter {signatures[0].ratioString}"

    def notes_of(part) -> list[Note]:
        notes = []
        for element in part.flatten().notes:
            if element.duration.isGrace or element.duration.quarterLength <= 0:
                continue
            pitches = [p.midi for p in element.pitches]
            start = float(element.offset) - downbeat
            if start < 0 or not pitches:
                continue
            notes.append(Note(max(pitches), start, float(element.duration.quarterLength), 90))
        return notes

    melody = extract_melody(notes_of(melody_part))
    accompaniment = [n for part in parts[1:] for n in notes_of(part.stripTies())]
    key = None
    stated = score.flatten().getElementsByClass(music21.key.Key)
    if stated:
        mode = "major" if stated[0].mode in ("major", "ionian", "lydian", "mixolydian") else "minor"
        key = Key(stated[0].tonic.pitchClass, mode)
    title = (score.metadata.title if score.metadata and score.metadata.title else "") or ""
    title = title.strip() or fallback_title
    return _build_tune(title, source, melody, accompaniment, key, meter)


def _has_pickup_signature(measures) -> bool:
    """Whether the first measure has a signature of its own, shorter than the next measure's."""
    if len(measures) < 2 or measures[0].timeSignature is None or measures[1].timeSignature is None:
        return False
    first, second = measures[0].timeSignature, measures[1].timeSignature
    return first.ratioString != second.ratioString and (
        first.barDuration.quarterLength < second.barDuration.quarterLength
    )


def song_meter(song: Song) -> str | None:
    """The song's meter (one of ``METERS``), or None when it is another one or changes."""
    meters = {meter_name(str(s)) for s in song.time_signatures} or {"4/4"}
    return meters.pop() if len(meters) == 1 else None


def tune_from_song(song: Song, source: str) -> Tune | None:
    """Make a tune from a MIDI song: the top line of its pitched tracks over the rest of them.

    Beat 0 of the file is taken as a downbeat. Songs in another meter than ``METERS`` (2/2
    counts as 4/4), or whose meter changes, are skipped (None).
    """
    meter = song_meter(song)
    if meter is None:
        return None
    pitched = [n for t in song.tracks if not t.is_drum for n in t.notes]
    melody = extract_melody(pitched)
    melody_set = set(melody)
    accompaniment = [n for n in pitched if n not in melody_set]
    return make_tune(song.title, source, melody, accompaniment, stated_key(song), meter)


SCORE_SUFFIXES = (".abc", ".mxl", ".xml", ".musicxml")
"""The corpus files read for tunes: ABC and MusicXML."""


def music21_corpus_files(collections: Sequence[str] | None = MUSIC21_COLLECTIONS) -> list[str]:
    """Paths of the music21 corpus files of the given collections (None: of every one)."""
    try:
        from music21 import corpus
    except ImportError:
        raise music21_missing() from None
    paths = []
    for path in corpus.getCorePaths():
        parent = Path(path).parent.name
        if (collections is None or parent in collections) and Path(path).suffix in SCORE_SUFFIXES:
            paths.append(str(path))
    return sorted(paths)


LICENSED_OUT = {"essenFolksong": "its licence allows only non-commercial use"}
"""Collections of the music21 corpus that Motif Studio never reads, and why."""


def music21_collections(source: str) -> tuple[str, ...] | None:
    """The music21 corpus collections a data source names: "music21" the default ones
    (``MUSIC21_COLLECTIONS``), "music21:A,B" the collections A and B; None for anything else
    (a folder of MIDI files).

    Raises:
        InvalidInput: a collection the corpus does not have, or one in ``LICENSED_OUT``.
    """
    if source == "music21":
        return MUSIC21_COLLECTIONS
    if not source.startswith("music21:"):
        return None
    names = tuple(
        name.strip() for name in source.removeprefix("music21:").split(",") if name.strip()
    )
    if not names:
        raise InvalidInput("name a music21 collection after 'music21:', e.g. music21:miscFolk")
    folders = [Path(path).parent for path in music21_corpus_files(None)]
    present = {folder.name for folder in folders if folder.parent.name == "corpus"}
    for name in names:
        if name in LICENSED_OUT:
            raise InvalidInput(f"the music21 collection {name} is not used: {LICENSED_OUT[name]}")
        if name not in present:
            raise InvalidInput(
                f"the music21 corpus has no collection {name!r} "
                f"(it has {', '.join(sorted(present - set(LICENSED_OUT)))})"
            )
    return names


def load_music21_tunes(
    collections: Sequence[str] = MUSIC21_COLLECTIONS,
    *,
    workers: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    skipped: Counter | None = None,
) -> list[Tune]:
    """Parse the music21 corpus collections into tunes, in parallel over the CPU cores.

    The result is sorted by (source, title), ties in corpus order, so it does not depend on the
    order the workers finish in. ``skipped``, when given, receives (source, reason) → count.
    """
    files = music21_corpus_files(collections)
    per_file: list[list[Tune]] = [[] for _ in files]
    workers = workers or max(1, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(scan_music21_file, path): i for i, path in enumerate(files)}
        parsed = 0
        for done, future in enumerate(as_completed(futures), start=1):
            if cancel is not None and cancel.cancelled:
                for pending in futures:
                    pending.cancel()
                cancel.raise_if_cancelled()
            tunes, reasons = future.result()
            per_file[futures[future]] = tunes
            parsed += len(tunes)
            if skipped is not None:
                source = Path(files[futures[future]]).parent.name
                skipped.update({(source, reason): n for reason, n in reasons.items()})
            progress(done, len(files), f"parsed {parsed} tunes")
    return sorted((t for tunes in per_file for t in tunes), key=lambda t: (t.source, t.title))


def load_midi_folder_tunes(
    folder: str | os.PathLike,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[Tune]:
    """Read every MIDI file under ``folder`` into tunes; unreadable files are skipped."""
    root = Path(folder)
    if not root.is_dir():
        raise InvalidInput(f"{root} is not a folder")
    files = midi_paths(root)  # the indexer's walk: every MIDI suffix, no symlink loops
    tunes = []
    for done, path in enumerate(files, start=1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            tune = tune_from_song(read_midi(path), source=root.name)
        except StudioError:
            tune = None
        if tune is not None:
            tunes.append(tune)
        progress(done, len(files), f"read {len(tunes)} tunes")
    return tunes
