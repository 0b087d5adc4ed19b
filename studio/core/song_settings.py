"""The generation settings a song remembers, kept in a MIDI text event.

A generated idea has a key, chords, a seed, a tempo, a length, a meter and a phrase form. Saved
with the song as one text meta event (``Song.text_events``, written at tick 0 of the conductor
track) holding tagged JSON::

    motif-studio:{"v":1,"key":"D minor","chords":["Dm","Bb"],"seed":1207,"tempo":120,"bars":8,
                  "meter":"6/8","form":"AABA"}

a reopened idea gets its key shading, key lock, chord lane, meter and form back. Files written
before meters and forms simply lack those two fields (they read as unknown). Any other text event (a
third-party file's comments) is kept as it is; a damaged or foreign text is ignored, and a field
with a wrong value is dropped on its own.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from studio.core.errors import InvalidInput
from studio.core.music import Song
from studio.core.theory import Key

TAG = "motif-studio:"
VERSION = 1
MAX_TEXT = 64 * 1024
"""Longer texts are not ours (a settings text is a few hundred bytes)."""
MAX_CHORDS = 4096
_METER = re.compile(r"[1-9][0-9]?/(1|2|4|8|16|32)")
_FORM = re.compile(r"[A-Za-z]{1,32}")


@dataclass(frozen=True, slots=True)
class SongSettings:
    """What a song was generated with; every field may be unknown.

    Attributes:
        key: the key's name, ``Key.parse``-able ("D minor", "G dorian"), or None.
        chords: one chord name per bar of the song's meter from bar 1 ("" for a bar without
            one).
        seed: the generator's seed, or None.
        tempo: beats per minute, or None.
        bars: the length asked for, in bars of ``meter`` (4/4 when unknown), or None.
        meter: the meter it was generated in ("4/4", "2/4", "3/4", "6/8"), or None.
        form: the phrase form it was generated in ("AABB", "AABA", "ABAC", "ABAB",
            "through"), or None.
    """

    key: str | None = None
    chords: tuple[str, ...] = ()
    seed: int | None = None
    tempo: float | None = None
    bars: int | None = None
    meter: str | None = None
    form: str | None = None

    @property
    def is_empty(self) -> bool:
        """True when nothing is known (nothing worth writing)."""
        return self == SongSettings()

    def parsed_key(self) -> Key | None:
        """The key as a ``Key`` (None when unknown)."""
        return Key.parse(self.key) if self.key is not None else None


def encode(settings: SongSettings) -> str:
    """The text event for ``settings``: ``TAG`` and compact JSON without the unknown fields."""
    data: dict[str, object] = {"v": VERSION}
    if settings.key is not None:
        data["key"] = settings.key
    if settings.chords:
        data["chords"] = list(settings.chords)
    for name in ("seed", "tempo", "bars", "meter", "form"):
        value = getattr(settings, name)
        if value is not None:
            data[name] = int(value) if name == "tempo" and float(value).is_integer() else value
    return TAG + json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def decode(text: str) -> SongSettings | None:
    """The settings in a text event, or None when the text is not ours or is damaged."""
    if not text.startswith(TAG) or len(text) > MAX_TEXT:
        return None
    try:
        data = json.loads(text[len(TAG) :])
    except (ValueError, RecursionError):  # damaged, or absurdly nested
        return None
    if not isinstance(data, dict):
        return None
    return SongSettings(
        key=_key(data.get("key")),
        chords=_chords(data.get("chords")),
        seed=_whole(data.get("seed")),
        tempo=_tempo(data.get("tempo")),
        bars=_whole(data.get("bars"), minimum=1),
        meter=_matching(data.get("meter"), _METER),
        form=_matching(data.get("form"), _FORM),
    )


def find_settings(texts: Sequence[str]) -> SongSettings | None:
    """The settings among a song's text events (the last readable one), or None."""
    for text in reversed(texts):
        settings = decode(text)
        if settings is not None:
            return settings
    return None


def settings_of(song: Song) -> SongSettings | None:
    """The settings ``song`` carries, or None."""
    return find_settings(song.text_events)


def with_settings(song: Song, settings: SongSettings | None) -> Song:
    """``song`` carrying ``settings``: every text of ours goes (damaged ones too), the new one
    goes last; None or empty settings just remove ours. Other text events stay, in order.
    """
    others = tuple(t for t in song.text_events if not t.startswith(TAG))
    texts = others if settings is None or settings.is_empty else (*others, encode(settings))
    return song if texts == song.text_events else replace(song, text_events=texts)


def _key(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return Key.parse(value).name
    except InvalidInput:
        return None


def _chords(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_CHORDS:
        return ()
    if not all(isinstance(chord, str) for chord in value):
        return ()
    return tuple(chord.strip() for chord in value)


def _matching(value: object, pattern: re.Pattern) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _whole(value: object, minimum: int = 0) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        return None
    return value


def _tempo(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) and 0 < value <= 1000 else None
