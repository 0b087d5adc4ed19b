"""WAV files: 16-bit PCM stereo, written atomically with the standard ``wave`` module."""

from __future__ import annotations

import io
import os
import wave

import numpy as np

from studio.core.errors import StudioError
from studio.core.fileio import atomic_write_bytes

_CHUNK_FRAMES = 1 << 16


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """Encode ``audio`` (shape (samples, 2) or (samples,), floats in [−1, 1]) as WAV bytes.

    Values outside [−1, 1] are clipped; mono input is written as two equal channels.
    """
    samples = np.asarray(audio, dtype=np.float32)
    if samples.ndim == 1:
        samples = np.repeat(samples[:, None], 2, axis=1)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"audio must have shape (samples, 2), not {samples.shape}")
    pcm = np.empty(samples.shape, dtype="<i2")
    for start in range(0, len(samples), _CHUNK_FRAMES):  # in chunks: no big float temporaries
        chunk = np.clip(samples[start : start + _CHUNK_FRAMES], -1.0, 1.0) * 32767.0
        pcm[start : start + _CHUNK_FRAMES] = np.round(chunk)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(int(sample_rate))
        wav.writeframes(pcm.tobytes())
    return buffer.getvalue()


def write_wav(path: str | os.PathLike, audio: np.ndarray, sample_rate: int) -> None:
    """Write ``audio`` (see ``wav_bytes``) to ``path`` as a 16-bit stereo WAV file, atomically.

    Raises ``StudioError`` when the file cannot be written (missing folder, no permission…).
    """
    data = wav_bytes(audio, sample_rate)
    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        raise StudioError(f"cannot write {path}: {error.strerror or error}") from None


def read_wav(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Read a 16-bit PCM WAV file: (float32 samples of shape (samples, 2) in [−1, 1], rate).

    Mono files are returned as two equal channels.
    """
    try:
        with wave.open(os.fspath(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as error:
        raise StudioError(f"cannot read {path} as WAV: {error}") from None
    if width != 2 or channels not in (1, 2):
        raise StudioError(f"{path}: only 16-bit mono or stereo WAV files are supported")
    pcm = np.frombuffer(frames, dtype="<i2").reshape(-1, channels)
    audio = np.maximum(pcm.astype(np.float32) / 32767.0, -1.0)
    if channels == 1:
        audio = np.repeat(audio, 2, axis=1)
    return audio, rate
