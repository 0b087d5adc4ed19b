"""Decoding for the melody generator: the network proposes, these rules decide.

Plain numpy around the one network call per bar that ``generator.MelodyGenerator`` makes. The
network works in a key-normalised frame (C major or A minor); ``key_frame`` moves a request into
it and ``bar_notes`` moves the result back. Whatever the network proposes, decoding guarantees:

* key lock: with ``key_lock`` no note outside the chosen scale;
* range: every note within ``low``–``high``;
* no zero-length notes (a note lasts at least one sixteenth) and no empty bars;
* chord tones: notes on the strong beats (``STRONG_STEPS``: beats 1 and 3 of 4/4, both dotted
  beats of 6/8 …) are drawn to the bar's chord tones about as often as the tunes have them
  (``CHORD_PULL``), and more with ``chord_tone_strength`` (1.0 = always a chord tone in the
  scale when one is in range);
* cadences (``studio.generation.form``): a phrase-closing bar ends on a held note, the tonic at
  the end of the melody, a note of the dominant chord at a half cadence, a chord tone elsewhere.

Pitches are sampled only at onsets (a step without one holds the sounding note, as in the
training data). Velocities follow the meter (``ACCENTS``) with a little seeded humanisation, and
longer notes sound a little louder. A bar here is a *unit* of its meter
(``studio.generation.data``): 16 sixteenth steps for 4/4 and a pair of 2/4 bars, 12 for 3/4 and
6/8. Times are in **beats** (quarter notes) and sixteenth **steps**.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from studio.core.errors import InvalidInput
from studio.core.music import Note, notes_from_columns
from studio.core.pianoroll import (
    PianoRollSpec,
    encode_melody,
    fit_to_range,
    octaves_into_range,
)
from studio.core.theory import Chord, Key
from studio.generation.data import (
    SPEC,
    UNIT_BEATS,
    UNIT_STEPS,
    event_onsets,
    normalising_shift,
    pad_unit,
)
from studio.generation.form import Cadence
from studio.generation.runs import RUN_LENGTHS, line_ends, next_run

STRONG_STEPS = {"4/4": (0, 8), "2/4": (0, 8), "3/4": (0,), "6/8": (0, 6)}
"""Steps drawn to the chord per meter: beats 1 and 3 of 4/4, the downbeats of a 2/4 pair, the
downbeat of 3/4, both dotted beats of 6/8."""
CHORD_PULL = {"4/4": 1.2, "3/4": 1.0, "6/8": 1.8}
"""Per meter, a log-weight added to the chord's tones at its strong steps (0 where absent), on
top of the user's ``chord_tone_strength``. An idea's chords are drawn from the data's
progressions before its notes, and with the interval, degree and contour tables steering the
notes towards the tunes' moves, the ideas put a chord tone on the strong beats less often than
the tunes do (validation, mean of seeds 0–30: 4/4 0.75 against 0.84, 3/4 0.75 against 0.96,
6/8 0.71 against 0.83; 2/4 0.82 against 0.79 already): played with their chords, a quarter of
the strong beats clashed. Chosen on the validation split, the calibration run again over it,
to bring each meter to about the tunes' rate with the two-sample accuracy level (now 0.84,
0.81, 0.82). 3/4 stops short of its tunes' 0.96 (chords estimated from a melody fit its one
strong beat nearly always): at 2.0 (0.86) its two-sample accuracy read 0.670 against 0.657,
on the test split 0.735 against 0.710 and on music from elsewhere 0.727 against 0.697, each
within noise but all three worse."""
ACCENTS = {
    "4/4": {0: 14, 8: 8, 4: 4, 12: 4},
    "2/4": {0: 14, 8: 11, 4: 4, 12: 4},
    "3/4": {0: 14, 4: 3, 8: 3},
    "6/8": {0: 14, 6: 9, 2: 1, 4: 1, 8: 1, 10: 1},
}
"""Velocity added on the steps of a bar per meter (other eighths +0, sixteenths −4)."""
CADENCE_STEPS = {"4/4": (0, 8), "2/4": (8,), "3/4": (0,), "6/8": (0, 6)}
"""Where a cadence's held note may start per meter: the last note of a phrase sounds from there
to the bar line (a whole or half note in 4/4, the second bar of a 2/4 pair, a dotted half in
3/4, a dotted half or dotted quarter in 6/8)."""
MAX_INTERVAL = 12
"""``interval_weights`` cover the intervals −12…+12 semitones; wider ones count as ±12."""
TONIC = {0: 0, 1: 9}
"""Pitch class of the tonic in the frame per mode (C major, A minor)."""
NO_INTERVAL = 99
"""``line_state``'s interval where a unit has fewer than two notes."""
NONE_ROW = 2 * MAX_INTERVAL + 1
"""The contour row for "no interval into the last note yet" (all 0)."""
LEAD_WEIGHT = 1.0
"""Log-weight taken, per semitone, from the last note of a bar before a repeat for its distance
to the repeat's first note (half as much from the note before it)."""
SPAN_WEIGHT = 1.0
"""Log-weight taken from a note per semitone that it would widen the melody's span beyond the
span drawn for it (``decode_bars``' ``span``)."""
REACH_WEIGHT = 0.6
"""Log-weight given to a note per semitone that it widens the span of the bars before towards
the span aimed for by then (``decode_bars``' ``span``: a real window's span, reached at about
the pace tunes reach theirs). The drawn span had only held ideas in, and the network's 8-bar
ideas spanned less than the tunes' windows (training split: 4/4 14.5 semitones against 16.1,
3/4 12.8 against 13.7, 6/8 14.5 against 15.1, 2/4 15.0 against 16.3; ideas within ten
semitones 15 % against 8 % in 4/4, 29 % against 20 % in 3/4). With 0.6 and the calibration run
again: validation 14.9 → 15.6 semitones (tunes 15.6), pitch-range overlap 0.87 → 0.92,
two-sample accuracy 0.616 → 0.609 (0.4: 0.613; 0.9: 0.615, 15.9 semitones)."""
BEYOND_OCTAVE_WEIGHT = 1.0
"""Log-weight taken per semitone that a leap goes beyond an octave. The interval weights
(``MAX_INTERVAL``) count every wider leap as an octave, so ideas leapt beyond one three times
as often as the tunes (per 8-bar window, training split: 4/4 0.37 against 0.11, 2/4 0.42
against 0.11, 3/4 0.13 against 0.02, 6/8 0.25 against 0.09); with 1.0 0.11, 0.10, 0.05 and
0.09 (2.0: 0.04, 0.08, 0.04, 0.05)."""
SYNCOPATION_MENDING = {"4/4": (0.88, 0.64), "3/4": (0.67, 0.59), "6/8": (0.0, 0.76)}
"""Per meter, the share of (an eighth off the beat held over the next beat, a sixteenth off the
eighths held over the next eighth) that ``mend_syncopations`` mends."""
ONSET_SHARPNESS = {"2/4": 1.5}
"""Per meter, a factor on the network's onset log-odds before the temperature (1 where absent).
Each step's onset is drawn on its own, so a 2/4 unit asked for running sixteenths came out
with eighths strewn among them: real 2/4 windows mostly keep to one (a reel in sixteenths, a
march in eighths), the generated ones mixed them (the entropy of a window's inter-onset
intervals 0.84 bits against the tunes' 0.59). Sharpened, the network's rhythm is followed more
closely. Chosen on the validation split (2/4 two-sample accuracy, mean of five seeds × 6
draws): 1.0 0.651, 1.25 0.638, 1.5 0.631, 1.75 0.631, 2.0 0.633; 4/4 at 1.3 and 3/4 at 1.5
scored worse, 6/8 at 1.3 the same."""
LONG_NOTE_BEATS = {"4/4": 4, "2/4": 4, "3/4": 4}
"""Per meter, the steps of a beat for ``mend_long_notes`` (6/8, in dotted beats, holds notes
over its eighths as tunes do: a dotted quarter tied to a quarter is common there)."""
LONGEST_TIED_STEPS = {"4/4": 16, "2/4": 16}
"""Per meter, the most steps a note tied over a bar line lasts (``mend_held_notes``): four
beats. 8-bar windows of the tunes with a longer note, training split: 4/4 0.2 %, 2/4 none;
the ideas had them in 2.0 % and none (a whole note tied on to the next bar's third beat). 3/4
tunes tie longer notes (4.7 % of their windows), 6/8 ones none and the ideas none either."""


