"""Training data for the melody GAN: 4/4 melodies with a chord per bar, key-normalised, as arrays.

Sources, both offline:

* the corpus that the ``music21`` package ships: by default Ryan's Mammoth Collection (1883),
  O'Neill's *Music of Ireland* (1850), Aird's *Selection of Scotch, English, Irish and Foreign
  Airs* (1782–1803) and the Bach chorales — all public domain. The Essen folk-song collection is
  left out on purpose: its licence allows only non-commercial distribution.
* a folder of the user's own MIDI files (the melody is the top line of the pitched tracks, the
  chords come from the other notes).

A *tune* is a monophonic melody in 4/4 bars (2/4 and 2/2 are re-barred to four beats), its key
(major or minor) and one chord per bar: from the accompaniment where there is one, otherwise
estimated from the melody. ``build_dataset`` transposes every tune to C major or A minor and
encodes each bar as 16 sixteenth steps (see ``studio.core.pianoroll``); ``load_or_build`` caches
the result as ``.npz`` so a second run starts in seconds. Tunes are split into train, validation
and test sets by a fixed seeded shuffle, so the held-out tunes never change.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.errors import InvalidInput, StudioError
from studio.core.keyfinding import estimate_key
from studio.core.melody import extract_melody
from studio.core.midi_files import midi_paths
from studio.core.midi_read import read_midi
from studio.core.music import Note, Song
from studio.core.pianoroll import BEATS_PER_BAR, PianoRollSpec, encode_melody, fit_to_range
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Chord, Key

DATA_VERSION = 1
STEPS_PER_BAR = 16
SPEC = PianoRollSpec()  # C3–C6 plus rest, sixteenth steps

MUSIC21_COLLECTIONS = ("ryansMammoth", "oneills1850", "airdsAirs", "bach")
"""Public-domain collections of the music21 corpus used by default (Essen is excluded)."""

SPLITS = {"train": 0, "valid": 1, "test": 2}
VALID_FRACTION = 0.05
TEST_FRACTION = 0.05
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


# ------------------------------------------------------------------------------ tunes


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


# ------------------------------------------------------------------------------ arrays


def normalising_shift(key: Key) -> int:
    """Semitones that move ``key`` to C major or A minor, the smallest such move (−6…+5)."""
    target = 0 if key.mode == "major" else 9
    return (target - key.tonic + 6) % 12 - 6


def event_onsets(pitch: np.ndarray, onset: np.ndarray, rest_index: int) -> np.ndarray:
    """Onset flags that also mark where a rest begins (a rest is an event for the model)."""
    is_rest = pitch == rest_index
    previous_rest = np.concatenate([[False], is_rest[:-1]])
    return onset | (is_rest & ~previous_rest)


@dataclass
class MelodyDataset:
    """Bars of key-normalised melodies, one row per bar.

    Attributes:
        pitch: (bars, 16) int8 pitch index per sixteenth step (``SPEC.rest_index`` = rest).
        onset: (bars, 16) bool, True where a note or a rest begins.
        chord_root: (bars,) int8 root pitch class of the bar's chord (C major/A minor frame).
        chord_tones: (bars, 12) bool chord tones.
        mode: (bars,) int8, 0 major, 1 minor.
        tune: (bars,) int32 index of the tune.
        bar: (bars,) int16 index of the bar within its tune.
        split: (tunes,) int8, 0 train, 1 valid, 2 test.
        titles: (tunes,) tune titles; sources: (tunes,) collections.
    """

    pitch: np.ndarray
    onset: np.ndarray
    chord_root: np.ndarray
    chord_tones: np.ndarray
    mode: np.ndarray
    tune: np.ndarray
    bar: np.ndarray
    split: np.ndarray
    titles: np.ndarray
    sources: np.ndarray

    def __len__(self) -> int:
        return len(self.pitch)

    @property
    def n_tunes(self) -> int:
        """Number of tunes."""
        return len(self.titles)

    def bars_in(self, split: str) -> np.ndarray:
        """Row indices of the bars of the tunes in ``split`` ("train", "valid" or "test")."""
        return np.flatnonzero(self.split[self.tune] == SPLITS[split])

    def pairs(self, split: str) -> np.ndarray:
        """Row indices of bars in ``split`` that have a previous bar in the same tune."""
        rows = self.bars_in(split)
        return rows[self.bar[rows] > 0]

    def segments(self, n_bars: int, split: str) -> np.ndarray:
        """First rows of every run of ``n_bars`` consecutive bars within one tune (stride 1)."""
        rows = self.bars_in(split)
        last = rows + n_bars - 1
        inside = last < len(self)
        rows, last = rows[inside], last[inside]
        same_tune = self.tune[last] == self.tune[rows]
        return rows[same_tune & (self.bar[last] == self.bar[rows] + n_bars - 1)]

    def save(self, path: str | os.PathLike) -> None:
        """Write the arrays to an ``.npz`` file (atomically: temp file, then rename)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp.npz")
        np.savez_compressed(temporary, version=DATA_VERSION, **vars(self))
        os.replace(temporary, target)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MelodyDataset:
        """Read arrays written by ``save`` (no pickles are loaded)."""
        with np.load(path, allow_pickle=False) as data:
            if int(data["version"]) != DATA_VERSION:
                raise StudioError(f"{path} was built by another version; delete it to rebuild")
            return cls(**{name: data[name] for name in cls.__dataclass_fields__})


