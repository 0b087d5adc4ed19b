"""MIDI ports for real against a fake mido backend, and the real rtmidi backend on this machine."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import fake_midi_backend as fake
import mido
import pytest
from conftest import need_audio

from studio.audio.midi_messages import event_messages
from studio.audio.midi_player import MidiPortPlayer
from studio.audio.midi_ports import MidiKeyboard, MidiPortsUnavailable, list_ports
from studio.core.errors import InvalidInput
from studio.core.midi_write import write_midi
from studio.core.music import ControlChange, Note, PitchBend, Song, TempoChange, Track

TESTS = Path(__file__).resolve().parent.parent
HAS_SEQUENCER = Path("/dev/snd/seq").exists()


@pytest.fixture
def fake_backend(monkeypatch):
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    fake.reset()
    yield fake
    fake.reset()


def short_song() -> Song:
    """Half a second of eighths at 120 BPM (0.25 s each), a pedal press and a bend."""
    melody = Track(
        tuple(Note(60 + i, i * 0.5, 0.5, 90) for i in range(2)),
        program=40,
        controls=(ControlChange(0.5, 64, 127),),
        pitch_bends=(PitchBend(0.75, 1000),),
    )
    drums = Track((Note(36, 0.0, 0.25, 100),), is_drum=True)
    return Song((melody, drums), tempos=(TempoChange(0, 120),))


def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.perf_counter() + seconds
    while not condition():
        assert time.perf_counter() < deadline, "timed out"
        time.sleep(0.01)


def test_list_ports(fake_backend):
    assert list_ports() == {"outputs": ["fake-port", "Fake Synth 2"], "inputs": ["fake-keys"]}


def test_events_become_midi_messages_in_order():
    got = [(round(s, 3), str(m)) for s, m in event_messages(short_song())]
    assert got == [
        (0.0, "program_change channel=0 program=40 time=0"),
        (0.0, "note_on channel=0 note=60 velocity=90 time=0"),
        (0.0, "note_on channel=9 note=36 velocity=100 time=0"),
        (0.125, "note_off channel=9 note=36 velocity=64 time=0"),
        (0.25, "note_off channel=0 note=60 velocity=64 time=0"),
        (0.25, "control_change channel=0 control=64 value=127 time=0"),
        (0.25, "note_on channel=0 note=61 velocity=90 time=0"),
        (0.375, "pitchwheel channel=0 pitch=1000 time=0"),
        (0.5, "note_off channel=0 note=61 velocity=64 time=0"),
    ]


def test_playing_sends_the_messages_in_order_and_on_time(fake_backend):
    song = short_song()
    expected = event_messages(song)
    with MidiPortPlayer("fake-port") as player:
        player.load(song)
        player.play()
        assert player.is_playing
        wait_until(lambda: not player.is_playing)
        assert player.position_seconds == pytest.approx(song.duration_seconds)
    sent = [(stamp, message) for name, stamp, message in fake.SENT if name == "fake-port"]
    assert [m for _, m in sent[: len(expected)]] == [m for _, m in expected]
    start = sent[0][0]
    errors = [
        abs((stamp - start) - seconds)
        for (stamp, _), (seconds, _) in zip(sent, expected, strict=False)
    ]
    print(f"MIDI port timing error: max {max(errors) * 1000:.2f} ms over {len(errors)} messages")
    assert max(errors) < 0.050


def test_stop_silences_the_used_channels_and_goes_back_to_the_start(fake_backend):
    song = Song((Track((Note(60, 0, 8, 90),)),), tempos=(TempoChange(0, 120),))  # 4 s long
    with MidiPortPlayer("fake-port") as player:
        player.load(song)
        player.play()
        wait_until(lambda: any(m.type == "note_on" for m in fake.sent_messages()))
        player.stop()
        assert not player.is_playing
        assert player.position_seconds == 0.0
        sent = fake.sent_messages()
        assert sent[-2:] == [
            mido.Message("note_off", channel=0, note=60),
            mido.Message("control_change", channel=0, control=123, value=0),
        ]
        time.sleep(0.1)
        assert fake.sent_messages() == sent  # nothing more after stop


def test_audition_sends_the_program_then_note_on_then_off(fake_backend):
    with MidiPortPlayer("fake-port") as player:
        request = player.audition([60, 64], velocity=80, duration=0.05, program=40, channel=2)
        assert request.latency is not None and 0 <= request.latency < 0.05
        wait_until(lambda: len(fake.sent_messages()) >= 5)
        program = [mido.Message("program_change", channel=2, program=40)]
        on = [mido.Message("note_on", channel=2, note=p, velocity=80) for p in (60, 64)]
        off = [mido.Message("note_off", channel=2, note=p) for p in (60, 64)]
        assert fake.sent_messages() == program + on + off
        stamps = [stamp for _, stamp, _ in fake.SENT]
        assert 0.04 < stamps[3] - stamps[1] < 0.5
        player.audition(67, duration=0.01, program=40, channel=2)  # the program is set already
        wait_until(lambda: len(fake.sent_messages()) >= 7)
        assert fake.sent_messages()[5:] == [
            mido.Message("note_on", channel=2, note=67, velocity=100),
            mido.Message("note_off", channel=2, note=67),
        ]


def test_a_held_audition_sounds_until_released(fake_backend):
    with MidiPortPlayer("fake-port") as player:
        player.audition(62, duration=None)  # the defaults: velocity 100, program 0, channel 15
        time.sleep(0.1)
        assert fake.sent_messages() == [
            mido.Message("program_change", channel=15, program=0),
            mido.Message("note_on", channel=15, note=62, velocity=100),
        ]
        player.release(62)
        assert fake.sent_messages()[-1] == mido.Message("note_off", channel=15, note=62)


def test_audition_rejects_out_of_range_notes(fake_backend):
    with MidiPortPlayer("fake-port") as player, pytest.raises(InvalidInput, match="pitch 128"):
        player.audition([128])


def test_a_port_can_be_named_by_part_of_its_name(fake_backend):
    with MidiPortPlayer("synth 2") as player:
        assert player.name == "Fake Synth 2"


def test_keyboard_notes_reach_the_callback(fake_backend):
    heard = []
    with MidiKeyboard("fake-keys", lambda pitch, velocity: heard.append((pitch, velocity))):
        fake.inject("fake-keys", mido.Message("note_on", note=60, velocity=99))
        fake.inject("fake-keys", mido.Message("control_change", control=64, value=127))
        fake.inject("fake-keys", mido.Message("note_off", note=60, velocity=40))
        fake.inject("fake-keys", mido.Message("note_on", note=62, velocity=0))
    assert heard == [(60, 99), (60, 0), (62, 0)]
    assert "fake-keys" not in fake.OPEN_INPUTS  # closed


def test_an_unknown_port_is_a_clear_error(fake_backend):
    with pytest.raises(MidiPortsUnavailable) as error:
        MidiPortPlayer("nosuch")
    assert str(error.value) == (
        "no MIDI output port named 'nosuch' (available: 'fake-port', 'Fake Synth 2')"
    )
    with pytest.raises(MidiPortsUnavailable, match=r"no MIDI input port named 'x'.*'fake-keys'"):
        MidiKeyboard("x", lambda pitch, velocity: None)


def test_a_missing_backend_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "no_such_midi_backend")
    with pytest.raises(MidiPortsUnavailable, match=r"^MIDI ports unavailable: No module named"):
        list_ports()


@pytest.mark.skipif(HAS_SEQUENCER, reason="this machine has an ALSA sequencer")
def test_rtmidi_without_a_sequencer_is_unavailable_and_quiet(monkeypatch, capfd):
    monkeypatch.delenv("MOTIF_MIDI_BACKEND", raising=False)
    with pytest.raises(MidiPortsUnavailable, match=r"^MIDI ports unavailable: .*ALSA sequencer"):
        list_ports()
    with pytest.raises(MidiPortsUnavailable):
        MidiPortPlayer("anything")
    assert "ALSA lib" not in capfd.readouterr().err


@pytest.mark.skipif(HAS_SEQUENCER, reason="this machine has an ALSA sequencer")
def test_studio_ports_without_a_sequencer_is_one_line_and_exit_2(studio, monkeypatch):
    monkeypatch.delenv("MOTIF_MIDI_BACKEND", raising=False)
    result = studio("ports")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "studio: error: MIDI ports unavailable: "
        "this machine has no ALSA sequencer (it comes with the snd-seq kernel module)"
    ]
    assert result.stdout == ""


def test_studio_ports_lists_the_ports(studio, monkeypatch):
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = studio("ports", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == list_ports_of_fake()
    text = studio("ports").stdout
    assert text == "MIDI outputs:\n  fake-port\n  Fake Synth 2\nMIDI inputs:\n  fake-keys\n"


def list_ports_of_fake() -> dict:
    return {"outputs": fake.get_output_names(), "inputs": fake.get_input_names()}


def test_studio_play_through_a_midi_port(studio, monkeypatch, tmp_path):
    song = Song((Track((Note(60, 0, 0.5, 90), Note(62, 0.5, 0.5, 90))),), (TempoChange(0, 120),))
    path = tmp_path / "two.mid"
    write_midi(song, path)
    log = tmp_path / "sent.txt"
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("FAKE_MIDI_LOG", str(log))
    started = time.perf_counter()
    result = studio("play", str(path), "--midi-out", "fake-port", "--json")
    assert result.returncode == 0, result.stderr
    assert time.perf_counter() - started >= 0.5  # it played in real time
    report = json.loads(result.stdout)
    assert report["midi_output"] == "fake-port"
    assert report["seconds"] == pytest.approx(0.5)
    assert report["played_seconds"] == pytest.approx(0.5)
    lines = log.read_text().splitlines()
    assert [line.split("\t")[1] for line in lines] == [
        "program_change channel=0 program=0 time=0",
        "note_on channel=0 note=60 velocity=90 time=0",
        "note_off channel=0 note=60 velocity=64 time=0",
        "note_on channel=0 note=62 velocity=90 time=0",
        "note_off channel=0 note=62 velocity=64 time=0",
        "control_change channel=0 control=123 value=0 time=0",
    ]
    # Without --json, the position line is shown as for the synthesizer.
    shown = studio("play", str(path), "--midi-out", "fake-port")
    assert shown.returncode == 0, shown.stderr
    assert shown.stderr.strip().endswith("0:00 / 0:00")


def test_studio_play_to_an_unknown_midi_port_is_one_line(studio, monkeypatch, tmp_path):
    path = tmp_path / "one.mid"
    write_midi(Song((Track((Note(60, 0, 1, 90),)),)), path)
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = studio("play", str(path), "--midi-out", "nosuch")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "studio: error: no MIDI output port named 'nosuch' (available: 'fake-port', 'Fake Synth 2')"
    ]


def test_midi_ports_import_without_qt_or_torch():
    code = (
        "import sys, studio.audio.midi_ports; print(sorted({'PySide6', 'torch'} & {*sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_keyboard_plays_through_the_player_while_keys_are_held(fake_backend):
    need_audio()
    from studio.audio.player import Player

    with Player() as player:
        pressed = []

        def on_note(pitch: int, velocity: int) -> None:
            if velocity:
                pressed.append(player.audition(pitch, velocity=velocity, duration=None))
            else:
                player.release(pitch)

        with MidiKeyboard("fake-keys", on_note):
            fake.inject("fake-keys", mido.Message("note_on", note=64, velocity=100))
            deadline = time.perf_counter() + 3
            while pressed[0].sounded_at is None and time.perf_counter() < deadline:
                time.sleep(0.01)
            fake.inject("fake-keys", mido.Message("note_off", note=64))
        assert pressed[0].sounded_at is not None, "the key was heard"
        print(f"\nkeyboard to sound: {pressed[0].latency * 1000:.1f} ms")


def test_studio_play_with_an_unknown_midi_input_is_one_line(studio, monkeypatch, tmp_path):
    need_audio()
    path = tmp_path / "one.mid"
    write_midi(Song((Track((Note(60, 0, 1, 90),)),)), path)
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = studio("play", str(path), "--midi-in", "nosuch")
    assert result.returncode == 2
    ours = [line for line in result.stderr.splitlines() if not line.startswith("ALSA lib ")]
    assert len(ours) == 1  # (ALSA's C library may add an underrun notice on a busy machine)
    assert "no MIDI input port named 'nosuch'" in ours[0]
