"""Where the files that ship with Motif Studio are: the trained models and the demo library.

They live in ``resources/`` at the top of the repository, which installs as the package
``studio.resources`` (``pyproject.toml``), so an editable install and a wheel find them the same
way, through ``importlib.resources``. Every path to a shipped file is built here.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

RESOURCES = Path(str(files("studio.resources")))
"""The installed resources folder (a real folder: Motif Studio is not run from a zip)."""
MODELS = RESOURCES / "models"
GAN_WEIGHTS = MODELS / "gan.safetensors"
"""The shipped melody generator (model card: ``resources/models/README.md``)."""
AUTOENCODER_WEIGHTS = MODELS / "autoencoder.safetensors"
"""The shipped passage autoencoder (model card: ``resources/models/AUTOENCODER.md``)."""
DEMO_LIBRARY = RESOURCES / "demo"
"""Public-domain pieces that ship with the app (written by scripts/make_demo_library.py)."""

APP_ID = "io.github.motifstudio.MotifStudio"
"""The reverse-DNS application id: the desktop entry's, the icons' and the metainfo's name."""
ICONS = RESOURCES / "icons" / "hicolor"
"""The application icon as a freedesktop hicolor tree (``NxN/apps`` PNGs, ``scalable/apps`` SVG;
drawn in packaging/icons/ and rendered by packaging/make_icons.py)."""
DESKTOP = RESOURCES / "desktop"
"""The desktop entry and the AppStream metainfo (``studio install-desktop`` installs them)."""


def icon_files() -> list[Path]:
    """Every file of the application icon, PNG sizes and the SVG."""
    return sorted(path for path in ICONS.glob("*/apps/*") if path.stem == APP_ID)
