"""Render what Generate gives by default, to look at and listen to before shipping a model.

    .venv/bin/python scripts/idea_gallery.py OUT_DIR [--model FILE] [--count 12] [--bars 8]

For each meter the model makes, ``--count`` ideas with the CLI's defaults (key D minor and G
major alternating, everything else left to the model and the style priors) are written to
OUT_DIR/<meter>/ as MIDI and as WAV (the export path: −16 LUFS), and OUT_DIR/<meter>.png shows
their piano rolls one under the other, bar lines drawn, with the form and chords written above.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ROW_HEIGHT = 120
BEAT_WIDTH = 28
MARGIN = 8


def draw_rolls(melodies, path: Path, beats_per_bar: float) -> None:
    """One picture of the melodies' piano rolls (pitch up, time right), bar lines in grey."""
    beats = max(m.settings.bars * beats_per_bar for m in melodies)
    width = int(beats * BEAT_WIDTH) + 2 * MARGIN
    image = Image.new("RGB", (width, ROW_HEIGHT * len(melodies)), "#15171c")
    draw = ImageDraw.Draw(image)
    for row, melody in enumerate(melodies):
        top = row * ROW_HEIGHT
        pitches = [n.pitch for n in melody.notes] or [60]
        low, high = min(pitches) - 2, max(pitches) + 2
        step = (ROW_HEIGHT - 24) / max(1, high - low)
        bar = 0.0
        while bar <= beats:
            x = MARGIN + bar * BEAT_WIDTH
            draw.line([(x, top + 18), (x, top + ROW_HEIGHT - 4)], fill="#3a3f4b")
            bar += beats_per_bar
        chords = " ".join(c.name_in(melody.settings.key) for c in melody.chords)
        label = f"seed {melody.seed} · {melody.form} · {chords}"
        draw.text((MARGIN, top + 3), label, fill="#c8ccd4")
        for note in melody.notes:
            x0 = MARGIN + note.start * BEAT_WIDTH
            x1 = MARGIN + note.end * BEAT_WIDTH - 3  # a gap: a repeated note shows as two
            y = top + ROW_HEIGHT - 4 - (note.pitch - low) * step
            shade = 120 + note.velocity
            draw.rectangle([x0, y - step + 1, x1, y], fill=(40, min(255, shade), 160))
            draw.rectangle([x0, y - step + 1, x0 + 1, y], fill="#e8f0ff")  # the onset
    image.save(path)


def main() -> None:
    """Write the gallery."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", help="generator weights (default: shipped)")
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--bars", type=int, default=8)
    args = parser.parse_args()

    from studio.core.theory import Key
    from studio.engine import Engine
    from studio.generation.generator import GenerationSettings, melody_song

    engine = Engine(gan_weights=args.model)
    generator = engine.generator
    for meter in generator.meters:
        folder = args.out / meter.replace("/", "-")
        folder.mkdir(parents=True, exist_ok=True)
        melodies = []
        for i in range(args.count):
            key = Key.parse("D minor" if i % 2 else "G major")
            settings = GenerationSettings(bars=args.bars, key=key, meter=meter)
            melody = generator.generate(settings, 1, seed=100 + i)[0]
            melodies.append(melody)
            song = melody_song(melody, with_chords=True, title=f"{meter} idea {i + 1}")
            engine.export_midi(song, folder / f"idea-{i + 1:02d}.mid")
            engine.export_wav(engine.render(song), folder / f"idea-{i + 1:02d}.wav")
        beats = GenerationSettings(meter=meter).bar_beats
        draw_rolls(melodies, args.out / f"{meter.replace('/', '-')}.png", beats)
        print(f"{meter}: {args.count} ideas in {folder}")


if __name__ == "__main__":
    main()