@dataclass
class Frame:
    """A request moved into the network's key-normalised frame."""

    shift: int  # semitones from the real key to the frame
    mode: int  # 0 major, 1 minor
    allowed: np.ndarray  # (classes,) bool: pitch indices allowed by key lock and range
    in_range: np.ndarray  # (classes,) bool: by range only (in any of ``octaves``)
    octaves: tuple[int, ...] = (0,)  # octaves an idea may move by as a whole (``idea_octave``)
    low: int = 0  # the request's range (MIDI numbers), which every note ends in
    high: int = 127
    target: float = 72.0  # the pitch an idea's notes should centre on (``TUNE_CENTRES``)


@dataclass
class Bar:
    """A decoded bar: its notes (real key) and whether the first one continues the note that
    sounds at the end of the bar before (a tie over the bar line)."""

    notes: list[Note]
    tied: bool


IDEA_CENTRES = {"major": 68.0, "minor": 67.8}
"""The mean pitch of the network's ideas in its frame (C3–C6 in C major / A minor), about G♯4
(validation ideas in C major and A minor)."""
TUNE_CENTRES = {"major": 72.5, "minor": 71.7}
"""Where tunes sit as written, whatever their key: the mean pitch of the corpus's 3,608 major
and 724 minor tunes (70–73 in every key that has more than 50 of them: G major 72.1, D major
72.8, A major 73.3, E minor 71.5, D minor 70.1)."""


OWN_OCTAVE_RANGE = 24
"""From a range this wide (semitones) on, each new idea takes its own octave (``idea_octave``)."""


def register_target(low: int, high: int, mode: str) -> float:
    """The pitch new ideas should centre on: where tunes of the ``mode`` sit
    (``TUNE_CENTRES``), or the nearest point six semitones inside a range ``low``–``high``
    that does not reach it."""
    return min(max(TUNE_CENTRES[mode], low + 6), high - 6)


def register_shift(shift: int, low: int, high: int, mode: str = "major") -> int:
    """``shift`` (a key's ``normalising_shift``) moved by the whole octaves that put the
    network's ideas (``IDEA_CENTRES``) nearest where tunes of the ``mode`` sit
    (``TUNE_CENTRES``), or nearest the middle of a range ``low``–``high`` too narrow or far to
    hold that. Tunes move to the frame by at most six semitones either way, and down an
    octave where they pass C6: in the keys a major second to a fourth below C the smallest
    shift left the ideas a sixth low (G major ideas around E4, a tenth of their notes on the
    lowest allowed G3, where tunes in G sit around C5 with hardly a note below D4)."""
    target = register_target(low, high, mode)
    return shift - 12 * min(range(-10, 11), key=lambda k: (
        abs(IDEA_CENTRES[mode] - (shift - 12 * k) - target), abs(k)))  # fmt: skip


def key_frame(
    key: Key, *, major: bool, low: int, high: int, key_lock: bool, around: Sequence[int] = ()
) -> Frame:
    """The frame of a request in ``key`` (served by the model's major mode when ``major``,
    else its minor one), for notes in ``low``–``high`` (MIDI numbers, inclusive). With the
    real pitches of music ``around`` it (a primer, a melody to regenerate bars of) the frame
    lies in the register where they fit the network's range whole (``octaves_into_range``),
    so that a tune in G that climbs to B5 is not folded an octave down where it passes C6;
    without, in the register where tunes of every key sit (``register_shift``).

    Raises:
        InvalidInput: no note the model can play is allowed.
    """
    mode = "major" if major else "minor"
    shift = normalising_shift(Key(key.tonic, mode))
    octaves = (0,)
    if around:
        shift += 12 * octaves_into_range([pitch + shift for pitch in around], SPEC)
    else:
        shift = register_shift(shift, low, high, mode)
        if high - low >= OWN_OCTAVE_RANGE:
            octaves = (0, 1, -1)
    pitches = SPEC.low + np.arange(SPEC.n_pitches) - shift  # real pitch of each index
    in_range = np.zeros(SPEC.n_pitches, dtype=bool)
    for octave in octaves:  # a note is written if the idea can take an octave that holds it
        in_range |= (pitches + 12 * octave >= low) & (pitches + 12 * octave <= high)
    in_scale = np.array([key.contains(int(p)) for p in pitches])
    allowed = in_range & (in_scale if key_lock else True)
    if not allowed.any():
        raise InvalidInput(
            f"no note of {key.name} lies in the range {low}–{high} the model can play"
        )
    rest = np.array([True])
    return Frame(shift, 0 if major else 1, np.concatenate([allowed, rest]),
                 np.concatenate([in_range, rest]), octaves, low, high,
                 register_target(low, high, mode))  # fmt: skip


def idea_octave(pitch: np.ndarray, frame: Frame) -> int:
    """The octave (of ``frame.octaves``) an idea moves by as a whole, as the training data
    placed each tune: the one that keeps the most of its notes (``pitch``: its steps' pitch
    indices in the frame) in the request's range, then the one that centres them nearest
    where tunes sit (``frame.target``). The network writes in its frame's register; placed
    once for every idea of a key, the ideas crowded the edges of the range where the frame
    had notes beyond them (G major, the frame an octave up: 11.6 % of the notes on B5–C6,
    the tunes 1.9 %)."""
    sounding = np.asarray(pitch)[np.asarray(pitch) != SPEC.rest_index]
    if not sounding.size or len(frame.octaves) == 1:
        return frame.octaves[0]
    real = SPEC.low + sounding - frame.shift

    def cost(octave: int) -> tuple[int, float]:
        moved = real + 12 * octave
        outside = int(((moved < frame.low) | (moved > frame.high)).sum())
        return outside, abs(float(moved.mean()) - frame.target)

    return min(frame.octaves, key=cost)


def octave_bounds(frame: Frame) -> np.ndarray:
    """(octaves, 2) per octave of ``frame.octaves``: the lowest and highest pitch index whose
    note, the idea moved by that octave, lies in the request's range."""
    return _octave_bounds(frame.shift, frame.low, frame.high, frame.octaves)


def _octave_bounds(shift: int, low: int, high: int, octaves: tuple[int, ...]) -> np.ndarray:
    base = np.array([low, high]) - SPEC.low + shift
    return np.array([base - 12 * octave for octave in octaves])


