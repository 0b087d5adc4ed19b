"""The ``Playback`` interface: both players share it, and listeners hear each change in order.

Each listener test runs on both players: the synth ``Player`` on a real stream on the test sound
server (skipped without it, see ``need_audio``) and ``MidiPortPlayer`` on the fake mido backend.
"""

from __future__ import annotations

import inspect
import logging
import subprocess
import sys
import threading
import time

import fake_midi_backend as fake
import mido
import pytest
from conftest import need_audio

from studio.audio.midi_messages import event_messages, messages_from
from studio.audio.midi_player import MidiPortPlayer
from studio.audio.playback import (
    Playback,
    PlaybackEvent,
    PlaybackListeners,
    PlaybackState,
    audition_request,
)
from studio.audio.player import Player
from studio.core.errors import InvalidInput
from studio.core.music import ControlChange, Note, PitchBend, Song, TempoChange, Track

E = PlaybackEvent
SHARED = {
    "load", "play", "pause", "stop", "seek", "is_playing", "position_beats", "position_seconds",
    "duration_seconds", "audition", "release", "add_listener", "remove_listener", "close",
}  # fmt: skip


def four_beats() -> Song:
    """Two seconds at 120 BPM: a program, a pedal press at 0.25 s, a bend at 1.25 s."""
    notes = tuple(Note(60 + i, i * 1.0, 1.0, 90) for i in range(4))
    track = Track(
        notes, program=40, controls=(ControlChange(0.5, 64, 127),),
        pitch_bends=(PitchBend(2.5, 1000),),
    )  # fmt: skip
    return Song((track,), tempos=(TempoChange(0, 120),))


def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.perf_counter() + seconds
    while not condition():
        assert time.perf_counter() < deadline, "timed out"
        time.sleep(0.01)


