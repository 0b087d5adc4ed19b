"""Benchmark exact similarity search; writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_search.py [--no-write]
Targets: whole-track top-10 of VectorIndex(64) ≤ 5 ms median at 100,000 tracks and ≤ 50 ms at
1,000,000; a process holding VectorIndex(64) and PassageIndex(32) (90 windows a track) for
100,000 tracks stays ≤ 500 MB RSS. Passage (excerpt) query latency is measured beside them.
Libraries are synthetic: random normal vectors, normalised, fixed seed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)

from studio.similarity.index import PassageIndex, VectorIndex  # noqa: E402

WINDOWS = 90
QUERY_WINDOWS = 13  # a 4-bar excerpt at a 1-beat hop, for 8-beat windows
MB = 1024 * 1024


def unit_vectors(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random float32 vectors along the last axis, L2-normalised."""
    vectors = rng.standard_normal(shape, dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors


def vector_index(tracks: int, seed: int = 0) -> VectorIndex:
    """A VectorIndex(64) of ``tracks`` random tracks, added in one call."""
    index = VectorIndex(64)
    index.add(np.arange(tracks), unit_vectors(np.random.default_rng(seed), (tracks, 64)))
    return index


def passage_index(tracks: int, seed: int = 1) -> PassageIndex:
    """A PassageIndex(32) of ``tracks`` random tracks of WINDOWS passages, added one by one."""
    rng = np.random.default_rng(seed)
    index = PassageIndex(32)
    for first in range(0, tracks, 1000):
        block = unit_vectors(rng, (min(1000, tracks - first), WINDOWS, 32))
        for offset, passages in enumerate(block):
            index.add(first + offset, passages)
    return index


def rss_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (or its peak with ``VmHWM``) in MB, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child() -> None:
    """Run in a fresh process: build both 100,000-track indexes and print RSS figures as JSON."""
    baseline = rss_mb()
    vectors = vector_index(100_000)
    passages = passage_index(100_000)
    built = rss_mb()
    passages.top_k(unit_vectors(np.random.default_rng(2), (QUERY_WINDOWS, 32)))
    queried = rss_mb()
    result = {
        "baseline": baseline,
        "built": built,
        "queried": queried,
        "peak": rss_mb("VmHWM"),
        "vector_bytes": vectors.nbytes,
        "passage_bytes": passages.nbytes,
    }
    print(json.dumps(result))


def vector_rows() -> list[tuple[str, str, str]]:
    """Latency of whole-track top-10 at 100,000 and 1,000,000 tracks."""
    rows = []
    for tracks, target in [(100_000, "≤ 5 ms median"), (1_000_000, "≤ 50 ms median")]:
        started = time.perf_counter()
        index = vector_index(tracks)
        built = time.perf_counter() - started
        queries = unit_vectors(np.random.default_rng(3), (63, 64))
        for query in queries[:3]:
            index.top_k(query, 10)  # warm up
        times = []
        for query in queries[3:]:
            started = time.perf_counter()
            index.top_k(query, 10)
            times.append(time.perf_counter() - started)
        times.sort()
        median, p95 = statistics.median(times) * 1000, times[int(0.95 * len(times))] * 1000
        rows.append((
            f"VectorIndex(64).top_k(q, 10), {tracks:,} tracks, warm (median / p95 of 60)",
            f"{median:.1f} / {p95:.1f} ms",
            f"{target}; add() of all vectors in one call: {built:.1f} s",
        ))  # fmt: skip
        del index
    return rows


def passage_rows() -> list[tuple[str, str, str]]:
    """Latency of a 13-window excerpt query at 10,000 and 100,000 tracks."""
    rows = []
    for tracks, repeats in [(10_000, 20), (100_000, 5)]:
        started = time.perf_counter()
        index = passage_index(tracks)
        built = time.perf_counter() - started
        queries = unit_vectors(np.random.default_rng(4), (repeats + 1, QUERY_WINDOWS, 32))
        times = []
        for query in queries:
            started = time.perf_counter()
            index.top_k(query, 10)
            times.append(time.perf_counter() - started)
        first, median = times[0], statistics.median(times[1:])
        rows.append((
            f"PassageIndex(32).top_k of a {QUERY_WINDOWS}-window excerpt, {tracks:,} tracks × "
            f"{WINDOWS} windows, warm (median of {repeats})",
            f"{median * 1000:.0f} ms",
            f"first query after the adds (compacts, lists offsets): {first * 1000:.0f} ms; "
            f"{tracks:,} add() calls: {built:.1f} s",
        ))  # fmt: skip
        del index
    return rows


def memory_rows() -> list[tuple[str, str, str]]:
    """RSS of a fresh process before and after building both 100,000-track indexes."""
    output = subprocess.run(
        [sys.executable, __file__, "--memory-child"],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout  # fmt: skip
    memory = json.loads(output)
    storage = (memory["vector_bytes"] + memory["passage_bytes"]) / MB
    return [
        ("RSS of a fresh process: interpreter + numpy + search module",
         f"{memory['baseline']:.0f} MB", ""),
        ("RSS after VectorIndex(64) + PassageIndex(32) of 100,000 tracks (90 windows each)",
         f"{memory['built']:.0f} MB", "≤ 500 MB"),
        ("same, after the first passage query",
         f"{memory['queried']:.0f} MB", f"peak during the build: {memory['peak']:.0f} MB"),
        ("index storage (nbytes): vectors + int8 passages",
         f"{memory['vector_bytes'] / MB:.0f} + {memory['passage_bytes'] / MB:.0f} MB",
         f"= {storage:.0f} MB"),
    ]  # fmt: skip


def main() -> None:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.memory_child:
        memory_child()
        return
    load = os.getloadavg()[0]
    rows = vector_rows() + passage_rows() + memory_rows()
    record(
        "search", "Similarity search",
        f"`python benchmarks/bench_search.py` ({machine()}, 2 cores, load average {load:.1f} "
        "at the start; synthetic random libraries)",
        ("what", "measured", "target / note"), rows, write=not arguments.no_write,
    )  # fmt: skip


if __name__ == "__main__":
    main()