@dataclass(frozen=True)
class Placing:
    """Which notes keep a melody placeable whole in a frame whose ideas take their own octave
    (``frame.octaves``), for every extent a melody can have so far. An extent, a melody's
    lowest and highest pitch index, is one number (``extent_of``); decoding looks each note
    start's answer up here instead of working it out again (a third of its time when it did)."""

    allows: np.ndarray  # (extents, pitches) bool: the note leaves the melody an octave to fit
    penalties: np.ndarray  # the same as log-weights to add: 0 where allowed, −inf where not
    grown: np.ndarray  # (extents, pitches) the extent with that note added


def extent_of(lowest: np.ndarray, highest: np.ndarray) -> np.ndarray:
    """The extent number of melodies whose lowest and highest pitch index so far are
    ``lowest`` and ``highest`` (the rest index and −1, or any ``highest`` < 0: no note yet)."""
    highest = np.asarray(highest)
    lowest = np.where(highest >= 0, lowest, SPEC.rest_index)
    return lowest * (SPEC.rest_index + 1) + np.maximum(highest, -1) + 1


def placing(frame: Frame) -> Placing | None:
    """The ``Placing`` of ``frame``; None when its ideas keep one octave (any note will do)."""
    if len(frame.octaves) == 1:
        return None
    return _placing(frame.shift, frame.low, frame.high, frame.octaves)


@functools.lru_cache(maxsize=8)
def _placing(shift: int, low: int, high: int, octaves: tuple[int, ...]) -> Placing:
    rest = SPEC.rest_index
    floors, ceilings = _octave_bounds(shift, low, high, octaves).T
    lowest, highest = np.divmod(np.arange((rest + 1) ** 2), rest + 1)  # every extent
    highest -= 1
    # the octaves that still hold the melody so far; the bounds overlap (a range of two
    # octaves or more, moved by one), so the notes these hold make one stretch
    holds = (lowest[:, None] >= floors) & (highest[:, None] <= ceilings)
    bottom = np.where(holds, floors, rest).min(axis=1, keepdims=True)
    top = np.where(holds, ceilings, -1).max(axis=1, keepdims=True)
    notes = np.arange(rest)
    allows = (notes >= bottom) & (notes <= top)
    grown = extent_of(np.minimum(lowest[:, None], notes), np.maximum(highest[:, None], notes))
    tables = (allows, np.where(allows, 0.0, -np.inf), grown)
    for table in tables:
        table.flags.writeable = False
    return Placing(*tables)


def fold_into_range(notes: Sequence[Note], frame: Frame) -> list[Note]:
    """``notes`` with any outside the request's range moved by octaves into it (an idea no
    octave holds whole: its few notes beyond the range)."""
    return list(fit_to_range(notes, PianoRollSpec(frame.low, frame.high)))


def encode_previous(
    notes: Sequence[Note], bar: int, shift: int, meter: str = "4/4"
) -> tuple[np.ndarray, np.ndarray] | None:
    """The bar (unit of ``meter``) before ``bar`` of real-key ``notes``, moved ``shift``
    semitones into the frame, as (pitch indices, onsets) per step, padded to 16 steps; None for
    bar 0 or without notes."""
    if bar == 0 or not notes:
        return None
    beats = UNIT_BEATS[meter]
    begin = (bar - 1) * beats
    window = []
    for note in notes:
        start, end = max(note.start, begin), min(note.end, begin + beats)
        pitch = note.pitch + shift
        if end > start and 0 <= pitch < 128:
            window.append(Note(pitch, start - begin, end - start, note.velocity))
    encoded = encode_melody(fit_to_range(window, SPEC), UNIT_STEPS[meter], SPEC)
    onsets = event_onsets(encoded.pitch, encoded.onset, SPEC.rest_index)
    if notes[-1].start < begin and notes[-1].end > begin:
        onsets[0] = False  # a note tied over from the bar before
    pitch, onsets = pad_unit(encoded.pitch.astype(np.int64), onsets)
    return pitch, onsets


