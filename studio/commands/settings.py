"""``studio settings``: show and change the user's settings (SoundFont, audio device…)."""

from __future__ import annotations

import argparse
import sys

from studio.commands.common import EXIT_OK, print_json


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``settings`` subcommand."""
    parser = commands.add_parser(
        "settings",
        parents=[common],
        help="show or change settings (SoundFont, audio device, block size…)",
        description="Without arguments, list the settings. `studio settings KEY VALUE` sets one, "
        "`studio settings KEY --reset` returns it to its default.",
    )
    parser.add_argument("key", nargs="?", help="the setting to show or change")
    parser.add_argument("value", nargs="?", help="its new value")
    parser.add_argument("--reset", action="store_true", help="return KEY to its default")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List, show, set or reset."""
    from studio.core.errors import InvalidInput
    from studio.settings import OPTIONS, load_settings, set_setting, settings_path

    if args.key is not None and args.key not in OPTIONS:
        raise InvalidInput(f"unknown setting {args.key!r} (known: {', '.join(OPTIONS)})")
    if args.key and (args.value is not None or args.reset):
        if args.value is not None and args.reset:
            raise InvalidInput("give a value or --reset, not both")
        set_setting(args.key, None if args.reset else args.value)
    values, warning = load_settings()
    if warning:
        print(f"studio: warning: {warning}", file=sys.stderr)
    shown = {args.key: values[args.key]} if args.key else values
    if args.json:
        print_json({"path": str(settings_path()), "settings": shown})
        return EXIT_OK
    for key, value in shown.items():
        default = " (default)" if value == OPTIONS[key].default else ""
        print(f"{key:<16} {'—' if value is None else value}{default}    {OPTIONS[key].help}")
    return EXIT_OK
