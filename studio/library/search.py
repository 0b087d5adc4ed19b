"""The library search box's query: words, keys, tempo ranges and reactions, as pure functions.

``parse_query`` turns what the user typed into a ``Query`` that ``LibraryRows.view``
(``studio.library.table``) matches: words are ANDed, case- and accent-insensitive (``normalize``);
a key — "D minor", "d min", "Dm", "F# major", "Bb" (a note name alone is major) — matches tracks
in exactly that key (by pitch class: "A# minor" is "Bb minor"), while a lone letter A–G stays a
plain word ("a"); a tempo range — "100-120", "100–120 bpm" — matches tempos within it (BPM,
inclusive) and a tempo — "120bpm", "120 bpm" — tempos that round to it; "liked" / "disliked"
(or ♥ / ✕) match the profile's reaction; a mood word — "calm", "energetic", "bright", "dark" and
a few near them (``MOOD_WORDS``) — the tracks on that side of the mood's axis (``core.mood``),
and a point on the mood map — "mood:-0.5,0.3" (valence, arousal), what the library pane's mood
map types — the tracks within ``MOOD_RADIUS`` of it; and a rectangle dragged on that map —
"mood:-0.5,0.1:0.2,0.8" (two corners) — the tracks inside it.
Anything else is a plain word: nothing here raises.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from studio.core.errors import InvalidInput
from studio.core.mood import AXIS_WORDS
from studio.core.theory import Key

LIKED, DISLIKED = 1, -1
"""The reactions, as ``LibraryRows.reaction`` holds them."""
MOOD_WORDS = {
    **AXIS_WORDS,
    "relaxed": ("arousal", -1), "peaceful": ("arousal", -1),
    "lively": ("arousal", 1), "upbeat": ("arousal", 1),
    "happy": ("valence", 1), "cheerful": ("valence", 1),
    "sad": ("valence", -1), "gloomy": ("valence", -1),
}  # fmt: skip
"""Mood words of a search: the axis (``core.mood``) and its side (+1 the high end)."""
MOOD_RADIUS = 0.35
"""How far from a "mood:V,A" point (on the −1…1 map) a track's mood may lie to match."""
_NUMBER = r"(-?\d*\.?\d+)"
_MOOD_POINT = re.compile(rf"mood:{_NUMBER},{_NUMBER}")
_MOOD_REGION = re.compile(rf"mood:{_NUMBER},{_NUMBER}:{_NUMBER},{_NUMBER}")


@dataclass(frozen=True)
class Query:
    """A parsed search: every part must match (AND). ``words`` are normalised (see
    ``normalize``); ``keys`` are keys to match exactly; ``tempos`` are inclusive BPM ranges;
    ``reactions`` are +1 (liked) or -1 (disliked); ``moods`` are ``MOOD_WORDS``;
    ``mood_points`` are (valence, arousal) points of the mood map, ``mood_regions`` its
    rectangles (lowest valence, lowest arousal, highest valence, highest arousal)."""

    words: tuple[str, ...] = ()
    keys: tuple[Key, ...] = ()
    tempos: tuple[tuple[float, float], ...] = ()
    reactions: tuple[int, ...] = ()
    moods: tuple[str, ...] = ()
    mood_points: tuple[tuple[float, float], ...] = ()
    mood_regions: tuple[tuple[float, float, float, float], ...] = ()

    def __bool__(self) -> bool:
        return bool(
            self.words or self.keys or self.tempos or self.reactions or self.moods
            or self.mood_points or self.mood_regions
        )  # fmt: skip


def normalize(text: str) -> str:
    """``text`` for case- and accent-insensitive matching: NFKD without combining marks,
    casefolded ("Égloga Nº 2" → "egloga no 2")."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).casefold()


# The combining marks that NFKD splits off Latin, Greek and Cyrillic letters (accents, cedillas,
# tildes…); a character class runs in C, which matters for 100,000 titles.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


_NOTE = r"[a-g](?:#|♯|b|♭)?"
_MODE_WORDS = {"major": "major", "maj": "major", "dur": "major",
               "minor": "minor", "min": "minor", "m": "minor", "moll": "minor"}  # fmt: skip
_KEY_WORD = re.compile(rf"({_NOTE})(major|maj|minor|min|m)?")
_NUMBER = r"\d+(?:\.\d+)?"
_TEMPO_RANGE = re.compile(rf"({_NUMBER})-({_NUMBER})(?:bpm)?")
_TEMPO = re.compile(rf"({_NUMBER})bpm")


def parse_key(note: str, mode: str = "") -> Key | None:
    """The key named by a note name and an optional mode word ("d", "min" → D minor; "bb" →
    B♭ major; "f#m" as ``note`` alone → F# minor), or None when they name no key. Case-blind."""
    match = _KEY_WORD.fullmatch(note.casefold())
    if match is None:
        return None
    tonic, attached = match.groups()
    if attached and mode:
        return None
    mode_name = _MODE_WORDS.get((attached or mode).casefold(), None if mode else "major")
    if mode_name is None:
        return None
    tonic = tonic.replace("♯", "#").replace("♭", "b")
    try:
        return Key.parse(f"{tonic[0].upper()}{tonic[1:]} {mode_name}")
    except InvalidInput:
        return None


def parse_tempo(word: str) -> tuple[float, float] | None:
    """The BPM range a word means: "100-120" → (100, 120) (either order, "bpm" allowed after
    it), "120bpm" → (119.5, 120.5) (tempos that round to 120); None for anything else."""
    match = _TEMPO_RANGE.fullmatch(word)
    if match:
        low, high = sorted(float(x) for x in match.groups())
        return low, high
    match = _TEMPO.fullmatch(word)
    if match:
        bpm = float(match.group(1))
        return bpm - 0.5, bpm + 0.5
    return None


def parse_query(text: str) -> Query:
    """Split a search box's text into words, keys, tempo ranges, reactions and moods (see the
    module docstring). Never raises: text that means nothing special is a plain word."""
    text = normalize(text)
    text = re.sub(r"(\d)\s*(?:-|–|—|\.\.)\s*(\d)", r"\1-\2", text)  # "100 – 120" → "100-120"
    text = re.sub(r"(\d)\s+bpm\b", r"\1bpm", text)  # "120 bpm" → "120bpm"
    tokens = text.split()
    words, keys, tempos, reactions, moods, points, regions = [], [], [], [], [], [], []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        two_word_key = parse_key(token, following) if following in _MODE_WORDS else None
        if two_word_key is not None:
            keys.append(two_word_key)
            i += 2
            continue
        i += 1
        if token in ("liked", "♥"):
            reactions.append(LIKED)
        elif token in ("disliked", "✕"):
            reactions.append(DISLIKED)
        elif token in MOOD_WORDS:
            moods.append(token)
        elif (point := _MOOD_POINT.fullmatch(token)) is not None:
            points.append(tuple(min(max(float(v), -1.0), 1.0) for v in point.groups()))
        elif (region := _MOOD_REGION.fullmatch(token)) is not None:
            v1, a1, v2, a2 = (min(max(float(v), -1.0), 1.0) for v in region.groups())
            regions.append((min(v1, v2), min(a1, a2), max(v1, v2), max(a1, a2)))
        elif (tempo := parse_tempo(token)) is not None:
            tempos.append(tempo)
        elif len(token) > 1 and (key := parse_key(token)) is not None:
            keys.append(key)
        else:
            words.append(token)
    return Query(tuple(words), tuple(keys), tuple(tempos), tuple(reactions), tuple(moods),
                 tuple(points), tuple(regions))  # fmt: skip
