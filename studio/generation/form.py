"""Phrase form: which phrases of a new melody repeat which, and where its cadences fall.

Folk tunes and most songs are built from phrases that return: an 8-bar reel strain is often
``ABAC`` in two-bar phrases, a 16-bar air ``AABA`` in four-bar ones. ``plan_form`` turns a form
name and a length into a ``PhrasePlan``: a label per phrase, and for every unit (a bar, or a pair
of 2/4 bars: ``studio.generation.data``) whether it repeats an earlier unit and which cadence
closes it. The generator copies repeated units (so a repeat is recognisably the same), generates
afresh the last unit of a repeated phrase that closes on a cadence (first and second endings;
a short phrase that runs on into the next comes back whole), and decodes cadences: the
tonic at the end of the melody, the dominant at the end of its first half (a half cadence), a
held chord tone at other phrase ends.

Units are counted from 0; phrases are ``phrase_units`` units long (the last may be shorter).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from studio.core.errors import InvalidInput
from studio.core.forms import form_error, is_form

CADENCE_UNITS = 4
"""Inner phrase ends close with a cadence only every this many units."""
SECTION_UNITS = 8
"""Units per section (two phrases of ``CADENCE_UNITS``). Real tunes close a section with a
longer note than the phrase end inside it (valid 4/4 windows: 56 % against 27 % of final notes
last a beat or more; 6/8: 47 % against 5 %), so the two kinds of phrase end get their own
ending rhythms (``StylePriors.ending``)."""


class Cadence(StrEnum):
    """How a unit closes its phrase."""

    FINAL = "final"
    """The melody's last unit: it ends on the tonic, held."""
    HALF = "half"
    """The end of the first half: it ends on a note of the dominant chord, held."""
    PHRASE = "phrase"
    """Another phrase end: a chord tone of the unit's chord, held."""


@dataclass(frozen=True)
class PhrasePlan:
    """The phrase layout of a melody of ``units`` units.

    Attributes:
        units: the melody's length in units.
        phrase_units: units per phrase.
        labels: one letter per phrase; equal letters are the same music.
        form: the form name it was planned from.
    """

    units: int
    phrase_units: int
    labels: tuple[str, ...]
    form: str

    def phrase_of(self, unit: int) -> int:
        """Index of the phrase that holds ``unit``."""
        return unit // self.phrase_units

    def source_of(self, unit: int) -> int | None:
        """The earlier unit that ``unit`` repeats, or None (the first statement of its phrase,
        or a unit that closes on a cadence, which closes afresh: first and second endings).
        A short phrase that runs on into its answer repeats whole, as in tunes: in 8-bar 4/4
        and 6/8 windows bar 6 is bar 2 again in about 40 % of them, in 2/4 bars 5–6 are
        bars 1–2 in 60 %."""
        phrase, offset = divmod(unit, self.phrase_units)
        if self.cadence_of(unit) is not None:
            return None
        label = self.labels[phrase]
        first = self.labels.index(label)
        if first == phrase:
            return None
        source = first * self.phrase_units + offset
        return source if source < unit else None

    def is_phrase_end(self, unit: int) -> bool:
        """Whether ``unit`` is the last of its phrase (or of the melody)."""
        return unit == self.units - 1 or unit % self.phrase_units == self.phrase_units - 1

    def cadence_of(self, unit: int) -> Cadence | None:
        """The cadence that closes ``unit``, or None: the melody's end, the end of its first
        half, and other phrase ends that close four units (short two-unit phrases run on
        into their answer, as in tunes, where cadences come every four bars)."""
        if unit == self.units - 1:
            return Cadence.FINAL
        if not self.is_phrase_end(unit):
            return None
        half = self.units // 2
        if self.units >= 4 and unit == half - 1:
            return Cadence.HALF
        return Cadence.PHRASE if (unit + 1) % CADENCE_UNITS == 0 else None


def phrase_length(units: int) -> int:
    """Units per phrase for a melody of ``units`` units: four phrases when the length divides
    into four (8 → 2, 16 → 4, 32 → 8), else two-unit phrases (four-unit from 12 units on)."""
    if units >= 4 and units % 4 == 0:
        return units // 4
    return 4 if units >= 12 else 2 if units >= 4 else max(1, units)


def plan_form(form: str, units: int) -> PhrasePlan:
    """The ``PhrasePlan`` of ``form`` (``is_form``) over ``units`` units.

    A length that does not make four phrases repeats the form's letters cyclically
    ("AABB" over six phrases: AABBAA); "through" gives every phrase its own letter.

    Raises:
        InvalidInput: an unknown form or a length below one unit.
    """
    if not is_form(form):
        raise InvalidInput(form_error(form))
    if units < 1:
        raise InvalidInput(f"a melody needs at least one unit, not {units}")
    size = phrase_length(units)
    phrases = -(-units // size)
    if form == "through":
        labels = tuple(chr(ord("A") + i % 26) for i in range(phrases))
    else:
        labels = tuple(form[i % len(form)] for i in range(phrases))
    return PhrasePlan(units, size, labels, form)
