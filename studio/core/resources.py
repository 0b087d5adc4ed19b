"""Where the files that ship with Motif Studio are: the trained models and the demo library.

Every path to a shipped file is built here, so moving them (into the package, say) is one edit.
"""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
MODELS = RESOURCES / "models"
GAN_WEIGHTS = MODELS / "gan.safetensors"
"""The shipped melody generator (model card: ``resources/models/README.md``)."""
AUTOENCODER_WEIGHTS = MODELS / "autoencoder.safetensors"
"""The shipped passage autoencoder (model card: ``resources/models/AUTOENCODER.md``)."""
DEMO_LIBRARY = RESOURCES / "demo"
"""Public-domain pieces that ship with the app (written by scripts/make_demo_library.py)."""
