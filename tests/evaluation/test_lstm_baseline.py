"""Tests of the MelodyRNN-like LSTM baseline in studio.evaluation.lstm_baseline.

Each model here is tiny and trained for a fixed number of steps on a repetitive corpus, so the
tests are fast and deterministic yet show that the network learns what it is shown.
"""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.errors import InvalidInput
from studio.core.music import Note
from studio.core.theory import SCALES, Key
from studio.evaluation.baselines import random_in_scale, tokenize
from studio.evaluation.lstm_baseline import LstmMelodyModel

C_MAJOR = Key(0, "major")


def _pattern(tonic: int, repeats: int = 4) -> tuple[Note, ...]:
    """Two 4/4 bars repeated: a scale up in eighths, a quarter-note arpeggio down, a rest."""
    notes = []
    for r in range(repeats):
        offset = 8.0 * r
        notes += [Note(tonic + p, offset + 0.5 * i, 0.5)
                  for i, p in enumerate([0, 2, 4, 5, 7, 9, 11, 12])]  # fmt: skip
        notes += [Note(tonic + 7, offset + 4.0, 1.0), Note(tonic + 4, offset + 5.0, 1.0),
                  Note(tonic, offset + 6.0, 1.5)]  # fmt: skip
    return tuple(notes)


def _waltz(tonic: int, bars: int = 8) -> tuple[Note, ...]:
    """3/4 bars of a half note and a quarter note, stepping through a C major arpeggio."""
    pitches = [0, 4, 7, 12, 7, 4]
    return tuple(
        note
        for bar in range(bars)
        for note in (
            Note(tonic + pitches[bar % 6], 3.0 * bar, 2.0),
            Note(tonic + pitches[(bar + 1) % 6], 3.0 * bar + 2.0, 1.0),
        )
    )


CORPUS = [_pattern(tonic) for tonic in (48, 60, 72)]


def _bigrams(melody) -> set:
    return set(pairwise(tokenize(melody)))


TRAINED_BIGRAMS = set().union(*(_bigrams(m) for m in CORPUS))


@pytest.fixture(scope="module")
def model() -> LstmMelodyModel:
    return LstmMelodyModel(hidden=48, layers=1, seed=0).fit(CORPUS, seconds=60, max_steps=80)


def _check_fills(notes: tuple[Note, ...], n_bars: int, beats_per_bar: float) -> None:
    """Notes do not overlap, stay on the 1/16 grid and end exactly at the last bar line."""
    assert notes
    assert notes[-1].end == pytest.approx(beats_per_bar * n_bars)
    for a, b in pairwise(notes):
        assert a.end <= b.start + 1e-9
    for note in notes:
        assert (note.start * 4).is_integer() and (note.duration * 4).is_integer()
        assert note.duration > 0


def _share_of_trained_bigrams(melody) -> float:
    bigrams = list(pairwise(tokenize(melody)[:-1]))  # the last note may be cut
    return float(np.mean([b in TRAINED_BIGRAMS for b in bigrams]))


def test_fitting_learns_a_repeated_pattern(model):
    assert model.history[-1][1] < 0.5 * model.history[0][1]  # the training loss fell
    learned = [
        _share_of_trained_bigrams(model.generate(8, C_MAJOR, seed, low=48, high=84))
        for seed in range(10)
    ]
    chance = [
        _share_of_trained_bigrams(random_in_scale(8, C_MAJOR, seed, 48, 84, (0.5, 1.0, 1.5)))
        for seed in range(10)
    ]
    assert np.mean(learned) > 0.8
    assert np.mean(learned) > np.mean(chance) + 0.5


def test_bar_position_is_learnt_in_three_four():
    corpus = [_waltz(tonic) for tonic in (55, 60, 67)]
    waltz = LstmMelodyModel(hidden=48, layers=1, seed=1).fit(
        corpus, beats_per_bar=3.0, seconds=60, max_steps=80
    )
    onsets = []
    for seed in range(6):
        notes = waltz.generate(8, C_MAJOR, seed, low=48, high=84, beats_per_bar=3.0)
        _check_fills(notes, 8, 3.0)
        onsets += [round(n.start * 4) % 12 for n in notes]
    # The half note on the downbeat and the quarter note on beat 3, not a stream of quarters.
    assert np.mean([step in (0, 8) for step in onsets]) > 0.9
    with pytest.raises(InvalidInput, match=r"3\.0 beats"):
        waltz.generate(8, C_MAJOR, 0, low=48, high=84, beats_per_bar=4.0)


