"""Tests of the generation-quality metrics in studio.evaluation.metrics."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import Chord, Key, parse_progression
from studio.evaluation import metrics as M

C_MAJOR = Key.parse("C")
# C4 D4 E4 F4 | G4 A4 B4 C5 in quarter notes: two bars.
SCALE = tuple(Note(p, float(i), 1.0) for i, p in enumerate([60, 62, 64, 65, 67, 69, 71, 72]))


def melody(*events: tuple[int, float, float]) -> tuple[Note, ...]:
    return tuple(Note(pitch, start, duration) for pitch, start, duration in events)


def test_scale_basic_values():
    assert M.note_count(SCALE) == 8
    assert M.in_scale_rate(SCALE, C_MAJOR) == 1.0
    assert M.in_scale_rate(SCALE, Key.parse("F#")) == 2 / 8  # only F (= E#) and B
    assert M.pitch_range(SCALE) == 12
    assert M.pitch_range(SCALE[:7]) == 11
    assert M.average_interval(SCALE) == pytest.approx(12 / 7)
    assert M.used_pitch_classes_per_bar(SCALE, 2) == 4.0
    assert M.empty_bar_rate(SCALE, 2) == 0.0
    assert M.empty_bar_rate(SCALE, 4) == 0.5
    assert M.qualified_note_rate(SCALE) == 1.0


def test_order_of_notes_does_not_matter():
    shuffled = tuple(reversed(SCALE))
    assert M.average_interval(shuffled) == M.average_interval(SCALE)
    assert np.array_equal(M.interval_histogram(shuffled), M.interval_histogram(SCALE))


def test_histograms_of_scale():
    pcs = M.HISTOGRAM_FEATURES["pitch_class_histogram"](SCALE)
    assert pcs.shape == (12,)
    assert pcs.sum() == pytest.approx(1.0)
    assert pcs[0] == pytest.approx(2 / 8)
    assert pcs[[2, 4, 5, 7, 9, 11]] == pytest.approx([1 / 8] * 6)
    assert pcs[[1, 3, 6, 8, 10]].sum() == 0

    intervals = M.interval_histogram(SCALE)
    assert intervals.shape == (25,)
    assert intervals[12 + 2] == pytest.approx(5 / 7)
    assert intervals[12 + 1] == pytest.approx(2 / 7)

    expected = np.zeros(len(M.DURATION_BINS) + 1)
    expected[M.DURATION_BINS.index(1.0)] = 1.0
    assert np.array_equal(M.ioi_histogram(SCALE), expected)
    assert np.array_equal(M.note_length_histogram(SCALE), expected)


def test_interval_histogram_clips_big_leaps():
    hist = M.interval_histogram(melody((40, 0, 1), (80, 1, 1), (60, 2, 1)))
    assert hist[24] == 0.5  # +40 counts as +12
    assert hist[12 - 20 + 12] == 0  # there is no −20 bin …
    assert hist[0] == 0.5  # … it counts as −12


def test_duration_bins():
    # IOIs 1.5 (a dotted quarter of rest included), 6 (> 4) and 0.25; lengths 0.5, 0.25, 4, 0.125.
    notes = melody((60, 0, 0.5), (62, 1.5, 0.25), (64, 7.5, 4), (65, 7.75, 0.125))
    ioi = M.ioi_histogram(notes)
    assert ioi[M.DURATION_BINS.index(1.5)] == pytest.approx(1 / 3)
    assert ioi[-1] == pytest.approx(1 / 3)
    assert ioi[0] == pytest.approx(1 / 3)
    lengths = M.note_length_histogram(notes)
    assert lengths[0] == pytest.approx(0.5)  # 0.25 and 0.125 share the shortest bin
    assert lengths[M.DURATION_BINS.index(0.5)] == pytest.approx(0.25)
    assert lengths[M.DURATION_BINS.index(4.0)] == pytest.approx(0.25)


def test_qualified_note_rate():
    notes = melody((60, 0, 0.125), (62, 0.125, 0.25), (64, 0.5, 1), (65, 2, 0.1))
    assert M.qualified_note_rate(notes) == 0.5
    assert M.qualified_note_rate(notes, min_duration=0.1) == 1.0


def test_empty_melody():
    assert math.isnan(M.in_scale_rate((), C_MAJOR))
    assert math.isnan(M.average_interval(()))
    assert math.isnan(M.average_interval(SCALE[:1]))
    assert math.isnan(M.qualified_note_rate(()))
    assert math.isnan(M.used_pitch_classes_per_bar((), 2))
    assert math.isnan(M.self_similarity((), 2))
    assert M.pitch_range(()) == 0
    assert M.note_count(()) == 0
    assert M.empty_bar_rate((), 3) == 1.0
    for histogram in (M.HISTOGRAM_FEATURES["pitch_class_histogram"], M.interval_histogram,
                      M.ioi_histogram):  # fmt: skip
        assert not histogram(()).any()


def test_bar_metrics_count_held_notes_and_ignore_later_bars():
    held = melody((60, 0, 8))  # a breve held through bar 2
    assert M.empty_bar_rate(held, 2) == 0.0
    assert M.empty_bar_rate(held, 3) == pytest.approx(1 / 3)
    late = melody((60, 0, 1), (61, 12, 1))  # second note is in bar 4
    assert M.empty_bar_rate(late, 2) == 0.5
    assert M.used_pitch_classes_per_bar(late, 2) == 1.0
    with pytest.raises(InvalidInput):
        M.empty_bar_rate(late, 0)


def test_chord_tone_rate_on_strong_beats():
    chords = [Chord.parse("C"), Chord.parse("G")]
    # Bar 1 over C: C on beat 1 and G on beat 3 are chord tones; D and F off the strong beats.
    # Bar 2 over G: C on beat 1 is not, D on beat 3 is. Bar 3 cycles back to C: E is.
    notes = melody(
        (60, 0, 1), (62, 1, 1), (67, 2, 1), (65, 3, 1),
        (60, 4, 1), (62, 6, 1),
        (64, 8, 1), (66, 10.5, 1),
    )  # fmt: skip
    assert M.chord_tone_rate_on_strong_beats(notes, chords) == pytest.approx(4 / 5)
    # Half-bar chords: beat 3 of bar 1 is under G.
    assert M.chord_tone_rate_on_strong_beats(notes[:4], chords, 2.0) == 1.0
    # No chord (N.C.) skips the notes under it; no note left gives nan.
    progression = parse_progression("N.C. G")
    assert M.chord_tone_rate_on_strong_beats(notes[:6], progression) == 0.5
    assert math.isnan(M.chord_tone_rate_on_strong_beats(notes[:4], progression))
    with pytest.raises(InvalidInput):
        M.chord_tone_rate_on_strong_beats(notes, [])


def test_self_similarity():
    bar = [(60, 0, 1), (64, 1, 0.5), (67, 2, 2)]
    repeated = melody(*[(p, s + 4 * b, d) for b in range(3) for p, s, d in bar])
    assert M.self_similarity(repeated, 3) == 1.0
    transposed = melody(*bar, *[(p + 2, s + 4, d) for p, s, d in bar])
    assert M.self_similarity(transposed, 2) == 0.0
    # Bar 2 keeps the first half of bar 1 and rests after: 6 of the 14 sounding steps agree.
    half = melody(*bar, (60, 4, 1), (64, 5, 0.5))
    assert M.self_similarity(half, 2) == pytest.approx(6 / 14)
    assert math.isnan(M.self_similarity(repeated, 1))


def test_distinct_rate():
    other = SCALE[:7]
    assert M.distinct_rate([SCALE, tuple(reversed(SCALE)), other]) == pytest.approx(2 / 3)
    assert M.distinct_rate([SCALE, other]) == 1.0
    assert math.isnan(M.distinct_rate([]))


# -------------------------------------------------------------------------------- overlaps


def test_overlap_of_sample_with_itself_is_one():
    values = np.random.default_rng(0).normal(size=300)
    assert M.overlap_area(values, values) == pytest.approx(1.0, abs=1e-3)


def test_overlap_of_far_apart_samples_is_zero():
    rng = np.random.default_rng(1)
    assert M.overlap_area(rng.normal(0, 1, 200), rng.normal(50, 1, 200)) < 1e-3


def test_overlap_of_shifted_normals_matches_theory():
    rng = np.random.default_rng(2)
    a, b = rng.normal(0, 1, 2000), rng.normal(1, 1, 2000)
    # Two unit normals one σ apart share 2·Φ(−½) ≈ 0.617 of their area.
    assert M.overlap_area(a, b) == pytest.approx(0.617, abs=0.04)


def test_overlap_without_spread():
    assert M.overlap_area([3, 3, 3], [3, 3]) == 1.0
    assert M.overlap_area([3, 3, 3], [30, 30]) < 1e-3
    spread = np.random.default_rng(3).normal(5, 1, 100)
    assert 0.05 < M.overlap_area([5, 5, 5], spread) < 1.0
    assert math.isnan(M.overlap_area([], [1, 2]))
    assert math.isnan(M.overlap_area([math.nan], [1, 2]))


@given(
    st.lists(st.floats(-100, 100), min_size=1, max_size=40),
    st.lists(st.floats(-100, 100), min_size=1, max_size=40),
)
def test_overlap_is_bounded_and_symmetric(a, b):
    forward, backward = M.overlap_area(a, b), M.overlap_area(b, a)
    assert 0.0 <= forward <= 1.0
    assert forward == pytest.approx(backward, abs=1e-9)


def _phrase(rng: np.random.Generator, n_bars: int = 4) -> tuple[Note, ...]:
    """A tune-like melody: stepwise in C major, quarter and eighth notes."""
    scale = C_MAJOR.scale_pitches(55, 79)
    index, position, notes = len(scale) // 2, 0.0, []
    while position < n_bars * 4:
        duration = float(rng.choice([0.5, 1.0, 1.0, 2.0]))
        index = int(np.clip(index + rng.choice([-2, -1, 1, 1, 2]), 0, len(scale) - 1))
        notes.append(Note(scale[index], position, min(duration, n_bars * 4 - position)))
        position += duration
    return tuple(notes)


def _noise(rng: np.random.Generator, n_bars: int = 4) -> tuple[Note, ...]:
    """Random chromatic pitches over four octaves, sixteenths or long notes, with gaps."""
    starts = np.sort(rng.choice(np.arange(0, n_bars * 4, 0.25), rng.integers(2, 50), replace=False))
    return tuple(
        Note(int(rng.integers(36, 96)), float(s), float(rng.choice([0.25, 3.0]))) for s in starts
    )


def test_feature_overlaps_separate_real_from_noise():
    rng = np.random.default_rng(4)
    reference = [_phrase(rng) for _ in range(120)]
    similar = [_phrase(rng) for _ in range(120)]
    noise = [_noise(rng) for _ in range(120)]

    itself = M.feature_overlaps(reference, reference)
    assert set(itself) == {*M.SCALAR_FEATURES, *M.HISTOGRAM_FEATURES, "mean"}
    assert all(0.0 <= v <= 1.0 for v in itself.values())
    assert itself["mean"] > 0.9
    assert M.feature_overlaps(similar, reference)["mean"] > 0.85
    noisy = M.feature_overlaps(noise, reference)
    assert noisy["mean"] < itself["mean"] - 0.3
    assert noisy["pitch_class_histogram"] < itself["pitch_class_histogram"]


def test_feature_overlaps_is_deterministic_and_subsamples():
    rng = np.random.default_rng(5)
    reference = [_phrase(rng) for _ in range(300)]
    generated = [_phrase(rng) for _ in range(300)]
    first = M.feature_overlaps(generated, reference, max_melodies=50, seed=1)
    assert first == M.feature_overlaps(generated, reference, max_melodies=50, seed=1)
    assert first != M.feature_overlaps(generated, reference, max_melodies=50, seed=2)


def test_feature_overlaps_edge_cases():
    one = M.feature_overlaps([SCALE], [SCALE])
    assert math.isnan(one["pitch_class_histogram"])  # no pair of reference melodies
    assert one["pitch_range"] == 1.0
    assert one["mean"] == 1.0
    with pytest.raises(InvalidInput):
        M.feature_overlaps([], [SCALE])


def test_summarize():
    chords = [Chord.parse("C")]
    summary = M.summarize([SCALE, SCALE, ()], key=C_MAJOR, chords=chords, n_bars=2)
    assert summary["in_scale_rate"] == 1.0
    assert summary["chord_tone_rate"] == pytest.approx(3 / 4)  # C, E, G on strong beats; A not
    assert summary["empty_bar_rate"] == pytest.approx(1 / 3)
    assert summary["pitch_range"] == pytest.approx(8.0)
    assert summary["average_interval"] == pytest.approx(12 / 7)  # the empty melody has none
    assert summary["used_pitch_classes"] == 4.0
    assert summary["distinct_rate"] == pytest.approx(2 / 3)
    plain = M.summarize([SCALE], n_bars=2)
    assert "in_scale_rate" not in plain
    assert "chord_tone_rate" not in plain


# ------------------------------------------------------------------------ meters and cadences


def test_bar_metrics_follow_the_meter():
    waltz_bar = [(60, 0, 1), (64, 1, 1), (67, 2, 1)]
    waltz = melody(*[(p, s + 3 * b, d) for b in range(4) for p, s, d in waltz_bar])
    assert M.self_similarity(waltz, 4, meter="3/4") == 1.0
    assert M.self_similarity(waltz, 3) < 0.5  # read as 4/4 the bars do not line up
    assert M.empty_bar_rate(waltz, 4, meter="3/4") == 0.0
    assert M.empty_bar_rate(waltz, 4) == 0.25  # 12 beats fill three bars of 4/4
    assert M.used_pitch_classes_per_bar(waltz, 4, meter="3/4") == 3.0
    assert M.bar_beats("6/8") == 3.0 and M.bar_beats("2/4") == 2.0
    with pytest.raises(InvalidInput):
        M.bar_beats("5/4")


def test_strong_beats_per_meter():
    chords = [Chord.parse("C")]
    # Notes on every eighth of one 6/8 bar: only the first and fourth eighths are strong.
    jig = melody(*[(p, 0.5 * i, 0.5) for i, p in enumerate([60, 62, 62, 67, 62, 62])])
    assert M.chord_tone_rate_on_strong_beats(jig, chords, 3.0, meter="6/8") == 1.0
    assert M.chord_tone_rate_on_strong_beats(jig, chords, 3.0, meter="3/4") == 1.0  # beat 1
    # In 4/4 beat 3 (beat 2.0) is strong and D is not a C-major chord tone; in 3/4 it is weak.
    notes = melody((60, 0, 1), (62, 2, 1))
    assert M.chord_tone_rate_on_strong_beats(notes, chords) == 0.5
    assert M.chord_tone_rate_on_strong_beats(notes, chords, 3.0, meter="3/4") == 1.0


def test_cadences():
    # Four 4/4 bars: ends on C (tonic); bar 2 ends on D (in G = V), phrase ends are long.
    phrase = melody((64, 0, 4), (62, 4, 4), (65, 8, 4), (60, 12, 4))
    assert M.ends_on_tonic(phrase, C_MAJOR) == 1.0
    assert M.ends_on_tonic(phrase, Key.parse("G")) == 0.0
    assert math.isnan(M.ends_on_tonic((), C_MAJOR))
    assert M.middle_on_dominant(phrase, C_MAJOR, 4) == 1.0
    assert M.middle_on_dominant(phrase, C_MAJOR, 4, meter="2/4") == 0.0  # bar 2 of 2/4 is E
    assert math.isnan(M.middle_on_dominant(phrase, C_MAJOR, 1))
    assert M.dominant_pitch_classes(Key.parse("Am")) == {4, 7, 8, 11}  # E, G, G♯, B
    assert M.dominant_pitch_classes(C_MAJOR) == {7, 11, 2}
    assert M.phrase_ends(8) == [16.0, 32.0]
    assert M.phrase_ends(8, "3/4") == [12.0, 24.0]
    assert M.phrase_ends(8, "2/4") == [16.0]  # 2/4 phrases are 8 bars
    assert M.phrase_ends(2) == [8.0]
    assert M.long_phrase_end_rate(phrase, 4) == 1.0
    # Eight bars of eighth notes but a half note closing the second phrase.
    eighths = melody(*[(60, 0.5 * i, 0.5) for i in range(56)], (60, 28, 2), (62, 30, 2))
    assert M.long_phrase_end_rate(eighths, 8) == 0.5
    assert M.notes_per_bar(eighths, 8) == pytest.approx(58 / 8)


def test_summarize_cadences_in_a_meter():
    waltz = melody((64, 0, 1), (62, 1, 2), (67, 3, 3), (64, 6, 1), (62, 7, 2), (60, 9, 3))
    summary = M.summarize([waltz], key=C_MAJOR, n_bars=4, meter="3/4")
    assert summary["ends_on_tonic"] == 1.0
    assert summary["middle_on_dominant"] == 1.0  # G at the end of bar 2
    assert summary["long_phrase_ends"] == 1.0
    assert summary["notes_per_bar"] == 1.5
    assert summary["empty_bar_rate"] == 0.0


def test_continuation_fit_against_its_primer():
    primer = [Note(60 + i, i * 1.0, 1.0) for i in range(4)] + [Note(64, 4.0, 4.0)]  # two bars
    again = M.continuation_fit(primer, primer, 2, 2)
    assert again == {"pace_gap": 0.0, "register_gap": 0.0, "primer_returns": 1.0}
    up = [Note(n.pitch + 12, n.start, n.duration) for n in primer]
    assert M.continuation_fit(primer, up, 2, 2) == {
        "pace_gap": 0.0, "register_gap": 12.0, "primer_returns": 0.0,
    }  # fmt: skip
    # four bars: the first bar of the primer once, then a bar of eighths, then silence
    later = [*primer[:4], *(Note(67, 4 + i * 0.5, 0.5) for i in range(8))]
    fit = M.continuation_fit(primer, later, 2, 4)
    assert fit["pace_gap"] == pytest.approx(abs(12 / 4 - 5 / 2))
    assert fit["primer_returns"] == 0.5  # of its two sounding bars
    empty = M.continuation_fit(primer, [], 2, 2)
    assert math.isnan(empty["register_gap"]) and math.isnan(empty["primer_returns"])
    with pytest.raises(InvalidInput):
        M.continuation_fit(primer, primer, 0, 2)
