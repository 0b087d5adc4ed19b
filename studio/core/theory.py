"""Music theory: pitch names, scales, keys and chord symbols.

Pitches are MIDI note numbers (60 = middle C = C4); pitch classes are 0–11 (0 = C). Everything
that parses text raises ``InvalidInput`` with a sentence a user understands. Keys and chords keep
pitch classes only, so they do not remember how they were spelled: names are spelled by rule
(flats for flat keys, see ``Key.name``).
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

from studio.core.errors import InvalidInput

_LETTERS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"#": 1, "♯": 1, "b": -1, "♭": -1}
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_NOTE_RE = re.compile(r"([A-Ga-g])([#♯b♭]*)")
_PITCH_RE = re.compile(r"([A-Ga-g])([#♯b♭]*)(-?\d+)")


def _check_pitch_class(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not 0 <= value <= 11:
        raise InvalidInput(f"{what} {value!r} must be a pitch class 0–11")
    return int(value)


def _check_pitch(pitch: int) -> int:
    if not 0 <= pitch <= 127:
        raise InvalidInput(f"pitch {pitch} is outside the MIDI range 0–127")
    return pitch


def _note_offset(letter: str, accidentals: str) -> int:
    """Semitones of a letter plus accidentals above C (may leave 0–11: 'Cb' → -1)."""
    return _LETTERS[letter.upper()] + sum(_ACCIDENTALS[a] for a in accidentals)


def parse_pitch_class(text: str) -> int:
    """Parse a note name without octave ("F#", "Bb", "E♭", "Cb") into a pitch class 0–11."""
    match = _NOTE_RE.fullmatch(text.strip())
    if not match:
        raise InvalidInput(f"unknown note name {text!r}")
    return _note_offset(*match.groups()) % 12


def pitch_name(pitch: int, *, prefer_flats: bool = False) -> str:
    """Name a MIDI pitch with its octave: 60 → "C4", 61 → "C#4" (or "Db4" with ``prefer_flats``)."""
    _check_pitch(pitch)
    names = FLAT_NAMES if prefer_flats else SHARP_NAMES
    return f"{names[pitch % 12]}{pitch // 12 - 1}"


def parse_pitch(text: str | int) -> int:
    """Parse "C#4" (C4 = 60), "Bb-1" or a plain number "60" into a MIDI pitch 0–127."""
    if isinstance(text, int):
        return _check_pitch(text)
    stripped = text.strip()
    if re.fullmatch(r"-?\d+", stripped):
        return _check_pitch(int(stripped))
    match = _PITCH_RE.fullmatch(stripped)
    if not match:
        raise InvalidInput(f"unknown note name {text!r} (expected something like 'C#4' or '60')")
    letter, accidentals, octave = match.groups()
    return _check_pitch(12 * (int(octave) + 1) + _note_offset(letter, accidentals))


# ---------------------------------------------------------------------------------- scales

SCALES: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "natural_minor": (0, 2, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),  # ascending form
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "major_pentatonic": (0, 2, 4, 7, 9),
    "minor_pentatonic": (0, 3, 5, 7, 10),
    "blues": (0, 3, 5, 6, 7, 10),
    "chromatic": tuple(range(12)),
}
SCALE_ALIASES = {
    "ionian": "major",
    "maj": "major",
    "minor": "natural_minor",
    "min": "natural_minor",
    "aeolian": "natural_minor",
}
MINOR_FAMILY = frozenset({"natural_minor", "harmonic_minor", "melodic_minor"})
# Semitones from a mode's tonic up to the major key sharing its key signature.
_PARENT_MAJOR = {
    "major": 0, "natural_minor": 3, "harmonic_minor": 3, "melodic_minor": 3, "dorian": 10,
    "phrygian": 8, "lydian": 7, "mixolydian": 5, "locrian": 1, "major_pentatonic": 0,
    "minor_pentatonic": 3, "blues": 3, "chromatic": 0,
}  # fmt: skip
_FLAT_MAJORS = frozenset({5, 10, 3, 8, 1, 6})  # F, Bb, Eb, Ab, Db, Gb


def canonical_scale_name(name: str) -> str:
    """Resolve a scale name or alias ("Aeolian", "harmonic minor") to its key in ``SCALES``."""
    key = re.sub(r"[\s\-]+", "_", name.strip().lower())
    key = SCALE_ALIASES.get(key, key)
    if key not in SCALES:
        valid = ", ".join(sorted([*SCALES, *SCALE_ALIASES]))
        raise InvalidInput(f"unknown scale {name!r}; valid scales are: {valid}")
    return key


def scale_intervals(name: str) -> tuple[int, ...]:
    """Semitone intervals above the tonic of a scale given by name or alias."""
    return SCALES[canonical_scale_name(name)]


# ------------------------------------------------------------------------------------ keys


@dataclass(frozen=True, slots=True)
class Key:
    """A tonic pitch class (0–11) and a scale; ``mode`` is a canonical ``SCALES`` name.

    Aliases are accepted and resolved: ``Key(9, "minor").mode == "natural_minor"``.
    """

    tonic: int
    mode: str = "major"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tonic", _check_pitch_class(self.tonic, "key tonic"))
        object.__setattr__(self, "mode", canonical_scale_name(self.mode))

    @classmethod
    def parse(cls, text: str) -> Key:
        """Parse "C", "Bb minor", "Am", "a min", "C# harmonic minor", "E major pentatonic"…

        A bare note name is major; "m", "min" and "minor" mean natural minor. Case-insensitive.
        """
        match = re.fullmatch(r"\s*([A-Ga-g][#♯b♭]*)\s*(.*?)\s*", text)
        if not match:
            raise InvalidInput(f"unknown key {text!r} (try 'C', 'Am' or 'Bb minor')")
        tonic, mode = match.groups()
        if mode in ("", "M"):
            mode = "major"
        elif mode.lower() == "m":
            mode = "natural_minor"
        try:
            return cls(parse_pitch_class(tonic), mode)
        except InvalidInput as error:
            raise InvalidInput(f"unknown key {text!r}: {error}") from None

    @classmethod
    def from_key_signature(cls, sharps: int, minor: bool) -> Key:
        """The key of a MIDI key signature: ``sharps`` > 0 sharps, < 0 flats (−7…7)."""
        if not -7 <= sharps <= 7:
            raise InvalidInput(f"key signature with {sharps} sharps is outside −7…7")
        major_tonic = sharps * 7 % 12
        return cls((major_tonic - 3) % 12, "natural_minor") if minor else cls(major_tonic)

    @classmethod
    def from_midi_key_name(cls, name: str) -> Key:
        """Parse mido's key-signature strings: "C", "Bb", "F#m", "Cbm"."""
        text = name.strip()
        minor = text.endswith("m")
        try:
            tonic = parse_pitch_class(text[:-1] if minor else text)
        except InvalidInput:
            raise InvalidInput(f"unknown MIDI key name {name!r}") from None
        return cls(tonic, "natural_minor" if minor else "major")

    @property
    def intervals(self) -> tuple[int, ...]:
        """Semitones of the scale above the tonic."""
        return SCALES[self.mode]

    @property
    def pitch_classes(self) -> frozenset[int]:
        """The pitch classes (0–11) of the scale."""
        return frozenset((self.tonic + i) % 12 for i in self.intervals)

    @property
    def uses_flats(self) -> bool:
        """True when the key is written with flats (its parent major is F, Bb, Eb, Ab, Db or Gb)."""
        return (self.tonic + _PARENT_MAJOR[self.mode]) % 12 in _FLAT_MAJORS

    @property
    def tonic_name(self) -> str:
        """The tonic spelled for this key: "Bb" in Bb minor, "C#" in C# minor."""
        return (FLAT_NAMES if self.uses_flats else SHARP_NAMES)[self.tonic]

    @property
    def name(self) -> str:
        """Readable name: "Bb minor", "F major", "D dorian", "C# harmonic minor"."""
        mode = "minor" if self.mode == "natural_minor" else self.mode.replace("_", " ")
        return f"{self.tonic_name} {mode}"

    def __str__(self) -> str:
        return self.name

    @property
    def midi_key_name(self) -> str:
        """mido's key string for major/minor keys: "Bb", "F#m"."""
        is_minor = self.to_key_signature()[1]
        return self.tonic_name + ("m" if is_minor else "")

    def contains(self, pitch: int) -> bool:
        """True when a MIDI pitch (or pitch class) belongs to the scale."""
        return (pitch - self.tonic) % 12 in self.intervals

    def scale_pitches(self, low: int = 0, high: int = 127) -> list[int]:
        """All MIDI pitches of the scale from ``low`` to ``high`` inclusive, ascending."""
        return [p for p in range(max(low, 0), min(high, 127) + 1) if self.contains(p)]

    def degree_pitch(self, degree: int, octave: int = 4) -> int:
        """MIDI pitch of a scale degree; degree 1 is the tonic in ``octave`` (C4 = 60).

        Degrees past the scale continue upwards (8 = tonic an octave up in a 7-note scale),
        and 0, −1… continue downwards (0 = the degree just below the tonic).
        """
        shift, index = divmod(degree - 1, len(self.intervals))
        return _check_pitch(12 * (octave + 1 + shift) + self.tonic + self.intervals[index])

    def transpose(self, semitones: int) -> Key:
        """The same mode on a tonic ``semitones`` higher (or lower when negative)."""
        return Key((self.tonic + semitones) % 12, self.mode)

    def relative(self) -> Key:
        """Relative minor of a major key, relative major of a minor key (same key signature)."""
        pairs = {"major": ("natural_minor", -3), "major_pentatonic": ("minor_pentatonic", -3),
                 "minor_pentatonic": ("major_pentatonic", 3)}  # fmt: skip
        pairs.update({m: ("major", 3) for m in MINOR_FAMILY})
        if self.mode not in pairs:
            raise InvalidInput(f"{self.name} has no relative major or minor key")
        mode, shift = pairs[self.mode]
        return Key((self.tonic + shift) % 12, mode)

    def to_key_signature(self) -> tuple[int, bool]:
        """(sharps, is_minor) for a MIDI key-signature event; flats are negative sharps.

        Only for major and minor-family keys (harmonic/melodic minor use the minor signature).
        """
        if self.mode != "major" and self.mode not in MINOR_FAMILY:
            raise InvalidInput(f"{self.name} cannot be written as a MIDI key signature")
        major_tonic = (self.tonic + _PARENT_MAJOR[self.mode]) % 12
        sharps = major_tonic * 7 % 12
        if major_tonic in _FLAT_MAJORS:
            sharps -= 12
        return sharps, self.mode != "major"


