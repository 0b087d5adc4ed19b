"""The transport's master section: the volume reaches the player's master stage and the
settings, and the meter shows what the audio side publishes (peak, limiting and the short-term
loudness of what really went out)."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from conftest import need_audio
from PySide6.QtCore import Qt

from studio.audio.master import CALLBACK_STEP_FRAMES, MasterStage
from studio.gui.level_meter import (
    BAR_WIDTH,
    HOLD_SECONDS,
    LOUDNESS_SECONDS,
    LevelMeter,
    MasterSection,
    level_fraction,
    loudness_text,
)
from studio.gui.playback import Levels, QtPlayback
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


def test_the_loudness_number_is_readable_and_keeps_its_place(qtbot):
    assert loudness_text(-14.26) == "−14.3 LUFS" and loudness_text(3.0) == "3.0 LUFS"
    assert loudness_text(-math.inf) == loudness_text(-70.5) == "— LUFS"
    section = MasterSection()
    qtbot.addWidget(section)
    section.show()
    meter = section.meter
    assert meter.loudness_text == "— LUFS"
    width = meter.width()
    meter.show_level(0.5, 0.0, -18.04, now=100.0)
    assert meter.loudness_text == "−18.0 LUFS"
    meter.show_level(0.5, 0.0, -9.0, now=100.0 + LOUDNESS_SECONDS / 2)  # too soon to change
    assert meter.loudness_text == "−18.0 LUFS" and meter.short_term_lufs == -9.0
    meter.show_level(0.5, 0.0, -9.0, now=100.0 + LOUDNESS_SECONDS)
    assert meter.loudness_text == "−9.0 LUFS"
    assert meter.width() == width and section.sizeHint().width() < 400  # fixed, compact
    assert meter.width() >= BAR_WIDTH + meter.fontMetrics().horizontalAdvance("−88.8 LUFS") * 0.8
    assert "last 3 s" in meter.toolTip() and "−16 LUFS" in meter.toolTip()


class TappedPlayer:
    """Just what ``QtPlayback.levels`` reads of a player: its master stage (fed by the test)."""

    error = None

    def __init__(self) -> None:
        self.master = MasterStage(44100, max_block=CALLBACK_STEP_FRAMES)

    def add_listener(self, listener) -> None:
        pass


def test_levels_feed_the_loudness_of_what_the_master_put_out(qtbot):
    player = TappedPlayer()
    playback = QtPlayback(player)
    assert playback.levels() == Levels(0.0, 0.0, -math.inf)  # nothing out yet
    t = np.arange(4 * 44100) / 44100
    wave = 0.3 * np.sin(2 * np.pi * 330 * t)
    audio = np.stack([wave, 0.5 * wave], axis=1).astype(np.float32)
    for start in range(0, len(audio), 1470):  # about what goes out between two meter reads
        player.master.process(audio[start : start + 1470])
        levels = playback.levels()
    expected = pyloudnorm.Meter(44100).integrated_loudness(audio[-3 * 44100 :].astype(float))
    assert levels.short_term_lufs == pytest.approx(expected, abs=0.1)
    assert levels.peak == player.master.peak > 0.29
    assert levels.reduction_db == player.master.gain_reduction_db < 0.01
    player.master = MasterStage(44100, max_block=CALLBACK_STEP_FRAMES)  # a new stage, silent
    player.master.process(np.zeros((44100, 2), np.float32))
    assert playback.levels().short_term_lufs == -math.inf


def test_the_meter_shows_the_short_term_loudness_of_a_playing_song(window, qtbot):
    need_audio()
    section, playback = window.transport.master, window.playback
    assert section.meter.loudness_text == "— LUFS"  # nothing played yet
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)
    qtbot.mouseClick(window.transport.play_button, Qt.MouseButton.LeftButton)
    # Songs play at the export loudness (−16 LUFS integrated); once 3.5 s went out the window
    # holds only the song.
    qtbot.waitUntil(lambda: playback.player.position_seconds > 3.5, timeout=20_000)
    qtbot.wait(2 * round(LOUDNESS_SECONDS * 1000))  # the number's next refresh
    shown = section.meter.shown_lufs
    assert math.isfinite(shown) and -16.0 - 4 < shown < -16.0 + 4, shown
    assert section.meter.loudness_text == loudness_text(shown)
    window.playback.stop()
