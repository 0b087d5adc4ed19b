"""Training loop of the melody GAN (``studio train gan``), on one CPU/GPU or under torchrun.

Each step samples bars of the training split with their previous bar, trains the discriminator
with the hinge loss on real and generated bars, then the generator to fool it, plus two small
terms: one keeps the number of onsets near the requested density (so the density condition is
obeyed), one matches how often each step of the bar starts a note over the batch to the real
bars' (feature matching on rhythm, Salimans et al. 2016, against dropped off-beat figures).
The exported generator is an exponential moving average of the trained one's weights (Yazıcı et
al. 2019, "The unusual effectiveness of averaging in GAN training"): adversarial training makes
the weights circle around a good point, and their average sits nearer to it.

Under ``torchrun --nproc-per-node=N`` the same command trains with DistributedDataParallel (gloo
on CPU, nccl on GPU): every rank draws its own batches, gradients are averaged, and the weights
stay identical on all ranks; rank 0 alone writes checkpoints and reports progress.

Checkpoints (``checkpoint.pt``, one per epoch, written atomically) hold
``{"model": {...state dicts, the average's as "average_generator"}, "optimizers": {...},
"config": {...}, "train": {...}, "epoch": n}`` and are loaded with ``weights_only=True``.
The finished generator (the average) is exported to ``gan.safetensors`` with its config in the
metadata.
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from studio.core.errors import StudioError
from studio.core.model_files import record_model_file
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.generation.data import METERS, SPEC, MelodyDataset
from studio.generation.gan import (
    Discriminator,
    Generator,
    bar_tensor,
    generate_bar_for_discriminator,
    make_conditions,
    step_mask,
)
from studio.generation.network import PHRASE_BARS, GanConfig
from studio.training import (
    distributed_rank,
    open_run,
    save_atomic,
    state_digest,
)

WEIGHTS_NAME = "gan.safetensors"


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (stored in checkpoints)."""

    epochs: int = 20
    batch_size: int = 256
    steps_per_epoch: int = 0  # 0: one pass over the training bars per epoch
    generator_lr: float = 1e-4
    discriminator_lr: float = 4e-4  # two time-scale update rule (Heusel et al. 2017)
    density_weight: float = 2.0
    marginal_weight: float = 10.0  # onset rate per step over a batch, generated vs real
    octave_shift_probability: float = 0.3
    seed: int = 0
    snapshot_every: int = 0  # also export the generator every N epochs (0: never)
    average_decay: float = 0.999  # the exported generator's weight average (0: the last weights)


@dataclass
class Batch:
    """Tensors of one training batch (see ``sample_batch``)."""

    previous_bar: torch.Tensor
    previous_last: torch.Tensor
    bar: torch.Tensor
    conditions: torch.Tensor
    density: torch.Tensor
    mask: torch.Tensor


def _shift_octaves(pitch: np.ndarray, previous: np.ndarray, rng, probability: float) -> None:
    """Move some bars (with their previous bar) an octave up or down where both still fit."""
    rest = SPEC.rest_index
    for row in np.flatnonzero(rng.random(len(pitch)) < probability):
        shift = int(rng.choice([-12, 12]))
        both = np.concatenate([pitch[row], previous[row]])
        notes = both[both != rest]
        if notes.size and notes.min() + shift >= 0 and notes.max() + shift < rest:
            for bars in (pitch, previous):
                bars[row] = np.where(bars[row] == rest, rest, bars[row] + shift)


def sample_batch(
    data: MelodyDataset,
    rows: np.ndarray,
    rng: np.random.Generator,
    octave_probability: float,
    n_meters: int = len(METERS),
    asked_density: float | None = None,
) -> Batch:
    """Bars ``rows`` of ``data`` with their previous bars and conditions, as tensors
    (``n_meters`` as ``GanConfig.meters``: 0 leaves the meter out of the conditions).
    ``asked_density``: the density condition of every bar instead of its own (``density``
    stays the bars' own)."""
    n_classes = SPEC.rest_index + 1
    has_previous = data.bar[rows] > 0
    previous_rows = np.where(has_previous, rows - 1, rows)
    pitch = data.pitch[rows].astype(np.int64)
    previous = np.where(has_previous[:, None], data.pitch[previous_rows], SPEC.rest_index)
    previous = previous.astype(np.int64)
    previous_onset = data.onset[previous_rows] & has_previous[:, None]
    if octave_probability > 0:
        _shift_octaves(pitch, previous, rng, octave_probability)
    onset = torch.from_numpy(data.onset[rows].astype(np.float32))
    steps = torch.from_numpy(data.steps_of_rows(rows).astype(np.int64))
    density = onset.sum(dim=1) / steps  # padding steps never have an onset
    conditions = make_conditions(
        torch.from_numpy(data.chord_tones[rows]),
        torch.from_numpy(data.chord_root[rows].astype(np.int64)),
        torch.from_numpy(data.mode[rows].astype(np.int64)),
        density if asked_density is None else torch.full_like(density, asked_density),
        torch.from_numpy((data.bar[rows] % PHRASE_BARS).astype(np.int64)),
        torch.from_numpy(has_previous.astype(np.float32)),
        torch.from_numpy(data.meter_of_rows(rows).astype(np.int64)),
        n_meters,
    )
    previous_onehot = F.one_hot(torch.from_numpy(previous), n_classes).float()
    return Batch(
        previous_bar=bar_tensor(
            previous_onehot, torch.from_numpy(previous_onset.astype(np.float32))
        ),
        previous_last=previous_onehot[:, -1],
        bar=bar_tensor(F.one_hot(torch.from_numpy(pitch), n_classes).float(), onset),
        conditions=conditions,
        density=density,
        mask=step_mask(steps),
    )


