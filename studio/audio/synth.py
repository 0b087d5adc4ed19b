"""SoundFont synthesis: FluidSynth behind a small interface.

Why FluidSynth: it is the standard open-source SoundFont (SF2) engine, packaged everywhere (Debian
``libfluidsynth3``, used through the ``pyfluidsynth`` wheel), plays any General MIDI SoundFont
faithfully (programs, drum kits on bank 128, velocity layers, sustain pedal, pitch bend, reverb and
chorus), and is fast: a 60 s, 4-voice song renders into numpy buffers at 200–280× real time on
the reference machine (``benchmarks/bench_render.py``). ``tinysoundfont`` was the alternative;
its wheel needs ``--no-deps`` to install and it has no reverb or chorus.

The rest of Motif Studio only sees ``Synth``: a few MIDI-like calls (``note_on``, ``control_change``
…) and ``render(frames)``, which returns float32 stereo samples. Another engine can replace
FluidSynth by implementing the same methods.

Default SoundFont: the user's choice, else the best General MIDI SoundFont installed (MuseScore
General, FluidR3_GM), else ``TimGM6mb.sf2`` that the installed ``pretty_midi`` package ships, so
sound works with no set-up (``studio.audio.soundfonts``).

Sound: FluidSynth's reverb (a small room) and chorus are on at gentle levels (``reverb`` and
``chorus`` arguments, the settings of the same names); 256 voices and 7th-order interpolation
(see ``POLYPHONY`` and ``INTERPOLATION`` for the measurements behind them).

A ``Synth`` is not thread-safe: one thread drives it (the offline renderer, or the player's render
thread). Times in this module are in **samples** (frames) at ``Synth.sample_rate``.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os

import numpy as np

from studio.audio.soundfonts import (
    SYSTEM_SOUNDFONTS,
    SoundFontError,
    best_soundfont,
    default_soundfont,
    resolve_soundfont,
)

__all__ = [
    "DEFAULT_SAMPLE_RATE", "SYSTEM_SOUNDFONTS", "SoundFontError", "Synth", "best_soundfont",
    "default_soundfont", "resolve_soundfont",
]  # fmt: skip

DEFAULT_SAMPLE_RATE = 44100
DRUM_CHANNEL = 9
DRUM_BANK = 128
DEFAULT_REVERB = 0.3
"""Reverb level (0–1) when none is given: the ``reverb`` setting's default."""
DEFAULT_CHORUS = True
"""Chorus on or off when not given: the ``chorus`` setting's default."""
REVERB_ROOM = {"synth.reverb.room-size": 0.4, "synth.reverb.damp": 0.3, "synth.reverb.width": 0.8}
"""A small, slightly damped room (FluidSynth's default is a smaller, brighter one at level 0.9)."""
CHORUS = {"synth.chorus.nr": 3, "synth.chorus.level": 1.2, "synth.chorus.speed": 0.3,
          "synth.chorus.depth": 4.0}  # fmt: skip
"""A subtle chorus: FluidSynth's 3 voices at 0.3 Hz, at half its default depth and level. It acts
only on instruments whose SoundFont or song (CC 93) sends to it."""
POLYPHONY = 256
"""Voices at once (FluidSynth's default). A FluidR3_GM piano note takes 2 voices; a dense pedalled
piano piece (``benchmarks/bench_render.py``) peaks at ~100, so 256 never cuts a note there. Only
sounding voices cost time; when they overflow, FluidSynth ends the quietest old ones first."""
INTERPOLATION = 7
"""FluidSynth's sample interpolation: 7th order (its best; default 4th). Measured on the
reference machine it renders as fast as 4th order or linear (the voices' envelopes, filters and
mixing dominate), and it aliases less when a sample is played far from its root pitch."""
OFFLINE_THREADS = max(1, min(4, os.cpu_count() or 1))
"""Threads an offline synth renders its voices on (FluidSynth's ``synth.cpu-cores``). On the
two-core reference machine two threads render a 60 s four-line piano song 1.5× faster (104× →
151× real time); a live player's synth keeps one, so a render never competes with the audio
callback for the cores."""
_CHANNELS = 16
_LOG_LEVELS_TO_SILENCE = (1, 2, 3, 4)  # FluidSynth's error, warning, info and debug messages
_library_ready = False  # the ctypes prototypes below are set up once per process


