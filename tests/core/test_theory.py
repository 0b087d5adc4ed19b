"""Pitch names, scales, keys and chord symbols."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.errors import InvalidInput
from studio.core.theory import (
    CHORD_QUALITIES,
    SCALES,
    Chord,
    Key,
    diatonic_chords,
    parse_pitch,
    parse_pitch_class,
    parse_progression,
    pitch_name,
    scale_intervals,
)

tonics = st.integers(0, 11)
modes = st.sampled_from(sorted(SCALES))
keys = st.builds(Key, tonics, modes)
chords = st.builds(Chord, tonics, st.sampled_from(sorted(CHORD_QUALITIES)), st.none() | tonics)
MAJOR_MINOR = [Key(t, m) for m in ("major", "natural_minor") for t in range(12)]


# ------------------------------------------------------------------------------ pitches


@pytest.mark.parametrize(
    ("text", "pc"),
    [("C", 0), ("c", 0), ("F#", 6), ("Gb", 6), ("F♯", 6), ("E♭", 3), ("E#", 5), ("Cb", 11),
     ("B#", 0), ("bb", 10), ("C##", 2), ("Dbb", 0), (" A ", 9)],
)  # fmt: skip
def test_parse_pitch_class(text: str, pc: int) -> None:
    assert parse_pitch_class(text) == pc


@pytest.mark.parametrize("text", ["H#", "", "#", "C4", "Cx", "Do", "C #"])
def test_parse_pitch_class_rejects(text: str) -> None:
    with pytest.raises(InvalidInput, match="unknown note name"):
        parse_pitch_class(text)


def test_pitch_names() -> None:
    assert pitch_name(60) == "C4"
    assert pitch_name(61) == "C#4"
    assert pitch_name(61, prefer_flats=True) == "Db4"
    assert pitch_name(0) == "C-1"
    assert pitch_name(127) == "G9"
    with pytest.raises(InvalidInput):
        pitch_name(128)


@pytest.mark.parametrize(
    ("text", "pitch"),
    [("C4", 60), ("C#4", 61), ("Db4", 61), ("A4", 69), ("c-1", 0), ("G9", 127), ("Cb4", 59),
     ("B#3", 60), ("60", 60), (" 0 ", 0), (72, 72)],
)  # fmt: skip
def test_parse_pitch(text: str, pitch: int) -> None:
    assert parse_pitch(text) == pitch


@pytest.mark.parametrize("text", ["H4", "C", "G#9", "128", "-1", "C4.5", "4C"])
def test_parse_pitch_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_pitch(text)


@given(st.integers(0, 127), st.booleans())
def test_pitch_name_round_trips(pitch: int, flats: bool) -> None:
    assert parse_pitch(pitch_name(pitch, prefer_flats=flats)) == pitch


# ------------------------------------------------------------------------------- scales


@pytest.mark.parametrize(
    ("name", "canonical"),
    [("ionian", "major"), ("minor", "natural_minor"), ("Aeolian", "natural_minor"),
     ("harmonic minor", "harmonic_minor"), ("Major-Pentatonic", "major_pentatonic")],
)  # fmt: skip
def test_scale_aliases(name: str, canonical: str) -> None:
    assert scale_intervals(name) == SCALES[canonical]


def test_scale_tables() -> None:
    assert SCALES["blues"] == (0, 3, 5, 6, 7, 10)
    assert SCALES["melodic_minor"] == (0, 2, 3, 5, 7, 9, 11)
    assert SCALES["chromatic"] == tuple(range(12))
    for intervals in SCALES.values():
        assert intervals[0] == 0
        assert list(intervals) == sorted(set(intervals))
        assert intervals[-1] < 12


def test_unknown_scale_lists_valid_names() -> None:
    with pytest.raises(InvalidInput, match=r"unknown scale 'bebop'.*dorian"):
        scale_intervals("bebop")


# --------------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    ("text", "tonic", "mode"),
    [("C", 0, "major"), ("F#", 6, "major"), ("Bb minor", 10, "natural_minor"),
     ("Am", 9, "natural_minor"), ("A minor", 9, "natural_minor"), ("a min", 9, "natural_minor"),
     ("Ebm", 3, "natural_minor"), ("C# harmonic minor", 1, "harmonic_minor"),
     ("D dorian", 2, "dorian"), ("G mixolydian", 7, "mixolydian"), ("C chromatic", 0, "chromatic"),
     ("E major pentatonic", 4, "major_pentatonic"), ("e MAJOR", 4, "major"), ("CM", 0, "major"),
     ("Cbm", 11, "natural_minor"), ("B blues", 11, "blues"), ("F aeolian", 5, "natural_minor"),
     ("G♭ lydian", 6, "lydian"), ("Dmaj", 2, "major")],
)  # fmt: skip
def test_key_parse(text: str, tonic: int, mode: str) -> None:
    assert Key.parse(text) == Key(tonic, mode)


@pytest.mark.parametrize("text", ["", "H", "C foo", "major", "C# m7", "12"])
def test_key_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        Key.parse(text)


def test_key_validates_fields() -> None:
    assert Key(9, "minor").mode == "natural_minor"
    for tonic in (-1, 12, 1.5, "C"):
        with pytest.raises(InvalidInput):
            Key(tonic)
    with pytest.raises(InvalidInput):
        Key(0, "bebop")


@pytest.mark.parametrize(
    ("key", "name"),
    [(Key(10, "minor"), "Bb minor"), (Key(6), "Gb major"), (Key(6, "minor"), "F# minor"),
     (Key(2, "dorian"), "D dorian"), (Key(1, "harmonic_minor"), "C# harmonic minor"),
     (Key(3, "minor"), "Eb minor"), (Key(8, "minor"), "G# minor"), (Key(5), "F major"),
     (Key(11), "B major"), (Key(4, "major_pentatonic"), "E major pentatonic")],
)  # fmt: skip
def test_key_names(key: Key, name: str) -> None:
    assert key.name == name == str(key)


def test_key_pitches_and_degrees() -> None:
    c_major, a_minor = Key.parse("C"), Key.parse("Am")
    assert c_major.pitch_classes == frozenset({0, 2, 4, 5, 7, 9, 11})
    assert c_major.pitch_classes == a_minor.pitch_classes
    assert c_major.scale_pitches(60, 72) == [60, 62, 64, 65, 67, 69, 71, 72]
    assert c_major.scale_pitches(61, 61) == []
    assert c_major.contains(60) and not c_major.contains(61)
    assert c_major.degree_pitch(1) == 60
    assert c_major.degree_pitch(5, 3) == 55
    assert c_major.degree_pitch(8) == 72
    assert c_major.degree_pitch(0) == 59
    assert a_minor.degree_pitch(3) == 72
    with pytest.raises(InvalidInput):
        c_major.degree_pitch(1, 10)


def test_relative_keys() -> None:
    assert Key.parse("C").relative() == Key.parse("Am")
    assert Key.parse("Am").relative() == Key.parse("C")
    assert Key.parse("E harmonic minor").relative() == Key.parse("G")
    with pytest.raises(InvalidInput):
        Key.parse("D dorian").relative()


@given(keys, st.integers(0, 127), st.integers(0, 127))
def test_scale_pitches_are_in_the_key(key: Key, low: int, high: int) -> None:
    pitches = key.scale_pitches(low, high)
    assert pitches == sorted(set(pitches))
    assert all(low <= p <= high for p in pitches)
    assert all(key.contains(p) and p % 12 in key.pitch_classes for p in pitches)
    assert len(pitches) == sum(key.contains(p) for p in range(low, high + 1))


@given(keys, st.integers(-100, 100))
def test_transpose_shifts_pitch_classes(key: Key, semitones: int) -> None:
    moved = key.transpose(semitones)
    assert moved.mode == key.mode
    assert moved.pitch_classes == frozenset((pc + semitones) % 12 for pc in key.pitch_classes)
    assert key.transpose(12).pitch_classes == key.pitch_classes
    assert moved.transpose(-semitones) == key


@given(keys)
def test_key_name_round_trips(key: Key) -> None:
    assert Key.parse(key.name) == key
    assert Key.parse(key.name.lower()) == key


@pytest.mark.parametrize("sharps", range(-7, 8))
@pytest.mark.parametrize("minor", [False, True])
def test_key_signature_round_trip(sharps: int, minor: bool) -> None:
    key = Key.from_key_signature(sharps, minor)
    assert key.mode == ("natural_minor" if minor else "major")
    back, is_minor = key.to_key_signature()
    assert is_minor == minor
    # C# major (7 sharps) and Db major (5 flats) are one key: the spelling may differ.
    assert (back - sharps) % 12 == 0 and -6 <= back <= 6
    assert back == sharps or abs(sharps) >= 6
    assert Key.from_key_signature(back, is_minor) == key
    assert Key.from_midi_key_name(key.midi_key_name) == key


@pytest.mark.parametrize(
    ("name", "key"),
    [("C", Key(0)), ("Bb", Key(10)), ("F#m", Key(6, "minor")), ("Cbm", Key(11, "minor")),
     ("Ebm", Key(3, "minor")), ("C#", Key(1))],
)  # fmt: skip
def test_from_midi_key_name(name: str, key: Key) -> None:
    assert Key.from_midi_key_name(name) == key


def test_key_signatures() -> None:
    assert Key.parse("A major").to_key_signature() == (3, False)
    assert Key.parse("Bb minor").to_key_signature() == (-5, True)
    assert Key.parse("C# harmonic minor").to_key_signature() == (4, True)
    with pytest.raises(InvalidInput):
        Key.parse("D dorian").to_key_signature()
    with pytest.raises(InvalidInput):
        Key.from_key_signature(8, False)
    with pytest.raises(InvalidInput):
        Key.from_midi_key_name("Hm")


# ------------------------------------------------------------------------------- chords


@pytest.mark.parametrize(
    ("symbol", "root", "quality", "tones"),
    [("C", 0, "maj", {0, 4, 7}), ("Am", 9, "min", {9, 0, 4}), ("Amin", 9, "min", {9, 0, 4}),
     ("G7", 7, "7", {7, 11, 2, 5}), ("Fmaj7", 5, "maj7", {5, 9, 0, 4}),
     ("FM7", 5, "maj7", {5, 9, 0, 4}), ("CΔ7", 0, "maj7", {0, 4, 7, 11}),
     ("Bdim", 11, "dim", {11, 2, 5}), ("Bo", 11, "dim", {11, 2, 5}),
     ("Bdim7", 11, "dim7", {11, 2, 5, 8}), ("Bm7b5", 11, "m7b5", {11, 2, 5, 9}),
     ("Bø", 11, "m7b5", {11, 2, 5, 9}), ("Caug", 0, "aug", {0, 4, 8}), ("C+", 0, "aug", {0, 4, 8}),
     ("Esus4", 4, "sus4", {4, 9, 11}), ("Esus2", 4, "sus2", {4, 6, 11}),
     ("E7sus4", 4, "7sus4", {4, 9, 11, 2}), ("C6", 0, "6", {0, 4, 7, 9}),
     ("Cm6", 0, "m6", {0, 3, 7, 9}), ("C9", 0, "9", {0, 4, 7, 10, 2}),
     ("Cmaj9", 0, "maj9", {0, 4, 7, 11, 2}), ("Cm9", 0, "m9", {0, 3, 7, 10, 2}),
     ("Cadd9", 0, "add9", {0, 4, 7, 2}), ("C5", 0, "5", {0, 7}),
     ("CmMaj7", 0, "mMaj7", {0, 3, 7, 11}), ("Cm7", 0, "m7", {0, 3, 7, 10}),
     ("Bbm7", 10, "m7", {10, 1, 5, 8}), ("F#m", 6, "min", {6, 9, 1}), ("E♭", 3, "maj", {3, 7, 10}),
     ("CMaj7", 0, "maj7", {0, 4, 7, 11}), ("CM6", 0, "6", {0, 4, 7, 9})],
)  # fmt: skip
def test_chord_parse(symbol: str, root: int, quality: str, tones: set[int]) -> None:
    chord = Chord.parse(symbol)
    assert (chord.root, chord.quality, chord.bass) == (root, quality, None)
    assert chord.tones == tones


def test_slash_chords() -> None:
    chord = Chord.parse("C/E")
    assert (chord.root, chord.quality, chord.bass) == (0, "maj", 4)
    assert chord.voicing() == [52, 60, 64, 67]
    assert Chord.parse("C7/Bb").tones == {0, 4, 7, 10}
    assert Chord.parse("Am/G").tones == {9, 0, 4, 7}
    assert Chord.parse("D/F#").name == "D/F#"
    assert Chord.parse("A/C#").name == "A/C#"
    assert Chord.parse("C7/Bb").name == "C7/Bb"
    assert Chord.parse("C/C") == Chord(0)


@pytest.mark.parametrize("symbol", ["N.C.", "NC", "n.c."])
def test_no_chord_is_none(symbol: str) -> None:
    assert Chord.parse(symbol) is None


@pytest.mark.parametrize("symbol", ["Hmaj", "", "C/", "C/H", "Cfoo", "M7", "7", "Cm7b9", "CM#"])
def test_chord_parse_rejects(symbol: str) -> None:
    with pytest.raises(InvalidInput, match="unknown chord symbol"):
        Chord.parse(symbol)


def test_chord_voicing_and_membership() -> None:
    g7 = Chord.parse("G7")
    assert g7.voicing() == [67, 71, 74, 77]
    assert g7.voicing(octave=3) == [55, 59, 62, 65]
    assert g7.contains(71) and g7.contains(47) and not g7.contains(60)
    assert Chord.parse("Cmaj9").voicing() == [60, 64, 67, 71, 74]
    with pytest.raises(InvalidInput):
        g7.voicing(octave=9)


def test_chord_validates_fields() -> None:
    assert Chord(0, "M7").quality == "maj7"
    for root in (-1, 12, "C"):
        with pytest.raises(InvalidInput):
            Chord(root)
    with pytest.raises(InvalidInput):
        Chord(0, "13")
    with pytest.raises(InvalidInput):
        Chord(0, "maj", 12)


@given(chords)
def test_chord_name_round_trips(chord: Chord) -> None:
    assert Chord.parse(chord.name) == chord


@given(chords, st.integers(0, 3))
def test_voicing_holds_the_tones(chord: Chord, octave: int) -> None:
    pitches = chord.voicing(octave)
    assert {p % 12 for p in pitches} == chord.tones
    assert pitches == sorted(pitches)
    if chord.bass is not None:
        assert pitches[0] % 12 == chord.bass and pitches[0] < pitches[1]


@given(chords, st.integers(-24, 24))
def test_chord_transpose(chord: Chord, semitones: int) -> None:
    moved = chord.transpose(semitones)
    assert moved.tones == frozenset((t + semitones) % 12 for t in chord.tones)


def test_parse_progression() -> None:
    expected = [Chord(0), Chord(7), Chord(9, "min"), Chord(5)]
    for text in ["C G Am F", "C,G,Am,F", "C | G | Am | F", "C-G-Am-F", " C - G, Am |F "]:
        assert parse_progression(text) == expected
    assert parse_progression("Dm7 N.C. G7") == [Chord(2, "m7"), None, Chord(7, "7")]


def test_parse_progression_rejects() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        parse_progression(" | , ")
    with pytest.raises(InvalidInput, match="unknown chord symbol 'Hmaj'"):
        parse_progression("C G Hmaj F")


@pytest.mark.parametrize(
    ("key", "names"),
    [("C", "C Dm Em F G Am Bdim"), ("A minor", "Am Bdim C Dm Em F G"),
     ("A harmonic minor", "Am Bdim Caug Dm E F G#dim"), ("Bb", "Bb Cm Dm Eb F Gm Adim"),
     ("D dorian", "Dm Em F G Am Bdim C")],
)  # fmt: skip
def test_diatonic_chords(key: str, names: str) -> None:
    assert [c.name for c in diatonic_chords(Key.parse(key))] == names.split()


@given(st.builds(Key, tonics, st.sampled_from([m for m, s in SCALES.items() if len(s) == 7])))
def test_diatonic_chords_stay_in_the_key(key: Key) -> None:
    triads = diatonic_chords(key)
    assert len(triads) == 7
    assert all(chord.tones <= key.pitch_classes for chord in triads)


def test_diatonic_chords_need_seven_notes() -> None:
    with pytest.raises(InvalidInput):
        diatonic_chords(Key.parse("C blues"))


def test_chord_names_follow_the_key_spelling():
    assert Chord.parse("Gb").name_in(Key.parse("Bb minor")) == "Gb"
    assert Chord.parse("F#m").name_in(Key.parse("A")) == "F#m"
    assert Chord.parse("Db/F").name_in(Key.parse("Ab")) == "Db/F"
    # the leading-tone chord of a minor key written with flats is a raised seventh
    assert Chord.parse("C#dim").name_in(Key.parse("D minor")) == "C#dim"
    assert Chord.parse("F#dim").name_in(Key.parse("G minor")) == "F#dim"
    assert Chord.parse("Bdim").name_in(Key.parse("C minor")) == "Bdim"
    assert Chord.parse("Eb").name_in(Key.parse("D minor")) == "Eb"  # the rest as the key
    assert Chord.parse("Edim").name_in(Key.parse("F")) == "Edim"
