"""Short-term loudness (EBU R128 / ITU-R BS.1770): the loudness of the last 3 s, for a meter.

``ShortTermLoudness`` takes the output in chunks as it comes (frames × channels float32) and
keeps a running value: K-weighting (BS.1770's two biquads, a +4 dB high shelf at 1.5 kHz and a
38 Hz high-pass, with pyloudnorm's coefficients and scipy's ``sosfilt`` carrying the filter
state from chunk to chunk), the mean square of each channel summed over the channels (L and R
weigh 1.0), over a sliding window of 3 s, as ``−0.691 + 10·log10`` in LUFS. Unlike integrated
loudness (``studio.audio.loudness``) there is no gating: silence reads −inf.

It is plain Python and not thread-safe: one thread (the GUI's meter timer) feeds it with what
the master stage's tap published. Units: loudness in LUFS, lengths in frames, times in seconds.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

WINDOW_SECONDS = 3.0
"""The short-term window (EBU Tech 3341)."""
_PIECE_SECONDS = 0.1  # long input is accounted in pieces of this, so the window slides finely


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """BS.1770's K-weighting filter at ``sample_rate`` (Hz) as second-order sections (2 × 6),
    from pyloudnorm's biquads (the same ones its meter uses)."""
    import pyloudnorm

    shelf = pyloudnorm.IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, sample_rate, "high_shelf")
    high_pass = pyloudnorm.IIRfilter(0.0, 0.5, 38.0, sample_rate, "high_pass")
    return np.array([np.concatenate((f.b, f.a)) for f in (shelf, high_pass)], dtype=np.float64)


class ShortTermLoudness:
    """The short-term loudness (3 s window) of a stream fed chunk by chunk with ``add``."""

    def __init__(
        self, sample_rate: int, channels: int = 2, window_seconds: float = WINDOW_SECONDS
    ) -> None:
        """A meter for ``channels`` channels at ``sample_rate`` Hz, reading −inf until fed."""
        self.sample_rate = int(sample_rate)
        self.channels = int(channels)
        self.window_frames = max(1, round(window_seconds * self.sample_rate))
        self._piece = max(1, round(_PIECE_SECONDS * self.sample_rate))
        self._sos = k_weighting_sos(self.sample_rate)
        self._zi = np.zeros((len(self._sos), 2, self.channels))
        self._chunks: deque[tuple[int, float]] = deque()  # (frames, Σ over channels of Σ y²)
        self._frames = 0  # frames in _chunks

    def reset(self) -> None:
        """Forget everything heard: −inf until fed again."""
        self._zi.fill(0.0)
        self._chunks.clear()
        self._frames = 0

    def add(self, samples: np.ndarray) -> None:
        """Take the next ``samples`` (frames × channels, any float type; any length)."""
        from scipy.signal import sosfilt

        audio = np.asarray(samples, dtype=np.float64)
        if len(audio) == 0:
            return
        weighted, self._zi = sosfilt(self._sos, audio, axis=0, zi=self._zi)
        for start in range(max(0, len(weighted) - self.window_frames), len(weighted), self._piece):
            piece = weighted[start : start + self._piece]
            self._chunks.append((len(piece), float(np.einsum("ij,ij->", piece, piece))))
            self._frames += len(piece)
        # Keep the newest chunks that cover the window (the oldest one may reach a little past).
        while self._frames - self._chunks[0][0] >= self.window_frames:
            self._frames -= self._chunks.popleft()[0]

    @property
    def seconds(self) -> float:
        """How much audio the window holds now, in seconds (up to ``WINDOW_SECONDS``, a bit
        more by part of a chunk)."""
        return self._frames / self.sample_rate

    @property
    def lufs(self) -> float:
        """The loudness of the window in LUFS: −inf before any audio and for silence. Before
        the window is full, the loudness of what was heard so far."""
        if not self._frames:
            return -math.inf
        power = sum(energy for _frames, energy in self._chunks) / self._frames
        return -0.691 + 10.0 * math.log10(power) if power > 0 else -math.inf
