"""Damaged, hostile and absurd files: the reader ends in a ``MidiFileError``, fast, every time."""

from __future__ import annotations

import contextlib
import random
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.core import MidiFileError, Note, Song, TempoChange, Track
from studio.core.midi_read import MAX_FILE_BYTES, MAX_NOTES, read_midi
from studio.core.midi_write import midi_bytes

VALID = midi_bytes(
    Song(
        tracks=(
            Track(tuple(Note(60 + i % 12, i * 0.5, 0.5, 80) for i in range(24)), name="Lead"),
            Track(tuple(Note(36, i, 0.25, 100) for i in range(8)), is_drum=True),
        ),
        tempos=(TempoChange(0, 100),),
        title="Valid",
    )
)


def header(fmt: int = 1, n_tracks: int = 1, division: int = 96) -> bytes:
    return b"MThd" + struct.pack(">IHHH", 6, fmt, n_tracks, division)


def track_chunk(body: bytes) -> bytes:
    return b"MTrk" + struct.pack(">I", len(body)) + body


END = b"\x00\xff\x2f\x00"


def damaged_files() -> dict[str, bytes]:
    """A folder's worth of broken files, each with a name saying what is wrong with it."""
    rng = random.Random(20261124)
    files = {f"truncated-at-{n}": VALID[:n] for n in range(len(VALID))}
    files.update({f"random-bytes-{i}": rng.randbytes(rng.randint(1, 2000)) for i in range(40)})
    files.update(
        {f"random-after-header-{i}": header(n_tracks=2) + rng.randbytes(300) for i in range(20)}
    )
    files.update(
        {
            "wrong-header": b"MTHD" + VALID[4:],
            "text-file": b"This is not music, just a text file.\n" * 20,
            "zero-tracks": header(n_tracks=0),
            "zero-ticks-per-beat": header(division=0) + track_chunk(END),
            "smpte-division": header(division=0xE728) + track_chunk(END),
            "format-7": header(fmt=7) + track_chunk(END),
            "short-header-length": b"MThd" + struct.pack(">IHHH", 2, 1, 1, 96) + track_chunk(END),
            "missing-track": header(n_tracks=3) + track_chunk(END),
            "track-length-too-long": header() + b"MTrk" + struct.pack(">I", 10_000) + END,
            "garbage-instead-of-track": header() + b"\x00\x01\x02\x03\xff\xfe\xfd\xfc" + END,
            "riff-not-midi": b"RIFF" + struct.pack("<I", 4) + b"WAVE",
            "riff-without-data": b"RIFF" + struct.pack("<I", 4) + b"RMID",
            "undefined-status-byte": header() + track_chunk(b"\x00\xf4" + END),
            "data-byte-out-of-range": header() + track_chunk(b"\x00\xb0\x07\xa8" + END),
            # a note that starts 0x0FFFFFFF ticks in at 1 tick per beat: about four years at 120 BPM
            "huge-delta": header(division=1)
            + track_chunk(b"\x8f\xff\xff\x7f\x90\x3c\x40\x00\x80\x3c\x00" + END),
            "huge-delta-many": header(division=1)
            + track_chunk(
                b"".join(
                    b"\x8f\xff\xff\x7f\x90\x3c\x40\x8f\xff\xff\x7f\x80\x3c\x00" for _ in range(9)
                )
                + END
            ),
        }
    )
    return files


