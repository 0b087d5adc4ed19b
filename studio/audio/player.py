"""Live playback: a transport over a sounddevice ``OutputStream``, and low-latency audition.

Three threads share the work, so the audio callback only ever copies prepared samples:

- a **loader** thread renders each loaded song offline (``render_song``, ~100× real time) and
  swaps the result in between two audio blocks at the same position in beats, with a one-block
  crossfade (``transport.Transport``): an edit while playing has no gap and no click
  (``song_loader.SongLoader``);
- an **audition** thread owns a live ``Synth`` and renders requested notes into a ring of blocks
  (``audition.Audition``);
- PortAudio's **callback** copies a block of the song, adds the next ring block, passes the sum
  through the master stage (gain and limiter, ``master.MasterStage``: the song, auditioned notes
  and previews share one level), counts underruns and times itself.

``Player`` implements the ``Playback`` interface (``studio.audio.playback``), which it shares
with ``MidiPortPlayer``: listeners hear of each change on a fourth thread. The callback only
queues the end of a song for them (``PlaybackListeners.post``).

Units: positions are in beats (quarter notes) or in seconds of the audio as it plays (at the
current tempo factor); times are ``time.perf_counter()`` seconds. The stream runs from ``open()``
to ``close()`` and plays silence while stopped, so an audition never waits for a stream to start.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Iterable

import numpy as np

from studio.audio.audition import Audition, AuditionRelease
from studio.audio.devices import NO_AUDIO, AudioUnavailable, import_sounddevice, resolve_device
from studio.audio.master import (
    CALLBACK_STEP_FRAMES,
    DEFAULT_PLAYBACK_GAIN_DB,
    MasterStage,
    db_to_gain,
)
from studio.audio.metronome import DEFAULT_METRONOME_DB, METRONOME_RANGE_DB
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
from studio.audio.song_loader import SongLoader
from studio.audio.synth import DEFAULT_CHORUS, DEFAULT_REVERB, DEFAULT_SAMPLE_RATE, Synth
from studio.audio.transport import Transport
from studio.core.errors import InvalidInput, StudioError
from studio.core.music import Song

__all__ = ["AudioUnavailable", "AuditionRequest", "Player", "freeze_gc"]


def freeze_gc() -> None:
    """Keep Python's garbage collector from stalling the audio callback.

    A full collection holds the GIL while it scans every tracked object: with torch loaded that
    took 50–70 ms, longer than the device buffer (~35 ms), so the callback missed its turn (~20
    underruns in 60 s of playback while a worker generated and indexed). ``gc.freeze()`` takes
    the objects alive now out of all later scans (it collects nothing, so it is quick).
    ``Player.open`` calls it; call it again after loading something big, such as the models.
    """
    gc.freeze()


class Player:
    """Plays a ``Song`` on an audio device, with a transport and note audition. No Qt.

    Use as a context manager (or ``open()``/``close()``); ``load`` a song, then ``play``.
    ``open`` raises ``AudioUnavailable`` with the reason; a device lost while playing stops the
    player and sets ``error`` to a message. A ``Playback``: ``add_listener`` to hear of changes.

    Attributes:
        error: what went wrong (device lost, a failed load), or None.
        warning: why the chosen SoundFont was not used (the default plays instead), or None.
        device_name: the name of the open device.
        master: the ``MasterStage`` every block passes through: set ``master.gain_db`` from any
            thread; a meter reads ``master.peak`` and ``master.gain_reduction_db`` (last block).
    """

    def __init__(
        self,
        *,
        soundfont: str | os.PathLike | None = None,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        device: str | int | None = None,
        blocksize: int = 512,
        latency: float | str | None = None,
        audition_ahead: int = 2,
        master_gain_db: float = DEFAULT_PLAYBACK_GAIN_DB,
        reverb: float = DEFAULT_REVERB,
        chorus: bool = DEFAULT_CHORUS,
    ) -> None:
        """Set up a closed player.

        Args:
            soundfont: an ``.sf2`` file (None: the default General MIDI SoundFont).
            sample_rate: samples per second.
            device: output device index or name (None: the system default).
            blocksize: frames per audio callback (512 at 44.1 kHz = 11.6 ms).
            latency: PortAudio's suggested output latency in seconds, or "low"/"high"
                (None: sounddevice's default, "high").
            audition_ahead: blocks rendered ahead while auditioned notes sound (more is safer
                under load, fewer means less latency).
            master_gain_db: the master stage's gain in dB, before its limiter (``master``).
            reverb: the synth's reverb level 0–1 (0: off); chorus: the synth's chorus on/off.
        """
        if not 32 <= blocksize <= 8192:
            raise InvalidInput(f"blocksize must be 32–8192 frames, not {blocksize}")
        self.soundfont = soundfont
        self.sample_rate = int(sample_rate)
        self.device = device
        self.blocksize = int(blocksize)
        self.latency = latency
        self.audition_ahead = audition_ahead
        self.reverb, self.chorus = reverb, chorus
        self.error: str | None = None
        self.warning: str | None = None
        self.device_name: str | None = None
        self._metronome_db = DEFAULT_METRONOME_DB
        self._build_pipeline(master_gain_db)
        self._stream = None
        self._audition: Audition | None = None
        self._closing = False
        self._underruns = 0
        self._callbacks = 0
        self._callback_max = 0.0
        self._ends_seen = 0  # the transport's end count the callback last reported
        self._failed = False  # the callback failed: the stream is ending (or has ended)
        self._listeners = PlaybackListeners(self)

    def _build_pipeline(self, master_gain_db: float) -> None:
        """The transport, master stage and song loader, all at ``sample_rate``."""
        self._transport = Transport(self.sample_rate, self.blocksize)
        self.master = MasterStage(
            self.sample_rate, gain_db=master_gain_db, max_block=CALLBACK_STEP_FRAMES
        )
        self._loader = SongLoader(
            self._transport,
            make_synth=self._make_synth,
            on_loaded=self._loaded,
            on_failed=self._load_failed,
        )

    def _take_the_device_rate(self, sd, index: int) -> str | None:
        """When the device refuses ``sample_rate``, play at its own rate instead (before anything
        is loaded); returns the warning that says so, or None."""
        try:
            sd.check_output_settings(device=index, samplerate=self.sample_rate, channels=2,
                                     dtype="float32")  # fmt: skip
            return None
        except (sd.PortAudioError, ValueError) as error:
            rate = int(sd.query_devices(index)["default_samplerate"])
            if rate == self.sample_rate or self._loader.song is not None:
                return None  # nothing better to try: opening the stream says why
            refused = self.sample_rate
            self.sample_rate = rate
            self._build_pipeline(self.master.gain_db)
            return f"{self.device_name} does not play {refused} Hz ({error}); using its {rate} Hz"

    # -- opening and closing -------------------------------------------------------------------

    def open(self) -> Player:
        """Open the device and start the (silent) stream.

        Raises:
            AudioUnavailable: no PortAudio library, no such device, or it cannot be opened.
        """
        if self._stream is not None:
            return self
        freeze_gc()
        sd = import_sounddevice()
        index = resolve_device(self.device)
        self.device_name = str(sd.query_devices(index)["name"])
        rate_warning = self._take_the_device_rate(sd, index)
        synth = Synth(self.soundfont, self.sample_rate, reverb=self.reverb, chorus=self.chorus)
        self.warning = "; ".join(w for w in (rate_warning, synth.warning) if w) or None
        self._audition = Audition(synth, self.blocksize, self.audition_ahead)
        self._closing = False
        try:
            self._stream = sd.OutputStream(
                samplerate=self.sample_rate, blocksize=self.blocksize, device=index,
                channels=2, dtype="float32", latency=self.latency,
                callback=self._callback, finished_callback=self._finished,
            )  # fmt: skip
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            self._stream = None
            self._audition.stop()
            self._audition = None
            raise AudioUnavailable(f"{NO_AUDIO}: cannot open {self.device_name}: {error}") from None
        self.error = None
        self._failed = False
        self._ends_seen = self._transport.ends
        self._audition.start()
        return self

    def close(self) -> None:
        """Fade out and go back to the start (``STOPPED`` if it was playing), stop the stream
        and the threads, free the synths. Listeners get the queued changes before it returns.
        Safe to call twice."""
        if self.is_playing and self._stream is not None and self._stream.active:
            self.stop()
            time.sleep(3 * self.block_budget_seconds)  # let the fade-out reach the device
        self._closing = True
        self._loader.close()
        if self._stream is not None:
            stream, self._stream = self._stream, None
            try:
                stream.stop()
                stream.close()
            except Exception:  # a lost device may fail to stop; it is gone either way
                pass
        if self._audition is not None:
            self._audition.stop()
            self._audition = None
        self._transport.halt()
        self._listeners.close()

    def __enter__(self) -> Player:
        return self.open()

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- loading -------------------------------------------------------------------------------

    def load(self, song: Song, *, wait: bool = False) -> None:
        """Play ``song`` from now on, at the same position in beats and in the same state.

        It is rendered on the loader thread and swapped in between two blocks; listeners get
        ``LOADED`` then (or ``ERROR``). With ``wait``, block until it is ready and raise its
        error (e.g. ``SoundFontError``).
        """
        self._loader.load(song, wait=wait)

    def set_tempo_factor(self, factor: float, *, wait: bool = False) -> None:
        """Play at ``factor`` × the song's tempo (0.25–4), keeping the position in beats.

        The song is re-rendered at the new tempo in the background (then ``LOADED``); ``wait``
        blocks until then.
        """
        self._loader.set_tempo_factor(factor, wait=wait)

    @property
    def tempo_factor(self) -> float:
        """The current tempo factor (1 = the song's own tempo)."""
        return self._loader.tempo_factor

    # The loader's callbacks, on its thread.

    def _make_synth(self) -> Synth:
        return Synth(self.soundfont, self.sample_rate, reverb=self.reverb, chorus=self.chorus)

    def _loaded(self) -> None:
        self._listeners.notify(PlaybackEvent.LOADED)

    def _load_failed(self, error: Exception) -> None:
        self.error = str(error) if isinstance(error, StudioError) else repr(error)
        self._listeners.notify(PlaybackEvent.ERROR)

    # -- transport -----------------------------------------------------------------------------

    def play(self) -> None:
        """Start or resume playing (from the start if the song had ended): ``STARTED``. If the
        song is still being rendered, playing starts as soon as it is ready.

        Raises:
            InvalidInput: no song was loaded.
            AudioUnavailable: the player is not open, or its device was lost (see ``error``).
        """
        self._check_open()
        if self._loader.song is None:
            raise InvalidInput("load a song before playing")
        if not self._transport.playing:
            self._transport.play()
            self._listeners.notify(PlaybackEvent.STARTED)

    def pause(self) -> None:
        """Stop playing and keep the position (the sound fades out over one block): ``PAUSED``
        if it was playing."""
        was_playing = self._transport.playing
        self._transport.pause()
        if was_playing:
            self._listeners.notify(PlaybackEvent.PAUSED)

    def stop(self) -> None:
        """Stop playing and go back to the start: ``STOPPED`` unless it was stopped there."""
        changed = self._transport.playing or self._transport.position_seconds != 0
        self._transport.pause()
        self._transport.seek(seconds=0.0)
        if changed:
            self._listeners.notify(PlaybackEvent.STOPPED)

    def seek(self, seconds: float | None = None, beats: float | None = None) -> None:
        """Jump to a position in seconds (of the audio as it plays) or in beats (exactly one):
        ``SEEKED``. Playing goes on from there if it was playing.

        Raises:
            InvalidInput: neither or both given, or a negative position.
        """
        self._transport.seek(seconds=seconds, beats=beats)
        self._listeners.notify(PlaybackEvent.SEEKED)

    def set_loop(self, start_beats: float, end_beats: float) -> None:
        """On reaching ``end_beats``, go on from ``start_beats``; a position after the loop
        plays on to the end."""
        self._transport.set_loop(start_beats, end_beats)

    def clear_loop(self) -> None:
        """Play on through the loop end."""
        self._transport.clear_loop()

    def set_metronome(self, on: bool, volume_db: float | None = None) -> None:
        """Click on every beat of the song's meter while playing (accented on each bar's first),
        at ``volume_db`` (``METRONOME_RANGE_DB``; None: keep the last volume). The clicks pass
        through the master stage with the song but never reach an exported file.

        Raises:
            InvalidInput: the volume is out of range.
        """
        if volume_db is not None:
            low, high = METRONOME_RANGE_DB
            if not low <= volume_db <= high:
                raise InvalidInput(f"metronome volume must be {low:g}–{high:g} dB, not {volume_db}")
            self._metronome_db = float(volume_db)
        self._transport.set_metronome(db_to_gain(self._metronome_db) if on else None)

    @property
    def metronome_on(self) -> bool:
        """Whether the metronome clicks while playing (``set_metronome``)."""
        return self._transport.metronome_on

    @property
    def metronome_db(self) -> float:
        """The metronome's volume in dB (kept while it is off)."""
        return self._metronome_db

    @property
    def is_playing(self) -> bool:
        """True while playing (False when paused, stopped, at the end or after a device loss)."""
        return self._transport.playing

    @property
    def is_loading(self) -> bool:
        """True while a loaded song or a tempo change is still being rendered."""
        return self._loader.is_loading

    @property
    def position_seconds(self) -> float:
        """Position of the audio last handed to the device, in seconds at the current tempo.

        What is heard lags it by ``output_latency``.
        """
        return self._transport.position_seconds

    @property
    def position_beats(self) -> float:
        """Position of the audio last handed to the device, in beats."""
        return self._transport.position_beats

    @property
    def duration_seconds(self) -> float:
        """Length of the playing song up to its last note, in seconds at the current tempo."""
        return self._transport.duration_seconds

    # -- audition ------------------------------------------------------------------------------

    def audition(
        self,
        pitches: int | Iterable[int],
        velocity: int = AUDITION_VELOCITY,
        duration: float | None = AUDITION_SECONDS,
        program: int = AUDITION_PROGRAM,
        channel: int = AUDITION_CHANNEL,
    ) -> AuditionRequest:
        """Sound a note or chord now, over whatever is playing (arguments, result and
        ``InvalidInput`` as ``Playback.audition``); ``AudioUnavailable`` when the player is not
        open or its device was lost."""
        request = audition_request(pitches, velocity, duration, program, channel)
        self._check_open()
        self._audition.request(request)
        return request

    def release(self, pitches: int | Iterable[int], channel: int = AUDITION_CHANNEL) -> None:
        """Let go of notes started with ``audition(..., duration=None)``."""
        pitches = audition_pitches(pitches)
        self._check_open()
        self._audition.request(AuditionRelease(pitches, channel))

    # -- listeners -----------------------------------------------------------------------------

    def add_listener(self, listener: PlaybackListener) -> None:
        """Call ``listener(state)`` on every change from now on (adding it twice: once).

        It runs on the player's listener thread, never the caller's: see
        ``studio.audio.playback``.
        """
        self._listeners.add(listener)

    def remove_listener(self, listener: PlaybackListener) -> None:
        """Stop calling ``listener`` (one that was not added is ignored)."""
        self._listeners.remove(listener)

    @property
    def last_audition_latency(self) -> float | None:
        """Click-to-sound time of the last audition that sounded, in seconds (or None)."""
        return self._audition.last_latency if self._audition is not None else None

    # -- measurements --------------------------------------------------------------------------

    @property
    def underruns(self) -> int:
        """Callbacks that PortAudio flagged ``output_underflow`` since ``open``."""
        return self._underruns

    @property
    def blocks_played(self) -> int:
        """Blocks handed to the device since ``open`` (silent ones included)."""
        return self._callbacks

    @property
    def callback_max_seconds(self) -> float:
        """The slowest audio callback since ``open``, in seconds (compare with the budget)."""
        return self._callback_max

    @property
    def block_budget_seconds(self) -> float:
        """How long one block lasts, in seconds: each callback must finish well within it."""
        return self.blocksize / self.sample_rate

    @property
    def output_latency(self) -> float:
        """The device's output latency in seconds, as PortAudio reports it (0 when closed)."""
        return float(self._stream.latency) if self._stream is not None else 0.0

    # -- PortAudio's thread --------------------------------------------------------------------

    def _callback(self, outdata: np.ndarray, frames: int, time_info, status) -> None:
        """Fill ``outdata`` (frames × 2 float32) from the prepared buffers; time the call."""
        started = time.perf_counter()
        if status.output_underflow:
            self._underruns += 1
        try:
            self._transport.fill(outdata)
            self._audition.mix_into(outdata, started)
            self.master.process(outdata)
        except Exception as error:
            self._transport.halt()
            self._failed = True  # the stream stays active for a moment after the abort
            self.error = f"audio playback failed: {type(error).__name__}: {error}"  # last: a flag
            raise import_sounddevice().CallbackAbort from error
        if self._transport.ends != self._ends_seen:  # the song ended in this block
            self._ends_seen = self._transport.ends
            self._listeners.post(PlaybackEvent.ENDED)
        self._callbacks += 1
        elapsed = time.perf_counter() - started
        if elapsed > self._callback_max and self._callbacks > 2:  # the first calls warm caches
            self._callback_max = elapsed

    def _finished(self) -> None:
        """The stream stopped: expected in ``close``, otherwise the device was lost (``ERROR``).

        PortAudio calls it on its own thread, after the last callback.
        """
        if not self._closing:
            self.error = self.error or f"{NO_AUDIO}: the audio device {self.device_name} was lost"
            self._transport.halt()
            self._listeners.notify(PlaybackEvent.ERROR)

    def _check_open(self) -> None:
        if self._stream is None or self._failed or not self._stream.active:
            raise AudioUnavailable(self.error or f"{NO_AUDIO}: the player is not open")
