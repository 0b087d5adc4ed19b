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

Default SoundFont: a better General MIDI SoundFont when the system has one (Debian
``fluid-soundfont-gm``), else ``TimGM6mb.sf2`` that the installed ``pretty_midi`` package ships,
so sound works with no set-up.

A ``Synth`` is not thread-safe: one thread drives it (the offline renderer, or the player's render
thread). Times in this module are in **samples** (frames) at ``Synth.sample_rate``.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
from pathlib import Path

import numpy as np

from studio.core.errors import StudioError

DEFAULT_SAMPLE_RATE = 44100
DRUM_CHANNEL = 9
DRUM_BANK = 128
SYSTEM_SOUNDFONTS = (
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
)
_CHANNELS = 16
_LOG_LEVELS_TO_SILENCE = (1, 2, 3, 4)  # FluidSynth's error, warning, info and debug messages
_library_ready = False  # the ctypes prototypes below are set up once per process


class SoundFontError(StudioError):
    """No usable SoundFont, or the synthesizer library is missing."""


def default_soundfont() -> Path:
    """The SoundFont used when the user chose none (or a bad one).

    A system General MIDI SoundFont (``fluid-soundfont-gm``) when installed, else ``TimGM6mb.sf2``
    from the installed ``pretty_midi`` package. Raises ``SoundFontError`` if neither exists.
    """
    for path in SYSTEM_SOUNDFONTS:
        if path.is_file():
            return path
    try:
        import pretty_midi
    except ImportError:
        pretty_midi = None
    if pretty_midi is not None:
        bundled = Path(pretty_midi.__file__).with_name("TimGM6mb.sf2")
        if bundled.is_file():
            return bundled
    raise SoundFontError(
        "no SoundFont found: install fluid-soundfont-gm or pretty_midi, or pass --soundfont"
    )


def _soundfont_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable SoundFont file, or None if it looks like one."""
    if not path.exists():
        return "not found"
    if not path.is_file():
        return "not a file"
    try:
        with path.open("rb") as file:
            header = file.read(12)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        return "not a SoundFont (no RIFF 'sfbk' header)"
    return None


def resolve_soundfont(path: str | os.PathLike | None) -> tuple[Path, str | None]:
    """The SoundFont to load for the user's choice ``path``, and a warning or None.

    Returns ``path`` itself when it is an existing RIFF ``sfbk`` file, else the default SoundFont
    with a one-line warning saying why ("SoundFont X not found; using the default Y"). ``None``
    means the default, without a warning.
    """
    if path is None or str(path) == "":
        return default_soundfont(), None
    chosen = Path(path)
    problem = _soundfont_problem(chosen)
    if problem is None:
        return chosen, None
    fallback = default_soundfont()
    if problem == "not found":
        return fallback, f"SoundFont {chosen} not found; using the default {fallback}"
    return fallback, f"{chosen} is {problem}; using the default {fallback}"


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
    """

    def __init__(
        self,
        soundfont: str | os.PathLike | None = None,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        gain: float = 0.4,
    ) -> None:
        fluidsynth = _load_fluidsynth()
        self._lib = fluidsynth._fl
        self.sample_rate = int(sample_rate)
        self.soundfont, self.warning = resolve_soundfont(soundfont)
        self._fs = fluidsynth.Synth(gain=float(gain), samplerate=float(self.sample_rate))
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
