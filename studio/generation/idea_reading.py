"""A generated melody read as an idea for the taste model: ``core.idea_features`` of its song
(its full length, so trailing rests count) and its latent noise."""

from __future__ import annotations

import numpy as np

from studio.core.idea_features import idea_features, idea_id, idea_inputs
from studio.generation.data import UNIT_BEATS
from studio.generation.generator import GeneratedMelody, melody_song


def melody_length(melody: GeneratedMelody) -> float:
    """The melody's length in beats: its primer (a continuation's) and its bars."""
    settings = melody.settings
    return melody.first_bar * UNIT_BEATS[settings.meter] + settings.bars * settings.bar_beats


def melody_features(melody: GeneratedMelody) -> np.ndarray:
    """The melody's ``core.idea_features``."""
    return idea_features(melody_song(melody), melody_length(melody))


def melody_inputs(melody: GeneratedMelody, features: np.ndarray | None = None) -> np.ndarray:
    """What the taste model reads of the melody (``core.idea_features.idea_inputs``);
    ``features``: its ``melody_features`` when the caller has them."""
    latents = np.asarray(melody.latents)
    if features is None:
        features = melody_features(melody)
    return idea_inputs(features, latents, latents.shape[-1])


def melody_id(melody: GeneratedMelody) -> str:
    """The melody's ``core.idea_features.idea_id`` (the same as its idea's in the window)."""
    return idea_id(melody_song(melody))