def test_same_seed_same_weights_and_melodies():
    def fit(seed: int) -> LstmMelodyModel:
        return LstmMelodyModel(hidden=16, layers=2, seed=seed).fit(CORPUS, seconds=60, max_steps=5)

    first, again, other = fit(3), fit(3), fit(4)
    assert [loss for _, loss in first.history] == [loss for _, loss in again.history]
    assert all(np.array_equal(w, again._weights[k]) for k, w in first._weights.items())
    melody = first.generate(8, C_MAJOR, 7, low=48, high=84)
    assert melody == again.generate(8, C_MAJOR, 7, low=48, high=84)
    assert melody != other.generate(8, C_MAJOR, 7, low=48, high=84)


def test_numpy_sampler_computes_what_torch_trained():
    import torch

    from studio.evaluation.lstm_baseline import _events, _inputs, _network, _State

    fitted = LstmMelodyModel(hidden=24, layers=2, seed=5).fit(CORPUS, seconds=60, max_steps=3)
    network = _network(torch, 24, 2, 16)
    network.load_state_dict({k: torch.from_numpy(v) for k, v in fitted._weights.items()})
    inputs, _ = _inputs(_events(CORPUS[1], fitted.start_pitch, 16))
    with torch.no_grad():
        expected = network(torch.from_numpy(inputs)[None])[0].double().numpy()
    state = _State(fitted._weights, 2)
    got = np.stack([state.step(*(int(v) for v in row)) for row in inputs])
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_generate_is_deterministic_per_seed_and_varies(model):
    key = Key(9, "natural_minor")
    first = model.generate(8, key, 1, low=48, high=84, temperature=1.5)
    assert first == model.generate(8, key, 1, low=48, high=84, temperature=1.5)
    others = {model.generate(8, key, s, low=48, high=84, temperature=1.5) for s in range(2, 8)}
    assert len(others | {first}) > 4
    assert len({n.velocity for n in first}) > 1  # accents


@settings(max_examples=40, deadline=None)
@given(
    tonic=st.integers(0, 11),
    mode=st.sampled_from(sorted(SCALES)),
    seed=st.integers(0, 2**32 - 1),
    n_bars=st.integers(1, 8),
    low=st.integers(30, 70),
    width=st.integers(0, 30),
    temperature=st.floats(0.3, 3.0),
)
def test_key_lock_range_and_length(model, tonic, mode, seed, n_bars, low, width, temperature):
    key = Key(tonic, mode)
    high = low + width
    if not key.scale_pitches(low, high):
        return
    notes = model.generate(n_bars, key, seed, low=low, high=high, temperature=temperature)
    _check_fills(notes, n_bars, 4.0)
    assert all(key.contains(n.pitch) and low <= n.pitch <= high for n in notes)


def test_bad_arguments_raise_invalid_input(model):
    with pytest.raises(InvalidInput):
        LstmMelodyModel(hidden=0)
    with pytest.raises(InvalidInput, match="fitted"):
        LstmMelodyModel().generate(4, C_MAJOR, 0, low=48, high=84)
    fresh = LstmMelodyModel(hidden=8, layers=1)
    for melodies, options in [
        ([], {}),
        ([()], {}),
        (CORPUS, {"beats_per_bar": 3.1}),
        (CORPUS, {"beats_per_bar": 0.0}),
        (CORPUS, {"seconds": 0.0}),
        (CORPUS, {"max_steps": 0}),
    ]:
        with pytest.raises(InvalidInput):
            fresh.fit(melodies, **options)
    for n_bars, low, high, options in [
        (0, 48, 84, {}),
        (4, 60, 50, {}),
        (4, 48, 128, {}),
        (4, 61, 61, {}),  # no C major pitch
        (4, 48, 84, {"temperature": 0.0}),
        (4, 48, 84, {"beats_per_bar": 3.0}),
    ]:
        with pytest.raises(InvalidInput):
            model.generate(n_bars, C_MAJOR, 0, low=low, high=high, **options)
