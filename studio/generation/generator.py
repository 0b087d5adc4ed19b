"""Melody generation service: the API that the CLI and the GUI call.

``MelodyGenerator`` loads the shipped GAN once and then makes melodies in milliseconds:
``generate`` (K variations of N bars), ``continue_melody`` (extend a primer), ``regenerate_bars``
(replace chosen bars, joining smoothly to their neighbours) and ``morph`` (melodies between two
generated ones, by interpolating their latent noise). The network proposes each bar; the rules
of ``decoding`` decide its notes, so key lock, range and the other guarantees hold whatever the
network proposes. The same seed and settings give the same melody.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from studio.core.errors import InvalidInput, ModelFileError
from studio.core.melody import extract_melody
from studio.core.music import (
    ControlChange,
    KeySignature,
    Note,
    Song,
    TempoChange,
    TimeSignature,
    Track,
)
from studio.core.pianoroll import BEATS_PER_BAR
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.resources import GAN_WEIGHTS
from studio.core.theory import MINOR_FAMILY, Chord, Key
from studio.generation.data import SPEC
from studio.generation.decoding import (
    Bar,
    Frame,
    cut_at,
    decode_bars,
    encode_previous,
    join_bar,
    key_frame,
    seam_cost,
    slerp,
)
from studio.generation.gan import (
    PHRASE_BARS,
    STEPS,
    GanConfig,
    Generator,
    bar_tensor,
    make_conditions,
)

MAX_BARS = 32
MAX_COUNT = 64
DEFAULT_WEIGHTS = GAN_WEIGHTS
MAJOR_FAMILY = {"major", "lydian", "mixolydian", "major_pentatonic", "chromatic"}
# Default progressions (scale degrees as chord symbols relative to the tonic), per family.
DEFAULT_PROGRESSIONS = {
    "major": ((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")),  # I V vi IV
    "minor": ((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")),  # i VI III VII
}


@dataclass(frozen=True)
class GenerationSettings:
    """What the musician asks for.

    Attributes:
        bars: length in 4/4 bars (1–32).
        key: key and scale (any scale of ``studio.core.theory``).
        chords: chords cycled over the bars; empty means a common progression for the mode.
        tempo: beats per minute (stored in the exported file).
        temperature: > 0; lower is safer, higher is more adventurous (1 = sample as trained;
            the default 0.7 scored best on the validation melodies).
        density: 0–1, the share of sixteenth steps where a new note or rest begins
            (0.25 ≈ quarter notes, 0.5 ≈ eighth notes).
        key_lock: keep every note in the scale.
        chord_tone_strength: 0–1, pull of chord tones on beats 1 and 3.
        low, high: the pitch range (MIDI numbers, inclusive).
    """

    bars: int = 8
    key: Key = field(default_factory=lambda: Key(0, "major"))
    chords: tuple[Chord, ...] = ()
    tempo: float = 120.0
    temperature: float = 0.7
    density: float = 0.5
    key_lock: bool = True
    chord_tone_strength: float = 0.5
    low: int = 55
    high: int = 84

    def __post_init__(self) -> None:
        if not 1 <= self.bars <= MAX_BARS:
            raise InvalidInput(f"bars must be between 1 and {MAX_BARS}, not {self.bars}")
        if not 0 < self.temperature <= 10:
            raise InvalidInput(
                f"temperature must be above 0 (and at most 10), not {self.temperature}"
            )
        if not 0 <= self.density <= 1:
            raise InvalidInput(f"density must be between 0 and 1, not {self.density}")
        if not 0 <= self.chord_tone_strength <= 1:
            raise InvalidInput(
                f"chord-tone strength must be between 0 and 1, not {self.chord_tone_strength}"
            )
        if not 10 <= self.tempo <= 400:
            raise InvalidInput(f"tempo must be between 10 and 400 BPM, not {self.tempo}")
        if not 0 <= self.low < self.high <= 127 or self.high - self.low < 12:
            raise InvalidInput(
                f"pitch range {self.low}–{self.high} must lie in 0–127 and span an octave or more"
            )

    @property
    def family(self) -> str:
        """ "major" or "minor": which of the model's two modes serves this scale."""
        return "major" if self.key.mode in MAJOR_FAMILY else "minor"

    def chord_for_bar(self, bar: int) -> Chord:
        """The chord of bar ``bar`` (chords cycle; the default progression when none given)."""
        if self.chords:
            return self.chords[bar % len(self.chords)]
        interval, quality = DEFAULT_PROGRESSIONS[self.family][bar % 4]
        return Chord((self.key.tonic + interval) % 12, quality)


