"""The track selector: which track of a multi-track song the piano roll edits.

A combo box (objectName ``trackCombo``) lists the song's pitched tracks as "2 · Violin (41)":
the track's number in the file, its name (or its General MIDI instrument) and its GM program
number 1–128. Choosing one makes it the edited track; the others are drawn as ghost notes. The
selector follows the roll (a new song, an undo that goes back to another track) and hides itself
while the song has at most one pitched track.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolBar, QWidget

from studio.core.gm import program_name
from studio.core.music import Song, Track
from studio.gui.piano_roll import PianoRoll


def track_label(number: int, track: Track) -> str:
    """The combo label "2 · Violin (41)": the 1-based track number, the name (or GM
    instrument) and the GM program 1–128."""
    return f"{number} · {track.name or program_name(track.program)} ({track.program + 1})"


class TrackSelector(QWidget):
    """The "Track" label and its combo box, bound to a ``PianoRoll`` (see the module docstring)."""

    def __init__(self, roll: PianoRoll, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trackSelector")
        self._roll = roll
        self._listed: tuple | None = None  # what the combo lists, to rebuild it only on change
        self._action: QAction | None = None
        self.combo = QComboBox(self)
        self.combo.setObjectName("trackCombo")
        self.combo.setToolTip("The track you edit; the others are shown as grey ghost notes")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        label = QLabel("&Track", self)
        label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 0, 4, 0)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        self.combo.currentIndexChanged.connect(self._chosen)
        roll.songChanged.connect(self._follow)
        self._follow(roll.song())

    def place_in(self, toolbar: QToolBar) -> None:
        """Add the selector to ``toolbar`` (it is then shown and hidden through its action)."""
        self.setVisible(True)  # from now on the toolbar shows it when its action is visible
        self._action = toolbar.addWidget(self)
        self._follow(self._roll.song())

    def _follow(self, song: Song) -> None:
        """List ``song``'s pitched tracks (when they changed) and select the edited one."""
        pitched = [(i, t) for i, t in enumerate(song.tracks) if not t.is_drum]
        listed = tuple((i, t.name, t.program) for i, t in pitched)
        self.combo.blockSignals(True)  # following the roll is not a choice
        try:
            if listed != self._listed:
                self._listed = listed
                self.combo.clear()
                for i, track in pitched:
                    self.combo.addItem(track_label(i + 1, track), i)
                    tip = f"{program_name(track.program)} · {len(track.notes)} notes"
                    self.combo.setItemData(self.combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            self.combo.setCurrentIndex(self.combo.findData(self._roll.track_index()))
        finally:
            self.combo.blockSignals(False)
        (self._action or self).setVisible(len(pitched) > 1)

    def _chosen(self, row: int) -> None:
        index = self.combo.itemData(row)
        if index is not None:
            self._roll.set_track(index)
