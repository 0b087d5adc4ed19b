"""The decoding rules on their own: any logits at all, no network and no torch."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import SCALES, Chord, Key
from studio.generation.data import SPEC, UNIT_BEATS, UNIT_STEPS
from studio.generation.decoding import (
    CADENCE_STEPS,
    IDEA_CENTRES,
    MAX_INTERVAL,
    NO_INTERVAL,
    ONSET_SHARPNESS,
    SYNCOPATION_MENDING,
    TUNE_CENTRES,
    bar_notes,
    close_phrase,
    decode_bars,
    extent_of,
    final_target,
    fold_into_range,
    idea_octave,
    key_frame,
    line_state,
    melody_notes,
    mend_held_notes,
    mend_long_notes,
    mend_syncopations,
    octave_bounds,
    placing,
    register_shift,
    slerp,
    steps_held,
)
from studio.generation.form import Cadence

CLASSES = SPEC.n_pitches + 1  # the pitches and the rest
C_MAJOR = Chord(0, "maj")


def decode(logits, onset_logits, frame, chord=C_MAJOR, strength=0.5, seed=0):
    count = len(logits)
    rngs = [np.random.default_rng([seed, i]) for i in range(count)]
    previous = np.full(count, SPEC.rest_index)
    return decode_bars(
        logits, onset_logits, previous, rngs, frame=frame, chord=chord, bar=2,
        temperature=0.9, chord_tone_strength=strength,
    )  # fmt: skip


@pytest.mark.parametrize("mode", sorted(SCALES))
def test_wild_logits_still_give_notes_in_key_and_range(mode):
    rng = np.random.default_rng(len(mode))
    key = Key(int(rng.integers(12)), mode)
    frame = key_frame(key, major=True, low=57, high=76, key_lock=True)
    logits = rng.normal(0, 20, (6, 16, CLASSES))  # a network gone mad
    bars, pitch, onsets = decode(logits, rng.normal(0, 20, (6, 16)), frame)
    assert pitch.shape == onsets.shape == (6, 16)
    for bar in bars:
        assert bar.notes, "no empty bars"
        for note in bar.notes:
            assert key.contains(note.pitch) and 57 <= note.pitch <= 76
            assert note.duration >= 0.25 and 8 <= note.start < 12  # inside bar 2 (beats)


def test_the_frame_moves_an_octave_to_hold_the_music_around_it_whole():
    g = Key.parse("G")
    # a line climbing to B5 would pass C6 moved up: the frame goes down instead
    high = key_frame(g, major=True, low=55, high=84, key_lock=True, around=[79, 81, 83])
    assert high.shift == 5 - 12
    pitches = SPEC.low + np.arange(SPEC.n_pitches) - high.shift  # real pitch of each index
    assert pitches[high.allowed[:-1]].max() == 84 and pitches[high.allowed[:-1]].min() == 55
    low = key_frame(g, major=True, low=55, high=84, key_lock=True, around=[67, 71, 74])
    assert low.shift == 5  # fits as it is


@pytest.mark.parametrize(("key", "shift"), [
    ("C", 0), ("D", -2), ("F", -5), ("F#", -6), ("B", 1),  # as the data moved them to C
    ("G", -7), ("A", -9), ("Bb", -10), ("E minor", -7), ("F# minor", -9),  # an octave up
    ("A minor", 0), ("D minor", -5), ("G minor", 2),
])  # fmt: skip
def test_without_music_around_it_the_frame_lies_where_tunes_of_every_key_sit(key, shift):
    """Tunes sit around C5 in every key; the network's ideas around G#4 in its frame (C3–C6 in
    C). Moved to G by the data's smallest shift (+5: G2–G5) they sat around E4, a sixth below
    G tunes, a tenth of their notes on the lowest allowed G3."""
    mode = "minor" if "minor" in key else "major"
    frame = key_frame(Key.parse(key), major=mode == "major", low=55, high=84, key_lock=True)
    assert frame.shift == shift
    centre = IDEA_CENTRES[mode] - frame.shift  # where the ideas sit, in real pitches
    assert abs(centre - TUNE_CENTRES[mode]) <= 6.1


def test_a_range_far_from_the_tunes_register_gets_the_frame_in_its_own_octaves():
    """A bass range (C2–D3) takes the octaves that put the ideas in it, not the top of the
    frame's lowest octave."""
    g = Key.parse("G")
    frame = key_frame(g, major=True, low=36, high=50, key_lock=True)
    pitches = SPEC.low + np.arange(SPEC.n_pitches) - frame.shift
    assert 36 <= IDEA_CENTRES["major"] - frame.shift <= 50
    assert frame.allowed[:-1].sum() == sum(g.contains(int(p)) for p in range(36, 51))
    assert pitches[frame.allowed[:-1]].min() == 36 and pitches[frame.allowed[:-1]].max() == 50
    assert register_shift(0, 50, 74) == 0  # a range around the frame keeps the data's shift


def test_a_network_that_wants_only_rests_still_starts_a_note_on_the_downbeat():
    frame = key_frame(Key(0, "major"), major=True, low=60, high=72, key_lock=True)
    logits = np.full((2, 16, CLASSES), -50.0)
    logits[..., SPEC.rest_index] = 50.0
    bars, _, _ = decode(logits, np.full((2, 16), 50.0), frame)
    assert all(bar.notes and bar.notes[0].start == 8.0 for bar in bars)


