"""Phrase forms by name and by pattern."""

from __future__ import annotations

import pytest

from studio.core.forms import FORMS, form_error, is_form


@pytest.mark.parametrize("form", [*FORMS, "AABC", "ABCB", "ABBA", "AAAA", "ABCD", "AAAB"])
def test_named_forms_and_patterns_of_four_phrases_are_forms(form):
    assert is_form(form)


@pytest.mark.parametrize("form", ["ABBD", "BAAB", "ACBA", "AAB", "AABBA", "aabb", "", "Through"])
def test_other_texts_are_not(form):
    assert not is_form(form)
    assert repr(form) in form_error(form) and "AABC" in form_error(form)
