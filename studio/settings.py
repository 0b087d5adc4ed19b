"""User settings: one declarative table of options with defaults, stored as JSON.

The settings file lives in the user config folder (platformdirs), e.g.
``~/.config/motif-studio/settings.json``; ``MOTIF_STUDIO_CONFIG`` points elsewhere (tests do).
It is written atomically, carries a version number for future upgrade steps, and a file that
cannot be read is reported and replaced by the defaults, never fatal; a damaged one is first
renamed to ``settings.json.bad``, so saving the defaults does not destroy what it held. The
window geometry is not here: Qt keeps it in QSettings.
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
THEMES = ("dark", "light", "system")
MAX_BARS = 32
"""The melody generator's longest request (``studio.generation.generator.MAX_BARS``)."""
TEMPO_RANGE = (40, 240)
"""The tempos the Generate panel offers, in BPM (its tempo field's range)."""


def _optional_text(value: str) -> str | None:
    return value or None


def _short_text(value: str) -> str:
    if not value.strip() or len(value) > 40:
        raise InvalidInput(f"{value!r} is not 1–40 characters of text")
    return value


def _key_name(value: str) -> str:
    """A key as ``Key.parse`` reads it ("Am", "Bb minor"), stored by its full name."""
    from studio.core.theory import Key

    return Key.parse(value).name


_TRUE, _FALSE = ("on", "true", "yes", "1"), ("off", "false", "no", "0")


def _boolean(value: str) -> bool:
    word = str(value).strip().lower()
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise InvalidInput(f"{value!r} is not on or off (on/off, true/false, yes/no, 1/0)")


# The master stage (studio.audio.master, studio.audio.loudness): playback gain, export loudness.
MASTER_GAIN_DB = 0.0
"""Default master volume in dB, a trim over playback (``studio.audio.master``); songs already
play at the export loudness."""
EXPORT_LOUDNESS = -16.0
"""Default loudness of exported WAV files in LUFS (``studio.audio.loudness``)."""
METRONOME_DB = -10.0
"""Default metronome volume in dB (``studio.audio.metronome.DEFAULT_METRONOME_DB``)."""