def test_a_rest_bias_puts_rests_where_it_says():
    """The rest bias (a network's ``calibration``) is added to the rest's logit at each step."""
    frame = key_frame(Key(0, "major"), major=True, low=60, high=72, key_lock=True)
    logits = np.zeros((8, 16, CLASSES))
    logits[..., SPEC.rest_index] = 2.0  # a rest is the likeliest class at every step
    onset_logits = np.full((8, 16), 50.0)  # something starts on every step
    bias = np.full(16, -50.0)
    bias[[6, 14]] = 50.0
    rngs = [np.random.default_rng([5, i]) for i in range(8)]
    previous = np.full(8, SPEC.rest_index)
    _, pitch, onsets = decode_bars(
        logits, onset_logits, previous, rngs, frame=frame, chord=C_MAJOR, bar=2,
        temperature=1.0, chord_tone_strength=0.0, rest_bias=bias,
    )  # fmt: skip
    rests = onsets & (pitch == SPEC.rest_index)
    assert rests[:, [6, 14]].all() and rests.sum() == 16
    _, pitch, onsets = decode(logits, onset_logits, frame, strength=0.0)  # no bias
    assert (onsets & (pitch == SPEC.rest_index)).sum() > 32


def test_run_weights_make_a_stepwise_run_go_on():
    """A run weight (a network's ``calibration``) is added to the steps that go on with the
    run the melody is in, counted from the bar before (``previous_run``)."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    logits = np.zeros((8, 16, CLASSES))  # every pitch as likely
    logits[..., SPEC.rest_index] = -50.0
    onset_logits = np.full((8, 16), -50.0)
    onset_logits[:, ::4] = 50.0  # four quarter notes
    previous = np.full(8, 12)  # C4, at the top of two steps up

    def moves(weights: np.ndarray | None) -> np.ndarray:
        rngs = [np.random.default_rng([9, i]) for i in range(8)]
        _, pitch, _ = decode_bars(
            logits, onset_logits, previous, rngs, frame=frame, chord=C_MAJOR, bar=2,
            temperature=1.0, chord_tone_strength=0.0, run_weights=weights,
            previous_run=np.full(8, 2),
        )  # fmt: skip
        notes = np.concatenate([previous[:, None], pitch[:, ::4]], axis=1)
        return np.diff(notes, axis=1)

    going_on = moves(np.full(4, 50.0))
    assert ((going_on >= 1) & (going_on <= 2)).all()  # up the scale, note after note
    stopped = moves(np.full(4, -50.0))
    assert not ((stopped[:, 0] >= 1) & (stopped[:, 0] <= 2)).any()  # the run of two ends
    free = moves(None)
    assert not ((free >= 1) & (free <= 2)).all()


def test_full_chord_tone_strength_puts_chord_tones_on_beats_1_and_3():
    frame = key_frame(Key(0, "major"), major=True, low=55, high=84, key_lock=True)
    rng = np.random.default_rng(3)
    chord = Chord(7, "maj")  # G: G B D
    _, pitch, onsets = decode(
        rng.normal(0, 3, (8, 16, CLASSES)), np.full((8, 16), 50.0), frame, chord, strength=1.0
    )
    for row, step in np.argwhere(onsets[:, [0, 8]]):
        index = pitch[row, 8 * step]
        assert index == SPEC.rest_index or (SPEC.low + index) % 12 in chord.tones


def test_bar_notes_hold_until_the_next_onset_and_see_ties():
    rest = SPEC.rest_index
    pitch = np.array([12] * 6 + [rest] * 2 + [14] * 8)
    onsets = np.zeros(16, dtype=bool)
    onsets[[6, 8, 12]] = True  # a rest at step 6, a note at 8 repeated at 12
    bar = bar_notes(pitch, onsets, 1, 0, np.random.default_rng(0), previous_last=12)
    assert [(n.pitch, n.start, n.duration) for n in bar.notes] == [
        (SPEC.low + 12, 4.0, 1.5),
        (SPEC.low + 14, 6.0, 1.0),
        (SPEC.low + 14, 7.0, 1.0),
    ]
    assert bar.tied  # no onset on step 0 and the same pitch sounded before
    assert all(30 <= n.velocity <= 127 for n in bar.notes)


def test_slerp_ends_at_its_ends_and_keeps_the_norm_of_orthogonal_rows():
    a, b = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    assert np.allclose(slerp(a, b, 0.0), a) and np.allclose(slerp(a, b, 1.0), b)
    assert np.linalg.norm(slerp(a, b, 0.5)) == pytest.approx(1.0)
    assert np.allclose(slerp(a, a, 0.3), a)  # equal rows: a straight line


def test_a_range_the_model_cannot_play_is_refused():
    with pytest.raises(InvalidInput, match="no note of Eb dorian lies in the range 62–62"):
        key_frame(Key(3, "dorian"), major=False, low=62, high=62, key_lock=True)  # D only
    # the lowest notes MIDI has are played in the octaves that hold them
    frame = key_frame(Key(3, "dorian"), major=False, low=0, high=20, key_lock=True)
    pitches = SPEC.low + np.arange(SPEC.n_pitches) - frame.shift
    assert pitches[frame.allowed[:-1]].min() >= 0 and pitches[frame.allowed[:-1]].max() <= 20


def test_decoding_does_not_load_torch():
    code = "import sys, studio.generation.decoding; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- meters and cadences -------------------------------------------------------------------


@pytest.mark.parametrize("meter", ["3/4", "6/8"])
def test_three_beat_bars_use_twelve_steps_and_pad_by_holding(meter):
    rng = np.random.default_rng(1)
    frame = key_frame(Key(0, "major"), major=True, low=55, high=84, key_lock=True)
    count = 5
    bars, pitch, onsets = decode_bars(
        rng.normal(0, 3, (count, 16, CLASSES)), rng.normal(0, 3, (count, 16)),
        np.full(count, SPEC.rest_index), [np.random.default_rng(i) for i in range(count)],
        frame=frame, chord=C_MAJOR, bar=3, temperature=1.0, chord_tone_strength=0.5,
        meter=meter,
    )  # fmt: skip
    assert pitch.shape == onsets.shape == (count, 16)
    assert not onsets[:, 12:].any() and (pitch[:, 12:] == pitch[:, 11:12]).all()
    for bar in bars:
        assert all(n.start >= 9.0 and n.end <= 12.0 + 1e-9 for n in bar.notes)


@pytest.mark.parametrize(("cadence", "chord", "wanted"), [
    (Cadence.FINAL, C_MAJOR, {0}),
    (Cadence.FINAL, Chord(7, "maj"), {7}),  # the user's last chord lacks the tonic: its root
    (Cadence.HALF, Chord(7, "maj"), {7, 11, 2}),
    (Cadence.PHRASE, Chord(9, "min"), {9, 0, 4}),
])  # fmt: skip
def test_a_cadence_holds_a_fitting_note_to_the_bar_line(cadence, chord, wanted):
    frame = key_frame(Key(0, "major"), major=True, low=55, high=84, key_lock=True)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        pitch = rng.integers(0, SPEC.n_pitches, 16)
        onsets = rng.random(16) < 0.5
        close_phrase(pitch, onsets, cadence, frame, chord, "4/4", rng)
        at = int(np.flatnonzero(onsets)[-1])
        assert at in CADENCE_STEPS["4/4"]
        assert (pitch[at:] == pitch[at]).all() and (SPEC.low + pitch[at]) % 12 in wanted


@pytest.mark.parametrize("before", [2, 31])  # D3 and G5 (pitch indices in the frame)
def test_a_cadence_on_the_downbeat_lands_next_to_the_note_before_the_bar(before):
    """A 3/4 cadence arrives on the downbeat, before any note of its bar: its note is the
    tonic nearest the last note of the bar before, not the middle of the range."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    for seed in range(10):
        pitch, onsets = np.full(12, 12), np.zeros(12, dtype=bool)
        close_phrase(pitch, onsets, Cadence.FINAL, frame, C_MAJOR, "3/4",
                     np.random.default_rng(seed), before=before)  # fmt: skip
        assert onsets[0] and (SPEC.low + pitch[0]) % 12 == 0
        assert abs(int(pitch[0]) - before) <= 6  # the nearest C, not one an octave away
    pitch = np.full(12, 12)
    close_phrase(pitch, np.zeros(12, dtype=bool), Cadence.FINAL, frame, C_MAJOR, "3/4",
                 np.random.default_rng(0), before=SPEC.rest_index)  # fmt: skip
    assert (SPEC.low + pitch[0]) % 12 == 0  # after a rest: the middle of the range, as before