def _load_fluidsynth():
    """Import pyfluidsynth, turning a missing shared library into a clear ``SoundFontError``."""
    try:
        # pyfluidsynth prints where it found the library when the CI variable is set; stdout
        # belongs to the commands (--json), so keep it quiet.
        with contextlib.redirect_stdout(io.StringIO()):
            import fluidsynth
    except ImportError as error:  # pyfluidsynth raises ImportError when libfluidsynth is absent
        raise SoundFontError(
            f"the FluidSynth synthesizer is not available ({error}); install libfluidsynth3"
        ) from None
    global _library_ready
    library = fluidsynth._fl
    if not _library_ready:
        write = library.fluid_synth_write_float
        write.argtypes = [ctypes.c_void_p, ctypes.c_int]
        write.argtypes += [ctypes.c_void_p, ctypes.c_int, ctypes.c_int] * 2
        write.restype = ctypes.c_int
        # FluidSynth logs to stderr; our callers turn failures into messages of their own.
        library.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
        for level in _LOG_LEVELS_TO_SILENCE:
            library.fluid_set_log_function(level, None, None)
        library.fluid_synth_system_reset.argtypes = [ctypes.c_void_p]
        interp = library.fluid_synth_set_interp_method
        interp.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
        _library_ready = True
    return fluidsynth


