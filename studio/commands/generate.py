"""``studio generate``: new melodies from the GAN, written as MIDI files."""

from __future__ import annotations

import argparse
import re
import secrets
from pathlib import Path

from studio.commands.common import EXIT_OK, print_json
from studio.core.errors import InvalidInput


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``generate`` subcommand."""
    parser = commands.add_parser(
        "generate",
        parents=[common],
        help="generate melodies and write them as MIDI files",
        description="Generate melodies with the GAN. With --count 1, OUT is a file; with more, "
        "OUT is a folder that receives melody-01.mid, melody-02.mid, …",
    )
    parser.add_argument("-o", "--out", required=True, metavar="OUT", help="output file or folder")
    parser.add_argument("--count", type=int, default=1, help="number of variations (default 1)")
    parser.add_argument(
        "--bars", type=int, default=8, help="length in bars of the meter, 1–32 (default 8)"
    )
    parser.add_argument(
        "--meter", choices=["4/4", "2/4", "3/4", "6/8"],
        help="time signature (default 4/4, or the primer's when it is one of these)",
    )  # fmt: skip
    parser.add_argument(
        "--form", choices=["AABB", "AABA", "ABAC", "ABAB", "through"],
        help="phrase form: which phrases repeat (default: sampled from real tunes of this "
        "length; through = through-composed)",
    )  # fmt: skip
    parser.add_argument("--key", help='key, e.g. "C", "F#", "Bb minor", "Am" (default C major)')
    parser.add_argument("--mode", choices=["major", "minor"], help="major or minor")
    parser.add_argument(
        "--scale", help="a scale instead of major/minor: dorian, mixolydian, blues, …"
    )
    parser.add_argument(
        "--chords", help='chord symbols cycled over the bars, e.g. "C G Am F" (default: a '
        "progression learned from real tunes, different for each variation)",
    )  # fmt: skip
    parser.add_argument("--tempo", type=float, help="beats per minute (default 120)")
    parser.add_argument(
        "--temperature", type=float, default=0.7,
        help="> 0: lower is safer, higher more adventurous (default 0.7)",
    )  # fmt: skip
    parser.add_argument(
        "--density", type=float,
        help="0–1: share of sixteenths where a note begins (0.25 ≈ quarters, 0.5 ≈ eighths); "
        "default: each phrase gets a density real tunes have",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, help="seed of the first variation (default: random)")
    parser.add_argument("--primer", metavar="FILE", help="a MIDI file whose melody to continue")
    parser.add_argument(
        "--chord-tones", type=float, default=0.0,
        help="0–1: extra pull of chord tones on the strong beats (default 0; 1 forces them)",
    )  # fmt: skip
    parser.add_argument(
        "--key-lock", action=argparse.BooleanOptionalAction, default=False,
        help="keep every note in the scale (default: no; the key's leading tones and other "
        "notes outside the scale come as often as in real tunes)",
    )  # fmt: skip
    parser.add_argument("--low", help="lowest pitch, e.g. G3 or 55 (default G3)")
    parser.add_argument("--high", help="highest pitch (default C6)")
    parser.add_argument(
        "--mood", metavar="MOOD",
        help="aim at a mood: calm, energetic, bright, dark (e.g. 'calm,dark'), or valence and "
        "arousal −1…1 ('-0.5,0.3'); sets the mode, density, tempo and range you leave unset",
    )  # fmt: skip
    parser.add_argument("--program", type=int, default=0, help="GM program of the melody (0–127)")
    parser.add_argument("--with-chords", action="store_true", help="add a block-chord track")
    parser.add_argument("--model", metavar="FILE", help="generator weights (default: shipped)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def _targets(out: Path, count: int, force: bool) -> list[Path]:
    if count == 1 and not out.is_dir():
        targets = [out]
    else:
        if out.exists() and not out.is_dir():
            raise InvalidInput(f"{out} is a file; with --count {count} OUT must be a folder")
        targets = [out / f"melody-{i + 1:02d}.mid" for i in range(count)]
    if not force:
        existing = [str(t) for t in targets if t.exists()]
        if existing:
            raise InvalidInput(f"{existing[0]} exists (use --force to overwrite)")
    folder = targets[0].parent
    if not folder.exists():
        if count == 1:
            raise InvalidInput(f"folder {folder} does not exist")
        folder.mkdir(parents=True)
    return targets


def run(args: argparse.Namespace) -> int:
    """Generate, write the files and report them."""
    from studio.core.keyfinding import choose_key
    from studio.core.midi_read import read_song
    from studio.core.mood import song_mood
    from studio.core.theory import parse_pitch, parse_progression
    from studio.engine import Engine
    from studio.generation.generator import GenerationSettings, melody_song
    from studio.generation.mood_aim import parse_mood

    primer_song = read_song(args.primer) if args.primer else None
    primer_notes = primer_song.notes if primer_song else ()
    if args.primer and not primer_notes:
        raise InvalidInput(f"the primer {args.primer} has no notes to continue")
    chords = tuple(parse_progression(args.chords)) if args.chords else ()
    if any(chord is None for chord in chords):
        raise InvalidInput("N.C. (no chord) is not supported in --chords")
    if not 0 <= args.program <= 127:
        raise InvalidInput(f"program must be between 0 and 127, not {args.program}")
    tempo = args.tempo or (primer_song.tempo if primer_song else 120.0)
    meter = args.meter or "4/4"
    if args.meter is None and primer_song is not None:
        primer_meter = str(primer_song.time_signature)
        meter = primer_meter if primer_meter in ("4/4", "2/4", "3/4", "6/8") else "4/4"
    settings = GenerationSettings(
        bars=args.bars,
        key=choose_key(args.key, args.mode, args.scale, primer_notes),
        chords=chords,
        tempo=tempo,
        temperature=args.temperature,
        density=args.density,
        key_lock=args.key_lock,
        chord_tone_strength=args.chord_tones,
        low=parse_pitch(args.low or "G3"),
        high=parse_pitch(args.high or "C6"),
        meter=meter,
        form=args.form,
    )
    if not 1 <= args.count <= 64:
        raise InvalidInput(f"count must be between 1 and 64, not {args.count}")
    targets = _targets(Path(args.out), args.count, args.force)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    engine = Engine(gan_weights=args.model)
    mood = parse_mood(args.mood) if args.mood else None
    if primer_notes:
        if mood is not None:
            raise InvalidInput("--mood is for new melodies; a continuation follows its primer")
        melodies = engine.continue_melody(primer_notes, settings, args.count, seed)
    else:
        named_mode = args.key and not re.fullmatch(r"\s*[A-Ga-g][#b♯♭]?\s*", args.key)
        kept = {"mode": args.mode or args.scale or named_mode,
                "density": args.density is not None, "tempo": args.tempo,
                "range": args.low or args.high}  # fmt: skip
        keep = frozenset(name for name, given in kept.items() if given)
        melodies = engine.generate(settings, args.count, seed, mood=mood, keep=keep)

    written = []
    for melody, target in zip(melodies, targets, strict=True):
        made = melody.settings  # a mood may have set the mode, tempo and range per variation
        title = f"Motif {made.key.name} (seed {melody.seed})"
        song = melody_song(melody, program=args.program, with_chords=args.with_chords, title=title)
        engine.export_midi(song, target)
        found = song_mood(melody_song(melody))
        written.append({
            "path": str(target),
            "seed": melody.seed,
            "key": made.key.name,
            "bars": melody.first_bar * made.bars_per_unit + made.bars,
            "generated_bars": made.bars,
            "meter": made.meter,
            "form": melody.form,
            "chords": [chord.name_in(made.key) for chord in melody.chords],
            "tempo": made.tempo,
            "notes": len(melody.notes),
            "mood": found.to_json() if found else None,
        })  # fmt: skip
    if args.json:
        document = {"files": written, "model": str(engine.generator.path)}
        if mood is not None:
            document["asked_mood"] = {"valence": mood[0], "arousal": mood[1]}
        print_json(document)
    else:
        for item in written:
            chords = " ".join(item["chords"][:8]) + (" …" if len(item["chords"]) > 8 else "")
            feel = f", {item['mood']['words']}" if item["mood"] else ""
            print(
                f"wrote {item['path']}  (seed {item['seed']}, {item['bars']} bars of "
                f"{item['meter']}, {item['form']}, {item['key']}, {item['tempo']:g} BPM, "
                f"{chords}{feel})"
            )
    return EXIT_OK