def test_a_cadence_in_the_first_bar_of_a_last_two_four_pair_closes_within_it():
    frame = key_frame(Key(0, "major"), major=True, low=55, high=84, key_lock=True)
    pitch, onsets = np.full(16, 5), np.zeros(16, dtype=bool)
    close_phrase(pitch, onsets, Cadence.FINAL, frame, C_MAJOR, "2/4",
                 np.random.default_rng(0), used_steps=8)  # fmt: skip
    assert onsets[0] and not onsets[1:].any() and (SPEC.low + pitch[0]) % 12 == 0


def test_velocities_follow_the_meter():
    pitch, onsets = np.full(12, 10), np.ones(12, dtype=bool)
    notes = bar_notes(pitch, onsets, 0, 0, np.random.default_rng(0), SPEC.rest_index, "6/8").notes
    by_start = {n.start: n.velocity for n in notes}
    assert by_start[0.0] > by_start[1.5] > max(by_start[0.5], by_start[2.0])
    assert min(by_start[0.0], by_start[1.5]) > max(v for s, v in by_start.items()
                                                   if s not in (0.0, 1.5))  # fmt: skip


def test_interval_weights_draw_each_note_near_the_one_before():
    rng = np.random.default_rng(3)
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=False)
    logits = rng.normal(0, 0.1, (8, 16, CLASSES))  # a network with no opinion on pitch
    onset_logits = np.full((8, 16), 5.0)  # a note on every step
    steps_only = np.full(25, -50.0)
    steps_only[[11, 13]] = 0.0  # only a semitone down or up
    for weights, most in ((None, 0.3), (steps_only, 0.9)):
        _, pitch, _ = decode_bars(
            logits, onset_logits, np.full(8, 20), [np.random.default_rng(i) for i in range(8)],
            frame=frame, chord=C_MAJOR, bar=0, temperature=1.0, chord_tone_strength=0.0,
            interval_weights=weights,
        )  # fmt: skip
        moves = np.abs(np.diff(np.concatenate([np.full((8, 1), 20), pitch], axis=1), axis=1))
        share = float(np.mean(moves[moves > 0] == 1))  # of the steps that change pitch
        assert share >= most if weights is not None else share < most


@pytest.mark.parametrize(("cadence", "chord", "pattern", "arrival", "wanted"), [
    # a half cadence arrives on beat 3 (the last note on a strong step); two eighths lead on
    (Cadence.HALF, Chord(7, "maj"), "x.x.x.x.x...x.x.", 8, {7, 11, 2}),
    # the final cadence is the melody's last note, wherever the rhythm puts it
    (Cadence.FINAL, C_MAJOR, "x...x...x...x.x.", 14, {0}),
    # a rest on beat 3: the arrival falls back to the downbeat
    (Cadence.PHRASE, Chord(9, "min"), "x.x.x.x.r...x...", 0, {9, 0, 4}),
])  # fmt: skip
def test_an_ending_rhythm_shapes_the_cadence_bar(cadence, chord, pattern, arrival, wanted):
    frame = key_frame(Key(0, "major"), major=True, low=55, high=84, key_lock=True)
    rng = np.random.default_rng(5)
    logits = rng.normal(0, 1, (4, 16, CLASSES))
    onset_logits = np.full((4, 16), 30.0)  # the network wants a note on every step
    _, pitch, onsets = decode_bars(
        logits, onset_logits, np.full(4, 20), [np.random.default_rng(i) for i in range(4)],
        frame=frame, chord=chord, bar=0, temperature=1.0, chord_tone_strength=0.0,
        cadences=[cadence] * 4, endings=[pattern] * 4,
    )  # fmt: skip
    for row_pitch, row_onsets in zip(pitch, onsets, strict=True):
        # the network's rhythm up to the arrival, the pattern's from there on
        assert row_onsets[:arrival].all()
        assert "".join("x" if o else "." for o in row_onsets[arrival:]) == pattern[
            arrival:
        ].replace("r", "x")
        assert (SPEC.low + row_pitch[arrival]) % 12 in wanted
        rests = [s for s, c in enumerate(pattern) if c == "r" and s >= arrival]
        assert all(row_pitch[s] == SPEC.rest_index for s in rests)


