"""Training loop of the passage autoencoder (``studio train autoencoder``), one CPU or torchrun.

Each epoch cuts every training song into windows (at a random offset of 0–3 beats, so windows do
not always start on the same beats) and makes two noisy views of each (``augment``). The loss is

    reconstruction(view 1 → clean) + reconstruction(view 2 → clean) + w · InfoNCE(view 1, view 2)

Reconstruction is binary cross-entropy on the 0/1 channels and the density channel, squared error
on the contour channel. InfoNCE (temperature ``tau``) asks each view to pick its partner among all
windows of the batch. Under ``torchrun --nproc-per-node=N`` every rank trains on its own share of
the songs with DistributedDataParallel; rank 0 writes checkpoints (``checkpoint.pt``, atomic,
loaded with ``weights_only=True``) and the weights (``autoencoder.safetensors``).
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from studio.core.errors import MidiFileError, StudioError
from studio.core.progress import Cancelled, CancelToken, ProgressCallback, no_progress
from studio.similarity.autoencoder import (
    MODEL_VERSION_PREFIX,
    AutoencoderConfig,
    build_model,
    save_weights,
)
from studio.similarity.passages import (
    CONTOUR_CHANNEL,
    LIBRARY_HOP_BEATS,
    MIN_ONSETS,
    NoteArrays,
    note_arrays,
    window_starts,
    windows_at,
)
from studio.training import distributed_rank, open_run, save_atomic, state_digest

WEIGHTS_NAME = "autoencoder.safetensors"
VALID_SHARE = 0.05


@dataclass(frozen=True)
class AutoencoderTrainConfig:
    """Optimisation and augmentation settings (stored in checkpoints)."""

    epochs: int = 30
    batch_size: int = 256
    steps_per_epoch: int = 0  # 0: about one pass over the training windows per epoch
    lr: float = 1e-3
    contrastive_weight: float = 1.0
    temperature: float = 0.1
    drop_note: float = 0.1
    jitter_beats: float = 0.06
    drop_part: float = 0.3
    melody_only: float = 0.35
    octave_part: float = 0.2
    drift: float = 0.1  # largest tempo swell of a view, as a share (a performance's rubato)
    seed: int = 0


@dataclass
class TrainingSongs:
    """Songs as note arrays, split into training and validation by a hash of the file path."""

    train: list[NoteArrays]
    valid: list[NoteArrays]
    skipped: list[tuple[str, str]]


def load_songs(
    paths: Sequence[Path], *, progress: ProgressCallback = no_progress, cancel=None
) -> TrainingSongs:
    """Read MIDI files into note arrays (unreadable files are skipped with the reason)."""
    from studio.core.midi_read import read_midi

    songs = TrainingSongs([], [], [])
    for done, path in enumerate(paths, 1):
        if cancel is not None and cancel.cancelled:
            raise Cancelled("stopped while reading the training files")
        try:
            notes = note_arrays(read_midi(path))
        except (MidiFileError, OSError) as error:
            songs.skipped.append((str(path), str(error)))
            continue
        if len(notes) == 0:
            continue
        digest = hashlib.sha256(Path(path).name.encode()).digest()
        share = int.from_bytes(digest[:4], "big") / 2**32
        (songs.valid if share < VALID_SHARE else songs.train).append(notes)
        if done % 50 == 0 or done == len(paths):
            progress(done, len(paths), "")
    return songs


def augment(
    notes: NoteArrays, rng: np.random.Generator, train: AutoencoderTrainConfig
) -> NoteArrays:
    """A noisy copy: some notes dropped, timing jittered, a part moved an octave or left out
    (or all but the highest part left out), and with ``train.drift`` its tempo swelling and
    easing as a performer's does (``drifted``)."""
    keep = rng.random(len(notes)) >= train.drop_note
    parts = np.unique(notes.part)
    if len(parts) > 1 and rng.random() < train.melody_only:
        # Only the highest part: another arrangement of a tune keeps little but its melody.
        highest = max(parts, key=lambda p: notes.pitch[notes.part == p].mean())
        keep &= notes.part == highest
    elif len(parts) > 1 and rng.random() < train.drop_part:
        dropped = rng.choice(parts, size=rng.integers(1, len(parts)), replace=False)
        keep &= ~np.isin(notes.part, dropped)
    if not keep.any():
        keep[rng.integers(len(notes))] = True
    pitch = notes.pitch[keep].copy()
    part = notes.part[keep]
    if rng.random() < train.octave_part:
        moved = part == rng.choice(np.unique(part))
        shift = 12 if rng.random() < 0.5 else -12
        if (pitch[moved] + shift).min(initial=64) >= 0 and (pitch[moved] + shift).max(
            initial=64
        ) <= 127:
            pitch[moved] += shift
    jitter = rng.normal(0.0, train.jitter_beats, size=(2, len(pitch)))
    start = np.maximum(notes.start[keep] + jitter[0], 0.0)
    end = np.maximum(notes.end[keep] + jitter[1], start + 0.05)
    if train.drift > 0:
        depth = rng.uniform(0.0, train.drift)
        omega = 2 * np.pi / rng.uniform(8.0, 32.0)  # a swell every 8 to 32 beats
        phase = rng.uniform(0.0, 2 * np.pi)
        start, end = (drifted(t, depth, omega, phase) for t in (start, end))
    return NoteArrays(pitch, start, end, part)


