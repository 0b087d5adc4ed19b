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