def test_without_an_ending_rhythm_a_cadence_holds_as_before():
    frame = key_frame(Key(0, "major"), major=True, low=55, high=84, key_lock=True)
    rng = np.random.default_rng(6)
    _, pitch, onsets = decode_bars(
        rng.normal(0, 1, (3, 16, CLASSES)), np.full((3, 16), 5.0), np.full(3, 20),
        [np.random.default_rng(i) for i in range(3)], frame=frame, chord=C_MAJOR, bar=0,
        temperature=1.0, chord_tone_strength=0.0, cadences=[Cadence.FINAL] * 3,
        endings=[None, "x.x.", "x" * 16],  # none, the wrong length, a rhythm for no cadence
    )  # fmt: skip
    for row_pitch, row_onsets in zip(pitch[:2], onsets[:2], strict=True):
        at = int(np.flatnonzero(row_onsets)[-1])
        assert at in CADENCE_STEPS["4/4"] and (SPEC.low + row_pitch[at]) % 12 == 0
    assert onsets[2].all()  # a pattern of notes on every step, held from its last note: 15


def test_each_variation_can_weigh_intervals_its_own_way():
    rng = np.random.default_rng(4)
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=False)
    repeats, steps = np.full(25, -50.0), np.full(25, -50.0)
    repeats[12] = 0.0  # only the same note again
    steps[[11, 13]] = 0.0  # only a semitone away
    logits = rng.normal(0, 0.1, (2, 16, CLASSES))
    logits[..., SPEC.rest_index] = -50.0  # notes only
    _, pitch, _ = decode_bars(
        logits, np.full((2, 16), 30.0), np.full(2, 20),
        [np.random.default_rng(i) for i in range(2)], frame=frame, chord=C_MAJOR, bar=0,
        temperature=1.0, chord_tone_strength=0.0, interval_weights=np.stack([repeats, steps]),
    )  # fmt: skip
    assert (pitch[0] == 20).all()
    assert (np.abs(np.diff(np.concatenate([[20], pitch[1]]))) == 1).all()


def test_melody_notes_hold_notes_over_bar_lines_and_place_units_in_time():
    rest = SPEC.rest_index
    pitch = np.full((3, 16), 12)  # unit 0: C4 from step 8 held into unit 1
    onsets = np.zeros((3, 16), dtype=bool)
    pitch[0, :8], onsets[0, 0], onsets[0, 8] = 5, True, True
    pitch[1, 4:], onsets[1, 4] = rest, True  # a rest from beat 2 of unit 1
    pitch[2, :], onsets[2, 0], onsets[2, 6] = 7, True, True  # two notes, same pitch
    notes = melody_notes(pitch, onsets, 2, 0, np.random.default_rng(1), "6/8")
    # 6/8 units are 12 steps (3 beats) from unit 2 (beat 6), padding ignored; C4 is held over
    # the bar line into unit 1 (one note of 2 beats)
    assert [(n.pitch - SPEC.low, n.start, n.duration) for n in notes] == [
        (5, 6.0, 2.0),
        (12, 8.0, 2.0),
        (7, 12.0, 1.5),
        (7, 13.5, 1.5),
    ]
    assert notes[0].velocity > notes[1].velocity  # the downbeat is accented


def test_melody_notes_sound_every_step_as_decoded_and_start_at_onsets_and_changes():
    rest, rng = SPEC.rest_index, np.random.default_rng(4)
    for meter in ("4/4", "3/4"):
        steps = 16 if meter == "4/4" else 12
        for _ in range(50):
            pitch = np.where(rng.random((4, 16)) < 0.2, rest, rng.integers(0, rest, (4, 16)))
            pitch[rng.random((4, 16)) < 0.5] = 9  # long runs of one pitch
            onsets = rng.random((4, 16)) < 0.3
            notes = melody_notes(pitch, onsets, 1, 2, rng, meter)
            flat, starts = pitch[:, :steps].reshape(-1), onsets[:, :steps].reshape(-1)
            heard = np.full(len(flat), rest)
            for note in notes:
                first = round((note.start - UNIT_BEATS[meter]) * 4)
                last = first + round(note.duration * 4)
                assert (heard[first:last] == rest).all()  # no overlaps
                heard[first:last] = note.pitch - SPEC.low + 2
                assert first == 0 or starts[first] or flat[first] != flat[first - 1]
                assert 30 <= note.velocity <= 127
            assert (heard == flat).all()
            onset_at = np.flatnonzero(starts & (flat != rest))
            assert {round((n.start - UNIT_BEATS[meter]) * 4) for n in notes} >= set(onset_at)


def test_leaps_beyond_an_octave_cost_more_than_an_octave(monkeypatch):
    """The interval weights count every wider leap as an octave; beyond it each semitone
    costs ``BEYOND_OCTAVE_WEIGHT`` more (the ideas leapt beyond an octave three times as often
    as the tunes)."""
    from studio.generation import decoding

    weights = np.linspace(-1.0, 1.0, 2 * MAX_INTERVAL + 1)  # any weights
    table = decoding._interval_table(weights.tobytes(), None, None)
    before = 18  # pitch index of the note before (its row: before + 1)
    for step, extra in ((12, 0), (13, 1), (15, 3), (-12, 0), (-14, 2), (2, 0)):
        weight = weights[int(np.clip(step, -MAX_INTERVAL, MAX_INTERVAL)) + MAX_INTERVAL]
        cost = weight - decoding.BEYOND_OCTAVE_WEIGHT * extra
        assert table[before + 1, before + step] == pytest.approx(cost)
    assert decoding.BEYOND_OCTAVE_WEIGHT > 0