def decode_bars(
    pitch_logits: np.ndarray,
    onset_logits: np.ndarray,
    previous_last: np.ndarray,
    rngs: Sequence[np.random.Generator],
    *,
    frame: Frame,
    chord: Chord | Sequence[Chord],
    bar: int,
    temperature: float,
    chord_tone_strength: float,
    meter: str = "4/4",
    cadences: Sequence[Cadence | None] | None = None,
    phrase_cadence_rate: float = 1.0,
    used_steps: int | None = None,
    interval_weights: np.ndarray | None = None,
    degree_weights: np.ndarray | None = None,
    fresh_start: Sequence[bool] | None = None,
    endings: Sequence[str | None] | None = None,
    notes_for: Sequence[bool] | None = None,
    onset_bias: np.ndarray | None = None,
    span: np.ndarray | None = None,
    contour_weights: np.ndarray | None = None,
    previous_interval: np.ndarray | None = None,
    lead_to: Sequence[int | None] | None = None,
    opening_weights: np.ndarray | None = None,
    homes: Sequence[int | None] | None = None,
    extent: np.ndarray | None = None,
    opens_melody: bool = False,
    rest_bias: np.ndarray | None = None,
    run_weights: np.ndarray | None = None,
    previous_run: np.ndarray | None = None,
    held_steps: np.ndarray | None = None,
) -> tuple[list[Bar], np.ndarray, np.ndarray]:
    """Sample bar ``bar`` of a batch of variations from the network's logits.

    Args:
        pitch_logits: (count, 16, classes) per step; the last class is the rest.
        onset_logits: (count, 16).
        previous_last: (count,) pitch index sounding at the end of the bar before (rest if none).
        rngs: one random generator per variation.
        frame: the request's frame; ``chord`` is the bar's chord in that frame, one for all
            variations or one per variation.
        meter: the bar is a unit of this meter: 12-step meters use the first 12 steps.
        cadences: per variation, the cadence that closes this bar (None: none).
        phrase_cadence_rate: the share of cadences held as a long note (real tunes close about
            that many phrases on a note of a beat or more); the others only end on the
            cadence's note, in the rhythm sampled.
        used_steps: the steps of this bar that will be kept (the first 2/4 bar of the last
            pair of an odd number of bars: 8); a cadence closes within them.
        interval_weights: (25,) or per variation (count, 25): log-weights of the melodic
            intervals −12…+12 from the note before (a network's ``calibration``, or
            ``priors.interval_log_weights`` times a strength), added to the pitch logits at
            each onset: the network proposes each step's pitch on its own, and real melodies
            move mostly by steps.
        degree_weights: (12, 25) log-weights of the same intervals by the pitch class (in the
            frame) of the note they leave, added to ``interval_weights``: a network's
            ``calibration`` of how each scale degree moves on (the leading tone up to the
            tonic, the raised fourth on to the fifth).
        fresh_start: per variation, whether the bar begins a new phrase after a cadence: then
            a note (or rest) starts on its downbeat instead of the cadence's note going on.
        endings: per variation, the rhythm of a cadence bar as ``priors.ending_pattern`` text
            (sampled from real phrase ends): from the cadence's note on, the bar plays that
            rhythm. The cadence's note arrives on the rhythm's last note on a strong step
            (``STRONG_STEPS``), and the notes after it lead on to the next phrase; a ``FINAL``
            cadence is the rhythm's last note. None (or no usable rhythm): the cadence is
            held (at ``phrase_cadence_rate``) as before.
        notes_for: per variation, whether to make its bar's notes (None: all); the others
            get an empty ``Bar`` (a repeat replaces them), their steps are still returned.
        onset_bias: (count, 16) added to the onset log-odds after the temperature: each
            variation's rhythmic feel (``plan.rhythm_leaning``).
        span: (count, 4) per variation: the lowest and highest pitch index of the bars before
            in its window (−1, −1: none), the span in semitones its notes should keep to (each
            semitone beyond costs ``SPAN_WEIGHT``) and the span it should reach by the end of
            this bar (each semitone a note widens the bars before towards it gains
            ``REACH_WEIGHT``).
        contour_weights: (25, 25) log-weights of (interval into the note before, interval on
            from it), added too: a network's ``calibration`` of how the melody turns.
        previous_interval: (count,) the interval into the last note of the bar before
            (``line_state``; ``NO_INTERVAL``: none).
        lead_to: per variation, the pitch index the next bar is known to start with (it
            repeats an earlier one) or None: the bar's last notes and its cadence head there.
        opening_weights: (12,) log-weights by pitch class (in the frame) for a note with none
            before it, the melody's first (a network's ``calibration`` of how tunes open);
            give them only for a melody's first bar.
        homes: per variation, for the melody's last bar: the pitch index its close lands on
            when it closes on that pitch class (``close_phrase``'s ``home``), or None.
        extent: (count, 2) the lowest and highest pitch index of each melody before this bar
            (the rest index and −1: none yet). With a frame whose ideas take their own octave
            (``frame.octaves``), every note keeps its melody placeable whole in one of them.
        opens_melody: the bar is a melody's first (no primer before it): a note starts on its
            downbeat. The network began 7 % of 3/4 ideas with a rest (4/4 2 %), where nearly
            every 8-bar window of the tunes starts on a note (3/4 1 %, 4/4 0.7 %).
        rest_bias: one per step of the unit (16 or 12), added to the rest's logit at each
            step after the temperature: a network's ``calibration`` of where rests begin (the
            network, trained on all meters at once, gave 2/4 ideas the sixteenth rest after an
            eighth note that 4/4 tunes write and 2/4 tunes seldom do).
        run_weights: (``runs.RUN_LENGTHS``,) log-weights added to a step that goes on with a
            stepwise run of 2, 3, 4, 5 or more steps the same way (``runs``; a network's
            ``calibration``).
        previous_run: (count,) the signed stepwise run the bar before ended with
            (``line_state``; None: none).
        held_steps: (count,) how many steps the note sounding at the bar line has lasted
            (``steps_held``; None: unknown): ``mend_held_notes`` ends it in time.

    Returns:
        The decoded bars, and their (count, 16) pitch indices and onsets (padding holds).
    """
    count = len(onset_logits)
    steps = UNIT_STEPS[meter]
    rest = SPEC.rest_index
    chords = [chord] * count if isinstance(chord, Chord) else list(chord)
    rows = np.arange(count)
    sharpness = ONSET_SHARPNESS.get(meter, 1.0)
    onset_scores = np.asarray(onset_logits, dtype=np.float64)[:, :steps] * sharpness / temperature
    if onset_bias is not None:
        onset_scores = onset_scores + np.asarray(onset_bias)[:, :steps]
    onset_p = 1 / (1 + np.exp(-onset_scores))
    chord_masks = np.array([_chord_mask(c) for c in chords])  # (count, classes)
    logits = np.asarray(pitch_logits, dtype=np.float64)[:, :steps] / temperature
    if rest_bias is not None:
        logits[..., rest] += np.asarray(rest_bias, dtype=np.float64)[:steps]
    logits = np.where(frame.allowed, logits, -np.inf)
    if opens_melody:
        logits[:, 0, rest] = -np.inf
    usable = chord_masks & frame.allowed
    strong = list(STRONG_STEPS[meter])
    pull = CHORD_PULL.get(meter, 0.0) + 4.0 * chord_tone_strength
    if chord_tone_strength >= 1:  # only chord tones (or a rest) where the bar has one in range
        keep = usable | (np.arange(rest + 1) == rest)
        keep[~usable.any(axis=1)] = True
        logits[:, strong] = np.where(keep[:, None, :], logits[:, strong], -np.inf)
    elif pull > 0:
        logits[:, strong] += pull * usable[:, None, :]
    # one draw per variation: Gumbel noise for the pitches, the last column for the onsets
    uniform = np.empty((count, steps, rest + 2))
    for row, rng in zip(uniform, rngs, strict=True):
        rng.random(out=row)
    gumbel = -np.log(-np.log(uniform[..., :-1]))
    uniform = uniform[..., -1]
    scores = logits + gumbel  # argmax of logits + Gumbel noise samples from the softmax
    onsets = mend_long_notes(mend_syncopations(uniform < onset_p, uniform, onset_p, meter), meter)
    if fresh_start is not None:
        onsets[:, 0] |= np.asarray(fresh_start, dtype=bool)
    if opens_melody:
        onsets[:, 0] = True
    arrivals = [None] * count
    force_rest = np.zeros((count, steps), dtype=bool)
    force_note = np.zeros((count, steps), dtype=bool)
    patterns = list(endings or [None] * count)
    for i, cadence in enumerate(cadences or [None] * count):
        pattern = patterns[i]
        if cadence is not None and pattern is not None and used_steps is None:
            arrivals[i] = _arrival(pattern, meter, last=cadence == Cadence.FINAL)
            if arrivals[i] is not None:
                # the network's rhythm up to the arrival, the pattern's from there on
                tail = slice(arrivals[i], steps)
                force_note[i, tail] = [c == "x" for c in pattern[tail]]
                force_rest[i, tail] = [c == "r" for c in pattern[tail]]
                onsets[i, tail] = force_note[i, tail] | force_rest[i, tail]
    current = np.asarray(previous_last)
    onsets = mend_held_notes(onsets, current != rest, held_steps, meter)
    # the row of the tables for the last pitch that sounded: its index + 1 (0: none yet)
    last_row = np.where(current == rest, 0, current + 1)
    # per variation [last note + 1, next note] → the weight of their interval (row 0: none yet)
    degrees = None if degree_weights is None else np.asarray(degree_weights, float).tobytes()
    opening = None if opening_weights is None else np.asarray(opening_weights, float).tobytes()
    # the interval tables as rows (last note + 1) of one flat table, and each variation's
    # first row in it: one table for all, or one per variation
    if interval_weights is None or np.ndim(interval_weights) == 1:
        interval_rows = _interval_table(
            None if interval_weights is None else np.asarray(interval_weights, float).tobytes(),
            degrees,
            opening,
        )
        table_rows = np.zeros(count, dtype=np.int64)
    else:
        weights = np.asarray(interval_weights, dtype=float)
        tables = _interval_tables(weights.tobytes(), len(weights), degrees, opening)
        interval_rows = tables.reshape(-1, rest)
        table_rows = rows * (rest + 1)
    # a rest where the network's sample says so (as often as it says), or the pattern does
    rest_at = ((np.argmax(scores, axis=-1) == rest) | force_rest) & ~force_note
    # a held note that the range or key lock forbids (from a primer) is restarted; every
    # note chosen here is allowed, so only the first step can hold a forbidden one
    onsets[:, 0] |= ~frame.allowed[current]
    starts_note = onsets & ~rest_at
    chosen = np.full((count, steps), rest)
    # per variation: the interval into its last note (the contour table's row)
    into = np.full(count, NONE_ROW)
    if contour_weights is not None and previous_interval is not None:
        known = np.asarray(previous_interval) != NO_INTERVAL
        into[known] = np.asarray(previous_interval)[known] + MAX_INTERVAL
    # the last note of a bar before a repeat leads into the repeat's known first note, and
    # the note before it half as much: the melody heads there instead of jumping at the end
    targets = [None if t is None or t == rest else int(t) for t in (lead_to or [None] * count)]
    leading = [i for i, target in enumerate(targets) if target is not None]
    extra = np.zeros((count, steps, rest))  # added to the scores: the span's and the lead's
    if span is not None:  # how far a note would widen the span of the bars before beyond
        span = np.asarray(span, dtype=float)
        lowest, highest, allowed = (span[:, k, None].astype(np.int64) for k in range(3))
        indices = np.arange(rest)[None, :]
        wide = np.maximum(highest, indices) - np.minimum(
            np.where(lowest >= 0, lowest, rest), indices
        )
        extra -= SPAN_WEIGHT * np.maximum(0, wide - allowed)[:, None, :]
        # …and how far it widens them towards the span aimed for by now (with no notes
        # before, ``wide`` is 0: nothing to widen yet)
        width = np.where(lowest >= 0, highest - lowest, 0)
        short = np.maximum(0, span[:, 3, None] - width)
        extra += REACH_WEIGHT * np.minimum(np.maximum(0, wide - width), short)[:, None, :]
    if leading:
        from_end = np.cumsum(starts_note[:, ::-1], axis=1)[:, ::-1]  # note starts from here
        share = starts_note * ((from_end == 1) + 0.5 * (from_end == 2))
        # a melody's full close is approached as tunes approach it: mostly from the same note
        closing = starts_note * ((from_end <= 2) + 0.5 * (from_end == 3))
        for i in leading:
            distance = np.abs(np.arange(rest) - targets[i])
            final = cadences is not None and cadences[i] == Cadence.FINAL and homes is not None
            weight = (closing if final and homes[i] == targets[i] else share)[i]
            extra[i] -= LEAD_WEIGHT * weight[:, None] * distance[None, :]
    extra += scores[..., :rest]
    runs = np.zeros(count, dtype=np.int64)  # per variation the stepwise run it is in
    if run_weights is not None and previous_run is not None:
        runs[:] = np.minimum(np.maximum(previous_run, -RUN_CAP), RUN_CAP)  # np.clip's wrapper costs
    # each variation's line so far as one row of the step tables: (interval into its last
    # note, run, last note + 1)
    line = _line_key(into, runs, last_row)
    line_weights = _line_weights(
        None if contour_weights is None else np.asarray(contour_weights, float).tobytes(),
        None if run_weights is None else np.asarray(run_weights, float).tobytes(),
    )
    next_line = _next_line()
    places = None if extent is None else placing(frame)
    if places is not None:
        extents = extent_of(np.asarray(extent)[:, 0], np.asarray(extent)[:, 1])
        grown = places.grown.reshape(-1)
    # The loop below runs for most steps of every bar: its lookups are ``take``s of flat
    # rows (a third faster than indexing with two arrays), and ``extra`` is read step-major.
    by_step = np.ascontiguousarray(extra.transpose(1, 0, 2))
    next_lines = next_line.reshape(-1)
    every_one = starts_note.all(axis=0)
    for step in np.flatnonzero(starts_note.any(axis=0)).tolist():
        # which note: the network's sample weighed by the intervals from the last note, by
        # the interval into it (contour) and by how long the stepwise run going on would be
        weights = interval_rows.take(table_rows + last_row, axis=0)
        weights += by_step[step]
        weights += line_weights.take(line, axis=0)
        if places is not None:  # only notes that leave the melody an octave to sit in whole
            weights += places.penalties.take(extents, axis=0)
        note = weights.argmax(axis=1)
        chosen[:, step] = note
        if every_one[step]:
            line = next_lines.take(line * rest + note)
            if places is not None:
                extents = grown.take(extents * rest + note)
        else:
            starting = starts_note[:, step]
            line = np.where(starting, next_lines.take(line * rest + note), line)
            if places is not None:
                extents = np.where(starting, grown.take(extents * rest + note), extents)
        last_row = line % (rest + 1)
    # each step sounds what the last onset chose (a rest or a note), or what sounded before
    sounding = np.where(onsets, np.where(rest_at, rest, chosen), -1)
    latest = np.maximum.accumulate(np.where(onsets, np.arange(steps), -1), axis=1)
    pitch = np.where(latest >= 0, sounding[rows[:, None], latest], current[:, None])
    empty = (pitch == rest).all(axis=1)
    if empty.any():  # no empty bars: start the most likely allowed pitch on the downbeat
        best = np.argmax(np.where(frame.allowed[:-1], logits[:, 0, :-1], -np.inf), axis=-1)
        pitch[empty] = best[empty][:, None]
        onsets[empty] = False
        onsets[empty, 0] = True
    home = list(homes or [None] * count)
    fits = [None] * count if places is None else places.allows[extents]
    for i, cadence in enumerate(cadences or [None] * count):
        if cadence is not None and arrivals[i] is not None:
            close_phrase(pitch[i], onsets[i], cadence, frame, chords[i], meter, rngs[i],
                         hold=False, at=arrivals[i], before=previous_last[i],
                         after=targets[i], home=home[i], fits=fits[i])  # fmt: skip
        elif cadence is not None:
            hold = rngs[i].random() < phrase_cadence_rate
            close_phrase(
                pitch[i],
                onsets[i],
                cadence,
                frame,
                chords[i],
                meter,
                rngs[i],
                used_steps,
                hold,
                before=previous_last[i],
                after=targets[i],
                home=home[i],
                fits=fits[i],
            )
    bars = [
        bar_notes(pitch[i], onsets[i], bar, frame.shift, rngs[i], previous_last[i], meter)
        if notes_for is None or notes_for[i]
        else Bar([], False)
        for i in range(count)
    ]
    return (bars, *pad_unit(pitch, onsets))


