"""Loudness: the BS.1770 meter and true peak on known signals, and ``normalize`` on real renders
(a generated-style melody, a Bach chorale on piano, dense chords with drums)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import dense_chords

from studio.audio.loudness import (
    integrated_loudness,
    normalize,
    sample_peak_db,
    true_peak_dbtp,
)
from studio.audio.render import render_song
from studio.core.midi_read import read_song
from studio.core.music import Note, Song, TempoChange, Track
from studio.core.resources import DEMO_LIBRARY

RATE = 44100


def stereo_sine(hz: float, amplitude: float, seconds: float = 3.0, phase: float = 0.0):
    t = np.arange(round(seconds * RATE)) / RATE
    wave = (amplitude * np.sin(2 * np.pi * hz * t + phase)).astype(np.float32)
    return np.stack([wave, wave], axis=1)


def generated_style_melody() -> Song:
    """Eight bars of a single piano line in eighths and quarters, velocities 80–96, as the
    generator writes them."""
    rng = np.random.default_rng(5)
    scale = [60, 62, 64, 65, 67, 69, 71, 72, 74, 76, 77, 79]
    notes, beat, index = [], 0.0, 4
    while beat < 32:
        length = float(rng.choice([0.5, 0.5, 1.0, 0.25]))
        index = int(np.clip(index + rng.integers(-2, 3), 0, len(scale) - 1))
        notes.append(Note(scale[index], beat, length, int(rng.integers(80, 97))))
        beat += length
    return Song((Track(tuple(notes), program=0, name="Melody"),), tempos=(TempoChange(0, 120),))


@pytest.fixture(scope="module")
def melody_audio():
    return render_song(generated_style_melody())


@pytest.fixture(scope="module")
def chorale_audio():
    return render_song(read_song(DEMO_LIBRARY / "bach-chorale-bwv1-6.mid"))


# -- measuring ---------------------------------------------------------------------------------


def test_a_1khz_sine_at_minus_20_dbfs_measures_minus_20_lufs():
    # BS.1770: a full-scale 997 Hz sine in both channels reads 0 LUFS (−3.01 per channel).
    assert integrated_loudness(stereo_sine(997, 0.1), RATE) == pytest.approx(-20.0, abs=0.1)
    assert integrated_loudness(stereo_sine(997, 0.1)[:, :1], RATE) == pytest.approx(-23.0, abs=0.1)


def test_true_peak_finds_the_peak_between_samples():
    # A quarter-rate sine at 45°: every sample is at ±0.707 of the wave's true peak.
    audio = stereo_sine(RATE / 4, 0.5, seconds=0.5, phase=math.pi / 4)
    assert sample_peak_db(audio) == pytest.approx(20 * math.log10(0.5 * 0.7071), abs=0.01)
    assert true_peak_dbtp(audio) == pytest.approx(20 * math.log10(0.5), abs=0.2)


def test_silence_and_very_short_audio_have_no_loudness():
    assert integrated_loudness(np.zeros((RATE, 2), np.float32), RATE) == -math.inf
    assert integrated_loudness(stereo_sine(440, 0.5, seconds=0.2), RATE) == -math.inf
    assert true_peak_dbtp(np.zeros((0, 2), np.float32)) == -math.inf


# -- normalising -------------------------------------------------------------------------------


def check_normalized(out: np.ndarray, target: float) -> None:
    """Measured again from scratch: the target within 0.5 LU, the true peak ≤ −1 dBTP."""
    assert integrated_loudness(out, RATE) == pytest.approx(target, abs=0.5)
    assert true_peak_dbtp(out) <= -1.0
    assert np.abs(out).max() < 1.0


def test_a_generated_style_melody_is_brought_to_minus_16_lufs(melody_audio):
    before = integrated_loudness(melody_audio, RATE)
    assert before < -25  # the synth's own level is far too quiet
    out, report = normalize(melody_audio, RATE)
    check_normalized(out, -16.0)
    assert out.shape == melody_audio.shape and out.dtype == np.float32
    assert report.lufs_before == pytest.approx(before)
    assert report.gain_db == pytest.approx(-16.0 - before, abs=0.5)
    assert report.lufs_after == pytest.approx(-16.0, abs=0.5)
    assert report.true_peak_after <= -1.0


def test_a_chorale_on_piano_is_brought_to_minus_16_lufs(chorale_audio):
    out, report = normalize(chorale_audio, RATE)
    check_normalized(out, -16.0)
    assert report.true_peak_after == pytest.approx(true_peak_dbtp(out), abs=0.01)


@pytest.mark.parametrize("target", [-12.0, -10.0])
def test_dense_chords_are_limited_to_the_true_peak_ceiling(target):
    audio = render_song(dense_chords())
    out, report = normalize(audio, RATE, target)
    check_normalized(out, target)
    assert report.limited_db > 0.3  # the peaks would have gone over: the limiter acted


def test_raw_keeps_the_level_and_only_limits():
    hot = stereo_sine(440, 2.0)  # +6 dBFS
    out, report = normalize(hot, RATE, target_lufs=None)
    assert report.gain_db == 0.0 and report.target_lufs is None
    assert true_peak_dbtp(out) <= -1.0
    assert report.limited_db == pytest.approx(7.0, abs=0.2)
    quiet = stereo_sine(440, 0.1)
    out, report = normalize(quiet, RATE, target_lufs=None)
    assert np.array_equal(out, quiet) and report.limited_db == 0.0


def test_silence_and_short_audio_get_no_gain():
    silence = np.zeros((RATE, 2), np.float32)
    out, report = normalize(silence, RATE)
    assert not out.any() and report.gain_db == 0.0 and report.lufs_after == -math.inf
    blip = stereo_sine(440, 0.05, seconds=0.1)
    out, report = normalize(blip, RATE)
    assert np.array_equal(out, blip) and report.gain_db == 0.0
    out, report = normalize(np.zeros((0, 2), np.float32), RATE)
    assert out.shape == (0, 2)
    assert report.as_dict()["lufs_before"] is None