def test_syncopations_are_mended_at_the_meters_rate():
    """An eighth off the beat with nothing on the beat after it (steps 2 → 4), and a sixteenth
    off the eighths with nothing on the eighth after it (step 9 → 10): the later step gets an
    onset where its own draw, scaled above the onset probability, falls under the rate."""
    eighth, sixteenth = SYNCOPATION_MENDING["4/4"]
    onsets = np.zeros((4, 16), dtype=bool)
    onsets[:, [0, 2, 8, 9]] = True
    onset_p = np.full((4, 16), 0.5)
    uniform = np.full((4, 16), 0.99)  # no other step would be mended
    scaled = [eighth - 0.05, eighth + 0.05, sixteenth - 0.05, sixteenth + 0.05]
    uniform[:, 4] = 0.5 + 0.5 * np.array(scaled[:2] * 2)
    uniform[:, 10] = 0.5 + 0.5 * np.array(scaled[2:] * 2)
    mended = mend_syncopations(onsets, uniform, onset_p, "4/4")
    assert mended[:, 4].tolist() == [True, False, True, False]
    assert mended[:, 10].tolist() == [True, False, True, False]
    assert (mended[:, [0, 2, 8, 9]]).all() and mended.sum() == onsets.sum() + 4
    assert not onsets[:, 4].any()  # the caller's array is left alone
    # even eighths hold nothing over a beat; 2/4 keeps its rhythm
    eighths = np.tile(np.arange(16) % 2 == 0, (4, 1))
    assert (mend_syncopations(eighths, uniform * 0, onset_p, "4/4") == eighths).all()
    assert (mend_syncopations(onsets, uniform * 0, onset_p, "2/4") == onsets).all()


def _grid(*patterns: str) -> np.ndarray:
    return np.array([[c == "x" for c in p] for p in patterns])


def test_no_note_is_held_over_a_beat_to_end_on_a_sixteenth_or_over_two_to_end_off_the_beat():
    odd = _grid(
        "x.........x.",  # 3/4: a half note tied to an eighth
        "......x.....",  # a note from the bar before held over two beats to the "and" of 2
        "x...x.....x.",  # a dotted quarter on beat 2 and an eighth: as tunes play it
        "x.x.x.x.x.x.",  # even eighths
    )
    assert (
        mend_long_notes(odd, "3/4").tolist()
        == _grid("x.......x.x.", "....x.x.....", "x...x.....x.", "x.x.x.x.x.x.").tolist()
    )
    assert not odd[0, 8]  # the caller's array is left alone
    four = _grid("x......x........", ".......x...x....", "x.....x.x...x...")
    assert (
        mend_long_notes(four, "4/4").tolist()
        == _grid(
            "x...x..x........",  # a dotted quarter tied to a sixteenth: a beat and a dotted eighth
            "....x..xx..x....",  # held over the downbeat and beat 2; a sixteenth over beat 3
            "x.....x.x...x...",  # dotted quarter, eighth, quarter: nothing to mend
        ).tolist()
    )
    # 6/8 holds over its eighths as its tunes do
    jig = _grid("x.........x.")
    assert (mend_long_notes(jig, "6/8") == jig).all()


def _held_oddly(row: list[bool], beat: int) -> list[int]:
    """The onsets of ``row`` that end a note (or rest) held over a beat to end on a sixteenth,
    or over two beats to end off the beat, counted step by step (a note from the bar before
    began before step 0)."""
    odd, start = [], -1
    for step, onset in enumerate(row):
        if not onset:
            continue
        beats_crossed = sum(1 for s in range(start + 1, step) if s % beat == 0)
        if (beats_crossed >= 1 and step % 2) or (beats_crossed >= 2 and step % beat):
            odd.append(step)
        start = step
    return odd


@pytest.mark.parametrize("meter", ["4/4", "2/4", "3/4"])
def test_after_mending_no_note_is_held_oddly_and_only_beats_gained_onsets(meter):
    steps, beat = UNIT_STEPS[meter], 4
    rng = np.random.default_rng(11)
    for _ in range(400):
        onsets = rng.random((8, steps)) < rng.random()
        mended = mend_long_notes(onsets, meter)
        assert (mended >= onsets).all()
        assert not (mended & ~onsets)[:, np.arange(steps) % beat != 0].any()
        assert all(_held_oddly(row, beat) == [] for row in mended.tolist())
        assert (mended == onsets).all() == all(_held_oddly(r, beat) == [] for r in onsets.tolist())


def test_steps_held_count_from_the_last_onset_to_the_bar_line():
    onsets = np.zeros((3, 16), dtype=bool)
    onsets[0, [0, 12]] = True  # a quarter note at the end
    onsets[1, 0] = True  # a whole note
    assert steps_held(onsets).tolist() == [4, 16, 32]  # the last row holds on from before


@pytest.mark.parametrize("meter", ["4/4", "2/4", "3/4", "6/8"])
def test_a_note_sounding_at_the_bar_line_goes_on_no_longer_than_tunes_hold_one(meter):
    """Each sounding row starts something in the bar; in 4/4 and 2/4 a note tied over the bar
    line lasts four beats at most; onsets are only added, on beats, and rows after a rest
    stay as they were."""
    steps = UNIT_STEPS[meter]
    rng = np.random.default_rng(5)
    for _ in range(300):
        onsets = rng.random((8, steps)) < rng.random() * 0.3
        sounding = rng.random(8) < 0.7
        held = rng.integers(1, 33, 8)
        mended = mend_held_notes(onsets, sounding, held, meter)
        added = mended & ~onsets
        assert (mended >= onsets).all() and not added[~sounding].any()
        assert mended[sounding].any(axis=1).all()
        assert not added[:, np.arange(steps) % 4 != 0].any()
        if meter in ("4/4", "2/4"):
            first = np.argmax(mended, axis=1)
            assert (held + first <= np.maximum(held, 16))[sounding].all()
        else:  # only a bar that would hold the note whole gains its downbeat
            assert (added.any(axis=1) == (sounding & ~onsets.any(axis=1))).all()


