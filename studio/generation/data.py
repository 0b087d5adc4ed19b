"""Training data for the melody GAN: melodies with a chord per unit, key-normalised, as arrays.

The tunes come from the music21 corpus or a folder of MIDI files (``studio.generation.tunes``),
in one of ``METERS``. ``build_dataset`` transposes every tune to C major or A minor and encodes
it unit by unit: a *unit* is a bar of 4/4, 3/4 or 6/8 or a pair of 2/4 bars (``UNIT_BEATS``
quarter notes, ``UNIT_STEPS`` sixteenth steps). Every row is 16 steps wide; a 12-step unit is
padded with 4 steps that hold its last step (no onset, the same pitch), so whatever reads a row
cuts it to ``unit_steps`` first. ``load_or_build`` caches the result as ``.npz`` so a second run
starts in seconds. A tune that reaches past the range (C3–C6) after its transposition moves
by whole octaves (``place_in_range``), so its intervals stay as written. Tunes are split into
train, validation and test sets by a hash of each tune's source, title and how many earlier
tunes of the same meter share them, so the held-out tunes never change, not even when tunes of
other meters are added.
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
from studio.core.pianoroll import PianoRollSpec, encode_melody, place_in_range
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Key
from studio.generation.tunes import (
    METERS,
    UNIT_BEATS,
    Tune,
    load_midi_folder_tunes,
    load_music21_tunes,
    music21_collections,
)

DATA_VERSION = 3  # 3: tunes move into range whole (2 folded the notes outside one by one)
STEPS_PER_BAR = 16
"""Width of every row in steps (a 4/4 unit; 12-step units are padded)."""
SPEC = PianoRollSpec()  # C3–C6 plus rest, sixteenth steps

UNIT_STEPS = {meter: beats * SPEC.steps_per_beat for meter, beats in UNIT_BEATS.items()}
"""Sixteenth steps of one unit per meter: 16 for 4/4 and 2/4, 12 for 3/4 and 6/8."""
_UNIT_STEPS_BY_INDEX = np.array([UNIT_STEPS[m] for m in METERS])

SPLITS = {"train": 0, "valid": 1, "test": 2}
VALID_FRACTION = 0.05
TEST_FRACTION = 0.05


def normalising_shift(key: Key) -> int:
    """Semitones that move ``key`` to C major or A minor, the smallest such move (−6…+5)."""
    target = 0 if key.mode == "major" else 9
    return (target - key.tonic + 6) % 12 - 6


def unit_steps(meter_index: int) -> int:
    """Sixteenth steps of one unit of the meter ``METERS[meter_index]`` (16 or 12)."""
    return UNIT_STEPS[METERS[int(meter_index)]]


def event_onsets(pitch: np.ndarray, onset: np.ndarray, rest_index: int) -> np.ndarray:
    """Onset flags that also mark where a rest begins (a rest is an event for the model)."""
    is_rest = pitch == rest_index
    previous_rest = np.concatenate([[False], is_rest[:-1]])
    return onset | (is_rest & ~previous_rest)


@dataclass
class MelodyDataset:
    """Units of key-normalised melodies, one row per unit (a bar, or two bars of 2/4).

    Attributes:
        pitch: (rows, 16) int8 pitch index per sixteenth step (``SPEC.rest_index`` = rest);
            12-step units are padded with their step 11's pitch.
        onset: (rows, 16) bool, True where a note or a rest begins (False on padding).
        chord_root: (rows,) int8 root pitch class of the unit's chord (C major/A minor frame).
        chord_tones: (rows, 12) bool chord tones.
        mode: (rows,) int8, 0 major, 1 minor.
        tune: (rows,) int32 index of the tune.
        bar: (rows,) int16 index of the unit within its tune.
        split: (tunes,) int8, 0 train, 1 valid, 2 test.
        titles: (tunes,) tune titles; sources: (tunes,) collections.
        meter: (tunes,) int8 index into ``METERS``.
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
    meter: np.ndarray

    def __len__(self) -> int:
        return len(self.pitch)

    @property
    def n_tunes(self) -> int:
        """Number of tunes."""
        return len(self.titles)

    def meter_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Meter index (into ``METERS``) of each row in ``rows``."""
        return self.meter[self.tune[rows]]

    def steps_of_rows(self, rows: np.ndarray) -> np.ndarray:
        """Sixteenth steps that are music (not padding) in each row in ``rows``: 16 or 12."""
        return _UNIT_STEPS_BY_INDEX[self.meter_of_rows(rows)]

    def bars_in(self, split: str) -> np.ndarray:
        """Row indices of the units of the tunes in ``split`` ("train", "valid" or "test"; "all":
        every tune's)."""
        if split == "all":
            return np.arange(len(self))
        return np.flatnonzero(self.split[self.tune] == SPLITS[split])

    def pairs(self, split: str) -> np.ndarray:
        """Row indices of units in ``split`` that have a previous unit in the same tune."""
        rows = self.bars_in(split)
        return rows[self.bar[rows] > 0]

    def segments(self, n_bars: int, split: str) -> np.ndarray:
        """First rows of every run of ``n_bars`` consecutive units within one tune (stride 1)."""
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


def _split_of_tune(title: str, source: str, k: int) -> int:
    """Split of the ``k``-th tune (from 0) of this meter with this source and title."""
    digest = hashlib.sha256(f"{source}/{title}/{k}".encode()).digest()
    fraction = int.from_bytes(digest[:4], "big") / 2**32
    if fraction < TEST_FRACTION:
        return SPLITS["test"]
    if fraction < TEST_FRACTION + VALID_FRACTION:
        return SPLITS["valid"]
    return SPLITS["train"]


def pad_unit(pitch: np.ndarray, onset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pad a unit's steps (the last axis; any rows before it) to ``STEPS_PER_BAR``: the
    padding holds the last step, no onsets."""
    missing = STEPS_PER_BAR - pitch.shape[-1]
    if missing <= 0:
        return pitch, onset
    return (
        np.concatenate([pitch, np.repeat(pitch[..., -1:], missing, axis=-1)], axis=-1),
        np.concatenate([onset, np.zeros((*onset.shape[:-1], missing), dtype=bool)], axis=-1),
    )


def build_dataset(tunes: Sequence[Tune], spec: PianoRollSpec = SPEC) -> MelodyDataset:
    """Normalise each tune to C major / A minor and encode it unit by unit (see the module doc).

    A tune's split depends on its source, title and meter and on how many earlier tunes in
    ``tunes`` share all three, never on its position in the list.
    """
    columns: dict[str, list] = {k: [] for k in ("pitch", "onset", "root", "tones", "mode", "tune")}
    units, splits, titles, sources, meters = [], [], [], [], []
    seen: dict[tuple[str, str, str], int] = {}
    for tune in tunes:
        shift = normalising_shift(tune.key)
        moved = [Note(n.pitch + shift, n.start, n.duration, n.velocity) for n in tune.notes
                 if 0 <= n.pitch + shift <= 127]  # fmt: skip
        steps = UNIT_BEATS[tune.meter] * spec.steps_per_beat
        try:
            encoded = encode_melody(place_in_range(moved, spec), tune.n_units * steps, spec)
        except InvalidInput:
            continue
        identity = (tune.source, tune.title, tune.meter)
        k = seen.get(identity, 0)
        seen[identity] = k + 1
        index = len(titles)
        titles.append(tune.title)
        sources.append(tune.source)
        meters.append(METERS.index(tune.meter))
        splits.append(_split_of_tune(tune.title, tune.source, k))
        onsets = event_onsets(encoded.pitch, encoded.onset, spec.rest_index)
        for unit, chord in enumerate(tune.chords):
            cut = slice(unit * steps, (unit + 1) * steps)
            pitch, onset = pad_unit(encoded.pitch[cut], onsets[cut])
            moved_chord = chord.transpose(shift)
            columns["pitch"].append(pitch)
            columns["onset"].append(onset)
            columns["root"].append(moved_chord.root)
            columns["tones"].append([pc in moved_chord.tones for pc in range(12)])
            columns["mode"].append(0 if tune.key.mode == "major" else 1)
            columns["tune"].append(index)
            units.append(unit)
    if not units:
        raise StudioError(f"no usable melodies in {', '.join(METERS)} or 2/2 were found")
    return MelodyDataset(
        pitch=np.array(columns["pitch"], dtype=np.int8),
        onset=np.array(columns["onset"], dtype=bool),
        chord_root=np.array(columns["root"], dtype=np.int8),
        chord_tones=np.array(columns["tones"], dtype=bool),
        mode=np.array(columns["mode"], dtype=np.int8),
        tune=np.array(columns["tune"], dtype=np.int32),
        bar=np.array(units, dtype=np.int16),
        split=np.array(splits, dtype=np.int8),
        titles=np.array(titles, dtype=str),
        sources=np.array(sources, dtype=str),
        meter=np.array(meters, dtype=np.int8),
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
    """The data set for ``data`` ("music21", "music21:COLLECTION[,…]" or a folder of MIDI
    files), built once and cached.

    The cache file's name carries the source (and, for a folder, a hash of its path), so each
    source has its own; delete the file to rebuild after the folder changed.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    collections = music21_collections(data)
    if data == "music21":
        name = f"music21-v{DATA_VERSION}.npz"
    elif collections is not None:
        name = f"music21-{'+'.join(collections)}-v{DATA_VERSION}.npz"
    else:
        folder = Path(data).resolve()
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
        name = f"folder-{folder.name}-{digest}-v{DATA_VERSION}.npz"
    path = cache / name
    if path.exists():
        return MelodyDataset.load(path)
    if collections is not None:
        tunes = load_music21_tunes(collections, progress=progress, cancel=cancel)
    else:
        tunes = load_midi_folder_tunes(data, progress=progress, cancel=cancel)
    dataset = build_dataset(tunes)
    dataset.save(path)
    return dataset
