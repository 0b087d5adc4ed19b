"""The transport's metronome control: a click toggle with its own volume.

The button (``metronomeButton``) shows ``actionMetronome`` (key C anywhere in the window, as in
Cubase and Logic): checked, the player clicks on every beat while playing, higher on each bar's
first. Its drop-down arrow opens the volume slider (``metronomeVolume``, −40 to 0 dB). Both are
kept in the settings (``metronome``, ``metronome_db``). A player without a synth (a MIDI port,
or no audio output) has no metronome: the control is off and says why.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSlider,
    QToolButton,
    QWidget,
    QWidgetAction,
)

from studio.audio.metronome import DEFAULT_METRONOME_DB, METRONOME_RANGE_DB

_log = logging.getLogger(__name__)


def metronome_icon(off: QColor, on: QColor, size: int = 32) -> QIcon:
    """A small drawn metronome (a tapered case, its pendulum swung to one side), in the colour
    ``off``, and ``on`` while checked (drawn on the orange of a checked button)."""
    icon = QIcon()
    for colour, state in ((off, QIcon.State.Off), (on, QIcon.State.On)):
        icon.addPixmap(_metronome_pixmap(colour, size), QIcon.Mode.Normal, state)
    return icon


def _metronome_pixmap(colour: QColor, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        s = size / 32
        p.setPen(QPen(colour, 2.2 * s))
        p.drawPolygon([QPointF(11 * s, 5 * s), QPointF(21 * s, 5 * s),
                       QPointF(26 * s, 28 * s), QPointF(6 * s, 28 * s)])  # fmt: skip
        p.drawLine(QPointF(8 * s, 22 * s), QPointF(24 * s, 22 * s))
        p.drawLine(QPointF(16 * s, 22 * s), QPointF(23 * s, 8 * s))  # the pendulum
    finally:
        p.end()
    return pixmap


class MetronomeControl(QWidget):
    """Signals: ``metronomeChanged(bool, float)``: on or off, and the volume in dB."""

    metronomeChanged = Signal(bool, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("metronomeControl")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.action = QAction("Metronome", self)
        self.action.setObjectName("actionMetronome")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence(Qt.Key.Key_C))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.toggled.connect(self._changed)
        self.button = QToolButton(self)
        self.button.setObjectName("metronomeButton")
        self._paint_icon()
        self.button.setDefaultAction(self.action)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.button.setMinimumSize(42, 30)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.button.setStyleSheet("QToolButton:checked { background: #f5a623; }")
        self.button.setMenu(self._volume_menu())
        layout.addWidget(self.button)
        self._save = QTimer(self, singleShot=True, interval=500, timeout=self._remember)
        self._show_tip()

    def _paint_icon(self) -> None:
        self.action.setIcon(metronome_icon(self.palette().buttonText().color(), QColor("#1b1d23")))

    def changeEvent(self, event) -> None:
        """Redraw the icon in the new theme's colours."""
        if event.type() == QEvent.Type.PaletteChange:
            self._paint_icon()
        super().changeEvent(event)

    def _volume_menu(self) -> QMenu:
        menu = QMenu(self)
        box = QWidget(menu)
        row = QHBoxLayout(box)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(QLabel("Click volume"))
        self.volume = QSlider(Qt.Orientation.Horizontal, box)
        self.volume.setObjectName("metronomeVolume")
        self.volume.setRange(*(round(db) for db in METRONOME_RANGE_DB))
        self.volume.setValue(round(DEFAULT_METRONOME_DB))
        self.volume.setFixedWidth(120)
        self.volume.valueChanged.connect(lambda _value: self._changed(self.action.isChecked()))
        self.volume_label = QLabel()
        self.volume_label.setMinimumWidth(48)
        row.addWidget(self.volume)
        row.addWidget(self.volume_label)
        item = QWidgetAction(menu)
        item.setDefaultWidget(box)
        menu.addAction(item)
        return menu

    @property
    def on(self) -> bool:
        """Whether the metronome is on."""
        return self.action.isChecked()

    @property
    def volume_db(self) -> float:
        """The click volume in dB."""
        return float(self.volume.value())

    def attach(self, playback) -> None:
        """Drive ``playback`` (a ``QtPlayback``) from the settings on; off, with the reason in
        the tooltip, when it has no metronome."""
        from studio.settings import load_settings

        values, _ = load_settings()
        self.set_state(bool(values["metronome"]), float(values["metronome_db"]))
        available = playback.has_metronome
        self.action.setEnabled(available)
        self.button.setEnabled(available)
        if not available:
            self.button.setToolTip("Metronome: only with the built-in synth's audio output")
        self.metronomeChanged.connect(playback.set_metronome)
        self.metronomeChanged.connect(lambda _on, _db: self._save.start())
        playback.set_metronome(self.on, self.volume_db)

    def set_state(self, on: bool, volume_db: float) -> None:
        """Show ``on`` and ``volume_db`` without emitting ``metronomeChanged``."""
        for widget in (self.action, self.volume):
            widget.blockSignals(True)
        self.action.setChecked(on)
        self.volume.setValue(round(volume_db))
        for widget in (self.action, self.volume):
            widget.blockSignals(False)
        self._show_tip()

    def _changed(self, on: bool) -> None:
        self._show_tip()
        self.metronomeChanged.emit(on, self.volume_db)

    def _show_tip(self) -> None:
        self.volume_label.setText(f"{self.volume.value():+d} dB")
        state = "on" if self.on else "off"
        self.button.setToolTip(
            f"Metronome {state} (C), click volume {self.volume.value():+d} dB; "
            "the arrow sets the volume"
        )

    def _remember(self) -> None:
        from studio.core.errors import StudioError
        from studio.settings import update_settings

        try:
            update_settings({"metronome": self.on, "metronome_db": self.volume_db})
        except StudioError as error:  # it still clicks now, only not next time
            _log.warning("cannot keep the metronome in the settings: %s", error)