RESPONSE_DENSITIES = (0.1, 0.5, 1.0)
"""The density conditions ``density_response`` asks for: the ends and the middle of the range
the density map (``calibration.DENSITY_GRID``) turns a user's density into."""
LOOSE_RESPONSE = 0.3
"""A network whose onsets a step rise less than this from the sparsest condition to the
densest follows ``--density`` too loosely for the density map to mend: measured over real
contexts of the validation split, the network shipped since 2026-12-01 rises 0.57–0.67 per
meter, the one before it 0.47–0.70; a run from scratch with rhythm feature matching from the
first step (the shipped one's first 50 epochs) 0.02–0.04 at epochs 5–25 and 0.11–0.25 at
epoch 50, whose ideas asked for 0.2 and 0.8 came out alike (4/4: 0.37 and 0.58 onsets a
step)."""


@torch.no_grad()
def density_response(
    generator: Generator,
    data: MelodyDataset,
    *,
    split: str = "valid",
    bars: int = 256,
    seed: int = 0,
    densities: tuple[float, ...] = RESPONSE_DENSITIES,
) -> dict[str, list[float]]:
    """How closely ``generator`` writes the density it is asked for, per meter: the onsets a
    step it expects (the mean of its onset probabilities) over ``bars`` real contexts of
    ``split`` (bar, previous bar, chords of that meter's tunes) when every bar's density
    condition is each of ``densities`` in turn. A network that ignores its density condition
    passes validation (the defaults ask for the densities it writes anyway) and fails users
    who move the density slider; this shows it before calibration. Meters without bars in
    ``split`` (nor in "train") are left out."""
    device = next(generator.parameters()).device
    meters = generator.config.meters
    response = {}
    for index, name in enumerate(METERS):
        rows = next((r for s in (split, "train") if len(r := _rows_of_meter(data, s, index))), None)
        if rows is None:
            continue
        picked = np.random.default_rng(seed).choice(rows, size=bars)
        written = []
        for asked in densities:
            batch = sample_batch(data, picked, np.random.default_rng(seed), 0.0, meters, asked)
            batch = Batch(*(t.to(device) for t in vars(batch).values()))
            noise = torch.randn(
                bars, generator.config.noise_dim, device=device,
                generator=torch.Generator(device).manual_seed(seed),
            )  # fmt: skip
            _, probability = generate_bar_for_discriminator(
                generator, noise, batch.conditions, batch.previous_bar, batch.previous_last,
                batch.mask,
            )  # fmt: skip
            written.append(round(float((probability.sum(1) / batch.mask.sum(1)).mean()), 3))
        response[name] = written
    return response


def _rows_of_meter(data: MelodyDataset, split: str, meter: int) -> np.ndarray:
    rows = data.bars_in(split)
    return rows[data.meter_of_rows(rows) == meter]


def describe_density_response(response: dict[str, list[float]], epochs: int | None = None) -> str:
    """``density_response`` in a line, with advice when the network follows it loosely
    (``epochs``: the run's, to say where to resume to)."""
    asked = " / ".join(f"{d:g}" for d in RESPONSE_DENSITIES)
    meters = "  ".join(
        f"{name} {' / '.join(f'{v:.2f}' for v in values)}" for name, values in response.items()
    )
    line = f"density condition {asked} → onsets a step written: {meters}"
    loose = [name for name, values in response.items() if values[-1] - values[0] < LOOSE_RESPONSE]
    if loose:
        line += (
            f"\nit follows the density loosely in {', '.join(loose)}: go on for about 8 epochs "
            f"with it weighed more (--resume --epochs {epochs + 8 if epochs else 'N'} "
            "--density-weight 30)"
        )
    return line


