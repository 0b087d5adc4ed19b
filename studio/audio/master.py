"""The master stage after the synth: a gain, then a look-ahead peak limiter.

Song playback, auditioned notes and idea previews all pass through the ``Player``'s one
``MasterStage`` (so switching between them never jumps in level), and WAV export limits through
the same ``Limiter`` after its loudness gain (``studio.audio.loudness.normalize``).

How the limiter works (sample-exact, stereo-linked): each frame needs a gain of at most
``ceiling / peak``; the gain curve is the minimum of that over a look-ahead window of ``L``
frames, released exponentially back towards unity, then smoothed by two moving averages whose
lengths add up to ``L + 1``. Every value the averages see comes from a window holding the peak,
so the smoothed gain is never above what the peak needs: no sample ever exceeds the ceiling,
with no hard clipping; the attack is an S-shaped fade over the look-ahead (~1.5 ms) and the
release an exponential (120 ms). The audio is delayed by ``L − 1`` frames for it.

It runs in the sounddevice callback: every buffer is allocated in ``__init__``, a block is a
few dozen vectorised numpy calls on those buffers (no per-sample Python), and state carries
across blocks, so processing a signal block by block gives the same result as in one call.
Units: gains in dB (or linear where named so), times in seconds, lengths in frames.

``MasterStage`` also publishes its output for meters on other threads: a preallocated ring (the
"tap", ``TAP_FRAMES``) that ``process`` copies each part into, and a frame counter ``tapped``
that a reader passes to ``read_tap`` to copy out what came since (no lock, no Qt).
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_PLAYBACK_GAIN_DB = 0.0
"""The master volume in dB, a trim over everything the player plays. Songs arrive already at the
export loudness (the song loader measures each render, ``loudness.playback_gain``), so 0 dB
plays them as loud as their exported WAVs."""
AUDITION_GAIN_DB = 17.5
"""Gain of auditioned notes before the master: one note at a typical velocity from the synth
sits near −33.5 LUFS, as a melody does, so this brings it near the −16 LUFS songs play at."""
DEFAULT_CEILING_DB = -1.0
"""The limiter's ceiling in dBFS (sample peak)."""
LOOKAHEAD_SECONDS = 0.0015
RELEASE_SECONDS = 0.12
MAX_BLOCK_FRAMES = 8192
"""Frames processed per step offline; longer input is processed in steps of this size."""
CALLBACK_STEP_FRAMES = 240
"""Frames per step in the audio callback: stereo arrays of ≤ 500 values, which numpy processes
without releasing the GIL. Above 500 it releases it, and a busy Python thread (a worker) can
then hold it for the 5 ms switch interval: with 1024-frame steps that meant dozens of underruns
in 3 s of playback next to a busy thread; with these, none."""
TAP_FRAMES = 1 << 16
"""Frames the master's output tap holds (about 1.5 s at 44.1 kHz; a power of two)."""

_HEADROOM = 1.0 - 1e-5  # below the ceiling by 0.0001 dB: float32 rounding of the product
_FLOOR = 1e-9  # the smallest gain reduction (1 − gain) tracked, so its logarithm is finite


def db_to_gain(db: float) -> float:
    """A level change in dB as a linear factor."""
    return 10.0 ** (db / 20.0)


def gain_to_db(gain: float) -> float:
    """A linear factor as dB (−inf for 0)."""
    return 20.0 * math.log10(gain) if gain > 0 else -math.inf


