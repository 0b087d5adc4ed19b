"""The transport's metronome: the C key and the button turn it on in the player, its own volume
slider sets the click level, and both are kept in the settings."""

from __future__ import annotations

from conftest import need_audio
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon

from studio.audio.metronome import DEFAULT_METRONOME_DB
from studio.gui.metronome_control import MetronomeControl
from studio.settings import load_settings, update_settings


class FakePlayback:
    """A ``QtPlayback`` stand-in that records what the control sends."""

    def __init__(self, has_metronome: bool = True) -> None:
        self.has_metronome = has_metronome
        self.sent: list[tuple[bool, float]] = []

    def set_metronome(self, on: bool, volume_db: float) -> None:
        self.sent.append((on, volume_db))


def test_the_control_starts_from_the_settings_and_sends_each_change(qtbot, user_dirs):
    update_settings({"metronome": True, "metronome_db": -22.0})
    control = MetronomeControl()
    qtbot.addWidget(control)
    playback = FakePlayback()
    control.attach(playback)
    assert control.on and control.volume_db == -22.0
    assert playback.sent == [(True, -22.0)]
    qtbot.mouseClick(control.button, Qt.MouseButton.LeftButton)  # off
    control.volume.setFocus()
    qtbot.keyClick(control.volume, Qt.Key.Key_Right)
    assert playback.sent[1:] == [(False, -22.0), (False, -21.0)]
    assert control.volume_label.text() == "-21 dB"
    assert "off" in control.button.toolTip()
    qtbot.waitUntil(lambda: load_settings()[0]["metronome_db"] == -21.0, timeout=5_000)
    assert load_settings()[0]["metronome"] is False


def test_without_a_synth_player_the_control_is_off_and_says_why(qtbot, user_dirs):
    control = MetronomeControl()
    qtbot.addWidget(control)
    control.attach(FakePlayback(has_metronome=False))
    assert not control.button.isEnabled() and not control.action.isEnabled()
    assert "built-in synth" in control.button.toolTip()


def test_the_icon_changes_with_the_state(qtbot):
    control = MetronomeControl()
    qtbot.addWidget(control)
    icon = control.action.icon()
    off = icon.pixmap(32, 32, QIcon.Mode.Normal, QIcon.State.Off).toImage()
    on = icon.pixmap(32, 32, QIcon.Mode.Normal, QIcon.State.On).toImage()
    assert not off.isNull() and off != on


def test_the_c_key_turns_the_players_metronome_on_and_the_slider_sets_its_volume(window, qtbot):
    need_audio()
    player = window.playback.player
    control = window.transport.metronome
    assert not player.metronome_on and player.metronome_db == DEFAULT_METRONOME_DB
    window.piano_roll.note_area().setFocus()
    qtbot.keyClick(window.piano_roll.note_area(), Qt.Key.Key_C)
    assert player.metronome_on and control.button.isChecked()
    control.volume.setFocus()
    for _ in range(4):
        qtbot.keyClick(control.volume, Qt.Key.Key_Left)
    assert player.metronome_db == DEFAULT_METRONOME_DB - 4 and player.metronome_on
    qtbot.waitUntil(lambda: load_settings()[0]["metronome"] is True, timeout=5_000)
    assert load_settings()[0]["metronome_db"] == DEFAULT_METRONOME_DB - 4
    window.piano_roll.note_area().setFocus()
    qtbot.keyClick(window.piano_roll.note_area(), Qt.Key.Key_C)
    assert not player.metronome_on
