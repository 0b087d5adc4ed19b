"""The playback interface that the synth ``Player`` and the ``MidiPortPlayer`` share.

``Playback`` is what a caller (the window's thin Qt adapter, the ``play`` command) may rely on,
whichever player plays: ``load`` a song, ``play``/``pause``/``stop``/``seek``, read the position,
``audition`` notes, and hear about changes through listeners. ``PlaybackListeners`` is the one
implementation of the listeners that both players use.

Listeners and threads: a listener is called with a ``PlaybackState`` on the player's own
listener thread ("playback-listeners"), one event at a time and in the order the events
happened; never on the caller's thread, PortAudio's audio thread or under a player's lock. A Qt
adapter must therefore hand each state to the GUI thread (emit a signal from the listener; Qt
queues it across threads). A listener must return quickly and must not block: the next events
wait for it. An exception in a listener is logged and does not reach the player.

Units: positions and durations in beats (quarter notes) or seconds, as each name says; seconds
count the audio as it plays (for the synth player, at its current tempo factor).

Plain Python: no Qt, no torch, no audio libraries.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from studio.core.errors import InvalidInput

if TYPE_CHECKING:
    from studio.core.music import Song

__all__ = [
    "AUDITION_CHANNEL",
    "AUDITION_PROGRAM",
    "AUDITION_SECONDS",
    "AUDITION_VELOCITY",
    "AuditionRequest",
    "Playback",
    "PlaybackEvent",
    "PlaybackListener",
    "PlaybackListeners",
    "PlaybackState",
    "audition_pitches",
    "audition_request",
]

AUDITION_VELOCITY = 100
"""Default velocity (1–127) of an auditioned note."""
AUDITION_SECONDS = 0.4
"""Default time an auditioned key is held, in seconds."""
AUDITION_PROGRAM = 0
"""Default General MIDI program (0–127) of an audition: Acoustic Grand Piano."""
AUDITION_CHANNEL = 15
"""Default MIDI channel (0–15) of an audition: the last one, which songs use least."""

_log = logging.getLogger(__name__)


class PlaybackEvent(StrEnum):
    """What changed. Listeners get one ``PlaybackState`` per event."""

    LOADED = "loaded"
    """A song (or a new version of it: an edit, a tempo change) is ready to play."""
    STARTED = "started"
    """Playing started or resumed (``play``)."""
    PAUSED = "paused"
    """Playing stopped and the position stays (``pause``)."""
    STOPPED = "stopped"
    """Playing stopped and the position went back to the start (``stop``, ``close``)."""
    SEEKED = "seeked"
    """The position jumped (``seek``); playing goes on if it was playing."""
    ENDED = "ended"
    """The song played to its end (the synth: and its release tail); playing stopped and the
    position stays there, so the next ``play`` starts from the beginning."""
    ERROR = "error"
    """The device or port was lost, or a song failed to load: see ``PlaybackState.error``."""


@dataclass(frozen=True)
class PlaybackState:
    """A player's state right after an event (the end of a song on the synth: just after).

    Attributes:
        event: what changed.
        playing: whether it plays now.
        position_beats: the position, in beats.
        position_seconds: the position, in seconds.
        duration_seconds: the length of the loaded song up to its last note, in seconds.
        error: what went wrong (device or port lost, a failed load), or None.
    """

    event: PlaybackEvent
    playing: bool
    position_beats: float
    position_seconds: float
    duration_seconds: float
    error: str | None = None

    @classmethod
    def of(cls, player: Playback, event: PlaybackEvent) -> PlaybackState:
        """The state of ``player`` now, labelled with ``event``."""
        return cls(
            event, player.is_playing, player.position_beats, player.position_seconds,
            player.duration_seconds, player.error,
        )  # fmt: skip


PlaybackListener = Callable[[PlaybackState], None]
"""A change listener: called with the new state on the player's listener thread."""


