"""What the two training loops share: the run folder and its checkpoint, atomic saves, the
weights digest, and the process group under torchrun (``studio train gan|autoencoder``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import torch
import torch.distributed as dist

CHECKPOINT_NAME = "checkpoint.pt"


def save_atomic(obj: dict, path: Path) -> None:
    """``torch.save`` to a temporary file, then rename: a crash never leaves half a checkpoint."""
    temporary = path.with_name(path.name + ".tmp")
    torch.save(obj, temporary)
    os.replace(temporary, path)


def state_digest(module: torch.nn.Module) -> str:
    """SHA-256 of a module's weights (ranks of a distributed run must agree on it)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def open_run(out_dir: str | os.PathLike, resume: bool) -> tuple[Path, dict | None]:
    """Create the run folder; returns the checkpoint path and, with ``resume``, the checkpoint
    (loaded with ``weights_only=True``) when one exists."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = out / CHECKPOINT_NAME
    if resume and checkpoint_path.exists():
        return checkpoint_path, torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    return checkpoint_path, None


def distributed_rank() -> tuple[int, int]:
    """(rank, world size); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)