def drifted(beats: np.ndarray, depth: float, omega: float, phase: float) -> np.ndarray:
    """Beats moved by a tempo that swells and eases: the integral of a local slowness
    1 + depth·sin(omega·beat + phase), which keeps the order of notes for depth < 1."""
    return beats + depth / omega * (np.cos(phase) - np.cos(omega * beats + phase))


def epoch_windows(
    songs: Sequence[NoteArrays], rng: np.random.Generator, train: AutoencoderTrainConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(clean, view 1, view 2) features of every window of ``songs`` for one epoch."""
    clean, first, second = [], [], []
    for notes in songs:
        offset = float(rng.integers(0, LIBRARY_HOP_BEATS))
        starts = window_starts(float(notes.end.max()), LIBRARY_HOP_BEATS) + offset
        starts = starts[starts < notes.end.max()]
        target = windows_at(notes, starts, min_onsets=0)
        useful = target.features[:, 12:24].sum(axis=(1, 2)) >= MIN_ONSETS
        if not useful.any():
            continue
        clean.append(target.features[useful])
        for views in (first, second):
            views.append(
                windows_at(augment(notes, rng, train), starts, min_onsets=0).features[useful]
            )
    if not clean:
        raise StudioError("the training songs have no windows with notes")
    return np.concatenate(clean), np.concatenate(first), np.concatenate(second)


def reconstruction_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy on the 0/1 and density channels plus squared error on the contour."""
    binary = [c for c in range(target.shape[1]) if c != CONTOUR_CHANNEL]
    bce = F.binary_cross_entropy_with_logits(logits[:, binary], target[:, binary])
    mse = F.mse_loss(logits[:, CONTOUR_CHANNEL], target[:, CONTOUR_CHANNEL])
    return bce + mse


def contrastive_loss(
    z1: torch.Tensor, z2: torch.Tensor, temperature: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric InfoNCE between two views, and the share of views that pick their partner."""
    a, b = F.normalize(z1, dim=1), F.normalize(z2, dim=1)
    logits = a @ b.T / temperature
    labels = torch.arange(len(a), device=a.device)
    loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
    accuracy = (logits.argmax(dim=1) == labels).float().mean()
    return loss, accuracy


@torch.no_grad()
def validate(model, songs: Sequence[NoteArrays], train: AutoencoderTrainConfig) -> dict:
    """Reconstruction loss on clean validation windows and partner accuracy in batches of 256."""
    if not songs:
        return {}
    rng = np.random.default_rng(12345)
    clean, first, second = epoch_windows(songs, rng, train)
    model.eval()
    recon, accuracy, batches = 0.0, 0.0, 0
    for start in range(0, len(clean), 256):
        x = torch.from_numpy(clean[start : start + 256])
        _, logits = model(x)
        recon += reconstruction_loss(logits, x).item()
        z1, _ = model(torch.from_numpy(first[start : start + 256]))
        z2, _ = model(torch.from_numpy(second[start : start + 256]))
        accuracy += contrastive_loss(z1, z2, train.temperature)[1].item()
        batches += 1
    model.train()
    return {
        "reconstruction": round(recon / batches, 4),
        "partner_accuracy": round(accuracy / batches, 4),
        "windows": len(clean),
    }


def train_autoencoder(
    songs: TrainingSongs,
    out_dir: str | os.PathLike,
    *,
    config: AutoencoderConfig | None = None,
    train: AutoencoderTrainConfig | None = None,
    resume: bool = False,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Train on ``songs.train``; checkpoint each epoch in ``out_dir``; export the weights.

    Returns a summary (epochs, seconds, last losses, validation numbers, weights path).
    Cancelling stops after the current step and keeps the last checkpoint.
    """
    config = config or AutoencoderConfig()
    train = train or AutoencoderTrainConfig()
    if not songs.train:
        raise StudioError("no training songs: give a folder with some MIDI files")
    rank, world = distributed_rank()
    checkpoint_path, state = open_run(out_dir, resume)
    out = checkpoint_path.parent
    if state is not None:
        config = AutoencoderConfig(**state["config"])
        train = replace(AutoencoderTrainConfig(**state["train"]), epochs=train.epochs)
    torch.manual_seed(train.seed)  # the same initial weights on every rank
    model = build_model(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=train.lr, weight_decay=1e-4)
    start_epoch = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch = int(state["epoch"])
    trained = DistributedDataParallel(model) if world > 1 else model

    shard = songs.train[rank::world]
    windows_estimate = sum(
        len(window_starts(float(n.end.max()), LIBRARY_HOP_BEATS)) for n in songs.train
    )
    steps_per_epoch = train.steps_per_epoch or max(
        1, math.ceil(windows_estimate / (train.batch_size * world))
    )
    total = steps_per_epoch * train.epochs
    started = time.perf_counter()
    losses: dict = {}
    valid: dict = {}
    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, train.epochs):
        rng = np.random.default_rng([train.seed, rank, epoch])
        clean, first, second = (torch.from_numpy(a) for a in epoch_windows(shard, rng, train))
        for _ in range(steps_per_epoch):
            if cancel is not None and cancel.cancelled:
                break
            rows = torch.from_numpy(rng.choice(len(clean), size=train.batch_size))
            target = clean[rows]
            z, logits = trained(torch.cat([first[rows], second[rows]]))
            z1, z2 = z.chunk(2)
            recon = reconstruction_loss(logits, target.repeat(2, 1, 1))
            nce, accuracy = contrastive_loss(z1, z2, train.temperature)
            loss = recon + train.contrastive_weight * nce
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            losses = {
                "reconstruction": recon.item(),
                "contrastive": nce.item(),
                "partner_accuracy": accuracy.item(),
            }
            if rank == 0 and (step % 10 == 0 or step == total):
                rate = (step - start_epoch * steps_per_epoch) / (time.perf_counter() - started)
                progress(
                    step,
                    total,
                    f"epoch {epoch + 1}/{train.epochs}  recon {losses['reconstruction']:.4f}  "
                    f"nce {losses['contrastive']:.3f}  {rate:.1f} steps/s",
                )
        else:
            if rank == 0:
                save_atomic(
                    {
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "config": config.to_dict(),
                        "train": asdict(train),
                        "epoch": epoch + 1,
                    },
                    checkpoint_path,
                )
            continue
        break  # cancelled

    seconds = time.perf_counter() - started
    weights = out / WEIGHTS_NAME
    if rank == 0:
        valid = validate(model, songs.valid, train)
        metadata = {
            "model_version": f"{MODEL_VERSION_PREFIX}-{state_digest(model)[:12]}",
            "epochs": train.epochs,
            "steps": step,
            "train": asdict(train),
            "validation": valid,
            "training_songs": len(songs.train),
        }
        save_weights(model, weights, metadata)
    if world > 1:
        dist.barrier()
    return {
        "epochs": train.epochs,
        "steps": step,
        "seconds": round(seconds, 1),
        "losses": losses,
        "validation": valid,
        "weights": str(weights),
        "checkpoint": str(checkpoint_path),
        "rank": rank,
        "world_size": world,
        "model_sha256": state_digest(model),
    }
