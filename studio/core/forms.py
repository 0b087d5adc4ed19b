"""Phrase forms by name: which of a melody's four phrases repeat which ("AABA": the third
phrase is new, the others the same). Plain strings, shared by the generator, the commands and
the window."""

from __future__ import annotations

FORMS = ("AABB", "AABA", "ABAC", "ABAB", "through")
"""The named forms; "through" is through-composed (no phrase returns). Any other pattern of
four phrases works too (``is_form``): real tunes also go "AABC" (a phrase stated twice, then
two new ones) or "ABCB", and a form sampled from the data is the tunes' own pattern."""


def is_form(form: str) -> bool:
    """Whether ``form`` is a form the generator knows: one of ``FORMS`` or a pattern of four
    phrase letters, each a letter used before or the next new one ("AABC", "ABCB"; not
    "ABBD" nor "BAAB")."""
    if form in FORMS:
        return True
    if not isinstance(form, str) or len(form) != 4:
        return False
    used = ""
    for letter in form:
        if letter not in used:
            if letter != "ABCD"[len(used)]:
                return False
            used += letter
    return True


def form_error(form: object) -> str:
    """The sentence that refuses a form that is not ``is_form``."""
    return (f"form must be one of {', '.join(FORMS)} or a pattern of four phrases such as "
            f"AABC, not {form!r}")  # fmt: skip
