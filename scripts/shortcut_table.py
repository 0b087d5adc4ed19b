"""Rewrite the keyboard-shortcut table of docs/user-guide.md from the window's own actions.

    .venv/bin/python scripts/shortcut_table.py [--check]

Builds the window offscreen (fresh temporary user folders), takes the rows of Help ▸ Keyboard
Shortcuts (``studio.gui.shortcuts_help.shortcuts_markdown``) and puts them between the guide's
``<!-- shortcuts:begin -->`` and ``<!-- shortcuts:end -->`` markers. ``--check`` changes nothing
and exits 1 when the guide's table differs (tests/gui/test_shortcut_table.py checks the same).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "user-guide.md"
BEGIN, END = "<!-- shortcuts:begin -->", "<!-- shortcuts:end -->"
TIMEOUT_MS = 90_000


def replace_table(text: str, table: str) -> str:
    """``text`` with what lies between the markers replaced by ``table``."""
    head, begin, rest = text.partition(BEGIN)
    _old, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{GUIDE}: the markers {BEGIN} and {END} are missing")
    return f"{head}{BEGIN}\n{table}{END}{tail}"


def window_table() -> str:
    """The shortcut table of a window built offscreen in temporary user folders."""
    home = Path(tempfile.mkdtemp(prefix="motif-shortcuts-"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        os.environ[name] = str(home / name.lower())
    os.environ["MOTIF_STUDIO_CONFIG"] = str(home / "settings.json")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.gui.app import create_window
    from studio.gui.shortcuts_help import shortcuts_markdown

    app = QApplication.instance() or QApplication(["studio"])
    window = create_window()
    window.show()
    result: list[str] = []

    def ready() -> None:  # every action exists once the model and the library are there
        if window.model_ready and window.library.ready:
            result.append(shortcuts_markdown(window))
            window.piano_roll.undo_stack.setClean()
            window.close()
            app.quit()
        else:
            QTimer.singleShot(100, ready)

    QTimer.singleShot(0, ready)
    QTimer.singleShot(TIMEOUT_MS, app.quit)
    app.exec()
    if not result:
        raise SystemExit("the window was not ready in time")
    return result[0]


def main() -> int:
    """Rewrite (or with --check, compare) the guide's table; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args()
    text = GUIDE.read_text(encoding="utf-8")
    new = replace_table(text, window_table())
    if args.check:
        print("the table is current" if new == text else "the table is stale")
        return 0 if new == text else 1
    if new != text:
        GUIDE.write_text(new, encoding="utf-8")
        print(f"rewrote the shortcut table in {GUIDE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
