"""Tunes for training: melodies, keys and chords from real corpus files and hand-made notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.errors import InvalidInput
from studio.core.midi_read import read_midi
from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TimeSignature, Track
from studio.core.theory import Chord, Key
from studio.generation.tunes import (
    METERS,
    MUSIC21_COLLECTIONS,
    make_tune,
    meter_name,
    music21_collections,
    music21_corpus_files,
    scan_music21_file,
    tune_from_song,
    tunes_from_music21_file,
)

# Real ABC, as the corpus writes it: pickups, ties, a 2/2 reel, and meters that are skipped.
TUNES_ABC = """X:1
T:Little Waltz
M:3/4
L:1/8
K:G
D2|G2 B2 d2|c2 A2 F2|G4 B2|A6|G2 B2 d2|c2 A2 F2|G6-|G4|]

X:2
T:Little Jig
M:6/8
L:1/8
K:D
A|dfa afd|cea ecA|dfa afd|e3 d2|]

X:3
T:Cut Reel
M:C|
L:1/8
K:Am
EA (3AAA eAcA|BG (3GGG dGBG|EA (3AAA eAce|dBgB A4|]

X:4
T:Slip Jig
M:9/8
L:1/8
K:D
DFA DFA dAF|DFA DFA d3|]

X:5
T:Changing
M:6/8
L:1/8
K:G
GAB dBG|GAB dBG||
M:3/4
L:1/8
A2 B2 c2|A2 B2 c2||
M:6/8
GAB d3|]
"""


def test_chords_from_arpeggios():
    key = Key.parse("C")
    arpeggios = [60, 64, 67, 64, 65, 69, 72, 69, 67, 71, 74, 71, 57, 60, 64, 60]
    melody = [Note(p, i * 1.0, 1.0) for i, p in enumerate(arpeggios)]
    chords = estimate_chords(bar_pitch_weights(melody, 4), key)
    assert [c.name for c in chords] == ["C", "F", "G", "Am"]


def test_chords_per_unit_of_three_beats():
    key = Key.parse("C")
    arpeggios = [60, 64, 67, 65, 69, 72, 67, 71, 74, 60, 64, 67]  # C F G C, one 3/4 bar each
    melody = [Note(p, i * 1.0, 1.0) for i, p in enumerate(arpeggios)]
    chords = estimate_chords(bar_pitch_weights(melody, 4, 3), key)
    assert [c.name for c in chords] == ["C", "F", "G", "C"]
    tune = make_tune("waltz", "tests", melody, key=key, meter="3/4")
    assert tune.meter == "3/4" and tune.n_units == tune.n_bars == 4
    assert [c.name for c in tune.chords] == ["C", "F", "G", "C"]
    # the same notes read as 4/4 bars give three bars with other chords
    assert make_tune("reel", "tests", melody, key=key).n_units == 3


def test_two_four_tunes_pair_their_bars():
    melody = [Note(60 + i % 5, i * 0.5, 0.5) for i in range(32)]  # 16 beats = 8 bars of 2/4
    tune = make_tune("polka", "tests", melody, key=Key.parse("C"), meter="2/4")
    assert tune.n_units == 4 and tune.n_bars == 8


def test_meter_names():
    assert [meter_name(m) for m in ("4/4", "2/2", "2/4", "3/4", "6/8")] == [
        "4/4", "4/4", "2/4", "3/4", "6/8"
    ]  # fmt: skip
    assert meter_name("9/8") is None and meter_name("3/2") is None
    with pytest.raises(Exception, match="meter"):
        make_tune("x", "tests", [Note(60, 0, 8)], key=Key.parse("C"), meter="9/8")


def test_abc_tunes_in_every_meter_and_the_skipped_ones(tmp_path):
    path = tmp_path / "book" / "tunes.abc"
    path.parent.mkdir()
    path.write_text(TUNES_ABC)
    tunes, skipped = scan_music21_file(str(path))
    by_title = {t.title: t for t in tunes}
    assert {t: by_title[t].meter for t in by_title} == {
        "Little Waltz": "3/4", "Little Jig": "6/8", "Cut Reel": "4/4"
    }  # fmt: skip
    assert skipped == {"meter 9/8": 1, "mixed meters": 1}
    assert all(t.source == "book" for t in tunes)
    waltz, jig = by_title["Little Waltz"], by_title["Little Jig"]
    # the pickup is cut: beat 0 is the first full bar's downbeat, a bar is 3 beats
    assert waltz.notes[0] == Note(67, 0.0, 1.0, 90)  # G, not the pickup D
    # the tied G of bars 7 and 8 (a last bar shortened by the pickup): one note of 5 beats
    assert waltz.n_units == 8 and waltz.notes[-1] == Note(67, 18.0, 5.0, 90)
    assert waltz.key == Key.parse("G")
    assert jig.notes[0].pitch == 74 and jig.notes[0].start == 0.0  # d after the pickup A
    assert jig.n_units == 4 and [n.start for n in jig.notes[:3]] == [0.0, 0.5, 1.0]
    assert by_title["Cut Reel"].n_units == 4


def _song(notes, numerator, denominator, *changes):
    signatures = (TimeSignature(0, numerator, denominator), *changes)
    return Song((Track(tuple(notes), name="melody"),), time_signatures=signatures, title="t")


@pytest.mark.parametrize(
    ("numerator", "denominator", "meter", "units"),
    [(3, 4, "3/4", 8), (6, 8, "6/8", 8), (2, 4, "2/4", 6), (2, 2, "4/4", 6), (4, 4, "4/4", 6)],
)
def test_midi_files_in_every_meter(tmp_path, numerator, denominator, meter, units):
    melody = [Note(60 + (i * 2) % 12, i * 0.5, 0.5, 90) for i in range(48)]  # 24 beats
    write_midi(_song(melody, numerator, denominator), tmp_path / "t.mid")
    tune = tune_from_song(read_midi(tmp_path / "t.mid"), "folder")
    assert tune.meter == meter and tune.meter in METERS
    assert tune.n_units == units


def test_midi_files_in_other_or_changing_meters_are_skipped(tmp_path):
    melody = [Note(60 + i % 7, i * 0.5, 0.5, 90) for i in range(48)]
    for name, song in {
        "nine.mid": _song(melody, 9, 8),
        "changing.mid": _song(melody, 3, 4, TimeSignature(12, 4, 4)),
    }.items():
        write_midi(song, tmp_path / name)
        assert tune_from_song(read_midi(tmp_path / name), "folder") is None, name


def test_accompaniment_decides_the_chord():
    melody = [Note(67, 0, 4)]  # a G alone fits C, G, Em…
    bass = [Note(40, 0, 4), Note(47, 0, 4)]  # E and B under it: E minor
    tune = make_tune("t", "tests", [*melody, Note(67, 4, 4)], bass, Key.parse("G"))
    assert tune.chords[0] == Chord.parse("Em")


def test_a_real_corpus_file_gives_tunes():
    files = [f for f in music21_corpus_files() if "ryansMammoth" in f]
    assert len(files) > 1000  # the corpus music21 ships
    tunes = [t for f in files[:12] for t in tunes_from_music21_file(f)]
    assert tunes, "no tune among the first files"
    for tune in tunes:
        assert tune.n_units >= 2 and tune.meter in METERS
        assert tune.key.mode in ("major", "natural_minor")
        assert all(n.start >= 0 and n.duration > 0 for n in tune.notes)


def test_essen_is_not_in_the_default_collections():
    folders = {Path(f).parent.name for f in music21_corpus_files()}
    assert folders == {"ryansMammoth", "oneills1850", "airdsAirs", "bach"}
    assert "essenFolksong" not in folders  # its licence allows only non-commercial use


def test_a_data_source_names_music21_collections_or_a_folder(tmp_path):
    assert music21_collections("music21") == MUSIC21_COLLECTIONS
    assert music21_collections("music21:miscFolk, airdsAirs") == ("miscFolk", "airdsAirs")
    assert music21_collections(str(tmp_path)) is None  # a folder of MIDI files
    for bad, reason in [
        ("music21:nowhere", "no collection 'nowhere'"),
        ("music21:essenFolksong", "non-commercial"),
        ("music21:", "name a music21 collection"),
    ]:
        with pytest.raises(InvalidInput, match=reason):
            music21_collections(bad)
