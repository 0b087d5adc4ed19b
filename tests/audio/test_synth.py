"""The SoundFont synthesizer: SoundFont choice and fallback, and real FluidSynth output."""

from __future__ import annotations

import numpy as np
import pytest

from studio.audio.synth import (
    DEFAULT_SAMPLE_RATE,
    SoundFontError,
    Synth,
    default_soundfont,
    resolve_soundfont,
)
from studio.core.errors import StudioError

RATE = DEFAULT_SAMPLE_RATE


def strongest_frequency(audio: np.ndarray, rate: int, low: float = 50, high: float = 2000) -> float:
    """Frequency in Hz of the strongest spectral peak between ``low`` and ``high``."""
    mono = audio.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    freqs = np.fft.rfftfreq(len(mono), 1 / rate)
    band = (freqs > low) & (freqs < high)
    return float(freqs[band][np.argmax(spectrum[band])])


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def test_default_soundfont_is_a_real_sf2_file():
    path = default_soundfont()
    assert path.is_file()
    header = path.read_bytes()[:12]
    assert header[:4] == b"RIFF" and header[8:12] == b"sfbk"


def test_resolve_soundfont_keeps_a_good_file_and_says_nothing():
    good = default_soundfont()
    assert resolve_soundfont(good) == (good, None)
    assert resolve_soundfont(None) == (good, None)


def test_resolve_soundfont_falls_back_for_a_missing_file(tmp_path):
    missing = tmp_path / "nope.sf2"
    path, warning = resolve_soundfont(missing)
    assert path == default_soundfont()
    assert warning == f"SoundFont {missing} not found; using the default {path}"


def test_resolve_soundfont_falls_back_for_a_file_that_is_not_a_soundfont(tmp_path):
    fake = tmp_path / "fake.sf2"
    fake.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    path, warning = resolve_soundfont(fake)
    assert path == default_soundfont()
    assert warning.startswith(f"{fake} is not a SoundFont")
    assert "\n" not in warning


def test_soundfont_error_is_a_studio_error():
    assert issubclass(SoundFontError, StudioError)


def test_synth_renders_float32_stereo_in_range():
    with Synth() as synth:
        assert synth.sample_rate == RATE and synth.warning is None
        silence = synth.render(1024)
        assert silence.shape == (1024, 2) and silence.dtype == np.float32
        assert np.abs(silence).max() < 1e-6  # FluidSynth adds a tiny anti-denormal noise
        synth.note_on(0, 60, 127)
        sound = synth.render(RATE // 2)
    assert sound.shape == (RATE // 2, 2) and sound.dtype == np.float32
    assert np.abs(sound).max() <= 1.0
    assert rms(sound) > 1e-3


def test_synth_note_off_and_all_notes_off_let_the_sound_die_away():
    with Synth() as synth:
        synth.note_on(0, 72, 100)
        synth.note_on(1, 76, 100)
        synth.render(RATE // 4)
        synth.note_off(0, 72)
        synth.all_notes_off()
        synth.render(RATE * 3)  # release and reverb fade out
        assert rms(synth.render(RATE // 4)) < 1e-4


def test_synth_a4_at_48k_is_still_440_hz():
    with Synth(sample_rate=48000) as synth:
        synth.note_on(0, 69, 100)
        audio = synth.render(48000)
    assert abs(strongest_frequency(audio, 48000) - 440) < 3


def test_synth_pitch_bend_and_reset():
    with Synth() as synth:
        synth.pitch_bend(0, 8191)  # +2 semitones: A4 sounds as B4 (493.9 Hz)
        synth.note_on(0, 69, 100)
        bent = synth.render(RATE)
        synth.reset()  # silence, centre the bend
        synth.render(RATE)
        synth.note_on(0, 69, 100)
        plain = synth.render(RATE)
    assert abs(strongest_frequency(bent, RATE) - 493.9) < 4
    assert abs(strongest_frequency(plain, RATE) - 440) < 3


def test_set_drums_turns_a_channel_into_a_drum_kit():
    with Synth() as synth:
        synth.set_drums(3)
        synth.note_on(3, 42, 110)  # closed hi-hat: a noisy, high sound
        hat = synth.render(RATE // 2)
        synth.reset()
        synth.render(RATE * 2)
        synth.note_on(3, 42, 110)  # after reset channel 3 is a piano again: F#2 (92.5 Hz)
        piano = synth.render(RATE // 2)
    assert rms(hat) > 1e-3
    assert strongest_frequency(hat, RATE, 50, 15000) > 1000
    assert strongest_frequency(piano, RATE, 50, 15000) < 400


def test_render_into_refuses_a_wrong_buffer():
    with Synth() as synth:
        with pytest.raises(ValueError):
            synth.render_into(np.zeros((16, 2), dtype=np.float64))
        with pytest.raises(ValueError):
            synth.render_into(np.zeros((16, 2), dtype=np.float32)[::2])


def test_close_twice_is_harmless():
    synth = Synth()
    synth.close()
    synth.close()


def test_synth_with_a_missing_soundfont_warns_and_plays_the_default(tmp_path):
    with Synth(tmp_path / "gone.sf2") as synth:
        assert synth.soundfont == default_soundfont()
        assert "not found" in synth.warning
        synth.note_on(0, 60, 100)
        assert rms(synth.render(RATE // 4)) > 1e-3


def test_synth_with_a_corrupt_soundfont_warns_and_plays_the_default(tmp_path):
    corrupt = tmp_path / "corrupt.sf2"
    corrupt.write_bytes(b"RIFF\xff\x00\x00\x00sfbkLIST" + bytes(64))
    with Synth(corrupt) as synth:
        assert synth.soundfont == default_soundfont()
        assert synth.warning.startswith(f"{corrupt} cannot be loaded")
        synth.note_on(0, 60, 100)
        assert rms(synth.render(RATE // 4)) > 1e-3