@functools.lru_cache(maxsize=64)
def _interval_table(
    weights: bytes | None, degree_weights: bytes | None = None, opening: bytes | None = None
) -> np.ndarray:
    """(classes, pitches) read-only: row ``last note + 1``, column ``next note`` → the weight of
    their interval from ``weights`` (float64 bytes, −12…+12 semitones; None: all 0), plus its
    weight from the last note's pitch class in ``degree_weights`` (float64 bytes of (12, 25)).
    Row 0 (no note before) holds the next note's pitch class's weight in ``opening`` (float64
    bytes of 12; None: all 0)."""
    rest = SPEC.rest_index
    table = np.zeros((rest + 1, rest))
    columns = _moves()[1:]  # the interval from each note to each next one, as a column
    pitch_classes = (SPEC.low + np.arange(rest)) % 12
    if weights is not None:
        table[1:] = np.frombuffer(weights, dtype=float)[columns]
    if degree_weights is not None:
        by_degree = np.frombuffer(degree_weights, dtype=float).reshape(12, 2 * MAX_INTERVAL + 1)
        table[1:] += by_degree[pitch_classes[:, None], columns]
    if opening is not None:
        table[0] = np.frombuffer(opening, dtype=float)[pitch_classes]
    span = np.abs(np.arange(rest)[None, :] - np.arange(rest)[:, None])
    table[1:] -= BEYOND_OCTAVE_WEIGHT * np.maximum(0, span - MAX_INTERVAL)
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=8)
def _interval_tables(
    weights: bytes, count: int, degree_weights: bytes | None, opening: bytes | None
) -> np.ndarray:
    """(count, classes, pitches) read-only: ``_interval_table`` of each row of ``weights``
    (float64 bytes of (count, 25)), stacked once for all the bars of a request."""
    rows = np.frombuffer(weights, dtype=float).reshape(count, -1)
    tables = np.stack([_interval_table(row.tobytes(), degree_weights, opening) for row in rows])
    tables.setflags(write=False)
    return tables


