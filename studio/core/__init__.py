"""Music data, theory, editing and MIDI I/O: pure Python + numpy (no Qt, no torch)."""

from studio.core.errors import InvalidInput, MidiFileError, StudioError
from studio.core.music import (
    ControlChange,
    KeySignature,
    Note,
    PitchBend,
    Song,
    TempoChange,
    TimeSignature,
    Track,
)

__all__ = [
    "ControlChange",
    "InvalidInput",
    "KeySignature",
    "MidiFileError",
    "Note",
    "PitchBend",
    "Song",
    "StudioError",
    "TempoChange",
    "TimeSignature",
    "Track",
]
