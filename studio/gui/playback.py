"""A thin Qt adapter over a ``studio.audio`` player (the ``Playback`` interface).

The player stays Qt-free and calls its listeners on a thread of its own; this adapter's listener
only emits a signal, which Qt queues to the GUI thread (as Frescobaldi's ``qmidi`` wraps its
pure-Python player). A 30 fps timer reads the position while playing, for a smooth playhead.
Without an audio device the adapter still exists: ``available`` is false and ``reason`` says why.
The loop region goes to the player's own ``set_loop``; a player without one (a MIDI port) is
sent back to the loop start by the position timer instead, a frame late at most.
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.errors import StudioError
from studio.core.music import Song

_log = logging.getLogger(__name__)
FRAME_MS = 33


class Levels(NamedTuple):
    """The output levels a meter shows: ``peak`` (the last block's sample peak, linear 0–1),
    ``reduction_db`` (the limiter's gain reduction, dB ≥ 0) and ``short_term_lufs`` (the
    loudness of the last 3 s, LUFS; −inf for silence)."""

    peak: float
    reduction_db: float
    short_term_lufs: float


class QtPlayback(QObject):
    """Signals: ``stateChanged(object)`` (a ``PlaybackState``), ``positionChanged(float)``
    (beats, about 30 times a second while playing), ``availabilityChanged(bool, str)``."""

    stateChanged = Signal(object)
    positionChanged = Signal(float)

    def __init__(self, player=None, parent: QObject | None = None) -> None:
        """``player``: an open ``Playback``; None opens the synth ``Player`` from the settings
        (no device: ``available`` is false and ``reason`` says why)."""
        super().__init__(parent)
        self.reason = ""
        self.player = player if player is not None else self._open_player()
        self.warning: str = getattr(self.player, "warning", None) or ""
        """Why the SoundFont setting is not followed (missing or damaged file), or ""."""
        self._started_at = 0.0
        self._song: Song | None = None
        self._loop: tuple[float, float] | None = None  # beats
        self._last_beats = 0.0  # the position at the last frame (the emulated loop)
        self._tapped_master = None  # the master stage whose output tap `levels` reads…
        self._tap_since = 0  # …its frame counter at the last read…
        self._loudness = None  # …and the ShortTermLoudness fed from it
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._tick)
        self.stateChanged.connect(self._on_state)
        if self.player is not None:
            self.player.add_listener(self.stateChanged.emit)

    def _open_player(self):
        from studio.audio.player import Player
        from studio.settings import load_settings

        values, _ = load_settings()
        try:
            player = Player(
                soundfont=values["soundfont"],
                sample_rate=values["sample_rate"],
                device=values["audio_device"],
                blocksize=values["audio_blocksize"],
                master_gain_db=values["master_gain_db"],
                reverb=values["reverb"],
                chorus=values["chorus"],
            )
            return player.open()
        except StudioError as error:
            self.reason = str(error)
            _log.info("no audio output: %s", error)
            return None

    @property
    def available(self) -> bool:
        """Whether there is a player to play through."""
        return self.player is not None and self.player.error is None

    @property
    def song(self) -> Song | None:
        """The song the player has (the last one loaded), or None."""
        return self._song

    @property
    def device_name(self) -> str:
        """The output device's name ("" without one)."""
        return getattr(self.player, "device_name", "") or ""

    def load(self, song: Song) -> None:
        """Hand the player a (new version of the) song; playing goes on at the same beat. The
        song it has already is not rendered again (songs are immutable: same object, same
        music)."""
        if self.player is not None and song is not self._song:
            self.player.load(song)
            self._song = song

    def play_from(self, beats: float) -> None:
        """Play from ``beats``; ``stop`` later returns there (as in most DAWs)."""
        if not self.available:
            return
        self._started_at = self._last_beats = beats
        self.player.seek(beats=beats)
        self.player.play()

    def toggle(self, beats: float) -> None:
        """Space: play from ``beats`` when stopped, else stop and return to the start point."""
        if self.available and self.player.is_playing:
            self.stop()
        else:
            self.play_from(beats)

    def stop(self) -> None:
        """Stop and go back to where playing started."""
        if self.player is None:
            return
        self.player.pause()
        self.player.seek(beats=self._started_at)
        self.positionChanged.emit(self._started_at)

    def set_loop(self, start_beats: float, end_beats: float) -> None:
        """Loop from ``end_beats`` back to ``start_beats`` while playing; a position after the
        loop plays on to the end."""
        self._loop = (float(start_beats), float(end_beats))
        if self.player is not None and hasattr(self.player, "set_loop"):
            self.player.set_loop(*self._loop)

    def clear_loop(self) -> None:
        """Play on through the loop end."""
        self._loop = None
        if self.player is not None and hasattr(self.player, "clear_loop"):
            self.player.clear_loop()

    def loop(self) -> tuple[float, float] | None:
        """The loop region in beats, or None."""
        return self._loop

    def audition(self, pitch: int) -> None:
        """Sound one note at once (a click on the keyboard, a drawn note)."""
        if self.available:
            try:
                self.player.audition(pitch)
            except StudioError as error:
                _log.info("audition failed: %s", error)

    def set_master_gain(self, db: float) -> None:
        """The master volume in dB (a trim over everything the player plays)."""
        master = getattr(self.player, "master", None)
        if master is not None:
            master.gain_db = db

    @property
    def has_metronome(self) -> bool:
        """Whether the player can click (the synth player can; a MIDI port cannot)."""
        return hasattr(self.player, "set_metronome")

    def set_metronome(self, on: bool, volume_db: float) -> None:
        """Turn the metronome on or off at ``volume_db`` (ignored without one)."""
        if self.has_metronome:
            try:
                self.player.set_metronome(on, volume_db)
            except StudioError as error:
                _log.info("metronome refused: %s", error)

    def levels(self) -> Levels:
        """What a meter shows, from what the audio side published: the output's last sample
        peak, the limiter's gain reduction and the short-term loudness (``Levels``); silence
        without a synth player. Call from the GUI thread (about 30 times a second): each call
        feeds the output written since the last one to the loudness meter."""
        master = getattr(self.player, "master", None)
        if master is None:
            return Levels(0.0, 0.0, -math.inf)
        if master is not self._tapped_master:  # a new stage: start from its present
            self._tapped_master, self._tap_since, self._loudness = master, master.tapped, None
        frames, self._tap_since = master.read_tap(self._tap_since)
        if self._loudness is None:
            if not frames.any():  # silence reads −inf: the meter (and scipy) wait for sound
                return Levels(master.peak, master.gain_reduction_db, -math.inf)
            from studio.audio.loudness_meter import ShortTermLoudness

            self._loudness = ShortTermLoudness(master.sample_rate)
        self._loudness.add(frames)
        return Levels(master.peak, master.gain_reduction_db, self._loudness.lufs)

    def close(self) -> None:
        """Close the player (at window close)."""
        self._timer.stop()
        if self.player is not None:
            self.player.close()
            self.player = None

    def _on_state(self, state) -> None:
        if state.playing:
            self._timer.start()
        else:
            self._timer.stop()
        self._last_beats = state.position_beats
        self.positionChanged.emit(state.position_beats)

    def _tick(self) -> None:
        if self.player is None:
            return
        beats, loop = self.player.position_beats, self._loop
        emulate = loop is not None and not hasattr(self.player, "set_loop")
        if emulate and self._last_beats < loop[1] <= beats and self.player.is_playing:
            self.player.seek(beats=loop[0])
            beats = loop[0]
        self._last_beats = beats
        self.positionChanged.emit(beats)
