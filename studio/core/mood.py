"""A track's mood on the two axes listeners use: valence (dark ↔ bright) and arousal (calm ↔
energetic), read from what the notes say.

The cues are the ones music psychology finds most reliable for what a listener hears in a
piece (Gabrielsson & Lindström 2010; Eerola, Friberg & Bresin 2013):

- ``mode``: major or minor, from the Krumhansl key profiles (the best major key's correlation
  against the best minor key's) — valence;
- ``pace``: note starts per second (a chord is one start) — arousal, and valence a little;
- ``articulation``: how much of the gap to its part's next note a note holds (short, detached
  notes are energetic; held, smooth ones calm) — arousal; left at 0 when the notes hold exactly
  their written values (a score says nothing of how it is played);
- ``loudness``: the notes' mean velocity — arousal; left at 0 when every note has the same
  velocity (a score written to MIDI has no dynamics: its one velocity is the exporter's);
- ``register``: the mean pitch — higher is brighter and a little more energetic.

Each cue is a number from −1 to 1, 0 in the middle of ordinary music (the ``*_MIDDLE``
constants, near the medians of the music21 corpus); each axis is a weighted mean of cues, so it
stays within −1…1. Time is read in seconds, so a file that plays the same music
in other beats (twice the beats at twice the tempo) has the same mood; transposing moves only
the register cue (a few hundredths per semitone on valence).

What it cannot hear: harmony beyond major and minor (dissonance, chromatic colour),
orchestration and timbre, lyrics, performance nuance beyond velocity, and any drum part (drums
are left out). It describes the notes, not what a given listener feels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from studio.core.keyfinding import key_correlations
from studio.core.music import Song, TrackColumns, track_columns
from studio.core.stats import median

MODE_SCALE = 0.1
"""Correlation difference (best major − best minor) that reads as a clear mode (tanh scale)."""
PACE_MIDDLE = 3.5
"""Note starts per second of ordinary music (cue 0; the music21 corpus's median is 3.6); twice
as many is cue tanh(1) ≈ 0.76."""
ARTICULATION_MIDDLE = 0.85
"""Share of the gap to the next note that an ordinary note holds (cue 0)."""
AS_WRITTEN = 0.02
"""Notes that (in the median) hold their whole gap within this share are a score's written
values, which say nothing of how they are played: articulation then reads 0."""
LOUDNESS_MIDDLE, LOUDNESS_SCALE = 80.0, 30.0
REGISTER_MIDDLE, REGISTER_SCALE = 64.0, 12.0
"""Mean pitch of cue 0: between the corpus's single-line tunes (median 71) and its chorales
(61); an octave above it is cue tanh(1)."""
CHORD_SECONDS = 0.03
"""Note starts closer than this are one start (a chord, or a chord played slightly spread)."""
VALENCE_WEIGHTS = {"mode": 0.6, "register": 0.2, "pace": 0.2}
AROUSAL_WEIGHTS = {"pace": 0.55, "articulation": 0.2, "loudness": 0.15, "register": 0.1}
WORD_THRESHOLD = 0.25
"""An axis this far from 0 is named ("bright", "calm"); closer, it is not."""
AXIS_WORDS = {
    "calm": ("arousal", -1), "energetic": ("arousal", 1),
    "dark": ("valence", -1), "bright": ("valence", 1),
}  # fmt: skip
"""The word for each end of each axis: (axis, side), +1 the high end."""
_AXES = (("arousal", "energetic", "calm"), ("valence", "bright", "dark"))
"""The axes in the order their words are said ("calm and dark"), with their two words."""


def _axis_word(value: float, high: str, low: str) -> str:
    """``high`` or ``low`` when ``value`` is past ``WORD_THRESHOLD`` on that side, else ""."""
    return high if value >= WORD_THRESHOLD else low if value <= -WORD_THRESHOLD else ""


@dataclass(frozen=True, slots=True)
class Mood:
    """Valence (−1 dark … 1 bright) and arousal (−1 calm … 1 energetic), and the ``cues`` they
    were read from (name → −1…1; see the module docstring)."""

    valence: float
    arousal: float
    cues: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def words(self) -> str:
        """The mood in words: "calm and dark", "energetic", "bright"… or "neutral"."""
        named = [_axis_word(getattr(self, axis), high, low) for axis, high, low in _AXES]
        return " and ".join(word for word in named if word) or "neutral"

    @property
    def description(self) -> str:
        """The words and both values, for a line of text or a tooltip: "calm and dark
        (valence -0.42 dark…bright, arousal -0.31 calm…energetic)"."""
        return (
            f"{self.words} (valence {self.valence:+.2f} dark…bright, "
            f"arousal {self.arousal:+.2f} calm…energetic)"
        )

    def to_json(self) -> dict:
        """``{"valence", "arousal", "words", "cues"}``, rounded for people and scripts."""
        return {
            "valence": round(self.valence, 3),
            "arousal": round(self.arousal, 3),
            "words": self.words,
            "cues": {name: round(value, 3) for name, value in self.cues.items()},
        }


def song_mood(song: Song, columns: Sequence[TrackColumns] | None = None) -> Mood | None:
    """The mood of a song's pitched notes (drum tracks left out); None without any.
    ``columns``: ``track_columns`` of each of its tracks, when the caller has them already."""
    if columns is None:
        columns = [track_columns(t) for t in song.tracks]
    pitched = [
        (number, found)
        for number, (track, found) in enumerate(zip(song.tracks, columns, strict=True))
        if not track.is_drum and len(found.pitch)
    ]
    if not pitched:
        return None
    pitch, start, end, velocity = (
        np.concatenate([getattr(found, name) for _, found in pitched])
        for name in ("pitch", "start", "end", "velocity")
    )
    part = np.concatenate([np.full(len(found.pitch), number) for number, found in pitched])
    return mood(
        pitch,
        song.beats_to_seconds_array(start),
        song.beats_to_seconds_array(end),
        velocity,
        part,
    )


def mood(
    pitch: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    velocity: np.ndarray,
    part: np.ndarray | None = None,
) -> Mood | None:
    """The mood of some notes: MIDI ``pitch``, ``start`` and ``end`` in seconds, ``velocity``
    1–127, and the ``part`` (track) of each (articulation is read within a part); None
    without notes."""
    pitch = np.asarray(pitch, dtype=np.int64)
    if len(pitch) == 0:
        return None
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    velocity = np.asarray(velocity, dtype=np.float64)
    part = np.zeros(len(pitch), np.int64) if part is None else np.asarray(part, np.int64)
    length = np.maximum(end - start, 1e-3)  # zero-length notes still count a little
    cues = {
        "mode": _mode(pitch, length),
        "pace": _pace(start, end),
        "articulation": _articulation(start, length, part),
        "loudness": _loudness(velocity, length),
        "register": float(np.tanh((np.average(pitch, weights=length) - REGISTER_MIDDLE)
                                  / REGISTER_SCALE)),
    }  # fmt: skip
    return Mood(
        valence=sum(weight * cues[name] for name, weight in VALENCE_WEIGHTS.items()),
        arousal=sum(weight * cues[name] for name, weight in AROUSAL_WEIGHTS.items()),
        cues=cues,
    )


def _mode(pitch: np.ndarray, length: np.ndarray) -> float:
    histogram = np.bincount(pitch % 12, weights=length, minlength=12)
    correlations = key_correlations(histogram / histogram.sum())
    if correlations is None:  # every pitch class alike: no mode to hear
        return 0.0
    return float(np.tanh((correlations[:12].max() - correlations[12:].max()) / MODE_SCALE))


def _onsets(start: np.ndarray) -> np.ndarray:
    """The distinct note starts, a chord's notes (within ``CHORD_SECONDS``) merged."""
    ordered = np.sort(start)
    return ordered[np.concatenate([[True], np.diff(ordered) > CHORD_SECONDS])]


def _pace(start: np.ndarray, end: np.ndarray) -> float:
    onsets = _onsets(start)
    span = float(end.max() - start.min())
    if len(onsets) < 2 or span <= 0:
        return 0.0
    return float(np.tanh(np.log2(len(onsets) / span / PACE_MIDDLE)))


def _articulation(start: np.ndarray, length: np.ndarray, part: np.ndarray) -> float:
    order = np.lexsort((start, part))
    start, length, part = start[order], length[order], part[order]
    gap = np.diff(start)
    same_part = part[1:] == part[:-1]
    # a note against the next start of its part (of a chord, the note sorted last stands for it)
    following = np.flatnonzero(same_part & (gap > CHORD_SECONDS))
    if len(following) == 0:
        return 0.0
    held = median(np.minimum(length[following] / gap[following], 1.5))
    if abs(held - 1.0) <= AS_WRITTEN:  # a score: every note its full value, nothing played
        return 0.0
    return float(np.tanh((ARTICULATION_MIDDLE - held) * 3.0))


def _loudness(velocity: np.ndarray, length: np.ndarray) -> float:
    if velocity.min() == velocity.max():  # no dynamics written: the exporter's one velocity
        return 0.0
    mean = np.average(velocity, weights=length)
    return float(np.tanh((mean - LOUDNESS_MIDDLE) / LOUDNESS_SCALE))


def shared_mood(first: Mood | None, second: Mood | None) -> str:
    """The mood words two moods share ("calm and dark", "bright"), or "" (also when either is
    None): an axis counts when both sit on the same side of it, past ``WORD_THRESHOLD``."""
    if first is None or second is None:
        return ""
    words = [
        word
        for axis, high, low in _AXES
        if (word := _axis_word(getattr(first, axis), high, low))
        and word == _axis_word(getattr(second, axis), high, low)
    ]
    return " and ".join(words)


def mood_reason(first: Mood | None, second: Mood | None) -> list[str]:
    """The reason a suggestion shows for a shared mood ("also calm and dark"), as a list of one,
    or an empty list."""
    words = shared_mood(first, second)
    return [f"also {words}"] if words else []
