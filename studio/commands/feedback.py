"""``studio feedback FILE|TRACK_ID KIND``: tell the library what you thought of a track.

Feedback is stored in the library file only (it never leaves this machine), under a listening
profile: ``--profile``, else the current one (``studio profile use NAME``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from studio.commands.common import EXIT_OK, print_json
from studio.core.errors import InvalidInput

# The same as studio.library.feedback.KINDS (not imported here: `studio --help` stays light).
KINDS_TEXT = "like, dislike, play, skip, added, exported"
DONE = {
    "like": "liked",
    "dislike": "disliked",
    "play": "played",
    "skip": "skipped",
    "added": "added",
    "exported": "exported",
}


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``feedback`` subcommand."""
    parser = commands.add_parser(
        "feedback",
        parents=[common],
        help="record that you liked, played, skipped… a library track",
        description="Record one feedback event about a library track (a MIDI file that "
        "`studio index` has seen, or a track id) for a listening profile. It is stored in the "
        "library file only and never leaves this machine.",
    )
    parser.add_argument("target", metavar="FILE|TRACK_ID", help="a MIDI file or a track id")
    parser.add_argument("kind", metavar="KIND", help=f"one of: {KINDS_TEXT}")
    parser.add_argument(
        "--fraction", type=float, help="play only: the fraction of the track heard, 0–1 (default 1)"
    )
    parser.add_argument(
        "--seconds", type=float, help="skip only: seconds heard before skipping (default 0)"
    )
    parser.add_argument("--profile", help="profile to record for (default: the current one)")
    parser.add_argument("--db", type=Path, help="library file (default: in the user data folder)")
    parser.add_argument("--json", action="store_true", help="print the event as one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Resolve the track, record the event and print it."""
    from studio.engine import Engine

    if args.fraction is not None and args.kind != "play":
        raise InvalidInput("--fraction goes with play only")
    if args.seconds is not None and args.kind != "skip":
        raise InvalidInput("--seconds goes with skip only")
    value = args.fraction if args.fraction is not None else args.seconds
    with Engine(db_path=args.db) as engine:
        profile = args.profile or engine.current_profile
        event = engine.record_feedback(args.target, args.kind, value=value, profile=profile)
        track_id = event.track_id
        track = engine.track(track_id)
    if args.json:
        print_json(event.to_json())
        return EXIT_OK
    title = track.title or os.path.basename(track.display_path)
    detail = ""
    if event.kind == "play":
        detail = f", {event.value:.0%} heard"
    elif event.kind == "skip":
        detail = f", after {event.value:g} s"
    print(f"{DONE[event.kind]} {title!r} (track {track_id}{detail}) as profile {profile!r}")
    return EXIT_OK
