"""``studio similar FILE|TRACK_ID``: the library tracks most like a file or a library track."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from studio.commands.common import EXIT_OK, print_json, print_suggestions, progress_bar
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


def prepare_library(catalog, embedder, *, show: bool) -> None:
    """First run: index the demo library into an empty catalog. Then embed the tracks that have
    no vectors from this model yet (indexed without one, or before a model update)."""
    from studio.core.resources import DEMO_LIBRARY
    from studio.library.indexer import embed_missing, index_folders

    if catalog.counts()["total"] == 0 and DEMO_LIBRARY.is_dir():
        print("the library is empty: indexing the demo library first…", file=sys.stderr)
        with progress_bar("indexing", enabled=show) as progress:
            index_folders(catalog, [DEMO_LIBRARY], embedder=embedder, progress=progress)
    if catalog.paths_without_embedding(embedder.model_version):
        with progress_bar("embedding tracks for this model", enabled=show) as progress:
            embed_missing(catalog, embedder, progress=progress)


def run(args: argparse.Namespace) -> int:
    """Rank and print the similar tracks."""
    from studio.library.catalog import Catalog, default_db_path
    from studio.similarity.embedder import Embedder
    from studio.similarity.service import SimilarityService

    if not 1 <= args.top <= 1000:
        raise InvalidInput(f"--top must be 1–1000, not {args.top}")
    embedder = Embedder(args.model)
    db_path = args.db or default_db_path()
    with Catalog(db_path) as catalog:
        prepare_library(catalog, embedder, show=not args.json)
        service = SimilarityService(catalog, embedder)
        if os.path.lexists(args.query):
            query = {"file": str(Path(args.query).resolve())}
            result = service.similar_to_file(args.query, top=args.top, mode=args.mode)
        elif args.query.isdigit():
            if args.mode == "passage":
                raise InvalidInput("--mode passage needs a FILE query (a track compares whole)")
            track = catalog.get(int(args.query))
            query = {"track_id": int(args.query), "title": track.title if track else None}
            result = service.similar_to_track(int(args.query), top=args.top)
        else:
            raise InvalidInput(f"{args.query} is neither a MIDI file nor a track id")
        searched = service.size
    if args.json:
        print_json(
            {
                "query": query,
                "mode": result.mode,
                "model_version": result.model_version,
                "library_tracks": searched,
                "db": str(db_path),
                "results": [s.to_json(rank) for rank, s in enumerate(result.suggestions, 1)],
            }
        )
        return EXIT_OK
    if not result.suggestions:
        print(f"no similar tracks: the library ({db_path}) has {searched} searchable tracks")
        return EXIT_OK
    how = "passage by passage" if result.mode == "passage" else "whole tracks"
    print(f"{len(result.suggestions)} of {searched} tracks, compared {how}:")
    print_suggestions(result.suggestions)
    return EXIT_OK
