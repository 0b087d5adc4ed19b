"""Short-term loudness: agrees with pyloudnorm's BS.1770 meter on steady signals fed in small
chunks, forgets a signal 3 s after it stops, and reads −inf before any audio and for silence."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest

from studio.audio.loudness_meter import WINDOW_SECONDS, ShortTermLoudness

RATE = 44100


def sine(seconds: float, dbfs: float, hz: float = 1000.0) -> np.ndarray:
    """A stereo sine (frames × 2 float32) with its peak at ``dbfs``."""
    t = np.arange(round(seconds * RATE)) / RATE
    wave = 10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t)
    return np.stack([wave, wave], axis=1).astype(np.float32)


def pinkish_noise(seconds: float, rms: float = 0.1) -> np.ndarray:
    """Stereo noise falling 3 dB an octave (independent channels), no DC, at ``rms``."""
    rng = np.random.default_rng(3)
    frames = round(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal((frames, 2)), axis=0)
    spectrum[0] = 0.0
    spectrum[1:] /= np.sqrt(np.arange(1, len(spectrum)))[:, None]
    noise = np.fft.irfft(spectrum, n=frames, axis=0)
    return (rms * noise / noise.std()).astype(np.float32)


def fed(meter: ShortTermLoudness, audio: np.ndarray, chunk: int = 512) -> ShortTermLoudness:
    for start in range(0, len(audio), chunk):
        meter.add(audio[start : start + chunk])
    return meter


def reference(audio: np.ndarray) -> float:
    return pyloudnorm.Meter(RATE).integrated_loudness(audio.astype(np.float64))


@pytest.mark.parametrize("signal", [sine(4.0, -12.0, 440.0), pinkish_noise(4.0)])
def test_a_steady_signal_reads_as_pyloudnorm_measures_it(signal):
    meter = fed(ShortTermLoudness(RATE), signal)
    assert meter.seconds == pytest.approx(WINDOW_SECONDS, abs=0.02)
    assert meter.lufs == pytest.approx(reference(signal), abs=0.5)


def test_a_minus_20_dbfs_1khz_stereo_sine_reads_its_bs1770_loudness():
    signal = sine(3.5, -20.0)
    expected = reference(signal)
    # EBU Tech 3341's calibration: a sine's mean square is its peak − 3.01 dB, the two channels
    # add 3.01 dB back and K-weighting at 1 kHz (+0.69 dB) offsets the −0.691: −20 LUFS.
    assert expected == pytest.approx(-20.0, abs=0.1)
    assert fed(ShortTermLoudness(RATE), signal).lufs == pytest.approx(expected, abs=0.05)


def test_chunk_sizes_do_not_change_the_reading():
    signal = pinkish_noise(5.0)
    small = fed(ShortTermLoudness(RATE), signal, chunk=240).lufs
    large = fed(ShortTermLoudness(RATE), signal, chunk=5000).lufs
    whole = fed(ShortTermLoudness(RATE), signal, chunk=len(signal)).lufs
    assert small == pytest.approx(large, abs=0.05) and small == pytest.approx(whole, abs=0.05)


def test_it_follows_the_last_three_seconds_only():
    meter = fed(ShortTermLoudness(RATE), sine(4.0, -6.0))
    loud = meter.lufs
    fed(meter, sine(3.1, -26.0))  # 20 dB quieter: the loud part has left the window
    assert meter.lufs == pytest.approx(loud - 20.0, abs=0.3)


def test_it_falls_away_three_seconds_after_the_signal_stops():
    meter = fed(ShortTermLoudness(RATE), pinkish_noise(4.0))
    assert meter.lufs > -25.0
    fed(meter, np.zeros((RATE, 2), np.float32))
    assert meter.lufs > -25.0  # a second of silence: still 2 s of noise in the window
    fed(meter, np.zeros((round(2.1 * RATE), 2), np.float32))
    assert meter.lufs < -70.0  # only the filter's fading ring is left (or nothing)


def test_nothing_or_silence_reads_minus_infinity_and_reset_forgets():
    meter = ShortTermLoudness(RATE)
    assert meter.lufs == -math.inf
    meter.add(np.zeros((0, 2), np.float32))
    assert meter.lufs == -math.inf
    fed(meter, np.zeros((RATE, 2), np.float32))
    assert meter.lufs == -math.inf
    fed(meter, sine(1.0, -10.0))
    assert math.isfinite(meter.lufs)
    meter.reset()
    assert meter.lufs == -math.inf and meter.seconds == 0.0