# ---------------------------------------------------------------------------------- chords

# Quality name → semitones above the root. The name is also the symbol suffix, except that
# "maj" is written "" and "min" is written "m".
CHORD_QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6), "aug": (0, 4, 8),
    "sus2": (0, 2, 7), "sus4": (0, 5, 7), "5": (0, 7),
    "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11), "m7": (0, 3, 7, 10), "mMaj7": (0, 3, 7, 11),
    "dim7": (0, 3, 6, 9), "m7b5": (0, 3, 6, 10), "aug7": (0, 4, 8, 10), "7sus4": (0, 5, 7, 10),
    "9": (0, 4, 7, 10, 14), "maj9": (0, 4, 7, 11, 14), "m9": (0, 3, 7, 10, 14),
    "add9": (0, 4, 7, 14), "madd9": (0, 3, 7, 14),
}  # fmt: skip
# Symbol suffix → quality. Looked up as written first ("M7" is maj7), then lower-cased.
_CHORD_SUFFIXES = {
    "": "maj", "M": "maj", "maj": "maj", "major": "maj",
    "m": "min", "min": "min", "minor": "min",
    "dim": "dim", "o": "dim", "°": "dim", "aug": "aug", "+": "aug",
    "sus": "sus4", "sus4": "sus4", "sus2": "sus2", "5": "5",
    "6": "6", "M6": "6", "maj6": "6", "m6": "m6", "min6": "m6", "7": "7", "dom7": "7",
    "maj7": "maj7", "M7": "maj7", "Δ": "maj7", "Δ7": "maj7", "ma7": "maj7",
    "m7": "m7", "min7": "m7", "mM7": "mMaj7", "mmaj7": "mMaj7", "minmaj7": "mMaj7",
    "m(maj7)": "mMaj7", "dim7": "dim7", "o7": "dim7", "°7": "dim7",
    "m7b5": "m7b5", "m7♭5": "m7b5", "min7b5": "m7b5", "ø": "m7b5", "ø7": "m7b5",
    "aug7": "aug7", "+7": "aug7", "7#5": "aug7", "7sus4": "7sus4", "7sus": "7sus4",
    "9": "9", "maj9": "maj9", "M9": "maj9", "Δ9": "maj9", "m9": "m9", "min9": "m9",
    "add9": "add9", "madd9": "madd9",
}  # fmt: skip
_NO_CHORD = frozenset({"n.c.", "n.c", "nc", "n"})
_MINOR_THIRD_ROOTS = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")
_MAJOR_ROOTS = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Letter steps above the root used to spell a slash bass at each interval (b3 not #2…).
_INTERVAL_STEPS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)
_LETTER_ORDER = "CDEFGAB"


