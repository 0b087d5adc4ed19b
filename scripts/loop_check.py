"""How does an idea's end meet its start when it plays again? The model card's loop figures.

    .venv/bin/python scripts/loop_check.py [--meters 4/4,2/4,3/4,6/8] [--seed 700]

For each meter: real 8-bar windows of the training tunes, and the interval from their last note
to the note that follows them in the tune; then 256 ideas with the CLI's defaults (in C, A
minor, G and D minor) that do not close on a long tonic, and the interval from their last note
back to their first, which follows it when the idea plays again (the window's loop, a repeat).
Prints the mean interval, the share wider than a fifth (over 7 semitones) and the share of
steps (2 semitones or less). About half a minute a meter.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def summary(intervals: list[int]) -> str:
    """Mean, share over a fifth, share of steps."""
    values = np.array(intervals)
    return (
        f"{len(values)}: mean {values.mean():.2f}, over a fifth {np.mean(values > 7):.1%}, "
        f"steps {np.mean(values <= 2):.1%}"
    )


def tune_continuations(data, meter: str, limit: int = 1500) -> list[int]:
    """|interval| from the last note of real 8-bar windows to the note after them."""
    from studio.core.pianoroll import EncodedMelody, decode_melody
    from studio.evaluation.generation import UNIT_STEPS, _units, tune_meters
    from studio.generation.data import SPEC

    units, steps = _units(8, meter), UNIT_STEPS[meter]
    names = tune_meters(data)
    rows = data.segments(units + 1, "train")
    rows = rows[(data.bar[rows] % units == 0) & (names[data.tune[rows]] == meter)]
    end = units * steps / SPEC.steps_per_beat
    intervals = []
    for start in rows[:limit]:
        pitch = data.pitch[start : start + units + 1, :steps].reshape(-1).astype(np.int16)
        onset = data.onset[start : start + units + 1, :steps].reshape(-1)
        melody = EncodedMelody(pitch, onset, np.zeros(len(pitch), dtype=np.uint8))
        notes = decode_melody(melody, SPEC)
        inside = [n for n in notes if n.start < end - 1e-9]
        after = [n for n in notes if n.start >= end - 1e-9]
        if inside and after:
            intervals.append(abs(after[0].pitch - inside[-1].pitch))
    return intervals


def idea_returns(generator, meter: str, seed: int) -> list[int]:
    """|interval| from the last note of default ideas that do not close back to their first."""
    from studio.core.theory import Key
    from studio.generation.generator import GenerationSettings

    intervals = []
    for key in ("C", "A minor", "G", "D minor"):
        key = Key.parse(key)
        request = GenerationSettings(bars=8, meter=meter, key=key)
        for melody in generator.generate(request, count=64, seed=seed):
            notes = sorted(melody.notes, key=lambda n: n.start)
            closes = notes[-1].pitch % 12 == key.tonic and notes[-1].duration >= 1
            if not closes:
                intervals.append(abs(notes[-1].pitch - notes[0].pitch))
    return intervals


def main() -> None:
    """Print both figures per meter."""
    from studio.generation.data import load_or_build
    from studio.generation.generator import MelodyGenerator

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", default="4/4,2/4,3/4,6/8")
    parser.add_argument("--seed", type=int, default=700)
    args = parser.parse_args()
    data = load_or_build("music21")
    generator = MelodyGenerator()
    for meter in args.meters.split(","):
        tunes = summary(tune_continuations(data, meter))
        ideas = summary(idea_returns(generator, meter, args.seed))
        print(f"{meter} tunes, last note to the next: {tunes}")
        print(f"{meter} ideas, last note to the first: {ideas}")


if __name__ == "__main__":
    main()
