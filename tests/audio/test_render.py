"""Offline rendering: events, length, and what a listener would hear (checked by spectrum)."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from studio.audio.render import SynthEvent, render_song, song_events
from studio.audio.synth import Synth
from studio.audio.wav import read_wav, write_wav
from studio.core.errors import StudioError
from studio.core.music import ControlChange, Note, PitchBend, Song, TempoChange, Track
from studio.core.progress import Cancelled, CancelToken

RATE = 44100


def strongest_frequency(audio: np.ndarray, low: float = 50, high: float = 2000) -> float:
    """Frequency in Hz of the strongest spectral peak between ``low`` and ``high``."""
    mono = audio.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    band = (freqs > low) & (freqs < high)
    return float(freqs[band][np.argmax(spectrum[band])])


def band_energies(audio: np.ndarray, bands: int = 40) -> np.ndarray:
    """Share of the spectrum's energy in each of ``bands`` log-spaced bands, 100 Hz to 10 kHz."""
    mono = audio.mean(axis=1)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    edges = np.geomspace(100, 10_000, bands + 1)
    energy = np.array([power[(freqs >= a) & (freqs < b)].sum() for a, b in pairwise(edges)])
    return energy / energy.sum()


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def one_note(pitch: int = 69, *, program: int = 0, velocity: int = 100, beats: float = 2.0,
             **track) -> Song:  # fmt: skip
    """A song of one note at 120 BPM (so ``beats`` = 2 is one second)."""
    return Song((Track((Note(pitch, 0.0, beats, velocity),), program=program, **track),))


# -- events ------------------------------------------------------------------------------------


def test_song_events_follow_the_tempo_map_and_release_before_new_notes():
    song = Song(
        (Track((Note(60, 0, 1), Note(60, 1, 1), Note(64, 4, 2, 80)), program=40),),
        tempos=(TempoChange(0, 120), TempoChange(4, 60)),
    )  # fmt: skip
    events = song_events(song)
    assert events == [
        SynthEvent(0.0, "program", 0, 40),
        SynthEvent(0.0, "note_on", 0, 60, 100),
        SynthEvent(0.5, "note_off", 0, 60),
        SynthEvent(0.5, "note_on", 0, 60, 100),
        SynthEvent(1.0, "note_off", 0, 60),
        SynthEvent(2.0, "note_on", 0, 64, 80),
        SynthEvent(4.0, "note_off", 0, 64),  # 2 beats at 60 BPM
    ]


def test_song_events_assign_channels_like_the_midi_writer():
    tracks = [Track((Note(60, 0, 1),), program=i) for i in range(10)]
    tracks.insert(2, Track((Note(36, 0, 1),), is_drum=True))
    setup = [e for e in song_events(Song(tuple(tracks))) if e.kind in ("program", "drums")]
    assert [(e.kind, e.channel) for e in setup[:4]] == [
        ("program", 0), ("program", 1), ("drums", 9), ("program", 2)
    ]  # fmt: skip
    assert [e.channel for e in setup if e.kind == "program"] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10]


def test_song_events_include_controls_and_bends_with_velocity_zero_played():
    track = Track(
        (Note(60, 1, 1, velocity=0),),
        controls=(ControlChange(0.5, 64, 127),),
        pitch_bends=(PitchBend(1, -4096),),
    )  # fmt: skip
    kinds = [(e.kind, e.seconds, e.a, e.b) for e in song_events(Song((track,)))]
    assert kinds == [
        ("program", 0.0, 0, 0),
        ("control", 0.25, 64, 127),
        ("bend", 0.5, -4096, 0),
        ("note_on", 0.5, 60, 1),
        ("note_off", 1.0, 60, 0),
    ]


# -- what is heard -------------------------------------------------------------------------------


@pytest.mark.parametrize(("pitch", "hertz"), [(69, 440.0), (81, 880.0), (57, 220.0)])
def test_a_note_sounds_at_its_pitch(pitch, hertz):
    audio = render_song(one_note(pitch))
    assert abs(strongest_frequency(audio) - hertz) < hertz * 0.01


def test_length_is_the_song_plus_the_tail_through_a_tempo_change():
    # 4 beats at 120 BPM (2 s) and 4 beats at 60 BPM (4 s) = 6 s, plus the 1 s tail.
    notes = tuple(Note(60 + i, i, 1) for i in range(8))
    song = Song((Track(notes),), tempos=(TempoChange(0, 120), TempoChange(4, 60)))
    audio = render_song(song)
    assert len(audio) == 7 * RATE
    # The last note (beats 7–8 = seconds 5–6) really sounds in its place.
    assert rms(audio[int(5.1 * RATE) : int(5.9 * RATE)]) > 1e-3


