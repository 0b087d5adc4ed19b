"""Tunes for training: melodies, keys and chords from real corpus files and hand-made notes."""

from __future__ import annotations

from pathlib import Path

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.music import Note
from studio.core.theory import Chord, Key
from studio.generation.tunes import make_tune, music21_corpus_files, tunes_from_music21_file


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
