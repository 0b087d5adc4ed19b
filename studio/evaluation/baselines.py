"""The two baselines the melody GAN is compared with: an order-2 Markov chain and random notes.

Both write melodies in a meter (4/4, 2/4, 3/4 or 6/8; default 4/4) that fill a whole number of
bars exactly, keep pitches in a range and, given a key, use only its scale (as the GAN does with
its key lock), so a comparison is fair. Times are in **beats** (quarter notes); rhythm is on the
sixteenth grid (0.25 beats). Both are deterministic for a seed and vary velocities with the
position in the bar (the meter's accents).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import Key
from studio.evaluation.metrics import STRONG_BEATS, bar_beats

STEPS_PER_BEAT = 4
MAX_REST_STEPS = 16
"""Longer silences in training melodies are shortened to 16 steps (a 4/4 bar)."""

Token = tuple[int | None, int]
"""(semitones from the previous note, length in sixteenth steps); an interval of None is a rest."""
START: Token = (None, 0)
"""Padding token before the first event of a melody (a rest of length 0 never occurs)."""


def _steps(beats: float) -> int:
    return math.floor(beats * STEPS_PER_BEAT + 0.5)


def bar_steps(meter: str) -> int:
    """Sixteenth steps in a bar of ``meter``: 16 in 4/4, 8 in 2/4, 12 in 3/4 and 6/8."""
    return round(bar_beats(meter) * STEPS_PER_BEAT)


def _velocity(step: int, rng: np.random.Generator, meter: str = "4/4") -> int:
    """Accent by position in the bar: downbeat 100, the meter's other strong beats 92 (beat 3 of
    4/4, the fourth eighth of 6/8), other beats 84 (eighths in 6/8), off-beats 76; ±4 jitter."""
    in_bar = step % bar_steps(meter)
    beat_steps = 2 if meter == "6/8" else STEPS_PER_BEAT
    if in_bar == 0:
        base = 100
    elif in_bar in {round(b * STEPS_PER_BEAT) for b in STRONG_BEATS[meter]}:
        base = 92
    elif in_bar % beat_steps == 0:
        base = 84
    else:
        base = 76
    return base + int(rng.integers(-4, 5))


def _check_generation(n_bars: int, low: int, high: int) -> None:
    if n_bars < 1:
        raise InvalidInput(f"number of bars {n_bars} must be at least 1")
    if not 0 <= low <= high <= 127:
        raise InvalidInput(f"pitch range {low}–{high} is not within 0–127")


def _allowed_pitches(key: Key | None, low: int, high: int) -> list[int]:
    pitches = list(range(low, high + 1)) if key is None else key.scale_pitches(low, high)
    if not pitches:
        raise InvalidInput(f"{key} has no pitch between {low} and {high}")
    return pitches


def _nearest(pitches: list[int], target: int) -> int:
    """The pitch of ``pitches`` closest to ``target`` (the lower one on a tie)."""
    return min(pitches, key=lambda p: (abs(p - target), p))


def tokenize(melody: Sequence[Note]) -> list[Token]:
    """Turn a melody into Markov tokens: one per note and one per rest between notes.

    Onsets and durations are rounded to the sixteenth grid; a note is cut where the next starts
    (of notes starting on one step the highest is kept). The first note's interval is 0, rests
    before it are dropped, and rests are at most one bar long.
    """
    events: dict[int, tuple[int, int]] = {}
    for note in melody:
        onset = _steps(note.start)
        if onset not in events or note.pitch > events[onset][0]:
            events[onset] = (note.pitch, max(1, _steps(note.duration)))
    tokens: list[Token] = []
    onsets = sorted(events)
    previous_pitch = None
    for onset, next_onset in zip(onsets, [*onsets[1:], None], strict=False):
        pitch, length = events[onset]
        if next_onset is not None:
            length = min(length, next_onset - onset)
        interval = 0 if previous_pitch is None else pitch - previous_pitch
        tokens.append((interval, length))
        previous_pitch = pitch
        if next_onset is not None and next_onset - onset > length:
            tokens.append((None, min(next_onset - onset - length, MAX_REST_STEPS)))
    return tokens


def _token_order(token: Token) -> tuple[bool, int, int]:
    return (token[0] is None, token[0] or 0, token[1])


class MarkovMelodyModel:
    """An order-2 Markov chain over (interval, length) tokens, with backoff and add-k smoothing.

    A token is a note (semitones from the previous note, length in sixteenth steps) or a rest
    (``None``, length), see ``tokenize``. The next token is drawn given the last two; when that
    context was never seen the model backs off to the last token alone, then to token
    frequencies. ``smoothing`` (k) is added to the count of every token *seen in training*, so
    any seen token may follow any context but no unseen interval or length is ever proposed.
    """

    def __init__(self, smoothing: float = 0.01) -> None:
        if smoothing < 0:
            raise InvalidInput(f"smoothing {smoothing} must not be negative")
        self.smoothing = smoothing
        self.meter = "4/4"
        self.start_pitch: int | None = None
        self._counts: dict[tuple[Token, Token], Counter[Token]] = {}
        self._counts1: dict[Token, Counter[Token]] = {}
        self._counts0: Counter[Token] = Counter()
        self._vocabulary: list[Token] = []

    @property
    def vocabulary(self) -> list[Token]:
        """The tokens seen in training, in a fixed order."""
        return list(self._vocabulary)

    def fit(self, melodies: Sequence[Sequence[Note]], meter: str = "4/4") -> MarkovMelodyModel:
        """Count token transitions in ``melodies`` (replacing earlier counts); returns self.

        ``meter`` is the melodies' meter: ``generate`` writes bars of it unless told otherwise
        (fit one model per meter, since the rhythms differ). The default start pitch becomes
        the median first pitch of the melodies.

        Raises:
            InvalidInput: if there is no note at all, or the meter is unknown.
        """
        bar_beats(meter)
        counts: dict[tuple[Token, Token], Counter[Token]] = {}
        first_pitches = []
        for melody in melodies:
            tokens = tokenize(melody)
            if not tokens:
                continue
            first_pitches.append(min(melody, key=lambda n: (n.start, -n.pitch)).pitch)
            history = [START, START, *tokens]
            for a, b, token in zip(history, history[1:], history[2:], strict=False):
                counts.setdefault((a, b), Counter())[token] += 1
        if not counts:
            raise InvalidInput("the Markov model needs at least one note to learn from")
        self._set_counts(counts, int(np.median(first_pitches)))
        self.meter = meter
        return self

    def _set_counts(self, counts: dict[tuple[Token, Token], Counter[Token]], start: int) -> None:
        """Store order-2 counts and derive the order-1 and order-0 counts from them."""
        self._counts, self._counts1, self._counts0 = counts, {}, Counter()
        for (_, previous), following in counts.items():
            self._counts1.setdefault(previous, Counter()).update(following)
            self._counts0.update(following)
        self._vocabulary = sorted(self._counts0, key=_token_order)
        self.start_pitch = start

    def _probabilities(self, a: Token, b: Token) -> np.ndarray:
        counts = self._counts.get((a, b)) or self._counts1.get(b) or self._counts0
        weights = np.array([counts[t] + self.smoothing for t in self._vocabulary], dtype=float)
        return weights / weights.sum()

    def _next_token(
        self,
        history: list[Token],
        previous_pitch: int,
        allowed: list[int],
        steps_left: int,
        rng: np.random.Generator,
    ) -> Token:
        """Draw the next token; a rest is allowed only between notes (before ``steps_left``)."""
        probabilities = self._probabilities(history[-2], history[-1])
        allowed_set = set(allowed)
        mask = np.array(
            [
                (len(history) > 2 and length < steps_left)
                if interval is None
                else previous_pitch + interval in allowed_set
                for interval, length in self._vocabulary
            ]
        )
        if (probabilities * mask).sum() > 0:
            weights = probabilities * mask
        else:  # draw any note and snap its pitch
            is_note = np.array([interval is not None for interval, _ in self._vocabulary])
            weights = probabilities * is_note
            if weights.sum() == 0:
                weights = is_note.astype(float)
        interval, length = self._vocabulary[rng.choice(len(weights), p=weights / weights.sum())]
        if interval is not None and previous_pitch + interval not in allowed_set:
            interval = _nearest(allowed, previous_pitch + interval) - previous_pitch
        return interval, length

    def generate(
        self,
        n_bars: int,
        key: Key | None = None,
        seed: int = 0,
        start_pitch: int | None = None,
        low: int = 48,
        high: int = 84,
        meter: str | None = None,
    ) -> tuple[Note, ...]:
        """Sample a melody that fills exactly ``n_bars`` bars of ``meter`` (default: the meter
        the model was fitted on; 4/4 when fitted without one).

        The first note has ``start_pitch`` (default: the training median, or with a key the
        tonic nearest to it). Tokens that would leave ``[low, high]``, leave ``key``'s scale,
        start with a rest or end with one are masked out and the rest renormalised; if nothing
        is left, a note token is drawn and its pitch snapped to the nearest allowed pitch (the
        only way an interval unseen in training appears). The last note is cut at the end.

        Raises:
            InvalidInput: if the model is not fitted, or the range holds no allowed pitch.
        """
        if self.start_pitch is None:
            raise InvalidInput("the Markov model must be fitted before it can generate")
        _check_generation(n_bars, low, high)
        allowed = _allowed_pitches(key, low, high)
        pitch = self.start_pitch if start_pitch is None else start_pitch
        if key is not None and start_pitch is None:
            pitch = _nearest([p for p in allowed if p % 12 == key.tonic] or allowed, pitch)
        previous_pitch = _nearest(allowed, pitch)  # the first note's interval is 0 from here

        meter = self.meter if meter is None else meter
        rng = np.random.default_rng(seed)
        total = n_bars * bar_steps(meter)
        notes: list[Note] = []
        history = [START, START]
        position = 0
        while position < total:
            steps_left = total - position
            interval, length = self._next_token(history, previous_pitch, allowed, steps_left, rng)
            if interval is not None:
                length = min(length, steps_left)
                previous_pitch += interval
                beat = position / STEPS_PER_BEAT
                velocity = _velocity(position, rng, meter)
                notes.append(Note(previous_pitch, beat, length / STEPS_PER_BEAT, velocity))
            history.append((interval, length))
            position += length
        return tuple(notes)

    def to_dict(self) -> dict:
        """A JSON-ready description of the fitted model (order-2 counts; lower orders derive)."""
        if self.start_pitch is None:
            raise InvalidInput("the Markov model must be fitted before it can be saved")
        transitions = [
            {"context": [list(a), list(b)], "next": list(token), "count": count}
            for (a, b), following in self._counts.items()
            for token, count in following.items()
        ]
        return {
            "type": "markov",
            "order": 2,
            "smoothing": self.smoothing,
            "meter": self.meter,
            "start_pitch": self.start_pitch,
            "transitions": transitions,
        }

    @classmethod
    def from_dict(cls, data: dict) -> MarkovMelodyModel:
        """Rebuild a model saved with ``to_dict``.

        Raises:
            InvalidInput: if ``data`` is not a saved order-2 Markov model.
        """
        try:
            if data["type"] != "markov" or data["order"] != 2:
                raise InvalidInput("the data is not a saved order-2 Markov melody model")
            model = cls(float(data["smoothing"]))
            counts: dict[tuple[Token, Token], Counter[Token]] = {}
            for row in data["transitions"]:
                a, b = (_token(t) for t in row["context"])
                token = _token(row["next"])
                if token[1] < 1:
                    raise InvalidInput("a saved Markov token has no length")
                counts.setdefault((a, b), Counter())[token] += int(row["count"])
            if not counts:
                raise InvalidInput("the saved Markov melody model has no transitions")
            model._set_counts(counts, int(data["start_pitch"]))
            model.meter = str(data.get("meter", "4/4"))
            bar_beats(model.meter)
        except InvalidInput:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidInput(f"the saved Markov melody model is damaged ({error})") from None
        return model


def _token(value: Sequence) -> Token:
    interval, length = value
    return (None if interval is None else int(interval), int(length))


def random_in_scale(
    n_bars: int,
    key: Key,
    seed: int = 0,
    low: int = 48,
    high: int = 84,
    durations: Sequence[float] = (0.25, 0.5, 1.0, 2.0),
    meter: str = "4/4",
) -> tuple[Note, ...]:
    """Random scale pitches in ``[low, high]`` with random ``durations`` (beats), no rests.

    Notes follow one another from beat 0 and fill exactly ``n_bars`` bars of ``meter``: only
    the durations that still fit are drawn, and when none fits the last note takes what is left.

    Raises:
        InvalidInput: for no or non-positive durations, a range without a scale pitch, or an
            unknown meter.
    """
    _check_generation(n_bars, low, high)
    if not durations or min(durations) <= 0:
        raise InvalidInput("random_in_scale needs at least one duration, all positive")
    pitches = _allowed_pitches(key, low, high)
    rng = np.random.default_rng(seed)
    total = n_bars * bar_beats(meter)
    position = 0.0
    notes = []
    while total - position > 1e-9:
        remaining = total - position
        fitting = [d for d in durations if d <= remaining + 1e-9]
        duration = float(fitting[rng.integers(len(fitting))]) if fitting else remaining
        if remaining - duration < 1e-9:
            duration = remaining
        pitch = pitches[rng.integers(len(pitches))]
        notes.append(Note(pitch, position, duration, _velocity(_steps(position), rng, meter)))
        position += duration
    return tuple(notes)
