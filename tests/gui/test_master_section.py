"""The transport's master section: the volume reaches the player's master stage and the
settings, and the meter shows what the audio side publishes."""

from __future__ import annotations

import math

from conftest import need_audio
from PySide6.QtCore import Qt

from studio.gui.level_meter import HOLD_SECONDS, LevelMeter, level_fraction
from studio.settings import load_settings


def test_the_meter_scale_and_its_peak_hold(qtbot):
    assert level_fraction(-math.inf) == 0.0 and level_fraction(-60.0) == 0.0
    assert level_fraction(0.0) == 1.0 and level_fraction(6.0) == 1.0
    assert level_fraction(-30.0) == 0.5
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.show_level(0.5, 0.0, now=10.0)  # −6 dBFS
    meter.show_level(0.1, 2.0, now=10.5)  # −20 dBFS, the limiter working
    assert round(meter.level_db) == -20 and round(meter.hold_db) == -6 and meter.limiting
    meter.show_level(0.1, 0.0, now=10.0 + HOLD_SECONDS + 0.1)  # the hold falls back
    assert round(meter.hold_db) == -20 and not meter.limiting
    meter.show_level(0.0, 0.0, now=20.0)  # silence
    assert meter.level_db == -math.inf


def test_volume_reaches_the_master_stage_and_the_settings_and_the_meter_moves(window, qtbot):
    need_audio()
    section = window.transport.master
    assert section.isEnabled()
    player = window.playback.player
    before = player.master.gain_db
    section.volume.setFocus()
    for _ in range(3):
        qtbot.keyClick(section.volume, Qt.Key.Key_Left)
    assert player.master.gain_db == before - 3
    qtbot.waitUntil(lambda: load_settings()[0]["master_gain_db"] == before - 3, timeout=5_000)
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    qtbot.mouseClick(window.transport.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section.meter.level_db > -60.0, timeout=10_000)
    window.playback.stop()