def test_every_damaged_file_in_a_folder_ends_in_the_error_family(tmp_path):
    folder = tmp_path / "damaged"
    folder.mkdir()
    for name, data in damaged_files().items():
        (folder / f"{name}.mid").write_bytes(data)
    results = {}
    for path in sorted(folder.iterdir()):
        with pytest.raises(MidiFileError) as caught:
            read_midi(path)
        results[path.stem] = str(caught.value)
    # the messages say what is wrong, in words
    assert results["truncated-at-0"] == "empty file (0 bytes)"
    assert results["wrong-header"] == "not a MIDI file: missing MThd header"
    assert results["text-file"] == "not a MIDI file: missing MThd header"
    assert results["zero-tracks"] == "MIDI file has no tracks"
    assert "0 ticks per beat" in results["zero-ticks-per-beat"]
    assert "SMPTE" in results["smpte-division"]
    assert "format 7" in results["format-7"]
    assert "promises 3 tracks" in results["missing-track"]
    assert results["track-length-too-long"].startswith("file is truncated in track 1 of 1")
    assert results[f"truncated-at-{len(VALID) - 1}"].startswith("file is truncated in track 3")
    assert "RMID" in results["riff-not-midi"]
    assert "status byte: 0xf4" in results["undefined-status-byte"]
    assert "in track 1" in results["undefined-status-byte"]
    assert "168 is out of range" in results["data-byte-out-of-range"]
    assert "implausible timing" in results["huge-delta"]
    assert "days" in results["huge-delta-many"]


def test_ten_million_notes_are_refused_without_building_them():
    # running status: 6 bytes a note, so 10 million notes fit under the file-size limit
    notes = b"\x00\x90\x3c\x40\x00\x3c\x00" + b"\x00\x3c\x40\x00\x3c\x00" * (10_000_000 - 1)
    data = header() + track_chunk(notes + END)
    assert len(data) < MAX_FILE_BYTES
    with pytest.raises(MidiFileError, match=f"10,000,000 notes; the limit is {MAX_NOTES:,}"):
        read_midi(data)


def test_a_huge_file_on_disk_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.mid"
    with path.open("wb") as file:
        file.write(VALID)
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: costs no disk space
    with pytest.raises(MidiFileError, match="too large"):
        read_midi(path)


@given(st.binary(max_size=4096))
@settings(max_examples=300, deadline=None)
def test_random_bytes_never_raise_anything_else(data):
    with contextlib.suppress(MidiFileError):
        read_midi(data)


@st.composite
def mutations(draw) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 10))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["flip", "delete", "insert", "cut"]))
        if kind == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif kind == "delete":
            del data[position : position + draw(st.integers(1, 16))]
        elif kind == "insert":
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[position:]
    return bytes(data)


@given(mutations())
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_valid_files_read_or_fail_cleanly(data):
    try:
        song = read_midi(data)
    except MidiFileError:
        return
    assert isinstance(song, Song)


def test_shared_edge_case_files_read_or_fail_cleanly(shared_edge_cases):
    outcomes = {}
    for path in sorted(shared_edge_cases.rglob("*")):
        if path.is_file():
            try:
                outcomes[path.name] = read_midi(path)
            except MidiFileError as error:
                outcomes[path.name] = str(error)
    assert "truncated in track 3 of 30" in outcomes["PiDamaged.mid"]
    assert outcomes["test-not-a-midi-file.mid"] == "not a MIDI file: missing MThd header"
    beethoven = outcomes["Beethoven.rmi"]  # RIFF-wrapped MIDI
    assert isinstance(beethoven, Song) and len(beethoven.tracks) == 14
    for name in (
        "test-2-tracks-type-0.mid",
        "test-2-tracks-type-2.mid",
        "test-karaoke-kar.mid",
        "test-running-status-sysex.mid",
        "test-vlq-4-byte.mid",
    ):
        assert isinstance(outcomes[name], Song), (name, outcomes[name])


def test_a_note_a_million_beats_in_is_refused_even_within_the_hours():
    # Regression (issue 18): at 1 µs a beat, a note 33 million beats in is only 34 s into the
    # music, so the 24-hour limit let it through, and the piano roll's scroll range overflowed.
    tempo = b"\x00\xff\x51\x03\x00\x00\x01"
    far_note = b"\x8f\xff\xff\x7f\x90\x3c\x40\x00\x80\x3c\x00"
    with pytest.raises(MidiFileError, match="33,554,431 beats"):
        read_midi(header(division=1) + track_chunk(tempo + far_note + END))
