"""``studio similar FILE|TRACK_ID``: the library tracks most like a file or a library track."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from studio.commands.common import (
    EXIT_OK,
    check_top,
    prepare_library,
    print_json,
    print_ranked,
    ranked_json,
)
from studio.core.errors import InvalidInput


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``similar`` subcommand."""
    parser = commands.add_parser(
        "similar",
        parents=[common],
        help="find the library tracks most like a MIDI file or a library track",
        description="Rank the library by musical similarity to a MIDI file (in the library or "
        "not) or a library track id (see `studio index --json`). Short queries (up to 8 bars) "
        "are matched passage by passage, so a few bars find the piece they come from, in any "
        "key or tempo. The first run indexes the demo library when the library is empty.",
    )
    parser.add_argument("query", metavar="FILE|TRACK_ID", help="a MIDI file or a track id")
    parser.add_argument("--top", type=int, default=10, help="how many tracks (default 10)")
    parser.add_argument(
        "--mode", choices=["auto", "track", "passage"], default="auto",
        help="compare whole tracks or passages (default: passages for queries of ≤ 8 bars)",
    )  # fmt: skip
    parser.add_argument("--db", type=Path, help="library file (default: in the user data folder)")
    parser.add_argument("--model", type=Path, help="autoencoder weights (default: shipped)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Rank and print the similar tracks."""
    from studio.engine import Engine

    check_top(args.top)
    with Engine(db_path=args.db, autoencoder_weights=args.model) as engine:
        prepare_library(engine, show=not args.json)
        if os.path.lexists(args.query):
            query = {"file": str(Path(args.query).resolve())}
            result = engine.similar_to(args.query, top=args.top, mode=args.mode)
        elif args.query.isdigit():
            track = engine.track(int(args.query))
            query = {"track_id": int(args.query), "title": track.title if track else None}
            result = engine.similar_to(int(args.query), top=args.top, mode=args.mode)
        else:
            raise InvalidInput(f"{args.query} is neither a MIDI file nor a track id")
        searched = engine.similarity.size
        db_path = engine.db_path
    if args.json:
        print_json(
            {
                "query": query,
                "mode": result.mode,
                "model_version": result.model_version,
                "library_tracks": searched,
                "db": str(db_path),
                "results": [_hit_json(hit, rank) for rank, hit in enumerate(result.ranked, 1)],
            }
        )
        return EXIT_OK
    if not result.ranked:
        print(f"no similar tracks: the library ({db_path}) has {searched} searchable tracks")
        return EXIT_OK
    how = "passage by passage" if result.mode == "passage" else "whole tracks"
    print(f"{len(result.ranked)} of {searched} tracks, compared {how}:")
    print_ranked(result.ranked)
    return EXIT_OK


def _hit_json(hit, rank: int) -> dict:
    """One similar track in the ``--json`` document: where it matched and its musical facts."""
    track = hit.track
    match = None
    if hit.match_beats is not None:
        first, last = hit.match_beats
        match = {"start_beat": first, "end_beat": last, "bars": list(hit.match_bars)}
    return ranked_json(hit, rank) | {
        "match": match,
        "key": track.key_stated or track.key_estimated,
        "tempo": track.tempo,
        "density": track.density,
        "time_signature": track.time_signature,
    }
