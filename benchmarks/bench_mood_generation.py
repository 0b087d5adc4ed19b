"""Generation aimed at a mood: do the ideas land where they were asked to?

Run from the repo root:  .venv/bin/python benchmarks/bench_mood_generation.py [--no-write]
Nine points of the mood map (valence −0.5, 0, 0.6 × arousal −0.4, 0, 0.45), two keys (D major,
A minor), 16 variations each (seeds 100–115), 8 bars of 4/4, the shipped model: the mean
distance on the map between each idea's mood (``core.mood.song_mood`` of the exported melody)
and the asked point, with the mood asked (``Engine.generate(mood=…)``) and without (the same
seeds and the CLI's defaults), and the mean valence and arousal reached.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402

POINTS = [(v, a) for v in (-0.5, 0.0, 0.6) for a in (-0.4, 0.0, 0.45)]
VARIATIONS = 16


def main() -> None:
    """Generate at every point with and without the mood; print and record the table."""
    import numpy as np

    from studio.core.mood import song_mood
    from studio.core.theory import Key
    from studio.engine import Engine
    from studio.generation.generator import GenerationSettings, melody_song

    engine = Engine()
    rows, totals = [], {"aimed": [], "plain": []}
    for point in POINTS:
        cells = [f"{point[0]:+.1f}, {point[1]:+.2f}"]
        for label, options in (("aimed", {"mood": point}), ("plain", {})):
            moods = [
                song_mood(melody_song(melody))
                for key in (Key(2, "major"), Key(9, "minor"))
                for melody in engine.generate(
                    GenerationSettings(key=key), VARIATIONS, seed=100, **options
                )
            ]
            distance = np.mean(
                [np.hypot(m.valence - point[0], m.arousal - point[1]) for m in moods]
            )
            totals[label].append(distance)
            valence = np.mean([m.valence for m in moods])
            arousal = np.mean([m.arousal for m in moods])
            cells += [f"{distance:.2f}", f"{valence:+.2f}, {arousal:+.2f}"]
        rows.append(cells)
    rows.append(["**all nine**", f"**{np.mean(totals['aimed']):.2f}**", "",
                 f"{np.mean(totals['plain']):.2f}", ""])  # fmt: skip
    record(
        "mood-generation",
        "Generation aimed at a mood",
        f"`benchmarks/bench_mood_generation.py` on {machine()}; {VARIATIONS} variations × 2 keys "
        "per point, 8 bars of 4/4, the shipped model and mood table",
        ["asked (valence, arousal)", "distance, aimed", "reached, aimed", "distance, plain",
         "reached, plain"],
        rows,
        write="--no-write" not in sys.argv,
    )  # fmt: skip


if __name__ == "__main__":
    main()
