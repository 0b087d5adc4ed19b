"""``studio render FILE -o OUT.wav``: a MIDI file rendered to a WAV file with a SoundFont."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.commands.common import EXIT_OK, cancel_on_interrupt, print_json, progress_bar
from studio.core.errors import InvalidInput
from studio.core.progress import Cancelled

MIN_RATE, MAX_RATE = 8000, 192000
MIN_LUFS, MAX_LUFS = -40.0, -5.0
PROGRESS_BAR_SECONDS = 20.0
"""Songs longer than this (in seconds) show a progress bar while rendering."""


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``render`` subcommand."""
    parser = commands.add_parser(
        "render",
        parents=[common],
        help="render a MIDI file to a WAV file",
        description="Render a MIDI file to a 16-bit stereo WAV file with a SoundFont "
        "synthesizer (FluidSynth). Programs, drums, velocity, sustain pedal, pitch bend and "
        "tempo changes are honoured; one second of tail lets the last notes ring out. "
        "The file is brought to a loudness target (ITU-R BS.1770 integrated loudness, "
        "-16 LUFS by default) with a limiter that keeps the true peak at or under -1 dBTP.",
    )
    parser.add_argument("file", metavar="FILE", help="a MIDI file (.mid, .midi, .kar, .rmi)")
    parser.add_argument("-o", "--out", required=True, metavar="OUT.wav", help="the WAV file")
    parser.add_argument(
        "--soundfont", metavar="SF2",
        help="a SoundFont (.sf2) file (default: the soundfont setting, else a General MIDI "
        "SoundFont found on the system)",
    )  # fmt: skip
    parser.add_argument(
        "--rate", type=int,
        help=f"sample rate in Hz, {MIN_RATE}–{MAX_RATE} (default: the sample_rate setting, 44100)",
    )  # fmt: skip
    level = parser.add_mutually_exclusive_group()
    level.add_argument(
        "--loudness", type=float, metavar="LUFS",
        help=f"integrated loudness of the file, {MIN_LUFS:g} to {MAX_LUFS:g} LUFS (default: the "
        "export_loudness setting, -16)",
    )  # fmt: skip
    level.add_argument(
        "--raw", action="store_true",
        help="keep the synthesizer's level (only the limiter acts, at -1 dBTP)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def _check_out(out: Path) -> None:
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give the WAV file to write")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")


def run(args: argparse.Namespace) -> int:
    """Read the MIDI file, render it and write the WAV file."""
    from studio.core.midi_read import read_song
    from studio.engine import Engine

    engine = Engine()
    args.rate = args.rate or engine.settings["sample_rate"]
    if not MIN_RATE <= args.rate <= MAX_RATE:
        raise InvalidInput(f"rate must be between {MIN_RATE} and {MAX_RATE} Hz, not {args.rate}")
    loudness = "raw" if args.raw else args.loudness
    if isinstance(loudness, float) and not MIN_LUFS <= loudness <= MAX_LUFS:
        raise InvalidInput(
            f"loudness must be between {MIN_LUFS:g} and {MAX_LUFS:g} LUFS, not {loudness:g}"
        )
    out = Path(args.out)
    _check_out(out)
    song = read_song(args.file)
    long_song = song.duration_seconds > PROGRESS_BAR_SECONDS
    try:
        with cancel_on_interrupt() as cancel, progress_bar("rendering", long_song) as bar:
            rendering = engine.render(
                song, soundfont=args.soundfont, sample_rate=args.rate, progress=bar, cancel=cancel,
                on_warning=lambda text: print(f"studio: warning: {text}", file=sys.stderr),
            )  # fmt: skip
    except Cancelled:
        raise KeyboardInterrupt from None  # nothing written: "studio: interrupted", exit 130
    level = engine.export_wav(rendering, out, loudness=loudness)

    if args.json:
        print_json({
            "path": str(out),
            "seconds": round(rendering.seconds, 3),
            "sample_rate": args.rate,
            "soundfont": str(rendering.soundfont),
            "warning": rendering.warning,
            "loudness": level.as_dict(),
        })  # fmt: skip
    else:
        print(
            f"wrote {out}  ({rendering.seconds:.1f} s, {args.rate} Hz, "
            f"SoundFont {rendering.soundfont.name}, {_level_text(level)})"
        )
    return EXIT_OK


def _level_text(level) -> str:
    """The loudness report in a few words: "-16.0 LUFS, true peak -3.1 dBTP, gain +16.7 dB"."""
    loudness = "silent" if level.lufs_after == float("-inf") else f"{level.lufs_after:.1f} LUFS"
    text = f"{loudness}, true peak {level.true_peak_after:.1f} dBTP"
    if level.target_lufs is None:
        return text + ", raw level"
    return text + f", gain {level.gain_db:+.1f} dB"
