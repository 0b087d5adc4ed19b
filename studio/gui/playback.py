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

from PySide6.QtCore import QObject, QTimer, Signal

from studio.core.errors import StudioError
from studio.core.music import Song

_log = logging.getLogger(__name__)
FRAME_MS = 33


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
        self._started_at = 0.0
        self._song: Song | None = None
        self._loop: tuple[float, float] | None = None  # beats
        self._last_beats = 0.0  # the position at the last frame (the emulated loop)
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

    def levels(self) -> tuple[float, float]:
        """The output's last sample peak (linear) and the limiter's gain reduction (dB), as
        the audio side published them; (0, 0) without a synth player."""
        master = getattr(self.player, "master", None)
        if master is None:
            return 0.0, 0.0
        return master.peak, master.gain_reduction_db

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
