"""A mido backend with made-up ports, for tests on machines without a MIDI system.

Select it with ``MOTIF_MIDI_BACKEND=fake_midi_backend`` (``tests/`` must be on the module path).
Output ports record every message with a ``time.perf_counter()`` stamp in ``SENT``; ``inject``
delivers a message to an open input port as if a key were pressed. When the environment
variable ``FAKE_MIDI_LOG`` names a file, sent messages are also appended to it, one
``port<TAB>message`` line each, so a test can see what a ``studio`` subprocess sent.
"""

from __future__ import annotations

import os
import threading
import time

import mido
from mido.ports import BaseInput, BaseOutput

OUTPUT_NAMES = ["fake-port", "Fake Synth 2"]
INPUT_NAMES = ["fake-keys"]

SENT: list[tuple[str, float, mido.Message]] = []
"""Every message sent to an output port: (port name, perf_counter seconds, message)."""
OPEN_INPUTS: dict[str, Input] = {}
_lock = threading.Lock()


def reset() -> None:
    """Forget the sent messages."""
    with _lock:
        SENT.clear()


def sent_messages(port: str | None = None) -> list[mido.Message]:
    """The messages sent so far (to ``port`` only, if given), in order."""
    with _lock:
        return [message for name, _, message in SENT if port in (None, name)]


def inject(port: str, message: mido.Message) -> None:
    """Deliver ``message`` to the open input port called ``port``, on a thread as rtmidi does."""
    receiver = OPEN_INPUTS[port]
    thread = threading.Thread(target=receiver.deliver, args=(message,))
    thread.start()
    thread.join()


def get_devices(**kwargs) -> list[dict]:
    """The ports as mido's ``Backend`` asks for them (its ``get_*_names`` are built on this)."""
    names = dict.fromkeys(OUTPUT_NAMES + INPUT_NAMES)
    return [
        {"name": name, "is_input": name in INPUT_NAMES, "is_output": name in OUTPUT_NAMES}
        for name in names
    ]


def get_output_names(**kwargs) -> list[str]:
    return list(OUTPUT_NAMES)


def get_input_names(**kwargs) -> list[str]:
    return list(INPUT_NAMES)


def get_ioport_names(**kwargs) -> list[str]:
    return [name for name in OUTPUT_NAMES if name in INPUT_NAMES]


class Output(BaseOutput):
    def _open(self, virtual: bool = False, **kwargs) -> None:
        if self.name is None:
            self.name = OUTPUT_NAMES[0]
        if self.name not in OUTPUT_NAMES:
            raise OSError(f"unknown port {self.name!r}")

    def _send(self, message: mido.Message) -> None:
        stamp = time.perf_counter()
        with _lock:
            SENT.append((self.name, stamp, message))
        log = os.environ.get("FAKE_MIDI_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as file:
                file.write(f"{self.name}\t{message}\n")


class Input(BaseInput):
    def _open(self, virtual: bool = False, callback=None, **kwargs) -> None:
        if self.name is None:
            self.name = INPUT_NAMES[0]
        if self.name not in INPUT_NAMES:
            raise OSError(f"unknown port {self.name!r}")
        self.callback = callback
        OPEN_INPUTS[self.name] = self

    def _close(self) -> None:
        OPEN_INPUTS.pop(self.name, None)

    def deliver(self, message: mido.Message) -> None:
        """Receive ``message``: call the callback, or queue it for ``receive()``."""
        if self.callback is not None:
            self.callback(message)
        else:
            with self._lock:
                self._messages.append(message)
