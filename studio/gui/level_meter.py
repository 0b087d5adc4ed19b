"""The transport's master section: a volume slider and a level meter.

``MasterSection`` shows the player's output level as a bar in dBFS (−60 to 0: green, yellow above
−12, red above −3) with a peak hold that falls back slowly, and lights "LIM" while the master's
limiter is reducing the gain. The level comes from values the audio side publishes
(``MasterStage.peak`` and ``gain_reduction_db``), read by a GUI timer: Qt is never touched from
the audio callback. The slider sets the master volume in dB (a trim; songs already play at the
export loudness).
"""

from __future__ import annotations

import logging
import math
import time

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QHBoxLayout, QSlider, QWidget

_log = logging.getLogger(__name__)
FLOOR_DB = -60.0
"""The bottom of the meter's scale, dBFS."""
HOLD_SECONDS = 1.5
"""How long the peak mark stays before it falls."""
VOLUME_RANGE_DB = (-40, 12)
"""The volume slider's range in dB."""
METER_MS = 33
"""How often the meter reads the levels (about 30 times a second)."""


def level_fraction(db: float) -> float:
    """Where ``db`` (dBFS) sits on the meter, 0 (floor or silence) to 1 (0 dBFS)."""
    if not math.isfinite(db):
        return 0.0
    return min(1.0, max(0.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter(QWidget):
    """A horizontal peak meter with a falling peak hold and a limiter light."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelMeter")
        self.setFixedSize(120, 14)
        self.level_db = -math.inf
        self.hold_db = -math.inf
        self.limiting = False
        self._held_at = 0.0
        self.setToolTip("Output level (dBFS); LIM: the limiter is catching peaks")

    def show_level(self, peak: float, reduction_db: float, now: float | None = None) -> None:
        """Show a block's sample peak (linear) and the limiter's gain reduction (dB)."""
        now = time.monotonic() if now is None else now
        self.level_db = 20.0 * math.log10(peak) if peak > 0 else -math.inf
        if self.level_db >= self.hold_db or now - self._held_at > HOLD_SECONDS:
            self.hold_db, self._held_at = self.level_db, now
        self.limiting = reduction_db > 0.5
        self.update()

    def paintEvent(self, event) -> None:
        """The bar, coloured by level, the peak mark and the limiter light."""
        p = QPainter(self)
        try:
            width, height = self.width() - 26, self.height()
            p.fillRect(0, 0, width, height, QColor("#111318"))
            level = level_fraction(self.level_db) * width
            for start, end, colour in ((-60, -12, "#4ade80"), (-12, -3, "#facc15"),
                                       (-3, 0, "#f87171")):  # fmt: skip
                left, right = level_fraction(start) * width, level_fraction(end) * width
                if level > left:
                    p.fillRect(QRectF(left, 2, min(level, right) - left, height - 4),
                               QColor(colour))  # fmt: skip
            if math.isfinite(self.hold_db):
                x = level_fraction(self.hold_db) * width
                p.fillRect(QRectF(max(0.0, x - 1), 1, 2, height - 2), QColor("#e5e7eb"))
            light = QColor("#f87171" if self.limiting else "#3a4150")
            p.setPen(light)
            p.drawText(QRectF(width + 2, 0, 24, height), Qt.AlignmentFlag.AlignCenter, "LIM")
        finally:
            p.end()


class MasterSection(QWidget):
    """Volume slider (objectName ``masterVolume``) and level meter; ``volumeChanged(float)``
    carries the new volume in dB."""

    volumeChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("masterSection")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.volume = QSlider(Qt.Orientation.Horizontal, self)
        self.volume.setObjectName("masterVolume")
        self.volume.setRange(*VOLUME_RANGE_DB)
        self.volume.setFixedWidth(90)
        self.volume.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.volume.valueChanged.connect(self._changed)
        self.meter = LevelMeter(self)
        layout.addWidget(self.volume)
        layout.addWidget(self.meter)
        self._changed(self.volume.value())

    def attach(self, playback) -> None:
        """Drive ``playback`` (a ``QtPlayback``): the volume starts from the settings and is
        kept there, the meter reads its levels 30 times a second (without an audio output the
        section is off)."""
        from studio.settings import load_settings

        self.set_volume(load_settings()[0]["master_gain_db"])
        self.setEnabled(playback.available)
        self.volumeChanged.connect(playback.set_master_gain)
        self.volumeChanged.connect(lambda _db: self._save.start())
        self._save = QTimer(self, singleShot=True, interval=500, timeout=self._remember)
        self._meter = QTimer(self, interval=METER_MS)
        self._meter.timeout.connect(lambda: self.meter.show_level(*playback.levels()))
        if playback.available:
            self._meter.start()

    def _remember(self) -> None:
        from studio.core.errors import StudioError
        from studio.settings import update_settings

        try:
            update_settings({"master_gain_db": float(self.volume.value())})
        except StudioError as error:  # the volume still applies now, only not next time
            _log.warning("cannot keep the master volume in the settings: %s", error)

    def set_volume(self, db: float) -> None:
        """Show the volume ``db`` (does not emit ``volumeChanged``)."""
        self.volume.blockSignals(True)
        self.volume.setValue(round(db))
        self.volume.blockSignals(False)
        self._show_tip()

    def _changed(self, value: int) -> None:
        self._show_tip()
        self.volumeChanged.emit(float(value))

    def _show_tip(self) -> None:
        self.volume.setToolTip(f"Master volume {self.volume.value():+d} dB")