def test_a_bar_the_network_leaves_empty_after_a_note_starts_its_own():
    """Onset logits that start nothing: after a note, the bar still starts one on its
    downbeat; after a whole note in 4/4, on the downbeat too; after a half note, by beat 3."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    logits = np.random.default_rng(4).normal(0, 1, (3, 16, CLASSES))
    logits[..., SPEC.rest_index] = -30.0
    onset_logits = np.full((3, 16), -30.0)
    onset_logits[2, 12] = 30.0  # the third row starts a note on beat 4 only
    _, _, onsets = decode_bars(
        logits, onset_logits, np.full(3, 19), [np.random.default_rng(i) for i in range(3)],
        frame=frame, chord=C_MAJOR, bar=1, temperature=1.0, chord_tone_strength=0.0,
        held_steps=np.array([4, 16, 8]),
    )  # fmt: skip
    assert [np.flatnonzero(row).tolist() for row in onsets] == [[0], [0], [8, 12]]


def test_a_melody_opens_with_a_note_on_its_downbeat():
    """The network's logits here favour a rest on the first step and the first note on the
    second beat; a melody's first bar (``opens_melody``) still starts a note on the downbeat,
    a later bar keeps the rest."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    logits = np.random.default_rng(3).normal(0, 1, (6, 16, CLASSES))
    logits[:, 0, SPEC.rest_index] = 30.0
    logits[:, 1:, SPEC.rest_index] = -30.0
    onset_logits = np.full((6, 16), -30.0)
    onset_logits[:, [0, 4]] = 30.0
    firsts = {}
    for opens in (True, False):
        bars, _, _ = decode_bars(
            logits, onset_logits, np.full(6, SPEC.rest_index),
            [np.random.default_rng(i) for i in range(6)], frame=frame, chord=C_MAJOR, bar=0,
            temperature=1.0, chord_tone_strength=0.0, meter="3/4", opens_melody=opens,
        )  # fmt: skip
        firsts[opens] = {b.notes[0].start for b in bars}
    assert firsts == {True: {0.0}, False: {1.0}}


def test_an_onset_bias_moves_where_notes_start(monkeypatch):
    from studio.generation import decoding

    monkeypatch.setattr(decoding, "SYNCOPATION_MENDING", {})  # the bias alone
    monkeypatch.setattr(decoding, "LONG_NOTE_BEATS", {})
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    logits = np.random.default_rng(1).normal(0, 1, (3, 16, CLASSES))
    logits[..., SPEC.rest_index] = -50.0  # notes only
    bias = np.where(np.arange(16) % 4 == 3, 30.0, -30.0)  # only on each beat's last sixteenth
    _, _, onsets = decode_bars(
        logits, np.zeros((3, 16)), np.full(3, 24), [np.random.default_rng(i) for i in range(3)],
        frame=frame, chord=C_MAJOR, bar=0, temperature=1.0, chord_tone_strength=0.0,
        onset_bias=np.tile(bias, (3, 1)),
    )  # fmt: skip
    assert np.flatnonzero(onsets.any(axis=0)).tolist() == [3, 7, 11, 15]  # C held before them
    assert onsets[:, 3::4].all()


def test_2_4_onsets_follow_the_network_more_closely_than_4_4(monkeypatch):
    """The same onset log-odds (+1 everywhere, −1 on every other step) give 2/4 more onsets
    where the network leans to one and fewer where it leans away (``ONSET_SHARPNESS``)."""
    from studio.generation import decoding

    monkeypatch.setattr(decoding, "SYNCOPATION_MENDING", {})  # the sharpness alone
    monkeypatch.setattr(decoding, "LONG_NOTE_BEATS", {})
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    count = 400
    logits = np.random.default_rng(2).normal(0, 1, (count, 16, CLASSES))
    onset_logits = np.tile(np.where(np.arange(16) % 2 == 0, 1.0, -1.0), (count, 1))
    rates = {}
    for meter in ("4/4", "2/4"):
        _, _, onsets = decode_bars(
            logits, onset_logits, np.full(count, SPEC.rest_index),
            [np.random.default_rng(i) for i in range(count)], frame=frame, chord=C_MAJOR,
            bar=1, temperature=1.0, chord_tone_strength=0.0, meter=meter,
        )  # fmt: skip
        rates[meter] = onsets[:, 2::2].mean(), onsets[:, 1::2].mean()  # (leaning to, away)
    expected = 1 / (1 + np.exp(-ONSET_SHARPNESS["2/4"]))
    assert rates["2/4"][0] == pytest.approx(expected, abs=0.02)
    assert rates["4/4"][0] == pytest.approx(1 / (1 + np.exp(-1.0)), abs=0.02)
    assert rates["2/4"][1] < rates["4/4"][1] - 0.05


