"""Benchmark library indexing with embeddings; writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_index.py [N_FILES] [--no-write]
Target (issue 6): ≥ 300 typical files/s on 2 cores, parsing and embedding included. The files are
generated: the four-track songs of bench_midi_io.py (melody, chords, bass, drums; 64 bars).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench_midi_io import typical_song  # noqa: E402
from report import machine, record  # noqa: E402


def main() -> None:
    """Write a synthetic library, index it three ways, print and record."""
    from studio.core.midi_write import midi_bytes
    from studio.library.catalog import Catalog
    from studio.library.indexer import index_folders
    from studio.similarity.embedder import Embedder

    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(arguments[0]) if arguments else 2000
    scratch = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        folder = scratch / "library"
        folder.mkdir()
        variants = [midi_bytes(typical_song(seed)) for seed in range(50)]
        notes = sum(len(t.notes) for t in typical_song(0).tracks)
        for number in range(count):  # files with equal bytes are indexed like any others
            (folder / f"song-{number:06d}.mid").write_bytes(variants[number % len(variants)])
        rows = []
        for label, embed in (("catalogue only (no embeddings)", False), ("with embeddings", True)):
            db = scratch / f"{embed}.sqlite"
            with Catalog(db) as catalog:
                started = time.perf_counter()
                embedder = Embedder() if embed else None
                summary = index_folders(catalog, [folder], embedder=embedder)
                seconds = time.perf_counter() - started
                assert summary.indexed == count, summary.skipped[:3]
                assert summary.embedded == (count if embed else 0)
                rows.append((f"first run, {label}", f"{seconds:.2f} s", f"{count / seconds:.0f}"))
                if embed:
                    started = time.perf_counter()
                    again = index_folders(catalog, [folder], embedder=embedder)
                    seconds = time.perf_counter() - started
                    assert again.unchanged == count
                    rows.append(("second run, nothing changed", f"{seconds * 1000:.0f} ms",
                                 f"{count / seconds:.0f}"))  # fmt: skip
        record(
            "index",
            "Library indexing",
            f"`benchmarks/bench_index.py {count}` on {machine()}, 2 worker processes; "
            f"{count:,} generated four-track files of {notes:,} notes (64 bars)",
            ["run", "time", "files/s"],
            rows,
            write="--no-write" not in sys.argv,
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
