"""``studio index DIR...``: add the MIDI files under folders to the library (incremental)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.commands.common import EXIT_OK, cancel_on_interrupt, print_json, progress_bar
from studio.core.errors import InvalidInput

SHOWN_REASONS = 5


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``index`` subcommand."""
    parser = commands.add_parser(
        "index",
        parents=[common],
        help="add the MIDI files under folders to the library",
        description="Scan folders recursively for MIDI files (.mid .midi .kar .rmi, any case) and "
        "add them to the library. Runs again quickly: unchanged files are not read, moved files "
        "keep their identity, deleted ones are marked missing. Safe to interrupt.",
    )
    parser.add_argument(
        "folders", nargs="*", type=Path, metavar="DIR",
        help="folders to scan (none: the demo library that ships with Motif Studio)",
    )  # fmt: skip
    parser.add_argument("--db", type=Path, help="library file (default: in the user data folder)")
    parser.add_argument(
        "--rebuild", action="store_true",
        help="set the library file aside (renamed, not deleted) and index into a new one: for a "
        "damaged library. Likes and plays recorded in the old file are not carried over",
    )  # fmt: skip
    parser.add_argument(
        "--json", action="store_true", help="print the summary as one JSON document"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Index the folders and print the summary."""
    from studio.core.resources import DEMO_LIBRARY
    from studio.engine import Engine, set_library_aside

    folders = args.folders or [DEMO_LIBRARY]
    for folder in folders:
        if not folder.is_dir():
            raise InvalidInput(f"not a folder: {folder}")
    engine = Engine(db_path=args.db)
    db_path = engine.db_path
    if args.rebuild:
        moved = set_library_aside(db_path)
        if moved is not None:
            print(f"the old library is now {moved}", file=sys.stderr)
    with engine, cancel_on_interrupt() as cancel:
        engine.library_counts()  # a damaged library file fails here, before the progress bar
        with progress_bar("indexing", enabled=not args.json) as progress:
            summary = engine.index(folders, progress=progress, cancel=cancel)
        counts = engine.library_counts()
        problem = engine.similar_model_problem()
    if problem is not None:  # the tracks are catalogued all the same
        print(f"warning: {problem}; tracks were indexed without vectors", file=sys.stderr)
    if args.json:
        document = summary.to_json()
        document["db"] = str(db_path)
        document["library"] = counts
        print_json(document)
        return EXIT_OK
    state = "stopped early: " if summary.cancelled else ""
    print(
        f"{state}indexed {summary.indexed}, unchanged {summary.unchanged}, moved {summary.moved}, "
        f"missing {summary.missing}, skipped {len(summary.skipped)} "
        f"in {summary.seconds:.1f} s ({summary.files_per_second:.0f} files/s)"
    )
    for path, reason in summary.skipped[:SHOWN_REASONS]:
        print(f"  skipped {path}: {reason}")
    if len(summary.skipped) > SHOWN_REASONS:
        print(f"  … and {len(summary.skipped) - SHOWN_REASONS} more (see --json)")
    print(f"library: {counts['ok']} tracks ({db_path})")
    return EXIT_OK
