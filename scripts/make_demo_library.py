"""Write the demo library (resources/demo) from the public-domain corpus that music21 ships.

Run from the repo root with the project's environment: .venv/bin/python scripts/make_demo_library.py
The pieces are public domain; the encodings come with music21 (BSD-3-Clause). Essen folk songs
are not used (their licence allows only non-commercial distribution).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from music21 import corpus
from music21.corpus.chorales import ChoraleListRKBWV

from studio.core.midi_read import read_midi
from studio.core.midi_write import write_midi
from studio.core.resources import DEMO_LIBRARY

OUT = DEMO_LIBRARY
CHORALES = 16
PER_COLLECTION = {"ryansMammoth": 12, "oneills1850": 8, "airdsAirs": 6}


def slug(text: str) -> str:
    """A file-name-safe version of a title."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:48] or "untitled"


def set_title(path: Path, title: str) -> None:
    """Give the file a title (its first track name), which music21 leaves out, so the library
    shows "The Job of Journey Work" rather than the file name."""
    song = read_midi(path)
    write_midi(replace(song, title=title), path)


def main() -> None:
    """Write the files and list them."""
    OUT.mkdir(parents=True, exist_ok=True)
    titles = {bwv: entry["title"] for bwv, entry in ChoraleListRKBWV().byBWV.items()}
    written = []
    chorales = [p for p in corpus.getCorePaths() if p.parent.name == "bach" and p.suffix == ".mxl"]
    for path in sorted(chorales)[:: max(1, len(chorales) // CHORALES)][:CHORALES]:
        score = corpus.parse(path)
        target = OUT / f"bach-chorale-{slug(path.stem)}.mid"
        score.write("midi", fp=target)
        bwv = path.stem.removeprefix("bwv")
        set_title(target, f"{titles[bwv]} (BWV {bwv})" if bwv in titles else f"Chorale BWV {bwv}")
        written.append(target)
    for collection, count in PER_COLLECTION.items():
        paths = sorted(p for p in corpus.getCorePaths() if p.parent.name == collection)
        taken = 0
        for path in paths[:: max(1, len(paths) // (count * 3))]:
            parsed = corpus.parse(path)
            scores = getattr(parsed, "scores", None) or [parsed]
            score = scores[0]
            title = (score.metadata.title if score.metadata else None) or path.stem
            target = OUT / f"{slug(collection)}-{slug(title)}.mid"
            if target in written:  # two tunes with one title: keep the first
                continue
            try:
                score.write("midi", fp=target)
            except Exception as error:  # a tune music21 cannot write out: take the next one
                target.unlink(missing_ok=True)
                print(f"skipped {path.name}: {error}")
                continue
            set_title(target, title.rstrip(". "))  # ABC titles often end with a full stop
            written.append(target)
            taken += 1
            if taken == count:
                break
    for target in written:
        print(target.relative_to(OUT.parent.parent))


if __name__ == "__main__":
    main()