def _chord_quality(suffix: str) -> str | None:
    """The ``CHORD_QUALITIES`` name of a symbol suffix, or None when unknown."""
    if suffix in _CHORD_SUFFIXES:
        return _CHORD_SUFFIXES[suffix]
    lowered = suffix.lower()
    if suffix.startswith("M") and not lowered.startswith(("ma", "mi")):
        return None  # a capital M means major ("M7"); only the listed forms are known
    return _CHORD_SUFFIXES.get(lowered)


def _spell_above(root_name: str, interval: int) -> str:
    """Spell the note ``interval`` semitones above ``root_name`` with the letter it implies."""
    letter = _LETTER_ORDER[(_LETTER_ORDER.index(root_name[0]) + _INTERVAL_STEPS[interval]) % 7]
    target = (_note_offset(root_name[0], root_name[1:]) + interval) % 12
    shift = (target - _LETTERS[letter] + 6) % 12 - 6
    if abs(shift) > 1:
        return _MAJOR_ROOTS[target]
    return letter + {-1: "b", 0: "", 1: "#"}[shift]


@dataclass(frozen=True, slots=True)
class Chord:
    """A chord: root pitch class, a ``CHORD_QUALITIES`` name and an optional slash bass.

    Suffix aliases are resolved (``Chord(0, "M7").quality == "maj7"``); a bass equal to the
    root is dropped (``C/C`` is ``C``).
    """

    root: int
    quality: str = "maj"
    bass: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", _check_pitch_class(self.root, "chord root"))
        quality = self.quality if self.quality in CHORD_QUALITIES else _chord_quality(self.quality)
        if quality is None:
            raise InvalidInput(f"unknown chord quality {self.quality!r}")
        object.__setattr__(self, "quality", quality)
        if self.bass is not None:
            object.__setattr__(self, "bass", _check_pitch_class(self.bass, "chord bass"))
        if self.bass == self.root:
            object.__setattr__(self, "bass", None)

    @classmethod
    def parse(cls, symbol: str) -> Chord | None:
        """Parse a chord symbol ("Am", "G7", "FΔ7", "Bø", "C/E"); "N.C." (no chord) gives None."""
        text = symbol.strip()
        if text.lower() in _NO_CHORD:
            return None
        head, slash, bass_text = text.partition("/")
        match = re.fullmatch(r"([A-Ga-g][#♯b♭]?)(.*)", head)
        quality = _chord_quality(match.group(2)) if match else None
        if quality is None:
            raise InvalidInput(f"unknown chord symbol {symbol!r}")
        try:
            bass = parse_pitch_class(bass_text) if slash else None
        except InvalidInput:
            raise InvalidInput(f"unknown chord symbol {symbol!r} (bad bass note)") from None
        return cls(parse_pitch_class(match.group(1)), quality, bass)

    @property
    def intervals(self) -> tuple[int, ...]:
        """Semitones of the chord tones above the root (root position, bass excluded)."""
        return CHORD_QUALITIES[self.quality]

    @property
    def tones(self) -> frozenset[int]:
        """Pitch classes of the chord, including a slash bass."""
        tones = {(self.root + i) % 12 for i in self.intervals}
        if self.bass is not None:
            tones.add(self.bass)
        return frozenset(tones)

    @property
    def name(self) -> str:
        """Canonical symbol: "C", "Ebm7", "F#dim", "Bbmaj7", "D/F#"."""
        minor_third = 3 in self.intervals and 4 not in self.intervals
        root = (_MINOR_THIRD_ROOTS if minor_third else _MAJOR_ROOTS)[self.root]
        suffix = {"maj": "", "min": "m"}.get(self.quality, self.quality)
        if self.bass is None:
            return root + suffix
        return f"{root}{suffix}/{_spell_above(root, (self.bass - self.root) % 12)}"

    def name_in(self, key: Key) -> str:
        """The symbol spelled for ``key``: "Gb" rather than "F#" in Bb minor, and the chord on
        the leading tone as a raised seventh ("C#dim" in D minor, not "Dbdim")."""
        leading_tone = self.root == (key.tonic + 11) % 12
        root = (FLAT_NAMES if key.uses_flats and not leading_tone else SHARP_NAMES)[self.root]
        suffix = {"maj": "", "min": "m"}.get(self.quality, self.quality)
        if self.bass is None:
            return root + suffix
        return f"{root}{suffix}/{_spell_above(root, (self.bass - self.root) % 12)}"

    def __str__(self) -> str:
        return self.name

    def contains(self, pitch: int) -> bool:
        """True when a MIDI pitch (or pitch class) is a chord tone."""
        return pitch % 12 in self.tones

    def voicing(self, octave: int = 4) -> list[int]:
        """MIDI pitches in root position from the root in ``octave`` (C4 = 60), ascending.

        A slash bass is added as the nearest pitch below the root.
        """
        root = 12 * (octave + 1) + self.root
        pitches = [root + i for i in self.intervals]
        if self.bass is not None:
            pitches.insert(0, root - ((self.root - self.bass) % 12))
        return [_check_pitch(p) for p in pitches]

    def transpose(self, semitones: int) -> Chord:
        """The same chord ``semitones`` higher (bass moves too)."""
        bass = None if self.bass is None else (self.bass + semitones) % 12
        return Chord((self.root + semitones) % 12, self.quality, bass)


