"""``studio info FILE``: what a MIDI file contains."""

from __future__ import annotations

import argparse

from studio.commands.common import EXIT_OK, print_json


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``info`` subcommand."""
    info = commands.add_parser(
        "info",
        parents=[common],
        help="show what a MIDI file contains",
        description="Show a MIDI file's duration, tempo, meter, key (stated and estimated) "
        "and tracks.",
    )
    info.add_argument("file", metavar="FILE", help="a MIDI file (.mid, .midi, .kar, .rmi)")
    info.add_argument("--json", action="store_true", help="print one JSON document")
    info.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Describe the file, as text or JSON."""
    from studio.core.midi_info import describe_file, format_description

    description = describe_file(args.file)
    if args.json:
        print_json(description)
    else:
        print(format_description(description))
    return EXIT_OK
