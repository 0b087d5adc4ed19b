"""External MIDI ports through mido: play a song to a port, audition notes, read a keyboard.

An alternative to the internal synthesizer for users with hardware or a DAW. The mido backend is
``mido.backends.rtmidi`` unless the environment variable ``MOTIF_MIDI_BACKEND`` names another
module (the tests use ``fake_midi_backend``). Every backend call goes through ``_backend_call``,
so a machine without a MIDI system (no ALSA sequencer, no rtmidi) gives one
``MidiPortsUnavailable`` message instead of a traceback, and libasound's C-level complaints stay
off the terminal. Plain Python: no Qt, no torch.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import mido

from studio.audio.render import song_events
from studio.core.errors import InvalidInput, StudioError
from studio.core.music import Song

BACKEND_VARIABLE = "MOTIF_MIDI_BACKEND"
DEFAULT_BACKEND = "mido.backends.rtmidi"
ALL_NOTES_OFF = 123
"""MIDI controller number of "All Notes Off"."""


class MidiPortsUnavailable(StudioError):
    """No MIDI port can be used; the message says why (no backend, no sequencer, unknown port)."""


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null for a moment (libasound prints there from C)."""
    with suppress(AttributeError, OSError, ValueError):
        sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _backend_call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a mido backend function quietly, turning a missing MIDI system into our error."""
    try:
        with _quiet_stderr():
            return function(*args, **kwargs)
    except (ImportError, OSError) as error:  # rtmidi's errors are OSError subclasses
        reason = str(error).strip() or type(error).__name__
        raise MidiPortsUnavailable(f"MIDI ports unavailable: {reason}") from error


def _backend() -> mido.Backend:
    return mido.Backend(os.environ.get(BACKEND_VARIABLE) or DEFAULT_BACKEND, use_environ=False)


def list_ports() -> dict[str, list[str]]:
    """Names of the MIDI ports, as ``{"outputs": [...], "inputs": [...]}``.

    Raises:
        MidiPortsUnavailable: no backend library or no MIDI system (e.g. no ALSA sequencer).
    """
    backend = _backend()
    outputs = _backend_call(lambda: list(backend.get_output_names()))
    inputs = _backend_call(lambda: list(backend.get_input_names()))
    return {"outputs": outputs, "inputs": inputs}


def _find_port(wanted: str, names: list[str], kind: str) -> str:
    """The port called ``wanted``, or the only one whose name contains it (ignoring case)."""
    if wanted in names:
        return wanted
    matches = [name for name in names if wanted.lower() in name.lower()]
    if len(matches) == 1:
        return matches[0]
    available = ", ".join(repr(name) for name in names) or "none"
    problem = "matches several" if matches else "no"
    raise MidiPortsUnavailable(
        f"{problem} MIDI {kind} port{'s' if matches else ''} named {wanted!r} "
        f"(available: {available})"
    )


def _check_midi(value: int, what: str, high: int = 127) -> int:
    if not 0 <= value <= high:
        raise InvalidInput(f"{what} {value} is outside the MIDI range 0–{high}")
    return value


def event_messages(song: Song) -> list[tuple[float, mido.Message]]:
    """The song's events as ``(seconds, message)`` pairs in playing order.

    General MIDI already plays channel 9 as drums, so the synth-only "drums" events are dropped.
    """
    messages = []
    for event in song_events(song):
        kind, channel = event.kind, event.channel
        if kind == "note_on":
            message = mido.Message("note_on", channel=channel, note=event.a, velocity=event.b)
        elif kind == "note_off":
            message = mido.Message("note_off", channel=channel, note=event.a)
        elif kind == "control":
            message = mido.Message(
                "control_change", channel=channel, control=event.a, value=event.b
            )
        elif kind == "bend":
            message = mido.Message("pitchwheel", channel=channel, pitch=event.a)
        elif kind == "program":
            message = mido.Message("program_change", channel=channel, program=event.a)
        else:
            continue
        messages.append((event.seconds, message))
    return messages


class MidiPortPlayer:
    """Plays songs and auditions notes on a MIDI output port.

    Songs play on a timing thread; ``send`` calls are serialized by mido's port lock, so
    auditions and playback can overlap. Use as a context manager, or call ``close()``.
    """

    def __init__(self, name: str) -> None:
        """Open the output port called ``name`` (or the only one whose name contains it).

        Raises:
            MidiPortsUnavailable: no MIDI system, or no such port (the message lists the ports).
        """
        backend = _backend()
        names = _backend_call(lambda: list(backend.get_output_names()))
        self.name = _find_port(name, names, "output")
        self._port = _backend_call(backend.open_output, self.name)
        self._lock = threading.Lock()
        self._sounding: set[tuple[int, int]] = set()  # (channel, pitch) of notes now on
        self._channels: set[int] = set()  # channels used since the last stop
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0  # perf_counter() when the current song started
        self._stopped_at = 0.0  # seconds into the song where it ended or was stopped
        self._duration = 0.0
        self._timers: list[threading.Timer] = []

    # -- sending --------------------------------------------------------------------------

    def _send(self, message: mido.Message) -> None:
        with self._lock:
            key = (message.channel, getattr(message, "note", -1))
            if message.type == "note_on" and message.velocity > 0:
                self._sounding.add(key)
            elif message.type in ("note_on", "note_off"):
                self._sounding.discard(key)
            self._channels.add(message.channel)
        self._port.send(message)

    def _silence(self) -> None:
        """Release every note this player started, then send All Notes Off on its channels."""
        with self._lock:
            sounding, self._sounding = sorted(self._sounding), set()
            channels, self._channels = sorted(self._channels), set()
        for channel, pitch in sounding:
            self._port.send(mido.Message("note_off", channel=channel, note=pitch))
        for channel in channels:
            self._port.send(
                mido.Message("control_change", channel=channel, control=ALL_NOTES_OFF, value=0)
            )

    # -- songs ----------------------------------------------------------------------------

    def play(self, song: Song) -> None:
        """Start playing ``song`` from its beginning (stopping what was playing)."""
        self.stop()
        messages = event_messages(song)
        self._duration = song.duration_seconds
        self._stopped_at = 0.0
        self._stop_event = threading.Event()
        self._started = time.perf_counter()
        self._thread = threading.Thread(
            target=self._run, args=(messages, self._started, self._stop_event),
            name="midi-port-player", daemon=True,
        )  # fmt: skip
        self._thread.start()

    def _run(
        self, messages: list[tuple[float, mido.Message]], started: float, stop: threading.Event
    ) -> None:
        """Send each message at its time (seconds after ``started``) until done or stopped."""
        for seconds, message in messages:
            delay = started + seconds - time.perf_counter()
            if (delay > 0 and stop.wait(delay)) or stop.is_set():
                return
            self._send(message)
        remaining = started + self._duration - time.perf_counter()
        if remaining > 0 and stop.wait(remaining):
            return
        self._stopped_at = self._duration

    def stop(self) -> None:
        """Stop the song (if any) and silence the port: note-offs, then CC 123 per channel."""
        thread = self._thread
        if thread is None:
            return
        if thread.is_alive():
            self._stopped_at = self.position_seconds
            self._stop_event.set()
            thread.join()
        self._thread = None
        self._silence()

    @property
    def is_playing(self) -> bool:
        """True while a song is playing."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def position_seconds(self) -> float:
        """Seconds into the current song (where it stopped, once it is not playing)."""
        if self.is_playing:
            return min(self._duration, time.perf_counter() - self._started)
        return self._stopped_at

    @property
    def duration_seconds(self) -> float:
        """Length of the last song played, in seconds."""
        return self._duration

    # -- single notes ---------------------------------------------------------------------

    def audition(
        self,
        pitches: Iterable[int],
        velocity: int = 100,
        duration: float = 0.4,
        channel: int = 0,
    ) -> None:
        """Sound ``pitches`` now and release them ``duration`` seconds later (without blocking).

        Raises:
            InvalidInput: a pitch, the velocity or the channel is out of the MIDI range.
        """
        pitches = [_check_midi(pitch, "pitch") for pitch in pitches]
        _check_midi(velocity, "velocity")
        _check_midi(channel, "channel", 15)
        for pitch in pitches:
            self._send(mido.Message("note_on", channel=channel, note=pitch, velocity=velocity))

        def release() -> None:
            try:
                for pitch in pitches:
                    self._send(mido.Message("note_off", channel=channel, note=pitch))
            except ValueError:  # the port was closed meanwhile; closing released the notes
                pass

        timer = threading.Timer(max(0.0, duration), release)
        timer.daemon = True
        self._timers = [t for t in self._timers if t.is_alive()] + [timer]
        timer.start()

    # -- life cycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Stop, release auditioned notes and close the port (calling it again does nothing)."""
        if self._port.closed:
            return
        self.stop()
        for timer in self._timers:
            timer.cancel()
        self._timers = []
        self._silence()
        _backend_call(self._port.close)

    def __enter__(self) -> MidiPortPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class MidiKeyboard:
    """A MIDI input port whose notes are passed to ``on_note(pitch, velocity)``.

    Releases (note_off, or note_on with velocity 0) arrive with velocity 0. The callback runs on
    the backend's thread: a GUI must hand it over to its own thread (e.g. a queued signal).
    """

    def __init__(self, name: str, on_note: Callable[[int, int], None]) -> None:
        """Open the input port called ``name`` (or the only one whose name contains it).

        Raises:
            MidiPortsUnavailable: no MIDI system, or no such port (the message lists the ports).
        """
        backend = _backend()
        names = _backend_call(lambda: list(backend.get_input_names()))
        self.name = _find_port(name, names, "input")
        self._on_note = on_note
        self._port = _backend_call(backend.open_input, self.name, callback=self._receive)

    def _receive(self, message: mido.Message) -> None:
        if message.type == "note_on":
            self._on_note(message.note, message.velocity)
        elif message.type == "note_off":
            self._on_note(message.note, 0)

    def close(self) -> None:
        """Close the port; no more notes arrive."""
        if not self._port.closed:
            _backend_call(self._port.close)

    def __enter__(self) -> MidiKeyboard:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