class Synth:
    """A SoundFont synthesizer with 16 MIDI channels, rendering float32 stereo.

    Channel 9 (MIDI channel 10) plays drums, as in General MIDI; ``set_drums`` makes any channel a
    drum channel. Not thread-safe: one thread at a time calls its methods.

    Attributes:
        sample_rate: output rate in samples per second.
        soundfont: the SoundFont file actually loaded.
        warning: why the requested SoundFont was not used, or None.
        reverb: the reverb level, 0–1 (0: off).
        chorus: whether the chorus is on.
    """

    def __init__(
        self,
        soundfont: str | os.PathLike | None = None,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        gain: float = 0.4,
        *,
        reverb: float = DEFAULT_REVERB,
        chorus: bool = DEFAULT_CHORUS,
        offline: bool = False,
    ) -> None:
        """Load ``soundfont`` (None: the best installed, ``best_soundfont``) into a new synth.

        Args:
            soundfont: a SoundFont file (``.sf2`` or ``.sf3``); a missing or bad one falls back
                to the default and ``warning`` says why.
            sample_rate: samples per second.
            gain: FluidSynth's master gain (0.4 leaves headroom for a few loud notes).
            reverb: reverb level, 0–1 (0 switches the reverb off).
            chorus: whether the chorus is on.
            offline: set up for rendering a file rather than live play: voices render on
                ``OFFLINE_THREADS`` threads, and only the samples of the instruments a song
                selects are read from the SoundFont (FluidSynth's dynamic sample loading:
                creating a FluidR3_GM synth takes ~40 ms instead of ~120–230 ms). A live synth
                loads every sample up front, so a program change never reads the disk while
                the audio plays.

        Raises:
            SoundFontError: FluidSynth is missing, or no SoundFont can be loaded.
        """
        if not 0.0 <= reverb <= 1.0:
            raise ValueError(f"reverb must be 0–1, not {reverb}")
        fluidsynth = _load_fluidsynth()
        self._lib = fluidsynth._fl
        self.sample_rate = int(sample_rate)
        self.reverb = float(reverb)
        self.chorus = bool(chorus)
        self.offline = bool(offline)
        self.soundfont, self.warning = resolve_soundfont(soundfont)
        self._fs = fluidsynth.Synth(
            gain=float(gain), samplerate=float(self.sample_rate), **self._settings()
        )
        self._lib.fluid_synth_set_interp_method(self._fs.synth, -1, INTERPOLATION)
        self._sfid = self._fs.sfload(str(self.soundfont))
        if self._sfid < 0 and soundfont is not None:
            fallback = default_soundfont()
            self.warning = f"{self.soundfont} cannot be loaded; using the default {fallback}"
            self.soundfont = fallback
            self._sfid = self._fs.sfload(str(fallback))
        if self._sfid < 0:
            self._fs.delete()
            self._fs = None
            raise SoundFontError(f"the SoundFont {self.soundfont} cannot be loaded")
        self._banks = [0] * _CHANNELS
        self.reset()

    def _settings(self) -> dict[str, object]:
        """FluidSynth settings for this synth's voices and effects (ints for its int settings)."""
        settings: dict[str, object] = {"synth.polyphony": POLYPHONY}
        if self.offline:
            settings["synth.cpu-cores"] = OFFLINE_THREADS
            settings["synth.dynamic-sample-loading"] = 1
        settings["synth.reverb.active"] = int(self.reverb > 0)
        if self.reverb > 0:
            settings.update(REVERB_ROOM)
            settings["synth.reverb.level"] = self.reverb
        settings["synth.chorus.active"] = int(self.chorus)
        if self.chorus:
            settings.update(CHORUS)
        return settings

    def reset(self) -> None:
        """Silence everything and return all channels to their defaults (piano; drums on 9)."""
        self._lib.fluid_synth_system_reset(self._fs.synth)
        for channel in range(_CHANNELS):
            self._banks[channel] = 0
            self._select(channel, 0)
        self.set_drums(DRUM_CHANNEL)

    def _select(self, channel: int, program: int) -> None:
        bank = self._banks[channel]
        if self._fs.program_select(channel, self._sfid, bank, program) < 0:
            # The SoundFont lacks this preset: play its first one in the bank rather than nothing.
            self._fs.program_select(channel, self._sfid, bank, 0)

    def program_change(self, channel: int, program: int) -> None:
        """Play General MIDI ``program`` (0–127) on ``channel`` (a drum kit on a drum channel)."""
        self._select(channel, program)

    def set_drums(self, channel: int) -> None:
        """Make ``channel`` a drum channel (SoundFont bank 128, standard kit)."""
        self._banks[channel] = DRUM_BANK
        self._select(channel, 0)

    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        """Start note ``pitch`` (0–127) with ``velocity`` (1–127; 0 releases it)."""
        self._fs.noteon(channel, pitch, velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        """Release note ``pitch`` on ``channel`` (it keeps sounding while the pedal is down)."""
        self._fs.noteoff(channel, pitch)

    def control_change(self, channel: int, number: int, value: int) -> None:
        """Send controller ``number`` (e.g. 64 = sustain pedal, 7 = volume) with ``value``."""
        self._fs.cc(channel, number, value)

    def pitch_bend(self, channel: int, value: int) -> None:
        """Bend ``channel`` by ``value`` in −8192…8191 (0 = centre).

        The full range is ±2 semitones unless the song sets another bend range (RPN 0).
        """
        self._fs.pitch_bend(channel, max(-8192, min(8191, int(value))))

    def all_notes_off(self) -> None:
        """Release every note on every channel (sounds fade out naturally)."""
        for channel in range(_CHANNELS):
            self._fs.all_notes_off(channel)

    def render(self, frames: int) -> np.ndarray:
        """The next ``frames`` samples: an array of shape (frames, 2), float32 in [−1, 1]."""
        out = np.empty((frames, 2), dtype=np.float32)
        self.render_into(out)
        return out

    def render_into(self, out: np.ndarray) -> None:
        """Render ``len(out)`` samples into ``out``, a C-contiguous float32 (n, 2) array.

        Makes no new array, so a render thread can refill a buffer it owns.
        """
        if out.dtype != np.float32 or out.ndim != 2 or out.shape[1] != 2:
            raise ValueError("out must be a float32 array of shape (frames, 2)")
        if not out.flags.c_contiguous:
            raise ValueError("out must be C-contiguous")
        if len(out):
            pointer = out.ctypes.data
            self._lib.fluid_synth_write_float(
                self._fs.synth, len(out), pointer, 0, 2, pointer, 1, 2
            )
            np.clip(out, -1.0, 1.0, out=out)

    def close(self) -> None:
        """Free the synthesizer; the object cannot be used afterwards. Safe to call twice."""
        if self._fs is not None:
            self._fs.delete()
            self._fs = None

    def __enter__(self) -> Synth:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __del__(self) -> None:
        # A forgotten synth is freed by the garbage collector (quietly, even at interpreter exit).
        with contextlib.suppress(Exception):
            if getattr(self, "_fs", None) is not None:
                self.close()
