"""``studio recommend``: recommendations for a listening profile, learnt from its feedback."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands.common import (
    EXIT_OK,
    check_top,
    prepare_library,
    print_json,
    print_ranked,
    ranked_json,
)


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``recommend`` subcommand."""
    parser = commands.add_parser(
        "recommend",
        parents=[common],
        help="recommend library tracks for you, from what you liked, played and skipped",
        description="Recommend library tracks for a listening profile. With no feedback yet it "
        "ranks by musical content alone; each like, play, skip or dislike (`studio feedback`) "
        "teaches the profile's taste model, and profiles with similar taste lend each other "
        "recommendations. Tracks you gave feedback on recently are held back. Everything stays "
        "on this machine.",
    )
    parser.add_argument("--profile", help="whose recommendations (default: the current profile)")
    parser.add_argument("--top", type=int, default=10, help="how many tracks (default 10)")
    parser.add_argument(
        "--seed-track", metavar="FILE|TRACK_ID",
        help="recommendations like this library track, for you",
    )  # fmt: skip
    parser.add_argument(
        "--content-only", action="store_true",
        help="rank by musical similarity to your likes only (no taste model, no other profiles)",
    )  # fmt: skip
    parser.add_argument("--db", type=Path, help="library file (default: in the user data folder)")
    parser.add_argument("--model", type=Path, help="autoencoder weights (default: shipped)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Rank and print the recommendations."""
    from studio.engine import Engine

    check_top(args.top)
    with Engine(db_path=args.db, autoencoder_weights=args.model) as engine:
        profile = args.profile or engine.current_profile
        prepare_library(engine, show=not args.json)
        seed = None
        if args.seed_track:
            hint = "index its folder, or use `studio similar`"
            seed = engine.resolve_track(args.seed_track, hint=hint)
        found = engine.recommend(
            profile, top=args.top, seed_track=seed, content_only=args.content_only
        )
        size = len(engine.recommendations.table)
        model_version, db_path = engine.embedder.model_version, engine.db_path
    if args.json:
        print_json(
            {
                "profile": profile,
                "seed_track": seed,
                "content_only": args.content_only,
                "model_version": model_version,
                "library_tracks": size,
                "db": str(db_path),
                "results": [
                    ranked_json(r, rank) | {"parts": {k: round(v, 4) for k, v in r.parts.items()}}
                    for rank, r in enumerate(found, 1)
                ],
            }
        )
        return EXIT_OK
    if not found:
        print(f"nothing to recommend: the library ({db_path}) has {size} searchable tracks")
        return EXIT_OK
    print(f"for profile {profile!r}, from {size} tracks:")
    print_ranked(found)
    return EXIT_OK
