"""The one exception family of Motif Studio.

Every error that a user can cause (a bad file, a bad argument) is a ``StudioError`` whose message
is a sentence a person understands. The CLI prints it on one line and exits with code 2; the GUI
shows it in a message box.
"""


class StudioError(Exception):
    """Base class of every error Motif Studio reports to the user."""


class InvalidInput(StudioError, ValueError):
    """An argument or value is out of range or cannot be parsed (a key name, a chord symbol…)."""


class MidiFileError(StudioError):
    """A file cannot be read as MIDI: missing, not MIDI, truncated, corrupt or absurdly large."""


class ModelFileError(StudioError):
    """A model's weights file is missing, damaged or not the kind of model expected."""


def music21_missing() -> StudioError:
    """The one-line error for a command that needs the music21 corpus when it is not installed
    (it comes with the ``train`` extra; the app itself never needs it)."""
    return StudioError("the music21 corpus is not installed: pip install 'motif-studio[train]'")
