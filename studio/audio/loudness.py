"""Loudness: measure it (ITU-R BS.1770) and bring audio to a target for export.

Integrated loudness comes from ``pyloudnorm`` (the BS.1770-4 K-weighted, gated meter, in LUFS);
true peak is the sample peak of the signal oversampled 4× (``scipy.signal.resample_poly``), in
dBTP, as BS.1770 describes. ``normalize`` gains a rendering to a target loudness (−16 LUFS by
default, where a DAW bounce of a piano line sits and a little under streaming's −14) and limits
it with the master stage's ``Limiter`` so its true peak stays at or under a ceiling (−1 dBTP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.audio.master import Limiter, db_to_gain, gain_to_db

DEFAULT_TARGET_LUFS = -16.0
DEFAULT_CEILING_DBTP = -1.0
OVERSAMPLING = 4
MIN_SECONDS = 0.4
"""Shorter audio has no loudness (one BS.1770 gating block): it gets no gain."""

_CHUNK_FRAMES = 1 << 17  # true peak is measured in chunks: no 4× copy of a whole song
_CHUNK_PAD = 64  # input frames on each side of a chunk, so the filter has no edge effects
_ATTEMPTS = 4  # passes that aim at the target loudness…
_PEAK_ATTEMPTS = 4  # …and then passes that only lower the ceiling until the true peak holds
_CLOSE_ENOUGH = 0.1  # LU
_MAX_STEP_DB = 6.0


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """BS.1770 integrated loudness of ``samples`` (frames × channels, or mono) in LUFS.

    −inf for silence and for audio shorter than ``MIN_SECONDS``.
    """
    import pyloudnorm

    audio = np.asarray(samples)
    if len(audio) < MIN_SECONDS * sample_rate or not np.any(audio):
        return -math.inf
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio.astype(np.float64)))


def playback_gain(
    samples: np.ndarray, sample_rate: int, target_lufs: float = DEFAULT_TARGET_LUFS
) -> float:
    """The linear gain that brings ``samples`` to ``target_lufs`` integrated (1.0 for silence
    and very short audio; at most ±30 dB): what the player applies to a rendered song so it
    plays as loud as its export (the master's limiter catches the peaks)."""
    loudness = integrated_loudness(samples, sample_rate)
    if not math.isfinite(loudness):
        return 1.0
    return 10.0 ** (max(-30.0, min(30.0, target_lufs - loudness)) / 20.0)


def true_peak_dbtp(samples: np.ndarray) -> float:
    """The true peak in dBTP: the largest magnitude of the 4× oversampled signal (−inf for
    silence or nothing)."""
    from scipy.signal import resample_poly

    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim == 1:
        audio = audio[:, None]
    peak = float(np.abs(audio).max()) if audio.size else 0.0
    for start in range(0, len(audio), _CHUNK_FRAMES):
        lo = max(0, start - _CHUNK_PAD)
        hi = min(len(audio), start + _CHUNK_FRAMES + _CHUNK_PAD)
        up = resample_poly(audio[lo:hi], OVERSAMPLING, 1, axis=0)
        keep = up[(start - lo) * OVERSAMPLING : (min(len(audio), start + _CHUNK_FRAMES) - lo)
                  * OVERSAMPLING]  # fmt: skip
        if keep.size:
            peak = max(peak, float(np.abs(keep).max()))
    return gain_to_db(peak)


def sample_peak_db(samples: np.ndarray) -> float:
    """The largest sample magnitude in dBFS (−inf for silence)."""
    audio = np.asarray(samples)
    return gain_to_db(float(np.abs(audio).max())) if audio.size else -math.inf


@dataclass(frozen=True)
class LoudnessReport:
    """What ``normalize`` did. Loudness in LUFS (−inf: silence or too short), peaks in dBTP,
    gain in dB; ``target_lufs`` None means the level was kept (raw)."""

    target_lufs: float | None
    lufs_before: float
    lufs_after: float
    true_peak_before: float
    true_peak_after: float
    gain_db: float
    limited_db: float
    """The limiter's deepest gain reduction, in dB (0: it did not act)."""

    def as_dict(self) -> dict:
        """The report with numbers rounded to 0.01 (None for −inf), e.g. for JSON."""

        def number(value: float | None) -> float | None:
            return None if value is None or not math.isfinite(value) else round(value, 2)

        return {name: number(getattr(self, name)) for name in self.__dataclass_fields__}


def normalize(
    samples: np.ndarray,
    rate: int,
    target_lufs: float | None = DEFAULT_TARGET_LUFS,
    ceiling_dbtp: float = DEFAULT_CEILING_DBTP,
) -> tuple[np.ndarray, LoudnessReport]:
    """Gain ``samples`` (frames × 2 float32) to ``target_lufs``, then limit them so the true
    peak is at most ``ceiling_dbtp``; returns the new samples and a report.

    ``target_lufs`` None keeps the level (only the limiter). Silence and audio shorter than
    ``MIN_SECONDS`` get no gain. The limiter's loss of loudness is made up for (the gain is
    corrected and the limiter run again), and its ceiling is lowered while the 4× oversampled
    peak still exceeds ``ceiling_dbtp``: up to eight passes over the audio, each about 100×
    real time; audio that needs no limiting takes one.
    """
    audio = np.asarray(samples, dtype=np.float32)
    if audio.ndim == 1:
        audio = np.repeat(audio[:, None], 2, axis=1)
    before = integrated_loudness(audio, rate)
    peak_before = true_peak_dbtp(audio)
    gain = 0.0
    if target_lufs is not None and math.isfinite(before):
        gain = target_lufs - before
    if peak_before + gain <= ceiling_dbtp:  # the limiter would not act: a plain gain
        out = audio * np.float32(db_to_gain(gain))
        report = LoudnessReport(
            target_lufs, before, before + gain, peak_before, peak_before + gain, gain, 0.0
        )
        return out, report
    ceiling = ceiling_dbtp
    limiter = Limiter(rate, ceiling_db=ceiling, channels=audio.shape[1])
    tried: tuple[float, float] | None = None  # the previous pass's (gain, loudness)
    for attempt in range(_ATTEMPTS + _PEAK_ATTEMPTS):
        out, limited = _gain_and_limit(audio, gain, limiter, ceiling)
        after, peak = integrated_loudness(out, rate), true_peak_dbtp(out)
        over = peak - ceiling_dbtp
        short = target_lufs - after if target_lufs is not None and math.isfinite(after) else 0.0
        if over <= 0 and (abs(short) < _CLOSE_ENOUGH or attempt >= _ATTEMPTS - 1):
            break
        if over > 0:  # inter-sample peaks above the limiter's (sample-peak) ceiling
            ceiling -= over + 0.02
        if attempt < _ATTEMPTS - 1 and abs(short) >= _CLOSE_ENOUGH:
            # The limiter takes back part of a gain: aim by the last two passes' slope.
            slope = 1.0
            if tried is not None and gain != tried[0]:
                slope = min(1.0, max(0.1, (after - tried[1]) / (gain - tried[0])))
            tried = (gain, after)
            gain += min(_MAX_STEP_DB, max(-_MAX_STEP_DB, short / slope))
    if over > 0:  # still over after all the passes (never seen): a clearly lower ceiling
        out, limited = _gain_and_limit(audio, gain, limiter, ceiling - over - 1.0)
        after, peak = integrated_loudness(out, rate), true_peak_dbtp(out)
    return out, LoudnessReport(target_lufs, before, after, peak_before, peak, gain, limited)


def _gain_and_limit(
    audio: np.ndarray, gain_db: float, limiter: Limiter, ceiling_db: float
) -> tuple[np.ndarray, float]:
    """``audio`` × the gain, limited at ``ceiling_db`` (aligned: the look-ahead delay removed);
    with the limiter's deepest gain reduction in dB."""
    delay = limiter.latency_frames
    out = np.zeros((len(audio) + delay, audio.shape[1]), np.float32)
    np.multiply(audio, np.float32(db_to_gain(gain_db)), out=out[: len(audio)])
    limiter.reset()
    limiter.ceiling_db = ceiling_db
    limiter.process(out)
    return out[delay:], limiter.gain_reduction_db