def _split_of_tune(title: str, source: str, index: int) -> int:
    digest = hashlib.sha256(f"{source}/{title}/{index}".encode()).digest()
    fraction = int.from_bytes(digest[:4], "big") / 2**32
    if fraction < TEST_FRACTION:
        return SPLITS["test"]
    if fraction < TEST_FRACTION + VALID_FRACTION:
        return SPLITS["valid"]
    return SPLITS["train"]


def build_dataset(tunes: Sequence[Tune], spec: PianoRollSpec = SPEC) -> MelodyDataset:
    """Normalise each tune to C major / A minor and encode it bar by bar."""
    columns: dict[str, list] = {k: [] for k in ("pitch", "onset", "root", "tones", "mode", "tune")}
    bars, splits, titles, sources = [], [], [], []
    for tune in tunes:
        shift = normalising_shift(tune.key)
        moved = [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in tune.notes
                 if 0 <= n.pitch + shift <= 127]  # fmt: skip
        try:
            encoded = encode_melody(fit_to_range(moved, spec), tune.n_bars * STEPS_PER_BAR, spec)
        except InvalidInput:
            continue
        index = len(titles)
        titles.append(tune.title)
        sources.append(tune.source)
        splits.append(_split_of_tune(tune.title, tune.source, index))
        onsets = event_onsets(encoded.pitch, encoded.onset, spec.rest_index)
        for bar, chord in enumerate(tune.chords):
            steps = slice(bar * STEPS_PER_BAR, (bar + 1) * STEPS_PER_BAR)
            moved_chord = chord.transpose(shift)
            columns["pitch"].append(encoded.pitch[steps])
            columns["onset"].append(onsets[steps])
            columns["root"].append(moved_chord.root)
            columns["tones"].append([pc in moved_chord.tones for pc in range(12)])
            columns["mode"].append(0 if tune.key.mode == "major" else 1)
            columns["tune"].append(index)
            bars.append(bar)
    if not bars:
        raise StudioError("no usable melodies in 4/4, 2/4 or 2/2 were found")
    return MelodyDataset(
        pitch=np.array(columns["pitch"], dtype=np.int8),
        onset=np.array(columns["onset"], dtype=bool),
        chord_root=np.array(columns["root"], dtype=np.int8),
        chord_tones=np.array(columns["tones"], dtype=bool),
        mode=np.array(columns["mode"], dtype=np.int8),
        tune=np.array(columns["tune"], dtype=np.int32),
        bar=np.array(bars, dtype=np.int16),
        split=np.array(splits, dtype=np.int8),
        titles=np.array(titles, dtype=str),
        sources=np.array(sources, dtype=str),
    )


def default_cache_dir() -> Path:
    """Where processed data sets are cached (the user cache dir of Motif Studio)."""
    from platformdirs import user_cache_path

    return user_cache_path("motif-studio") / "datasets"


def load_or_build(
    data: str = "music21",
    *,
    cache_dir: str | os.PathLike | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> MelodyDataset:
    """The data set for ``data`` ("music21" or a folder of MIDI files), built once and cached.

    The cache file's name carries the source (and, for a folder, a hash of its path), so each
    source has its own; delete the file to rebuild after the folder changed.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if data == "music21":
        name = f"music21-v{DATA_VERSION}.npz"
    else:
        folder = Path(data).resolve()
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
        name = f"folder-{folder.name}-{digest}-v{DATA_VERSION}.npz"
    path = cache / name
    if path.exists():
        return MelodyDataset.load(path)
    if data == "music21":
        tunes = load_music21_tunes(progress=progress, cancel=cancel)
    else:
        tunes = load_midi_folder_tunes(data, progress=progress, cancel=cancel)
    dataset = build_dataset(tunes)
    dataset.save(path)
    return dataset
