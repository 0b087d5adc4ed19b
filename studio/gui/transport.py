"""The transport bar: play/stop, loop, the position as bar:beat and m:ss, tempo, key, snap,
tools, model state (the top row of the design mockup)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QWidget,
)

from studio.gui.level_meter import MasterSection
from studio.gui.metronome_control import MetronomeControl

TOOLS = (("draw", "✎ D", "Draw notes (D)"), ("select", "⬚ S", "Select and move (S)"),
         ("erase", "⌫ E", "Erase notes (E)"))  # fmt: skip
BAR = "Bar"
SNAPS = (("1/2", 2.0), ("1/4", 1.0), ("1/8", 0.5), ("1/16", 0.25), ("1/32", 0.125),
         ("1/8 triplet", 1 / 3), ("1/16 triplet", 1 / 6), ("Off", None))  # fmt: skip
"""The snap grids after "Bar" (one bar of the song's meter), in beats; None: no snap."""
DEFAULT_SNAP = 0.25


def bar_beats(meter: str) -> float:
    """Beats (quarter notes) in a bar of ``meter`` such as "6/8"; 4 when it does not parse."""
    try:
        top, bottom = (int(part) for part in meter.split("/"))
        return top * 4 / bottom if top > 0 and bottom > 0 else 4.0
    except ValueError:
        return 4.0


def position_text(beats: float, seconds: float, beats_per_bar: float = 4.0) -> str:
    """``bar : beat   m:ss.s`` counted from 1, as a DAW shows it."""
    bar, beat = divmod(max(beats, 0.0), beats_per_bar)
    minutes, rest = divmod(max(seconds, 0.0), 60.0)
    return f"{int(bar) + 1} : {int(beat) + 1}   {int(minutes)}:{rest:04.1f}"


class TransportBar(QWidget):
    """Signals: ``playToggled()``, ``stopClicked()``, ``toolChosen(str)``, ``loopToggled(bool)``
    (looping on or off), ``snapChosen(object)`` (the snap grid in beats, or None for none).

    The loop button (``loopButton``) shows ``loop_action`` (``actionLoop``, key L, a shortcut
    of the whole window): both are enabled only while a loop region exists.
    """

    playToggled = Signal()
    stopClicked = Signal()
    toolChosen = Signal(str)
    loopToggled = Signal(bool)
    snapChosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transportBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.play_button = self._button("playButton", "▶", "Play / pause (Space)")
        self.play_button.clicked.connect(self.playToggled)
        self.stop_button = self._button("stopButton", "■", "Stop: back to where play started")
        self.stop_button.clicked.connect(self.stopClicked)
        layout.addWidget(self.play_button)
        layout.addWidget(self.stop_button)
        layout.addWidget(self._build_loop())
        self.metronome = MetronomeControl(self)  # the click toggle and its volume
        self.addAction(self.metronome.action)  # its C key works wherever the focus is
        layout.addWidget(self.metronome)
        self.position = QLabel(position_text(0, 0))
        self.position.setObjectName("positionLabel")
        self.position.setStyleSheet("font-family: monospace; font-size: 15px; padding: 0 4px;")
        layout.addWidget(self.position)
        self.tempo = QLabel("♩ = 120")
        self.meter = QLabel("4/4")
        self.key = QLabel("C major")
        for label in (self.tempo, self.meter, self.key):
            label.setContentsMargins(4, 0, 4, 0)
            layout.addWidget(label)
        layout.addWidget(self._build_snap())
        layout.addSpacing(8)
        self.tools = QButtonGroup(self)
        for name, text, tip in TOOLS:
            button = self._button(f"{name}Tool", text, tip)
            button.setCheckable(True)
            button.setChecked(name == "draw")
            button.clicked.connect(lambda _=False, n=name: self.toolChosen.emit(n))
            self.tools.addButton(button)
            layout.addWidget(button)
        layout.addSpacing(8)
        self.master = MasterSection(self)  # volume and level meter
        layout.addWidget(self.master)
        layout.addStretch(1)
        self.model_state = QLabel("loading model…")
        self.model_state.setObjectName("modelState")
        layout.addWidget(self.model_state)

    def _build_loop(self) -> QToolButton:
        self.loop_action = QAction("⟲", self)
        self.loop_action.setObjectName("actionLoop")
        self.loop_action.setToolTip("Loop the region (L)")
        self.loop_action.setCheckable(True)
        self.loop_action.setEnabled(False)  # until there is a region
        self.loop_action.setShortcut(QKeySequence(Qt.Key.Key_L))
        self.loop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.loop_action.toggled.connect(self.loopToggled)
        self.addAction(self.loop_action)  # the shortcut works wherever the focus is
        self.loop_button = self._button("loopButton", "⟲", "Loop the region (L)")
        self.loop_button.setDefaultAction(self.loop_action)
        # Orange while looping, as the loop band in the ruler.
        self.loop_button.setStyleSheet("QToolButton:checked { color: #f5a623; font-weight: bold; }")
        return self.loop_button

    def _build_snap(self) -> QWidget:
        self._bar = 4.0
        box = QWidget(self)
        row = QHBoxLayout(box)
        row.setContentsMargins(4, 0, 4, 0)
        label = QLabel("Snap")
        self.snap_combo = QComboBox(box)
        self.snap_combo.setObjectName("snapCombo")
        self.snap_combo.setToolTip("Snap to this grid (Alt while dragging: no snap)")
        self.snap_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the roll
        # As wide as "1/16" needs: the list that drops down still shows the long names.
        self.snap_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.snap_combo.setMinimumContentsLength(5)
        self.snap_combo.addItem(BAR, BAR)
        for text, beats in SNAPS:
            self.snap_combo.addItem(text, beats)
        label.setBuddy(self.snap_combo)
        self.show_snap(DEFAULT_SNAP)
        self.snap_combo.currentIndexChanged.connect(lambda _i: self.snapChosen.emit(self.snap()))
        row.addWidget(label)
        row.addWidget(self.snap_combo)
        return box

    def snap(self) -> float | None:
        """The chosen snap grid in beats ("Bar": a bar of the shown meter), or None."""
        data = self.snap_combo.currentData()
        return self._bar if data == BAR else data

    def show_snap(self, beats: float | None) -> None:
        """Show ``beats`` (e.g. the roll's snap) as the choice, without emitting ``snapChosen``;
        a grid not in the list is left as it is."""
        for i in range(self.snap_combo.count()):
            data = self.snap_combo.itemData(i)
            value = self._bar if data == BAR else data
            if value == beats or (value and beats and abs(value - beats) < 1e-9):
                self.snap_combo.blockSignals(True)
                self.snap_combo.setCurrentIndex(i)
                self.snap_combo.blockSignals(False)
                return

    def loop_on(self) -> bool:
        """Whether looping is on (the loop button is checked)."""
        return self.loop_action.isChecked()

    def set_loop_region(self, exists: bool) -> None:
        """Enable the loop button while a region exists; a new region turns looping on, as in
        most DAWs, and no region turns it off (``loopToggled`` says so when it changes)."""
        self.loop_action.setEnabled(exists)
        self.loop_action.setChecked(exists)

    def _button(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        button.setMinimumSize(34, 30)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def show_position(self, beats: float, seconds: float, beats_per_bar: float = 4.0) -> None:
        """Show the playhead position."""
        self.position.setText(position_text(beats, seconds, beats_per_bar))

    def show_playing(self, playing: bool) -> None:
        """The play button shows pause while playing."""
        self.play_button.setText("❚❚" if playing else "▶")

    def show_song_facts(self, tempo: float, meter: str, key: str) -> None:
        """Tempo, meter and key of the edited song ("Bar" snaps to a bar of ``meter``)."""
        self.tempo.setText(f"♩ = {tempo:g}")
        self.meter.setText(meter)
        self.key.setText(key)
        bar, self._bar = self._bar, bar_beats(meter)
        if self._bar != bar and self.snap_combo.currentData() == BAR:
            self.snapChosen.emit(self._bar)

    def set_audio_available(self, available: bool, reason: str = "") -> None:
        """Without an audio output the play buttons are off and say why."""
        for button in (self.play_button, self.stop_button):
            button.setEnabled(available)
            if not available:
                button.setToolTip(f"no audio output: {reason}" if reason else "no audio output")

    def set_model_state(self, text: str, ready: bool) -> None:
        """ "● model ready" in green, or what the model is doing."""
        colour = "#4ade80" if ready else "#fbbf24"
        self.model_state.setText(f"<span style='color:{colour}'>●</span> {text}")
