"""The training-data pipeline: tunes to key-normalised bar arrays, on real MIDI files."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_tune_files

from studio.core.music import Note
from studio.core.theory import Key
from studio.generation.data import (
    SPEC,
    MelodyDataset,
    build_dataset,
    event_onsets,
    load_or_build,
    normalising_shift,
)
from studio.generation.tunes import make_tune


def test_normalising_shift_moves_to_c_major_or_a_minor():
    assert normalising_shift(Key.parse("G")) == 5  # G up to C, not seven semitones down
    for name, target in [("G", 0), ("F#", 0), ("Bb", 0), ("Em", 9), ("C minor", 9), ("A", 0)]:
        key = Key.parse(name)
        shift = normalising_shift(key)
        assert -6 <= shift <= 5
        assert (key.tonic + shift) % 12 == target


def test_build_dataset_normalises_and_encodes(tiny_tunes):
    data = build_dataset(tiny_tunes)
    assert data.pitch.shape[1] == 16 and data.onset.shape == data.pitch.shape
    assert len(data) == sum(t.n_bars for t in tiny_tunes)
    # every sounding pitch of a major tune lies in C major after normalisation
    major_rows = data.mode == 0
    pitches = data.pitch[major_rows]
    sounding = pitches[pitches != SPEC.rest_index] + SPEC.low
    assert set(np.unique(sounding % 12)) <= {0, 2, 4, 5, 7, 9, 11}
    # the split is by tune and fixed
    assert set(np.unique(data.split)) <= {0, 1, 2}
    again = build_dataset(tiny_tunes)
    assert np.array_equal(again.split, data.split)


def test_chords_move_with_the_melody_into_the_frame():
    arpeggios = [64, 67, 71, 67, 57, 60, 64, 60, 59, 63, 66, 63, 64, 67, 71, 76]  # Em Am B Em
    melody = [Note(p, i * 1.0, 1.0) for i, p in enumerate(arpeggios)]
    data = build_dataset([make_tune("e minor", "tests", melody, key=Key.parse("Em"))])
    assert data.mode.tolist() == [1, 1, 1, 1]
    assert data.chord_root.tolist() == [9, 2, 4, 9]  # Am Dm E Am in the A minor frame
    first_bar = data.pitch[0][data.onset[0]] + SPEC.low
    assert first_bar.tolist() == [69, 72, 76, 72]  # E G B G moved up a fifth to A C E C


def test_event_onsets_mark_rest_starts():
    rest = SPEC.rest_index
    pitch = np.array([5, 5, rest, rest, 7, 7, rest, 9])
    onset = np.array([1, 0, 0, 0, 1, 0, 0, 1], dtype=bool)
    assert event_onsets(pitch, onset, rest).astype(int).tolist() == [1, 0, 1, 0, 1, 0, 1, 1]


def test_segments_and_pairs_stay_inside_tunes(tiny_dataset):
    data = tiny_dataset
    for start in data.segments(4, "train"):
        assert data.tune[start] == data.tune[start + 3]
        assert data.bar[start + 3] == data.bar[start] + 3
    pairs = data.pairs("train")
    assert np.all(data.tune[pairs] == data.tune[pairs - 1])


def test_save_and_load_round_trip(tiny_dataset, tmp_path):
    path = tmp_path / "set.npz"
    tiny_dataset.save(path)
    loaded = MelodyDataset.load(path)
    for name in MelodyDataset.__dataclass_fields__:
        assert np.array_equal(getattr(loaded, name), getattr(tiny_dataset, name)), name


def test_midi_folder_is_read_and_cached(tmp_path, tiny_tunes):
    folder = tmp_path / "my midi"
    folder.mkdir()
    write_tune_files(folder, tiny_tunes[:6])
    (folder / "broken.mid").write_bytes(b"MThd garbage")
    (folder / "waltz.mid").write_bytes(b"")
    cache = tmp_path / "cache"
    data = load_or_build(str(folder), cache_dir=cache)
    assert data.n_tunes == 6
    assert len(list(cache.iterdir())) == 1
    (folder / "tune-00.mid").unlink()  # the cache is used as it is: no reparse
    again = load_or_build(str(folder), cache_dir=cache)
    assert again.n_tunes == 6


def test_unknown_folder_is_a_clear_error(tmp_path):
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="not a folder"):
        load_or_build(str(tmp_path / "nope"), cache_dir=tmp_path)
