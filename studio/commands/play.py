"""``studio play FILE``: play a MIDI file on an audio device, showing the position."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import TYPE_CHECKING

from studio.commands.common import EXIT_OK, print_json
from studio.core.errors import InvalidInput

if TYPE_CHECKING:
    from studio.audio.playback import Playback

EXIT_INTERRUPTED = 130
REFRESH_SECONDS = 0.1


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``play`` subcommand."""
    parser = commands.add_parser(
        "play",
        parents=[common],
        help="play a MIDI file",
        description="Play a MIDI file with a SoundFont synthesizer (FluidSynth) to the end or "
        "until Ctrl-C, showing the position on stderr.",
    )
    parser.add_argument("file", nargs="?", metavar="FILE", help="a MIDI file (.mid, .midi, …)")
    parser.add_argument(
        "--soundfont", metavar="SF2",
        help="a SoundFont (.sf2) file (default: a General MIDI SoundFont found on the system)",
    )  # fmt: skip
    parser.add_argument(
        "--device", metavar="NAME|INDEX",
        help="output device, by index or (part of its) name (default: the system's)",
    )  # fmt: skip
    parser.add_argument(
        "--midi-out", metavar="PORT",
        help="play through this MIDI output port instead of the synthesizer "
        "(default: the midi_output setting; see 'studio ports')",
    )  # fmt: skip
    parser.add_argument(
        "--midi-in", metavar="PORT",
        help="audition the notes played on this MIDI keyboard over the song "
        "(default: the midi_input setting)",
    )  # fmt: skip
    parser.add_argument("--list-devices", action="store_true", help="list output devices")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """List the devices, or play the file and report how it went."""
    from studio.audio.devices import AudioUnavailable, output_devices

    if args.list_devices:
        return _list_devices(output_devices(), args.json)
    if args.file is None:
        raise InvalidInput("give a MIDI file to play (or --list-devices)")

    from studio.audio.player import Player
    from studio.core.midi_read import read_song

    song = read_song(args.file)
    from studio.settings import load_settings

    settings, warning = load_settings()
    if warning:
        print(f"studio: warning: {warning}", file=sys.stderr)
    midi_out = args.midi_out or settings["midi_output"]
    if midi_out:
        return _play_to_midi_port(song, midi_out, args)
    with (
        Player(
            soundfont=args.soundfont or settings["soundfont"],
            device=args.device or settings["audio_device"],
            sample_rate=settings["sample_rate"],
            blocksize=settings["audio_blocksize"],
            master_gain_db=settings["master_gain_db"],
            reverb=settings["reverb"],
            chorus=settings["chorus"],
        ) as player,
        _keyboard(args.midi_in or settings["midi_input"], player),
    ):
        if player.warning:
            print(f"studio: warning: {player.warning}", file=sys.stderr)
        player.load(song, wait=True)
        total = player.duration_seconds
        player.play()
        played, interrupted = _follow(player, total, show=not args.json)
    if player.error:
        raise AudioUnavailable(player.error)

    if args.json:
        _print_report(
            args.file, song, total, played, interrupted,
            device=player.device_name,
            underruns=player.underruns,
            callback_max_ms=round(player.callback_max_seconds * 1000, 3),
            block_budget_ms=round(player.block_budget_seconds * 1000, 3),
            warning=player.warning,
        )  # fmt: skip
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _keyboard(port: str | None, player):
    """Play the notes of MIDI input ``port`` (if any) on ``player`` while it is open."""
    if not port:
        return contextlib.nullcontext()
    from studio.audio.midi_ports import MidiKeyboard

    def on_note(pitch: int, velocity: int) -> None:
        if velocity:
            player.audition(pitch, velocity=velocity, duration=None, channel=14)
        else:
            player.release(pitch, channel=14)

    return MidiKeyboard(port, on_note)


def _play_to_midi_port(song, port: str, args: argparse.Namespace) -> int:
    """Play ``song`` through the MIDI output ``port``, showing the position like the synth."""
    from studio.audio.midi_player import MidiPortPlayer

    with MidiPortPlayer(port) as player:
        player.load(song)
        total = player.duration_seconds
        player.play()
        played, interrupted = _follow(player, total, show=not args.json)
        player.stop()
    if args.json:
        _print_report(args.file, song, total, played, interrupted, midi_output=player.name)
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _print_report(path, song, total: float, played: float, interrupted: bool, **extra) -> None:
    """The ``--json`` document of a run: what played and how, plus the player's own figures."""
    print_json({
        "file": path,
        "title": song.title,
        "seconds": round(total, 3),
        "played_seconds": round(played, 3),
        "interrupted": interrupted,
        **extra,
    })  # fmt: skip


def _follow(player: Playback, total: float, show: bool) -> tuple[float, bool]:
    """Wait while ``player`` plays, showing its position; (seconds played, interrupted)."""
    shown = ""
    interrupted = False
    try:
        while player.is_playing:
            if show:
                shown = _show_position(min(player.position_seconds, total), total, shown)
            time.sleep(REFRESH_SECONDS)
    except KeyboardInterrupt:
        interrupted = True
    played = min(player.position_seconds, total)
    if show:
        _show_position(played, total, shown)
        print(" (stopped)" if interrupted else "", file=sys.stderr)
    return played, interrupted


def _show_position(seconds: float, total: float, shown: str) -> str:
    """Rewrite the position line on stderr if its text changed; return the text shown."""
    text = f"{clock(seconds)} / {clock(total)}"
    if text != shown:
        print(f"\r{text}", end="", file=sys.stderr, flush=True)
    return text


def clock(seconds: float) -> str:
    """``m:ss`` for a time in seconds (75.2 → "1:15")."""
    whole = max(0, int(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _list_devices(devices: list[dict], as_json: bool) -> int:
    if as_json:
        print_json({"devices": devices})
        return EXIT_OK
    for device in devices:
        mark = "*" if device["is_default"] else " "
        print(
            f"{mark} {device['index']:>3}  {device['name']}  "
            f"({device['channels']} channels, {device['default_samplerate']:.0f} Hz)"
        )
    return EXIT_OK
