"""Tunes for the melody GAN's training data: 4/4 melodies with a key and a chord per bar.

Sources, both offline:

* the corpus that the ``music21`` package ships: by default Ryan's Mammoth Collection (1883),
  O'Neill's *Music of Ireland* (1850), Aird's *Selection of Scotch, English, Irish and Foreign
  Airs* (1782–1803) and the Bach chorales — all public domain. The Essen folk-song collection is
  left out on purpose: its licence allows only non-commercial distribution.
* a folder of the user's own MIDI files (the melody is the top line of the pitched tracks, the
  chords come from the other notes).

A *tune* is a monophonic melody in 4/4 bars (2/4 and 2/2 are re-barred to four beats), its key
(major or minor) and one chord per bar: from the accompaniment where there is one, otherwise
estimated from the melody. ``studio.generation.data`` turns tunes into arrays. Times are in
**beats**, 4 to a bar.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.errors import InvalidInput, StudioError
from studio.core.keyfinding import estimate_key
from studio.core.melody import extract_melody
from studio.core.midi_files import midi_paths
from studio.core.midi_read import read_midi
from studio.core.music import Note, Song
from studio.core.pianoroll import BEATS_PER_BAR
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Chord, Key

MUSIC21_COLLECTIONS = ("ryansMammoth", "oneills1850", "airdsAirs", "bach")
"""Public-domain collections of the music21 corpus used by default (Essen is excluded)."""

MIN_BARS = 2


@dataclass(frozen=True)
class Tune:
    """A melody ready for encoding.

    Attributes:
        title: the tune's title (or file name).
        source: the collection or folder it came from.
        key: its key (mode "major" or "natural_minor").
        notes: a monophonic melody; beat 0 is the first full bar's downbeat, 4 beats a bar.
        chords: one chord per bar.
    """

    title: str
    source: str
    key: Key
    notes: tuple[Note, ...]
    chords: tuple[Chord, ...]

    @property
    def n_bars(self) -> int:
        """Number of bars (the chord count)."""
        return len(self.chords)


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
) -> Tune | None:
    """Build a ``Tune`` from a melody (beat 0 = a downbeat) and optional accompaniment notes.

    The key is estimated from all notes when not given. Returns None when the melody has fewer
    than ``MIN_BARS`` bars.
    """
    melody = tuple(n for n in melody if n.start >= 0 and n.duration > 0)
    if not melody:
        return None
    n_bars = math.ceil(max(n.end for n in melody) / BEATS_PER_BAR - 1e-9)
    if n_bars < MIN_BARS:
        return None
    if key is None:
        estimate = estimate_key(tuple(melody) + tuple(accompaniment))
        if estimate is None:
            return None
        key = estimate.key
    key = _major_or_minor(key)
    weights = bar_pitch_weights(melody, n_bars) + 2.0 * bar_pitch_weights(accompaniment, n_bars)
    return Tune(title, source, key, melody, estimate_chords(weights, key))


def tunes_from_music21_file(path: str) -> list[Tune]:
    """Parse one corpus file (it may hold many tunes) into tunes; others' meters are skipped.

    Runs in a worker process: music21 is imported here. Unreadable scores are skipped.
    """
    import music21  # slow to import and only needed to build the data set

    source = Path(path).parent.name
    try:
        parsed = music21.corpus.parse(path)
    except Exception:  # a corpus file music21 itself cannot parse: nothing to learn from
        return []
    scores = parsed.scores if isinstance(parsed, music21.stream.Opus) else [parsed]
    tunes = []
    for number, score in enumerate(scores):
        try:
            tune = _tune_from_music21_score(score, source, f"{Path(path).stem} #{number + 1}")
        except (StudioError, ValueError, AttributeError, IndexError, ZeroDivisionError):
            continue  # a malformed tune in a large collection: skip it
        if tune is not None:
            tunes.append(tune)
    return tunes


def _tune_from_music21_score(score, source: str, fallback_title: str) -> Tune | None:
    import music21

    parts = list(score.parts) or [score]
    signatures = score.flatten().getElementsByClass(music21.meter.TimeSignature)
    if not signatures or any(s.ratioString not in ("4/4", "2/4", "2/2") for s in signatures):
        return None
    melody_part = parts[0].stripTies()
    measures = list(melody_part.getElementsByClass(music21.stream.Measure))
    downbeat = next((float(m.offset) for m in measures if not m.paddingLeft), 0.0)

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
    return make_tune(title.strip() or fallback_title, source, melody, accompaniment, key)


def tune_from_song(song: Song, source: str) -> Tune | None:
    """Make a tune from a MIDI song: the top line of its pitched tracks over the rest of them.

    Songs whose first meter is not 4/4, 2/4 or 2/2 are skipped (None).
    """
    if str(song.time_signature) not in ("4/4", "2/4", "2/2"):
        return None
    pitched = [n for t in song.tracks if not t.is_drum for n in t.notes]
    melody = extract_melody(pitched)
    melody_set = set(melody)
    accompaniment = [n for n in pitched if n not in melody_set]
    stated = song.key_signature
    key = Key(stated.tonic, stated.mode) if stated else None
    return make_tune(song.title, source, melody, accompaniment, key)


def music21_corpus_files(collections: Sequence[str] = MUSIC21_COLLECTIONS) -> list[str]:
    """Paths of the music21 corpus files of the given collections."""
    try:
        from music21 import corpus
    except ImportError:
        raise StudioError("the music21 package is not installed (pip install music21)") from None
    paths = []
    for path in corpus.getCorePaths():
        parent = Path(path).parent.name
        if parent in collections and Path(path).suffix in (".abc", ".mxl", ".xml", ".musicxml"):
            paths.append(str(path))
    return sorted(paths)


def load_music21_tunes(
    collections: Sequence[str] = MUSIC21_COLLECTIONS,
    *,
    workers: int | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> list[Tune]:
    """Parse the music21 corpus collections into tunes, in parallel over the CPU cores."""
    files = music21_corpus_files(collections)
    tunes: list[Tune] = []
    workers = workers or max(1, os.cpu_count() or 1)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(tunes_from_music21_file, path) for path in files]
        for done, future in enumerate(as_completed(futures), start=1):
            if cancel is not None and cancel.cancelled:
                for pending in futures:
                    pending.cancel()
                cancel.raise_if_cancelled()
            tunes.extend(future.result())
            progress(done, len(files), f"parsed {len(tunes)} tunes")
    return sorted(tunes, key=lambda t: (t.source, t.title))


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
