"""The passage autoencoder: a window of music (``passages.py``) → 32 numbers → the window again.

The encoder reads a window beat by beat, then two beats at a time, then whole, like a small
convolution with stride equal to its width:

    (50 channels × 32 steps) → 8 beats × (50·4) → Linear+ReLU → 8 × 96
    → 4 pairs × (2·96) → Linear+ReLU → 4 × 128 → flatten 512 → Linear+ReLU → 256 → Linear → 32

The decoder mirrors it and predicts every channel of the window. Training (``train.py``)
adds a contrastive term: two noisy views of one window (notes dropped, timing jittered, a voice
moved an octave or left out) must be closer to each other than to any other window in the batch.
The reconstruction term keeps the vector a summary of the music; the contrastive term makes
"similar" robust to the small differences between versions of a piece.

Transposition and tempo need no learning: the input is key-relative and on a beat grid (the
file's, or one read from its notes: ``passages.read_off_grid``).

For inference the encoder also runs in plain numpy (``NumpyEncoder``), so indexing a library and
searching it never import torch.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from studio.similarity.passages import N_CHANNELS, STEPS_PER_BEAT, WINDOW_BEATS

MODEL_VERSION_PREFIX = "passage-ae"


@dataclass(frozen=True)
class AutoencoderConfig:
    """Layer sizes (stored with the weights)."""

    channels: int = N_CHANNELS
    beats: int = WINDOW_BEATS
    steps_per_beat: int = STEPS_PER_BEAT
    beat_hidden: int = 96
    pair_hidden: int = 128
    hidden: int = 256
    latent: int = 32

    def to_dict(self) -> dict:
        """The config as a JSON-ready dict."""
        return asdict(self)


def beat_patches(x, config: AutoencoderConfig):
    """(B, C, T) → (B, beats, C·steps_per_beat): the notes of each beat side by side.

    Works on numpy arrays and torch tensors alike (the same reshape in both).
    """
    batch = x.shape[0]
    x = x.reshape(batch, config.channels, config.beats, config.steps_per_beat)
    x = x.transpose(1, 2) if hasattr(x, "detach") else x.transpose(0, 2, 1, 3)
    return x.reshape(batch, config.beats, config.channels * config.steps_per_beat)


def build_model(config: AutoencoderConfig | None = None):
    """The torch autoencoder (imports torch)."""
    import torch
    from torch import nn

    config = config or AutoencoderConfig()

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.beat = nn.Linear(config.channels * config.steps_per_beat, config.beat_hidden)
            self.pair = nn.Linear(2 * config.beat_hidden, config.pair_hidden)
            self.whole = nn.Linear(config.beats // 2 * config.pair_hidden, config.hidden)
            self.out = nn.Linear(config.hidden, config.latent)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            batch = x.shape[0]
            h = torch.relu(self.beat(beat_patches(x, config)))
            h = torch.relu(self.pair(h.reshape(batch, config.beats // 2, -1)))
            h = torch.relu(self.whole(h.reshape(batch, -1)))
            return self.out(h)

    class Decoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inp = nn.Linear(config.latent, config.hidden)
            self.whole = nn.Linear(config.hidden, config.beats // 2 * config.pair_hidden)
            self.pair = nn.Linear(config.pair_hidden, 2 * config.beat_hidden)
            self.beat = nn.Linear(config.beat_hidden, config.channels * config.steps_per_beat)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            batch = z.shape[0]
            h = torch.relu(self.inp(z))
            h = torch.relu(self.whole(h)).reshape(batch, config.beats // 2, config.pair_hidden)
            h = torch.relu(self.pair(h)).reshape(batch, config.beats, config.beat_hidden)
            x = self.beat(h).reshape(batch, config.beats, config.channels, config.steps_per_beat)
            return x.transpose(1, 2).reshape(batch, config.channels, -1)

    class Autoencoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.config = config
            self.encoder = Encoder()
            self.decoder = Decoder()

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            z = self.encoder(x)
            return z, self.decoder(z)

    return Autoencoder()


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0, out=x)


class NumpyEncoder:
    """The trained encoder in numpy: windows → L2-normalised latent vectors."""

    def __init__(self, weights: dict[str, np.ndarray], config: AutoencoderConfig) -> None:
        self.config = config
        self._layers = [
            (weights[f"encoder.{name}.weight"].T.copy(), weights[f"encoder.{name}.bias"])
            for name in ("beat", "pair", "whole", "out")
        ]

    def encode(self, features: np.ndarray, *, batch: int = 4096) -> np.ndarray:
        """(n, C, T) window features → (n, latent) float32, each row of length 1."""
        config = self.config
        out = np.zeros((len(features), config.latent), dtype=np.float32)
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = self._layers
        for first in range(0, len(features), batch):
            x = np.asarray(features[first : first + batch], dtype=np.float32)
            n = len(x)
            h = _relu(beat_patches(x, config) @ w1 + b1)
            h = _relu(h.reshape(n, config.beats // 2, -1) @ w2 + b2)
            h = _relu(h.reshape(n, -1) @ w3 + b3)
            out[first : first + n] = h @ w4 + b4
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def save_weights(model, path: str | os.PathLike, metadata: dict) -> None:
    """Write the autoencoder (encoder and decoder) as safetensors, atomically, and record it in
    its folder's manifest (``studio.core.model_files``)."""
    from safetensors.torch import save

    from studio.core.fileio import atomic_write_bytes
    from studio.core.model_files import record_model_file

    info = {"config": json.dumps(model.config.to_dict())}
    info.update({key: json.dumps(value) for key, value in metadata.items()})
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    atomic_write_bytes(Path(path), save(state, metadata=info))
    record_model_file(path)  # in the folder's MANIFEST.sha256: checked when it loads


def load_numpy_encoder(path: str | os.PathLike) -> tuple[NumpyEncoder, dict]:
    """The encoder from a safetensors file (no torch), and the file's metadata."""
    from safetensors import safe_open
    from safetensors.numpy import load_file

    with safe_open(str(path), framework="numpy") as file:
        raw = file.metadata() or {}
    metadata = {key: json.loads(value) for key, value in raw.items()}
    config = AutoencoderConfig(**metadata.get("config", {}))
    weights = load_file(str(path))
    return NumpyEncoder(weights, config), metadata
