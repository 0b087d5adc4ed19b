"""Retrieval quality of the shipped autoencoder; writes its table into docs/BENCHMARKS.md.

Run from the repo root:  .venv/bin/python benchmarks/bench_retrieval.py [WEIGHTS] [--no-write]
The same numbers as `studio eval retrieval --queries 3` (the default sets written from the
music21 corpus, seed 0), kept beside the speed tables.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402


def main() -> None:
    """Evaluate, print and record."""
    from studio.evaluation.labelled_sets import default_sets
    from studio.evaluation.retrieval import evaluate_retrieval
    from studio.evaluation.retrieval_methods import default_methods

    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    weights = Path(arguments[0]) if arguments else None
    report = evaluate_retrieval(default_sets(), default_methods(weights), queries_per_song=3)
    tasks = report["tasks"]
    rows = []
    for name in [*report["methods"], "chance"]:

        def pick(task: str, *keys: str, name=name) -> str:
            entry = tasks[task]["chance" if name == "chance" else "methods"]
            entry = entry if name == "chance" else entry[name]
            for key in keys:
                entry = entry[key]
            return "—" if entry is None else f"{entry:.3f}"

        rows.append((
            name,
            pick("passage_to_piece", "any_version", "mrr"),
            pick("passage_to_piece", "other_versions", "mrr"),
            pick("passage_to_piece", "other_versions", "top1"),
            pick("style_precision", "precision_at_k"),
            pick("copies", "kinds", "tempo", "top1"),
            pick("copies", "kinds", "stretched", "top1"),
            pick("copies", "kinds", "flattened", "top1"),
            pick("performances", "mrr"),
        ))  # fmt: skip
    sets = report["sets"]
    record(
        "retrieval",
        "Similar-tracks quality",
        f"`benchmarks/bench_retrieval.py` on {machine()} (= `studio eval retrieval`, seed 0): "
        f"versions set {sets['versions']['songs']} chorales in {sets['versions']['groups']} "
        f"tunes, {tasks['passage_to_piece']['queries']} transposed 4–8-bar excerpts; style set "
        f"{sets['style']['songs']} pieces in {sets['style']['groups']} composers/collections "
        "(style P@10: other movements of the query's piece left out; performance: 15 s of a "
        "simulated recording, drifting and transposed, must find its piece)",
        ["method", "passage→piece MRR", "→ other version MRR", "→ other version top-1",
         "style P@10", "tempo copies top-1", "stretched top-1", "flattened top-1",
         "performance excerpt MRR"],
        rows,
        write="--no-write" not in sys.argv,
    )  # fmt: skip


if __name__ == "__main__":
    main()
