"""External MIDI ports through mido: the ports there are, and a keyboard's notes as callbacks.

The player that sends a song to a port is ``studio.audio.midi_player.MidiPortPlayer``. MIDI ports
are an alternative to the internal synthesizer for users with hardware or a DAW. The mido backend is
``mido.backends.rtmidi`` unless the environment variable ``MOTIF_MIDI_BACKEND`` names another
module (the tests use ``fake_midi_backend``). Every backend call goes through ``backend_call``,
so a machine without a MIDI system (no ALSA sequencer, no rtmidi) gives one
``MidiPortsUnavailable`` message instead of a traceback, and libasound's C-level complaints stay
off the terminal. Plain Python: no Qt, no torch.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import mido

from studio.core.errors import StudioError

BACKEND_VARIABLE = "MOTIF_MIDI_BACKEND"
DEFAULT_BACKEND = "mido.backends.rtmidi"
ALL_NOTES_OFF = 123
"""MIDI controller number of "All Notes Off"."""


NO_SEQUENCER = "this machine has no ALSA sequencer (it comes with the snd-seq kernel module)"


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


def backend_call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a mido backend function quietly, turning a missing MIDI system into our error."""
    try:
        with _quiet_stderr():
            return function(*args, **kwargs)
    except (ImportError, OSError) as error:  # rtmidi's errors are OSError subclasses
        reason = str(error).strip() or type(error).__name__
        if "ALSA sequencer" in reason:  # rtmidi's own words name a C++ method
            reason = NO_SEQUENCER
        raise MidiPortsUnavailable(f"MIDI ports unavailable: {reason}") from error


def midi_backend() -> mido.Backend:
    return mido.Backend(os.environ.get(BACKEND_VARIABLE) or DEFAULT_BACKEND, use_environ=False)


def list_ports() -> dict[str, list[str]]:
    """Names of the MIDI ports, as ``{"outputs": [...], "inputs": [...]}``.

    Raises:
        MidiPortsUnavailable: no backend library or no MIDI system (e.g. no ALSA sequencer).
    """
    backend = midi_backend()
    outputs = backend_call(lambda: list(backend.get_output_names()))
    inputs = backend_call(lambda: list(backend.get_input_names()))
    return {"outputs": outputs, "inputs": inputs}


def find_port(wanted: str, names: list[str], kind: str) -> str:
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
        backend = midi_backend()
        names = backend_call(lambda: list(backend.get_input_names()))
        self.name = find_port(name, names, "input")
        self._on_note = on_note
        self._port = backend_call(backend.open_input, self.name, callback=self._receive)

    def _receive(self, message: mido.Message) -> None:
        if message.type == "note_on":
            self._on_note(message.note, message.velocity)
        elif message.type == "note_off":
            self._on_note(message.note, 0)

    def close(self) -> None:
        """Close the port; no more notes arrive."""
        if not self._port.closed:
            backend_call(self._port.close)

    def __enter__(self) -> MidiKeyboard:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
