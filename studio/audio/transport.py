"""The playing position over pre-rendered song audio: play, pause, seek, loop and song swaps.

``Transport`` is what the audio callback reads: ``fill(out)`` copies the next block of the song
(wrapping at the loop end) and crossfades over one block wherever the sound jumps (seek, loop
wrap, a new version of the song swapped in, play, pause), so no jump clicks. It does no I/O and
``fill`` makes no arrays: it copies into the caller's block with preallocated ramps and scratch.
With the metronome on (``set_metronome``), ``fill`` also adds a click on each beat of the song
(``studio.audio.metronome``), at the metronome's own volume.
A lock guards the state against the threads that change it; every holder keeps it for
microseconds.

Units: frames are samples at ``sample_rate``; positions are in beats or in seconds of the audio
as rendered (the song's tempo map scaled by the player's tempo factor).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from studio.audio.master import CALLBACK_STEP_FRAMES
from studio.audio.metronome import NO_CLICKS, Clicks, click_sound
from studio.core.errors import InvalidInput
from studio.core.music import Song, TempoChange


@dataclass(frozen=True)
class Rendered:
    """One pre-rendered version of a song.

    Attributes:
        timing: the song as rendered (tempo map scaled): converts beats ↔ seconds of ``audio``.
        audio: float32 samples of shape (frames, 2), including the release tail.
        clicks: where the metronome clicks in ``audio`` (``metronome.click_times``).
    """

    timing: Song
    audio: np.ndarray
    clicks: Clicks = NO_CLICKS


def scale_tempo(song: Song, factor: float) -> Song:
    """``song`` with every tempo multiplied by ``factor`` (2 = twice as fast); notes unchanged."""
    if factor == 1:
        return song
    tempos = song.tempos or (TempoChange(0.0, song.tempo),)
    return replace(song, tempos=tuple(TempoChange(t.beat, t.bpm * factor) for t in tempos))


def copy_frames(audio: np.ndarray, start: int, dest: np.ndarray) -> None:
    """Copy ``audio[start:start + len(dest)]`` into ``dest``, with silence past the end."""
    available = max(0, min(len(dest), len(audio) - start))
    dest[:available] = audio[start : start + available]
    dest[available:] = 0.0


class Transport:
    """Position, play state and loop over the current ``Rendered`` song; fills audio blocks.

    Attributes:
        expected_timing: the tempo map of the song being loaded, used to convert seconds to
            beats before its first version arrives.
    """

    def __init__(self, sample_rate: int, blocksize: int) -> None:
        """``blocksize`` (frames) is both the largest block ``fill`` gets and the fade length."""
        self.sample_rate = sample_rate
        self.blocksize = blocksize
        self.expected_timing = Song()
        self._lock = threading.Lock()
        self._rendered: Rendered | None = None
        self._frame = 0  # next frame of the song to hand to the device
        self._playing = False
        self._ends = 0  # times playing reached the end of the audio
        self._start_beats = 0.0  # where to start once the first version arrives
        self._loop_beats: tuple[float, float] | None = None
        self._loop: tuple[int, int] | None = None  # the loop in frames of the current version
        self._ramp_in = ((np.arange(blocksize, dtype=np.float32) + 1) / blocksize)[:, None]
        self._ramp_out = 1.0 - self._ramp_in
        self._scratch = np.zeros((blocksize, 2), dtype=np.float32)
        self._fade_audio: np.ndarray | None = None  # what fades out (None: silence)
        self._fade_frame = 0  # where in _fade_audio the fading sound continues
        self._fade_offset = 0  # where in the next block the fade starts
        self._fade_done = 0  # frames of the fade already applied
        self._fade_left = 0  # frames of the fade still to apply (0: no fade)
        self._click_sounds: tuple[np.ndarray, np.ndarray] | None = None  # (beat, accent)

    # -- changing the state (any thread) -------------------------------------------------------

    def install(self, rendered: Rendered) -> None:
        """Play ``rendered`` from the next block on, at the same position in beats."""
        with self._lock:
            old = self._rendered
            if old is None:
                beats = self._start_beats
            else:
                beats = old.timing.seconds_to_beats(self._frame / self.sample_rate)
                if self._playing:
                    self._start_fade(old.audio, self._frame)
            self._rendered = rendered
            self._frame = self._to_frame(rendered.timing.beats_to_seconds(beats))
            self._loop = self._loop_frames()

    def play(self) -> None:
        """Start or resume (from the loop start or the beginning if the song had ended)."""
        with self._lock:
            if self._playing:
                return
            rendered = self._rendered
            if rendered is not None and self._frame >= len(rendered.audio):
                self._frame = self._loop[0] if self._loop else 0
            self._start_fade(None, 0)
            self._playing = True

    def pause(self) -> None:
        """Stop at the current position; the sound fades out over one block."""
        with self._lock:
            if self._playing and self._rendered is not None:
                self._start_fade(self._rendered.audio, self._frame)
            self._playing = False

    def seek(self, seconds: float | None = None, beats: float | None = None) -> None:
        """Jump to a position in seconds (of the audio as rendered) or in beats."""
        if (seconds is None) == (beats is None):
            raise InvalidInput("seek needs exactly one of seconds and beats")
        if (seconds if seconds is not None else beats) < 0:
            raise InvalidInput("cannot seek before the start")
        with self._lock:
            rendered = self._rendered
            if rendered is None:
                if beats is None:
                    beats = self.expected_timing.seconds_to_beats(seconds)
                self._start_beats = beats
                return
            if seconds is None:
                seconds = rendered.timing.beats_to_seconds(beats)
            if self._playing:
                self._start_fade(rendered.audio, self._frame)
            self._frame = self._to_frame(seconds)

    def set_loop(self, start_beats: float, end_beats: float) -> None:
        """On reaching ``end_beats``, go on from ``start_beats`` (positions in beats)."""
        if not 0 <= start_beats < end_beats:
            raise InvalidInput(f"a loop needs 0 ≤ start < end, not {start_beats}–{end_beats}")
        with self._lock:
            self._loop_beats = (float(start_beats), float(end_beats))
            self._loop = self._loop_frames()

    def clear_loop(self) -> None:
        """Play on through the loop end."""
        with self._lock:
            self._loop_beats = self._loop = None

    def set_metronome(self, gain: float | None) -> None:
        """Click on every beat while playing, at ``gain`` (linear: 1 is a click peaking at full
        scale); None or 0 turns the metronome off. Any thread; takes effect from the next block."""
        if gain is None or gain <= 0:
            self._click_sounds = None
            return
        self._click_sounds = tuple(  # one reference swap: the callback sees old or new sounds
            (click_sound(self.sample_rate, accent) * np.float32(gain))[:, None]
            for accent in (False, True)
        )

    @property
    def metronome_on(self) -> bool:
        """Whether the metronome clicks while playing."""
        return self._click_sounds is not None

    def halt(self) -> None:
        """Stop at once, without a fade (the device is gone)."""
        self._playing = False

    # -- reading the state ---------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        """True while playing; False when paused, stopped or at the end."""
        return self._playing

    @property
    def ends(self) -> int:
        """How many times playing reached the end of the audio (the release tail included).

        The audio thread counts; a reader that sees the count change knows a song ended.
        """
        return self._ends

    @property
    def rendered(self) -> Rendered | None:
        """The version that plays, or None before the first one arrives."""
        return self._rendered

    @property
    def position_seconds(self) -> float:
        """Position of the audio last handed to the device, in seconds as rendered."""
        rendered = self._rendered
        if rendered is None:
            return self.expected_timing.beats_to_seconds(self._start_beats)
        return self._frame / self.sample_rate

    @property
    def position_beats(self) -> float:
        """Position of the audio last handed to the device, in beats."""
        rendered = self._rendered
        if rendered is None:
            return self._start_beats
        return rendered.timing.seconds_to_beats(self._frame / self.sample_rate)

    @property
    def duration_seconds(self) -> float:
        """Length up to the last note (without the release tail), in seconds as rendered."""
        rendered = self._rendered
        return rendered.timing.duration_seconds if rendered is not None else 0.0

    # -- the audio thread ----------------------------------------------------------------------

    def fill(self, out: np.ndarray) -> None:
        """Write the next block (``len(out)`` ≤ ``blocksize`` frames × 2) into ``out``."""
        with self._lock:
            rendered = self._rendered
            if self._playing and rendered is not None:
                self._read(rendered, out)
            else:
                out.fill(0.0)
            if self._fade_left:
                self._apply_fade(out)

    def _read(self, rendered: Rendered, out: np.ndarray) -> None:
        """Copy the next ``len(out)`` frames of the song, wrapping at the loop end."""
        audio = rendered.audio
        start, n = self._frame, len(out)
        loop = self._loop
        if loop is not None and start <= loop[1] < start + n:
            first = loop[1] - start
            self._copy(rendered, start, out[:first])
            self._copy(rendered, loop[0], out[first:])
            self._frame = loop[0] + n - first
            self._start_fade(audio, loop[1], offset=first)
            return
        self._copy(rendered, start, out)
        self._frame = min(start + n, len(audio))
        if self._frame >= len(audio):
            self._playing = False  # the end: the rendered tail has faded out
            self._ends += 1

    def _copy(self, rendered: Rendered, start: int, dest: np.ndarray) -> None:
        """Song frames from ``start`` into ``dest``, with the metronome's clicks added."""
        copy_frames(rendered.audio, start, dest)
        sounds = self._click_sounds
        if sounds is None or not len(rendered.clicks):
            return
        frames, length = rendered.clicks.frames, len(sounds[0])
        end = start + len(dest)
        # The clicks that began less than a click's length ago still sound in this block.
        first, last = np.searchsorted(frames, (start - length + 1, end))
        for k in range(int(first), int(last)):
            at = int(frames[k])
            sound = sounds[int(rendered.clicks.accents[k])]
            # Small steps: numpy keeps the GIL on small arrays (see CALLBACK_STEP_FRAMES).
            for lo in range(max(at, start), min(at + length, end), CALLBACK_STEP_FRAMES):
                hi = min(lo + CALLBACK_STEP_FRAMES, at + length, end)
                dest[lo - start : hi - start] += sound[lo - at : hi - at]

    def _start_fade(self, audio: np.ndarray | None, frame: int, offset: int = 0) -> None:
        """Crossfade over one block, from ``offset`` in the next block on, from ``audio`` at
        ``frame`` (None: silence) to whatever plays there."""
        self._fade_audio, self._fade_frame, self._fade_offset = audio, frame, offset
        self._fade_done, self._fade_left = 0, self.blocksize

    def _apply_fade(self, out: np.ndarray) -> None:
        """Apply the next part of the crossfade to ``out``, in place."""
        offset, self._fade_offset = self._fade_offset, 0
        k = min(self._fade_left, len(out) - offset)
        done = self._fade_done
        segment = out[offset : offset + k]
        segment *= self._ramp_in[done : done + k]
        if self._fade_audio is not None:
            old = self._scratch[:k]
            copy_frames(self._fade_audio, self._fade_frame, old)
            old *= self._ramp_out[done : done + k]
            segment += old
        self._fade_frame += k
        self._fade_done += k
        self._fade_left -= k

    # -- helpers (under the lock) --------------------------------------------------------------

    def _to_frame(self, seconds: float) -> int:
        """A time in seconds as a frame of the current version (clamped to its length)."""
        return min(max(0, round(seconds * self.sample_rate)), len(self._rendered.audio))

    def _loop_frames(self) -> tuple[int, int] | None:
        """The loop in frames of the current version (made at least two blocks long)."""
        rendered = self._rendered
        if self._loop_beats is None or rendered is None:
            return None
        start, end = (
            round(rendered.timing.beats_to_seconds(beats) * self.sample_rate)
            for beats in self._loop_beats
        )
        end = min(max(end, start + 2 * self.blocksize), len(rendered.audio))
        return (start, end) if start < end else None
