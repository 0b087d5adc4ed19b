"""Benchmark the similar-tracks service on a real library file; writes docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_similar.py [N_TRACKS] [--no-write]
Targets (issue 6): top-10 over 100,000 tracks ≤ 5 ms median; RSS ≤ 500 MB with 100,000 tracks.
The library is synthetic (random unit vectors, 64 passages per track, as a 4-minute piece has)
but it is a real SQLite catalog, loaded by ``SimilarityService`` as the app loads it; the
process that measures is fresh, so RSS counts what the service holds.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402

PASSAGES = 64

MEASURE = """
import statistics, sys, time
from pathlib import Path
import numpy as np
from studio.library.catalog import Catalog
from studio.similarity.service import SimilarityService

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

class Model:  # the shipped encoder's version string is not needed: the vectors are synthetic
    dims = 32
    model_version = "bench"

before = rss_mb()
catalog = Catalog(sys.argv[1])
service = SimilarityService(catalog, Model())
started = time.perf_counter()
size = service.size
loaded = time.perf_counter() - started
after = rss_mb()
ids = np.random.default_rng(1).integers(1, size + 1, 60)
times = []
for track_id in ids:
    started = time.perf_counter()
    service.similar_to_track(int(track_id), top=10)
    times.append(time.perf_counter() - started)
query = np.random.default_rng(2).normal(size=(13, 32)).astype(np.float32)
passage = []
for _ in range(5):
    started = time.perf_counter()
    service._passages.top_k(query, 10)
    passage.append(time.perf_counter() - started)
print(size, before, after, rss_mb(), loaded, statistics.median(times[10:]),
      statistics.median(passage))
"""


def build(db: Path, count: int) -> None:
    """A catalog of ``count`` ok tracks with random vectors for model version 'bench'."""
    from studio.library.catalog import Catalog

    rng = np.random.default_rng(0)
    with Catalog(db) as catalog:
        for first in range(0, count, 5000):
            with catalog.transaction():
                for number in range(first, min(count, first + 5000)):
                    track_id = catalog.upsert_track(
                        f"/bench/song-{number:07d}.mid", content_hash=f"{number:064x}",
                        size=10_000, mtime_ns=0,
                        metadata={"title": f"song {number}", "tempo": 120.0, "density": 2.0},
                    )  # fmt: skip
                    vector = rng.normal(size=64).astype(np.float32)
                    passages = rng.normal(size=(PASSAGES, 32)).astype(np.float32)
                    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
                    traits = rng.random(16).astype(np.float32)  # joined to the vector
                    catalog.set_embedding(
                        track_id, "bench", vector / np.linalg.norm(vector), passages,
                        np.arange(PASSAGES) * 4.0, 4.0, 1.0, traits,
                    )  # fmt: skip


def main() -> None:
    """Build the library, measure in a fresh process, print and record."""
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    count = int(arguments[0]) if arguments else 100_000
    with tempfile.TemporaryDirectory(prefix="bench-similar-") as scratch:
        db = Path(scratch) / "library.sqlite"
        started = time.perf_counter()
        build(db, count)
        built = time.perf_counter() - started
        output = subprocess.run(
            [sys.executable, "-c", MEASURE, str(db)],
            capture_output=True, text=True, check=True, cwd=REPO,
        ).stdout.split()  # fmt: skip
        size, before, after, final, loaded, query, passage = (float(x) for x in output)
        db_mb = db.stat().st_size / 2**20
    record(
        "similar",
        "Similar tracks over a library file",
        f"`benchmarks/bench_similar.py {count}` on {machine()}; a catalog of {count:,} tracks "
        f"with random vectors and {PASSAGES} passages each ({db_mb:.0f} MB file, built in "
        f"{built:.0f} s), loaded by `SimilarityService` in a fresh process",
        ["measure", "value", "target"],
        [
            ("tracks loaded", f"{size:,.0f}", ""),
            ("load the vectors from the file", f"{loaded:.1f} s", "once per change"),
            ("RSS before / after loading", f"{before:.0f} / {after:.0f} MB", "≤ 500 MB"),
            ("similar_to_track, top 10 (median)", f"{query * 1000:.1f} ms", "≤ 5 ms"),
            ("13-window passage query, top 10 (median)", f"{passage * 1000:.0f} ms", ""),
            ("RSS after the queries", f"{final:.0f} MB", "≤ 500 MB"),
        ],
        write="--no-write" not in sys.argv,
    )


if __name__ == "__main__":
    main()