@dataclass(frozen=True)
class GeneratedMelody:
    """A generated melody with what is needed to vary it later.

    Attributes:
        notes: the melody (beats from 0; a continuation includes its primer).
        seed: the seed that made it.
        settings: the settings it was made with.
        chords: the chord of each generated bar, in the real key.
        latents: (bars, noise_dim) noise that made each generated bar (for morphing).
        first_bar: index of the first generated bar (the primer's bar count, else 0).
    """

    notes: tuple[Note, ...]
    seed: int
    settings: GenerationSettings
    chords: tuple[Chord, ...]
    latents: np.ndarray
    first_bar: int = 0


class MelodyGenerator:
    """The loaded generator network plus the decoding rules; cheap to call many times."""

    def __init__(self, weights: str | os.PathLike | None = None) -> None:
        """Load generator weights (safetensors) — the shipped model by default.

        Raises ``ModelFileError`` if the file is missing or not a model of this program.
        """
        path = Path(weights) if weights is not None else DEFAULT_WEIGHTS
        if not path.is_file():
            raise ModelFileError(f"model file not found: {path}")
        try:
            from safetensors import safe_open
            from safetensors.torch import load_file

            with safe_open(str(path), framework="pt") as handle:
                metadata = handle.metadata() or {}
            config = GanConfig(**json.loads(metadata["config"]))
            state = load_file(str(path))
            network = Generator(config)
            network.load_state_dict(state)
        except Exception as error:  # safetensors, JSON and torch each raise their own kinds
            raise ModelFileError(f"{path} is not a Motif Studio melody model ({error})") from None
        network.eval()
        self.config = config
        self.network = network
        self.path = path
        self.metadata = {k: v for k, v in metadata.items() if k != "config"}

    # -------------------------------------------------------------------------- public API

    def generate(
        self,
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[GeneratedMelody]:
        """Make ``count`` variations; variation ``i`` uses seed ``seed + i``.

        ``progress(bars_done, bars, "bar N")`` follows each bar (all variations at once);
        ``cancel`` is checked before each bar and raises ``Cancelled``.
        """
        _check_count(count)
        seeds = [seed + i for i in range(count)]
        latents = [self._latents(s, settings.bars) for s in seeds]
        return self._run(settings, seeds, latents, (), progress, cancel)

    def continue_melody(
        self,
        primer: Sequence[Note],
        settings: GenerationSettings,
        count: int = 1,
        seed: int = 0,
        *,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
    ) -> list[GeneratedMelody]:
        """Add ``settings.bars`` bars after ``primer`` (a melody whose beat 0 is a downbeat).

        The primer's last bar conditions the first new bar; the result holds the primer (made
        monophonic) followed by the new bars. ``progress`` and ``cancel`` as for ``generate``.
        """
        _check_count(count)
        melody = extract_melody(primer)
        if not melody:
            raise InvalidInput("the primer has no notes to continue")
        seeds = [seed + i for i in range(count)]
        latents = [self._latents(s, settings.bars) for s in seeds]
        return self._run(settings, seeds, latents, melody, progress, cancel)

    def regenerate_bars(
        self,
        melody: Sequence[Note],
        bars: Collection[int],
        settings: GenerationSettings,
        seed: int = 0,
        candidates: int = 8,
    ) -> GeneratedMelody:
        """Replace the chosen bars of ``melody`` (0-based), keeping all others.

        Each bar is generated from the bar before it, ``candidates`` times; the candidate whose
        edges lie closest in pitch to the neighbouring notes is kept, so the seams stay smooth.
        ``settings.bars`` is ignored: the melody's own length counts.
        """
        notes = list(extract_melody(melody))
        n_bars = max(1, -(-max((n.end for n in notes), default=0) // BEATS_PER_BAR))
        n_bars = int(max(n_bars, max(bars, default=0) + 1))
        chosen = sorted(set(bars))
        if not chosen or chosen[0] < 0 or chosen[-1] >= MAX_BARS:
            raise InvalidInput(f"bars to regenerate must be between 0 and {MAX_BARS - 1}")
        settings = replace(settings, bars=min(MAX_BARS, n_bars))
        frame = self._frame(settings)
        latents = np.zeros((n_bars, self.config.noise_dim), dtype=np.float32)
        rng = np.random.default_rng(seed)
        for bar in chosen:
            begin, end = bar * BEATS_PER_BAR, (bar + 1) * BEATS_PER_BAR
            before = tuple(n for n in notes if n.start < begin)
            previous = encode_previous(before, bar, frame.shift)
            options_latents = rng.standard_normal((candidates, self.config.noise_dim))
            options = self._sample_bar(
                settings, frame, bar, options_latents, previous, [rng] * candidates
            )
            after = [n for n in notes if n.start >= end]
            last_before = before[-1].pitch if before else None
            first_after = after[0].pitch if after else None
            best = min(
                range(candidates),
                key=lambda i: seam_cost(options[i].notes, last_before, first_after),
            )
            kept = [cut_at(n, begin) for n in notes if n.start < begin] + after
            notes = sorted(
                [n for n in kept if n.duration > 0] + options[best].notes, key=lambda n: n.start
            )
            latents[bar] = options_latents[best]
        chords = tuple(settings.chord_for_bar(b) for b in range(n_bars))
        return GeneratedMelody(tuple(notes), seed, settings, chords, latents)

    def morph(
        self, start: GeneratedMelody, end: GeneratedMelody, steps: int = 5
    ) -> list[GeneratedMelody]:
        """Melodies between two generated ones: ``steps`` in-between latents (spherical).

        Both must have the same number of generated bars; the first one's settings and sampling
        seed are used, so only the latent noise changes along the way.
        """
        if start.latents.shape != end.latents.shape:
            raise InvalidInput("morphing needs two melodies with the same number of bars")
        if not 1 <= steps <= MAX_COUNT:
            raise InvalidInput(f"morph steps must be between 1 and {MAX_COUNT}")
        fractions = [(i + 1) / (steps + 1) for i in range(steps)]
        latents = [slerp(start.latents, end.latents, t) for t in fractions]
        return self._run(start.settings, [start.seed] * steps, latents, (), no_progress, None)

    # -------------------------------------------------------------------------- internals

    def _latents(self, seed: int, bars: int) -> np.ndarray:
        return np.random.default_rng([seed, 1]).standard_normal((bars, self.config.noise_dim))

    def _frame(self, settings: GenerationSettings) -> Frame:
        return key_frame(
            settings.key, major=settings.family == "major", low=settings.low,
            high=settings.high, key_lock=settings.key_lock,
        )  # fmt: skip

    def _run(
        self,
        settings: GenerationSettings,
        seeds: list[int],
        latents: list[np.ndarray],
        primer: tuple[Note, ...],
        progress: ProgressCallback,
        cancel: CancelToken | None,
    ) -> list[GeneratedMelody]:
        frame = self._frame(settings)
        offset = 0
        if primer:
            offset = int(-(-max(n.end for n in primer) // BEATS_PER_BAR))
        rngs = [np.random.default_rng([seed, 2]) for seed in seeds]
        previous = encode_previous(primer, offset, frame.shift) if primer else None
        previous = None if previous is None else (
            np.repeat(previous[0][None], len(seeds), 0), np.repeat(previous[1][None], len(seeds), 0)
        )  # fmt: skip
        melodies: list[list[Note]] = [[] for _ in seeds]
        stacked = np.stack(latents)  # (count, bars, noise)
        for bar in range(settings.bars):
            if cancel is not None:
                cancel.raise_if_cancelled()
            bar_notes, previous = self._sample_bar_batch(
                settings, frame, offset + bar, bar, stacked[:, bar], previous, rngs
            )
            for melody, new in zip(melodies, bar_notes, strict=True):
                join_bar(melody, new)
            progress(bar + 1, settings.bars, f"bar {bar + 1}")
        chords = tuple(settings.chord_for_bar(b) for b in range(settings.bars))
        return [
            GeneratedMelody(tuple(primer) + tuple(notes), seed, settings, chords, latent, offset)
            for notes, seed, latent in zip(melodies, seeds, latents, strict=True)
        ]

    def _sample_bar(self, settings, frame, bar, latents, previous, rngs) -> list[Bar]:
        count = len(latents)
        if previous is not None:
            previous = (
                np.repeat(previous[0][None], count, 0),
                np.repeat(previous[1][None], count, 0),
            )
        notes, _ = self._sample_bar_batch(settings, frame, bar, bar, latents, previous, rngs)
        return notes

    def _sample_bar_batch(self, settings, frame, bar, chord_bar, latents, previous, rngs):
        """Sample one bar for a batch of variations; returns (notes per variation, bar arrays)."""
        count = len(latents)
        rest = SPEC.rest_index
        chord = settings.chord_for_bar(chord_bar).transpose(frame.shift)
        tones = torch.tensor([[pc in chord.tones for pc in range(12)]] * count)
        has_previous = previous is not None
        if previous is None:
            previous = (np.full((count, STEPS), rest), np.zeros((count, STEPS), dtype=bool))
        previous_pitch = torch.from_numpy(previous[0].astype(np.int64))
        previous_onehot = torch.nn.functional.one_hot(previous_pitch, rest + 1).float()
        conditions = make_conditions(
            tones,
            torch.full((count,), chord.root),
            torch.full((count,), frame.mode),
            torch.full((count,), float(settings.density)),
            torch.full((count,), bar % PHRASE_BARS),
            torch.full((count,), float(has_previous)),
        )
        previous_bar = bar_tensor(previous_onehot, torch.from_numpy(previous[1].astype(np.float32)))
        with torch.no_grad():
            pitch_logits, onset_logits = self.network(
                torch.from_numpy(np.asarray(latents, dtype=np.float32)), conditions, previous_bar
            )
        notes, pitch, onsets = decode_bars(
            pitch_logits.numpy(), onset_logits.numpy(), previous[0][:, -1], rngs, frame=frame,
            chord=chord, bar=bar, temperature=settings.temperature,
            chord_tone_strength=settings.chord_tone_strength,
        )  # fmt: skip
        return notes, (pitch, onsets)


def _check_count(count: int) -> None:
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"count must be between 1 and {MAX_COUNT}, not {count}")


def melody_song(
    melody: GeneratedMelody, *, program: int = 0, with_chords: bool = False, title: str = ""
) -> Song:
    """A song for export: the melody (and optionally a block-chord track), tempo and key.

    The key signature is written for major and minor scales (modes have no MIDI signature of
    their own). A sustain-off event at the last bar line marks where the music ends, so a file
    ending in a rest still has its full number of bars.
    """
    settings = melody.settings
    n_bars = melody.first_bar + settings.bars
    end = ControlChange(float(n_bars * BEATS_PER_BAR), 64, 0)
    tracks = [Track(melody.notes, program=program, name="Melody", controls=(end,))]
    if with_chords:
        chord_notes = [
            Note(pitch, (melody.first_bar + bar) * BEATS_PER_BAR, BEATS_PER_BAR, 60)
            for bar, chord in enumerate(melody.chords)
            for pitch in chord.voicing(octave=3)
        ]
        tracks.append(Track(tuple(chord_notes), program=0, name="Chords", controls=(end,)))
    key = settings.key
    signatures = ()
    if key.mode == "major" or key.mode in MINOR_FAMILY:
        mode = "major" if key.mode == "major" else "minor"
        signatures = (KeySignature(0.0, key.tonic, mode),)
    return Song(
        tracks=tuple(tracks),
        tempos=(TempoChange(0.0, settings.tempo),),
        time_signatures=(TimeSignature(0.0, 4, 4),),
        key_signatures=signatures,
        title=title,
    )
