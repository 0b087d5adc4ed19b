"""Music data, theory, key and chord estimation, editing, MIDI files, the paths of shipped files,
errors, and progress and cancel: the base every other part of Motif Studio builds on.

Pure Python + numpy: imports no other part of ``studio``, and no Qt, no torch.
"""

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