def _decibels_between(value: str, low: float, high: float, unit: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a number of {unit}") from None
    if not low <= number <= high:
        raise InvalidInput(f"{number:g} {unit} is not between {low:g} and {high:g}")
    return number


def _master_gain(value: str) -> float:
    return _decibels_between(value, -40.0, 30.0, "dB")


def _metronome_volume(value: str) -> float:
    return _decibels_between(value, -40.0, 0.0, "dB")


def _export_loudness(value: str) -> float | str:
    """A loudness in LUFS (−40 to −5), or "raw": keep the synth's level (only the limiter)."""
    if str(value).strip().lower() == "raw":
        return "raw"
    return _decibels_between(value, -40.0, -5.0, "LUFS")


# The synth's effects (studio.audio.synth: DEFAULT_REVERB, DEFAULT_CHORUS).
def _reverb_level(value: str) -> float:
    """A reverb level from 0 (off) to 1."""
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a number from 0 (off) to 1") from None
    if not 0.0 <= number <= 1.0:
        raise InvalidInput(f"{number:g} is not between 0 (off) and 1")
    return number


@dataclass(frozen=True)
class IntBetween:
    """Parses a whole number from ``low`` to ``high`` (inclusive); the dialog reads the bounds."""

    low: int
    high: int

    def __call__(self, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise InvalidInput(f"{value!r} is not a whole number") from None
        if not self.low <= number <= self.high:
            raise InvalidInput(f"{number} is not between {self.low} and {self.high}")
        return number


@dataclass(frozen=True)
class OneOf:
    """Parses one of a few words (``choices``), ignoring case."""

    choices: tuple[str, ...]

    def __call__(self, value: str) -> str:
        word = value.strip().lower()
        if word not in self.choices:
            raise InvalidInput(f"{value!r} is not one of {', '.join(self.choices)}")
        return word


@dataclass(frozen=True)
class Option:
    """One setting: its key, default, how to parse it from text, and what it is for.

    ``parse`` raises ``InvalidInput`` with a sentence for a bad value; an ``IntBetween`` or a
    ``OneOf`` also tells a form its bounds or choices.
    """

    key: str
    default: object
    parse: Callable[[str], object]
    help: str


OPTIONS = {
    option.key: option
    for option in (
        Option("soundfont", None, _optional_text, "SoundFont (.sf2) for playback and rendering"),
        Option("audio_device", None, _optional_text, "output device, by index or name"),
        Option("audio_blocksize", 512, IntBetween(64, 8192), "frames per audio block"),
        Option("sample_rate", 44100, IntBetween(8000, 192000), "audio sample rate in Hz"),
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
            IntBetween(5, 3600),
            "the window saves unsaved work aside this often (seconds)",
        ),
        Option("theme", "dark", OneOf(THEMES), "window colours: dark, light or system"),
        Option("default_key", "C major", _key_name, "key of new melodies (C major, Am, …)"),
        Option("default_tempo", 120, IntBetween(*TEMPO_RANGE), "tempo of new melodies (BPM)"),
        Option("default_bars", 8, IntBetween(1, MAX_BARS), "length of new melodies (4/4 bars)"),
        Option(
            "rank_ideas",
            True,
            _boolean,
            "Generate puts first the ideas like those you kept (on/off)",
        ),
        Option("follow_playhead", True, _boolean, "the piano roll pages along while playing"),
        Option("audition_notes", True, _boolean, "notes sound when drawn or moved (on/off)"),
        Option("velocity_lane", True, _boolean, "the velocity lane under the piano roll (on/off)"),
        Option(
            "master_gain_db",
            MASTER_GAIN_DB,
            _master_gain,
            "playback volume before the limiter, in dB (-40 to 30)",
        ),
        Option(
            "export_loudness",
            EXPORT_LOUDNESS,
            _export_loudness,
            "loudness of exported WAV files in LUFS (-40 to -5), or raw: the synth's level",
        ),
        Option("metronome", False, _boolean, "a click on every beat while playing (on/off)"),
        Option(
            "metronome_db", METRONOME_DB, _metronome_volume, "metronome volume in dB (-40 to 0)"
        ),
        Option("reverb", 0.3, _reverb_level, "reverb level of the synth, 0 (off) to 1"),
        Option("chorus", True, _boolean, "the synth's chorus (on/off)"),
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
    """All settings (defaults filled in) and a warning when the file, or a value in it, could
    not be used (that value keeps its default)."""
    path = path or settings_path()
    values = {key: option.default for key, option in OPTIONS.items()}
    if not path.exists():
        return values, None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            raise ValueError("not a JSON object")
    except OSError as error:
        return values, f"settings file {path} is unreadable ({error}); using the defaults"
    except ValueError as error:  # damaged (UnicodeDecodeError is one too)
        return values, _set_aside(path, error)
    refused = []
    for key, value in stored.get("values", {}).items():
        if key not in OPTIONS:
            continue
        try:  # a hand-edited file may hold "off" or 9999: read it as the command line would
            if value is not None:
                values[key] = OPTIONS[key].parse(str(value))
        except InvalidInput as error:
            refused.append(f"{key}: {error}")
    if refused:
        return values, f"settings file {path}: using the default for {'; '.join(refused)}"
    return values, None


_notices: list[str] = []


def _set_aside(path: Path, error: Exception) -> str:
    """Rename a damaged settings file to ``settings.json.bad`` (replacing an older one), so the
    defaults that are used now do not overwrite it, and say so (once: ``settings_notices``)."""
    aside = path.with_name(path.name + ".bad")
    try:
        os.replace(path, aside)
    except OSError as move_error:
        message = (f"settings file {path} is damaged ({error}) and could not be set aside "
                   f"({move_error.strerror or move_error}); using the defaults")  # fmt: skip
    else:
        message = (f"settings file {path} was damaged ({error}); it is kept as {aside.name} "
                   "and the defaults are used")  # fmt: skip
    _notices.append(message)
    return message


def settings_notices() -> list[str]:
    """What happened to the settings file since the last call (a damaged file set aside), for
    the window to show once; empties the list."""
    notices = list(_notices)
    _notices.clear()
    return notices


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
    value = OPTIONS[key].default if text is None else OPTIONS[key].parse(text)
    return update_settings({key: value}, path)[key]


def update_settings(changes: dict, path: Path | None = None) -> dict:
    """Store ``changes`` (already parsed values, e.g. from the Preferences dialog) over the
    settings on disk, keeping the others as they are there; returns all the settings."""
    unknown = [key for key in changes if key not in OPTIONS]
    if unknown:
        raise InvalidInput(f"unknown setting {unknown[0]!r} (known: {', '.join(OPTIONS)})")
    values, _ = load_settings(path)
    values.update(changes)
    save_settings(values, path)
    return values
