"""Cut, Copy, Paste and Duplicate of piano-roll notes, through the system clipboard.

Copy puts the selected notes on the clipboard twice: as JSON under the private MIME type
``MIME_NOTES`` (times relative to the first note's start, in **beats**) for pasting here, and as
a standard MIDI file (``audio/midi``, one track with the song's tempo and meter) for pasting into
a DAW. Paste takes the private type, else a MIDI file another program put there, and inserts the
notes with the first one at the playhead snapped to the grid; the pasted notes are selected, and
pasting again pastes again. Duplicate copies the selection right after itself (see
``edit_commands.duplicate_shift``) and selects the copy, so repeated Duplicates make a sequence.
Each is one undo step ("Paste 3 notes"); with nothing selected, Cut, Copy and Duplicate do
nothing (their actions are disabled).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from PySide6.QtCore import QMimeData, QObject
from PySide6.QtGui import QAction, QClipboard, QGuiApplication

from studio.core.errors import StudioError
from studio.core.midi_read import MAX_BEATS, read_midi
from studio.core.midi_write import midi_bytes
from studio.core.music import Note, Song, TempoChange, Track
from studio.gui import edit_commands as edits
from studio.gui.edit_commands import count_name

MIME_NOTES = "application/x-motif-studio-notes"
"""Our own clipboard format: JSON ``{"version": 1, "notes": [{pitch, start, duration,
velocity}, …]}``, starts in beats from the first note."""
MIME_MIDI = "audio/midi"
MIDI_TYPES = (MIME_MIDI, "audio/x-midi", "audio/mid")
"""MIME types under which other programs put standard MIDI files on the clipboard."""
FORMAT_VERSION = 1


def notes_to_json(clip: Sequence[Note]) -> bytes:
    """``clip`` (see ``edit_commands.clip_of``) as the bytes of ``MIME_NOTES``."""
    notes = [
        {"pitch": n.pitch, "start": n.start, "duration": n.duration, "velocity": n.velocity}
        for n in clip
    ]
    return json.dumps({"version": FORMAT_VERSION, "notes": notes}).encode()


def notes_from_json(data: bytes) -> tuple[Note, ...]:
    """The notes of ``MIME_NOTES`` bytes, relative to the first start.

    Raises:
        ValueError: the bytes are not a valid document of this format (version 1).
    """
    try:
        document = json.loads(bytes(data).decode())
        if document.get("version") != FORMAT_VERSION:
            raise ValueError(f"clipboard notes of version {document.get('version')!r}")
        notes = [
            Note(int(n["pitch"]), float(n["start"]), float(n["duration"]), int(n["velocity"]))
            for n in document["notes"]
        ]
    except (AttributeError, KeyError, TypeError, UnicodeDecodeError, StudioError) as error:
        raise ValueError(f"damaged clipboard notes: {error}") from None
    # JSON may say NaN or Infinity, and a note a billion beats long overflows the roll's scroll
    # range: refuse what a MIDI file may not hold either (NaN fails the comparison too).
    if not all(n.start <= MAX_BEATS and n.duration <= MAX_BEATS for n in notes):
        raise ValueError(f"damaged clipboard notes: a time beyond {MAX_BEATS:,} beats")
    return edits.clip_of(notes)


def clip_song(clip: Sequence[Note], song: Song, track: Track) -> Song:
    """A one-track song holding ``clip`` at beat 0 with ``song``'s first tempo and meter and
    ``track``'s instrument: what a DAW gets when it pastes."""
    return Song(
        tracks=(Track(tuple(clip), program=track.program, name=track.name or "Motif Studio"),),
        tempos=(TempoChange(0.0, song.tempo),),
        time_signatures=(replace(song.time_signature, beat=0.0),),
        ticks_per_beat=song.ticks_per_beat,
    )


def notes_to_mime(clip: Sequence[Note], song: Song, track: Track) -> QMimeData:
    """Clipboard data for ``clip``: ``MIME_NOTES`` and a MIDI file (``clip_song``)."""
    mime = QMimeData()
    mime.setData(MIME_NOTES, notes_to_json(clip))
    mime.setData(MIME_MIDI, midi_bytes(clip_song(clip, song, track)))
    return mime


