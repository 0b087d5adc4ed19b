"""``studio profile list|create|use|forget``: the listening profiles whose taste is learnt.

Each profile has its own feedback (likes, plays, skips…) in the library file; the current one
(a setting) is where ``studio feedback`` records by default.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.commands.common import EXIT_OK, print_json
from studio.core.errors import InvalidInput

ACTIONS = ("list", "create", "use", "forget")


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``profile`` subcommand."""
    parser = commands.add_parser(
        "profile",
        parents=[common],
        help="list, create, choose or forget listening profiles",
        description="`list` shows the profiles of the library with their event counts and "
        "which is current; `create NAME` adds one; `use NAME` makes it current (feedback goes "
        "there by default); `forget NAME` deletes all its feedback, and with --delete the "
        "profile too ('default' can be forgotten, not deleted).",
    )
    parser.add_argument("action", choices=ACTIONS, metavar="ACTION", help=" | ".join(ACTIONS))
    parser.add_argument("name", nargs="?", metavar="NAME", help="the profile (not for list)")
    parser.add_argument(
        "--delete", action="store_true", help="forget only: delete the profile as well"
    )
    parser.add_argument(
        "--yes", action="store_true", help="forget only: do not ask for confirmation"
    )
    parser.add_argument("--db", type=Path, help="library file (default: in the user data folder)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run one profile action."""
    from studio.engine import Engine

    if args.action == "list" and args.name is not None:
        raise InvalidInput("`studio profile list` takes no NAME")
    if args.action != "list" and args.name is None:
        raise InvalidInput(f"`studio profile {args.action}` needs a NAME")
    if args.action != "forget" and (args.delete or args.yes):
        raise InvalidInput("--delete and --yes go with forget only")
    with Engine(db_path=args.db) as engine:
        engine.require_library()
        document = ACTION_HANDLERS[args.action](engine, args)
    if args.json:
        document["db"] = str(engine.db_path)
        print_json(document)
    return EXIT_OK


def _list(engine, args: argparse.Namespace) -> dict:
    current = engine.current_profile
    counts = engine.profiles()
    if not args.json:
        for name, count in counts.items():
            mark = "*" if name == current else " "
            print(f"{mark} {name:<40} {count:>7} event{'' if count == 1 else 's'}")
        if current not in counts:
            print(f"the current profile {current!r} is not in this library: "
                  "`studio profile use NAME` picks another")  # fmt: skip
    profiles = [{"name": n, "events": c, "current": n == current} for n, c in counts.items()]
    return {"current": current, "profiles": profiles}


def _create(engine, args: argparse.Namespace) -> dict:
    name = engine.create_profile(args.name)
    if not args.json:
        print(f"created profile {name!r} (make it current with `studio profile use {name}`)")
    return {"action": "create", "profile": name}


def _use(engine, args: argparse.Namespace) -> dict:
    engine.use_profile(args.name)
    if not args.json:
        print(f"the current profile is {args.name!r}")
    return {"action": "use", "profile": args.name}


def _forget(engine, args: argparse.Namespace) -> dict:
    was_current = engine.current_profile == args.name
    count = engine.events_to_forget(args.name, delete=args.delete)  # checks the profile
    what = f"the {count} feedback event{'' if count == 1 else 's'} of profile {args.name!r}"
    what += " and the profile itself" if args.delete else ""
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInput(f"this would delete {what} for good: pass --yes to confirm")
        print(f"Delete {what} for good? [y/N] ", end="", file=sys.stderr, flush=True)
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            print("nothing was deleted", file=sys.stderr)
            return {"action": "forget", "profile": args.name, "removed": 0, "deleted": False,
                    "cancelled": True}  # fmt: skip
    removed = engine.forget_profile(args.name, delete=args.delete)
    if not args.json:
        print(f"forgot {removed} event{'' if removed == 1 else 's'} of profile {args.name!r}"
              + (" and deleted it" if args.delete else ""))  # fmt: skip
        if args.delete and was_current:
            print(f"the current profile is {engine.current_profile!r} again")
    return {"action": "forget", "profile": args.name, "removed": removed, "deleted": args.delete,
            "cancelled": False}  # fmt: skip


ACTION_HANDLERS = {"list": _list, "create": _create, "use": _use, "forget": _forget}
