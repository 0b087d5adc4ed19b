"""Do ideas sit where tunes of their key sit? The model card's Register table.

    .venv/bin/python scripts/register_check.py [--count 64] [--seed 1] [--min-tunes 50]

Reads every tune of the music21 corpus collections with its notes as written (not moved to C;
about three minutes on two cores), then for each key with at least ``--min-tunes`` tunes makes
``--count`` ideas of 8 bars with the CLI's defaults in that key and prints, as a Markdown table:
the tunes' mean pitch and their shares of notes on G3–A3 and on B5 and above, and the ideas'
mean pitch, the total variation between the two pitch histograms and the same two shares.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


def histogram(pitches: np.ndarray) -> np.ndarray:
    """Share of notes on each MIDI pitch."""
    counts = np.bincount(pitches, minlength=128)[:128].astype(float)
    return counts / counts.sum()


def corpus_pitches_by_key() -> dict[str, np.ndarray]:
    """Every note pitch of the corpus's tunes as written, per key name ("G", "E minor")."""
    from studio.generation.tunes import load_music21_tunes

    by_key: dict[str, list[int]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for tune in load_music21_tunes():
        name = NAMES[tune.key.tonic] + ("" if tune.key.mode == "major" else " minor")
        by_key[name].extend(n.pitch for n in tune.notes)
        counts[name] += 1
    return {name: (np.array(by_key[name]), counts[name]) for name in by_key}


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-tunes", type=int, default=50)
    args = parser.parse_args()

    from studio.core.theory import Key
    from studio.generation.generator import GenerationSettings, MelodyGenerator

    generator = MelodyGenerator()
    tunes = corpus_pitches_by_key()
    print("| key | tunes | the tunes: mean (on G3–A3, on B5 and above) "
          "| ideas: mean / TV / on G3–A3, on B5 and above |")  # fmt: skip
    print("|---|---|---|---|")
    for name, (real, n_tunes) in sorted(tunes.items(), key=lambda item: -item[1][1]):
        if n_tunes < args.min_tunes:
            continue
        request = GenerationSettings(bars=8, key=Key.parse(name))
        ideas = generator.generate(request, count=args.count, seed=args.seed)
        made = np.array([n.pitch for idea in ideas for n in idea.notes])
        distance = 0.5 * np.abs(histogram(made) - histogram(real)).sum()
        low, high = 100 * np.mean(made <= 57), 100 * np.mean(made >= 83)
        print(f"| {name} | {n_tunes:,} | {real.mean():.1f} ({100 * np.mean(real <= 57):.1f} %, "
              f"{100 * np.mean(real >= 83):.1f} %) | {made.mean():.1f} / {distance:.2f} / "
              f"{low:.1f} %, {high:.1f} % |")  # fmt: skip


if __name__ == "__main__":
    main()
