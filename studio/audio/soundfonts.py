"""Which SoundFont plays: the user's choice, else the best General MIDI set installed.

Order of preference (``best_soundfont``):

1. the SoundFont the user chose (the ``soundfont`` setting or ``--soundfont``), when it is a
   readable SoundFont file; a bad choice falls back with a one-line warning;
2. the best system SoundFont installed, from ``SYSTEM_SOUNDFONTS`` in order: FluidR3_GM
   (Debian ``fluid-soundfont-gm``, which ``scripts/setup.sh`` installs), then MuseScore General
   (``musescore-general-soundfont-small``);
3. ``TimGM6mb.sf2`` (6 MB) that the installed ``pretty_midi`` package ships, so a pip-only
   install still makes sound.

Why FluidR3_GM first (measured on the reference machine, 2 cores, with the synth's reverb and
chorus; ``benchmarks/bench_render.py``): it is a complete GM set (all 128 programs and the drum
kits) with uncompressed 44.1 kHz samples, loads in ~0.2 s and renders a dense piano piece at
~40× real time under load. MuseScore General (FluidR3 reworked by S. Christian Collins) also
plays all 128 programs here, and FluidSynth 2.3 reads its ``.sf3`` format, but it costs too much
for an editor that renders on every edit: its piano sounds 4 voices per note (FluidR3: 2), so
the same piece renders at ~10× real time (4 piano lines: 48× against 100×), and FluidSynth
decodes its Ogg Vorbis samples at load, ~3.5 s (the window opens the player at start-up).
A user who prefers it can choose it as the ``soundfont`` setting.
"""

from __future__ import annotations

import os
from pathlib import Path

from studio.core.errors import StudioError

SYSTEM_SOUNDFONTS = (
    # Debian fluid-soundfont-gm; Arch and Fedora install it in /usr/share/soundfonts
    Path("/usr/share/sounds/sf2/FluidR3_GM.sf2"),
    Path("/usr/share/soundfonts/FluidR3_GM.sf2"),
    # Debian musescore-general-soundfont(-small): an alternatives link to the fullest installed
    Path("/usr/share/sounds/sf3/MuseScore_General.sf3"),
    Path("/usr/share/sounds/sf3/MuseScore_General_Lite.sf3"),
)
"""System General MIDI SoundFonts, best first (real paths, from ``dpkg -L``)."""


class SoundFontError(StudioError):
    """No usable SoundFont, or the synthesizer library is missing."""


def soundfont_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` is not a usable SoundFont file (a few words), or None if it looks like one.

    Reads the 12-byte RIFF header only: ``.sf2`` and ``.sf3`` files both start ``RIFF…sfbk``.
    """
    path = Path(path)
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


def bundled_soundfont() -> Path | None:
    """``TimGM6mb.sf2`` from the installed ``pretty_midi`` package, or None without it."""
    try:
        import pretty_midi
    except ImportError:
        return None
    bundled = Path(pretty_midi.__file__).with_name("TimGM6mb.sf2")
    return bundled if bundled.is_file() else None


def installed_soundfonts() -> list[Path]:
    """The usable General MIDI SoundFonts on this system, best first (the bundled one last)."""
    found = [path for path in SYSTEM_SOUNDFONTS if soundfont_problem(path) is None]
    bundled = bundled_soundfont()
    if bundled is not None:
        found.append(bundled)
    unique: dict[Path, Path] = {}  # the alternatives link and its target are one SoundFont
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values())


def default_soundfont() -> Path:
    """The SoundFont used when the user chose none (or a bad one): the best one installed.

    Raises:
        SoundFontError: no system SoundFont and no ``pretty_midi`` either.
    """
    installed = installed_soundfonts()
    if not installed:
        raise SoundFontError(
            "no SoundFont found: install fluid-soundfont-gm (or pretty_midi), or choose one "
            "with --soundfont"
        )
    return installed[0]


def resolve_soundfont(chosen: str | os.PathLike | None) -> tuple[Path, str | None]:
    """The SoundFont to load for the user's choice ``chosen``, and a warning or None.

    Returns ``chosen`` itself when it is a readable SoundFont file, else ``default_soundfont()``
    with a one-line warning saying why ("SoundFont X not found; using the default Y"). None or
    "" means the default, without a warning.
    """
    if chosen is None or str(chosen) == "":
        return default_soundfont(), None
    chosen = Path(chosen)
    problem = soundfont_problem(chosen)
    if problem is None:
        return chosen, None
    fallback = default_soundfont()
    if problem == "not found":
        return fallback, f"SoundFont {chosen} not found; using the default {fallback}"
    return fallback, f"{chosen} is {problem}; using the default {fallback}"


def best_soundfont(chosen: str | os.PathLike | None = None) -> Path:
    """The SoundFont that plays for the user's setting ``chosen`` (None: no choice).

    ``resolve_soundfont`` without the warning: the user's file if readable, else the best
    installed system SoundFont, else the bundled ``TimGM6mb.sf2``.
    """
    return resolve_soundfont(chosen)[0]