@functools.lru_cache(maxsize=64)
def _contour_table(weights: bytes) -> np.ndarray:
    """(26, classes, pitches) read-only: [row of the interval into the last note (``NONE_ROW``:
    none), last note + 1 (0: none), next note] → the contour weight (float64 bytes of (25, 25))
    of that pair of intervals; 0 where either is missing."""
    rest = SPEC.rest_index
    pairs = np.frombuffer(weights, dtype=float).reshape(NONE_ROW, NONE_ROW)
    table = np.zeros((NONE_ROW + 1, rest + 1, rest))
    table[:NONE_ROW, 1:] = pairs[:, _moves()[1:]]
    table.setflags(write=False)
    return table


def _line_key(into: np.ndarray, runs: np.ndarray, last_row: np.ndarray) -> np.ndarray:
    """The row of ``_line_weights`` and ``_next_line`` for a line whose last note's row is
    ``last_row`` (its index + 1; 0: none), the interval into it ``into`` (``NONE_ROW``: none)
    and its run ``runs`` (capped at ±``RUN_CAP``)."""
    return (into * RUN_ROWS + runs + RUN_CAP) * (SPEC.rest_index + 1) + last_row


@functools.lru_cache(maxsize=8)
def _line_weights(contour_weights: bytes | None, run_weights: bytes | None) -> np.ndarray:
    """(lines, pitches) read-only: for each line (``_line_key``) the contour weight (float64
    bytes of (25, 25); None: 0) of each next note plus its run weight (``_run_tables``; None:
    0). Some 3 MB: one table per style is kept."""
    rest = SPEC.rest_index
    table = np.zeros((NONE_ROW + 1, RUN_ROWS, rest + 1, rest))
    if contour_weights is not None:
        table += _contour_table(contour_weights)[:, None]
    if run_weights is not None:
        table += _run_tables(run_weights)[1][None]
    table = table.reshape(-1, rest)
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=1)
def _next_line() -> np.ndarray:
    """(lines, pitches) read-only: the line (``_line_key``) after each next note."""
    rest = SPEC.rest_index
    moves = _moves()  # (last row, note): the interval into the note
    # any run weights give the same runs after a note: only the bonus depends on them
    after = _run_tables(np.zeros(RUN_LENGTHS).tobytes())[0]  # (run row, last row, note)
    notes = np.arange(rest)
    table = _line_key(moves[None, None], after[None], notes + 1)
    table = np.broadcast_to(table, (NONE_ROW + 1, RUN_ROWS, rest + 1, rest))
    table = np.ascontiguousarray(table).reshape(-1, rest)
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=1)
def _moves() -> np.ndarray:
    """(classes, pitches) read-only: [last note + 1 (0: none), next note] → their interval
    + ``MAX_INTERVAL`` (clipped to ±``MAX_INTERVAL``): the column of the interval tables and the
    contour row (``NONE_ROW`` after no note)."""
    rest = SPEC.rest_index
    table = np.full((rest + 1, rest), NONE_ROW)
    table[1:] = np.clip(np.arange(rest)[None, :] - np.arange(rest)[:, None], -MAX_INTERVAL,
                        MAX_INTERVAL) + MAX_INTERVAL  # fmt: skip
    table.setflags(write=False)
    return table


def mend_syncopations(
    onsets: np.ndarray, uniform: np.ndarray, onset_p: np.ndarray, meter: str
) -> np.ndarray:
    """``onsets`` (count, steps) with some syncopations mended (``SYNCOPATION_MENDING``): where
    a note (or rest) starts off the beat and nothing starts on the beat after it, the beat gets
    an onset at the meter's rate; the same for a sixteenth off the eighths and the eighth after
    it. Each step's onset was drawn on its own (``uniform < onset_p``), so a beat the network
    gave an onset 90 % of the time was still skipped now and then, holding the note before
    over it. The rate applies to the step's own draw (``uniform`` above ``onset_p``, scaled
    back to 0–1), so no further random numbers are drawn."""
    rates = SYNCOPATION_MENDING.get(meter)
    if not rates:
        return onsets
    onsets = onsets.copy()
    steps = onsets.shape[1]
    skipped = (uniform - onset_p) / np.maximum(1 - onset_p, 1e-9)  # uniform, given no onset
    for rate, first, every, gap in ((rates[0], 2, 4, 2), (rates[1], 1, 2, 1)):
        if rate <= 0:
            continue
        starts = slice(first, steps - gap, every)  # the off-beat onsets, and the beats after
        beats = slice(first + gap, steps, every)
        mend = onsets[:, starts] & ~onsets[:, beats] & (skipped[:, beats] < rate)
        if gap == 2:  # an eighth off the beat: nothing starts in between either
            mend &= ~onsets[:, first + 1 : steps - 1 : every]
        onsets[:, beats] |= mend
    return onsets


