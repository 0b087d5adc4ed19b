"""Training data for the melody GAN: 4/4 melodies with a chord per bar, key-normalised, as arrays.

The tunes come from the music21 corpus or a folder of MIDI files (``studio.generation.tunes``).
``build_dataset`` transposes every tune to C major or A minor and encodes each bar as 16
sixteenth steps (see ``studio.core.pianoroll``); ``load_or_build`` caches the result as ``.npz``
so a second run starts in seconds. Tunes are split into train, validation and test sets by a
hash of each tune's source, title and position, so the held-out tunes never change.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput, StudioError
from studio.core.music import Note
from studio.core.pianoroll import PianoRollSpec, encode_melody, fit_to_range
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Key
from studio.generation.tunes import Tune, load_midi_folder_tunes, load_music21_tunes

DATA_VERSION = 1
STEPS_PER_BAR = 16
SPEC = PianoRollSpec()  # C3–C6 plus rest, sixteenth steps

SPLITS = {"train": 0, "valid": 1, "test": 2}
VALID_FRACTION = 0.05
TEST_FRACTION = 0.05


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
