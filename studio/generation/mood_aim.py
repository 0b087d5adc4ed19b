"""Generation aimed at a mood: a point on the mood map (``core.mood``: valence dark…bright,
arousal calm…energetic) turned into the conditions the generator already has — mode, density,
tempo and range.

Which conditions give which mood is measured, not guessed: ``build_table`` generates melodies
at a grid of conditions (both modes; densities and tempos across what real tunes use; three
registers) and reads each one's mood as the library reads a file's (``core.mood.song_mood``).
The table, the mean mood of each condition, ships as ``resources/models/mood_aim.json``:

    python -m studio.generation.mood_aim     # rebuild it with the shipped generator

``aim`` picks, for each variation, one of the ``CHOICES`` conditions whose mood lies nearest the
asked point (seeded, so variations differ as different tunes do) and keeps what the user set
explicitly. The mood model reads pace (note starts per second) for arousal and the mode for
valence, so tempo and density move arousal and the mode moves valence; the register nudges both.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.model_files import record_model_file, verify_model_file
from studio.core.mood import AXIS_WORDS, song_mood
from studio.core.resources import MODELS
from studio.core.theory import Key

AIM_PATH = MODELS / "mood_aim.json"
"""The shipped table (written by ``python -m studio.generation.mood_aim``)."""
AIM_VERSION = 1
MODES = ("major", "minor")
DENSITIES = (0.25, 0.375, 0.5, 0.625)
"""Onsets per sixteenth step: quarters to a busy mix of eighths and sixteenths."""
TEMPOS = (60, 76, 92, 108, 126, 144, 168)
CENTRES = (62, 69, 76)
"""Middle of the pitch range (MIDI; the range is an octave either side of it)."""
SAMPLES = 12
"""Melodies generated per condition when the table is built."""
CHOICES = 3
"""A variation picks among this many of the nearest conditions."""
WORD_POINT = 0.6
"""How far along its axis a mood word asks for ("calm": arousal −0.6)."""


def parse_mood(text: str) -> tuple[float, float]:
    """A mood point ``(valence, arousal)`` from what a user types: words ("calm", "energetic
    and dark", "bright, calm", "neutral") or two numbers −1…1, valence first ("-0.5,0.3").

    Raises:
        InvalidInput: for anything else.
    """
    cleaned = text.strip().casefold()
    numbers = re.fullmatch(r"\s*(-?\d*\.?\d+)\s*[, ]\s*(-?\d*\.?\d+)\s*", cleaned)
    if numbers:
        valence, arousal = (float(n) for n in numbers.groups())
        if not (-1 <= valence <= 1 and -1 <= arousal <= 1):
            raise InvalidInput(f"a mood's valence and arousal lie in −1…1, not {text!r}")
        return valence, arousal
    point = {"valence": 0.0, "arousal": 0.0}
    words = [w for w in re.split(r"[\s,]+|\band\b", cleaned) if w]
    if not words or any(w not in AXIS_WORDS and w != "neutral" for w in words):
        raise InvalidInput(
            f"not a mood: {text!r} (use calm, energetic, bright, dark, or two numbers −1…1 "
            "such as -0.5,0.3 for valence and arousal)"
        )
    for word in words:
        if word != "neutral":
            axis, side = AXIS_WORDS[word]
            point[axis] = side * WORD_POINT
    return point["valence"], point["arousal"]


@functools.cache
def load_table(path: Path = AIM_PATH) -> tuple[dict, ...]:
    """The conditions and their measured moods (``build_table``), read once, after checking
    the file against its folder's manifest (``core.model_files``: a damaged copy is refused)."""
    verify_model_file(path, "the mood table")
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidInput(f"cannot read the mood table {path}: {error}") from None
    if document.get("version") != AIM_VERSION:
        raise InvalidInput(f"the mood table {path} has version {document.get('version')}")
    return tuple(document["conditions"])


def aim(settings, valence: float, arousal: float, seed: int, *, keep: frozenset[str] = frozenset()):
    """``settings`` (a ``GenerationSettings``) with the mode, density, tempo and range of one of
    the ``CHOICES`` conditions whose measured mood lies nearest ``(valence, arousal)``, picked
    with ``seed``; the names in ``keep`` ("mode", "density", "tempo", "range") stay as set."""
    table = load_table()
    moods = np.array([[c["valence"], c["arousal"]] for c in table])
    distance = np.hypot(moods[:, 0] - valence, moods[:, 1] - arousal)
    nearest = np.argsort(distance, kind="stable")[:CHOICES]
    chosen = table[int(np.random.default_rng(seed).choice(nearest))]
    changes: dict = {}
    if "mode" not in keep:
        changes["key"] = Key(settings.key.tonic, chosen["mode"])
    if "density" not in keep:
        changes["density"] = chosen["density"]
    if "tempo" not in keep:
        changes["tempo"] = float(chosen["tempo"])
    if "range" not in keep:
        changes["low"], changes["high"] = chosen["centre"] - 12, chosen["centre"] + 12
    return replace(settings, **changes)


def build_table(generator, *, seed: int = 0) -> dict:
    """Generate ``SAMPLES`` melodies of 8 bars of 4/4 (key C, form and chords from the data) at
    every condition of the grid and read their mean mood: the document ``load_table`` reads."""
    from studio.generation.generator import GenerationSettings, melody_song

    conditions = []
    for mode, density, tempo, centre in itertools.product(MODES, DENSITIES, TEMPOS, CENTRES):
        settings = GenerationSettings(
            key=Key(0, mode), density=density, tempo=float(tempo),
            low=centre - 12, high=centre + 12,
        )  # fmt: skip
        moods = [
            song_mood(melody_song(melody)) for melody in generator.generate(settings, SAMPLES, seed)
        ]
        moods = [m for m in moods if m is not None]
        conditions.append({
            "mode": mode, "density": density, "tempo": tempo, "centre": centre,
            "valence": round(float(np.mean([m.valence for m in moods])), 4),
            "arousal": round(float(np.mean([m.arousal for m in moods])), 4),
        })  # fmt: skip
        seed += SAMPLES
    return {"version": AIM_VERSION, "samples": SAMPLES, "conditions": conditions}


def main(argv: list[str] | None = None) -> None:
    """Rebuild the shipped table with the shipped generator (a minute or so)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=AIM_PATH)
    args = parser.parse_args(argv)
    from studio.core.fileio import atomic_write_bytes
    from studio.generation.generator import MelodyGenerator

    document = build_table(MelodyGenerator())
    atomic_write_bytes(args.out, (json.dumps(document, indent=1) + "\n").encode())
    record_model_file(args.out)
    spread = (
        [c["valence"] for c in document["conditions"]],
        [c["arousal"] for c in document["conditions"]],
    )
    print(
        f"wrote {args.out}: {len(document['conditions'])} conditions, valence "
        f"{min(spread[0]):+.2f}…{max(spread[0]):+.2f}, arousal {min(spread[1]):+.2f}…"
        f"{max(spread[1]):+.2f}"
    )


if __name__ == "__main__":
    main()