def notes_from_mime(mime: QMimeData | None) -> tuple[Note, ...]:
    """The notes on the clipboard relative to the first start: ours, else the pitched notes of
    a MIDI file; () when there are none or the data is damaged."""
    if mime is None:
        return ()
    if mime.hasFormat(MIME_NOTES):
        try:
            return notes_from_json(mime.data(MIME_NOTES).data())
        except ValueError:
            return ()
    for kind in MIDI_TYPES:
        if mime.hasFormat(kind):
            try:
                return edits.clip_of(read_midi(mime.data(kind).data()).notes)
            except StudioError:
                return ()
    return ()


def has_notes(mime: QMimeData | None) -> bool:
    """Whether ``mime`` offers notes to paste (checks the formats only)."""
    return mime is not None and any(mime.hasFormat(k) for k in (MIME_NOTES, *MIDI_TYPES))


class RollClipboard(QObject):
    """Cut, Copy, Paste and Duplicate for a ``PianoRoll``, on the application's clipboard.

    ``bind`` keeps the enabled state of the menu's actions in step with the roll's selection
    (Cut, Copy, Duplicate) and with what the clipboard holds (Paste).
    """

    def __init__(self, roll, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._roll = roll
        self._clipboard: QClipboard = QGuiApplication.clipboard()
        self._selection_actions: tuple[QAction, ...] = ()
        self._paste_action: QAction | None = None
        roll.selectionChanged.connect(self._update_actions)
        self._clipboard.dataChanged.connect(self._update_actions)

    def copy(self) -> int:
        """Put the selected notes on the clipboard; returns how many (0: nothing selected)."""
        state = self._roll.roll_state()
        if not state.selection:
            return 0
        clip = edits.clip_of(state.notes[i] for i in state.selection)
        self._clipboard.setMimeData(notes_to_mime(clip, state.song, state.track))
        return len(clip)

    def cut(self) -> int:
        """Copy the selected notes, then delete them as one undo step "Cut N notes"."""
        state = self._roll.roll_state()
        count = self.copy()
        if count:
            self._roll.push_edit(count_name("Cut", count), edits.delete(state, state.selection))
        return count

    def paste(self) -> int:
        """Insert the clipboard's notes with the first at the playhead, snapped to the grid, and
        select them ("Paste N notes"); returns how many were pasted."""
        clip = notes_from_mime(self._clipboard.mimeData())
        if not clip:
            return 0
        at = max(0.0, edits.snap_round(self._roll.playhead(), self._roll.snap()))
        after = edits.paste(self._roll.roll_state(), clip, at)
        self._roll.push_edit(count_name("Paste", len(clip)), after)
        self._roll.ensure_visible(at, clip[0].pitch)
        return len(clip)

    def duplicate(self) -> int:
        """Copy the selection right after itself and select the copy ("Duplicate N notes")."""
        state = self._roll.roll_state()
        if not state.selection:
            return 0
        bar = state.song.time_signature.beats_per_bar
        after = edits.duplicate(state, state.selection, self._roll.snap(), bar)
        self._roll.push_edit(count_name("Duplicate", len(state.selection)), after)
        first = after.notes[after.selection[0]]
        self._roll.ensure_visible(first.start, first.pitch)
        return len(state.selection)

    def can_copy(self) -> bool:
        """Whether notes are selected (Cut, Copy and Duplicate have something to do)."""
        return bool(self._roll.selected_indices())

    def can_paste(self) -> bool:
        """Whether the clipboard offers notes (ours or a MIDI file)."""
        return has_notes(self._clipboard.mimeData())

    def bind(self, cut: QAction, copy: QAction, paste: QAction, duplicate: QAction) -> None:
        """Enable ``cut``, ``copy`` and ``duplicate`` only with a selection, ``paste`` only with
        notes on the clipboard, from now on."""
        self._selection_actions, self._paste_action = (cut, copy, duplicate), paste
        self._update_actions()

    def _update_actions(self) -> None:
        selected = self.can_copy()
        for action in self._selection_actions:
            action.setEnabled(selected)
        if self._paste_action is not None:
            self._paste_action.setEnabled(self.can_paste())
