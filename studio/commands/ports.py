"""``studio ports``: list MIDI output and input ports (for the midi_output/midi_input settings)."""

from __future__ import annotations

import argparse

from studio.commands.common import EXIT_OK, print_json


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``ports`` subcommand."""
    parser = commands.add_parser(
        "ports",
        parents=[common],
        help="list MIDI ports",
        description="List the MIDI output ports (to play through instead of the synthesizer) "
        "and input ports (whose notes are auditioned).",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the ports; a machine without a MIDI system raises ``MidiPortsUnavailable``."""
    from studio.audio.midi_ports import list_ports

    ports = list_ports()
    if args.json:
        print_json(ports)
        return EXIT_OK
    for title, key in (("MIDI outputs", "outputs"), ("MIDI inputs", "inputs")):
        print(f"{title}:")
        for name in ports[key]:
            print(f"  {name}")
        if not ports[key]:
            print("  (none)")
    return EXIT_OK
