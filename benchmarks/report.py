"""Shared by the benchmark scripts: print a measured table and keep it in docs/BENCHMARKS.md.

Each script owns one section of the file, between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->``; running the script again replaces just that section.
"""

from __future__ import annotations

import functools
import platform
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "docs" / "BENCHMARKS.md"


@functools.cache
def machine() -> str:
    """The Python version and processor, for the line that says how a table was measured, and
    how fast the machine ran plain Python then (the reference machine has run about twice as
    slowly on some days as on others, and every table with it): call it before measuring."""
    return f"Python {platform.python_version()}, {platform.machine()}, {yardstick()}"


def yardstick() -> str:
    """How long a plain Python loop of ten million additions takes here now (best of three)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - start)
    return f"10 M Python additions in {best:.2f} s"


def record(
    name: str,
    heading: str,
    how: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    write: bool = True,
) -> str:
    """Print the table and (unless ``write`` is false) put it in section ``name`` of the file.

    ``how`` completes "Measured <date> with …": the command and the conditions of the run.
    """
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = "\n".join([
        begin,
        f"Measured {time.strftime('%Y-%m-%d')} with {how}:",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows),
        end,
    ])  # fmt: skip
    print(block)
    if write:
        text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
        if begin in text:
            text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
        else:
            text = text.rstrip("\n") + f"\n\n## {heading}\n" + block + "\n"
        RESULTS.write_text(text)
    return block