def average_weights(average: Generator, generator: Generator, decay: float, step: int) -> None:
    """Move ``average``'s weights towards ``generator``'s by ``1 - decay`` (less averaging in
    the first steps, when the weights move fast: TensorFlow's warm-up, ``(1 + n) / (10 + n)``)."""
    rate = 1.0 - min(decay, (1.0 + step) / (10.0 + step))
    with torch.no_grad():
        for mean, weight in zip(average.parameters(), generator.parameters(), strict=True):
            mean.lerp_(weight, rate)


def export_generator(generator: Generator, path: str | os.PathLike, metadata: dict) -> None:
    """Write the generator's weights as safetensors, with its config and ``metadata``, and
    record them in their folder's manifest (``studio.core.model_files``)."""
    from safetensors.torch import save_file

    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    info = {"config": json.dumps(generator.config.to_dict())}
    info.update({key: json.dumps(value) for key, value in metadata.items()})
    state = {k: v.detach().contiguous().cpu() for k, v in generator.state_dict().items()}
    save_file(state, str(temporary), metadata=info)
    os.replace(temporary, target)
    record_model_file(target)  # in the folder's MANIFEST.sha256: checked when it loads


def train_gan(
    data: MelodyDataset,
    out_dir: str | os.PathLike,
    *,
    config: GanConfig | None = None,
    train: TrainConfig | None = None,
    resume: bool = False,
    density_weight: float | None = None,
    device: str | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """Train the GAN on ``data``'s training split; checkpoint each epoch into ``out_dir``.

    Returns a summary (epochs, steps, seconds, final losses, weights path). With ``resume`` the
    run continues from ``out_dir/checkpoint.pt`` (its model config and training settings win
    over ``config`` and ``train``, but for the epochs). ``density_weight``, when given, weighs
    the density term, a resumed run's too: a network that follows the density it is asked for
    too loosely can go on for some epochs with it weighed more. Cancelling stops after the
    current step and keeps the last checkpoint.
    """
    config = config or GanConfig(meters=len(METERS))
    train = train or TrainConfig()
    rank, world = distributed_rank()
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and world > 1:
        device = f"cuda:{rank % torch.cuda.device_count()}"
    checkpoint_path, state = open_run(out_dir, resume)
    out = checkpoint_path.parent
    if state is not None:
        config = GanConfig(**state["config"])
        train = replace(TrainConfig(**state["train"]), epochs=train.epochs)
    if density_weight is not None:
        train = replace(train, density_weight=density_weight)
    torch.manual_seed(train.seed + rank)
    generator = Generator(config).to(device)
    discriminator = Discriminator(config).to(device)
    opt_g = torch.optim.Adam(generator.parameters(), lr=train.generator_lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(
        discriminator.parameters(), lr=train.discriminator_lr, betas=(0.5, 0.999)
    )
    start_epoch = 0
    if state is not None:
        generator.load_state_dict(state["model"]["generator"])
        discriminator.load_state_dict(state["model"]["discriminator"])
        opt_g.load_state_dict(state["optimizers"]["generator"])
        opt_d.load_state_dict(state["optimizers"]["discriminator"])
        start_epoch = int(state["epoch"])
    g_model, d_model = generator, discriminator
    if world > 1:
        g_model = DistributedDataParallel(generator)
        d_model = DistributedDataParallel(discriminator)
    # After DDP's start, which gives every rank rank 0's weights: the averages start equal too.
    average = copy.deepcopy(generator).requires_grad_(False)
    if state is not None and "average_generator" in state["model"]:
        average.load_state_dict(state["model"]["average_generator"])
    exported = average if train.average_decay > 0 else generator

    rows = data.bars_in("train")
    if len(rows) == 0:
        raise StudioError(
            f"no training melodies: the data has {data.n_tunes} tunes and all fell in the "
            "held-out splits; add more music"
        )
    steps_per_epoch = train.steps_per_epoch or max(1, math.ceil(len(rows) / train.batch_size))
    total = steps_per_epoch * train.epochs
    rng = np.random.default_rng([train.seed, rank, start_epoch])
    started = time.perf_counter()
    losses = {"d": float("nan"), "g": float("nan")}
    step = start_epoch * steps_per_epoch
    for epoch in range(start_epoch, train.epochs):
        for _ in range(steps_per_epoch):
            if cancel is not None and cancel.cancelled:
                break
            batch_rows = rng.choice(rows, size=train.batch_size)
            batch = sample_batch(
                data, batch_rows, rng, train.octave_shift_probability, config.meters
            )
            batch = Batch(*(t.to(device) for t in vars(batch).values()))
            noise = torch.randn(train.batch_size, config.noise_dim, device=device)

            # Discriminator: real bars up, generated bars down (hinge loss).
            with torch.no_grad():
                fake, _ = generate_bar_for_discriminator(
                    generator, noise, batch.conditions, batch.previous_bar, batch.previous_last,
                    batch.mask,
                )  # fmt: skip
            # One forward pass over real and generated bars together (DDP allows one per step).
            scores = d_model(
                batch.previous_bar.repeat(2, 1),
                torch.cat([batch.bar, fake]),
                batch.conditions.repeat(2, 1),
            )
            real_score, fake_score = scores.chunk(2)
            d_loss = F.relu(1 - real_score).mean() + F.relu(1 + fake_score).mean()
            opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            opt_d.step()

            # Generator: fool the discriminator, keep the onset density asked for.
            discriminator.requires_grad_(False)
            fake, onset_probability = generate_bar_for_discriminator(
                g_model, noise, batch.conditions, batch.previous_bar, batch.previous_last,
                batch.mask,
            )  # fmt: skip
            adversarial = -discriminator(batch.previous_bar, fake, batch.conditions).mean()
            expected = onset_probability.sum(dim=1) / batch.mask.sum(dim=1)
            density_error = (expected - batch.density).pow(2).mean()
            # Feature matching on rhythm: how often each step of the bar starts a note over
            # the batch, generated against real bars of the same conditions. Without it the
            # generator dropped the off-beat sixteenths (real tunes: 15 % of the onsets).
            real_onsets = batch.bar.view(len(batch.bar), -1, config.n_classes + 1)[..., -1]
            marginal_error = (onset_probability.mean(0) - real_onsets.mean(0)).pow(2).sum()
            g_loss = (
                adversarial
                + train.density_weight * density_error
                + train.marginal_weight * marginal_error
            )
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            discriminator.requires_grad_(True)
            if train.average_decay > 0:
                average_weights(average, generator, train.average_decay, step)

            step += 1
            losses = {"d": d_loss.item(), "g": adversarial.item(), "density": density_error.item(),
                      "marginal": marginal_error.item()}  # fmt: skip
            if rank == 0 and (step % 20 == 0 or step == total):
                rate = (step - start_epoch * steps_per_epoch) / (time.perf_counter() - started)
                progress(
                    step,
                    total,
                    f"epoch {epoch + 1}/{train.epochs}  D {losses['d']:.3f}  G {losses['g']:.3f}"
                    f"  density {losses['density']:.4f}  {rate:.1f} steps/s",
                )
        else:
            if rank == 0:
                save_atomic(
                    {
                        "model": {
                            "generator": generator.state_dict(),
                            "discriminator": discriminator.state_dict(),
                            "average_generator": average.state_dict(),
                        },
                        "optimizers": {
                            "generator": opt_g.state_dict(),
                            "discriminator": opt_d.state_dict(),
                        },
                        "config": config.to_dict(),
                        "train": asdict(train),
                        "epoch": epoch + 1,
                    },
                    checkpoint_path,
                )
                if train.snapshot_every and (epoch + 1) % train.snapshot_every == 0:
                    snapshot = out / "snapshots" / f"gan-epoch{epoch + 1:04d}.safetensors"
                    snapshot.parent.mkdir(exist_ok=True)
                    export_generator(exported, snapshot, {"epochs": epoch + 1, "steps": step})
                    response = density_response(exported, data)
                    snapshot.with_suffix(".density.json").write_text(json.dumps(response) + "\n")
                    if exported is average:  # the last weights too, to compare
                        last = snapshot.with_name(f"{snapshot.stem}-unaveraged.safetensors")
                        export_generator(generator, last, {"epochs": epoch + 1, "steps": step})
            continue
        break  # cancelled

    seconds = time.perf_counter() - started
    weights = out / WEIGHTS_NAME
    if rank == 0:
        export_generator(
            exported,
            weights,
            {"epochs": train.epochs, "steps": step, "train": asdict(train)},
        )
    response = density_response(exported, data) if rank == 0 else {}
    if world > 1:
        dist.barrier()
    return {
        "epochs": train.epochs,
        "steps": step,
        "seconds": round(seconds, 1),
        "losses": losses,
        "weights": str(weights),
        "checkpoint": str(checkpoint_path),
        "rank": rank,
        "world_size": world,
        "generator_sha256": state_digest(exported),
        "density_response": response,
    }