def test_an_empty_song_renders_the_tail_as_silence():
    audio = render_song(Song(), tail_seconds=0.5)
    assert audio.shape == (RATE // 2, 2) and audio.dtype == np.float32
    assert np.abs(audio).max() < 1e-6


def test_the_program_changes_the_timbre():
    piano = band_energies(render_song(one_note(69, program=0)))
    organ = band_energies(render_song(one_note(69, program=19)))  # church organ
    flute = band_energies(render_song(one_note(69, program=73)))
    piano_again = band_energies(render_song(one_note(69, program=0)))
    assert np.abs(piano - piano_again).sum() < 0.01  # rendering is deterministic
    assert np.abs(piano - organ).sum() > 0.5  # total variation distance ×2, out of 2
    assert np.abs(piano - flute).sum() > 0.2  # a flute is nearly a sine: closer, still far


def test_velocity_changes_the_loudness():
    soft = rms(render_song(one_note(60, velocity=30)))
    loud = rms(render_song(one_note(60, velocity=120)))
    assert loud > 4 * soft


def test_drums_on_channel_10_sound():
    kick = render_song(Song((Track((Note(36, 0, 0.5, 110),), is_drum=True),)))
    assert rms(kick) > 1e-3
    assert strongest_frequency(kick, 20, 2000) < 200  # a bass drum, not a C2 piano note's partials


def test_sustain_pedal_holds_a_released_note():
    def after_release(controls) -> float:
        song = Song((Track((Note(60, 0, 1),), controls=controls),))  # released at 0.5 s
        audio = render_song(song, tail_seconds=1.5)
        return rms(audio[int(1.0 * RATE) :])

    assert after_release((ControlChange(0, 64, 127),)) > 10 * after_release(())


def test_pitch_bend_shifts_the_frequency():
    up = render_song(one_note(69, pitch_bends=(PitchBend(0, 4096),)))  # +1 semitone
    down = render_song(one_note(69, pitch_bends=(PitchBend(0, -8192),)))  # −2 semitones
    assert abs(strongest_frequency(up) - 466.2) < 4
    assert abs(strongest_frequency(down) - 392.0) < 4


def test_a_given_synth_is_reset_used_and_left_open():
    with Synth(sample_rate=22050) as synth:
        synth.pitch_bend(0, 8191)
        synth.control_change(0, 64, 127)
        synth.note_on(0, 50, 100)
        audio = render_song(one_note(69), synth=synth, tail_seconds=0.0)
        assert len(audio) == 22050  # the synth's rate wins
        # Reset first: no bend left from before, no stray note.
        mono = audio.mean(axis=1)
        freqs = np.fft.rfftfreq(len(mono), 1 / 22050)
        spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
        assert abs(freqs[np.argmax(spectrum[freqs < 2000])] - 440) < 4
        assert synth.render(16).shape == (16, 2)  # still open


def test_progress_is_reported_per_block_and_cancel_stops():
    calls = []
    render_song(one_note(60, beats=4), progress=lambda d, t, m: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]  # 2 s of note + 1 s of tail, in seconds

    token = CancelToken()

    def cancel_after_three(done: int, total: int, message: str) -> None:
        if done == 1:
            token.cancel()

    with pytest.raises(Cancelled):
        render_song(one_note(60, beats=4), progress=cancel_after_three, cancel=token)


# -- WAV files -------------------------------------------------------------------------------------


def test_wav_round_trip_is_exact_to_16_bits_and_atomic(tmp_path):
    audio = render_song(one_note(64), tail_seconds=0.25)
    path = tmp_path / "note.wav"
    write_wav(path, audio, RATE)
    back, rate = read_wav(path)
    assert rate == RATE and back.shape == audio.shape and back.dtype == np.float32
    assert np.abs(back - audio).max() <= 1 / 32767
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.wav"]  # no temp file left


def test_wav_clips_and_accepts_mono(tmp_path):
    path = tmp_path / "mono.wav"
    write_wav(path, np.array([0.0, 2.0, -2.0, 0.5], dtype=np.float32), 8000)
    back, rate = read_wav(path)
    assert rate == 8000
    assert np.allclose(back, [[0, 0], [1, 1], [-1, -1], [0.5, 0.5]], atol=1e-4)


def test_write_wav_into_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StudioError, match="cannot write"):
        write_wav(tmp_path / "no" / "such.wav", np.zeros((4, 2), np.float32), RATE)


def test_read_wav_of_a_non_wav_file_is_a_clear_error(tmp_path):
    path = tmp_path / "not.wav"
    path.write_bytes(b"hello")
    with pytest.raises(StudioError, match="cannot read"):
        read_wav(path)


# -- layering ------------------------------------------------------------------------------------


def test_audio_modules_import_without_qt_or_torch():
    import json
    import subprocess
    import sys

    code = (
        "import json, sys; import studio.audio.synth, studio.audio.render, studio.audio.wav, "
        "studio.commands.render; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'torch'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


def test_an_absurdly_long_song_is_refused_before_allocating():
    song = Song((Track((Note(60, 0, 1), Note(60, 10_000, 1))),))  # ~83 minutes at 120 BPM
    with pytest.raises(StudioError, match="rendering is limited to 60 minutes"):
        render_song(song)
