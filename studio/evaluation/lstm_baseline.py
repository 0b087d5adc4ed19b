"""An LSTM melody baseline in the style of Magenta's MelodyRNN, for ``studio eval generation``.

The model a user would pick instead of the GAN: a 2-layer LSTM that predicts the next event of a
melody, trained briefly on CPU on the same key-normalised melodies (C major / A minor). An event
is a note (semitones from the previous note, clipped to ±12, and a length) or a rest (a length);
lengths are in sixteenth steps from ``LENGTHS``. Besides the previous event, the network sees
the pitch of the previous note in the training frame (its register and scale degree, as
MelodyRNN's absolute-pitch encoding does) and the position in the bar where the next event
starts, so it can learn the meter's rhythms.

Training uses torch (imported only inside ``fit``): Adam, teacher forcing on random crops of
``CROP`` events, one thread, for a wall-time budget. Sampling runs the trained weights in numpy,
key-locked like ``MarkovMelodyModel``: events that would leave the scale or the range are masked.
Times in ``Note``s are beats (quarter notes); bar 0 starts at beat 0.

    model = LstmMelodyModel().fit(train_melodies, beats_per_bar=4.0, seconds=30.0)
    notes = model.generate(8, Key(0, "major"), seed=1, low=48, high=84)
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Key

STEPS_PER_BEAT = 4
MAX_INTERVAL = 12
N_INTERVALS = 2 * MAX_INTERVAL + 1
REST = N_INTERVALS
"""Interval class of a rest; classes 0…24 are the intervals −12…+12."""
NO_PITCH = 128
"""Pitch input before the first note (pitches are 0…127 in the C major / A minor frame)."""
LENGTHS = (1, 2, 3, 4, 6, 8, 12, 16)
"""Event lengths in sixteenth steps; other note lengths are snapped to the nearest one."""
CROP = 64
BATCH = 64
LEARNING_RATE = 3e-3


@dataclass(frozen=True)
class _Events:
    """One melody as parallel arrays, one entry per event (note or rest)."""

    interval: np.ndarray  # interval class 0…24, or REST
    length: np.ndarray  # index into LENGTHS
    position: np.ndarray  # onset step within the bar
    pitch: np.ndarray  # pitch of the last note after this event, NO_PITCH = none yet


def _steps(beats: float) -> int:
    return math.floor(beats * STEPS_PER_BEAT + 0.5)


def _length_class(steps: int) -> int:
    return int(np.argmin([abs(steps - length) for length in LENGTHS]))


def _rest_lengths(steps: int) -> list[int]:
    """Split a silence of ``steps`` into vocabulary lengths, longest first, exactly."""
    parts = []
    for length in sorted(LENGTHS, reverse=True):
        while steps >= length:
            parts.append(length)
            steps -= length
    return parts


def _events(melody: Sequence[Note], reference: int, steps_per_bar: int) -> _Events | None:
    """Encode a melody (beats from a bar line) as events; ``reference`` precedes the first note.

    Onsets are rounded to the sixteenth grid; of notes starting together the highest is kept and
    a note is cut where the next starts. Silences (also before the first note) become rests.
    """
    by_onset: dict[int, tuple[int, int]] = {}
    for note in melody:
        onset = _steps(note.start)
        if onset not in by_onset or note.pitch > by_onset[onset][0]:
            by_onset[onset] = (note.pitch, max(1, _steps(note.duration)))
    if not by_onset:
        return None
    rows: list[tuple[int, int, int, int]] = []
    previous, last_pitch, position = reference, NO_PITCH, 0

    def rest(steps: int) -> None:
        nonlocal position
        for length in _rest_lengths(steps):
            rows.append((REST, LENGTHS.index(length), position % steps_per_bar, last_pitch))
            position += length

    onsets = sorted(by_onset)
    for onset, following in zip(onsets, [*onsets[1:], None], strict=True):
        rest(onset - position)
        pitch, length = by_onset[onset]
        if following is not None:
            length = min(length, following - onset)
        interval = int(np.clip(pitch - previous, -MAX_INTERVAL, MAX_INTERVAL))
        previous = last_pitch = pitch
        rows.append((interval + MAX_INTERVAL, _length_class(length), onset % steps_per_bar, pitch))
        position = onset + length
    columns = np.array(rows, dtype=np.int64).T
    return _Events(*columns)


def _inputs(events: _Events) -> tuple[np.ndarray, np.ndarray]:
    """Network inputs (events, 4) and targets (events,) for teacher forcing.

    Input t holds event t−1 (interval, length, last pitch; start symbols for t = 0) and the bar
    position of event t; target t is event t as a joint (interval, length) class.
    """
    start = np.array([N_INTERVALS + 1, len(LENGTHS), NO_PITCH])
    previous = np.stack([events.interval, events.length, events.pitch], axis=1)
    previous = np.concatenate([start[None], previous[:-1]])
    inputs = np.concatenate([previous, events.position[:, None]], axis=1)
    return inputs, events.interval * len(LENGTHS) + events.length


def _frame_shift(key: Key) -> int:
    """Semitones from ``key`` to the training frame: C for major-third scales, else A (−6…+5)."""
    target = 0 if 4 in key.intervals else 9
    return (target - key.tonic + 6) % 12 - 6


def _velocity(step: int, steps_per_bar: int, rng: np.random.Generator) -> int:
    """Accent by position: downbeat 100, mid-bar of an even bar 92, beats 84, off-beats 76, ±4."""
    in_bar = step % steps_per_bar
    if in_bar == 0:
        base = 100
    elif steps_per_bar % 8 == 0 and in_bar == steps_per_bar // 2:
        base = 92
    elif in_bar % STEPS_PER_BEAT == 0:
        base = 84
    else:
        base = 76
    return base + int(rng.integers(-4, 5))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class LstmMelodyModel:
    """A MelodyRNN-like LSTM over (interval, length) events with a bar-position input.

    One model serves one meter: ``fit`` sets the bar length and ``generate`` must use the same.
    After ``fit``, ``history`` holds (seconds since the start, training loss) per optimiser
    step; the number of steps a time budget buys depends on the machine and its load.
    """

    def __init__(self, hidden: int = 256, layers: int = 2, seed: int = 0) -> None:
        if hidden < 1 or layers < 1:
            raise InvalidInput(f"an LSTM needs hidden ≥ 1 and layers ≥ 1, not {hidden}, {layers}")
        self.hidden, self.layers, self.seed = hidden, layers, seed
        self.steps_per_bar: int | None = None
        self.start_pitch: int | None = None
        self.history: list[tuple[float, float]] = []
        self._weights: dict[str, np.ndarray] = {}

    def fit(
        self,
        melodies: Sequence[Sequence[Note]],
        *,
        beats_per_bar: float = 4.0,
        seconds: float = 30.0,
        progress: ProgressCallback = no_progress,
        cancel: CancelToken | None = None,
        max_steps: int | None = None,
    ) -> LstmMelodyModel:
        """Train on ``melodies`` (key-normalised, beats from a bar line) for ``seconds`` of CPU.

        Training stops after ``seconds`` of wall time or ``max_steps`` optimiser steps,
        whichever comes first (at least one step). With ``max_steps`` reached first, the same
        seed and melodies give the same weights. Replaces earlier weights; returns self.

        Raises:
            InvalidInput: for a bar that is not on the sixteenth grid, a non-positive budget, or
                melodies without a note.
            Cancelled: if ``cancel`` is cancelled.
        """
        steps_per_bar = _check_bar(beats_per_bar)
        if seconds <= 0 or (max_steps is not None and max_steps < 1):
            raise InvalidInput(f"training needs a positive budget, not {seconds} s / {max_steps}")
        firsts = [min(m, key=lambda n: (n.start, -n.pitch)).pitch for m in melodies if m]
        if not firsts:
            raise InvalidInput("the LSTM baseline needs at least one note to learn from")
        start_pitch = int(np.median(firsts))
        encoded = [_events(m, start_pitch, steps_per_bar) for m in melodies]
        pairs = [_inputs(e) for e in encoded if e is not None]
        inputs = np.concatenate([p[0] for p in pairs])
        targets = np.concatenate([p[1] for p in pairs])
        lengths = np.array([len(p[1]) for p in pairs])
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.history = []
        self._weights = self._train(
            inputs, targets, offsets, lengths, steps_per_bar, seconds, max_steps, progress, cancel
        )
        self.steps_per_bar, self.start_pitch = steps_per_bar, start_pitch
        return self

    def _train(self, inputs, targets, offsets, lengths, steps_per_bar, seconds, max_steps,
               progress, cancel) -> dict[str, np.ndarray]:  # fmt: skip
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # deterministic, and fair to a shared machine
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                network = _network(torch, self.hidden, self.layers, steps_per_bar)
                optimiser = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE)
                rng = np.random.default_rng(self.seed)
                x_all, y_all = torch.from_numpy(inputs), torch.from_numpy(targets)
                started = time.perf_counter()
                elapsed, step = 0.0, 0
                while step == 0 or (elapsed < seconds and (max_steps is None or step < max_steps)):
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    index, valid = _crops(rng, offsets, lengths)
                    index_t, valid_t = torch.from_numpy(index), torch.from_numpy(valid)
                    y = torch.where(valid_t, y_all[index_t], torch.tensor(-100))
                    logits = network(x_all[index_t])
                    loss = torch.nn.functional.cross_entropy(
                        logits.reshape(-1, logits.shape[-1]), y.reshape(-1), ignore_index=-100
                    )
                    optimiser.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
                    optimiser.step()
                    step += 1
                    elapsed = time.perf_counter() - started
                    self.history.append((elapsed, loss.item()))
                    progress(min(int(elapsed), int(seconds)), int(seconds), f"loss {loss:.3f}")
            return {k: v.detach().double().numpy() for k, v in network.state_dict().items()}
        finally:
            torch.set_num_threads(threads)

    def generate(
        self,
        n_bars: int,
        key: Key,
        seed: int,
        *,
        low: int,
        high: int,
        beats_per_bar: float = 4.0,
        temperature: float = 1.0,
    ) -> tuple[Note, ...]:
        """Sample a melody that fills exactly ``n_bars`` bars of ``beats_per_bar`` beats.

        Events whose note would leave ``key``'s scale or ``[low, high]`` are masked, as are
        rests that would reach the end (so the melody ends on a note); the first note is an
        interval from the training median first pitch moved into ``key`` and snapped into the
        scale and range. The last note is cut at the end. Deterministic for a seed.

        Raises:
            InvalidInput: if the model is not fitted, for another bar length than in ``fit``,
                bad bars, range or temperature, or a range without a scale pitch.
        """
        if self.steps_per_bar is None or self.start_pitch is None:
            raise InvalidInput("the LSTM melody model must be fitted before it can generate")
        steps_per_bar = _check_bar(beats_per_bar)
        if steps_per_bar != self.steps_per_bar:
            raise InvalidInput(
                f"this LSTM was trained on bars of {self.steps_per_bar / STEPS_PER_BEAT} beats, "
                f"not {beats_per_bar}"
            )
        if n_bars < 1:
            raise InvalidInput(f"number of bars {n_bars} must be at least 1")
        if not 0 <= low <= high <= 127:
            raise InvalidInput(f"pitch range {low}–{high} is not within 0–127")
        if not temperature > 0:
            raise InvalidInput(f"temperature {temperature} must be positive")
        allowed = np.zeros(128 + 2 * MAX_INTERVAL, dtype=bool)  # padded: pitch p at p + 12
        scale = key.scale_pitches(low, high)
        if not scale:
            raise InvalidInput(f"{key} has no pitch between {low} and {high}")
        allowed[np.array(scale) + MAX_INTERVAL] = True
        shift = _frame_shift(key)
        reference = min(scale, key=lambda p: (abs(p - (self.start_pitch - shift)), p))

        rng = np.random.default_rng(seed)
        state = _State(self._weights, self.layers)
        total = n_bars * steps_per_bar
        n_lengths = len(LENGTHS)
        lengths = np.array(LENGTHS)
        previous = (N_INTERVALS + 1, n_lengths, NO_PITCH)
        pitch, position, notes = reference, 0, []
        while position < total:
            logits = state.step(*previous, position % steps_per_bar) / temperature
            mask = np.empty((N_INTERVALS + 1, n_lengths), dtype=bool)
            mask[:N_INTERVALS] = allowed[pitch : pitch + N_INTERVALS, None]
            mask[REST] = lengths < total - position
            logits = np.where(mask.reshape(-1), logits, -np.inf)
            weights = np.exp(logits - logits.max())
            choice = int(rng.choice(len(weights), p=weights / weights.sum()))
            interval, length = divmod(choice, n_lengths)
            steps = min(LENGTHS[length], total - position)
            if interval != REST:
                pitch += interval - MAX_INTERVAL
                velocity = _velocity(position, steps_per_bar, rng)
                notes.append(Note(pitch, position / STEPS_PER_BEAT, steps / STEPS_PER_BEAT,
                                  velocity))  # fmt: skip
            frame_pitch = min(max(pitch + shift, 0), 127) if notes else NO_PITCH
            previous = (interval, length, frame_pitch)
            position += steps
        return tuple(notes)


def _check_bar(beats_per_bar: float) -> int:
    """Steps per bar for a bar of ``beats_per_bar`` beats (on the sixteenth grid, 1–8 beats)."""
    steps = beats_per_bar * STEPS_PER_BEAT
    if not (1 <= beats_per_bar <= 8 and float(steps).is_integer()):
        raise InvalidInput(f"a bar of {beats_per_bar} beats is not 1–8 beats on the 1/16 grid")
    return int(steps)


def _crops(rng: np.random.Generator, offsets: np.ndarray, lengths: np.ndarray):
    """Row indices (BATCH, CROP) of random crops within melodies, and which of them are real.

    Melodies are drawn in proportion to their number of events; padding repeats a valid row.
    """
    chosen = rng.choice(len(lengths), size=BATCH, p=lengths / lengths.sum())
    spare = np.maximum(lengths[chosen] - CROP, 0)
    starts = offsets[chosen] + (rng.random(BATCH) * (spare + 1)).astype(np.int64)
    steps = np.arange(CROP)
    valid = steps[None, :] < lengths[chosen, None]
    index = np.where(valid, starts[:, None] + steps[None, :], starts[:, None])
    return index, valid


def _network(torch, hidden: int, layers: int, steps_per_bar: int):
    """The torch module: four input embeddings, an LSTM and a joint (interval, length) head."""
    nn = torch.nn
    n_classes = (N_INTERVALS + 1) * len(LENGTHS)

    class Network(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.interval = nn.Embedding(N_INTERVALS + 2, 64)  # + rest, start
            self.length = nn.Embedding(len(LENGTHS) + 1, 32)  # + start
            self.pitch = nn.Embedding(NO_PITCH + 1, 32)  # + none yet
            self.position = nn.Embedding(steps_per_bar, 32)
            self.lstm = nn.LSTM(160, hidden, layers, batch_first=True)
            self.head = nn.Linear(hidden, n_classes)

        def forward(self, x):
            features = torch.cat(
                [self.interval(x[..., 0]), self.length(x[..., 1]),
                 self.pitch(x[..., 2]), self.position(x[..., 3])], dim=-1,
            )  # fmt: skip
            return self.head(self.lstm(features)[0])

    return Network()


class _State:
    """The trained network run one event at a time in numpy (float64), with its LSTM state."""

    def __init__(self, weights: dict[str, np.ndarray], layers: int) -> None:
        self.w = weights
        self.layers = layers
        hidden = weights["lstm.weight_hh_l0"].shape[1]
        self.h = [np.zeros(hidden) for _ in range(layers)]
        self.c = [np.zeros(hidden) for _ in range(layers)]
        self.bias = [weights[f"lstm.bias_ih_l{i}"] + weights[f"lstm.bias_hh_l{i}"]
                     for i in range(layers)]  # fmt: skip

    def step(self, interval: int, length: int, pitch: int, position: int) -> np.ndarray:
        """Feed one input (previous event, next bar position); return next-event logits."""
        w = self.w
        x = np.concatenate([
            w["interval.weight"][interval], w["length.weight"][length],
            w["pitch.weight"][pitch], w["position.weight"][position],
        ])  # fmt: skip
        for i in range(self.layers):
            gates = w[f"lstm.weight_ih_l{i}"] @ x + w[f"lstm.weight_hh_l{i}"] @ self.h[i]
            gates += self.bias[i]
            in_gate, forget, cell, out = np.split(gates, 4)  # torch's order: i, f, g, o
            self.c[i] = _sigmoid(forget) * self.c[i] + _sigmoid(in_gate) * np.tanh(cell)
            self.h[i] = _sigmoid(out) * np.tanh(self.c[i])
            x = self.h[i]
        return w["head.weight"] @ x + w["head.bias"]
