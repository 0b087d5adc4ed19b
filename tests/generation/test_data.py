"""The training-data pipeline: tunes to key-normalised bar arrays, on real MIDI files."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import write_tune_files

from studio.core.music import Note
from studio.core.pianoroll import EncodedMelody, decode_melody
from studio.core.theory import Key
from studio.generation.data import (
    DATA_VERSION,
    METERS,
    SPEC,
    UNIT_BEATS,
    MelodyDataset,
    build_dataset,
    event_onsets,
    load_or_build,
    normalising_shift,
    unit_steps,
)
from studio.generation.tunes import make_tune

# A waltz in G (3/4): a dotted half tied across a bar line, a rest, eighths and a held ending.
WALTZ = [(67, 0, 1), (71, 1, 1), (74, 2, 1), (72, 3, 2), (69, 5, 2), (66, 7, 1), (67, 8, 0.5),
         (69, 8.5, 0.5), (71, 9, 1), (74, 10, 2), (67, 12, 6)]  # fmt: skip
# A jig in E minor (6/8): eighths in threes, dotted quarters, a rest on a strong beat.
JIG = [(64, 0, 0.5), (67, 0.5, 0.5), (71, 1, 0.5), (76, 1.5, 1.5), (74, 3, 0.5), (71, 3.5, 0.5),
       (67, 4, 0.5), (66, 6, 0.5), (69, 6.5, 0.5), (74, 7, 0.5), (64, 7.5, 1.5), (64, 9, 3),
       (66, 12, 0.5), (67, 12.5, 0.5), (69, 13, 0.5), (71, 13.5, 1.5), (69, 15, 0.5),
       (67, 15.5, 1.0), (64, 16.5, 1.5)]  # fmt: skip


def _tune(title: str, notes, key: str, meter: str):
    melody = [Note(p, float(start), float(length), 90) for p, start, length in notes]
    return make_tune(title, "tests", melody, key=Key.parse(key), meter=meter)


def _decoded_rows(data: MelodyDataset, rows: np.ndarray) -> tuple[Note, ...]:
    """The notes of consecutive rows, each cut to its meter's steps (padding dropped)."""
    steps = data.steps_of_rows(rows)
    pitch = np.concatenate([data.pitch[r, :n] for r, n in zip(rows, steps, strict=True)])
    onset = np.concatenate([data.onset[r, :n] for r, n in zip(rows, steps, strict=True)])
    encoded = EncodedMelody(pitch.astype(np.int16), onset, np.zeros(len(pitch)))
    return decode_melody(encoded, SPEC)


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
    assert len(data) == sum(t.n_units for t in tiny_tunes)
    assert np.all(data.meter == METERS.index("4/4")) and data.meter.dtype == np.int8
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


def test_a_tune_above_the_range_moves_down_whole_and_keeps_its_leaps():
    # a reel in G climbing to A5 and B5: moved up a fourth to C, it reaches D6 and E6, above
    # C6; folding those two notes alone would make leaps of a seventh the tune never plays
    reel = [67, 71, 74, 79, 81, 83, 81, 79, 74, 71, 67, 62, 67, 71, 74, 79]
    melody = [Note(p, i * 0.5, 0.5) for i, p in enumerate(reel)]
    data = build_dataset([make_tune("high reel", "tests", melody, key=Key.parse("G"))])
    pitches = _decoded_rows(data, np.arange(len(data)))
    assert [n.pitch for n in pitches] == [p + 5 - 12 for p in reel]


def test_units_per_meter():
    assert METERS == ("4/4", "2/4", "3/4", "6/8")
    assert [unit_steps(i) for i in range(4)] == [16, 16, 12, 12]
    assert [UNIT_BEATS[m] for m in METERS] == [4, 4, 3, 3]