def mend_long_notes(onsets: np.ndarray, meter: str) -> np.ndarray:
    """``onsets`` (count, steps) where no note (or rest) is held over a beat to end on a
    sixteenth, or over two beats to end off the beat: the last beat it covers gets an onset (a
    note from the bar before is held over the downbeat). Tunes all but never hold a note so (a
    half note tied to an eighth in 3/4, a dotted quarter tied to a sixteenth): 8-bar windows
    with one, training split, 4/4 0.7 %, 3/4 4.7 %; the network's steps, each drawn on its
    own, made them in 11 % and 26 %."""
    beat = LONG_NOTE_BEATS.get(meter)
    if beat is None:
        return onsets
    steps = onsets.shape[1]
    # the start of the note (or rest) that sounds before each step: -1 for one from a bar
    # before, which is held over the downbeat
    latest = np.maximum.accumulate(np.where(onsets, np.arange(steps), -1), axis=1)
    before = np.empty_like(latest)
    before[:, 0] = -1
    before[:, 1:] = latest[:, :-1]
    odd = onsets & (before < _held_too_long(beat, steps))
    if not odd.any():
        return onsets
    rows, ends = np.nonzero(odd)
    onsets = onsets.copy()
    onsets[rows, (ends - 1) // beat * beat] = True  # the last beat inside the held note
    return onsets


def mend_held_notes(
    onsets: np.ndarray, sounding: np.ndarray, held_steps: np.ndarray | None, meter: str
) -> np.ndarray:
    """``onsets`` (count, steps) mended for the rows where a note sounds at the bar line
    (``sounding``): a unit that starts nothing gets an onset on its downbeat, so no note is
    held through a whole bar; in the meters of ``LONGEST_TIED_STEPS``, with ``held_steps`` (how
    long the note has sounded), a first onset that comes too late gets one before it, on the
    last beat that keeps the note within the limit. 8-bar windows of the tunes with a bar held
    whole from the bar before, training split: 4/4 none, 2/4 0.1 %, 3/4 0.8 %, 6/8 none; the
    ideas had one in 1.0 %, none, 5.4 % and 0.3 %."""
    onsets = onsets.copy()
    onsets[:, 0] |= ~onsets.any(axis=1) & sounding
    longest = LONGEST_TIED_STEPS.get(meter)
    if longest is None or held_steps is None:
        return onsets
    beat = 4  # both meters count quarter notes
    latest = np.maximum(longest - np.asarray(held_steps), 0) // beat * beat
    first = np.argmax(onsets, axis=1)  # every sounding row has an onset now
    late = np.flatnonzero(sounding & (first > latest))
    onsets[late, latest[late]] = True
    return onsets


def steps_held(onsets: np.ndarray) -> np.ndarray:
    """(count,) how many steps the note (or rest) sounding at the end of each row of a unit's
    ``onsets`` (count, steps: the unit's own, no padding) has lasted there: from its last
    onset, or longer than the unit where it has none."""
    onsets = np.asarray(onsets, dtype=bool)
    steps = onsets.shape[1]
    from_end = np.argmax(onsets[:, ::-1], axis=1)  # steps after the last onset
    return np.where(onsets.any(axis=1), from_end + 1, 2 * steps)


@functools.lru_cache(maxsize=8)
def _held_too_long(beat: int, steps: int) -> np.ndarray:
    """(steps,) for ``mend_long_notes``: an onset at step ``s`` ends a note (or rest) held
    oddly when that note began before ``threshold[s]``. Off the eighths, that is the start of
    the beat holding step ``s − 1`` (the note was held over a beat to end on a sixteenth); on
    the other steps off the beat, the start of the beat before that one (held over two beats to
    end off the beat); on the beat −2, below any start (a note from the bar before began at
    −1)."""
    positions = np.arange(steps)
    last_beat = (positions - 1) // beat * beat  # the start of the beat holding step s - 1
    over_one = np.where(positions % 2 == 1, last_beat, -2)
    over_two = np.where(positions % beat != 0, last_beat - beat, -2)
    threshold = np.maximum(over_one, over_two)
    threshold.setflags(write=False)
    return threshold


RUN_CAP = RUN_LENGTHS + 1
"""Runs longer than this many steps are weighed as this long (``_run_tables``)."""
RUN_ROWS = 2 * RUN_CAP + 1
"""Signed runs −``RUN_CAP``…``RUN_CAP``: the run rows of the step tables."""


@functools.lru_cache(maxsize=64)
def _run_tables(weights: bytes) -> tuple[np.ndarray, np.ndarray]:
    """For ``run_weights`` (as bytes), two read-only tables indexed [signed run + ``RUN_CAP``,
    row of the last note (its index + 1; 0: none), next note]: the run after that note
    (``runs.run_lengths``, capped at ±``RUN_CAP``) and the log-weight of that note (its run
    length's weight where it goes on with a run of two steps or more, else 0)."""
    rest = SPEC.rest_index
    by_length = np.concatenate([[0.0, 0.0], np.frombuffer(weights, dtype=float)])
    runs = np.arange(-RUN_CAP, RUN_CAP + 1)[:, None, None]
    last = np.arange(rest + 1)[None, :, None] - 1  # −1: no note yet
    move = np.arange(rest)[None, None, :] - last
    after = np.where(last >= 0, np.vectorize(next_run)(runs, move), 0)
    going_on = after * runs > 0
    after = np.clip(after, -RUN_CAP, RUN_CAP)
    bonus = np.where(going_on, by_length[np.abs(runs)], 0.0)
    after.setflags(write=False)
    bonus.setflags(write=False)
    return after, bonus


@functools.lru_cache(maxsize=256)
def _arrival(pattern: str, meter: str, last: bool = False) -> int | None:
    """The step of a phrase-ending rhythm where the cadence's note arrives: its last note on a
    strong step of ``meter``, else its last note; None for a rhythm without notes or of
    another length."""
    if len(pattern) != UNIT_STEPS[meter]:
        return None
    notes = [s for s, c in enumerate(pattern) if c == "x"]
    strong = [s for s in notes if s in STRONG_STEPS[meter] and not last]
    return (strong or notes or [None])[-1]


@functools.lru_cache(maxsize=12)
def _pitch_class_mask(pitch_class: int) -> np.ndarray:
    """(pitches,) True on the pitch indices of ``pitch_class`` (read only)."""
    mask = (SPEC.low + np.arange(SPEC.n_pitches)) % 12 == pitch_class
    mask.setflags(write=False)
    return mask


@functools.lru_cache(maxsize=1024)
def _chord_mask(chord: Chord) -> np.ndarray:
    """(classes,) True on the pitch indices whose pitch class is in ``chord`` (rest: False);
    remembered per chord (read only)."""
    tones = chord.tones
    mask = np.array([(SPEC.low + i) % 12 in tones for i in range(SPEC.n_pitches)] + [False])
    mask.setflags(write=False)
    return mask


def close_phrase(
    pitch: np.ndarray,
    onsets: np.ndarray,
    cadence: Cadence,
    frame: Frame,
    chord: Chord,
    meter: str,
    rng: np.random.Generator,
    used_steps: int | None = None,
    hold: bool = True,
    at: int | None = None,
    before: int | None = None,
    after: int | None = None,
    home: int | None = None,
    fits: np.ndarray | None = None,
) -> None:
    """End a bar's steps (``pitch``/``onsets`` of one variation, changed in place) on a held
    cadence note, from one of ``CADENCE_STEPS`` to the bar line: the tonic at the ``FINAL``
    cadence (the root of ``chord`` if the bar's chord lacks the tonic), else a tone of ``chord``
    (the generator gives a ``HALF`` cadence the dominant chord, unless the user chose the
    chords) — in the frame, allowed by key lock and range, the nearest to the melody before.
    With ``used_steps`` the held note starts before that step. Without ``hold`` the rhythm
    stays as sampled and only the bar's last note becomes the cadence's note; with ``at`` too
    (a step where a note starts) that note becomes it instead, and the notes after it stay.
    ``before``: the pitch index sounding at the end of the bar before (a rest or None: none),
    the melody before when no note of this bar comes before the cadence's. ``after``: the pitch
    index the next bar is known to start with (a repeat), which the note is also chosen near
    when it is the bar's last. ``home``: for the melody's last bar, the pitch index its close
    lands on if it lands on that note's pitch class (``final_target``: the tonic low, where
    tunes close; the nearest such note to the melody before often lay an octave higher).
    ``fits``: (pitches,) the notes that keep the melody placeable whole (``Placing.allows``), where
    the cadence's note is chosen when one fits."""
    rest = SPEC.rest_index
    options = [s for s in CADENCE_STEPS[meter] if used_steps is None or s < used_steps] or [0]
    held_from = options[int(rng.integers(len(options)))]  # drawn always: the seeded stream
    steps = used_steps or len(pitch)
    starts = np.flatnonzero(onsets[:steps] & (pitch[:steps] != rest))
    if hold or not starts.size:
        at = held_from
    elif at is None:
        at = int(starts[-1])
    if cadence == Cadence.FINAL:
        tonic = TONIC[frame.mode]
        wanted = _pitch_class_mask(tonic if tonic in chord.tones else chord.root)
    else:
        wanted = _chord_mask(chord)[:-1]
    usable = wanted & frame.allowed[:-1]
    if fits is not None and (usable & fits).any():
        usable = usable & fits
    candidates = np.flatnonzero(usable)
    if not len(candidates):
        return  # the range holds no such note: leave the bar as sampled
    sounding = pitch[:at][pitch[:at] != rest]
    if sounding.size:
        reference = int(sounding[-1])
    elif before is not None and before != rest:
        reference = int(before)
    else:
        reference = int(np.median(candidates))
    distance = np.abs(candidates - reference) + rng.random(len(candidates)) * 0.5
    later = np.flatnonzero(onsets[at + 1 :])  # notes or rests after the cadence's note
    if after is not None and (hold or not later.size):  # it is the bar's last note
        distance = distance + 2 * np.abs(candidates - after)
    chosen = candidates[int(np.argmin(distance))]
    if home is not None and (chosen - home) % 12 == 0 and (fits is None or fits[home]):
        chosen = home  # the melody's close, in its octave
    if hold:
        pitch[at:] = chosen
        onsets[at] = True
        onsets[at + 1 :] = False
    else:  # the last note keeps its rhythm, up to the next onset (or the bar line)
        end = at + 1 + int(later[0]) if later.size else len(pitch)
        pitch[at:end] = chosen


def final_target(frame: Frame, chord: Chord, low: int, octave: int) -> int | None:
    """The pitch index a melody's full close should land on: the note ``close_phrase`` would
    choose (the tonic, or the chord's root if the chord lacks it), the ``octave``-th above the
    lowest at or above ``low`` (the lowest pitch index of the window before; ``octave`` −1:
    the one below it), in the frame, allowed by key lock and range; the nearest such note
    where that one is out of range. None when ``low`` is not a pitch or no such note is
    allowed. Tunes close low, on the tonic just above their lowest note (see
    ``priors._final_octave``); chosen near the melody before, the close fell mid-range."""
    if not 0 <= low < SPEC.rest_index:
        return None
    tonic = TONIC[frame.mode]
    wanted = _pitch_class_mask(tonic if tonic in chord.tones else chord.root)
    candidates = np.flatnonzero(wanted & frame.allowed[:-1])
    if not candidates.size:
        return None
    base = int(np.searchsorted(candidates, low))  # the lowest at or above ``low``
    return int(candidates[int(np.clip(base + octave, 0, candidates.size - 1))])


def line_state(pitch: np.ndarray, onsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How each row of a unit's steps (``pitch``/``onsets`` (count, steps)) ends, what
    ``decode_bars`` takes as ``previous_interval`` and ``previous_run``: (count,) the interval
    between its last two notes started (wider than an octave: ±``MAX_INTERVAL``; fewer than
    two notes: ``NO_INTERVAL``), and (count,) the signed stepwise run it ends with
    (``runs.line_ends``)."""
    into, runs = line_ends(pitch, onsets, SPEC.rest_index, no_move=NO_INTERVAL)
    clipped = np.minimum(np.maximum(into, -MAX_INTERVAL), MAX_INTERVAL)
    return np.where(into != NO_INTERVAL, clipped, NO_INTERVAL), runs


def bar_notes(
    pitch: np.ndarray,
    onsets: np.ndarray,
    bar: int,
    shift: int,
    rng: np.random.Generator,
    previous_last: int,
    meter: str = "4/4",
) -> Bar:
    """The notes of one decoded bar (a unit of ``meter``), ``pitch``/``onsets`` being its steps
    in the frame (padding beyond the unit's steps is ignored)."""
    notes = melody_notes(np.asarray(pitch)[None], np.asarray(onsets)[None], bar, shift, rng, meter)
    rest = SPEC.rest_index
    tied = bool(notes) and not onsets[0] and int(pitch[0]) == previous_last != rest
    return Bar(notes, tied)


def melody_notes(
    pitch: np.ndarray,
    onsets: np.ndarray,
    first_unit: int,
    shift: int,
    rng: np.random.Generator,
    meter: str = "4/4",
) -> list[Note]:
    """The notes of consecutive decoded units of ``meter``, the first being unit
    ``first_unit``: ``pitch``/``onsets`` are (units, steps) in the frame (padding beyond the
    meter's steps is ignored). A note held over a bar line is one note."""
    steps = UNIT_STEPS[meter]
    pitch = np.asarray(pitch)[:, :steps].reshape(-1)
    onsets = np.asarray(onsets, dtype=bool)[:, :steps].reshape(-1)
    total = len(pitch)
    # a little humanisation of the velocities: −4…+4 (uniforms scaled, faster than integers)
    jitter = (rng.random(total) * 9).astype(np.int64) - 4
    # a note (or rest) begins at an onset or where the pitch changes, and lasts to the next
    begins = np.ones(total, dtype=bool)
    begins[1:] = onsets[1:] | (pitch[1:] != pitch[:-1])
    starts = np.flatnonzero(begins)
    ends = np.append(starts[1:], total)
    sounding = pitch[starts] != SPEC.rest_index
    starts, ends = starts[sounding], ends[sounding]
    accents = np.asarray(_accents(meter))[starts % steps]
    # accented, longer notes louder, humanised
    velocity = np.clip(80 + accents + np.minimum(8, 2 * (ends - starts)) + jitter[starts], 30, 127)
    origin = first_unit * UNIT_BEATS[meter]
    return notes_from_columns(
        SPEC.low + pitch[starts] - shift, origin + starts / 4, (ends - starts) / 4, velocity
    )


@functools.lru_cache(maxsize=len(ACCENTS))
def _accents(meter: str) -> tuple[int, ...]:
    """Velocity added on each step of a unit of ``meter``: ``ACCENTS``, other eighths +0,
    sixteenths −4."""
    return tuple(ACCENTS[meter].get(step, 0 if step % 2 == 0 else -4) for step in range(16))


def cut_at(note: Note, beat: float) -> Note:
    """``note`` shortened so that it ends by ``beat``."""
    return note if note.end <= beat else replace(note, duration=max(0.0, beat - note.start))


def seam_cost(notes: list[Note], before: int | None, after: int | None) -> float:
    """How far the bar's first and last notes leap from their neighbours (semitones)."""
    if not notes:
        return 100.0
    cost = 0.0
    if before is not None:
        cost += abs(notes[0].pitch - before)
    if after is not None:
        cost += abs(notes[-1].pitch - after)
    return cost


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation per bar between latent rows (keeps Gaussian-like norms)."""
    out = np.empty_like(a)
    for row, (x, y) in enumerate(zip(a, b, strict=True)):
        cos = float(np.dot(x, y) / (np.linalg.norm(x) * np.linalg.norm(y) + 1e-12))
        angle = np.arccos(np.clip(cos, -1.0, 1.0))
        if angle < 1e-6:
            out[row] = (1 - t) * x + t * y
        else:
            out[row] = (np.sin((1 - t) * angle) * x + np.sin(t * angle) * y) / np.sin(angle)
    return out
