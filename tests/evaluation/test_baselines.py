"""Tests of the Markov-chain and random-in-scale baselines in studio.evaluation.baselines."""

import json
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import SCALES, Key
from studio.evaluation.baselines import START, MarkovMelodyModel, random_in_scale, tokenize
from studio.evaluation.metrics import STRONG_BEATS

C_MAJOR = Key.parse("C")


def _pattern(tonic: int) -> tuple[Note, ...]:
    """Two bars: a C-major-shaped scale up in eighths, a half-note arpeggio back, a rest."""
    up = [0, 2, 4, 5, 7, 9, 11, 12]
    notes = [Note(tonic + p, 0.5 * i, 0.5) for i, p in enumerate(up)]
    notes += [Note(tonic + 7, 4.0, 1.0), Note(tonic + 4, 5.0, 1.0), Note(tonic, 6.0, 1.5)]
    return tuple(notes)


CORPUS = [_pattern(tonic) for tonic in (55, 60, 62, 65, 67)]
TRAINING_INTERVALS = {0, 2, 1, -5, -3, -4}
TRAINING_LENGTHS = {2, 4, 6}  # steps: eighths, quarters, dotted quarter
MODEL = MarkovMelodyModel().fit(CORPUS)


def _check_fills(notes: tuple[Note, ...], n_bars: int) -> None:
    """Notes start at 0, do not overlap, stay on the grid and end exactly at the last bar line."""
    assert notes[0].start == 0.0
    assert notes[-1].end == pytest.approx(4.0 * n_bars)
    for a, b in pairwise(notes):
        assert a.end <= b.start + 1e-9
    for note in notes:
        assert (note.start * 4).is_integer()
        assert note.duration > 0


def test_tokenize():
    assert tokenize(_pattern(60)) == [
        (0, 2), (2, 2), (2, 2), (1, 2), (2, 2), (2, 2), (2, 2), (1, 2),
        (-5, 4), (-3, 4), (-4, 6),
    ]  # fmt: skip
    # A rest becomes a token, a leading rest is dropped, overlaps are cut, long rests capped.
    notes = [Note(60, 1.0, 2.0), Note(64, 2.0, 1.0), Note(62, 3.5, 0.5), Note(67, 40.0, 1.0)]
    assert tokenize(notes) == [(0, 4), (4, 4), (None, 2), (-2, 2), (None, 16), (5, 4)]
    assert tokenize([]) == []


def test_markov_uses_only_seen_intervals_and_lengths():
    assert {t[0] for t in MODEL.vocabulary} == TRAINING_INTERVALS
    for seed in range(20):
        notes = MODEL.generate(4, seed=seed)
        _check_fills(notes, 4)
        intervals = {b.pitch - a.pitch for a, b in pairwise(notes)}
        assert intervals <= TRAINING_INTERVALS
        # Every note but the cut last one has a trained length.
        assert {round(n.duration * 4) for n in notes[:-1]} <= TRAINING_LENGTHS
        assert all(48 <= n.pitch <= 84 for n in notes)


def test_markov_without_smoothing_only_uses_training_transitions():
    def trigrams(tokens):
        history = [START, START, *tokens]
        return set(zip(history, history[1:], history[2:], strict=False))

    trained = set().union(*(trigrams(tokenize(m)) for m in CORPUS))
    contexts = {(a, b) for a, b, _ in trained}
    model = MarkovMelodyModel(smoothing=0.0).fit(CORPUS)
    checked = 0
    for seed in range(20):
        notes = model.generate(4, seed=seed, low=0, high=127)
        for a, b, token in trigrams(tokenize(notes)[:-1]):  # the last note may be cut
            if (a, b) in contexts:  # otherwise the model backed off
                assert (a, b, token) in trained
                checked += 1
    assert checked > 100


def test_markov_is_deterministic_per_seed_and_varies_across_seeds():
    first = MODEL.generate(8, C_MAJOR, seed=1)
    assert first == MODEL.generate(8, C_MAJOR, seed=1)
    others = {MODEL.generate(8, C_MAJOR, seed=s) for s in range(2, 12)}
    assert len(others | {first}) == 11


def test_markov_starts_on_tonic_and_accents():
    notes = MODEL.generate(4, Key.parse("D"), seed=0)
    assert notes[0].pitch % 12 == 2
    assert MODEL.generate(4, C_MAJOR, seed=0, start_pitch=61)[0].pitch == 60  # snapped down
    assert MODEL.generate(4, C_MAJOR, seed=0, start_pitch=100)[0].pitch == 84  # into range
    assert len({n.velocity for n in notes}) > 1


@settings(max_examples=60, deadline=None)
@given(
    tonic=st.integers(0, 11),
    mode=st.sampled_from(sorted(SCALES)),
    seed=st.integers(0, 2**32 - 1),
    n_bars=st.integers(1, 8),
    low=st.integers(30, 70),
    width=st.integers(12, 40),
)
def test_markov_key_lock_keeps_every_note_in_scale_and_range(tonic, mode, seed, n_bars, low, width):
    key = Key(tonic, mode)
    notes = MODEL.generate(n_bars, key, seed, low=low, high=low + width)
    _check_fills(notes, n_bars)
    assert all(key.contains(n.pitch) for n in notes)
    assert all(low <= n.pitch <= low + width for n in notes)