class Recorder:
    """A listener that keeps every state it gets and the name of the thread it ran on."""

    def __init__(self) -> None:
        self.states: list[PlaybackState] = []
        self.threads: set[str] = set()
        self._changed = threading.Condition()

    def __call__(self, state: PlaybackState) -> None:
        with self._changed:
            self.states.append(state)
            self.threads.add(threading.current_thread().name)
            self._changed.notify_all()

    @property
    def events(self) -> list[PlaybackEvent]:
        return [state.event for state in self.states]

    def wait_for(self, event: PlaybackEvent, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``event`` has arrived ``count`` times."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: self.events.count(event) >= count, timeout)
        assert arrived, f"no {event} after {timeout} s; got {self.events}"

    def last(self, event: PlaybackEvent) -> PlaybackState:
        return [state for state in self.states if state.event == event][-1]


@pytest.fixture
def fake_backend(monkeypatch):
    monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
    fake.reset()
    yield fake
    fake.reset()


@pytest.fixture(params=["synth", "midi port"])
def playback(request, monkeypatch):
    """An open player of each kind."""
    if request.param == "synth":
        need_audio()
        with Player() as player:
            yield player
    else:
        monkeypatch.setenv("MOTIF_MIDI_BACKEND", "fake_midi_backend")
        fake.reset()
        with MidiPortPlayer("fake-port") as player:
            yield player
        fake.reset()


# -- one interface ------------------------------------------------------------------------------


def test_both_players_are_playbacks(fake_backend):
    with MidiPortPlayer("fake-port") as port_player:
        assert isinstance(port_player, Playback)
    assert isinstance(Player(), Playback)  # a closed one too: nothing needs a device
    assert not isinstance(object(), Playback)


def signature(cls: type, name: str) -> tuple[str, inspect.Signature]:
    """Whether ``cls.name`` is a method or a property, and its (getter's) signature."""
    member = getattr(cls, name)
    if isinstance(member, property):
        return "property", inspect.signature(member.fget)
    return "method", inspect.signature(member)


def test_the_shared_methods_have_the_same_signatures():
    members = {name for name in vars(Playback) if not name.startswith("_")}
    assert members == SHARED
    for name in sorted(SHARED):
        expected = signature(Playback, name)
        assert signature(Player, name) == expected, name
        assert signature(MidiPortPlayer, name) == expected, name
    audition = inspect.signature(Playback.audition).parameters
    assert {name: p.default for name, p in audition.items() if name not in ("self", "pitches")} == {
        "velocity": 100, "duration": 0.4, "program": 0, "channel": 15
    }  # fmt: skip


def test_audition_requests_are_checked_the_same_way():
    request = audition_request(60)
    assert (request.pitches, request.velocity, request.duration) == ((60,), 100, 0.4)
    assert audition_request([60, 64], duration=-1).duration == 0.0
    for bad, message in [
        ({"pitches": 128}, "pitch 128"), ({"pitches": []}, "at least one pitch"),
        ({"velocity": 0}, "velocity 0"), ({"program": 128}, "program 128"),
        ({"channel": 16}, "channel 16"),
    ]:  # fmt: skip
        with pytest.raises(InvalidInput, match=message):
            audition_request(**{"pitches": 60, **bad})


def test_the_interface_imports_without_qt_torch_or_audio_libraries():
    code = (
        "import sys, studio.audio.playback; "
        "print(sorted({'PySide6', 'torch', 'sounddevice', 'fluidsynth', 'mido'} & {*sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- listeners, on both players -----------------------------------------------------------------


def test_listeners_hear_each_change_in_order(playback):
    heard = Recorder()
    playback.add_listener(heard)
    playback.add_listener(heard)  # twice: heard once
    song = four_beats()
    playback.load(song, wait=True)
    playback.play()
    wait_until(lambda: playback.position_beats > 0.4)
    playback.pause()
    playback.seek(beats=1.0)
    playback.play()
    playback.seek(beats=3.0)  # while playing
    heard.wait_for(E.ENDED)
    playback.stop()
    playback.close()  # already stopped at the start: nothing to report
    assert heard.events == [
        E.LOADED, E.STARTED, E.PAUSED, E.SEEKED, E.STARTED, E.SEEKED, E.ENDED, E.STOPPED
    ]  # fmt: skip
    assert heard.threads == {"playback-listeners"}  # never the caller's thread
    loaded, started, paused, seeked, resumed, jumped, ended, stopped = heard.states
    assert loaded.duration_seconds == pytest.approx(2.0) and not loaded.playing
    assert started.playing and started.position_beats < 0.2
    assert not paused.playing and 0.4 < paused.position_beats < 1.0
    assert not seeked.playing and seeked.position_beats == pytest.approx(1.0, abs=1e-3)
    assert resumed.playing and resumed.position_beats == pytest.approx(1.0, abs=0.1)
    assert jumped.playing and jumped.position_beats == pytest.approx(3.0, abs=0.1)
    assert not ended.playing and ended.position_seconds >= 2.0
    assert not stopped.playing and stopped.position_seconds == 0.0
    assert all(state.error is None for state in heard.states)


def test_a_listener_may_call_the_player(playback):
    """Replay from the start on reaching the end, as a "repeat" button would."""
    heard = Recorder()
    replays = []

    def repeat_once(state: PlaybackState) -> None:
        if state.event == E.ENDED and not replays:
            replays.append(state)
            playback.play()

    playback.add_listener(repeat_once)
    playback.add_listener(heard)
    playback.load(four_beats(), wait=True)
    playback.seek(beats=3.5)
    playback.play()
    heard.wait_for(E.ENDED, count=2)
    assert heard.events == [E.LOADED, E.SEEKED, E.STARTED, E.ENDED, E.STARTED, E.ENDED]
    assert heard.states[4].position_beats < 0.2  # from the start again


def test_a_removed_listener_hears_nothing_more(playback):
    gone, kept = Recorder(), Recorder()
    playback.add_listener(gone)  # called before ``kept`` for each change
    playback.add_listener(kept)
    playback.load(four_beats(), wait=True)
    kept.wait_for(E.LOADED)
    playback.remove_listener(gone)
    playback.remove_listener(print)  # never added: ignored
    playback.play()
    playback.stop()
    kept.wait_for(E.STOPPED)
    assert gone.events == [E.LOADED]
    assert kept.events == [E.LOADED, E.STARTED, E.STOPPED]


def test_a_failing_listener_does_not_break_playback(playback, caplog):
    def broken(state: PlaybackState) -> None:
        raise RuntimeError("a bug in a listener")

    heard = Recorder()
    playback.add_listener(broken)
    playback.add_listener(heard)
    with caplog.at_level(logging.ERROR, logger="studio.audio.playback"):
        playback.load(four_beats(), wait=True)
        playback.seek(beats=3.0)
        playback.play()
        assert playback.is_playing
        heard.wait_for(E.ENDED)
    assert heard.events == [E.LOADED, E.SEEKED, E.STARTED, E.ENDED]
    assert playback.error is None
    failures = [r for r in caplog.records if "playback listener" in r.getMessage()]
    assert len(failures) == 4
    assert all(str(r.exc_info[1]) == "a bug in a listener" for r in failures)
    playback.play()  # the player still works
    assert playback.is_playing


def test_close_delivers_the_last_changes_before_it_returns(playback):
    heard = Recorder()
    playback.add_listener(heard)
    playback.load(four_beats(), wait=True)
    playback.play()
    playback.close()
    assert heard.events == [E.LOADED, E.STARTED, E.STOPPED]
    assert not playback.is_playing


def test_play_needs_a_loaded_song(playback):
    with pytest.raises(InvalidInput, match="load a song"):
        playback.play()


def test_bad_seeks_are_refused(playback):
    with pytest.raises(InvalidInput, match="exactly one"):
        playback.seek()
    with pytest.raises(InvalidInput, match="exactly one"):
        playback.seek(seconds=1.0, beats=2.0)
    with pytest.raises(InvalidInput, match="before the start"):
        playback.seek(beats=-1.0)


# -- the synth player ---------------------------------------------------------------------------


def test_a_lost_device_is_reported_to_listeners():
    need_audio()
    heard = Recorder()
    with Player() as player:
        player.add_listener(heard)
        player.load(four_beats(), wait=True)

        def device_gone(out):
            raise OSError("device unplugged")

        player._transport.fill = device_gone  # what a vanished device does to the callback
        player.play()
        heard.wait_for(E.ERROR)
    assert heard.events == [E.LOADED, E.STARTED, E.ERROR]
    assert "device unplugged" in heard.last(E.ERROR).error
    assert not heard.last(E.ERROR).playing


# -- the MIDI port player -----------------------------------------------------------------------


def test_resuming_in_the_middle_sends_the_settings_made_before(fake_backend):
    with MidiPortPlayer("fake-port") as player:
        player.load(four_beats())
        player.seek(seconds=0.4)  # after the program (0 s) and the pedal (0.25 s)
        player.play()
        time.sleep(0.2)
        player.pause()
        assert player.position_seconds == pytest.approx(0.6, abs=0.05)
        assert fake.sent_messages() == [
            mido.Message("program_change", channel=0, program=40),  # at once
            mido.Message("control_change", channel=0, control=64, value=127),
            mido.Message("note_off", channel=0, note=60),  # at 0.5 s
            mido.Message("note_on", channel=0, note=61, velocity=90),
            mido.Message("note_off", channel=0, note=61),  # paused: silenced
            mido.Message("control_change", channel=0, control=123, value=0),
        ]


def test_messages_from_keeps_the_last_setting_of_each_controller():
    song = Song(
        (Track((Note(60, 0, 4, 90),), program=5,
               controls=(ControlChange(0, 7, 50), ControlChange(1, 64, 127),
                         ControlChange(2, 7, 90)),
               pitch_bends=(PitchBend(1, 500), PitchBend(3, 0))),),
        tempos=(TempoChange(0, 60),),
    )  # fmt: skip
    got = [(at, str(m)) for at, m in messages_from(event_messages(song), 2.5)]
    assert got == [
        (2.5, "program_change channel=0 program=5 time=0"),
        (2.5, "control_change channel=0 control=64 value=127 time=0"),
        (2.5, "pitchwheel channel=0 pitch=500 time=0"),
        (2.5, "control_change channel=0 control=7 value=90 time=0"),
        (3.0, "pitchwheel channel=0 pitch=0 time=0"),
        (4.0, "note_off channel=0 note=60 velocity=64 time=0"),
    ]
    assert messages_from(event_messages(song), 0.0) == event_messages(song)


def test_loading_while_playing_keeps_the_beat(fake_backend):
    heard = Recorder()
    with MidiPortPlayer("fake-port") as player:
        player.add_listener(heard)
        player.load(four_beats())
        player.play()
        time.sleep(0.5)  # one beat at 120 BPM
        slower = Song(four_beats().tracks, tempos=(TempoChange(0, 60),))  # an edit: half tempo
        player.load(slower)
        heard.wait_for(E.LOADED, count=2)
        assert player.is_playing
        reloaded = heard.last(E.LOADED)
        assert reloaded.playing and reloaded.position_beats == pytest.approx(1.0, abs=0.1)
        assert reloaded.duration_seconds == pytest.approx(4.0)
        time.sleep(0.5)
        assert player.position_beats == pytest.approx(1.5, abs=0.1)  # now 1 beat per second


def test_a_failing_port_stops_playing_with_an_error(fake_backend, monkeypatch):
    heard = Recorder()
    with MidiPortPlayer("fake-port") as player:
        player.add_listener(heard)
        player.load(four_beats())
        real_send = player._port.send

        def unplugged(message):
            if message.type == "note_on" and message.note == 61:
                raise OSError("port unplugged")
            real_send(message)

        monkeypatch.setattr(player._port, "send", unplugged)
        player.play()
        heard.wait_for(E.ERROR)
        assert not player.is_playing
        assert player.error == "MIDI output 'fake-port' failed: OSError: port unplugged"
        assert heard.last(E.ERROR).position_beats == pytest.approx(1.0, abs=0.1)
    assert heard.events == [E.LOADED, E.STARTED, E.ERROR]


def test_post_reads_the_state_on_the_listener_thread(fake_backend):
    """What the synth's audio callback does at the end of a song: queue only the event."""
    with MidiPortPlayer("fake-port") as player:
        listeners = PlaybackListeners(player)
        heard = Recorder()
        listeners.post(E.ENDED)  # no listeners yet: dropped
        listeners.add(heard)
        player.load(four_beats())
        player.seek(beats=2.0)
        listeners.post(E.ENDED)
        listeners.close()
    assert heard.events == [E.ENDED]
    assert heard.states[0].position_beats == pytest.approx(2.0)