@pytest.mark.parametrize(("notes", "key", "meter"), [(WALTZ, "G", "3/4"), (JIG, "Em", "6/8")])
def test_three_beat_meters_encode_into_padded_twelve_step_units(notes, key, meter):
    tune = _tune("t", notes, key, meter)
    data = build_dataset([tune])
    assert len(data) == tune.n_units == 6 and data.meter.tolist() == [METERS.index(meter)]
    rows = np.arange(len(data))
    assert data.meter_of_rows(rows).tolist() == [METERS.index(meter)] * 6
    assert data.steps_of_rows(rows).tolist() == [12] * 6
    assert data.pitch.shape == (6, 16)
    # the padding holds step 11: no onset, the same pitch (a rest stays a rest)
    assert not data.onset[:, 12:].any()
    assert np.array_equal(data.pitch[:, 12:], np.repeat(data.pitch[:, 11:12], 4, axis=1))
    # cut to 12 steps and joined, the rows give back the tune, moved to C major / A minor
    shift = normalising_shift(tune.key)
    expected = [(n.pitch + shift, n.start, n.duration) for n in tune.notes]
    assert [(n.pitch, n.start, n.duration) for n in _decoded_rows(data, rows)] == expected


def test_two_four_tunes_pair_their_bars():
    eighths = [(60 + (i * 3) % 8, i * 0.5, 0.5) for i in range(32)]  # 8 bars of 2/4
    tune = _tune("polka", eighths, "C", "2/4")
    data = build_dataset([tune])
    assert tune.n_bars == 8 and len(data) == 4
    assert data.steps_of_rows(np.arange(4)).tolist() == [16] * 4
    assert data.onset.sum() == 32  # every eighth, none in padding (there is none)
    assert [n.start for n in _decoded_rows(data, np.arange(4))] == [i * 0.5 for i in range(32)]


def test_the_split_of_a_tune_does_not_move_when_other_meters_are_added(tiny_tunes):
    alone = build_dataset(tiny_tunes)
    split_of = dict(zip(alone.titles, alone.split, strict=True))
    waltzes = [_tune(f"tune {i}", WALTZ, "G", "3/4") for i in range(0, 48, 3)]  # same titles
    jigs = [_tune(f"jig {i}", JIG, "Em", "6/8") for i in range(20)]
    mixed = build_dataset([*waltzes, *jigs[:10], *tiny_tunes[::-1], *jigs[10:]])
    four_four = mixed.meter == METERS.index("4/4")
    assert four_four.sum() == len(tiny_tunes)
    for title, split in zip(mixed.titles[four_four], mixed.split[four_four], strict=True):
        assert split == split_of[title], title
    # a second tune of the same source, title and meter gets its own draw
    twins = build_dataset([_tune("twin", JIG, "Em", "6/8") for _ in range(60)])
    assert len(set(twins.split.tolist())) > 1


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
    every = np.concatenate([data.bars_in(s) for s in ("train", "valid", "test")])
    assert np.array_equal(data.bars_in("all"), np.sort(every))


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
    assert [p.name.endswith(f"-v{DATA_VERSION}.npz") for p in cache.iterdir()] == [True]
    assert DATA_VERSION == 3
    (folder / "tune-00.mid").unlink()  # the cache is used as it is: no reparse
    again = load_or_build(str(folder), cache_dir=cache)
    assert again.n_tunes == 6


def test_a_music21_collection_is_read_and_cached_under_its_name(tmp_path):
    data = load_or_build("music21:miscFolk", cache_dir=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [f"music21-miscFolk-v{DATA_VERSION}.npz"]
    assert data.n_tunes > 100 and set(np.unique(data.meter)) == {0, 1, 2, 3}  # all meters
    assert set(np.unique(data.sources)) == {"miscFolk"}


def test_unknown_folder_is_a_clear_error(tmp_path):
    from studio.core.errors import StudioError

    with pytest.raises(StudioError, match="not a folder"):
        load_or_build(str(tmp_path / "nope"), cache_dir=tmp_path)