@pytest.mark.parametrize("per_variation", [False, True])
def test_degree_weights_move_each_pitch_class_its_own_way(per_variation):
    """The leading tone (B, in the C major frame) resolves up to C when its row says so; the
    other pitch classes move as the network and interval weights have them."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    logits = np.random.default_rng(8).normal(0, 0.1, (8, 16, CLASSES))
    logits[..., SPEC.rest_index] = -50.0  # notes only
    degrees = np.zeros((12, 25))
    degrees[11] = -50.0
    degrees[11, 13] = 0.0  # from B only a semitone up
    intervals = np.zeros((8, 25)) if per_variation else None

    def after_b(weights) -> list[int]:
        _, pitch, _ = decode_bars(
            logits, np.full((8, 16), 30.0), np.full(8, 20),
            [np.random.default_rng(i) for i in range(8)], frame=frame, chord=C_MAJOR, bar=0,
            temperature=1.0, chord_tone_strength=0.0, interval_weights=intervals,
            degree_weights=weights,
        )  # fmt: skip
        moves = [b - a for row in pitch for a, b in itertools.pairwise(row)
                 if (SPEC.low + a) % 12 == 11]  # fmt: skip
        return moves

    assert len(set(after_b(None))) > 3  # anywhere in the key without the weights
    moves = after_b(degrees)
    assert moves and set(moves) == {1}


def _decode_notes(logits, previous, **options):
    count = len(logits)
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    return decode_bars(
        logits, np.full((count, 16), 30.0), np.asarray(previous),
        [np.random.default_rng(i) for i in range(count)], frame=frame, chord=C_MAJOR, bar=0,
        temperature=1.0, chord_tone_strength=0.0, **options,
    )  # fmt: skip


def test_contour_weights_turn_a_melody_after_a_leap_and_see_the_bar_before():
    """With a table that allows only a step down after a leap up, every note after a leap up
    steps down (a tone or a semitone, whichever the key has); the interval into the bar's
    first note comes from the bar before."""
    logits = np.random.default_rng(3).normal(0, 0.1, (8, 16, CLASSES))
    logits[..., SPEC.rest_index] = -50.0
    contour = np.zeros((25, 25))
    contour[MAX_INTERVAL + 3 :] = -50.0
    contour[MAX_INTERVAL + 3 :, MAX_INTERVAL - 2 : MAX_INTERVAL] = 0.0  # then down a step
    _, free, _ = _decode_notes(logits, np.full(8, 19))
    _, turned, _ = _decode_notes(
        logits, np.full(8, 19), contour_weights=contour, previous_interval=np.full(8, 7)
    )

    def after_leaps(pitch, into_first):
        moves = []
        for row in pitch:
            steps = [into_first] + [b - a for a, b in itertools.pairwise([19, *row])]
            moves += [b for a, b in itertools.pairwise(steps) if a >= 3]
        return moves

    assert not set(after_leaps(free, 7)) <= {-2, -1}  # the network alone goes on anyhow
    moves = after_leaps(turned, 7)
    assert moves and set(moves) <= {-2, -1}
    assert (turned[:, 0] == 17).all()  # the bar before ended on a leap up: its first note too


def test_line_state_interval_is_the_one_between_the_last_two_notes_started():
    rest = SPEC.rest_index
    pitch = np.array([[10, 10, 12, 12, rest, 7], [5, 5, 5, 5, 5, 5], [30, 30, 2, 2, rest, rest]])
    onsets = np.array([[1, 0, 1, 0, 1, 1], [1, 0, 0, 0, 0, 0], [1, 0, 1, 0, 1, 0]], dtype=bool)
    assert line_state(pitch, onsets)[0].tolist() == [-5, NO_INTERVAL, -MAX_INTERVAL]


def test_a_drawn_span_keeps_the_melody_within_it():
    """Logits that range over the whole frame; a span of 9 semitones for the notes of the bars
    before (indices 18–22) keeps the bar's notes within it, but for a few (the limit is
    soft: a log-weight per semitone beyond)."""
    logits = np.random.default_rng(5).normal(0, 1.0, (16, 16, CLASSES))
    logits[..., SPEC.rest_index] = -50.0
    _, free, _ = _decode_notes(logits, np.full(16, 20))
    span = np.tile([18, 22, 9, 0], (16, 1))  # the bars before: indices 18–22, 9 semitones at most
    _, kept, _ = _decode_notes(logits, np.full(16, 20), span=span)

    def outside(pitch):
        return float(np.mean((pitch < 22 - 9) | (pitch > 18 + 9)))

    assert np.ptp(free) > 20 and outside(free) > 0.3
    assert outside(kept) < outside(free) / 3  # 0.125 against 0.49


def test_a_melody_narrower_than_its_aim_reaches_out_towards_it():
    """Logits that keep near index 20 (a network that wanders little); the bars before spanned
    indices 18–22 (4 semitones). Aiming at 12 by the end of the bar, notes beyond them gain
    ``REACH_WEIGHT`` a semitone up to the aim, so the bar widens the melody; aiming at what
    the bars before already span changes nothing."""
    rows = np.arange(CLASSES)
    logits = np.tile(-1.0 * np.abs(rows - 20.0), (16, 16, 1))
    logits[..., SPEC.rest_index] = -50.0

    def decoded(aim):
        return _decode_notes(logits, np.full(16, 20), span=np.tile([18, 22, 24, aim], (16, 1)))[1]

    def width(pitch):
        return np.mean(np.maximum(pitch.max(axis=1), 22) - np.minimum(pitch.min(axis=1), 18))

    free = _decode_notes(logits, np.full(16, 20))[1]
    assert (decoded(4) == free).all()
    assert width(decoded(12)) > width(free) + 2  # 10.4 against 5.9


def test_the_bar_before_a_repeat_leads_into_its_first_note():
    logits = np.random.default_rng(6).normal(0, 1.0, (16, 16, CLASSES))
    logits[..., SPEC.rest_index] = -50.0
    target = 30
    _, free, _ = _decode_notes(logits, np.full(16, 20))
    _, led, _ = _decode_notes(logits, np.full(16, 20), lead_to=[target] * 8 + [None] * 8)
    gap_free = np.abs(free[:8, -1] - target).mean()
    gap_led = np.abs(led[:8, -1] - target).mean()
    assert gap_led < gap_free / 2
    assert (led[8:] == free[8:]).all()  # the others as before


def test_opening_weights_choose_the_first_note_only():
    """Row 0 of the interval table (no note before) carries the opening weights: a strong
    weight on E makes every first note an E, and the notes after it are left as they were."""
    from studio.generation.decoding import _interval_table

    rest = SPEC.rest_index
    opening = np.full(12, -30.0)
    opening[4] = 0.0  # E
    table = _interval_table(None, None, np.asarray(opening, float).tobytes())
    pitch_classes = (SPEC.low + np.arange(rest)) % 12
    assert (table[0][pitch_classes == 4] == 0).all() and (table[0][pitch_classes != 4] < -29).all()
    leaps = np.abs(np.arange(rest)[None, :] - np.arange(rest)[:, None])
    assert not table[1:][leaps <= MAX_INTERVAL].any()  # only leaps beyond an octave cost
    assert not _interval_table(None, None)[0].any()


def test_a_melody_s_first_note_takes_the_opening_weights():
    rest = SPEC.rest_index
    logits = np.zeros((6, 16, rest + 1))
    logits[..., rest] = -30.0  # no rests
    opening = np.full(12, -30.0)
    opening[4] = 0.0  # only E may open
    _, pitch, onsets = _decode_notes(logits, [rest] * 6, opening_weights=opening)
    assert ((SPEC.low + pitch[:, 0]) % 12 == 4).all() and onsets[:, 0].all()
    later = (SPEC.low + pitch[:, 1:][onsets[:, 1:]]) % 12
    assert (later != 4).any()  # the notes after it go on as the network says


def test_a_melody_s_close_lands_on_the_tonic_just_above_its_lowest_note():
    """Tunes close low: on the tonic at or just above the lowest note before it (``octave``
    0), now and then an octave higher (1) or below that note (−1); the user's last chord
    without the tonic gives its root; notes out of range give the nearest that is not."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    c4, c5, c6 = 12, 24, 36  # pitch indices of C4, C5 and C6 (C3 is 0)
    assert final_target(frame, C_MAJOR, low=7, octave=0) == c4  # lowest note G3
    assert final_target(frame, C_MAJOR, low=c4, octave=0) == c4  # the lowest note is a C
    assert final_target(frame, C_MAJOR, low=13, octave=0) == c5
    assert final_target(frame, C_MAJOR, low=7, octave=1) == c5
    assert final_target(frame, C_MAJOR, low=13, octave=-1) == c4
    assert final_target(frame, C_MAJOR, low=30, octave=2) == c6  # no C7 in range: the highest
    assert final_target(frame, Chord(7, "maj"), low=0, octave=0) == 7  # G3, the chord's root
    assert final_target(frame, C_MAJOR, low=SPEC.rest_index, octave=0) is None  # no notes yet
    narrow = key_frame(Key(0, "major"), major=True, low=62, high=71, key_lock=True)  # D4–B4
    assert final_target(narrow, C_MAJOR, low=14, octave=0) is None  # no C allowed at all


