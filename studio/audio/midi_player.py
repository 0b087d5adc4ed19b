"""``MidiPortPlayer``: play a song to an external MIDI port and audition notes there.

It implements the ``Playback`` interface (``studio.audio.playback``), which it shares with the
synth ``Player``; the messages come from ``midi_messages`` and the port from ``midi_ports``.
Plain Python: no Qt, no torch.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

import mido

from studio.audio.midi_messages import event_messages, messages_from
from studio.audio.midi_ports import (
    ALL_NOTES_OFF,
    MidiPortsUnavailable,
    backend_call,
    find_port,
    midi_backend,
)
from studio.audio.playback import (
    AUDITION_CHANNEL,
    AUDITION_PROGRAM,
    AUDITION_SECONDS,
    AUDITION_VELOCITY,
    AuditionRequest,
    PlaybackEvent,
    PlaybackListener,
    PlaybackListeners,
    audition_pitches,
    audition_request,
)
from studio.core.errors import InvalidInput
from studio.core.music import Song


class MidiPortPlayer:
    """Plays songs and auditions notes on a MIDI output port: a ``Playback``.

    Songs play on a timing thread; ``send`` calls are serialized by mido's port lock, so
    auditions and playback can overlap. Playing from the middle of a song (after ``seek`` or
    ``pause``) first sends the programs, controllers and pitch bends set before that point.
    ``add_listener`` to hear of changes (on the listener thread, see ``studio.audio.playback``).
    Use as a context manager, or call ``close()``.

    Attributes:
        name: the port's full name.
        error: why playing stopped (the port failed), or None once it plays again.
    """

    def __init__(self, name: str) -> None:
        """Open the output port called ``name`` (or the only one whose name contains it).

        Raises:
            MidiPortsUnavailable: no MIDI system, or no such port (the message lists the ports).
        """
        backend = midi_backend()
        names = backend_call(lambda: list(backend.get_output_names()))
        self.name = find_port(name, names, "output")
        self.error: str | None = None
        self._port = backend_call(backend.open_output, self.name)
        self._lock = threading.Lock()  # guards _sounding, _channels and _programs
        self._sounding: set[tuple[int, int]] = set()  # (channel, pitch) of notes now on
        self._channels: set[int] = set()  # channels used since the last silence
        self._programs: dict[int, int] = {}  # the last program sent on each channel
        self._song: Song | None = None
        self._messages: list[tuple[float, mido.Message]] = []
        self._duration = 0.0  # seconds
        self._control = threading.RLock()  # one transport change at a time (load, play, …)
        self._state = threading.Lock()  # guards the playing state below
        self._playing = False
        self._position = 0.0  # seconds into the song where the current run started, or stopped
        self._started = 0.0  # perf_counter() when the current run started
        self._stop_event = threading.Event()
        self._thread: threading.Thread | None = None
        self._timers: list[threading.Timer] = []
        self._listeners = PlaybackListeners(self)

    # -- sending --------------------------------------------------------------------------

    def _send(self, message: mido.Message) -> None:
        with self._lock:
            key = (message.channel, getattr(message, "note", -1))
            if message.type == "note_on" and message.velocity > 0:
                self._sounding.add(key)
            elif message.type in ("note_on", "note_off"):
                self._sounding.discard(key)
            elif message.type == "program_change":
                self._programs[message.channel] = message.program
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

    def _check_open(self) -> None:
        if self._port.closed:
            raise MidiPortsUnavailable(f"the MIDI output port {self.name!r} is closed")

    # -- songs ----------------------------------------------------------------------------

    def load(self, song: Song, *, wait: bool = False) -> None:
        """Play ``song`` from now on, at the same position in beats and in the same state.

        Listeners get ``LOADED``. Its messages are ready at once, so ``wait`` (there for the
        ``Playback`` interface) has nothing to wait for.
        """
        with self._control:
            messages = event_messages(song)
            beats = self.position_beats
            was_playing = self._halt()
            if was_playing:
                self._silence()
            self._song, self._messages, self._duration = song, messages, song.duration_seconds
            seconds = min(song.beats_to_seconds(beats), self._duration)
            if was_playing:
                self._start(seconds, PlaybackEvent.LOADED)
            else:
                with self._state:
                    self._position = seconds
                self._listeners.notify(PlaybackEvent.LOADED)

    def play(self) -> None:
        """Start or resume playing (from the start if the song had ended): ``STARTED``.

        Raises:
            InvalidInput: no song was loaded.
            MidiPortsUnavailable: the port is closed.
        """
        with self._control:
            self._check_open()
            if self._song is None:
                raise InvalidInput("load a song before playing")
            with self._state:
                if self._playing:
                    return
                seconds = self._position
            self._start(0.0 if seconds >= self._duration else seconds, PlaybackEvent.STARTED)

    def pause(self) -> None:
        """Stop playing, keep the position and release the sounding notes: ``PAUSED`` if it
        was playing."""
        with self._control:
            if self._halt():
                self._silence()
                self._listeners.notify(PlaybackEvent.PAUSED)

    def stop(self) -> None:
        """Stop playing, go back to the start and silence the port (note-offs, then CC 123 on
        each channel used): ``STOPPED`` unless it was stopped there."""
        with self._control:
            was_playing = self._halt()
            with self._state:
                changed = was_playing or self._position != 0
                self._position = 0.0
            if not self._port.closed:
                self._silence()
            if changed:
                self._listeners.notify(PlaybackEvent.STOPPED)

    def seek(self, seconds: float | None = None, beats: float | None = None) -> None:
        """Jump to a position in seconds or in beats (exactly one): ``SEEKED``. Playing goes on
        from there if it was playing (notes sounding at the old position are released).

        Raises:
            InvalidInput: neither or both given, or a negative position.
        """
        with self._control:
            if (seconds is None) == (beats is None):
                raise InvalidInput("seek needs exactly one of seconds and beats")
            if (seconds if seconds is not None else beats) < 0:
                raise InvalidInput("cannot seek before the start")
            if seconds is None:
                seconds = (self._song or Song()).beats_to_seconds(beats)
            if self._song is not None:
                seconds = min(seconds, self._duration)
            if self._halt():
                self._silence()
                self._start(seconds, PlaybackEvent.SEEKED)
            else:
                with self._state:
                    self._position = seconds
                self._listeners.notify(PlaybackEvent.SEEKED)

    def _start(self, seconds: float, event: PlaybackEvent) -> None:
        """Play from ``seconds`` into the song on a new timing thread (none may be running);
        listeners get ``event`` before anything else happens."""
        messages = messages_from(self._messages, seconds)
        stop = threading.Event()
        started = time.perf_counter()
        self.error = None
        with self._state:
            self._playing, self._position, self._started = True, seconds, started
            self._stop_event = stop
            self._thread = threading.Thread(
                target=self._run, args=(messages, started, seconds, self._duration, stop),
                name="midi-port-player", daemon=True,
            )  # fmt: skip
        self._listeners.notify(event)
        self._thread.start()

    def _halt(self) -> bool:
        """End the timing thread, keeping the position; whether it was playing."""
        with self._state:
            was_playing = self._playing
            if was_playing:
                self._position = self._position_now()
                self._playing = False
            self._stop_event.set()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        return was_playing

    def _run(
        self,
        messages: list[tuple[float, mido.Message]],
        started: float,
        offset: float,
        duration: float,
        stop: threading.Event,
    ) -> None:
        """Send each message at its time (``offset`` seconds into the song at ``started``) until
        the song's end (``duration`` seconds) or ``stop``; then ``ENDED`` (or ``ERROR``)."""
        event = PlaybackEvent.ENDED
        try:
            for seconds, message in messages:
                delay = started + seconds - offset - time.perf_counter()
                if (delay > 0 and stop.wait(delay)) or stop.is_set():
                    return
                self._send(message)
            remaining = started + duration - offset - time.perf_counter()
            if remaining > 0 and stop.wait(remaining):
                return
        except Exception as error:  # the port failed (unplugged, closed, a backend error)
            self.error = f"MIDI output {self.name!r} failed: {type(error).__name__}: {error}"
            event = PlaybackEvent.ERROR
        with self._state:
            if stop.is_set():  # paused, stopped or moved on meanwhile
                return
            self._position = duration if event is PlaybackEvent.ENDED else self._position_now()
            self._playing = False
        self._listeners.notify(event)

    def _position_now(self) -> float:
        """Seconds into the song now (under ``_state``)."""
        if self._playing:
            return min(self._duration, self._position + time.perf_counter() - self._started)
        return self._position

    @property
    def is_playing(self) -> bool:
        """True while a song is playing (False when paused, stopped, at the end or failed)."""
        return self._playing

    @property
    def position_seconds(self) -> float:
        """Seconds into the loaded song (where it stopped, once it is not playing)."""
        with self._state:
            return self._position_now()

    @property
    def position_beats(self) -> float:
        """Position in the loaded song, in beats (following its tempo map)."""
        return (self._song or Song()).seconds_to_beats(self.position_seconds)

    @property
    def duration_seconds(self) -> float:
        """Length of the loaded song up to its last note, in seconds (0 before one is loaded)."""
        return self._duration

    # -- single notes ---------------------------------------------------------------------

    def audition(
        self,
        pitches: int | Iterable[int],
        velocity: int = AUDITION_VELOCITY,
        duration: float | None = AUDITION_SECONDS,
        program: int = AUDITION_PROGRAM,
        channel: int = AUDITION_CHANNEL,
    ) -> AuditionRequest:
        """Sound a note or chord now, without blocking (arguments as ``Playback.audition``).

        A program change goes first unless ``program`` is the channel's program already. The
        returned request has sounded (``latency``): its note-ons were sent.

        Raises:
            InvalidInput: a value is out of range.
            MidiPortsUnavailable: the port is closed.
        """
        request = audition_request(pitches, velocity, duration, program, channel)
        self._check_open()
        with self._lock:
            known = self._programs.get(channel)
        if known != program:
            self._send(mido.Message("program_change", channel=channel, program=program))
        for pitch in request.pitches:
            self._send(mido.Message("note_on", channel=channel, note=pitch, velocity=velocity))
        request.sounded_at = time.perf_counter()
        if request.duration is not None:
            timer = threading.Timer(request.duration, self._release, (request.pitches, channel))
            timer.daemon = True
            self._timers = [t for t in self._timers if t.is_alive()] + [timer]
            timer.start()
        return request

    def release(self, pitches: int | Iterable[int], channel: int = AUDITION_CHANNEL) -> None:
        """Let go of notes started with ``audition(..., duration=None)``.

        Raises:
            MidiPortsUnavailable: the port is closed.
        """
        pitches = audition_pitches(pitches)
        self._check_open()
        self._release(pitches, channel)

    def _release(self, pitches: tuple[int, ...], channel: int) -> None:
        try:
            for pitch in pitches:
                self._send(mido.Message("note_off", channel=channel, note=pitch))
        except ValueError:  # the port was closed meanwhile; closing released the notes
            pass

    # -- listeners and life cycle ---------------------------------------------------------

    def add_listener(self, listener: PlaybackListener) -> None:
        """Call ``listener(state)`` on every change from now on (adding it twice: once).

        It runs on the player's listener thread, never the caller's: see
        ``studio.audio.playback``.
        """
        self._listeners.add(listener)

    def remove_listener(self, listener: PlaybackListener) -> None:
        """Stop calling ``listener`` (one that was not added is ignored)."""
        self._listeners.remove(listener)

    def close(self) -> None:
        """Stop (``STOPPED`` if it was playing), release auditioned notes and close the port.
        Listeners get the queued changes before it returns. Calling it again does nothing."""
        with self._control:
            if self._port.closed:
                return
            if self.is_playing:
                self.stop()
            self._halt()  # a timing thread that has just ended by itself
            for timer in self._timers:
                timer.cancel()
            self._timers = []
            self._silence()
            backend_call(self._port.close)
        self._listeners.close()  # unlocked: a listener may be waiting to call the player

    def __enter__(self) -> MidiPortPlayer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