class Limiter:
    """A look-ahead peak limiter over frames × channels float32 blocks, in place.

    Output never exceeds ``ceiling_db`` (sample peak); quiet material passes unchanged apart
    from the delay of ``latency_frames``. Not thread-safe: one thread calls ``process``.
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        ceiling_db: float = DEFAULT_CEILING_DB,
        lookahead_seconds: float = LOOKAHEAD_SECONDS,
        release_seconds: float = RELEASE_SECONDS,
        channels: int = 2,
        max_block: int = MAX_BLOCK_FRAMES,
    ) -> None:
        """Allocate the buffers; ``max_block`` frames are processed per step."""
        self.sample_rate = int(sample_rate)
        self.ceiling_db = float(ceiling_db)
        self.channels = int(channels)
        self.max_block = n = int(max_block)
        self._window = lookahead = max(2, round(lookahead_seconds * self.sample_rate))
        self._box1 = (lookahead + 1) // 2
        self._box2 = lookahead + 1 - self._box1  # box1 + box2 − 1 = the look-ahead window
        self._power = 1 << (lookahead.bit_length() - 1)  # largest power of 2 ≤ the window
        self.latency_frames = lookahead - 1
        self._log_release = -1.0 / max(1.0, release_seconds * self.sample_rate)
        self._release_ramp = np.arange(n, dtype=np.float64) * -self._log_release  # k·|log a|
        # Histories: the last frames of the previous step, then this step's.
        self._delay = np.zeros((self.latency_frames + n, self.channels), np.float32)
        self._needed = np.ones(lookahead - 1 + n)  # gain each frame needs
        self._smooth1 = np.ones(self._box1 - 1 + n)  # held and released gain
        self._smooth2 = np.ones(self._box2 - 1 + n)  # after the first average
        self._ping = np.empty(lookahead - 1 + n)
        self._pong = np.empty(lookahead - 1 + n)
        self._sums = np.zeros(max(self._box1, self._box2) + n)
        self._gain = np.empty(n)
        self._abs = np.empty((n, self.channels), np.float32)
        self._peak = np.empty(n, np.float32)
        self._log_reduction = math.log(_FLOOR)  # log(1 − gain) at the last frame
        self.gain_reduction_db = 0.0
        """The deepest gain reduction in the last block, in dB (≥ 0)."""

    @property
    def ceiling_db(self) -> float:
        """The ceiling in dBFS (sample peak); may be changed between blocks."""
        return self._ceiling_db

    @ceiling_db.setter
    def ceiling_db(self, db: float) -> None:
        self._ceiling_db = float(db)
        self._ceiling = db_to_gain(self._ceiling_db) * _HEADROOM

    def reset(self) -> None:
        """Forget the past: silence in the delay line, unity gain."""
        self._delay.fill(0.0)
        for history in (self._needed, self._smooth1, self._smooth2):
            history.fill(1.0)
        self._log_reduction = math.log(_FLOOR)
        self.gain_reduction_db = 0.0

    def process(self, block: np.ndarray) -> None:
        """Limit ``block`` (frames × channels float32, any length) in place.

        The output is the input delayed by ``latency_frames``.
        """
        deepest = 1.0
        for start in range(0, len(block), self.max_block):
            deepest = min(deepest, self.process_part(block[start : start + self.max_block]))
        self.gain_reduction_db = -gain_to_db(deepest)

    def process_part(self, block: np.ndarray) -> float:
        """Limit at most ``max_block`` frames in place (as ``process``, which calls it); returns
        the smallest gain applied, linear."""
        n = len(block)
        window, delay = self._window, self.latency_frames
        # The gain each frame needs: ceiling / stereo peak, at most 1.
        peak = self._peak[:n]
        np.abs(block, out=self._abs[:n])
        np.max(self._abs[:n], axis=1, out=peak)
        needed = self._needed
        latest = needed[window - 1 : window - 1 + n]
        ceiling = np.float32(self._ceiling)  # all float32 here: mixed types would buffer
        np.maximum(peak, ceiling, out=peak)
        np.divide(ceiling, peak, out=peak)
        np.copyto(latest, peak)
        # Hold: the minimum over the last `window` frames (doubling, then two overlapping spans).
        size = window - 1 + n
        source, target = needed, self._ping
        span = 1
        while span < self._power:
            np.minimum(source[: size - span], source[span:size], out=target[: size - span])
            size -= span
            span *= 2
            source, target = target, (self._pong if target is self._ping else self._ping)
        held = self._gain[:n]
        np.minimum(source[:n], source[window - span : window - span + n], out=held)
        # Release: reduction d = 1 − gain falls as d·a^k unless the hold asks for more, i.e.
        # log d[k] = k·log a + max(log d_prev + log a, max_{j≤k} (log dh[j] − j·log a)).
        np.subtract(1.0, held, out=held)
        np.maximum(held, _FLOOR, out=held)
        np.log(held, out=held)
        ramp = self._release_ramp[:n]
        held += ramp
        np.maximum.accumulate(held, out=held)
        np.maximum(held, self._log_reduction + self._log_release, out=held)
        held -= ramp
        self._log_reduction = float(held[-1])
        released = self._smooth1[self._box1 - 1 : self._box1 - 1 + n]
        np.exp(held, out=released)
        np.subtract(1.0, released, out=released)
        # Two moving averages (box1 then box2 frames): an S-shaped attack over the look-ahead.
        first = self._smooth2[self._box2 - 1 : self._box2 - 1 + n]
        self._average(self._smooth1, self._box1, n, first)
        gain = self._gain[:n]
        self._average(self._smooth2, self._box2, n, gain)
        # Delay the audio by the look-ahead and apply the gain (as float32 frames × channels).
        self._delay[delay : delay + n] = block
        np.copyto(peak, gain)
        frames_gain = self._abs[:n]
        np.copyto(frames_gain, peak[:, None])
        np.multiply(self._delay[:n], frames_gain, out=block)
        # Keep each history's last frames for the next step.
        self._delay[:delay] = self._delay[n : n + delay]
        needed[: window - 1] = needed[n : n + window - 1]
        for history, keep in ((self._smooth1, self._box1 - 1), (self._smooth2, self._box2 - 1)):
            history[:keep] = history[n : n + keep]
        return float(gain.min())

    def _average(self, history: np.ndarray, length: int, n: int, out: np.ndarray) -> None:
        """``out[i]`` = mean of ``history[i : i + length]`` for i < n (through a cumulative sum)."""
        sums = self._sums
        sums[0] = 0.0
        np.cumsum(history[: length - 1 + n], out=sums[1 : length + n])
        np.subtract(sums[length : length + n], sums[:n], out=out)
        out /= length


class MasterStage:
    """Gain (dB), then the ``Limiter``: the last stage before the device or the file.

    ``gain_db`` may be set from any thread; the change is ramped over the next block (no
    zipper noise). ``peak`` and ``gain_reduction_db`` describe the last block, for a meter
    to read (plain floats: no lock, no Qt).

    The output itself is published through a tap: ``process`` (one thread, the audio callback)
    copies every part it finishes into a preallocated ring of ``tap_frames`` and only then
    advances ``tapped``, the count of frames ever written. One reader thread at a time (a GUI
    timer) calls ``read_tap(since)`` to copy out the frames written after its last counter.
    The writer never waits for the reader: frames the writer may be overwriting while the
    reader copies are left out of the copy, so a reader more than a ring behind gets only the
    latest ring's worth (less one part).
    """

    def __init__(
        self,
        sample_rate: int,
        *,
        gain_db: float = DEFAULT_PLAYBACK_GAIN_DB,
        ceiling_db: float = DEFAULT_CEILING_DB,
        channels: int = 2,
        max_block: int = MAX_BLOCK_FRAMES,
        tap_frames: int = TAP_FRAMES,
    ) -> None:
        """Allocate the stage (see ``Limiter`` for the ceiling and ``max_block``); the tap
        holds ``tap_frames`` (rounded up to a power of two of at least 2 × ``max_block``)."""
        self.limiter = Limiter(
            sample_rate, ceiling_db=ceiling_db, channels=channels, max_block=max_block
        )
        self.gain_db = gain_db
        self._applied = db_to_gain(self.gain_db)  # the linear gain at the end of the last block
        self._ramp = np.empty(self.limiter.max_block, np.float32)
        self._ramp_frames = np.empty((self.limiter.max_block, channels), np.float32)
        self._steps = np.arange(1, self.limiter.max_block + 1, dtype=np.float32)
        self.peak = 0.0
        """The output's sample peak in the last block, linear (0–1)."""
        size = 1 << (max(int(tap_frames), 2 * self.limiter.max_block) - 1).bit_length()
        self._tap = np.zeros((size, channels), np.float32)
        self.tapped = 0
        """Frames written to the tap since the stage was made (only ever grows)."""

    @property
    def gain_db(self) -> float:
        """The gain before the limiter, in dB."""
        return self._gain_db

    @gain_db.setter
    def gain_db(self, db: float) -> None:
        db = float(db)
        if not math.isfinite(db):
            raise ValueError(f"master gain must be a finite number of dB, not {db}")
        self._gain_db = db
        self._target = db_to_gain(db)

    @property
    def sample_rate(self) -> int:
        """The sample rate in Hz."""
        return self.limiter.sample_rate

    @property
    def latency_frames(self) -> int:
        """How many frames the output lags the input (the limiter's look-ahead)."""
        return self.limiter.latency_frames

    @property
    def gain_reduction_db(self) -> float:
        """The limiter's deepest gain reduction in the last block, in dB (≥ 0)."""
        return self.limiter.gain_reduction_db

    def reset(self) -> None:
        """Clear the limiter's memory (the gain stays)."""
        self.limiter.reset()
        self._applied = self._target
        self.peak = 0.0

    def process(self, block: np.ndarray) -> None:
        """Apply gain and limiter to ``block`` (frames × channels float32) in place."""
        limiter, step = self.limiter, self.limiter.max_block
        deepest, peak = 1.0, 0.0
        for start in range(0, len(block), step):
            part = block[start : start + step]
            target, applied = self._target, self._applied
            if target == applied:
                part *= np.float32(target)
            else:  # ramp linearly over this part (a step would click)
                n = len(part)
                ramp = self._ramp[:n]
                np.multiply(self._steps[:n], np.float32((target - applied) / n), out=ramp)
                ramp += np.float32(applied)
                frames = self._ramp_frames[:n]
                np.copyto(frames, ramp[:, None])
                part *= frames
                self._applied = target
            deepest = min(deepest, limiter.process_part(part))
            magnitude = self._ramp_frames[: len(part)]
            np.abs(part, out=magnitude)
            peak = max(peak, float(magnitude.max()))
            self._publish(part)
        limiter.gain_reduction_db = -gain_to_db(deepest)
        self.peak = peak

    def _publish(self, part: np.ndarray) -> None:
        """Copy a processed part (≤ ``max_block`` frames) into the tap, in at most two pieces
        at the wrap, then advance ``tapped`` (after the copy: the reader trusts the counter)."""
        tap, n, written = self._tap, len(part), self.tapped
        size = len(tap)
        start = written & (size - 1)
        first = min(n, size - start)
        tap[start : start + first] = part[:first]
        if first < n:
            tap[: n - first] = part[first:]
        self.tapped = written + n

    def read_tap(self, since: int) -> tuple[np.ndarray, int]:
        """A copy of the output frames written after counter ``since`` (frames × channels
        float32), and the counter to pass next time.

        Call from one reader thread (not the audio callback). At most the latest ring's worth
        less one part comes back when the reader fell further behind; a ``since`` from another
        stage (beyond ``tapped``) gives nothing and the current counter.
        """
        tap, end = self._tap, self.tapped
        size = len(tap)
        start = min(max(since, end - size + self.limiter.max_block, 0), end)
        first, last = start & (size - 1), end & (size - 1)
        if first < last or start == end:
            out = tap[first:last].copy()
        else:  # across the wrap
            out = np.concatenate((tap[first:], tap[:last]))
        # The writer may have overwritten the oldest frames during the copy: frames before
        # `safe` share ring slots with a part written (or being written) since.
        safe = self.tapped + self.limiter.max_block - size
        if safe > start:
            out = out[min(safe, end) - start :]
        return out, end

    def render(self, audio: np.ndarray) -> np.ndarray:
        """A processed copy of a whole signal (frames × channels), aligned with the input.

        For offline use: the stage is reset first, and the look-ahead delay is taken out by
        feeding ``latency_frames`` of silence after the end and dropping as many at the start.
        """
        self.reset()
        delay = self.latency_frames
        padded = np.zeros((len(audio) + delay, audio.shape[1]), np.float32)
        padded[: len(audio)] = audio
        self.process(padded)
        return padded[delay:]
