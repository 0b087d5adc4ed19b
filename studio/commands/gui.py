"""``studio [gui] [FILE] [--screenshot OUT.png [--size WxH] [--scene NAME]]``: open the window.

Bare ``studio`` and ``studio FILE.mid`` come here too (see ``studio.cli.main``). Qt loads only
when this command runs, so the other commands start fast.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from studio.commands.common import EXIT_OK
from studio.core.errors import InvalidInput

_SIZE = re.compile(r"(\d{3,5})x(\d{3,5})")


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``gui`` subcommand."""
    parser = commands.add_parser(
        "gui",
        parents=[common],
        help="open the studio window (the same as `studio` alone)",
        description="Open the window: piano roll, generate panel, ideas, playback. With FILE, "
        "the file is in the editor. --screenshot starts offscreen, waits until the model is "
        "loaded and a song is in the editor, saves a PNG of the window and exits.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="a MIDI file to open")
    parser.add_argument("--screenshot", metavar="OUT.png", type=Path,
                        help="save a picture of the window and exit")  # fmt: skip
    parser.add_argument("--size", default="1600x1000", metavar="WxH",
                        help="window size for --screenshot (default 1600x1000)")  # fmt: skip
    parser.add_argument("--scene", default="window", metavar="NAME",
                        help="what --screenshot shows: window (default), ideas, edit, similar, "
                        "for-you, export, settings")  # fmt: skip
    parser.set_defaults(handler=run, opens_window=True)


def run(args: argparse.Namespace) -> int:
    """Open the window (or take its picture)."""
    if args.file is not None and not Path(args.file).is_file():
        raise InvalidInput(f"no such file: {args.file}")
    argv = [args.file] if args.file else []
    if args.screenshot is not None:
        match = _SIZE.fullmatch(args.size)
        if match is None:
            raise InvalidInput(f"--size must look like 1600x1000, not {args.size}")
        if not args.screenshot.parent.is_dir():
            raise InvalidInput(f"folder {args.screenshot.parent} does not exist")
        from studio.gui.app import screenshot

        size = (int(match[1]), int(match[2]))
        return screenshot(args.screenshot, size, argv, args.scene)
    from studio.gui.app import run as run_window

    run_window(argv)
    return EXIT_OK
