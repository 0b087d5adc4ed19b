"""Live playback: the transport's sample logic, and a real stream on the test sound server.

The stream tests need the private PulseAudio null sink that ``scripts/test.sh`` starts (it sets
``MOTIF_TEST_AUDIO``); without it they skip. Timings are printed, not asserted, except for
generous bounds that only a broken player exceeds.
"""

from __future__ import annotations

import builtins
import os
import sys
import threading
import time
from itertools import pairwise

import numpy as np
import pytest
from conftest import need_audio

from studio.audio.devices import AudioUnavailable, import_sounddevice, output_devices
from studio.audio.player import Player
from studio.audio.transport import Rendered, Transport, scale_tempo
from studio.core.music import Note, Song, TempoChange, Track

RATE = 44100
BLOCK = 512


def band_song(bars: int = 8, tempo: float = 120.0, transpose: int = 0) -> Song:
    """A small 4/4 arrangement: melody, bass, piano chords and drums."""
    melody, bass, chords, drums = [], [], [], []
    progression = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    for bar in range(bars):
        chord = progression[bar % 4]
        start = bar * 4.0
        for step in range(8):
            pitch = chord[step % 3] + 12 + transpose
            melody.append(Note(pitch, start + step * 0.5, 0.45, 90 - 10 * (step % 2)))
        bass.append(Note(chord[0] - 24, start, 2.0, 95))
        bass.append(Note(chord[0] - 17, start + 2, 2.0, 85))
        chords.extend(Note(p, start, 3.9, 60) for p in chord)
        for beat in range(4):
            drums.append(Note(36 if beat % 2 == 0 else 38, start + beat, 0.25, 100))
            drums.append(Note(42, start + beat + 0.5, 0.25, 70))
    return Song(
        tracks=(
            Track(tuple(melody), program=73, name="Flute"),
            Track(tuple(bass), program=33, name="Bass"),
            Track(tuple(chords), program=0, name="Piano"),
            Track(tuple(drums), is_drum=True, name="Drums"),
        ),
        tempos=(TempoChange(0.0, tempo),),
    )


