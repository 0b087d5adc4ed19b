"""End-to-end: `studio render FILE -o OUT.wav` on MIDI files written by the test."""

from __future__ import annotations

import json

import numpy as np
import pytest

from studio.audio.loudness import integrated_loudness, true_peak_dbtp
from studio.audio.synth import default_soundfont
from studio.audio.wav import read_wav
from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, Track


@pytest.fixture
def song_file(tmp_path):
    """A two-track MIDI file: 4 beats at 120 BPM then 4 at 60 BPM = 6 s, with drums."""
    melody = Track(tuple(Note(60 + 2 * i, i, 1, 90) for i in range(8)), program=0, name="piano")
    drums = Track(tuple(Note(36, i, 0.5, 100) for i in range(8)), is_drum=True, name="drums")
    song = Song((melody, drums), tempos=(TempoChange(0, 120), TempoChange(4, 60)))
    path = tmp_path / "song.mid"
    write_midi(song, path)
    return path


def test_render_writes_a_wav_as_long_as_the_song(studio, song_file, tmp_path):
    out = tmp_path / "song.wav"
    result = studio("render", str(song_file), "-o", str(out), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    loudness = report.pop("loudness")
    assert report == {
        "path": str(out),
        "seconds": 7.0,  # 6 s of music + 1 s tail
        "sample_rate": 44100,
        "soundfont": str(default_soundfont()),
        "warning": None,
    }
    assert loudness["target_lufs"] == -16.0 and loudness["gain_db"] > 0
    audio, rate = read_wav(out)
    assert rate == 44100 and len(audio) == 7 * 44100
    assert np.sqrt(np.mean(audio**2)) > 1e-3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid", "song.wav"]


def test_render_at_another_rate_in_text_mode(studio, song_file, tmp_path):
    out = tmp_path / "song-22k.wav"
    result = studio("render", str(song_file), "-o", str(out), "--rate", "22050")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out}")
    audio, rate = read_wav(out)
    assert rate == 22050 and len(audio) == 7 * 22050


def test_a_bad_soundfont_warns_on_one_line_and_falls_back(studio, song_file, tmp_path):
    fake = tmp_path / "fake.sf2"
    fake.write_text("not a soundfont")
    out = tmp_path / "song.wav"
    result = studio("render", str(song_file), "-o", str(out), "--soundfont", str(fake), "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert result.stderr.startswith(f"studio: warning: {fake} is not a SoundFont")
    report = json.loads(result.stdout)
    assert report["soundfont"] == str(default_soundfont())
    assert report["warning"].startswith(f"{fake} is not a SoundFont")
    assert out.is_file()


def test_a_missing_soundfont_warns_and_falls_back(studio, song_file, tmp_path):
    out = tmp_path / "song.wav"
    result = studio("render", str(song_file), "-o", str(out), "--soundfont", "/no/such.sf2")
    assert result.returncode == 0, result.stderr
    assert "SoundFont /no/such.sf2 not found; using the default" in result.stderr
    assert out.is_file()


def test_the_wav_is_at_minus_16_lufs_and_raw_keeps_the_synth_level(studio, song_file, tmp_path):
    loud, raw, custom = tmp_path / "loud.wav", tmp_path / "raw.wav", tmp_path / "custom.wav"
    result = studio("render", str(song_file), "-o", str(loud))
    assert result.returncode == 0, result.stderr
    assert " LUFS, true peak " in result.stdout and "dBTP, gain +" in result.stdout
    assert studio("render", str(song_file), "-o", str(raw), "--raw").returncode == 0
    result = studio("render", str(song_file), "-o", str(custom), "--loudness", "-20", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loudness"]["lufs_after"] == pytest.approx(-20, abs=0.5)
    levels = {}
    for path in (loud, raw, custom):
        audio, rate = read_wav(path)
        levels[path.stem] = integrated_loudness(audio, rate)
        assert true_peak_dbtp(audio) <= -0.9  # −1 dBTP, give or take 16-bit rounding
        assert np.count_nonzero(np.abs(audio) >= 1.0) == 0  # no clipped samples
    assert levels["loud"] == pytest.approx(-16.0, abs=1.0)
    assert levels["custom"] == pytest.approx(-20.0, abs=1.0)
    assert levels["raw"] < levels["loud"] - 6  # the synth alone is much quieter


def test_raw_and_a_loudness_exclude_each_other(studio, song_file, tmp_path):
    out = tmp_path / "x.wav"
    result = studio("render", str(song_file), "-o", str(out), "--raw", "--loudness", "-14")
    assert result.returncode == 2 and "not allowed with" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda d, s: [str(d / "corrupt.mid"), "-o", str(d / "x.wav")], "corrupt.mid: not a MIDI"),
        (lambda d, s: [str(d / "gone.mid"), "-o", str(d / "x.wav")], "no such file"),
        (lambda d, s: [str(s), "-o", str(d / "no" / "x.wav")], "does not exist"),
        (lambda d, s: [str(s), "-o", str(d)], "is a folder"),
        (lambda d, s: [str(s), "-o", str(d / "x.wav"), "--rate", "1000"], "rate must be"),
        (lambda d, s: [str(s), "-o", str(d / "x.wav"), "--loudness", "-2"], "loudness must be"),
    ],
    ids=["corrupt", "missing", "no-folder", "out-is-folder", "bad-rate", "bad-loudness"],
)
def test_bad_input_is_one_line_and_exit_2(studio, song_file, tmp_path, make_args, message):
    (tmp_path / "corrupt.mid").write_bytes(b"this is not MIDI at all")
    result = studio("render", *make_args(tmp_path, song_file))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("studio: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.wav").exists()
