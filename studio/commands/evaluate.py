"""``studio eval generation|retrieval|recommend|mood|ideas``: quality of the models against
baselines, of the mood estimate against what the files state, and of ranking ideas by taste
against not ranking them."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from studio.commands.common import (
    EXIT_OK,
    cancel_on_interrupt,
    check_melody_source,
    print_json,
    progress_bar,
)
from studio.core.errors import InvalidInput


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``eval`` subcommand."""
    parser = commands.add_parser(
        "eval",
        parents=[common],
        help="measure model quality against baselines",
        description="generation: the melody GAN on held-out melodies, per meter, against an "
        "order-2 Markov chain, an LSTM (when installed) and random notes in the scale; by "
        "default the GAN gets only what a user types (bars, key, meter): overlaps, a 1-NN "
        "two-sample test, cadence rates and self-similarity. retrieval: 'similar tracks' (the "
        "autoencoder) against pitch-class histograms and random on labelled sets: passage → "
        "piece, style precision, transposed copies played faster or slower (by tempo map, "
        "stretched, or flattened to seconds; see the model cards). "
        "recommend: simulated listeners with a hidden taste give feedback on 20 rounds of "
        "recommendations; precision@10 per round for the hybrid recommender, content-only, a "
        "k-NN over the liked tracks, popularity and random. mood: the mood estimate against "
        "the files' stated modes and tempo markings, and its stability under transposition and "
        "tempo-preserving copies. ideas: 27 simulated songwriters (each likes one register, "
        "density and contour) keep (♥) or reject (✕) the ideas on each page of 8; the kept "
        "share of the page after --rounds rounds of feedback, with `generate --for-me`'s "
        "ranking against the same pages unranked.",
    )
    parser.add_argument(
        "what",
        choices=["generation", "retrieval", "recommend", "mood", "ideas"],
        help="what to evaluate",
    )
    parser.add_argument("--model", metavar="FILE", help="model weights (default: shipped)")
    parser.add_argument(
        "--data", default="music21",
        help="'music21' (the corpus's default collections), music21:COLLECTION (generation) or "
        "a folder of MIDI files",
    )  # fmt: skip
    parser.add_argument("--cache", type=Path, help="folder for the processed data set")
    parser.add_argument(
        "--mode", choices=["unconditional", "conditional", "continuation"],
        default="unconditional",
        help="generation: unconditional = the CLI defaults (bars, key, meter); conditional = "
        "the GAN also gets each window's chords and density; continuation = the GAN continues "
        "each window's first half (Continue), scored on the second halves",
    )  # fmt: skip
    parser.add_argument(
        "--bars", type=int, default=8, help="generation: window length in bars (default 8)"
    )
    parser.add_argument(
        "--limit", type=int, default=150,
        help="generation: reference windows per meter at most (default 150)",
    )  # fmt: skip
    parser.add_argument(
        "--baselines", default="markov,lstm,random", metavar="LIST",
        help="generation: comma-separated baselines among markov, lstm, random (default all; "
        "lstm is skipped when it is not installed)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--draws", type=int, default=1, metavar="N",
        help="generation: independent sampling draws to average (seeds SEED … SEED+N-1); the "
        "two-sample accuracy shows their mean ± standard deviation (one draw moves by about "
        "±0.015, more per meter: use 6 or more to choose between models)",
    )  # fmt: skip
    parser.add_argument(
        "--split", choices=["test", "valid"], default="test",
        help="held-out melodies to compare with: choose settings on valid, report test",
    )  # fmt: skip
    parser.add_argument(
        "--reference", metavar="DATA",
        help="generation: judge against every tune of DATA instead of a held-out split (a "
        "folder of MIDI files, or music21:COLLECTION such as music21:miscFolk): music the "
        "models never learnt from, as an independent check; the real row is then --data's "
        "validation tunes against it, the train row its training tunes",
    )  # fmt: skip
    parser.add_argument("--temperature", type=float, help="GAN sampling temperature")
    parser.add_argument(
        "--key-lock", action="store_true",
        help="generation: the GAN keeps every note in the scale, as `studio generate --key-lock`"
        " (the baselines always do)",
    )  # fmt: skip
    parser.add_argument(
        "--set", type=Path, metavar="PATH", dest="labelled_set",
        help="retrieval: a labelled set (a folder per group, or a CSV path,group); default: the "
        "version and style sets written from the music21 corpus",
    )  # fmt: skip
    parser.add_argument(
        "--queries", type=int, default=3, help="retrieval: excerpts per song (default 3)"
    )
    parser.add_argument(
        "--users", type=int, default=40, help="recommend: simulated listeners (default 40)"
    )
    parser.add_argument(
        "--rounds", type=int,
        help="recommend: rounds of recommendations (default 20); ideas: rounds of feedback "
        "before the page that is scored (default 5)",
    )  # fmt: skip
    parser.add_argument(
        "--repeats", type=int, default=2,
        help="ideas: sessions per simulated songwriter, each with other seeds (default 2)",
    )  # fmt: skip
    parser.add_argument(
        "--groups", metavar="LIST",
        help="recommend: only these groups of the set, comma-separated (e.g. the composers "
        "bach,beethoven,haydn,mozart,palestrina,monteverdi,trecento)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the evaluation and print the table (or JSON)."""
    if args.what == "retrieval":
        return _retrieval(args)
    if args.what == "recommend":
        return _recommend(args)
    if args.what == "mood":
        return _mood(args)
    if args.what == "ideas":
        return _ideas(args)
    from studio.evaluation.generation import (
        BASELINES,
        available_baselines,
        evaluate_generation,
        format_table,
    )
    from studio.generation.data import load_or_build
    from studio.generation.generator import MelodyGenerator

    if not 2 <= args.bars <= 32 or args.limit < 2:
        raise InvalidInput("--bars must be 2–32 and --limit at least 2")
    if not 1 <= args.draws <= 100:
        raise InvalidInput(f"--draws must be 1–100, not {args.draws}")
    baselines = [b.strip() for b in args.baselines.split(",") if b.strip()]
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise InvalidInput(f"unknown baseline {unknown[0]!r} (use {', '.join(BASELINES)})")
    skipped = [b for b in baselines if b not in available_baselines()]
    if args.temperature is not None and not 0 < args.temperature <= 10:
        raise InvalidInput(f"temperature must be above 0 (and at most 10), not {args.temperature}")
    check_melody_source(args.data, "--data")
    if args.reference is not None:
        check_melody_source(args.reference, "--reference")
    generator = MelodyGenerator(args.model)
    outside = None
    with cancel_on_interrupt() as cancel:
        with progress_bar("reading the data", enabled=not args.json) as progress:
            data = load_or_build(args.data, cache_dir=args.cache, progress=progress, cancel=cancel)
        if args.reference is not None:
            with progress_bar("reading the reference", enabled=not args.json) as progress:
                outside = load_or_build(
                    args.reference, cache_dir=args.cache, progress=progress, cancel=cancel
                )
        with progress_bar("evaluating", enabled=not args.json) as progress:
            report = evaluate_generation(
                generator, data, mode=args.mode, n_bars=args.bars, limit=args.limit,
                seed=args.seed, split=args.split, temperature=args.temperature,
                gan_options={"key_lock": True} if args.key_lock else None,
                baselines=[b for b in baselines if b not in skipped], draws=args.draws,
                outside=outside, progress=progress, cancel=cancel,
            )  # fmt: skip
    report["skipped_baselines"] = skipped
    if args.reference is not None:
        report["reference"]["data"] = args.reference
    if args.json:
        print_json(report)
    else:
        reference = report["reference"]
        meters = ", ".join(f"{m}: {n}" for m, n in reference["per_meter"].items())
        which = reference.get("data", reference["split"])
        print(
            f"{reference['windows']} {which} windows of {reference['bars']} bars "
            f"({meters}), {report['mode']}, temperature {report['temperature']}, "
            f"seed {report['seed']}, {report['draws']} draw{'s' * (report['draws'] > 1)} "
            f"({report['seconds']} s); model {report['model']}"
        )
        if skipped:
            print(f"skipped (not installed): {', '.join(skipped)}")
        print()
        print(format_table(report))
    return EXIT_OK


def _retrieval(args: argparse.Namespace) -> int:
    from studio.evaluation.labelled_sets import default_sets, load_labelled_set
    from studio.evaluation.retrieval import evaluate_retrieval, format_table
    from studio.evaluation.retrieval_methods import default_methods

    if not 1 <= args.queries <= 20:
        raise InvalidInput(f"--queries must be 1–20, not {args.queries}")
    if args.labelled_set is not None and not args.labelled_set.exists():
        raise InvalidInput(f"no labelled set at {args.labelled_set}")
    methods = default_methods(Path(args.model) if args.model else None)
    skipped: list = []
    with cancel_on_interrupt() as cancel:
        with progress_bar("reading the songs", enabled=not args.json) as progress:
            if args.labelled_set is None:
                sets = default_sets(progress, cancel)
            else:
                songs, skipped = load_labelled_set(args.labelled_set, progress, cancel)
                sets = {"custom": songs}
        with progress_bar("evaluating", enabled=not args.json) as progress:
            report = evaluate_retrieval(
                sets, methods, seed=args.seed, queries_per_song=args.queries,
                progress=progress, cancel=cancel,
            )  # fmt: skip
    report["skipped"] = [{"path": path, "reason": reason} for path, reason in skipped]
    if args.json:
        print_json(report)
        return EXIT_OK
    sizes = ", ".join(
        f"{n}: {s['songs']} songs in {s['groups']} groups" for n, s in report["sets"].items()
    )
    print(f"{sizes} ({report['seconds']} s, seed {report['seed']})")
    if skipped:
        print(f"skipped {len(skipped)} files (see --json)")
    print()
    print(format_table(report))
    return EXIT_OK


def _mood(args: argparse.Namespace) -> int:
    from studio.evaluation.mood import evaluate_mood, format_report

    with cancel_on_interrupt() as cancel:
        if args.data == "music21":
            from studio.similarity.corpus import ensure_corpus

            with progress_bar("writing the corpus", enabled=not args.json) as progress:
                paths = sorted(f.path for f in ensure_corpus(progress=progress, cancel=cancel))
        elif Path(args.data).is_dir():
            from studio.core.midi_files import find_midi_files

            problems: list[tuple[str, str]] = []
            found = find_midi_files(os.fsencode(Path(args.data).resolve()), problems)
            paths = sorted(Path(os.fsdecode(path)) for path, _, _ in found)
        else:
            raise InvalidInput(
                f"--data must be 'music21' or a folder of MIDI files, not {args.data}"
            )
        if not paths:
            raise InvalidInput(f"no MIDI files in {args.data}")
        with progress_bar("reading the files", enabled=not args.json) as progress:
            report = evaluate_mood(paths, seed=args.seed, progress=progress, cancel=cancel)
    if args.json:
        print_json(report)
    else:
        print(format_report(report))
    return EXIT_OK


def _recommend(args: argparse.Namespace) -> int:
    from studio.evaluation.recommend import evaluate_recommend, format_table

    rounds = 20 if args.rounds is None else args.rounds
    if not 1 <= args.users <= 1000 or not 1 <= rounds <= 200:
        raise InvalidInput("--users must be 1–1000 and --rounds 1–200")
    if args.labelled_set is not None and not args.labelled_set.exists():
        raise InvalidInput(f"no labelled set at {args.labelled_set}")
    with cancel_on_interrupt() as cancel, progress_bar("simulating", enabled=not args.json) as bar:
        groups = [g.strip() for g in args.groups.split(",") if g.strip()] if args.groups else None
        report = evaluate_recommend(
            Path(args.model) if args.model else None, args.labelled_set, users=args.users,
            rounds=rounds, seed=args.seed, groups=groups, progress=bar, cancel=cancel,
        )  # fmt: skip
    if args.json:
        print_json(report)
        return EXIT_OK
    print(
        f"{report['set']}: {report['tracks']} tracks in {report['groups']} groups, "
        f"{report['users']} simulated listeners, {report['rounds']} rounds ({report['seconds']} s)"
    )
    print(format_table(report))
    print("\nprecision@10 per round:")
    for method in report["methods"]:
        rounds = " ".join(f"{p:.2f}" for p in report["precision"][method])
        print(f"  {method:<13} {rounds}")
    return EXIT_OK


def _ideas(args: argparse.Namespace) -> int:
    from studio.core.progress import Cancelled
    from studio.evaluation.idea_taste import evaluate_idea_taste
    from studio.generation.generator import MelodyGenerator

    rounds = 5 if args.rounds is None else args.rounds
    if not 1 <= rounds <= 50 or not 1 <= args.repeats <= 20:
        raise InvalidInput("--rounds must be 1–50 and --repeats 1–20")
    if args.seed < 0:
        raise InvalidInput(f"--seed must be a whole number ≥ 0, not {args.seed}")
    generator = MelodyGenerator(args.model)
    started = time.monotonic()
    with cancel_on_interrupt() as cancel, progress_bar("songwriters", enabled=not args.json) as bar:

        def progress(done: int, total: int, message: str) -> None:
            bar(done, total, message)
            if cancel.cancelled:  # checked after each session
                raise Cancelled("cancelled")

        report = evaluate_idea_taste(
            generator, rounds=rounds, repeats=args.repeats, seed=args.seed, progress=progress
        )
    report |= {"repeats": args.repeats, "seed": args.seed, "model": str(generator.path),
               "seconds": round(time.monotonic() - started, 1)}  # fmt: skip
    if args.json:
        print_json(report)
        return EXIT_OK
    print(_ideas_table(report))
    return EXIT_OK


def _ideas_table(report: dict) -> str:
    """The ``eval ideas`` report as a few readable lines."""
    rounds, sessions = report["rounds"], report["sessions"]
    low, high = report["difference_ci95"]
    equal = sessions - report["better_sessions"] - report["worse_sessions"]
    width = 6
    header = "".join(f"{n:>{width}}" for n in range(rounds + 1))
    lines = [
        f"{sessions} sessions of simulated songwriters ({report['repeats']} per songwriter, seed "
        f"{report['seed']}): pages of {report['page']} ideas, ranked ones picked from "
        f"{report['candidates']} candidates ({report['seconds']} s); model {report['model']}",
        "",
        "kept share of the page (♥ / shown) after N rounds of feedback:",
        f"{'rounds':<10}{header}",
    ]
    for name in ("ranked", "unranked"):
        shares = "".join(f"{v:>{width}.2f}" for v in report[f"{name}_by_round"])
        lines.append(f"{name:<10}{shares}")
    lines += [
        "",
        f"after {rounds} round{'' if rounds == 1 else 's'}: ranked {report['ranked_final']:.2f}, "
        f"unranked {report['unranked_final']:.2f}, difference {report['difference']:+.2f} "
        f"(95% CI {low:+.2f} … {high:+.2f})",
        f"the ranked page kept more in {report['better_sessions']} sessions, fewer in "
        f"{report['worse_sessions']}, as many in {equal}",
    ]
    return "\n".join(lines)
