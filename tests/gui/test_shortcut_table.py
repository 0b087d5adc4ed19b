"""The keyboard-shortcut table of docs/user-guide.md is what the window's actions say (rewrite
it with ``.venv/bin/python scripts/shortcut_table.py`` when this fails)."""

from __future__ import annotations

from conftest import REPO_ROOT

from studio.gui.shortcuts_help import all_shortcuts, shortcuts_markdown

GUIDE = REPO_ROOT / "docs" / "user-guide.md"
BEGIN, END = "<!-- shortcuts:begin -->", "<!-- shortcuts:end -->"


def test_the_markdown_table_has_a_row_per_shortcut(window):
    lines = shortcuts_markdown(window).splitlines()
    assert lines[0] == "| Action | Shortcut | Where |"
    assert len(lines) == 2 + len(all_shortcuts(window))
    assert "| Generate | Ctrl+G | Generate |" in lines


def test_the_guides_table_is_what_the_actions_say(window, qtbot):
    qtbot.waitUntil(lambda: window.library.ready, timeout=60_000)
    text = GUIDE.read_text(encoding="utf-8")
    assert BEGIN in text and END in text, "the guide lost its shortcut-table markers"
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip("\n")
    assert table == shortcuts_markdown(window).strip("\n"), (
        "docs/user-guide.md's shortcut table is stale: run scripts/shortcut_table.py"
    )
