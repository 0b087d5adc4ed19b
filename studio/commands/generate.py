"""``studio generate``: new melodies from the GAN, written as MIDI files; ``--for-me`` ranks them
by the current profile's taste in ideas, ``--like SEED`` makes variations of one ("More like
this", as in the window)."""

from __future__ import annotations

import argparse
import re
import secrets
import sys
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
        "OUT is a folder that receives melody-01.mid, melody-02.mid, … "
        "--for-me ranks the ideas for your listening profile, as the window's Generate does: "
        "4× as many candidates are made and those most like the ideas the profile kept (♥, "
        "opened, exported in the window) come first, each with the reason; until it kept one "
        "they come unranked. --like SEED makes --count variations of the melody that --seed "
        'SEED gives with the same options ("More like this"), written as '
        "variation-of-SEED-01.mid, …; --distance sets how far they stray.",
    )
    parser.add_argument("-o", "--out", required=True, metavar="OUT", help="output file or folder")
    parser.add_argument(
        "--count", type=int,
        help="number of melodies, 1–64 (default 1; with --like, 4 variations)",
    )  # fmt: skip
    parser.add_argument(
        "--bars", type=int, default=8, help="length in bars of the meter, 1–32 (default 8)"
    )
    parser.add_argument(
        "--meter", choices=["4/4", "2/4", "3/4", "6/8"],
        help="time signature (default 4/4, or the primer's when it is one of these)",
    )  # fmt: skip
    parser.add_argument(
        "--form",
        help="phrase form: which of four phrases repeat: AABB, AABA, ABAC, ABAB, through "
        "(through-composed) or any other pattern such as AABC (default: sampled from the "
        "patterns of real tunes of this length)",
    )  # fmt: skip
    parser.add_argument(
        "--key",
        help='key, e.g. "C", "F#", "Bb minor", "Am" (default C major; with --primer, the key its '
        "file states, else the key its notes suggest)",
    )
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
    parser.add_argument(
        "--seed", type=int,
        help="seed of the first variation (default: random); with --like, the seed of the "
        "variations' fresh noise",
    )  # fmt: skip
    parser.add_argument("--primer", metavar="FILE", help="a MIDI file whose melody to continue")
    parser.add_argument(
        "--chord-tones", type=float, default=0.0,
        help="0–1: extra pull of chord tones on the strong beats, beyond the tunes' own rate "
        "(default 0; 1 forces them)",
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
    parser.add_argument(
        "--for-me", action="store_true",
        help="rank the ideas by what your profile kept: the best of 4× as many candidates "
        "first, with the reason (\"higher, busier\"); unranked until the profile kept an idea",
    )  # fmt: skip
    parser.add_argument(
        "--profile", help="--for-me: whose taste ranks the ideas (default: the current profile)"
    )
    parser.add_argument(
        "--db", type=Path, help="--for-me: library file (default: in the user data folder)"
    )
    parser.add_argument(
        "--like", type=int, metavar="SEED",
        help="more like this: variations of the melody that --seed SEED would give with the "
        "same options (same plan, form and chords; the notes move); --seed then seeds the "
        "variations",
    )  # fmt: skip
    parser.add_argument(
        "--distance", type=float, metavar="D",
        help="--like: 0–1, how far the variations stray (0: the melody again, 1: only its "
        "plan, form and chords stay; default 0.4)",
    )  # fmt: skip
    parser.add_argument("--model", metavar="FILE", help="generator weights (default: shipped)")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def _targets(out: Path, count: int, force: bool, stem: str = "melody") -> list[Path]:
    if count == 1 and not out.is_dir():
        targets = [out]
    else:
        if out.exists() and not out.is_dir():
            raise InvalidInput(f"{out} is a file; with --count {count} OUT must be a folder")
        targets = [out / f"{stem}-{i + 1:02d}.mid" for i in range(count)]
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


def _check_combinations(args: argparse.Namespace) -> None:
    """Refuse the options that do not go together, before any model loads."""
    if args.for_me and args.like is not None:
        raise InvalidInput(
            "--for-me and --like do not combine: --like varies one melody, --for-me ranks new "
            "ones (rank first, then vary the seed you like)"
        )
    if args.for_me and args.primer:
        raise InvalidInput("--for-me ranks new melodies; it does not combine with --primer")
    if not args.for_me and (args.profile is not None or args.db is not None):
        raise InvalidInput("--profile and --db go with --for-me only")
    for name, value in (("--seed", args.seed), ("--like", args.like)):
        if value is not None and value < 0:
            raise InvalidInput(f"{name} must be a whole number ≥ 0, not {value}")
    if args.distance is not None:
        if args.like is None:
            raise InvalidInput("--distance goes with --like only")
        if not 0 <= args.distance <= 1:  # NaN fails too
            raise InvalidInput(f"--distance must be between 0 and 1, not {args.distance:g}")


def run(args: argparse.Namespace) -> int:
    """Generate (rank or vary), write the files and report them."""
    from studio.core.keyfinding import choose_key, stated_key
    from studio.core.midi_read import read_song
    from studio.core.mood import song_mood
    from studio.core.theory import parse_pitch, parse_progression
    from studio.engine import Engine
    from studio.generation.generator import VARY_DISTANCE, GenerationSettings, melody_song
    from studio.generation.mood_aim import parse_mood

    _check_combinations(args)
    distance = args.distance if args.distance is not None else VARY_DISTANCE  # --like
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
        key=choose_key(args.key, args.mode, args.scale, primer_notes, stated_key(primer_song)),
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
    mood = parse_mood(args.mood) if args.mood else None
    if primer_notes and mood is not None:
        raise InvalidInput("--mood is for new melodies; a continuation follows its primer")
    count = args.count if args.count is not None else (4 if args.like is not None else 1)
    if not 1 <= count <= 64:
        raise InvalidInput(f"count must be between 1 and 64, not {count}")
    stem = "melody" if args.like is None else f"variation-of-{args.like}"
    targets = _targets(Path(args.out), count, args.force, stem)
    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    named_mode = args.key and not re.fullmatch(r"\s*[A-Ga-g][#b♯♭]?\s*", args.key)
    kept = {"mode": args.mode or args.scale or named_mode,
            "density": args.density is not None, "tempo": args.tempo,
            "range": args.low or args.high}  # fmt: skip
    keep = frozenset(name for name, given in kept.items() if given)
    batch = original = None
    with Engine(gan_weights=args.model, db_path=args.db) as engine:
        profile = args.profile or engine.current_profile
        if args.like is not None:
            if primer_notes:  # the continuation with that seed; its variations keep the primer
                original = engine.continue_melody(primer_notes, settings, 1, args.like)[0]
            else:
                original = engine.generate(settings, 1, args.like, mood=mood, keep=keep)[0]
            melodies = engine.more_like(original, count, distance, seed)
        elif primer_notes:
            melodies = engine.continue_melody(primer_notes, settings, count, seed)
        elif args.for_me:
            batch = engine.generate_ideas(settings, count, seed, rank=True, profile=profile,
                                          mood=mood, keep=keep)  # fmt: skip
            melodies = batch.melodies
        else:
            melodies = engine.generate(settings, count, seed, mood=mood, keep=keep)

        written = []
        for n, (melody, target) in enumerate(zip(melodies, targets, strict=True)):
            made = melody.settings  # a mood may have set the mode, tempo and range per variation
            title = f"Motif {made.key.name} (seed {melody.seed})"
            if melody.like is not None:
                title = f"Motif {made.key.name} (like seed {melody.seed}, variation {n + 1})"
            song = melody_song(melody, program=args.program, with_chords=args.with_chords,
                               title=title)  # fmt: skip
            engine.export_midi(song, target)
            found = song_mood(melody_song(melody))
            item = {
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
            }  # fmt: skip
            if batch is not None:
                item |= {"ranked": batch.ranked[n], "reason": batch.reasons[n]}
            if original is not None and melody.like is not None:
                same = _same_notes(original.notes, melody.notes)
                item |= {"variation_seed": melody.like[0], "same_notes": round(same, 3)}
            written.append(item)
        model = str(engine.generator.path)
    if batch is not None and batch.problem and not args.json:
        print(f"studio: warning: ideas not ranked: {batch.problem}", file=sys.stderr)
    if args.json:
        document: dict = {"files": written, "model": model}
        if mood is not None:
            document["asked_mood"] = {"valence": mood[0], "arousal": mood[1]}
        if batch is not None:
            document |= {
                "profile": profile,
                "considered": batch.considered,
                "kept_ideas": batch.kept_ideas,
                "ranking_problem": batch.problem or None,
            }
        if original is not None:
            document["like"] = {
                "seed": args.like,
                "distance": distance,
                "original_notes": len(original.notes),
            }
        print_json(document)
        return EXIT_OK
    _print_written(written, batch, profile, original, args.like, distance)
    return EXIT_OK


def _print_written(
    written: list[dict], batch, profile: str, original, like: int | None, distance: float
) -> None:
    """The text report: how the ideas were ranked or varied, then one line per file."""
    if batch is not None:
        if batch.kept_ideas:
            print(
                f"Ranked for profile {profile!r}: {len(written)} of {batch.considered} "
                f"candidates, learnt from {batch.kept_ideas} kept idea"
                f"{'' if batch.kept_ideas == 1 else 's'}"
            )
        elif not batch.problem:
            print(
                f"nothing kept yet for profile {profile!r}: ideas are not ranked; ♥ ideas in "
                "the window to teach it"
            )
    if original is not None:
        print(
            f"{len(written)} variation{'' if len(written) == 1 else 's'} of seed {like} "
            f"at distance {distance:g} (its {len(original.notes)} notes; same plan, form and "
            "chords)"
        )
    for item in written:
        chords = " ".join(item["chords"][:8]) + (" …" if len(item["chords"]) > 8 else "")
        feel = f", {item['mood']['words']}" if item["mood"] else ""
        origin = f"seed {item['seed']}"
        if "variation_seed" in item:
            origin = (f"like seed {item['seed']}, variation seed {item['variation_seed']}, "
                      f"{item['same_notes']:.0%} same notes")  # fmt: skip
        print(
            f"wrote {item['path']}  ({origin}, {item['bars']} bars of "
            f"{item['meter']}, {item['form']}, {item['key']}, {item['tempo']:g} BPM, "
            f"{chords}{feel})"
        )
        if "ranked" in item and batch is not None and batch.kept_ideas:
            print(f"      · {item['reason'] if item['ranked'] else 'unranked, to explore'}")


def _same_notes(original, variation) -> float:
    """The share of notes two melodies have in common (same pitch, onset and length), over
    the longer one's notes: 1 for the melody again."""

    def notes(melody) -> set:
        return {(n.pitch, round(n.start, 4), round(n.duration, 4)) for n in melody}

    first, second = notes(original), notes(variation)
    return len(first & second) / max(len(first), len(second), 1)
