"""The Ideas list: the generated melodies, one card each with its title, what it is ("D minor ·
8 bars · AABA · Dm Bb F C"; a meter other than 4/4 shows too: "6/8 · AABA"), a mini piano roll
and a ▶ button, as in the mockup's right column.

A click on a card's ▶ plays its idea (``playRequested(row)``); while it plays the button shows ■
and a click stops it (``stopRequested()``). ♥ and ✕ (or Ctrl+L and Ctrl+Shift+L) mark an idea
liked or disliked, and a second click takes the mark back (``reactionRequested(row, kind, on)``);
Generate learns from them. Double-click or Enter opens an idea in the editor
(``openRequested(row)``); Space or P plays (or stops) it; M, or "More like this" in the context
menu, asks for variations near it (``moreLikeRequested(row)``; the menu's "closer" and "looser"
ones, ``moreLikeAtRequested(row, distance)``); the context menu also adds it to
the editor's song as a new track (``addTrackRequested(row)``). Several ideas can be selected (Ctrl
or Shift+click), e.g. two to morph. Dragging ideas out of the list gives real ``.mid`` files (in a
temporary folder, named after each idea) that a desktop or a DAW accepts
(``ideasDragged(rows)``: a drag out counts as keeping them).
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QMimeData,
    QPoint,
    Qt,
    QUrl,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QAction,
    QIcon,
    QKeyEvent,
    QMouseEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from studio.core.errors import StudioError
from studio.core.midi_write import write_midi
from studio.core.mood import Mood, song_mood
from studio.core.music import Note, Song, TimeSignature, Track
from studio.gui.idea_card import DISLIKE, LIKE, PREVIEW_SIZE, IdeaDelegate, preview_pixmap

__all__ = ["FORM_NAMES", "Idea", "IdeaDelegate", "IdeasList", "chords_summary",
           "idea_file_name", "preview_pixmap", "with_idea_track"]  # fmt: skip

_log = logging.getLogger(__name__)
MIDI_MIME = "audio/midi"
IDEA_TRACK_PROGRAMS = (73, 40, 11, 24, 71, 56, 0)
"""General MIDI programs for an idea added as a track, the first one no track of the song uses:
Flute, Violin, Vibraphone, Nylon Guitar, Clarinet, Trumpet, Acoustic Grand Piano."""
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_PLAY_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_P)
_MORE_KEY = Qt.Key.Key_M
CLOSER_DISTANCE, LOOSER_DISTANCE = 0.2, 0.7
"""How far the context menu's closer and looser variations stray from the idea (the generator's
latent distance, 0–1; "More like this" uses the generator's default, 0.4): measured over 20
melodies, on average about 20 % and 55 % of the sixteenths then differ, against 40 %
(docs/BENCHMARKS.md); single melodies spread widely around that."""
_LIKE_KEY = Qt.Key.Key_L  # with Ctrl: ♥; with Ctrl+Shift: ✕ (as for library tracks)
_CTRL = Qt.KeyboardModifier.ControlModifier
_CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
_ONLY = QItemSelectionModel.SelectionFlag.ClearAndSelect  # whatever modifier keys are held
FORM_NAMES = {"through": "through-composed"}
"""How a form reads on a card, where its code name is not plain (the others are shown as
they are: "AABA")."""
_NOT_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


@dataclass(frozen=True)
class Idea:
    """A generated melody as the window shows it.

    Attributes:
        song: the melody as a song (melody track, tempo, key signature) for editor and player.
        seed: the seed that made it (alone, this seed gives this melody again).
        key_name: the key, readable and ``Key.parse``-able ("D minor", "G dorian").
        chords: the chord name of every bar, spelled in the key (a continuation's primer bars
            get chords estimated from their notes).
        bars: the length in bars of ``meter`` (a continuation's primer included).
        melody: the engine's ``GeneratedMelody``, opaque to the GUI (for regenerate and morph).
        title: "Idea 1 · seed 1207".
        meter: the meter it was made in ("4/4", "2/4", "3/4", "6/8").
        form: the phrase form of the whole melody ("AABA", … "through"); None when unknown
            (a continuation: its form covers only the new bars).
        reason: why a ranked Generate put it where it is ("higher, busier"); "" unranked.
        mark: "like" or "dislike" when the profile had marked it so as it was made, else None.
    """

    song: Song
    seed: int
    key_name: str
    chords: tuple[str, ...]
    bars: int
    melody: object
    title: str
    meter: str = "4/4"
    form: str | None = None
    reason: str = ""
    mark: str | None = None

    @property
    def notes(self) -> tuple[Note, ...]:
        """The melody's notes (beats from 0)."""
        return self.song.notes

    @cached_property
    def mood(self) -> Mood | None:
        """The melody's mood (``core.mood``), read once; None for an empty idea."""
        return song_mood(self.song)

    @property
    def beats(self) -> float:
        """The length in beats (quarter notes): ``bars`` bars of ``meter``."""
        return self.bars * TimeSignature.parse(self.meter).beats_per_bar

    @property
    def details(self) -> str:
        """What it is, for its card: "D minor · 8 bars · 6/8 · AABA · Dm Bb F C" (the meter
        only when not 4/4, the form when known)."""
        parts = [self.key_name, f"{self.bars} bar{'s' * (self.bars != 1)}"]
        if self.meter != "4/4":
            parts.append(self.meter)
        if self.form:
            parts.append(FORM_NAMES.get(self.form, self.form))
        if self.chords:
            parts.append(chords_summary(self.chords))
        return " · ".join(parts)

    @property
    def name(self) -> str:
        """The title's first part, for a track or a file: "Idea 2" of "Idea 2 · seed 1208"."""
        return self.title.split(" · ")[0]


def chords_summary(chords: Sequence[str], limit: int = 8) -> str:
    """The progression once, not per bar: ("Dm", "Bb", "Dm", "Bb") → "Dm Bb"; long ones end
    in "…"."""
    period = next(
        (p for p in range(1, len(chords) + 1)
         if all(chords[i] == chords[i % p] for i in range(len(chords)))),
        len(chords),
    )  # fmt: skip
    shown = list(chords[: min(period, limit)])
    return " ".join(shown) + (" …" if period > limit else "")


def idea_file_name(idea: Idea) -> str:
    """The file name a dragged idea gets: "Idea 2 - seed 1208 - D minor.mid" (characters that
    file systems refuse become "-")."""
    stem = " - ".join((*idea.title.split(" · "), idea.key_name))
    return _NOT_IN_FILE_NAMES.sub("-", stem).strip(" .") + ".mid"


def with_idea_track(song: Song, idea: Idea) -> tuple[Song, int]:
    """``song`` with ``idea``'s melody appended as a new track named after the idea ("Idea 2")
    with a program of its own (MIDI files give each track its own channel); returns the new
    song and the new track's index. A song without notes takes the idea's tempo, meter and key
    too; otherwise the song's own stay (the idea's notes are in beats, so they fit any tempo)."""
    melody = next((track for track in idea.song.tracks if track.notes), Track())
    used = {track.program for track in song.tracks if not track.is_drum}
    program = next((p for p in IDEA_TRACK_PROGRAMS if p not in used), melody.program)
    track = replace(melody, name=idea.name, program=program, is_drum=False)
    has_notes = any(track.notes for track in song.tracks)
    base = song if has_notes else replace(idea.song, tracks=song.tracks, title=song.title)
    return replace(base, tracks=(*base.tracks, track)), len(base.tracks)


class IdeasList(QListWidget):
    """The generated ideas (objectName "ideasList"), one card each.

    Signals: ``openRequested(row)`` (double-click, Enter, or "Open in editor"),
    ``playRequested(row)`` (the row's ▶, Space, P, or "Play"), ``stopRequested()`` (■, or Space
    or P on the idea that plays), ``addTrackRequested(row)`` ("Add as new track"),
    ``reactionRequested(row, kind, on)`` (♥ or ✕ clicked, Ctrl+L or Ctrl+Shift+L: ``kind``
    "like" or "dislike", ``on`` False when the click took the mark back; the card shows the new
    mark at once), ``moreLikeRequested(row)`` (M, or "More like this"),
    ``moreLikeAtRequested(row, distance)`` ("Closer variations", "Looser variations"),
    ``ideasDragged(rows)``
    (ideas dragged out as files). Selection changes come as ``itemSelectionChanged``
    (``selected_rows()`` says which).
    """

    openRequested = Signal(int)
    playRequested = Signal(int)
    stopRequested = Signal()
    addTrackRequested = Signal(int)
    reactionRequested = Signal(int, str, bool)
    moreLikeRequested = Signal(int)
    moreLikeAtRequested = Signal(int, float)
    ideasDragged = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty list."""
        super().__init__(parent)
        self.setObjectName("ideasList")
        self.setIconSize(PREVIEW_SIZE)
        self.setSpacing(1)
        self.setUniformItemSizes(True)
        self.setMouseTracking(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setToolTip("▶: play · ♥ / ✕: teach Generate what you like · Double-click or Enter:"
                        " open in the editor · Space or P: play · M: more like this"
                        " · Ctrl+click: select two to morph · Drag out: a MIDI file")  # fmt: skip
        self._ideas: list[Idea] = []
        self._marks: list[str | None] = []
        self._playing: Idea | None = None
        self._drag_root: Path | None = None
        self._dragged: list[int] = []  # the rows a drag wrote out as files
        self.delegate = IdeaDelegate(self)
        self.setItemDelegate(self.delegate)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.play_action = self._row_action("playIdeaAction", "▶ Play", self.playRequested)
        self.open_action = self._row_action("openIdeaAction", "Open in editor", self.openRequested)
        self.add_track_action = self._row_action("ideaAddTrack", "Add as new track",
                                                 self.addTrackRequested)  # fmt: skip
        # The keys after a tab show in the menu; keyPressEvent handles them (the list's keys
        # are in the shortcuts table's Ideas rows, not window shortcuts).
        self.more_like_action = self._row_action("ideaMoreLike", "More like this\tM",
                                                 self.moreLikeRequested)  # fmt: skip
        for name, text, distance in (
            ("ideaMoreLikeCloser", "Closer variations", CLOSER_DISTANCE),
            ("ideaMoreLikeLooser", "Looser variations", LOOSER_DISTANCE),
        ):
            action = QAction(text, self, objectName=name)
            action.triggered.connect(lambda _checked=False, d=distance: self._more_like_at(d))
            self.addAction(action)
        self.like_action = QAction("♥ Like\tCtrl+L", self, objectName="ideaLike")
        self.like_action.triggered.connect(lambda: self._toggle_current(LIKE))
        self.dislike_action = QAction("✕ Dislike\tCtrl+Shift+L", self, objectName="ideaDislike")
        self.dislike_action.triggered.connect(lambda: self._toggle_current(DISLIKE))
        self.addActions([self.like_action, self.dislike_action])
        separator = QAction(self)
        separator.setSeparator(True)
        self.addAction(separator)  # the window adds "Morph two ideas" after it

    def _row_action(self, name: str, text: str, signal: SignalInstance) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(lambda: self._emit_current(signal))
        self.addAction(action)
        return action

    def set_ideas(self, ideas: Sequence[Idea]) -> None:
        """Show ``ideas``, one row each, replacing what was shown; the first row is current."""
        self._ideas = list(ideas)
        self._marks = [idea.mark for idea in self._ideas]
        self._playing = None
        self.delegate.clear_previews()
        self.clear()
        ratio = self.devicePixelRatioF()
        for idea in self._ideas:
            details = idea.details
            pixmap = preview_pixmap(idea.notes, idea.beats, ratio=ratio)
            item = QListWidgetItem(QIcon(pixmap), f"{idea.title}\n{details}")
            why = f"\nFor you: {idea.reason}" if idea.reason else ""
            item.setToolTip(f"{idea.title}: {details}{why}")
            self.addItem(item)
        if self._ideas:
            self.setCurrentRow(0, _ONLY)

    def idea(self, row: int) -> Idea:
        """The idea shown in ``row`` (``IndexError`` if there is none)."""
        if not 0 <= row < len(self._ideas):
            raise IndexError(f"no idea in row {row}")
        return self._ideas[row]

    def ideas(self) -> list[Idea]:
        """Every idea shown, top to bottom."""
        return list(self._ideas)

    def selected_rows(self) -> list[int]:
        """The selected rows, top to bottom."""
        return sorted(index.row() for index in self.selectedIndexes())

    # -- ♥ and ✕ ------------------------------------------------------------------------------

    def mark(self, row: int) -> str | None:
        """The mark the row's card shows: "like", "dislike" or None."""
        return self._marks[row] if 0 <= row < len(self._marks) else None

    def set_marks(self, marks: Sequence[str | None]) -> None:
        """Show ``marks`` (one per row, as the library has them: e.g. after a profile switch)."""
        if len(marks) == len(self._marks):
            self._marks = list(marks)
            self.viewport().update()

    def toggle_reaction(self, row: int, kind: str) -> None:
        """What a click on the row's ♥ (``kind`` "like") or ✕ ("dislike") does: mark the idea
        so, or take the mark back when it has it; emits ``reactionRequested(row, kind, on)``."""
        if not 0 <= row < len(self._ideas) or kind not in (LIKE, DISLIKE):
            return
        on = self._marks[row] != kind
        self._marks[row] = kind if on else None
        self.update(self.model().index(row, 0))
        self.reactionRequested.emit(row, kind, on)

    def reaction_button_center(self, row: int, kind: str) -> QPoint:
        """The centre of row ``row``'s ♥ (``kind`` "like") or ✕ ("dislike") on the viewport
        (for tests and automation)."""
        return IdeaDelegate.area_rect(self.visualItemRect(self.item(row)), kind).center()

    def _more_like_at(self, distance: float) -> None:
        row = self.currentRow()
        if 0 <= row < len(self._ideas):
            self.moreLikeAtRequested.emit(row, distance)

    def _toggle_current(self, kind: str) -> None:
        row = self.currentRow()
        if 0 <= row < len(self._ideas):
            self.toggle_reaction(row, kind)

    # -- playing ------------------------------------------------------------------------------

    def set_playing(self, idea: Idea | None) -> None:
        """Show ■ on the row of ``idea`` (the one the player plays), or on none."""
        if idea is not self._playing:
            self._playing = idea
            self.viewport().update()

    def playing_row(self) -> int:
        """The row whose idea plays (-1 for none)."""
        return next((row for row, idea in enumerate(self._ideas) if idea is self._playing), -1)

    def play_or_stop(self, row: int) -> None:
        """What a click on the row's button does: stop when its idea plays, else play it."""
        if row == self.playing_row():
            self.stopRequested.emit()
        elif 0 <= row < len(self._ideas):
            self.playRequested.emit(row)

    def play_button_center(self, row: int) -> QPoint:
        """The centre of row ``row``'s ▶ button on the viewport (for tests and automation)."""
        return IdeaDelegate.button_rect(self.visualItemRect(self.item(row))).center()

    def row_center(self, row: int) -> QPoint:
        """Where row ``row`` is on the viewport (for tests and automation)."""
        return self.visualItemRect(self.item(row)).center()

    # -- dragging out -------------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        """What a drag carries: file URLs and the MIDI bytes."""
        return ["text/uri-list", MIDI_MIME]

    def mimeData(self, items: Sequence[QListWidgetItem]) -> QMimeData:
        """The dragged ideas as ``.mid`` files written to a fresh temporary folder (URLs, one
        per idea, named by ``idea_file_name``) and the first one's bytes as ``audio/midi``.

        The files stay after the drop: a DAW may refer to them rather than copy them.
        """
        data = QMimeData()
        ideas = [self._ideas[row] for row in sorted(self.row(item) for item in items)
                 if 0 <= row < len(self._ideas)]  # fmt: skip
        if not ideas:
            return data
        try:
            folder = Path(tempfile.mkdtemp(prefix="drag-", dir=self._drag_folder()))
            paths = []
            for idea in ideas:
                path = folder / idea_file_name(idea)
                write_midi(idea.song, path)
                paths.append(path)
        except (OSError, StudioError) as error:  # no file then, but the drag still names them
            _log.warning("cannot write the dragged ideas: %s", error)
            data.setText("\n".join(idea.title for idea in ideas))
            return data
        data.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
        data.setData(MIDI_MIME, paths[0].read_bytes())
        self._dragged = [self._ideas.index(idea) for idea in ideas]
        return data

    def _drag_folder(self) -> Path:
        if self._drag_root is None or not self._drag_root.is_dir():
            self._drag_root = Path(tempfile.mkdtemp(prefix="motif-ideas-"))
        return self._drag_root

    def startDrag(self, supportedActions: Qt.DropAction) -> None:
        """Drag as a copy only: a drop never takes an idea out of the list; a drop somewhere
        that took the files emits ``ideasDragged(rows)``."""
        self._dragged = []
        super().startDrag(Qt.DropAction.CopyAction)
        if self._dragged:  # the files were written; Qt does not say whether a drop took them
            self.ideasDragged.emit(self._dragged)

    # -- input --------------------------------------------------------------------------------

    def _emit_current(self, signal: SignalInstance) -> None:
        row = self.currentRow()
        if 0 <= row < len(self._ideas):
            signal.emit(row)

    def event(self, event: QEvent) -> bool:
        """Claim Space, P, Enter and M, and Ctrl+L and Ctrl+Shift+L (the library's Like and
        Dislike), from the window's shortcuts while a row is current: here they act on it."""
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self.currentRow() >= 0
            and self._claims(event)
        ):
            event.accept()
            return True
        return super().event(event)

    @staticmethod
    def _claims(event: QKeyEvent) -> bool:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == _LIKE_KEY:
            return modifiers in (_CTRL, _CTRL_SHIFT)
        plain = modifiers == Qt.KeyboardModifier.NoModifier
        return plain and event.key() in (*_PLAY_KEYS, *_OPEN_KEYS, _MORE_KEY)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter opens the current idea, Space or P plays (or stops) it, M asks for more like
        it, Ctrl+L and Ctrl+Shift+L mark it ♥ or ✕; other keys move as usual."""
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)  # fmt: skip
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() == _LIKE_KEY and modifiers in (_CTRL, _CTRL_SHIFT):
            self._toggle_current(LIKE if modifiers == _CTRL else DISLIKE)
        elif plain and event.key() == _MORE_KEY and self.currentRow() >= 0:
            self._emit_current(self.moreLikeRequested)
        elif plain and event.key() in _OPEN_KEYS and self.currentRow() >= 0:
            self._emit_current(self.openRequested)
        elif plain and event.key() in _PLAY_KEYS and self.currentRow() >= 0:
            self.play_or_stop(self.currentRow())
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """A double-click on a row opens its idea (on a button it only acts once)."""
        point = event.position().toPoint()
        item = self.itemAt(point)
        row = self.row(item) if item is not None else -1
        on_button = item is not None and bool(IdeaDelegate.area_at(self.visualItemRect(item),
                                                                   point))  # fmt: skip
        super().mouseDoubleClickEvent(event)
        if 0 <= row < len(self._ideas) and not on_button:
            self.setCurrentRow(row, _ONLY)
            self.openRequested.emit(row)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Repaint the card under the mouse, so the button under it brightens."""
        item = self.itemAt(event.position().toPoint())
        if item is not None:
            self.viewport().update(self.visualItemRect(item))
        super().mouseMoveEvent(event)