def parse_progression(text: str) -> list[Chord | None]:
    """Parse chords separated by spaces, commas, '|' or '-': "C G Am F", "Dm7 | G7 | Cmaj7".

    "N.C." gives None at its place. An empty text or any unknown symbol raises ``InvalidInput``.
    """
    symbols = [s for s in re.split(r"[\s,|\-]+", text) if s]
    if not symbols:
        raise InvalidInput("the chord progression is empty")
    return [Chord.parse(symbol) for symbol in symbols]


_TRIADS = {CHORD_QUALITIES[q]: q for q in ("maj", "min", "dim", "aug")}


def diatonic_chords(key: Key) -> list[Chord]:
    """Triads in thirds on each degree of a 7-note scale: C major → C Dm Em F G Am Bdim."""
    scale = key.intervals
    if len(scale) != 7:
        raise InvalidInput(f"{key.name} has {len(scale)} notes; diatonic triads need 7")
    chords = []
    for degree, base in enumerate(scale):
        third = (scale[(degree + 2) % 7] - base) % 12
        fifth = (scale[(degree + 4) % 7] - base) % 12
        quality = _TRIADS.get((0, third, fifth))
        if quality is None:
            raise InvalidInput(f"degree {degree + 1} of {key.name} is not a standard triad")
        chords.append(Chord((key.tonic + base) % 12, quality))
    return chords
