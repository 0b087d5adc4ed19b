"""What the two training loops share: the run folder and its checkpoint, atomic saves, the
weights digest, and the process group under torchrun (``studio train gan|autoencoder``)."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

import torch
import torch.distributed as dist

from studio.core.errors import ModelFileError

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
    when one exists. It is loaded with ``weights_only=True``: tensors, numbers, strings and
    containers only, never code, so a checkpoint holding anything else (a pickle that would run
    a command) is refused with a ``ModelFileError``, as is a damaged one."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    checkpoint_path = out / CHECKPOINT_NAME
    if resume and checkpoint_path.exists():
        return checkpoint_path, load_checkpoint(checkpoint_path)
    return checkpoint_path, None


def load_checkpoint(path: Path) -> dict:
    """A checkpoint written by ``save_atomic``, loaded with ``weights_only=True`` (see
    ``open_run``); ``ModelFileError`` in one sentence when it cannot be."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:  # what weights_only refuses: objects and code, not weights
        raise ModelFileError(
            f"{path} holds more than weights (objects or code that loading would run), so it is "
            "refused; delete it, or train without --resume"
        ) from None
    except Exception as error:  # a truncated or foreign file: torch raises many kinds
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ModelFileError(
            f"{path} is not a checkpoint Motif Studio can resume from ({reason}); delete it, or "
            "train without --resume"
        ) from None
    if not isinstance(state, dict):
        raise ModelFileError(f"{path} is not a checkpoint of `studio train`; delete it, or "
                             "train without --resume")  # fmt: skip
    return state


def distributed_rank() -> tuple[int, int]:
    """(rank, world size); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), world) if world > 1 else (0, 1)
