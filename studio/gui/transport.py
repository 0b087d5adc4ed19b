"""The transport bar: play/stop, the position as bar:beat and m:ss, tempo, key, tools, model
state (the top row of the design mockup)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QWidget

TOOLS = (("draw", "✎ D", "Draw notes (D)"), ("select", "⬚ S", "Select and move (S)"),
         ("erase", "⌫ E", "Erase notes (E)"))  # fmt: skip


def position_text(beats: float, seconds: float, beats_per_bar: float = 4.0) -> str:
    """``bar : beat   m:ss.s`` counted from 1, as a DAW shows it."""
    bar, beat = divmod(max(beats, 0.0), beats_per_bar)
    minutes, rest = divmod(max(seconds, 0.0), 60.0)
    return f"{int(bar) + 1} : {int(beat) + 1}   {int(minutes)}:{rest:04.1f}"


class TransportBar(QWidget):
    """Signals: ``playToggled()``, ``stopClicked()``, ``toolChosen(str)``."""

    playToggled = Signal()
    stopClicked = Signal()
    toolChosen = Signal(str)

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
        self.position = QLabel(position_text(0, 0))
        self.position.setObjectName("positionLabel")
        self.position.setStyleSheet("font-family: monospace; font-size: 15px; padding: 0 10px;")
        layout.addWidget(self.position)
        self.tempo = QLabel("♩ = 120")
        self.meter = QLabel("4/4")
        self.key = QLabel("C major")
        for label in (self.tempo, self.meter, self.key):
            label.setContentsMargins(8, 0, 8, 0)
            layout.addWidget(label)
        layout.addSpacing(16)
        self.tools = QButtonGroup(self)
        for name, text, tip in TOOLS:
            button = self._button(f"{name}Tool", text, tip)
            button.setCheckable(True)
            button.setChecked(name == "draw")
            button.clicked.connect(lambda _=False, n=name: self.toolChosen.emit(n))
            self.tools.addButton(button)
            layout.addWidget(button)
        layout.addStretch(1)
        self.model_state = QLabel("loading model…")
        self.model_state.setObjectName("modelState")
        layout.addWidget(self.model_state)

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
        """Tempo, meter and key of the edited song."""
        self.tempo.setText(f"♩ = {tempo:g}")
        self.meter.setText(meter)
        self.key.setText(key)

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
