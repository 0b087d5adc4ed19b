"""End-to-end: ``studio play`` on real files, on the test sound server when there is one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import need_audio

from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, Track

STUDIO = Path(sys.executable).with_name("studio")


def midi_file(folder: Path, beats: float) -> Path:
    """A one-track piano file of ``beats`` beats at 120 BPM (two per second)."""
    notes = [Note(60 + (i % 8), i * 0.5, 0.5, 90) for i in range(int(beats * 2))]
    path = folder / f"tune-{beats:g}.mid"
    write_midi(Song(tracks=(Track(tuple(notes)),), tempos=(TempoChange(0, 120),)), path)
    return path


def one_error_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_corrupt_file_is_one_line_and_exit_2(studio, tmp_path):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    result = studio("play", str(bad))
    assert result.returncode == 2
    assert one_error_line(result).startswith(f"studio: error: {bad}")


def test_a_file_is_required_unless_listing_devices(studio):
    result = studio("play")
    assert result.returncode == 2
    assert "give a MIDI file" in one_error_line(result)


def test_a_missing_device_is_one_line_and_exit_2(studio, tmp_path):
    result = studio("play", str(midi_file(tmp_path, 2)), "--device", "nosuch")
    assert result.returncode == 2
    assert one_error_line(result).startswith("studio: error: no audio output available: ")


def test_no_sound_server_means_no_audio_output(tmp_path):
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/pulse.sock")
    result = subprocess.run(
        [str(STUDIO), "play", "--list-devices"], capture_output=True, text=True, env=env,
        timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if result.returncode == 0:
        pytest.skip("this machine has sound devices of its own")
    assert result.returncode == 2
    assert one_error_line(result) == "studio: error: no audio output available: no output device"


def test_play_a_short_file_to_the_end(studio, tmp_path):
    need_audio()
    result = studio("play", str(midi_file(tmp_path, 3)))  # 1.5 s and a 1 s tail
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "0:01 / 0:01" in result.stderr and "Traceback" not in result.stderr


def test_play_json_reports_the_run(studio, tmp_path):
    need_audio()
    result = studio("play", str(midi_file(tmp_path, 2)), "--json", "--device", "pulse")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["device"] == "pulse" and report["interrupted"] is False
    assert report["seconds"] == pytest.approx(1.0) and report["played_seconds"] == report["seconds"]
    # counted, not asserted away: another process's load on a 2-core CI machine starves a real
    # stream now and then (2 busy loops: 1 run in 4 had an underrun); the player's own
    # no-underrun goal is tested under in-process load (test_player) and by benchmarks/soak.py
    assert isinstance(report["underruns"], int) and report["underruns"] >= 0
    assert report["callback_max_ms"] > 0 and report["block_budget_ms"] == pytest.approx(11.61)


def test_list_devices(studio):
    need_audio()
    result = studio("play", "--list-devices", "--json")
    assert result.returncode == 0, result.stderr
    assert "pulse" in [device["name"] for device in json.loads(result.stdout)["devices"]]
    assert "pulse" in studio("play", "--list-devices").stdout


def test_ctrl_c_stops_cleanly(tmp_path):
    need_audio()
    # A shell starts background jobs with SIGINT ignored, and a program keeps an ignored
    # SIGINT (so `scripts/test.sh &` would pass that on): give the command the default, as a
    # terminal does.
    default_sigint = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                      "os.execv(sys.argv[1], sys.argv[1:])")  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-c", default_sigint, str(STUDIO), "play", str(midi_file(tmp_path, 60))],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(4.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.rstrip().endswith(("(stopped)", "studio: interrupted")), stderr
