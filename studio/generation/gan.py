"""The melody GAN: a conditional generator of one bar (a unit) at a time, and its discriminator.

A melody is made bar by bar (MidiNet style): the generator sees noise, the bar's conditions and
the previous bar, and proposes the next bar; the discriminator sees a (previous bar, bar) pair
with the same conditions and tells real music from generated. Chaining bars gives melodies of any
length, continues a primer (its last bar is the first "previous bar") and regenerates a single
bar in place.

A bar is 16 sixteenth steps: a bar of 4/4 or a pair of 2/4 bars; a bar of 3/4 or 6/8 uses the
first 12 and holds through the other four (``studio.generation.data``: units and padding). The
generator outputs, per step, logits over the pitches of the piano-roll range plus rest, and an
onset logit ("a new note or rest begins here"). A step without an onset holds whatever sounded
before it, across the bar line too; ``hold_decode`` applies that rule, differentiably during
training (straight-through Gumbel samples), so the discriminator judges exactly what the decoder
will play; the padding steps of a 12-step bar never get an onset.

Conditions (all in the key-normalised frame: C major or A minor):
    chord tones (12) + chord root (12), mode (major/minor), note density (onsets per step of the
    bar), position in a four-bar phrase (4), whether there is a previous bar (1), and the meter
    (one-hot over ``data.METERS``; models trained before meters have none and make 4/4 only).

Objective: hinge loss with spectral normalisation in the discriminator (Miyato et al. 2018),
stable without the gradient-penalty double backward pass that WGAN-GP costs on a CPU.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from studio.generation.network import (
    LEAKY_SLOPE,
    NORM_EPS,
    STEPS,
    GanConfig,
    condition_array,
)


def make_conditions(
    chord_tones: torch.Tensor,
    chord_root: torch.Tensor,
    mode: torch.Tensor,
    density: torch.Tensor,
    phrase_position: torch.Tensor,
    has_previous: torch.Tensor,
    meter: torch.Tensor | None = None,
    n_meters: int = 0,
) -> torch.Tensor:
    """``condition_array`` of (CPU) tensors, as a tensor."""
    arrays = [np.asarray(t) for t in (chord_tones, chord_root, mode, density, phrase_position,
                                      has_previous)]  # fmt: skip
    meter = None if meter is None else np.asarray(meter)
    return torch.from_numpy(condition_array(*arrays, meter, n_meters))


def step_mask(valid_steps: torch.Tensor) -> torch.Tensor:
    """(batch, 16) 1.0 on the steps a bar plays (its first ``valid_steps``), 0.0 on padding."""
    return (torch.arange(STEPS).unsqueeze(0) < valid_steps.unsqueeze(1)).float()


def bar_tensor(pitch_onehot: torch.Tensor, onset: torch.Tensor) -> torch.Tensor:
    """Flatten a bar, (batch, 16, classes) + (batch, 16), into (batch, bar_dim)."""
    return torch.cat([pitch_onehot, onset.unsqueeze(-1)], dim=-1).flatten(1)


def hold_decode(
    pitch_sample: torch.Tensor, onset_sample: torch.Tensor, previous_last: torch.Tensor
) -> torch.Tensor:
    """Apply the hold rule: a step without an onset repeats what sounded before it.

    Args:
        pitch_sample: (batch, 16, classes) one-hot (or straight-through) pitch per step.
        onset_sample: (batch, 16) 0/1 onsets.
        previous_last: (batch, classes) what sounded at the end of the previous bar (a rest
            one-hot when there is none).

    Returns:
        (batch, 16, classes) the pitch that sounds at each step; differentiable in both inputs.
    """
    steps = []
    current = previous_last
    for step in range(pitch_sample.shape[1]):
        onset = onset_sample[:, step].unsqueeze(1)
        current = onset * pitch_sample[:, step] + (1 - onset) * current
        steps.append(current)
    return torch.stack(steps, dim=1)


class Generator(nn.Module):
    """Noise + conditions + previous bar → per-step pitch/rest logits and onset logits (for
    training; ``network.GeneratorPass`` runs the same pass in numpy for sampling)."""

    def __init__(self, config: GanConfig) -> None:
        super().__init__()
        self.config = config
        self.previous = nn.Sequential(
            nn.Linear(config.bar_dim, config.prev_dim), nn.LeakyReLU(LEAKY_SLOPE)
        )
        width = config.hidden_dim
        self.body = nn.Sequential(
            nn.Linear(config.noise_dim + config.condition_dim + config.prev_dim, width),
            nn.LayerNorm(width, eps=NORM_EPS),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Linear(width, width),
            nn.LayerNorm(width, eps=NORM_EPS),
            nn.LeakyReLU(LEAKY_SLOPE),
            nn.Linear(width, STEPS * (config.n_classes + 1)),
        )

    def forward(
        self, noise: torch.Tensor, conditions: torch.Tensor, previous_bar: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Return (pitch logits (batch, 16, classes), onset logits (batch, 16))."""
        hidden = torch.cat([noise, conditions, self.previous(previous_bar)], dim=1)
        out = self.body(hidden).view(-1, STEPS, self.config.n_classes + 1)
        return out[..., :-1], out[..., -1]


