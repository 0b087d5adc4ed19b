"""Style priors: measured on a small synthetic data set whose answers are known, and shipped."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from studio.core.errors import InvalidInput
from studio.core.forms import is_form
from studio.core.theory import Chord
from studio.generation.data import METERS, SPEC, SPLITS, UNIT_STEPS, MelodyDataset, pad_unit
from studio.generation.priors import (
    MODES,
    PRIORS_PATH,
    PRIORS_VERSION,
    SAME_PHRASE,
    StylePriors,
    _final_octave,
    _first_bar_repeats,
    _repeat_departures,
    _Tune,
    compute_priors,
    ending_pattern,
    form_labels,
    load_priors,
    nearest_form,
    window_units,
)


def _unit(pitches: list[int], every: int, steps: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """A unit of notes ``every`` steps apart with the given pitch indices, padded to 16."""
    pitch = np.repeat(np.array(pitches, dtype=np.int8), every)[:steps]
    onset = np.zeros(steps, dtype=bool)
    onset[::every] = True
    return pad_unit(pitch, onset)


# A phrase: four units of eighths (density 0.5) ending on C (index 24 = C5); B: quarters (0.25)
# ending on G. The tunes are A A B A: form AABA over 16 units.
A = [_unit([24, 26, 28, 29, 31, 29, 28, 26], 2), _unit([26, 28, 29, 31, 33, 31, 29, 28], 2),
     _unit([28, 29, 31, 33, 35, 33, 31, 29], 2),
     _unit([31, 29, 28, 26, 28, 26, 24, 24], 2)]  # fmt: skip
B = [_unit([33, 31, 29, 28], 4), _unit([36, 35, 33, 31], 4), _unit([29, 31, 33, 35], 4),
     _unit([36, 33, 31, 19], 4)]  # fmt: skip
A_CHORDS = ["C F G C", "C F C G", "Am Dm G G", "C F G C"]  # phrase by phrase
# 6/8 minor: dotted quarters (2 onsets in 12 steps: density 1/6), ending on A (index 21).
JIG = [
    _unit([21, 24], 6, 12),
    _unit([28, 26], 6, 12),
    _unit([24, 23], 6, 12),
    _unit([21, 21], 6, 12),
]


def _dataset(tunes: list | None = None) -> MelodyDataset:
    """The synthetic data set; ``tunes`` as (meter, mode, split, units, chord names) instead
    of the default ones."""
    if tunes is None:
        tunes = []
        for _ in range(10):
            tunes.append(("4/4", 0, "train", A + A + B + A, " ".join(A_CHORDS).split()))
        for _ in range(3):  # held out, and nothing like the training tunes: must not count
            sixteenths = [_unit(list(range(10, 26)), 1)] * 8
            tunes.append(("4/4", 0, "test", sixteenths, ["F"] * 8))
        for _ in range(4):
            tunes.append(("6/8", 1, "train", JIG + JIG, ["Am", "E", "Am", "Am"] * 2))
    columns = {name: [] for name in ("pitch", "onset", "root", "tones", "mode", "tune", "bar")}
    for index, (_, mode, _, units, chords) in enumerate(tunes):
        for bar, ((pitch, onset), name) in enumerate(zip(units, chords, strict=True)):
            chord = Chord.parse(name)
            columns["pitch"].append(pitch)
            columns["onset"].append(onset)
            columns["root"].append(chord.root)
            columns["tones"].append([pc in chord.tones for pc in range(12)])
            columns["mode"].append(mode)
            columns["tune"].append(index)
            columns["bar"].append(bar)
    return MelodyDataset(
        pitch=np.array(columns["pitch"], dtype=np.int8),
        onset=np.array(columns["onset"], dtype=bool),
        chord_root=np.array(columns["root"], dtype=np.int8),
        chord_tones=np.array(columns["tones"], dtype=bool),
        mode=np.array(columns["mode"], dtype=np.int8),
        tune=np.array(columns["tune"], dtype=np.int32),
        bar=np.array(columns["bar"], dtype=np.int16),
        split=np.array([SPLITS[t[2]] for t in tunes], dtype=np.int8),
        titles=np.array([f"t{i}" for i in range(len(tunes))]),
        sources=np.array(["tests"] * len(tunes)),
        meter=np.array([METERS.index(t[0]) for t in tunes], dtype=np.int8),
    )


@pytest.fixture(scope="module")
def priors() -> StylePriors:
    return compute_priors(_dataset(), "synthetic")


def _names(progression) -> list[str]:
    return [Chord(root, quality).name for root, quality in progression]


def test_densities_are_the_real_phrase_profiles(priors):
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert priors.density("4/4", "major", rng, 4, jitter=0) in (
            [0.5, 0.5, 0.25, 0.5], [0.5, 0.25, 0.5, 0.5], [0.25, 0.5, 0.5, 0.5],
            [0.5, 0.5, 0.5, 0.25],
        )  # fmt: skip
    assert priors.density("4/4", 0, rng, 4, jitter=0) == [0.5, 0.5, 0.25, 0.5]  # whole profile
    # 6/8 counts onsets in 12 steps, not in the padded 16
    assert priors.density("6/8", "minor", rng, 3, jitter=0) == pytest.approx([1 / 6] * 3, abs=1e-3)
    jittered = priors.density("4/4", "major", rng, 64, jitter=0.02)
    assert all(1 / 16 <= d <= 1 for d in jittered) and len(set(jittered)) > 10
    stats = priors.content["styles"]["4/4 major"]["density"]["tunes"]
    assert stats["n"] == 10 and stats["mean"] == pytest.approx(7 / 16, abs=1e-3)  # no test tunes


def test_progressions_are_real_phrases_with_cadences(priors):
    table = priors.content["styles"]["4/4 major"]["progressions"]["4"]
    assert table == [["C F G C", 20], ["Am Dm G G", 10], ["C F C G", 10]]
    rng = np.random.default_rng(1)
    middles = set()
    for _ in range(30):
        chords = _names(priors.progression("4/4", "major", 16, rng, 4))
        phrases = [" ".join(chords[i : i + 4]) for i in range(0, 16, 4)]
        assert set(phrases) <= set(A_CHORDS)
        assert phrases[3] == "C F G C"  # the last phrase closes on the tonic
        assert phrases[1] in ("C F C G", "Am Dm G G")  # the data always ends the middle on V
        middles.add(phrases[1])
    assert middles == {"C F C G", "Am Dm G G"}
    loose = {" ".join(_names(priors.progression("4/4", "major", 4, rng, 4, cadences=False)))
             for _ in range(60)}  # fmt: skip
    assert loose == {"C F G C", "C F C G"}  # a tune's first phrase opens on the tonic chord
    # two-unit phrases come from the two-unit table, and the end is still the tonic
    short = _names(priors.progression("4/4", "major", 8, rng, 2))
    assert len(short) == 8 and short[-2:] == ["G", "C"]
    assert _names(priors.progression("6/8", "minor", 5, rng, 4))[-1] == "Am"


def test_forms_are_counted_from_the_windows(priors):
    forms = priors.content["forms"]["4/4"]
    assert forms["16"] == {"raw": {"AABA": 10}, "forms": {"AABA": 10}}
    assert forms["8"]["raw"] == {"ABAB": 10, "ABCD": 10}  # A A → halves repeat; B A → all new
    assert forms["4"]["raw"] == {"ABCD": 40}  # one-unit phrases: no unit of a phrase repeats
    # the jigs (ABAB in two-unit phrases): three same-chord pairs a phrase apart in each, none equal
    jigs = priors.content["bar_repeats"]["6/8"]
    assert (jigs["pairs"], jigs["rate"]) == (12, 0.0)
    # by place (8 units: two-unit phrases; not the cadence units 3 and 7): 5 has E against Am
    assert jigs["by_unit"] == {"8": {"2": [4, 0], "4": [4, 0], "5": [0, 0], "6": [4, 0]}}
    assert 0 <= priors.bar_repeat_rate("4/4") <= 1 and priors.bar_repeat_rate("3/4") is None
    rng = np.random.default_rng(2)
    assert {priors.form(16, rng, "4/4") for _ in range(10)} == {"AABA"}
    eights = [priors.form(8, rng, "4/4") for _ in range(200)]
    assert set(eights) == {"ABAB", "through"} and 60 < eights.count("ABAB") < 140
    assert {priors.form(4, rng, "4/4") for _ in range(10)} == {"through"}  # its own length


def test_ranges_and_cadence_rates(priors):
    rng = np.random.default_rng(3)
    ranges = {priors.pitch_range("4/4", "major", rng) for _ in range(40)}
    # windows A A span C5–B5 (indices 24–35); B A reaches from G4 (19) to C6 (36)
    assert ranges == {(SPEC.low + 24, SPEC.low + 35), (SPEC.low + 19, SPEC.low + 36)}
    rates16 = priors.cadence_rates("4/4", "major", 16)
    assert rates16["windows"] == 10 and rates16["final_tonic"] == 1.0
    assert rates16["middle_on_dominant_chord"] == 1.0 and rates16["middle_on_dominant"] == 0.0
    assert rates16["phrase_end_long"] == 0.25  # only B's last note is a quarter
    rates8 = priors.cadence_rates("4/4", "major")  # default: 8 bars
    assert rates8["windows"] == 20 and rates8["middle_on_dominant_chord"] == 0.5
    assert priors.cadence_rates("6/8", "minor")["final_tonic"] == 1.0


def test_missing_styles_fall_back_to_a_meter_of_the_same_unit(priors):
    rng = np.random.default_rng(4)
    assert priors.density("3/4", "major", rng, 2, jitter=0) == pytest.approx([1 / 6] * 2, abs=1e-3)
    assert priors.density("2/2", "natural_minor", rng, 1, jitter=0)[0] in (0.5, 0.25)
    with pytest.raises(InvalidInput):
        priors.density("9/8", "major", rng, 2)


def test_sampling_is_seeded(priors):
    def draw(seed):
        rng = np.random.default_rng(seed)
        return (priors.density("4/4", "major", rng, 4), priors.progression("4/4", 0, 16, rng, 4),
                priors.pitch_range("4/4", 0, rng), priors.form(8, rng, "4/4"))  # fmt: skip

    assert draw(7) == draw(7)
    assert len({repr(draw(seed)) for seed in range(10)}) > 1


def test_json_round_trip(priors, tmp_path):
    path = tmp_path / "priors.json"
    priors.save(path)
    loaded = StylePriors.load(path)
    assert loaded.content == priors.content and loaded.to_json() == path.read_text()
    assert loaded.description == "synthetic"
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    assert loaded.progression("4/4", 0, 16, rng_a, 4) == priors.progression("4/4", 0, 16, rng_b, 4)


def test_no_training_tunes_is_an_error():
    data = _dataset()
    data.split[:] = SPLITS["test"]
    with pytest.raises(InvalidInput, match="no training tunes"):
        compute_priors(data)


def test_phrase_labels_and_nearest_forms():
    rng = np.random.default_rng(6)
    a = rng.integers(0, 36, (2, 16))
    onset = np.ones((2, 16), dtype=bool)
    varied = a.copy()
    varied[1, 8:] = (varied[1, 8:] + 1) % 36  # a quarter of the phrase changed
    halved = a.copy()
    halved[1, :] = (halved[1, :] + 2) % 36  # half of it changed (also against `varied`)
    window = np.concatenate([a, varied, halved, a])
    assert 0.5 < SAME_PHRASE <= 0.75
    assert form_labels(window, np.ones_like(window, dtype=bool)) == "AABA"
    assert form_labels(np.concatenate([a, a, a, a]), np.concatenate([onset, ~onset] * 2)) == "ABAB"
    expected = {"AAAA": "AABA", "ABCA": "through", "ABCD": "through", "AABC": "AABB",
                "ABCB": "ABAB", "ABAC": "ABAC"}  # fmt: skip
    assert {labels: nearest_form(labels) for labels in expected} == expected


def test_the_shipped_priors_cover_every_meter_and_mode():
    priors = load_priors()
    assert PRIORS_PATH.stat().st_size <= 500_000  # small beside the weights (6 MB)
    assert priors.to_json() == PRIORS_PATH.read_text(encoding="utf-8")  # deterministic text
    assert "music21" in priors.description
    rng = np.random.default_rng(0)
    for meter in METERS:
        assert set(priors.content["forms"][meter]) == {"4", "8", "16"}
        assert is_form(priors.form(8, rng, meter))
        for mode in MODES:
            style = priors.content["styles"][f"{meter} {mode}"]  # measured, not a fallback
            assert style["density"]["profiles"] and style["ranges"]
            assert style["progressions"]["2"] and style["progressions"]["4"]
            assert str(window_units(meter)) in style["cadences"]
            densities = priors.density(meter, mode, rng, 4)
            assert len(densities) == 4 and all(0 < d <= 1 for d in densities)
            low, high = priors.pitch_range(meter, mode, rng)
            assert SPEC.low <= low <= high <= SPEC.high
            chords = priors.progression(meter, mode, 8, rng, 4)
            assert len(chords) == 8 and chords[-1][0] == (0 if mode == "major" else 9)
            assert 0 <= priors.cadence_rates(meter, mode)["final_tonic"] <= 1
            feel = priors.feel(meter, mode, rng)
            assert len(feel.rhythm) == len(feel.mean_rhythm) == UNIT_STEPS[meter]
            assert feel.mean_rhythm[0] > 0.9  # downbeats
            assert feel.intervals.sum() >= 16 and feel.intervals.shape == (25,)
            for section in (False, True):
                assert len(priors.ending(meter, mode, rng, section)) == UNIT_STEPS[meter]
    assert UNIT_STEPS["6/8"] == 12
    # an 8-bar 2/4 strain (four units) mostly returns to its first two bars in bars 5–6
    two_four = priors.content["forms"]["2/4"]["4"]["forms"]
    assert (two_four["ABAC"] + two_four["ABAB"]) / sum(two_four.values()) > 0.5
    assert priors.bar_repeat_rate("3/4") < 0.1 < priors.bar_repeat_rate("4/4")  # waltzes rarely


def test_the_shipped_interval_weights_favour_steps_and_sum_to_one():
    from studio.generation.priors import load_priors

    priors = load_priors()
    for meter in ("4/4", "2/4", "3/4", "6/8"):
        weights = np.exp(priors.interval_log_weights(meter, "major"))
        assert weights.shape == (25,) and weights.sum() == pytest.approx(1.0, abs=1e-3)
        steps = weights[[10, 11, 13, 14]].sum()  # a tone or semitone down or up
        assert steps > weights[[0, 1, 2, 22, 23, 24]].sum() * 5


def test_progressions_keep_to_chords_of_the_key(priors):
    style = priors.content["styles"]["4/4 major"]["progressions"]["4"]
    style.append(["C Cm Eb C", 1000])  # an estimate's stray chords, and very common
    try:
        rng = np.random.default_rng(2)
        for _ in range(40):
            chords = _names(priors.progression("4/4", "major", 8, rng, 4))
            assert "Cm" not in chords and "Eb" not in chords
    finally:
        style.pop()
        priors._tables.clear()


def test_ending_rhythms_are_the_last_units_of_real_phrases(priors):
    pitch, onset = A[3]
    assert ending_pattern(pitch, onset) == "x.x.x.x.x.x.x.x."
    rest_pitch = pitch.copy()
    rest_pitch[4:6] = SPEC.rest_index
    assert ending_pattern(rest_pitch, onset)[4:8] == "r.x."
    # A A B A: A ends the sections (units 8 and 16), A and B the phrases inside them
    style = priors.content["styles"]["4/4 major"]
    assert style["section_endings"] == {"x.x.x.x.x.x.x.x.": 20}
    assert style["endings"] == {"x.x.x.x.x.x.x.x.": 10, "x...x...x...x...": 10}
    # half-way through each phrase (units 2, 6, 10, 14): A's second unit three times, B's once
    assert style["mid_endings"] == {"x.x.x.x.x.x.x.x.": 30, "x...x...x...x...": 10}


def test_a_tunes_last_unit_closes_a_section_not_a_phrase_inside_one():
    """Tunes that end off the eight-unit grid (A A B, 12 units; A and half of A again, 6
    units) close on their last unit — a final note and a rest filling the bar — which is a
    section's close, not a phrase end inside a section nor a unit half-way through one."""
    close = pad_unit(np.array([24] * 8 + [SPEC.rest_index] * 8, dtype=np.int8),
                     np.arange(16) % 8 == 0)  # fmt: skip
    chords = " ".join(A_CHORDS).split()
    tunes = [("4/4", 0, "train", A + A + B[:3] + [close], chords[:12])] * 3
    tunes += [("4/4", 0, "train", A + A[:1] + [close], chords[:6])] * 2
    style = compute_priors(_dataset(tunes), "synthetic").content["styles"]["4/4 major"]
    a_end, close_end = ending_pattern(*A[3]), ending_pattern(*close)
    assert close_end == "x.......r......."
    assert style["endings"] == {a_end: 5}  # unit 4 of every tune
    assert style["section_endings"] == {a_end: 3, close_end: 3}  # units 8 and 12
    # half-way: units 2, 6 and 10 of the long tunes, unit 2 of the short ones (6 is its end)
    assert style["mid_endings"] == {ending_pattern(*A[1]): 8, ending_pattern(*B[1]): 3}


