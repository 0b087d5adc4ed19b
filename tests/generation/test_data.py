"""The training-data pipeline on real MIDI files and real corpus files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import write_tune_files

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.music import Note
from studio.core.theory import Chord, Key
from studio.generation.data import (
    SPEC,
    MelodyDataset,
    build_dataset,
    event_onsets,
    load_or_build,
    make_tune,
    music21_corpus_files,
    normalising_shift,
    tunes_from_music21_file,
)


def test_normalising_shift_moves_to_c_major_or_a_minor():
    assert normalising_shift(Key.parse("G")) == 5  # G up to C, not seven semitones down
    for name, target in [("G", 0), ("F#", 0), ("Bb", 0), ("Em", 9), ("C minor", 9), ("A", 0)]:
        key = Key.parse(name)
        shift = normalising_shift(key)
        assert -6 <= shift <= 5
        assert (key.tonic + shift) % 12 == target


def test_chords_from_arpeggios():
    key = Key.parse("C")
    arpeggios = [60, 64, 67, 64, 65, 69, 72, 69, 67, 71, 74, 71, 57, 60, 64, 60]
    melody = [Note(p, i * 1.0, 1.0) for i, p in enumerate(arpeggios)]
    chords = estimate_chords(bar_pitch_weights(melody, 4), key)
    assert [c.name for c in chords] == ["C", "F", "G", "Am"]


def test_accompaniment_decides_the_chord():
    melody = [Note(67, 0, 4)]  # a G alone fits C, G, Em…
    bass = [Note(40, 0, 4), Note(47, 0, 4)]  # E and B under it: E minor
    tune = make_tune("t", "tests", [*melody, Note(67, 4, 4)], bass, Key.parse("G"))
    assert tune.chords[0] == Chord.parse("Em")


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


def test_a_real_corpus_file_gives_tunes():
    files = [f for f in music21_corpus_files() if "ryansMammoth" in f]
    assert len(files) > 1000  # the corpus music21 ships
    tunes = [t for f in files[:12] for t in tunes_from_music21_file(f)]
    assert tunes, "no 4/4 or 2/4 tune among the first files"
    for tune in tunes:
        assert tune.n_bars >= 2
        assert tune.key.mode in ("major", "natural_minor")
        assert all(n.start >= 0 and n.duration > 0 for n in tune.notes)


def test_essen_is_not_in_the_default_collections():
    folders = {Path(f).parent.name for f in music21_corpus_files()}
    assert folders == {"ryansMammoth", "oneills1850", "airdsAirs", "bach"}
    assert "essenFolksong" not in folders  # its licence allows only non-commercial use


def test_unknown_folder_is_a_clear_error(tmp_path):
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="not a folder"):
        load_or_build(str(tmp_path / "nope"), cache_dir=tmp_path)
