"""Audition: sound a note or chord now, with low latency, over whatever is playing.

A render thread owns a live ``Synth``. Requests reach it through a ``queue.SimpleQueue``; it
renders blocks into a preallocated ring that the audio callback mixes in (one writer, one reader,
each moving its own counter, so no lock). While notes sound it keeps ``ahead`` blocks ready; when
everything is silent it renders nothing, so the first block of a click is ready for the very
next callback. Each request (an ``AuditionRequest``, defined with the playback interface in
``studio.audio.playback``) records when its first non-silent block was handed to the device.

Units: durations in seconds, frames are samples, times from ``time.perf_counter()``.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

import numpy as np

from studio.audio.master import AUDITION_GAIN_DB
from studio.audio.playback import AUDITION_CHANNEL, AuditionRequest
from studio.audio.synth import Synth

__all__ = ["Audition", "AuditionRelease", "AuditionRequest"]

RING_BLOCKS = 8
"""Blocks in the ring; the render thread keeps at most ``ahead`` of them unplayed."""
SILENT = 1e-4
"""Peak amplitude under which a rendered block counts as silence."""


@dataclass
class AuditionRelease:
    """Release held audition notes (keys let go on a MIDI keyboard)."""

    pitches: tuple[int, ...]
    channel: int = AUDITION_CHANNEL


class Audition:
    """The live synth, its render thread and the ring of blocks the callback mixes in.

    Attributes:
        last_latency: latency of the last request that sounded, in seconds (or None).
        dropouts: callbacks that found the ring empty while notes were sounding.
    """

    def __init__(
        self, synth: Synth, blocksize: int, ahead: int = 2, gain_db: float = AUDITION_GAIN_DB
    ) -> None:
        """Take ownership of ``synth``; ``ahead`` is the number of blocks kept ready (1–7);
        ``gain_db`` lifts the notes to the level songs play at (before the master)."""
        if not 1 <= ahead < RING_BLOCKS:
            raise ValueError(f"ahead must be 1–{RING_BLOCKS - 1} blocks, not {ahead}")
        self.synth = synth
        self.blocksize = blocksize
        self.ahead = ahead
        self.gain = np.float32(10.0 ** (gain_db / 20.0))
        self.last_latency: float | None = None
        self.dropouts = 0
        self._ring = np.zeros((RING_BLOCKS, blocksize, 2), dtype=np.float32)
        self._marks: list[tuple[AuditionRequest, ...] | None] = [None] * RING_BLOCKS
        self._written = 0  # blocks written (only the render thread changes it)
        self._read = 0  # blocks mixed (only the callback changes it)
        self._active = False  # something sounds: keep the ring filled
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="audition", daemon=True)

    def start(self) -> None:
        """Start the render thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the render thread and free the synth."""
        self._stopping.set()
        self._requests.put(None)
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self.synth.close()

    def request(self, request: AuditionRequest | AuditionRelease) -> None:
        """Start ``request``'s notes (or release held ones) as soon as possible."""
        self._requests.put(request)

    def mix_into(self, out: np.ndarray, now: float) -> None:
        """Add the next ring block to ``out`` (called by the audio callback at ``now``)."""
        if self._read < self._written:
            slot = self._read % RING_BLOCKS
            out += self._ring[slot, : len(out)]
            marks = self._marks[slot]
            if marks is not None:
                for request in marks:
                    request.sounded_at = now
                self.last_latency = now - marks[-1].requested_at
            self._read += 1
        elif self._active:
            self.dropouts += 1

    def _run(self) -> None:
        """Start requested notes, release them when due, keep the ring filled while they sound."""
        rate = self.synth.sample_rate
        block_seconds = self.blocksize / rate
        rendered = 0  # frames rendered so far
        releases: list[tuple[int, int, int]] = []  # (frame due, channel, pitch)
        waiting: list[AuditionRequest] = []  # started, not heard yet
        active = False
        while not self._stopping.is_set():
            try:  # while notes sound, wake up twice a block to keep the ring filled
                item = self._requests.get(timeout=block_seconds / 2 if active else None)
            except queue.Empty:
                item = None
            while item is not None:
                if isinstance(item, AuditionRelease):
                    for pitch in item.pitches:
                        self.synth.note_off(item.channel, pitch)
                    releases = [r for r in releases
                                if not (r[1] == item.channel and r[2] in item.pitches)]  # fmt: skip
                else:
                    self.synth.program_change(item.channel, item.program)
                    for pitch in item.pitches:
                        self.synth.note_on(item.channel, pitch, item.velocity)
                        if item.duration is not None:
                            due = rendered + round(item.duration * rate)
                            releases.append((due, item.channel, pitch))
                    waiting.append(item)
                active = True  # render the attack, or the release tail
                try:
                    item = self._requests.get_nowait()
                except queue.Empty:
                    item = None
            while active and self._written - self._read < self.ahead:
                for due in [r for r in releases if r[0] <= rendered]:
                    self.synth.note_off(due[1], due[2])
                    releases.remove(due)
                slot = self._written % RING_BLOCKS
                self.synth.render_into(self._ring[slot])
                self._ring[slot] *= self.gain  # in this thread, not in the audio callback
                rendered += self.blocksize
                sounding = float(np.abs(self._ring[slot]).max()) > SILENT
                self._marks[slot] = tuple(waiting) if sounding and waiting else None
                if sounding or not releases:
                    waiting.clear()
                self._written += 1
                if not sounding and not releases:
                    active = False  # silent: render nothing until the next note
            self._active = active  # published after the first block is in the ring
