"""Song loading for the live player: render each loaded song offline, then swap it in.

``SongLoader`` keeps the song that ``Player`` plays and its tempo factor. Each ``load`` (and each
tempo change) becomes a job for one **loader** thread, which renders the whole song with a reused
``Synth`` (``render_song``, ~100× real time), brings it to the export loudness
(``loudness.playback_gain``: playback sounds as loud as the exported WAV) and installs the
result in the ``Transport``, which
swaps it in between two audio blocks at the same position in beats with a one-block crossfade.
A newer job cancels an older one, so quick edits render only the last version. The audio
callback never waits for any of this: it only reads the transport.

Units: tempo factors multiply the song's tempo (2 = twice as fast).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.audio.loudness import playback_gain
from studio.audio.metronome import click_times
from studio.audio.render import render_song
from studio.audio.synth import Synth
from studio.audio.transport import Rendered, Transport, scale_tempo
from studio.core.errors import InvalidInput
from studio.core.music import Song
from studio.core.progress import Cancelled, CancelToken

__all__ = ["SongLoader"]


@dataclass
class _LoadJob:
    """A song to render at a tempo factor; a newer job cancels it.

    Attributes:
        song: the song as loaded (tempo not scaled).
        factor: the tempo factor to render it at.
        cancel: set when a newer job replaces this one, or on ``close``.
        done: set once the job is finished, installed, failed or skipped.
        error: why it failed, or None.
    """

    song: Song
    factor: float
    cancel: CancelToken = field(default_factory=CancelToken)
    done: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None


class SongLoader:
    """Renders the loaded song at the current tempo factor on a loader thread, into a transport.

    The loader thread starts with the first job and runs until ``close``; a later job starts it
    again. ``on_loaded()`` and ``on_failed(error)`` run on the loader thread, after a job's
    audio was installed or its render failed (a cancelled job reports nothing).
    """

    def __init__(
        self,
        transport: Transport,
        *,
        make_synth: Callable[[], Synth],
        on_loaded: Callable[[], None],
        on_failed: Callable[[Exception], None],
    ) -> None:
        """Set up an idle loader; ``make_synth`` is called on the loader thread when needed."""
        self._transport = transport
        self._make_synth = make_synth
        self._on_loaded = on_loaded
        self._on_failed = on_failed
        self._factor = 1.0
        self._song: Song | None = None
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._job: _LoadJob | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # guards _job and _thread; held for microseconds

    @property
    def song(self) -> Song | None:
        """The last song loaded (None before the first ``load``)."""
        return self._song

    @property
    def tempo_factor(self) -> float:
        """The current tempo factor (1 = the song's own tempo)."""
        return self._factor

    @property
    def is_loading(self) -> bool:
        """True while a loaded song or a tempo change is still being rendered."""
        job = self._job
        return job is not None and not job.done.is_set()

    def load(self, song: Song, *, wait: bool = False) -> None:
        """Render ``song`` at the current tempo factor and install it; with ``wait``, block until
        it is installed and raise its error."""
        self._song = song
        job = self._submit(song, self._factor)
        if wait:
            job.done.wait()
            if job.error is not None:
                raise job.error

    def set_tempo_factor(self, factor: float, *, wait: bool = False) -> None:
        """Re-render the song at ``factor`` × its tempo (0.25–4); ``wait`` blocks until then.

        Raises:
            InvalidInput: the factor is out of range.
        """
        if not 0.25 <= factor <= 4:
            raise InvalidInput(f"tempo factor must be between 0.25 and 4, not {factor}")
        self._factor = float(factor)
        if self._song is not None:
            self.load(self._song, wait=wait)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel the current job and end the loader thread (waiting up to ``timeout`` s)."""
        with self._lock:
            if self._job is not None:
                self._job.cancel.cancel()
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout=timeout)

    def _submit(self, song: Song, factor: float) -> _LoadJob:
        job = _LoadJob(song, factor)
        self._transport.expected_timing = scale_tempo(song, factor)
        with self._lock:
            if self._job is not None:
                self._job.cancel.cancel()
            self._job = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="loader", daemon=True)
                self._thread.start()
        self._jobs.put(job)
        return job

    def _run(self) -> None:
        """Render the load jobs in turn (cancelled ones are skipped) with one reused synth."""
        synth = None
        try:
            while (job := self._jobs.get()) is not None:
                try:
                    if not job.cancel.cancelled:
                        synth = synth or self._make_synth()
                        timing = scale_tempo(job.song, job.factor)
                        audio = render_song(timing, synth=synth, cancel=job.cancel)
                        audio *= playback_gain(audio, synth.sample_rate)  # as loud as export
                        with self._lock:  # a newer job may have started meanwhile
                            installed = job is self._job
                            if installed:
                                clicks = click_times(timing, synth.sample_rate)
                                self._transport.install(Rendered(timing, audio, clicks))
                        if installed:
                            self._on_loaded()
                except Cancelled:
                    pass
                except Exception as error:
                    job.error = error
                    self._on_failed(error)
                finally:
                    job.done.set()
        finally:
            if synth is not None:
                synth.close()
