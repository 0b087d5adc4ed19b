"""Phrase plans: which units repeat which, and which cadence closes each phrase."""

from __future__ import annotations

import pytest

from studio.core.errors import InvalidInput
from studio.core.forms import FORMS
from studio.generation.form import Cadence, phrase_length, plan_form


def test_aaba_over_sixteen_bars_repeats_a_with_new_endings():
    plan = plan_form("AABA", 16)
    assert plan.phrase_units == 4 and plan.labels == ("A", "A", "B", "A")
    assert [plan.source_of(u) for u in range(4)] == [None] * 4  # the first statement
    assert [plan.source_of(u) for u in range(4, 8)] == [0, 1, 2, None]  # its own ending
    assert [plan.source_of(u) for u in range(8, 12)] == [None] * 4  # B is new
    assert [plan.source_of(u) for u in range(12, 16)] == [0, 1, 2, None]
    cadences = [plan.cadence_of(u) for u in range(16)]
    assert cadences[3] == Cadence.PHRASE and cadences[7] == Cadence.HALF
    assert cadences[11] == Cadence.PHRASE and cadences[15] == Cadence.FINAL
    assert sum(c is not None for c in cadences) == 4


def test_an_eight_bar_strain_has_two_bar_phrases():
    plan = plan_form("ABAC", 8)
    assert plan.phrase_units == 2 and plan.labels == ("A", "B", "A", "C")
    # the second A repeats whole: its end runs on into C without a cadence, as in tunes
    assert plan.source_of(4) == 0 and plan.source_of(5) == 1 and plan.source_of(6) is None
    assert plan.cadence_of(3) == Cadence.HALF and plan.cadence_of(7) == Cadence.FINAL
    aabb = plan_form("AABB", 8)  # a repeat that closes on a cadence ends afresh
    assert [aabb.source_of(u) for u in range(8)] == [None, None, 0, None, None, None, 4, None]


def test_an_eight_bar_two_four_strain_repeats_its_first_two_bars():
    plan = plan_form("ABAC", 4)  # 8 bars of 2/4: four one-unit phrases
    assert plan.phrase_units == 1
    assert [plan.source_of(u) for u in range(4)] == [None, None, 0, None]
    assert plan.cadence_of(1) == Cadence.HALF and plan.cadence_of(3) == Cadence.FINAL


def test_through_composed_repeats_nothing_and_odd_lengths_cycle_the_form():
    through = plan_form("through", 16)
    assert len(set(through.labels)) == 4
    assert all(through.source_of(u) is None for u in range(16))
    six = plan_form("AABB", 6)
    assert six.phrase_units == 2 and six.labels == ("A", "A", "B")
    assert six.source_of(2) == 0 and six.cadence_of(5) == Cadence.FINAL
    assert plan_form("AABB", 1).cadence_of(0) == Cadence.FINAL


@pytest.mark.parametrize(("units", "size"), [(1, 1), (2, 2), (4, 1), (8, 2), (12, 3), (16, 4),
                                             (32, 8), (6, 2), (10, 2), (14, 4)])  # fmt: skip
def test_phrase_length(units, size):
    assert phrase_length(units) == size


@pytest.mark.parametrize("form", FORMS)
def test_every_unit_repeats_only_an_earlier_unit_of_the_same_letter(form):
    plan = plan_form(form, 16)
    for unit in range(16):
        source = plan.source_of(unit)
        if source is not None:
            assert source < unit
            assert plan.labels[plan.phrase_of(source)] == plan.labels[plan.phrase_of(unit)]
            assert source % plan.phrase_units == unit % plan.phrase_units


def test_any_pattern_of_four_phrases_is_a_form():
    """Tunes also go AABC (a phrase stated twice, then new ones) or ABCB; the priors draw the
    tunes' own patterns."""
    plan = plan_form("AABC", 8)
    assert plan.labels == ("A", "A", "B", "C") and plan.form == "AABC"
    assert [plan.source_of(u) for u in range(8)] == [None, None, 0, None, None, None, None, None]
    abcb = plan_form("ABCB", 16)
    assert [abcb.source_of(u) for u in range(12, 16)] == [4, 5, 6, None]


def test_unknown_forms_and_empty_melodies_are_refused():
    for form in ("ABBD", "BAAB", "AAB", "AABBA", "aabb", ""):
        with pytest.raises(InvalidInput, match="form must be one of"):
            plan_form(form, 8)
    with pytest.raises(InvalidInput):
        plan_form("AABB", 0)