def test_openings_count_the_first_note_of_each_8_bar_window(priors):
    counts = priors.opening_counts("4/4", "major")  # windows A A (opens on C) and B A (on A)
    assert counts.tolist() == [10, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0]
    older = {**priors.content, "styles": {
        name: {k: v for k, v in s.items() if k != "openings"}
        for name, s in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(older).opening_counts("4/4", "major") is None
    rng = np.random.default_rng(8)
    drawn = [priors.ending("4/4", "major", rng) for _ in range(400)]
    assert set(drawn) == {"x.x.x.x.x.x.x.x.", "x...x...x...x..."}
    assert 150 < drawn.count("x.x.x.x.x.x.x.x.") < 250
    assert {priors.ending("4/4", "major", rng, section=True) for _ in range(50)} == {
        "x.x.x.x.x.x.x.x."
    }
    assert priors.ending("6/8", "minor", rng) == "x.....x....."  # cut to the meter's 12 steps
    older = {**priors.content, "styles": {
        name: {k: v for k, v in s.items() if k != "section_endings"}
        for name, s in priors.content["styles"].items()
    }}  # fmt: skip
    drawn = {StylePriors(older).ending("4/4", "major", rng, section=True) for _ in range(50)}
    assert drawn == {"x.x.x.x.x.x.x.x.", "x...x...x...x..."}  # all phrase ends, as before


def test_a_phrase_ends_in_a_rhythm_its_tune_would_play_and_each_as_often_overall():
    eighths, quarters, dotted = "x.x.x.x.x.x.x.x.", "x...x...x...x...", "x..xx..xx..xx..x"
    feels = {eighths: [1.0, 0.0] * 8, quarters: [1.0, 0, 0, 0] * 4, dotted: [1.0, 0, 0, 1] * 4}
    content = {"version": PRIORS_VERSION, "styles": {"4/4 major": {
        "endings": {eighths: 10, quarters: 5, dotted: 5},
        "rhythms": {"mean": [0.5] * 16, "tunes": [feels[eighths]] * 2 + list(feels.values())},
    }}}  # fmt: skip
    priors, rng = StylePriors(content), np.random.default_rng(4)

    def shares(rhythm) -> dict:
        drawn = [priors.ending("4/4", "major", rng, rhythm=rhythm) for _ in range(600)]
        return {pattern: drawn.count(pattern) / len(drawn) for pattern in feels}

    within = {pattern: shares(np.array(rhythm)) for pattern, rhythm in feels.items()}
    for pattern, drawn in within.items():  # each tune's own rhythm comes first
        assert drawn[pattern] > 0.6 and max(drawn.values()) == drawn[pattern]
    assert within[eighths][dotted] < 0.05  # no sixteenth where the tune has none
    # over the style's tunes (two of eighths) each ending is as common as counted
    overall = {p: (within[eighths][p] * 2 + within[quarters][p] + within[dotted][p]) / 4
               for p in feels}  # fmt: skip
    assert overall == pytest.approx({eighths: 0.5, quarters: 0.25, dotted: 0.25}, abs=0.05)
    assert shares(None)[dotted] == pytest.approx(0.25, abs=0.05)  # no rhythm: by the counts


def test_an_ending_no_sampled_tune_leans_to_keeps_its_share_overall():
    # a held close is as common as the others in the tunes, though neither sampled feel (one
    # in sixteenths, one in eighths) leans to it: the feel alone would all but drop it
    runs, eighths, held = "x" * 16, "x.x.x.x.x.x.x.x.", "x.x.x.x.x...r..."
    content = {"version": PRIORS_VERSION, "styles": {"4/4 major": {
        "endings": {runs: 10, eighths: 10, held: 10},
        "rhythms": {"mean": [0.7] * 16, "tunes": [[0.9] * 16, [1.0, 0.2] * 8]},
    }}}  # fmt: skip
    priors, rng = StylePriors(content), np.random.default_rng(5)
    tunes = content["styles"]["4/4 major"]["rhythms"]["tunes"]
    drawn = [priors.ending("4/4", "major", rng, rhythm=np.array(tune))
             for tune in tunes for _ in range(900)]  # fmt: skip
    assert drawn.count(held) / len(drawn) == pytest.approx(1 / 3, abs=0.04)


def test_a_cadence_half_way_through_a_phrase_takes_the_rhythm_tunes_have_there(priors):
    rng = np.random.default_rng(3)
    drawn = [priors.ending("4/4", "major", rng, mid_phrase=True) for _ in range(400)]
    assert set(drawn) == {"x.x.x.x.x.x.x.x.", "x...x...x...x..."}
    assert 260 < drawn.count("x.x.x.x.x.x.x.x.") < 340  # 30 : 10
    older = {**priors.content, "styles": {
        name: {k: v for k, v in s.items() if k != "mid_endings"}
        for name, s in priors.content["styles"].items()
    }}  # fmt: skip
    drawn = [StylePriors(older).ending("4/4", "major", rng, mid_phrase=True) for _ in range(400)]
    assert 150 < drawn.count("x.x.x.x.x.x.x.x.") < 250  # the phrase ends (10 : 10) instead


def test_feels_are_real_tunes_onset_rates_and_intervals(priors):
    rng = np.random.default_rng(0)
    feel = priors.feel("4/4", "major", rng)
    expected = np.zeros(16)
    expected[::4], expected[2::4] = 1.0, 0.75  # A's eighths in 12 units of 16, B's quarters
    # the held-out tunes (sixteenths) do not count
    assert feel.rhythm == pytest.approx(expected) and feel.mean_rhythm == pytest.approx(expected)
    tune = np.concatenate([pitch[onset] for pitch, onset in A + A + B + A])
    moves = np.clip(np.diff(tune.astype(int)), -12, 12) + 12
    assert feel.intervals.tolist() == np.bincount(moves, minlength=25).tolist()
    assert np.allclose(np.log(feel.mean_intervals), priors.interval_log_weights("4/4", "major"))
    assert priors.mean_rhythm("4/4", "major") == pytest.approx(expected)  # the same mean
    feel = priors.feel("6/8", "minor", rng)
    assert feel.rhythm.tolist() == [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]  # the meter's 12 steps
    assert priors.mean_rhythm("6/8", "minor").tolist() == feel.mean_rhythm.tolist()
    tune = np.concatenate([pitch[onset][pitch[onset] != SPEC.rest_index] for pitch, onset in
                           [(p[:12], o[:12]) for p, o in JIG + JIG]])  # fmt: skip
    moves = np.clip(np.diff(tune.astype(int)), -12, 12) + 12
    assert feel.intervals.tolist() == np.bincount(moves, minlength=25).tolist()
    content = {**priors.content, "styles": {
        name: {k: v for k, v in style.items() if k != "rhythms"}
        for name, style in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(content).feel("4/4", "major", rng) is None  # an older file
    assert StylePriors(content).mean_rhythm("4/4", "major") is None
    for style in content["styles"].values():
        style["rhythms"] = {**priors.content["styles"]["4/4 major"]["rhythms"]}
        del style["rhythms"]["intervals"]
    assert StylePriors(content).feel("4/4", "major", rng).intervals is None


def test_priors_without_ending_rhythms_give_none(priors):
    content = {**priors.content, "styles": {
        name: {k: v for k, v in style.items() if k != "endings"}
        for name, style in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(content).ending("4/4", "major", np.random.default_rng(0)) is None


def test_degree_intervals_count_each_move_by_the_pitch_class_it_leaves(priors):
    counts = priors.degree_interval_counts("4/4", "major")
    assert counts.shape == (12, 25)
    tune = np.concatenate([pitch[onset] for pitch, onset in A + A + B + A]).astype(int)
    expected = np.zeros((12, 25))
    for before, after in itertools.pairwise(tune):
        expected[(SPEC.low + before) % 12, np.clip(after - before, -12, 12) + 12] += 10
    assert counts.tolist() == expected.tolist()  # ten training tunes; the held-out ones not
    # every move counted once: the rows add up to the interval counts of the feels
    assert counts.sum(axis=0).tolist() == (10 * priors.feel(
        "4/4", "major", np.random.default_rng(0)).intervals).tolist()  # fmt: skip
    leaving_b = counts[(SPEC.low + 35) % 12]  # B (index 35) goes down a tone or up to C
    assert np.flatnonzero(leaving_b).tolist() == [12 - 2, 12 + 1]
    content = {**priors.content, "styles": {
        name: {k: v for k, v in style.items() if k != "degree_intervals"}
        for name, style in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(content).degree_interval_counts("4/4", "major") is None  # an older file


def test_interval_pairs_count_each_interval_with_the_one_before_it(priors):
    counts = priors.interval_pair_counts("4/4", "major")
    assert counts.shape == (25, 25)
    tune = np.concatenate([pitch[onset] for pitch, onset in A + A + B + A]).astype(int)
    moves = np.clip(np.diff(tune), -12, 12) + 12
    expected = np.zeros((25, 25))
    for into, on in itertools.pairwise(moves):
        expected[into, on] += 10
    assert counts.tolist() == expected.tolist()  # ten training tunes; the held-out ones not
    # each interval but a tune's first is counted once as the one on
    first = np.bincount(moves[:1], minlength=25)
    feel = priors.feel("4/4", "major", np.random.default_rng(0)).intervals
    assert counts.sum(axis=0).tolist() == (10 * (feel - first)).tolist()
    content = {**priors.content, "styles": {
        name: {k: v for k, v in style.items() if k != "interval_pairs"}
        for name, style in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(content).interval_pair_counts("4/4", "major") is None  # an older file


def _two_four_tune(units: list[tuple[np.ndarray, np.ndarray]]) -> _Tune:
    pitch = np.array([p for p, _ in units])
    onset = np.array([o for _, o in units])
    return _Tune("2/4", "major", pitch, onset, ["C"] * len(units), [0] * len(units))


def test_first_bar_repeats_count_phrase_closing_units_that_open_with_an_earlier_bar():
    def unit(first: int, second: int) -> tuple[np.ndarray, np.ndarray]:
        """Two 2/4 bars of eighths: one pitch in each bar."""
        return _unit([first] * 4 + [second] * 4, 2)

    # window 1: bar 3 is bar 1 (unit 1 opens with unit 0's bar) and bar 7 is bar 3 (unit 3
    # opens with unit 1's), while bar 5 is other music; window 2 repeats no first bar
    window_1 = [unit(20, 22), unit(20, 24), unit(26, 27), unit(20, 19)]
    window_2 = [unit(20, 22), unit(23, 24), unit(26, 27), unit(28, 19)]
    measured = _first_bar_repeats([_two_four_tune(window_1 + window_2)])
    assert measured == {"2/4": {"windows": 2, "previous": 0.25, "parallel": 0.5}}
    assert _first_bar_repeats([_two_four_tune(window_1[:3])]) == {}  # no whole window


def test_first_bar_repeat_rates_are_measured_for_two_bar_units_only(priors):
    shipped = load_priors()
    previous, parallel = shipped.first_bar_repeat_rates("2/4")
    assert 0.05 < previous < 0.5 and 0.05 < parallel < 0.5
    assert shipped.first_bar_repeat_rates("4/4") is None  # a unit is one bar there
    assert priors.first_bar_repeat_rates("2/4") is None  # no 2/4 tunes in the synthetic set


def test_repeat_departures_count_where_returning_phrases_change():
    def eighths(pitches: list[int]) -> tuple[np.ndarray, np.ndarray]:
        return _unit(pitches, 2)

    opening, answer = eighths([20, 22, 24, 25, 27, 25, 24, 22]), eighths([24] * 8)
    other, close = eighths([30, 29, 27, 25, 24, 22, 20, 19]), eighths([20] * 8)
    late = eighths([24] * 6 + [27, 24])  # the answer, its seventh eighth (step 12) changed
    early = eighths([20, 22, 24, 25, 27, 29, 24, 22])  # the opening, changed from step 10
    # window 1: unit 4 returns whole, unit 5 departs at step 12; window 2: unit 4 departs at
    # step 10, unit 5 is other music from its start (not a return)
    window_1 = [opening, answer, other, close, opening, late, other, close]
    window_2 = [opening, answer, other, close, early, other, other, close]
    units = window_1 + window_2
    tune = _Tune("4/4", "major", np.array([p for p, _ in units]),
                 np.array([o for _, o in units]), ["C"] * 16, [0] * 16)  # fmt: skip
    measured = _repeat_departures([tune])
    assert measured["4/4"] == {
        "inner": {"returns": 2, "departures": {"10": 1}},
        "last": {"returns": 1, "departures": {"12": 1}},
    }
    assert measured["6/8"] == {}  # no tunes: nothing measured


def test_repeat_departure_draws_as_real_returns_depart(priors):
    measured = {"last": {"returns": 4, "departures": {"12": 1, "14": 1}}}
    content = {**priors.content, "repeat_departures": {"4/4": measured}}
    drawn = StylePriors(content)
    rng = np.random.default_rng(5)
    draws = [drawn.repeat_departure("4/4", True, rng) for _ in range(4000)]
    assert draws.count(None) / 4000 == pytest.approx(0.5, abs=0.03)
    assert draws.count(12) / 4000 == pytest.approx(0.25, abs=0.03)
    assert set(draws) == {None, 12, 14}
    assert drawn.repeat_departure("4/4", False, rng) in {None, 12, 14}  # inner: uses "last"
    assert drawn.measures_repeat_departures("4/4")
    assert not drawn.measures_repeat_departures("6/8")
    assert not StylePriors(
        {k: v for k, v in priors.content.items() if k != "repeat_departures"}
    ).measures_repeat_departures("4/4")  # an older file


def test_the_shipped_repeat_departures_change_the_last_unit_of_a_phrase_more_and_late():
    shipped = load_priors()
    for meter in METERS:
        assert shipped.measures_repeat_departures(meter)
        measured = shipped.content["repeat_departures"][meter]
        steps = UNIT_STEPS[meter]
        for counts in measured.values():
            assert counts["returns"] > 100
            assert all(steps // 2 <= int(step) < steps for step in counts["departures"])
        if "inner" in measured:  # whole repeats: inner units more often than last ones
            rate = {k: sum(c["departures"].values()) / c["returns"] for k, c in measured.items()}
            assert rate["inner"] < rate["last"] < 0.6


def test_a_place_s_bar_repeat_rate_leans_on_the_pairs_counted_there():
    """Tunes repeat a bar early in a strain far more than late (8-bar 4/4 windows: bar 3 is
    bar 1 in 46 % of the pairs, bar 6 bar 4 in 4 %): each place has its own rate, drawn
    towards the meter's by ``BAR_REPEAT_PRIOR`` pseudo-pairs."""
    from studio.generation.priors import BAR_REPEAT_PRIOR, PRIORS_VERSION

    counted = {"8": {"2": [80, 40], "4": [0, 0], "6": [80, 4]}}
    priors = StylePriors({"version": PRIORS_VERSION, "bar_repeats": {
        "4/4": {"pairs": 160, "rate": 0.275, "by_unit": counted}}})  # fmt: skip
    assert priors.bar_repeat_rate("4/4") == 0.275
    early, late = priors.bar_repeat_rate("4/4", 8, 2), priors.bar_repeat_rate("4/4", 8, 6)
    assert early == pytest.approx((40 + BAR_REPEAT_PRIOR * 0.275) / (80 + BAR_REPEAT_PRIOR))
    assert late == pytest.approx((4 + BAR_REPEAT_PRIOR * 0.275) / (80 + BAR_REPEAT_PRIOR))
    assert late < 0.275 < early
    assert priors.bar_repeat_rate("4/4", 8, 4) == pytest.approx(0.275)  # no pairs there
    assert priors.bar_repeat_rate("4/4", 12, 4) == 0.275  # a length not measured
    assert priors.bar_repeat_rate("3/4", 8, 2) is None


def test_forms_are_drawn_as_the_tunes_own_patterns():
    """A window read as AABC stays AABC (it used to become AABB, which repeats in its second
    half too); ABCD is "through"."""
    from studio.generation.priors import PRIORS_VERSION

    forms = {"4/4": {"8": {"raw": {"AABC": 30, "ABCD": 10}, "forms": {"AABB": 30, "through": 10}}}}
    priors = StylePriors({"version": PRIORS_VERSION, "forms": forms})
    rng = np.random.default_rng(0)
    drawn = [priors.form(8, rng, "4/4") for _ in range(200)]
    assert set(drawn) == {"AABC", "through"} and 120 < drawn.count("AABC") < 180


def test_windows_that_close_on_the_tonic_count_which_tonic(priors):
    # both 8-unit windows of the AABA tunes end on C5, the C at their lowest note or above it
    assert priors.content["styles"]["4/4 major"]["final_octaves"] == {"0": 20}
    assert priors.content["styles"]["6/8 minor"]["final_octaves"] == {"0": 4}
    assert priors.final_octave("4/4", "major", np.random.default_rng(0)) == 0
    assert _final_octave(np.array([24, 19, 31, 36]), 0) == 1  # C6, an octave above C5
    assert _final_octave(np.array([24, 26, 12]), 0) == -1  # C4, below every note before
    assert _final_octave(np.array([24, 26, 28]), 0) is None  # closes on E
    assert _final_octave(np.array([24]), 0) is None


def test_the_shipped_priors_say_tunes_close_low_and_repeat_bars_early():
    priors = load_priors()
    for meter in METERS:
        counts = priors.content["styles"][f"{meter} major"]["final_octaves"]
        assert counts["0"] > 0.6 * sum(counts.values())
    assert priors.bar_repeat_rate("4/4", 8, 2) > 2 * priors.bar_repeat_rate("4/4", 8, 5)


def test_rests_are_counted_where_they_begin_in_a_unit():
    rest = SPEC.rest_index
    pitch, onset = _unit([24, 26, 28, 29], 4)
    pitch[6:8], onset[6] = rest, True  # a rest from step 6 of every unit
    held_pitch, held_onset = _unit([24, 26, 28, 29], 4)
    held_pitch[12:], held_onset[12] = rest, True  # a rest from step 12 on ...
    going_on = (np.full(16, rest, dtype=np.int8), np.zeros(16, dtype=bool))  # ... over the unit
    tunes = [("4/4", 0, "train", [(pitch, onset)] * 3 + [(held_pitch, held_onset), going_on],
              ["C"] * 5)] * 2  # fmt: skip
    tunes.append(("4/4", 0, "test", [(pitch, onset)] * 4, ["C"] * 4))  # held out: not counted
    priors = compute_priors(_dataset(tunes), "rests")
    starts, units = priors.rest_starts("4/4", "major")
    assert units == 10 and starts[6] == 6 and starts[12] == 2 and starts.sum() == 8
    content = {**priors.content, "styles": {
        name: {k: v for k, v in style.items() if k != "rests"}
        for name, style in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(content).rest_starts("4/4", "major") is None  # an older file


def test_stepwise_runs_are_counted_in_the_training_tunes_only():
    """How often a run of 2, 3, 4, 5+ steps goes on: A's units climb C5 D E F G by steps,
    so its tunes hold runs of every length; the held-out tunes' chromatic sixteenths (runs of
    fifteen semitones) are not counted."""
    from studio.generation.runs import continuation_counts

    priors = compute_priors(_dataset(), "runs")
    counts = priors.run_counts("4/4", "major")
    units = A + A + B + A
    pitch = np.concatenate([p[:16] for p, _ in units])
    onset = np.concatenate([o[:16] for _, o in units])
    one_tune = continuation_counts(pitch[onset & (pitch != SPEC.rest_index)])
    assert counts.tolist() == (10 * one_tune).tolist()  # ten training tunes of A A B A
    assert counts[1, 3] < 10 * 15  # no sixteenth runs of the held-out tunes
    assert priors.run_counts("6/8", "minor").shape == (2, 4)
    content = {**priors.content, "styles": {
        name: {k: v for k, v in style.items() if k != "runs"}
        for name, style in priors.content["styles"].items()
    }}  # fmt: skip
    assert StylePriors(content).run_counts("4/4", "major") is None  # an older file


def test_the_shipped_priors_count_runs_of_every_length_in_every_style():
    for meter, mode in itertools.product(METERS, MODES):
        went_on, runs = load_priors().run_counts(meter, mode)
        assert (runs[:3] > runs[1:]).all() and runs[3] >= 40  # shorter runs are commoner
        assert ((went_on / runs > 0.2) & (went_on / runs < 0.7)).all()