def test_a_close_with_a_home_takes_that_octave_of_its_note():
    """``home`` moves the melody's last note to its octave when the close lands on its pitch
    class, and leaves any other note of the chord alone."""
    frame = key_frame(Key(0, "major"), major=True, low=48, high=84, key_lock=True)
    for seed in range(10):
        pitch, onsets = np.full(16, 26), np.zeros(16, dtype=bool)  # D5 held
        onsets[0] = True
        close_phrase(pitch, onsets, Cadence.FINAL, frame, C_MAJOR, "4/4",
                     np.random.default_rng(seed), before=26, home=12)  # fmt: skip
        assert pitch[-1] == 12  # C4, not the C5 next to D5
        pitch, onsets = np.full(16, 28), np.zeros(16, dtype=bool)  # E5 held: E is a chord tone
        onsets[0] = True
        close_phrase(pitch, onsets, Cadence.PHRASE, frame, C_MAJOR, "4/4",
                     np.random.default_rng(seed), before=28, home=12)  # fmt: skip
        assert pitch[-1] == 28


def test_each_idea_takes_the_octave_that_holds_it_whole_nearest_where_tunes_sit():
    """As the training data placed each tune, each idea moves by whole octaves: into the
    range first, then nearest where tunes sit (around C5)."""
    frame = key_frame(Key.parse("G"), major=True, low=55, high=84, key_lock=True)
    assert frame.shift == -7 and frame.octaves == (0, 1, -1)  # index i sounds 55 + i, moved
    rest = SPEC.rest_index
    assert idea_octave(np.array([0, 2, 4, 5, 7, rest]), frame) == 1  # G3–D4 → G4–D5
    assert idea_octave(np.array([12, 16, 19, 24]), frame) == 0  # G4–G5 stays
    assert idea_octave(np.array([28, 31, 33, 36]), frame) == -1  # B5–G6 → B4–G5
    assert idea_octave(np.array([rest, rest]), frame) == 0
    narrow = key_frame(Key.parse("G"), major=True, low=60, high=79, key_lock=True)
    assert narrow.octaves == (0,)  # a range under two octaves: one frame, its edges hard
    pitches = SPEC.low + np.arange(SPEC.n_pitches) - narrow.shift
    assert pitches[narrow.allowed[:-1]].min() >= 60 and pitches[narrow.allowed[:-1]].max() <= 79


def test_a_note_must_leave_its_melody_an_octave_to_sit_in_whole():
    frame = key_frame(Key.parse("G"), major=True, low=55, high=84, key_lock=True)
    bounds = octave_bounds(frame)  # index bounds per octave: [0, 29], [−12, 17], [12, 41]
    assert bounds.tolist() == [[0, 29], [-12, 17], [12, 41]]
    places = placing(frame)
    none_yet = extent_of(np.array([SPEC.rest_index]), np.array([-1]))
    assert places.allows[none_yet].all()  # a first note can go anywhere: some octave holds it
    spread = extent_of(np.array([5]), np.array([15]))  # a melody over indices 5–15
    assert places.allows[spread][0, :30].all() and not places.allows[spread][0, 30:].any()
    assert places.grown[spread, 20] == extent_of(5, 20) and places.grown[none_yet, 7] == extent_of(
        7, 7
    )
    assert np.isneginf(places.penalties[spread][0, 30:]).all()  # up to 29 as it is; beyond: none
    assert placing(key_frame(Key.parse("G"), major=True, low=60, high=79, key_lock=True)) is None
    assert [n.pitch for n in fold_into_range([Note(50, 0, 1), Note(90, 1, 1)], frame)] == [62, 78]