class Discriminator(nn.Module):
    """(previous bar, bar, conditions) → a realness score (higher = more real)."""

    def __init__(self, config: GanConfig) -> None:
        super().__init__()
        width = config.disc_hidden_dim
        channels = config.n_classes + 1
        # A small convolution over the 32 steps of the two bars sees the melodic transitions.
        self.conv = nn.Sequential(
            spectral_norm(nn.Conv1d(channels, 64, kernel_size=4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Conv1d(64, 128, kernel_size=4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
        )
        self.body = nn.Sequential(
            spectral_norm(nn.Linear(128 * 8 + 2 * config.bar_dim + config.condition_dim, width)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Linear(width, width // 2)),
            nn.LeakyReLU(0.2),
            spectral_norm(nn.Linear(width // 2, 1)),
        )
        self.channels = channels

    def forward(
        self, previous_bar: torch.Tensor, bar: torch.Tensor, conditions: torch.Tensor
    ) -> torch.Tensor:
        """Return (batch,) scores."""
        both = torch.cat([previous_bar, bar], dim=1).view(-1, 2 * STEPS, self.channels)
        features = self.conv(both.transpose(1, 2)).flatten(1)
        return self.body(torch.cat([features, previous_bar, bar, conditions], dim=1)).squeeze(1)


def gumbel_samples(
    pitch_logits: torch.Tensor, onset_logits: torch.Tensor, tau: float = 1.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Straight-through samples: hard one-hot pitches and 0/1 onsets with soft gradients."""
    pitch = F.gumbel_softmax(pitch_logits, tau=tau, hard=True)
    uniform = torch.rand_like(onset_logits).clamp(1e-6, 1 - 1e-6)
    logistic = torch.log(uniform) - torch.log1p(-uniform)
    soft = torch.sigmoid((onset_logits + logistic) / tau)
    hard = (soft > 0.5).float()
    return pitch, hard + soft - soft.detach()


def generate_bar_for_discriminator(
    generator: Generator,
    noise: torch.Tensor,
    conditions: torch.Tensor,
    previous_bar: torch.Tensor,
    previous_last: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the generator and decode its output the way the player will hear it.

    ``mask`` (batch, 16) is 0 on padding steps (``step_mask``): they get no onset, so they hold.
    Returns (bar (batch, bar_dim) for the discriminator, onset probabilities (batch, 16)).
    """
    pitch_logits, onset_logits = generator(noise, conditions, previous_bar)
    pitch, onset = gumbel_samples(pitch_logits, onset_logits)
    probability = torch.sigmoid(onset_logits)
    if mask is not None:
        onset, probability = onset * mask, probability * mask
    sounding = hold_decode(pitch, onset, previous_last)
    return bar_tensor(sounding, onset), probability
