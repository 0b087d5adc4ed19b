"""The transport's master section: a volume slider and a level meter.

``MasterSection`` shows the player's output level as a bar in dBFS (−60 to 0: green, yellow above
−12, red above −3) with a peak hold that falls back slowly, lights "LIM" while the master's
limiter is reducing the gain, and writes the short-term loudness (EBU R128, the last 3 s) beside
it as a number in LUFS, refreshed 5 times a second so it can be read. The levels come from what
the audio side publishes (``MasterStage.peak``, ``gain_reduction_db`` and its output tap, which
``QtPlayback.levels`` feeds to a ``ShortTermLoudness``), read by a GUI timer: Qt is never
touched from the audio callback. The slider sets the master volume in dB (a trim; songs already
play at the export loudness).
"""

from __future__ import annotations

import logging
import math
import time

from PySide6.QtCore import QEvent, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
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
LOUDNESS_SECONDS = 0.2
"""How often the loudness number changes (5 times a second: faster cannot be read)."""
LOUDNESS_FLOOR_LUFS = -70.0
"""Below this the loudness shows as "—" (BS.1770's absolute gate)."""
BAR_WIDTH = 64
"""The bar's width in pixels (about a pixel a dB): the transport bar is crowded."""
_TEXT_SCALE = 0.9  # the meter's lettering, relative to the widget's font
_SAMPLE_TEXT = "−88.8 LUFS"  # the widest number: the text area's fixed width


def loudness_text(lufs: float) -> str:
    """The loudness as the meter writes it: "−14.3 LUFS", or "— LUFS" below the floor."""
    if not math.isfinite(lufs) or lufs < LOUDNESS_FLOOR_LUFS:
        return "— LUFS"
    return f"{lufs:.1f} LUFS".replace("-", "−")


def level_fraction(db: float) -> float:
    """Where ``db`` (dBFS) sits on the meter, 0 (floor or silence) to 1 (0 dBFS)."""
    if not math.isfinite(db):
        return 0.0
    return min(1.0, max(0.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter(QWidget):
    """A horizontal peak meter with a falling peak hold, a limiter light and the short-term
    loudness as a number (``loudness_text``, in a fixed-width area: the layout never jumps)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("levelMeter")
        self.level_db = -math.inf
        self.hold_db = -math.inf
        self.limiting = False
        self.short_term_lufs = -math.inf
        """The latest short-term loudness given, LUFS."""
        self.shown_lufs = -math.inf
        """The short-term loudness the number shows (refreshed every ``LOUDNESS_SECONDS``)."""
        self._held_at = 0.0
        self._shown_at = -math.inf
        self._fit()
        self.setToolTip(
            "Output level (dBFS); LIM: the limiter is catching peaks\n"
            "LUFS: short-term loudness (last 3 s); exports and songs play at −16 LUFS"
        )

    @property
    def loudness_text(self) -> str:
        """The loudness number as shown, e.g. "−16.2 LUFS" ("— LUFS": silence)."""
        return loudness_text(self.shown_lufs)

    def show_level(
        self,
        peak: float,
        reduction_db: float,
        short_term_lufs: float = -math.inf,
        now: float | None = None,
    ) -> None:
        """Show a block's sample peak (linear), the limiter's gain reduction (dB) and the
        short-term loudness (LUFS; the number changes at most every ``LOUDNESS_SECONDS``).
        ``now``: the time in seconds (``time.monotonic``)."""
        now = time.monotonic() if now is None else now
        self.level_db = 20.0 * math.log10(peak) if peak > 0 else -math.inf
        if self.level_db >= self.hold_db or now - self._held_at > HOLD_SECONDS:
            self.hold_db, self._held_at = self.level_db, now
        self.limiting = reduction_db > 0.5
        self.short_term_lufs = short_term_lufs
        if now - self._shown_at >= LOUDNESS_SECONDS:
            self.shown_lufs, self._shown_at = short_term_lufs, now
        self.update()

    def changeEvent(self, event) -> None:
        """Refit the text area when the font changes."""
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit()
        super().changeEvent(event)

    def _fit(self) -> None:
        """Size the widget: the bar, then "LIM" and the widest number in the lettering font."""
        font = self._lettering = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * _TEXT_SCALE)
        else:  # a font sized in pixels (a style sheet's)
            font.setPixelSize(max(1, round(font.pixelSize() * _TEXT_SCALE)))
        metrics = QFontMetrics(self._lettering)
        self._light_width = metrics.horizontalAdvance("LIM") + 6
        self._text_width = metrics.horizontalAdvance(_SAMPLE_TEXT) + 2
        self.setFixedSize(BAR_WIDTH + self._light_width + self._text_width, 14)

    def paintEvent(self, event) -> None:
        """The bar, coloured by level, the peak mark, the limiter light and the loudness."""
        p = QPainter(self)
        try:
            width, height = BAR_WIDTH, self.height()
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
            p.setFont(self._lettering)
            p.setPen(QColor("#f87171" if self.limiting else "#3a4150"))
            p.drawText(QRectF(width, 0, self._light_width, height),
                       Qt.AlignmentFlag.AlignCenter, "LIM")  # fmt: skip
            shown = math.isfinite(self.shown_lufs) and self.shown_lufs >= LOUDNESS_FLOOR_LUFS
            p.setPen(self.palette().windowText().color() if shown and self.isEnabled()
                     else QColor("#5b6475"))  # fmt: skip
            area = QRectF(width + self._light_width, 0, self._text_width, height)
            p.drawText(area, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       self.loudness_text)  # fmt: skip
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
        self.volume.setFixedWidth(64)
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
        self._meter.timeout.connect(lambda: self._show_levels(playback))
        if playback.available:
            self._meter.start()

    def _show_levels(self, playback) -> None:
        levels = playback.levels()
        self.meter.show_level(levels.peak, levels.reduction_db, levels.short_term_lufs)

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