@settings(max_examples=60, deadline=None)
@given(
    tonic=st.integers(0, 11),
    mode=st.sampled_from(sorted(SCALES)),
    seed=st.integers(0, 2**32 - 1),
    n_bars=st.integers(1, 8),
    low=st.integers(30, 70),
    width=st.integers(12, 40),
)
def test_random_in_scale_stays_in_scale_and_fills_bars(tonic, mode, seed, n_bars, low, width):
    key = Key(tonic, mode)
    notes = random_in_scale(n_bars, key, seed, low=low, high=low + width)
    _check_fills(notes, n_bars)
    assert all(key.contains(n.pitch) and low <= n.pitch <= low + width for n in notes)
    assert {n.duration for n in notes[:-1]} <= {0.25, 0.5, 1.0, 2.0}


def test_random_in_scale_is_seeded_and_varied():
    first = random_in_scale(4, C_MAJOR, 7)
    assert first == random_in_scale(4, C_MAJOR, 7)
    assert first != random_in_scale(4, C_MAJOR, 8)
    assert len({n.velocity for n in first}) > 1
    assert len({n.pitch for n in first}) > 3


def test_random_in_scale_with_durations_that_do_not_divide_the_bar():
    notes = random_in_scale(2, C_MAJOR, 0, durations=(1.5,))
    _check_fills(notes, 2)
    assert [n.duration for n in notes] == [1.5] * 5 + [0.5]


def test_markov_round_trips_through_json():
    restored = MarkovMelodyModel.from_dict(json.loads(json.dumps(MODEL.to_dict())))
    assert restored.vocabulary == MODEL.vocabulary
    for seed in range(5):
        assert restored.generate(4, C_MAJOR, seed) == MODEL.generate(4, C_MAJOR, seed)


def test_markov_with_rests_in_training():
    phrase = (Note(60, 0, 1), Note(62, 1, 1), Note(64, 3, 1))  # a rest on beat 3
    model = MarkovMelodyModel().fit([phrase] * 3)
    assert (None, 4) in model.vocabulary
    for seed in range(10):
        _check_fills(model.generate(3, C_MAJOR, seed), 3)
    # Without smoothing a note is always followed by a rest, which cannot end the melody.
    strict = MarkovMelodyModel(smoothing=0.0).fit([(Note(60, 0, 1), Note(62, 2, 1))])
    for n_bars in (1, 2, 5):
        _check_fills(strict.generate(n_bars, C_MAJOR, seed=n_bars), n_bars)


def test_errors():
    with pytest.raises(InvalidInput):
        MarkovMelodyModel().generate(4)
    with pytest.raises(InvalidInput):
        MarkovMelodyModel().to_dict()
    with pytest.raises(InvalidInput):
        MarkovMelodyModel().fit([(), ()])
    with pytest.raises(InvalidInput):
        MarkovMelodyModel(smoothing=-1)
    with pytest.raises(InvalidInput):
        MODEL.generate(0, C_MAJOR)
    with pytest.raises(InvalidInput):
        MODEL.generate(2, C_MAJOR, low=61, high=61)  # no C-major pitch in range
    with pytest.raises(InvalidInput):
        MarkovMelodyModel.from_dict({"type": "markov"})
    with pytest.raises(InvalidInput):
        MarkovMelodyModel.from_dict({"type": "markov", "order": 2, "smoothing": 0,
                                     "start_pitch": 60, "transitions": []})  # fmt: skip
    with pytest.raises(InvalidInput):
        random_in_scale(2, C_MAJOR, 0, durations=())
    with pytest.raises(InvalidInput):
        random_in_scale(2, C_MAJOR, 0, durations=(0.5, 0.0))
    with pytest.raises(InvalidInput):
        random_in_scale(2, C_MAJOR, 0, low=90, high=80)


@pytest.mark.parametrize(("meter", "beats"), [("3/4", 3.0), ("6/8", 3.0), ("2/4", 2.0)])
def test_baselines_write_bars_of_a_meter(meter, beats):
    waltzes = [tuple(Note(p + t, float(b), 1.0) for b, p in enumerate([0, 4, 7, 5, 4, 2]))
               for t in (60, 62, 65)]  # fmt: skip
    model = MarkovMelodyModel().fit(waltzes, meter=meter)
    assert model.meter == meter
    for seed in range(5):
        notes = model.generate(4, C_MAJOR, seed)
        assert notes[-1].end == pytest.approx(4 * beats)
        assert model.generate(4, C_MAJOR, seed, meter="4/4")[-1].end == pytest.approx(16.0)
        random_notes = random_in_scale(4, C_MAJOR, seed, meter=meter)
        assert random_notes[-1].end == pytest.approx(4 * beats)
    # Accents: every downbeat is louder than any note off the meter's strong beats (in 6/8 the
    # fourth eighth is strong, in 3/4 it is not).
    notes = random_in_scale(8, C_MAJOR, 3, durations=(0.5,), meter=meter)
    downbeats = [n.velocity for n in notes if n.start % beats == 0]
    weak = [n.velocity for n in notes if n.start % beats not in STRONG_BEATS[meter]]
    assert min(downbeats) > max(weak)
    restored = MarkovMelodyModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert restored.meter == meter and restored.generate(4, C_MAJOR, 1) == model.generate(
        4, C_MAJOR, 1
    )
    with pytest.raises(InvalidInput):
        MarkovMelodyModel().fit(waltzes, meter="7/8")
