"""The metronome: a click on every beat of the song's meter, a higher one on each bar's first.

The clicks are synthesized here (short, quickly decaying tones with a woodblock-like overtone, as
a DAW's click), not played by the SoundFont, so they keep their own volume whatever the song's
level and instruments, and they never reach an exported file. ``click_times`` lists where the
clicks fall in a rendered version of a song (the song loader computes it with each render);
the ``Transport`` mixes them into the blocks it hands to the device.

Which notes click: the beat of the meter, i.e. the denominator's note (a quarter in 3/4 and 4/4,
an eighth in 5/8 or 7/8, a half in 2/2), except in compound meters (6/8, 9/8, 12/8, 6/4 …),
which click on the dotted beat (three of the denominator's notes), as musicians count them.

Units: positions in beats (quarter notes), times in frames at the given sample rate, levels in dB
relative to a click whose peak is at full scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.core.music import Song, TimeSignature

__all__ = [
    "DEFAULT_METRONOME_DB", "METRONOME_RANGE_DB", "Clicks", "beat_length", "click_beats",
    "click_sound", "click_times",
]  # fmt: skip

DEFAULT_METRONOME_DB = -10.0
"""The metronome's default volume: clicks peak at −10 dBFS before the master (a song plays at
−16 LUFS with peaks near −3 dBFS, so the click sits clearly audible under the music)."""
METRONOME_RANGE_DB = (-40.0, 0.0)
"""The volumes the metronome can be set to, in dB."""
CLICK_SECONDS = 0.035
"""How long one click sounds."""
ACCENT_HZ = 1760.0
"""Pitch of the click on the first beat of a bar (A6)."""
BEAT_HZ = 1320.0
"""Pitch of the other clicks (E6, a fourth lower)."""
_DECAY_SECONDS = 0.007  # time constant of the exponential decay
_ATTACK_SECONDS = 0.0008  # a raised-cosine start, so the onset itself does not snap
_OVERTONE = (2.76, 0.35)  # frequency ratio and level of a woodblock-like second partial


@dataclass(frozen=True)
class Clicks:
    """Where the clicks of one rendered song fall.

    Attributes:
        frames: the first frame of each click, ascending (int64).
        accents: True where the click starts a bar (the higher click).
    """

    frames: np.ndarray
    accents: np.ndarray

    def __len__(self) -> int:
        return len(self.frames)


NO_CLICKS = Clicks(np.zeros(0, np.int64), np.zeros(0, bool))


def beat_length(signature: TimeSignature) -> float:
    """The metronome's beat in ``signature``, in quarter notes: 1 in 4/4, 0.5 in 7/8, 1.5 in
    6/8 (compound meters click on the dotted beat)."""
    note = 4.0 / signature.denominator
    compound = signature.numerator % 3 == 0 and signature.numerator > 3
    return note * 3 if compound and signature.denominator >= 4 else note


def click_beats(song: Song, end: float | None = None) -> list[tuple[float, bool]]:
    """Every click from the start to ``end`` beats (default: the song's end), as
    (beat, starts a bar), following the song's meter changes."""
    end = song.end if end is None else end
    signatures = song.time_signatures or (TimeSignature(0.0),)
    clicks: list[tuple[float, bool]] = []
    for i, signature in enumerate(signatures):
        start = 0.0 if i == 0 else signature.beat
        stop = signatures[i + 1].beat if i + 1 < len(signatures) else end
        step, bar = beat_length(signature), signature.beats_per_bar
        count = max(0, math.ceil((min(stop, end) - start) / step - 1e-9))
        for k in range(count):
            into_bar = (k * step) % bar
            clicks.append((start + k * step, min(into_bar, bar - into_bar) < 1e-9))
    return clicks


def click_times(timing: Song, sample_rate: int) -> Clicks:
    """The clicks of ``timing`` (a song as rendered: its tempo map in force) in frames."""
    beats = click_beats(timing)
    if not beats:
        return NO_CLICKS
    frames = np.array(
        [round(timing.beats_to_seconds(beat) * sample_rate) for beat, _ in beats], np.int64
    )
    return Clicks(frames, np.array([accent for _, accent in beats], bool))


def click_sound(sample_rate: int, accent: bool) -> np.ndarray:
    """One click, mono float32 of ``CLICK_SECONDS``, peaking at 1.0."""
    t = np.arange(round(CLICK_SECONDS * sample_rate)) / sample_rate
    pitch = ACCENT_HZ if accent else BEAT_HZ
    ratio, level = _OVERTONE
    tone = np.sin(2 * np.pi * pitch * t) + level * np.sin(2 * np.pi * pitch * ratio * t)
    envelope = np.exp(-t / _DECAY_SECONDS)
    attack = t < _ATTACK_SECONDS
    envelope[attack] *= 0.5 - 0.5 * np.cos(np.pi * t[attack] / _ATTACK_SECONDS)
    sound = tone * envelope
    return (sound / np.abs(sound).max()).astype(np.float32)