def sine(seconds: float, amplitude: float = 0.5, hz: float = 441.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    wave = (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([wave, wave], axis=1)


def blocks(transport: Transport, count: int) -> np.ndarray:
    """What the callback would hand to the device in the next ``count`` blocks."""
    out = np.empty((count * BLOCK, 2), dtype=np.float32)
    for i in range(count):
        transport.fill(out[i * BLOCK : (i + 1) * BLOCK])
    return out


def largest_jump(audio: np.ndarray) -> float:
    return float(np.abs(np.diff(audio[:, 0])).max())


# -- the transport, without a device -------------------------------------------------------------


def test_scale_tempo_changes_seconds_not_beats():
    song = band_song(tempo=100)
    faster = scale_tempo(song, 2.0)
    assert faster.notes == song.notes
    assert faster.beats_to_seconds(8) == pytest.approx(song.beats_to_seconds(8) / 2)
    assert scale_tempo(Song(), 0.5).tempo == 60.0


def test_transport_plays_blocks_in_order_and_stops_at_the_end():
    transport = Transport(RATE, BLOCK)
    audio = sine(0.1)
    transport.install(Rendered(Song(), audio))
    transport.play()
    out = blocks(transport, 12)  # 0.14 s: past the end
    assert not transport.playing
    assert transport.position_seconds == pytest.approx(len(audio) / RATE)
    # After the one-block fade-in, the output is the audio itself, then silence.
    np.testing.assert_array_equal(out[BLOCK : len(audio)], audio[BLOCK:])
    assert not out[len(audio) :].any()
    transport.play()  # at the end: starts again from the beginning
    assert transport.position_seconds == 0.0


def test_swapping_the_song_keeps_the_beat_and_does_not_click():
    song = band_song(tempo=120)
    transport = Transport(RATE, BLOCK)
    transport.install(Rendered(song, sine(4.0)))
    transport.play()
    blocks(transport, 40)
    beats_before = transport.position_beats
    faster = scale_tempo(song, 1.5)  # same beat, another second, another phase of the sine
    transport.install(Rendered(faster, sine(4.0, amplitude=0.4)))
    assert transport.position_beats == pytest.approx(beats_before, abs=1e-3)
    out = blocks(transport, 4)
    assert largest_jump(out) < 0.1  # a hard cut between the two would jump up to ~0.9
    assert np.abs(out[BLOCK:]).max() > 0.35  # no gap: the new audio plays at once


def test_seek_jumps_by_seconds_or_beats_with_a_crossfade():
    transport = Transport(RATE, BLOCK)
    transport.install(Rendered(band_song(tempo=120), sine(4.0)))
    transport.seek(beats=4)  # 120 BPM: 2 s
    assert transport.position_seconds == pytest.approx(2.0)
    transport.play()
    blocks(transport, 10)
    transport.seek(seconds=1.0123)
    assert transport.position_beats == pytest.approx(2.0246, abs=1e-3)
    assert largest_jump(blocks(transport, 3)) < 0.1


def test_pause_fades_out_and_play_fades_in():
    transport = Transport(RATE, BLOCK)
    transport.install(Rendered(Song(), np.full((RATE, 2), 0.5, dtype=np.float32)))
    transport.play()
    start = blocks(transport, 2)
    assert start[0, 0] < 0.01 and start[-1, 0] == 0.5
    transport.pause()
    position = transport.position_seconds
    end = blocks(transport, 2)
    assert end[0, 0] > 0.49 and not end[BLOCK:].any()
    assert np.all(np.diff(end[:BLOCK, 0]) <= 0)  # a ramp down, not a cut
    assert transport.position_seconds == position


def test_loop_wraps_inside_the_region():
    song = band_song(tempo=120)
    transport = Transport(RATE, BLOCK)
    transport.install(Rendered(song, sine(5.0)))
    transport.set_loop(2.0, 3.0)  # beats: 1.0–1.5 s
    transport.seek(beats=2.0)
    transport.play()
    positions = []
    for _ in range(200):  # 2.3 s: several passes
        blocks(transport, 1)
        positions.append(transport.position_beats)
    assert min(positions) >= 2.0 and max(positions) <= 3.0
    assert sum(b < a for a, b in pairwise(positions)) >= 4
    transport.clear_loop()
    blocks(transport, 100)
    assert transport.position_beats > 3.0


# -- devices ---------------------------------------------------------------------------------


def test_no_portaudio_library_is_a_clear_error(monkeypatch):
    real_import = builtins.__import__

    def without_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", without_portaudio)
    with pytest.raises(AudioUnavailable, match="PortAudio library not found"):
        import_sounddevice()
    with pytest.raises(AudioUnavailable, match=r"^no audio output available"):
        Player().open()


@pytest.mark.parametrize("device", ["nosuch", 999])
def test_a_missing_device_is_a_clear_error(device):
    with pytest.raises(AudioUnavailable) as raised:
        Player(device=device).open()
    message = str(raised.value)
    assert message.startswith("no audio output available: ")
    if os.environ.get("MOTIF_TEST_AUDIO"):
        assert str(device) in message and "pulse" in message  # names the choices


# -- a real stream on the test sound server ---------------------------------------------------


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture(scope="module")
def open_player():
    need_audio()
    with Player(blocksize=BLOCK) as player:
        # A new stream on the null sink may stall for a moment before it runs steadily.
        started = player.blocks_played
        assert wait_for(lambda: player.blocks_played > started + 40), "the stream never ran"
        yield player


@pytest.fixture
def player(open_player):
    open_player.stop()
    open_player.clear_loop()
    if open_player.tempo_factor != 1:
        open_player.set_tempo_factor(1.0, wait=True)
    open_player.load(band_song(), wait=True)
    return open_player


class CpuHog:
    """A pure-Python busy loop on another thread: it competes for the GIL and a core."""

    def __enter__(self) -> CpuHog:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._spin, daemon=True)
        self._thread.start()
        return self

    def _spin(self) -> None:
        total = 0
        while not self._stop.is_set():
            total += sum(i * i for i in range(5000))

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()


def test_output_devices_list_the_test_sink():
    need_audio()
    devices = output_devices()
    assert "pulse" in [d["name"] for d in devices]
    assert sum(d["is_default"] for d in devices) <= 1
    assert all(d["channels"] >= 2 and d["default_samplerate"] > 0 for d in devices)


def test_playback_under_cpu_load_has_no_underruns(player):
    underruns = player.underruns
    with CpuHog():
        player.play()
        time.sleep(3.0)
        position = player.position_seconds
        player.pause()
    print(
        f"\n3 s under load: {player.underruns - underruns} underruns, worst callback "
        f"{player.callback_max_seconds * 1000:.2f} ms of a {player.block_budget_seconds * 1000:.1f}"
        f" ms block, device latency {player.output_latency * 1000:.1f} ms"
    )
    assert player.underruns == underruns
    assert 2.5 < position < 3.5


def test_position_follows_the_clock_and_pause_freezes_it(player):
    player.play()
    time.sleep(0.3)
    t0, p0 = time.perf_counter(), player.position_seconds
    time.sleep(1.5)
    t1, p1 = time.perf_counter(), player.position_seconds
    assert (p1 - p0) / (t1 - t0) == pytest.approx(1.0, abs=0.1)
    assert player.position_beats == pytest.approx(p1 * 2, abs=0.05)  # 120 BPM
    player.pause()
    time.sleep(0.1)
    frozen = player.position_seconds
    time.sleep(0.5)
    assert player.position_seconds == frozen and not player.is_playing
    player.play()
    time.sleep(0.5)
    assert player.position_seconds > frozen + 0.3


def test_seek_and_loop_while_playing(player):
    player.seek(beats=8)
    assert player.position_seconds == pytest.approx(4.0)
    player.set_loop(8.0, 10.0)  # one second
    player.play()
    positions = []
    for _ in range(70):  # 3.5 s: three passes and more
        time.sleep(0.05)
        positions.append(player.position_beats)
    player.pause()
    assert min(positions) >= 8.0 and max(positions) <= 10.0
    assert sum(b < a for a, b in pairwise(positions)) >= 3
    player.seek(seconds=1.0)
    assert player.position_beats == pytest.approx(2.0)


def test_replacing_the_song_while_playing_keeps_the_position(player):
    underruns = player.underruns
    player.play()
    time.sleep(1.0)
    before, started = player.position_beats, time.perf_counter()
    player.load(band_song(transpose=5), wait=True)  # an edit: the melody moves up a fourth
    after, rendering = player.position_beats, time.perf_counter() - started
    assert player.is_playing
    # kept its place: it only moved on while the new song rendered (2 beats a second)
    assert 0 <= after - before < 2.0 * rendering + 0.25
    player.set_tempo_factor(2.0, wait=True)  # a tempo change: same beat, twice the pace
    t0, b0 = time.perf_counter(), player.position_beats
    assert b0 - after < 1.0
    time.sleep(1.0)
    pace = (player.position_beats - b0) / (time.perf_counter() - t0)
    player.pause()
    assert pace == pytest.approx(4.0, abs=0.4)  # beats per second at 240 BPM
    assert player.underruns == underruns


def test_audition_sounds_at_once_over_a_playing_song(player):
    silent = player.audition(60)
    assert wait_for(lambda: silent.sounded_at is not None, timeout=2.0)
    player.play()
    time.sleep(0.3)
    chord = player.audition([60, 64, 67], velocity=110, duration=0.3, program=0)
    assert wait_for(lambda: chord.sounded_at is not None, timeout=2.0)
    player.pause()
    print(
        f"\naudition latency: {silent.latency * 1000:.1f} ms alone, {chord.latency * 1000:.1f} ms "
        f"over the song (target 30 ms), plus the device's {player.output_latency * 1000:.1f} ms"
    )
    assert player.last_audition_latency == chord.latency
    assert 0 < silent.latency < 0.25 and 0 < chord.latency < 0.25


def test_a_failing_device_stops_playback_with_a_message():
    need_audio()
    with Player() as player:
        player.load(band_song(bars=2), wait=True)

        def device_gone(out):
            raise OSError("device unplugged")

        player._transport.fill = device_gone  # what a vanished device does to the callback
        player.play()
        assert wait_for(lambda: player.error is not None)
        assert "device unplugged" in player.error
        assert not player.is_playing
        with pytest.raises(AudioUnavailable):
            player.play()
        player.load(band_song(bars=1), wait=True)  # the rest still works


def test_held_audition_sounds_until_released():
    from studio.audio.audition import Audition, AuditionRelease, AuditionRequest
    from studio.audio.synth import Synth

    audition = Audition(Synth(), blocksize=BLOCK, ahead=2)
    audition.start()
    try:
        out = np.zeros((BLOCK, 2), dtype=np.float32)

        def peak_over(seconds: float) -> float:
            """Play the ring like a callback would for ``seconds``; the loudest sample."""
            loudest, end = 0.0, time.perf_counter() + seconds
            while time.perf_counter() < end:
                out[:] = 0
                audition.mix_into(out, time.perf_counter())
                loudest = max(loudest, float(np.abs(out).max()))
                time.sleep(BLOCK / 44100 / 2)
            return loudest

        key = AuditionRequest((60,), velocity=110, duration=None, program=19)  # organ: no decay
        audition.request(key)
        peak_over(1.0)
        assert peak_over(0.3) > 0.01, "a held key keeps sounding"
        audition.request(AuditionRelease((60,)))
        peak_over(1.0)  # the release tail
        assert peak_over(0.3) < 1e-3, "a released key falls silent"
    finally:
        audition.stop()


def test_a_device_that_refuses_the_rate_plays_at_its_own(monkeypatch):
    """A device that takes only its own rate (as some USB interfaces do): the player opens at
    that rate, says so, and plays; the null sink is real, only its refusal is simulated."""
    need_audio()
    import sounddevice as sd

    own = int(sd.query_devices(kind="output")["default_samplerate"])
    wanted = 22050 if own != 22050 else 32000
    check = sd.check_output_settings

    def only_its_own_rate(*args, samplerate=None, **kwargs):
        if samplerate != own:
            raise sd.PortAudioError("Invalid sample rate", -9997)
        return check(*args, samplerate=samplerate, **kwargs)

    monkeypatch.setattr(sd, "check_output_settings", only_its_own_rate)
    with Player(sample_rate=wanted, blocksize=BLOCK) as player:
        assert player.sample_rate == own and player.master.sample_rate == own
        assert f"does not play {wanted} Hz" in player.warning and f"its {own} Hz" in player.warning
        player.load(band_song(bars=1), wait=True)
        player.play()
        assert wait_for(lambda: player.position_seconds > 0.3)
        assert player.underruns == 0
