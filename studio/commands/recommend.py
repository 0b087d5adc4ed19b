"""``studio recommend``: suggestions for a listening profile, learnt from its reactions."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.commands.common import EXIT_OK, library_track_id, print_json, print_suggestions
from studio.core.errors import InvalidInput


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``recommend`` subcommand."""
    parser = commands.add_parser(
        "recommend",
        parents=[common],
        help="suggest library tracks for you, from what you liked, played and skipped",
        description="Suggest library tracks for a listening profile. With no reactions yet it "
        "ranks by musical content alone; each like, play, skip or dislike (`studio feedback`) "
        "teaches the profile's taste model, and profiles with similar taste lend each other "
        "suggestions. Tracks you reacted to recently are held back. Everything stays on this "
        "machine.",
    )
    parser.add_argument("--profile", help="whose suggestions (default: the current profile)")
    parser.add_argument("--top", type=int, default=10, help="how many tracks (default 10)")
    parser.add_argument(
        "--seed-track", metavar="FILE|TRACK_ID",
        help="suggestions like this library track, for you",
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
    """Rank and print the suggestions."""
    from studio.commands.feedback import current_profile
    from studio.commands.similar import prepare_library
    from studio.library.catalog import Catalog, default_db_path
    from studio.recommend.service import SuggestionService
    from studio.similarity.embedder import Embedder

    if not 1 <= args.top <= 1000:
        raise InvalidInput(f"--top must be 1–1000, not {args.top}")
    profile = args.profile or current_profile()
    embedder = Embedder(args.model)
    db_path = args.db or default_db_path()
    with Catalog(db_path) as catalog:
        prepare_library(catalog, embedder, show=not args.json)
        seed = None
        if args.seed_track:
            seed = library_track_id(
                catalog, args.seed_track, hint="index its folder, or use `studio similar`"
            )
            if catalog.get(seed) is None:
                raise InvalidInput(f"no track with id {seed} in the library")
        service = SuggestionService(catalog, embedder.model_version)
        found = service.recommend(
            profile, top=args.top, seed_track=seed, content_only=args.content_only
        )
        size = len(service.table)
    if args.json:
        print_json(
            {
                "profile": profile,
                "seed_track": seed,
                "content_only": args.content_only,
                "model_version": embedder.model_version,
                "library_tracks": size,
                "db": str(db_path),
                "results": [s.to_json(rank) for rank, s in enumerate(found, 1)],
            }
        )
        return EXIT_OK
    if not found:
        print(f"nothing to suggest: the library ({db_path}) has {size} searchable tracks")
        return EXIT_OK
    print(f"for profile {profile!r}, from {size} tracks:")
    print_suggestions(found)
    return EXIT_OK
