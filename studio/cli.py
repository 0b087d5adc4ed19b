"""The ``studio`` command: the same services as the GUI, for scripting, testing and batch work.

Errors a user can cause print one clear line on stderr and exit with code 2 (``--debug`` shows the
traceback instead). ``--json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from studio import __version__
from studio.commands import (
    desktop,
    evaluate,
    feedback,
    generate,
    gui,
    index,
    info,
    play,
    ports,
    profile,
    recommend,
    render,
    settings,
    similar,
    train,
)
from studio.commands.common import report_damaged_settings
from studio.core.errors import StudioError

EXIT_OK = 0
EXIT_INTERNAL_ERROR = 1
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2."""

    command_names: frozenset[str] = frozenset()
    """The subcommands (set on the top-level parser)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> _Parser:
    """Build the argument parser of the ``studio`` command and its subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show a traceback when something fails",
    )
    parser = _Parser(
        prog="studio",
        description="Motif Studio: generate melodies, edit them, find similar tracks, export MIDI.",
        parents=[common],
    )
    parser.set_defaults(debug=False, handler=None, opens_window=False)
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    for command in (
        gui, info, generate, train, evaluate, index, similar, recommend, feedback, profile,
        render, play, ports, settings, desktop,
    ):  # fmt: skip
        command.register(commands, common)
    parser.command_names = frozenset(commands.choices)
    return parser


def window_arguments(argv: Sequence[str], commands: Sequence[str]) -> list[str]:
    """``argv`` with ``gui`` put first when it asks for the window: nothing at all, a file
    (``studio song.mid``) or ``--screenshot``."""
    argv = list(argv)
    if not argv or argv[0] == "--screenshot":
        return ["gui", *argv]
    if argv[0] not in commands and not argv[0].startswith("-") and _looks_like_a_file(argv[0]):
        return ["gui", *argv]  # `studio FILE.mid`
    return argv  # a mistyped command gets argparse's "invalid choice"


def _looks_like_a_file(text: str) -> bool:
    from studio.core.midi_read import MIDI_SUFFIXES

    return os.path.exists(text) or text.lower().endswith(MIDI_SUFFIXES)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``studio`` command with ``argv`` (default: the process arguments); with no
    command, open the window."""
    parser = build_parser()
    given = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(window_arguments(given, parser.command_names))
    if args.handler is None:
        parser.print_help()
        return EXIT_OK
    if not args.opens_window:  # the window shows it in a message box instead
        report_damaged_settings()
    try:
        return args.handler(args)
    except StudioError as error:
        if args.debug:
            raise
        print(f"studio: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`studio info x | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_INTERNAL_ERROR
    except Exception as error:
        if args.debug:
            raise
        print(
            f"studio: internal error: {type(error).__name__}: {error} "
            "(run again with --debug to see where)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
