"""End-to-end: the installed ``studio`` command on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio import __version__
from studio.core import KeySignature, Note, Song, TempoChange, TimeSignature, Track
from studio.core.midi_write import write_midi


@pytest.fixture
def song_file(tmp_path) -> Path:
    melody = [Note(p, i * 0.5, 0.5, 90) for i, p in enumerate([62, 65, 69, 74, 72, 70, 69, 67])]
    song = Song(
        tracks=(
            Track(tuple(melody), program=73, name="Flute"),
            Track((Note(38, 0, 4, 70), Note(41, 4, 4, 70)), program=32, name="Bass"),
            Track((Note(36, 0, 0.25), Note(38, 1, 0.25)), is_drum=True, name="Kit"),
        ),
        tempos=(TempoChange(0, 96), TempoChange(4, 120)),
        time_signatures=(TimeSignature(0, 4, 4),),
        key_signatures=(KeySignature(0, 2, "minor"),),
        title="Little Tune",
    )
    path = tmp_path / "tune.mid"
    write_midi(song, path)
    return path


def test_version_and_help(studio):
    assert studio("--version").stdout.strip() == f"studio {__version__}"
    result = studio("--help")
    assert result.returncode == 0
    assert "info" in result.stdout


def test_no_command_means_the_window():
    from studio.cli import build_parser, window_arguments

    names = build_parser().command_names
    assert {"gui", "info", "similar"} <= names
    assert window_arguments([], names) == ["gui"]
    assert window_arguments(["song.mid"], names) == ["gui", "song.mid"]
    assert window_arguments(["--screenshot", "x.png"], names) == ["gui", "--screenshot", "x.png"]
    assert window_arguments(["info", "song.mid"], names) == ["info", "song.mid"]
    assert window_arguments(["--version"], names) == ["--version"]
    assert window_arguments(["simlar", "x"], names) == ["simlar", "x"]  # a typo stays an error


def test_a_missing_file_or_a_mistyped_command_is_one_line(studio):
    result = studio("no-such-song.mid")
    assert result.returncode == 2
    assert result.stderr.strip() == "studio: error: no such file: no-such-song.mid"
    result = studio("simlar", "3")
    assert result.returncode == 2 and "invalid choice: 'simlar'" in result.stderr


def test_info_text(studio, song_file):
    result = studio("info", str(song_file))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Little Tune" in out
    assert "96 BPM (1 change, 96–120 BPM)" in out
    assert "stated D minor" in out
    assert "Flute (73)" in out and "Drums" in out
    assert "D4–D5" in out  # the flute's range
    assert "Mood:      " in out and "valence" in out and "calm…energetic" in out


def test_info_json_is_one_document(studio, song_file):
    result = studio("info", str(song_file), "--json")
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)  # the whole of stdout parses
    assert info["title"] == "Little Tune"
    assert info["tempo_bpm"] == 96
    assert info["time_signature"] == "4/4"
    assert info["key"]["stated"] == "D minor"
    assert info["key"]["estimated"] == "D minor"
    assert info["duration_beats"] == 8
    # 4 beats at 96 BPM + 4 beats at 120 BPM
    assert info["duration_seconds"] == pytest.approx(4 * 60 / 96 + 2.0, abs=0.01)
    flute, bass, kit = info["tracks"]
    assert (flute["program"], flute["note_count"], flute["instrument"]) == (73, 8, "Flute")
    assert flute["pitch_range"] == {"low": 62, "high": 74, "low_name": "D4", "high_name": "D5"}
    assert (bass["program"], bass["instrument"]) == (32, "Acoustic Bass")
    assert kit["is_drum"] and kit["instrument"] == "Drums"
    mood = info["mood"]  # of the pitched parts: D minor, so on the dark side
    assert mood["cues"]["mode"] < 0 and -1 <= mood["valence"] <= 1 and -1 <= mood["arousal"] <= 1
    assert mood["words"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"hello, I am not music", "not a MIDI file"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x00\x60MTrk\x00\x00\x01\x00\x00", "truncated"),
    ],
)
def test_bad_file_is_one_line_and_exit_2(studio, tmp_path, content, message):
    path = tmp_path / "bad.mid"
    path.write_bytes(content)
    for extra in ([], ["--json"]):
        result = studio("info", str(path), *extra)
        assert result.returncode == 2
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0]
        assert "Traceback" not in result.stderr


def test_missing_file_and_bad_arguments_exit_2(studio, tmp_path):
    result = studio("info", str(tmp_path / "nope.mid"))
    assert (result.returncode, result.stderr.strip()) == (
        2,
        f"studio: error: no such file: {tmp_path / 'nope.mid'}",
    )
    for args in (["info"], ["frobnicate"], ["info", "a.mid", "--no-such-flag"]):
        result = studio(*args)
        assert result.returncode == 2
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(studio, tmp_path):
    path = tmp_path / "bad.mid"
    path.write_bytes(b"not midi")
    result = studio("info", str(path), "--debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr and "MidiFileError" in result.stderr


def test_info_on_shared_edge_cases_never_crashes(studio, shared_edge_cases):
    for path in sorted(shared_edge_cases.rglob("*.mid"))[:40]:
        result = studio("info", str(path), "--json")
        assert result.returncode in (0, 2), (path, result.stderr)
        assert "Traceback" not in result.stderr
        if result.returncode == 0:
            json.loads(result.stdout)
        else:
            assert len(result.stderr.strip().splitlines()) == 1
