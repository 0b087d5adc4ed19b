"""User settings: one declarative table of options with defaults, stored as JSON.

The settings file lives in the user config folder (platformdirs), e.g.
``~/.config/motif-studio/settings.json``; ``MOTIF_STUDIO_CONFIG`` points elsewhere (tests do).
It is written atomically, carries a version number for future upgrade steps, and a file that
cannot be read is reported and replaced by the defaults, never fatal. The window geometry is not
here: Qt keeps it in QSettings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidInput, StudioError
from studio.core.fileio import atomic_write_bytes

SETTINGS_VERSION = 1


def _optional_text(value: str) -> str | None:
    return value or None


def _short_text(value: str) -> str:
    if not value.strip() or len(value) > 40:
        raise InvalidInput(f"{value!r} is not 1–40 characters of text")
    return value


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise InvalidInput(f"{value!r} is not a whole number") from None
        if not low <= number <= high:
            raise InvalidInput(f"{number} is not between {low} and {high}")
        return number

    return parse


@dataclass(frozen=True)
class Option:
    """One setting: its key, default, how to parse it from text, and what it is for."""

    key: str
    default: object
    parse: Callable[[str], object]
    help: str


OPTIONS = {
    option.key: option
    for option in (
        Option("soundfont", None, _optional_text, "SoundFont (.sf2) for playback and rendering"),
        Option("audio_device", None, _optional_text, "output device, by index or name"),
        Option("audio_blocksize", 512, _int_between(64, 8192), "frames per audio block"),
        Option("sample_rate", 44100, _int_between(8000, 192000), "audio sample rate in Hz"),
        Option(
            "midi_output",
            None,
            _optional_text,
            "MIDI output port to play through instead of the synth",
        ),
        Option("midi_input", None, _optional_text, "MIDI input port whose notes are auditioned"),
        Option("profile", "default", _short_text, "listening profile that feedback goes to"),
        Option(
            "autosave_seconds",
            60,
            _int_between(5, 3600),
            "the window saves unsaved work aside this often (seconds)",
        ),
    )
}


def settings_path() -> Path:
    """Where the settings file is (``MOTIF_STUDIO_CONFIG`` overrides the user config folder)."""
    override = os.environ.get("MOTIF_STUDIO_CONFIG")
    if override:
        return Path(override)
    from platformdirs import user_config_path

    return user_config_path("motif-studio") / "settings.json"


def load_settings(path: Path | None = None) -> tuple[dict, str | None]:
    """All settings (defaults filled in) and a warning when the file could not be used."""
    path = path or settings_path()
    values = {key: option.default for key, option in OPTIONS.items()}
    if not path.exists():
        return values, None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        return values, f"settings file {path} is unreadable ({error}); using the defaults"
    for key, value in stored.get("values", {}).items():
        if key in OPTIONS:
            values[key] = value
    return values, None


def save_settings(values: dict, path: Path | None = None) -> None:
    """Write the settings that differ from their defaults, atomically."""
    path = path or settings_path()
    changed = {k: v for k, v in values.items() if k in OPTIONS and v != OPTIONS[k].default}
    document = {"version": SETTINGS_VERSION, "values": changed}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, (json.dumps(document, indent=2) + "\n").encode())
    except OSError as error:
        raise StudioError(f"cannot write settings to {path}: {error.strerror or error}") from None


def set_setting(key: str, text: str | None, path: Path | None = None) -> object:
    """Set ``key`` from its text form (None resets it to the default); returns the new value."""
    if key not in OPTIONS:
        raise InvalidInput(f"unknown setting {key!r} (known: {', '.join(OPTIONS)})")
    values, _ = load_settings(path)
    values[key] = OPTIONS[key].default if text is None else OPTIONS[key].parse(text)
    save_settings(values, path)
    return values[key]