@dataclass
class AuditionRequest:
    """One audition (a note or chord) and, once it sounds, its click-to-sound latency.

    Attributes:
        pitches: MIDI note numbers.
        velocity: 1–127.
        duration: how long the keys are held, in seconds; None holds them until ``release``
            (a key held on a MIDI keyboard).
        program: General MIDI program.
        channel: channel 0–15.
        requested_at: ``time.perf_counter()`` when it was asked for.
        sounded_at: ``time.perf_counter()`` when it started to sound, or None until then: for
            the synth, when its first non-silent block was handed to the device; for a MIDI
            port, when its note-ons were sent.
    """

    pitches: tuple[int, ...]
    velocity: int = AUDITION_VELOCITY
    duration: float | None = AUDITION_SECONDS
    program: int = AUDITION_PROGRAM
    channel: int = AUDITION_CHANNEL
    requested_at: float = field(default_factory=time.perf_counter)
    sounded_at: float | None = None

    @property
    def latency(self) -> float | None:
        """Seconds from the request to its first sound, or None if not heard yet."""
        return None if self.sounded_at is None else self.sounded_at - self.requested_at


def _check_range(value: int, what: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{what} {value} is outside the MIDI range {low}–{high}")
    return value


def audition_pitches(pitches: int | Iterable[int]) -> tuple[int, ...]:
    """One MIDI note number or several as a tuple, checked (0–127, at least one).

    Raises:
        InvalidInput: no pitch, or one outside 0–127.
    """
    pitches = (pitches,) if isinstance(pitches, int) else tuple(pitches)
    if not pitches:
        raise InvalidInput("an audition needs at least one pitch")
    return tuple(_check_range(pitch, "pitch", 0, 127) for pitch in pitches)


def audition_request(
    pitches: int | Iterable[int],
    velocity: int = AUDITION_VELOCITY,
    duration: float | None = AUDITION_SECONDS,
    program: int = AUDITION_PROGRAM,
    channel: int = AUDITION_CHANNEL,
) -> AuditionRequest:
    """A checked ``AuditionRequest`` for ``Playback.audition`` (arguments as there).

    Raises:
        InvalidInput: a pitch, the velocity (1–127), the program or the channel is out of range.
    """
    return AuditionRequest(
        audition_pitches(pitches),
        _check_range(velocity, "velocity", 1, 127),
        None if duration is None else max(0.0, float(duration)),
        _check_range(program, "program", 0, 127),
        _check_range(channel, "channel", 0, 15),
    )


@runtime_checkable
class Playback(Protocol):
    """Plays a ``Song`` and auditions notes; what ``Player`` and ``MidiPortPlayer`` share.

    Methods return at once (rendering and timing happen on the player's threads) and may be
    called from any thread. Changes are reported to listeners (see the module docstring for
    the thread they run on).

    Attributes:
        error: what went wrong (device or port lost, a failed load), or None.
    """

    error: str | None

    def load(self, song: Song, *, wait: bool = False) -> None:
        """Play ``song`` from now on, at the same position in beats and in the same state.

        Listeners get ``LOADED`` once it is ready. With ``wait``, block until then and raise
        its error, if any.
        """

    def play(self) -> None:
        """Start or resume playing (from the start if the song had ended): ``STARTED``.

        Raises:
            InvalidInput: no song was loaded.
            StudioError: the device or port is closed or lost (see ``error``).
        """

    def pause(self) -> None:
        """Stop playing and keep the position: ``PAUSED`` if it was playing."""

    def stop(self) -> None:
        """Stop playing and go back to the start: ``STOPPED`` unless it was stopped there."""

    def seek(self, seconds: float | None = None, beats: float | None = None) -> None:
        """Jump to a position given in seconds or in beats (exactly one): ``SEEKED``.

        Playing goes on from there if it was playing.

        Raises:
            InvalidInput: neither or both given, or a negative position.
        """

    @property
    def is_playing(self) -> bool:
        """True while playing (False when paused, stopped, at the end or after an error)."""

    @property
    def position_beats(self) -> float:
        """The playing position, in beats."""

    @property
    def position_seconds(self) -> float:
        """The playing position, in seconds."""

    @property
    def duration_seconds(self) -> float:
        """Length of the loaded song up to its last note, in seconds (0 before one is ready)."""

    def audition(
        self,
        pitches: int | Iterable[int],
        velocity: int = AUDITION_VELOCITY,
        duration: float | None = AUDITION_SECONDS,
        program: int = AUDITION_PROGRAM,
        channel: int = AUDITION_CHANNEL,
    ) -> AuditionRequest:
        """Sound a note or chord now, over whatever is playing.

        Args:
            pitches: one MIDI note number or several (a chord).
            velocity: 1–127.
            duration: how long the keys are held, in seconds; None holds them until
                ``release`` (a key held down on a MIDI keyboard).
            program: General MIDI program 0–127.
            channel: MIDI channel 0–15 (9 plays drums).

        Returns:
            The request; its ``latency`` (seconds) is known once it has sounded.

        Raises:
            InvalidInput: a value is out of range.
        """

    def release(self, pitches: int | Iterable[int], channel: int = AUDITION_CHANNEL) -> None:
        """Let go of notes started with ``audition(..., duration=None)``."""

    def add_listener(self, listener: PlaybackListener) -> None:
        """Call ``listener(state)`` on every change from now on (adding it twice: once)."""

    def remove_listener(self, listener: PlaybackListener) -> None:
        """Stop calling ``listener`` (one that was not added is ignored)."""

    def close(self) -> None:
        """Stop (``STOPPED`` if it was playing), free the device or port. Safe to call twice."""


class PlaybackListeners:
    """A player's listeners and the thread that calls them, one state at a time, in order.

    The player calls ``notify(event)`` from any ordinary thread (the state is read there and
    then), or ``post(event)`` from the real-time audio callback, which only queues
    the event: the listener thread reads the state when it gets there. Both do nothing while
    there are no listeners; ``post`` also drops the event after ``close`` until the next
    ``notify`` or ``add``.
    """

    def __init__(self, player: Playback) -> None:
        """Listeners of ``player``, whose state ``PlaybackState.of`` reads."""
        self._player = player
        self._listeners: tuple[PlaybackListener, ...] = ()
        self._lock = threading.Lock()
        # The running thread's queue: states, bare events (state read on delivery), None to end.
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def add(self, listener: PlaybackListener) -> None:
        """Call ``listener`` on every change from now on (adding it twice: once)."""
        with self._lock:
            if listener not in self._listeners:
                self._listeners = (*self._listeners, listener)
            self._start()

    def remove(self, listener: PlaybackListener) -> None:
        """Stop calling ``listener``; a call already running on the listener thread finishes."""
        with self._lock:
            self._listeners = tuple(known for known in self._listeners if known != listener)

    def notify(self, event: PlaybackEvent) -> None:
        """Queue the player's state now, labelled ``event``, for the listeners."""
        if self._listeners:
            state = PlaybackState.of(self._player, event)
            with self._lock:
                self._start()
                self._queue.put(state)

    def post(self, event: PlaybackEvent) -> None:
        """Queue ``event`` from the audio callback: it reads no state and never blocks.

        The listener thread reads the state when it delivers the event.
        """
        if self._listeners and self._thread is not None:
            self._queue.put(event)

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued, then end the listener thread (the next change restarts it).

        Called from a listener, it does not wait (the thread ends after that listener).
        """
        with self._lock:
            thread, self._thread = self._thread, None
            old, self._queue = self._queue, queue.SimpleQueue()
        if thread is not None:
            old.put(None)
            if thread is not threading.current_thread():
                thread.join(timeout)

    def _start(self) -> None:
        """Start the listener thread if it is not running (under ``_lock``)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, args=(self._queue,), name="playback-listeners", daemon=True
            )
            self._thread.start()

    def _run(self, events: queue.SimpleQueue) -> None:
        """Deliver the queued states (reading the state of bare events) until ``None``."""
        while (item := events.get()) is not None:
            if isinstance(item, PlaybackState):
                state = item
            else:
                try:
                    state = PlaybackState.of(self._player, item)
                except Exception:  # the player is half closed: nothing to report
                    _log.exception("cannot read the playback state for %s", item)
                    continue
            for listener in self._listeners:
                if listener not in self._listeners:  # removed meanwhile
                    continue
                try:
                    listener(state)
                except Exception:
                    _log.exception("playback listener %r failed on %s", listener, state.event)
