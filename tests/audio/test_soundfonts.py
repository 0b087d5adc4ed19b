"""Which SoundFont plays (user's choice > best installed > bundled), and the synth's effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.audio import soundfonts
from studio.audio.soundfonts import (
    SoundFontError,
    best_soundfont,
    bundled_soundfont,
    default_soundfont,
    installed_soundfonts,
    resolve_soundfont,
)
from studio.audio.synth import DEFAULT_CHORUS, DEFAULT_REVERB, Synth
from studio.core.errors import InvalidInput
from studio.settings import OPTIONS, load_settings, set_setting

RATE = 44100
FLUTE = 73  # a GM program whose dry sound stops at once after its release


def fake_soundfont(path: Path) -> Path:
    """A file with a SoundFont's RIFF header (enough for the choice; FluidSynth won't load it)."""
    path.write_bytes(b"RIFF\x04\x00\x00\x00sfbk")
    return path


@pytest.fixture
def system_fonts(tmp_path, monkeypatch):
    """Two fake system SoundFonts, best first, in place of the real list."""
    best, second = tmp_path / "best.sf2", tmp_path / "second.sf3"
    monkeypatch.setattr(soundfonts, "SYSTEM_SOUNDFONTS", (best, second))
    return best, second


def test_the_users_readable_soundfont_comes_first(tmp_path, system_fonts):
    fake_soundfont(system_fonts[0])
    mine = fake_soundfont(tmp_path / "mine.sf2")
    assert best_soundfont(mine) == mine
    assert resolve_soundfont(mine) == (mine, None)


def test_without_a_choice_the_best_installed_system_soundfont_plays(system_fonts):
    best, second = system_fonts
    fake_soundfont(second)
    assert best_soundfont() == second  # the better one is not installed
    fake_soundfont(best)
    assert best_soundfont() == best == default_soundfont()
    assert best_soundfont("") == best
    assert installed_soundfonts() == [best, second, bundled_soundfont()]


def test_without_system_soundfonts_the_bundled_one_plays(system_fonts):
    bundled = bundled_soundfont()
    assert bundled is not None and bundled.name == "TimGM6mb.sf2"
    assert best_soundfont() == bundled


def test_a_bad_user_file_falls_back_to_the_best_installed_with_a_warning(tmp_path, system_fonts):
    best = fake_soundfont(system_fonts[0])
    notes = tmp_path / "notes.sf2"
    notes.write_text("not a SoundFont")
    assert resolve_soundfont(notes) == (
        best, f"{notes} is not a SoundFont (no RIFF 'sfbk' header); using the default {best}"
    )  # fmt: skip
    missing = tmp_path / "gone.sf2"
    assert resolve_soundfont(missing) == (
        best, f"SoundFont {missing} not found; using the default {best}"
    )  # fmt: skip
    assert best_soundfont(missing) == best


def test_a_system_soundfont_that_is_not_one_is_skipped(system_fonts):
    best, second = system_fonts
    best.write_text("an empty package's leftover")
    fake_soundfont(second)
    assert best_soundfont() == second


def test_no_soundfont_at_all_is_a_clear_error(system_fonts, monkeypatch):
    monkeypatch.setattr(soundfonts, "bundled_soundfont", lambda: None)
    with pytest.raises(SoundFontError, match="install fluid-soundfont-gm"):
        best_soundfont()


def test_the_real_default_is_an_installed_general_midi_soundfont():
    path = default_soundfont()
    assert path in soundfonts.SYSTEM_SOUNDFONTS or path == bundled_soundfont()
    with Synth() as synth:
        assert synth.soundfont == path and synth.warning is None


# -- the synth's effects ------------------------------------------------------------------------


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def chord_then_silence(reverb: float, chorus: bool = False, send_chorus: bool = False):
    """A 1 s flute chord, then 2 s after its note-offs: (the chord, the 0.5–2 s tail)."""
    with Synth(reverb=reverb, chorus=chorus) as synth:
        synth.program_change(0, FLUTE)
        if send_chorus:
            synth.control_change(0, 93, 127)  # chorus send, full
        for pitch in (72, 76, 79):
            synth.note_on(0, pitch, 100)
        chord = synth.render(RATE)
        for pitch in (72, 76, 79):
            synth.note_off(0, pitch)
        after = synth.render(2 * RATE)
    return chord, after[RATE // 2 :]


def test_the_default_sound_is_not_silent_and_rings_on_in_the_reverb():
    chord, tail = chord_then_silence(DEFAULT_REVERB)
    assert rms(chord) > 1e-2
    _dry_chord, dry_tail = chord_then_silence(0.0)
    assert rms(tail) > 1e-4  # the room still sounds half a second after the notes ended
    assert rms(dry_tail) < rms(tail) / 30  # without reverb the release is (nearly) over


def test_more_reverb_is_a_louder_tail():
    assert rms(chord_then_silence(0.8)[1]) > 1.5 * rms(chord_then_silence(0.2)[1])


def test_the_chorus_changes_a_part_that_sends_to_it():
    with_chorus = chord_then_silence(0.0, chorus=True, send_chorus=True)[0]
    without = chord_then_silence(0.0, chorus=False, send_chorus=True)[0]
    assert rms(with_chorus - without) > 1e-3


def test_a_reverb_level_out_of_range_is_refused():
    with pytest.raises(ValueError, match="reverb must be 0–1"):
        Synth(reverb=1.5)


# -- the settings -------------------------------------------------------------------------------


def test_effect_settings_default_to_the_synths_defaults():
    assert OPTIONS["reverb"].default == DEFAULT_REVERB
    assert OPTIONS["chorus"].default is DEFAULT_CHORUS


def test_effect_settings_validate_and_are_stored(tmp_path):
    config = tmp_path / "settings.json"
    assert set_setting("reverb", "0", config) == 0.0
    assert set_setting("reverb", "0.55", config) == 0.55
    assert set_setting("chorus", "off", config) is False
    values, warning = load_settings(config)
    assert warning is None and values["reverb"] == 0.55 and values["chorus"] is False
    for bad in ("1.2", "-0.1", "loud"):
        with pytest.raises(InvalidInput):
            set_setting("reverb", bad, config)
    with pytest.raises(InvalidInput):
        set_setting("chorus", "maybe", config)
    assert load_settings(config)[0]["reverb"] == 0.55  # a refused value changes nothing
