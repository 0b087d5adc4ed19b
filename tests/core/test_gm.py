"""General MIDI program, family and drum names."""

import pytest

from studio.core.errors import InvalidInput
from studio.core.gm import (
    DRUM_NAMES,
    PROGRAM_FAMILIES,
    PROGRAM_NAMES,
    drum_name,
    program_family,
    program_name,
)


def test_tables_have_the_right_sizes() -> None:
    assert len(PROGRAM_NAMES) == 128
    assert len(set(PROGRAM_NAMES)) == 128
    assert len(PROGRAM_FAMILIES) == 16
    assert sorted(DRUM_NAMES) == list(range(35, 82))
    assert len(set(DRUM_NAMES.values())) == len(DRUM_NAMES)


@pytest.mark.parametrize(
    ("program", "name", "family"),
    [(0, "Acoustic Grand Piano", "Piano"), (8, "Celesta", "Chromatic Percussion"),
     (19, "Church Organ", "Organ"), (24, "Acoustic Guitar (nylon)", "Guitar"),
     (33, "Electric Bass (finger)", "Bass"), (40, "Violin", "Strings"),
     (48, "String Ensemble 1", "Ensemble"), (56, "Trumpet", "Brass"), (65, "Alto Sax", "Reed"),
     (73, "Flute", "Pipe"), (80, "Lead 1 (square)", "Synth Lead"),
     (89, "Pad 2 (warm)", "Synth Pad"),
     (96, "FX 1 (rain)", "Synth Effects"), (105, "Banjo", "Ethnic"),
     (118, "Synth Drum", "Percussive"), (127, "Gunshot", "Sound Effects")],
)  # fmt: skip
def test_known_programs(program: int, name: str, family: str) -> None:
    assert program_name(program) == name
    assert program_family(program) == family


@pytest.mark.parametrize(
    ("pitch", "name"),
    [(35, "Acoustic Bass Drum"), (36, "Bass Drum 1"), (38, "Acoustic Snare"),
     (42, "Closed Hi-Hat"), (49, "Crash Cymbal 1"), (81, "Open Triangle")],
)  # fmt: skip
def test_known_drums(pitch: int, name: str) -> None:
    assert drum_name(pitch) == name


@pytest.mark.parametrize("program", [-1, 128, 1.0, None])
def test_bad_program_is_invalid_input(program: object) -> None:
    with pytest.raises(InvalidInput):
        program_name(program)
    with pytest.raises(InvalidInput):
        program_family(program)


@pytest.mark.parametrize("pitch", [34, 82, 0, 127])
def test_non_drum_key_is_invalid_input(pitch: int) -> None:
    with pytest.raises(InvalidInput, match="not a General MIDI drum"):
        drum_name(pitch)
