"""Tests of `studio eval generation`: windows per meter, the 1-NN two-sample test, the report."""

from __future__ import annotations

import random

import numpy as np
import pytest

from studio.core.errors import InvalidInput, StudioError
from studio.core.music import Note
from studio.core.theory import Key
from studio.evaluation import generation as G
from studio.evaluation import two_sample as T
from studio.evaluation.metrics import METER_BEATS
from studio.generation.data import build_dataset
from studio.generation.generator import GenerationSettings, MelodyGenerator
from studio.generation.tunes import METERS, make_tune

# ------------------------------------------------------------------------- two-sample test


def test_same_distribution_is_near_one_half():
    rng = np.random.default_rng(0)
    accuracies = [
        T.nearest_neighbour_test(rng.normal(size=(120, 6)), rng.normal(size=(150, 6)), seed=s)
        for s in range(5)
    ]
    assert all(r.n == 120 for r in accuracies)  # the larger set is subsampled
    assert 0.4 < np.mean([r.accuracy for r in accuracies]) < 0.6
    assert all(r.low <= r.accuracy <= r.high for r in accuracies)
    assert np.mean([r.p_value for r in accuracies]) > 0.2


def test_different_distributions_are_told_apart():
    rng = np.random.default_rng(1)
    result = T.nearest_neighbour_test(rng.normal(size=(100, 6)), rng.normal(3, 1, (100, 6)))
    assert result.accuracy > 0.95
    assert result.p_value < 0.01
    # A small shift is detected less often: between the two.
    slight = T.nearest_neighbour_test(rng.normal(size=(200, 6)), rng.normal(0.6, 1, (200, 6)))
    assert 0.55 < slight.accuracy < result.accuracy


def test_two_sample_is_seeded_and_checks_its_input():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(50, 3)), rng.normal(size=(80, 3))
    assert T.nearest_neighbour_test(a, b, seed=4) == T.nearest_neighbour_test(a, b, seed=4)
    with pytest.raises(InvalidInput):
        T.nearest_neighbour_test(a[:1], b)
    with pytest.raises(InvalidInput):
        T.nearest_neighbour_test(a, b[:, :2])


def test_standardize_weighs_blocks_equally():
    rng = np.random.default_rng(3)
    vectors = np.column_stack([rng.normal(5, 10, 200), rng.normal(0, 0.1, (200, 4))])
    vectors[0, 1] = np.nan
    scaled = T.standardize(vectors, {"one": 1, "four": 4})
    assert np.all(np.isfinite(scaled))
    assert np.std(scaled[:, 0]) == pytest.approx(1.0, abs=1e-6)
    assert np.std(scaled[:, 2]) == pytest.approx(0.5, abs=1e-6)  # 1/√4
    with pytest.raises(InvalidInput):
        T.standardize(vectors, {"one": 1})


def _phrase(rng: random.Random, n_bars: int, meter: str) -> tuple[Note, ...]:
    """A tune-like window: stepwise in C major, eighths and quarters, ending on a long C."""
    scale = Key(0, "major").scale_pitches(60, 79)
    total, index, beat, notes = n_bars * METER_BEATS[meter], 7, 0.0, []
    while beat < total - 1:
        duration = min(rng.choice([0.5, 0.5, 1.0]), total - 1 - beat)
        notes.append(Note(scale[index], beat, duration))
        index = max(0, min(len(scale) - 1, index + rng.choice([-2, -1, -1, 1, 1, 2])))
        beat += duration
    notes.append(Note(72, total - 1, 1.0))
    return tuple(notes)


def _noise(rng: random.Random, n_bars: int, meter: str) -> tuple[Note, ...]:
    """Chromatic leaps in sixteenths and long notes: nothing like a tune."""
    total, beat, notes = n_bars * METER_BEATS[meter], 0.0, []
    while beat < total:
        duration = min(rng.choice([0.25, 3.0]), total - beat)
        notes.append(Note(rng.randrange(40, 90), beat, duration))
        beat += duration
    return tuple(notes)


def test_window_features_tell_tunes_from_noise():
    rng = random.Random(0)
    tunes = [(_phrase(rng, 8, "3/4"), 8, "3/4") for _ in range(160)]
    noise = [(_noise(rng, 8, "3/4"), 8, "3/4") for _ in range(80)]
    vector = T.window_features(*tunes[0])
    assert vector.shape == (sum(T.FEATURE_BLOCKS.values()),)
    assert T.melody_two_sample(tunes[:80], tunes[80:]).accuracy < 0.65
    assert T.melody_two_sample(noise, tunes[80:]).accuracy > 0.95


# ---------------------------------------------------------------------------- the data set


def _tunes(meter: str, count: int, seed: int) -> list:
    """Tunes of two 8-bar phrases in C, D, F or G major, each phrase ending on the tonic."""
    rng = random.Random(seed)
    tunes = []
    for i in range(count):
        tonic = (0, 2, 5, 7)[i % 4]
        second = 8 * METER_BEATS[meter]
        notes = [
            *_phrase(rng, 8, meter),
            *(Note(n.pitch, n.start + second, n.duration) for n in _phrase(rng, 8, meter)),
        ]
        notes = [Note(n.pitch + tonic, n.start, n.duration) for n in notes]
        tune = make_tune(f"{meter} tune {i}", "tests", notes, key=Key(tonic), meter=meter)
        tunes.append(tune)
    return [t for t in tunes if t is not None]


@pytest.fixture(scope="module")
def metered_data():
    """16-bar tunes in every meter, split by hand: tune i goes to split i % 3."""
    tunes = [t for i, m in enumerate(METER_BEATS) for t in _tunes(m, 12, i)]
    data = build_dataset(tunes)
    data.split = (np.arange(data.n_tunes) % 3).astype(np.int8)
    return data


def test_windows_follow_each_tunes_meter(metered_data):
    windows = G.segments(metered_data, "test", 8, 100)
    assert {w.meter for w in windows} == set(METER_BEATS)
    for window in windows:
        length = 8 * METER_BEATS[window.meter]
        assert max(n.end for n in window.notes) == pytest.approx(length)  # padding cut off
        assert len(window.chords) == 8
        assert window.key == Key(0, "major")
        assert window.notes[-1].pitch % 12 == 0  # the phrases end on the tonic
    per_meter = {m: sum(w.meter == m for w in windows) for m in METER_BEATS}
    assert per_meter == dict.fromkeys(METER_BEATS, 8)  # four tunes × two windows each
    # A 2/4 window of 8 bars is four 16-step rows; its chords repeat over each row's two bars.
    two_four = next(w for w in windows if w.meter == "2/4")
    assert two_four.chords[::2] == two_four.chords[1::2]
    assert len(G.segments(metered_data, "test", 8, 3, meter="3/4")) == 3


# --------------------------------------------------------------------------- the whole run


def test_unconditional_mode_gives_the_gan_only_bars_key_and_meter(
    metered_data, tiny_model, monkeypatch
):
    generator = MelodyGenerator(tiny_model)
    asked: list[GenerationSettings] = []
    generate = generator.generate

    def spy(settings, count=1, seed=0, **kwargs):
        asked.append(settings)
        return generate(settings, count, seed, **kwargs)

    monkeypatch.setattr(generator, "generate", spy)
    report = G.evaluate_generation(
        generator, metered_data, n_bars=8, limit=20, baselines=("markov", "random")
    )
    defaults = GenerationSettings()
    for settings in asked:
        assert settings.bars == 8 and settings.chords == ()
        assert settings.density == defaults.density and settings.low == defaults.low
        assert settings.key == Key(0, "major")
    assert {s.meter for s in asked if hasattr(s, "meter")} <= set(METER_BEATS)

    results = report["results"]
    assert set(results) == {*METER_BEATS, "all"}
    assert report["reference"]["per_meter"] == dict.fromkeys(METER_BEATS, 8)
    assert results["2/4"]["gan"]["metrics"]["notes_per_bar"] > 0  # every model writes 2/4
    for meter in METER_BEATS:
        assert {"markov", "random", "real", "train", "reference"} <= set(results[meter])
        reference = results[meter]["reference"]  # the test windows themselves: metrics only
        assert reference["windows"] == 8 and set(reference) == {"windows", "metrics"}
        assert reference["metrics"]["ends_on_tonic"] == 1.0  # the fixture's tunes close so
        for name, result in results[meter].items():
            if name == "reference":
                continue
            assert result["windows"] == 8
            assert 0 <= result["overlaps"]["mean"] <= 1
            assert 0 <= result["two_sample"]["accuracy"] <= 1
            metrics = result["metrics"]
            if name in ("markov", "random"):  # key-locked; the GAN's key lock is off by default
                assert metrics["in_scale_rate"] == 1.0
            assert 0 <= metrics["ends_on_tonic"] <= 1 and metrics["notes_per_bar"] > 0
    # The real windows end on the tonic (the fixture's tunes do); random notes rarely do.
    assert results["all"]["real"]["metrics"]["ends_on_tonic"] == 1.0
    assert results["all"]["random"]["metrics"]["ends_on_tonic"] < 0.6
    assert results["all"]["random"]["two_sample"]["accuracy"] > 0.8
    text = G.format_table(report)
    assert "### 3/4 (8 windows)" in text and "### all meters" in text
    assert "| metric | gan | markov | random | real | train | reference |" in text
    assert "| **two-sample accuracy** (0.5 = like real) | " in text and " | — |\n" in text
    assert "two-sample accuracy" in text and "half cadence" in text


def test_other_seeds_sample_other_melodies_for_every_window(metered_data, tiny_model, monkeypatch):
    """Seeds 0 and 1 share no melody: averaging runs of several seeds averages several draws."""
    generator = MelodyGenerator(tiny_model)
    used: dict[int, set[int]] = {}
    generate = generator.generate

    def spy(settings, count=1, seed=0, **kwargs):
        used.setdefault(run, set()).update(range(seed, seed + count))
        return generate(settings, count, seed, **kwargs)

    monkeypatch.setattr(generator, "generate", spy)
    monkeypatch.setattr(G, "_gan_diversity", lambda *args: 1.0)  # fixed seeds of its own
    reports = {}
    for run in (0, 1):
        reports[run] = G.evaluate_generation(
            generator, metered_data, n_bars=4, limit=8, baselines=(), seed=run
        )
    assert reports[0]["reference"]["windows"] == reports[1]["reference"]["windows"] == 32
    assert used[0] and used[1] and not used[0] & used[1]


def test_draws_average_the_runs_of_consecutive_seeds(metered_data, tiny_model):
    """Three draws are the runs of seeds 0, 1 and 2 put together (all windows used, so every
    seed compares with the same ones): each draw's accuracy, their mean and spread, the
    metrics' means; the real windows are the same for every draw."""
    generator = MelodyGenerator(tiny_model)
    options = dict(n_bars=4, limit=50, baselines=("random",))
    runs = [G.evaluate_generation(generator, metered_data, seed=s, **options) for s in range(3)]
    report = G.evaluate_generation(generator, metered_data, seed=0, draws=3, **options)
    assert report["draws"] == 3 and report["seed"] == 0
    for group in ("4/4", "all"):
        for name in ("gan", "random"):
            combined = report["results"][group][name]
            each = [run["results"][group][name] for run in runs]
            accuracies = [r["two_sample"]["accuracy"] for r in each]
            assert combined["two_sample"]["draws"] == accuracies
            assert combined["two_sample"]["accuracy"] == pytest.approx(np.mean(accuracies))
            assert combined["two_sample"]["sd"] == pytest.approx(np.std(accuracies))
            mean_overlap = np.mean([r["overlaps"]["mean"] for r in each])
            assert combined["overlaps"]["mean"] == pytest.approx(mean_overlap)
            notes = np.mean([r["metrics"]["notes_per_bar"] for r in each])
            assert combined["metrics"]["notes_per_bar"] == pytest.approx(notes)
        assert report["results"][group]["real"] == runs[0]["results"][group]["real"]
    assert "± " in G.format_table(report) and "(3 draws)" in G.format_table(report)
    with pytest.raises(InvalidInput, match="draws"):
        G.evaluate_generation(generator, metered_data, draws=0, **options)


def test_conditional_mode_hands_over_chords_and_density(metered_data, tiny_model, monkeypatch):
    generator = MelodyGenerator(tiny_model)
    asked: list[GenerationSettings] = []
    generate = generator.generate
    monkeypatch.setattr(
        generator, "generate", lambda s, c=1, k=0, **kw: asked.append(s) or generate(s, c, k)
    )
    report = G.evaluate_generation(
        generator, metered_data, mode="conditional", n_bars=4, limit=4, baselines=("random",),
        split="valid",
    )  # fmt: skip
    windows = G.segments(metered_data, "valid", 4, 4)
    assert asked and all(s.chords and s.density is not None for s in asked)
    supported = [w for w in windows if G.gan_supports(generator, w.meter)]
    assert [s.chords for s in asked[: len(supported)]] == [w.chords for w in supported]
    assert report["mode"] == "conditional" and report["reference"]["split"] == "valid"
    assert set(report["results"]["all"]) >= {"random", "real"}


def test_a_window_splits_into_its_primer_and_a_window_of_its_second_half(metered_data):
    for window in G.segments(metered_data, "valid", 8, 2):
        primer, rest = G.split_window(window, 8)
        middle = 4 * METER_BEATS[window.meter]
        assert max(n.end for n in primer) <= middle and min(n.start for n in rest.notes) == 0
        moved = [Note(n.pitch, n.start + middle, n.duration, n.velocity) for n in rest.notes]
        assert [*primer, *moved] == list(window.notes)  # the fixture's notes end on the bar
        assert rest.chords == window.chords[4:] and rest.meter == window.meter


def test_continuation_mode_continues_each_first_half_and_scores_the_second(
    metered_data, tiny_model, monkeypatch
):
    generator = MelodyGenerator(tiny_model)
    asked = []
    continue_melody = generator.continue_melody

    def spy(primer, settings, count=1, seed=0, **kwargs):
        asked.append((tuple(primer), settings))
        return continue_melody(primer, settings, count, seed, **kwargs)

    monkeypatch.setattr(generator, "continue_melody", spy)
    monkeypatch.setattr(G, "_gan_diversity", lambda *args: 1.0)
    report = G.evaluate_generation(
        generator, metered_data, mode="continuation", n_bars=8, limit=4, split="valid",
        baselines=("random",),
    )  # fmt: skip
    windows = G.segments(metered_data, "valid", 8, 4)
    supported = [w for w in windows if G.gan_supports(generator, w.meter)]
    assert [p for p, _ in asked] == [G.split_window(w, 8)[0] for w in supported]
    assert all(s.bars == 4 and s.chords == () and s.density is None for _, s in asked)
    assert report["mode"] == "continuation"
    assert "gan" in report["results"]["4/4"]
    for meter in METER_BEATS:
        for name in set(report["results"][meter]) & {"gan", "random", "real"}:
            result = report["results"][meter][name]
            assert result["windows"] == 4
            metrics = result["metrics"]
            assert metrics["pace_gap"] >= 0 and metrics["register_gap"] >= 0
            assert 0 <= metrics["primer_returns"] <= 1
            if name == "gan":  # four new bars (the fixture's phrases fill theirs)
                assert metrics["notes_per_bar"] > 0
    # the fixture's second halves never play a bar of their first half; random notes neither
    assert report["results"]["all"]["real"]["metrics"]["primer_returns"] == 0.0
    assert "continuation: bars of the primer again" in G.format_table(report)
    with pytest.raises(InvalidInput, match="2 bars or more"):
        G.evaluate_generation(generator, metered_data, mode="continuation", n_bars=1)


def test_the_train_row_is_the_training_tunes_judged_like_a_model(tiny_model, monkeypatch):
    """The train row scores real training windows against the reference as a model's melodies
    are scored, other windows each draw: how far the reference lies from what the models
    learnt. Training tunes unlike the test tunes are told apart; validation tunes like them
    are not."""
    tunes = [t for m in ("4/4", "3/4") for t in _tunes(m, 24, 70 + METERS.index(m))]
    rng = random.Random(9)
    unlike = [make_tune(f"{m} leaps {i}", "tests", _noise(rng, 16, m), key=Key(0), meter=m)
              for m in ("4/4", "3/4") for i in range(24)]  # fmt: skip
    data = build_dataset([*tunes, *[t for t in unlike if t is not None]])
    data.split = np.where(np.arange(data.n_tunes) < len(tunes), 1 + np.arange(data.n_tunes) % 2,
                          0).astype(np.int8)  # fmt: skip
    picked = []  # the training windows of each call
    segments = G.segments

    def spy(data, split, *args, **kwargs):
        windows = segments(data, split, *args, **kwargs)
        picked.extend([tuple(w.notes for w in windows)] if split == "train" else [])
        return windows

    monkeypatch.setattr(G, "segments", spy)
    report = G.evaluate_generation(
        MelodyGenerator(tiny_model), data, n_bars=4, limit=10, baselines=(), draws=3
    )  # fmt: skip
    assert len(picked) == 3 * 2 and len(set(picked)) == len(picked)  # other windows each draw
    for group in ("4/4", "3/4", "all"):
        train, real = report["results"][group]["train"], report["results"][group]["real"]
        assert train["windows"] == report["results"][group]["reference"]["windows"]
        assert len(train["two_sample"]["draws"]) == 3
        assert train["two_sample"]["accuracy"] > 0.9 > 0.7 > real["two_sample"]["accuracy"]
        assert train["overlaps"]["mean"] < real["overlaps"]["mean"]
    # judged on validation, the real row is already the training tunes': no train row
    valid = G.evaluate_generation(
        MelodyGenerator(tiny_model), data, n_bars=4, limit=10, baselines=(), split="valid"
    )  # fmt: skip
    assert "train" not in valid["results"]["all"]
    assert valid["results"]["all"]["real"]["two_sample"]["accuracy"] > 0.9


def test_outside_tunes_are_the_reference_and_the_corpus_tunes_the_real_row(
    metered_data, tiny_model
):
    """With tunes from elsewhere every one of them is a reference window (whatever split its
    hash gave it), the GAN writes one melody per window, the baselines still learn from the
    corpus, and the real row is the corpus's validation tunes against the outside ones."""
    outside = build_dataset([t for m in ("4/4", "2/4") for t in _tunes(m, 6, 50 + METERS.index(m))])
    outside.split = np.full(outside.n_tunes, 2, dtype=np.int8)  # all "test": still all used
    outside.split[:3] = 0
    report = G.evaluate_generation(
        MelodyGenerator(tiny_model), metered_data, n_bars=8, limit=50, baselines=("markov",),
        outside=outside,
    )  # fmt: skip
    assert report["reference"]["split"] == "outside"
    assert report["reference"]["per_meter"] == {"4/4": 12, "2/4": 12}  # 6 tunes × 2 windows
    results = report["results"]
    assert set(results) == {"4/4", "2/4", "all"}
    for meter in ("4/4", "2/4"):  # (the tiny model writes these two)
        assert results[meter]["gan"]["windows"] == results[meter]["markov"]["windows"] == 12
        # the corpus's validation split: tunes 1, 4, 7, 10 of each meter, two windows each
        assert results[meter]["real"]["windows"] == 8
    with pytest.raises(StudioError, match="outside tunes have too few"):
        G.evaluate_generation(
            MelodyGenerator(tiny_model), metered_data, n_bars=32, baselines=(), outside=outside
        )


def test_bad_arguments(metered_data, tiny_model):
    generator = MelodyGenerator(tiny_model)
    with pytest.raises(InvalidInput):
        G.evaluate_generation(generator, metered_data, mode="sideways")
    with pytest.raises(InvalidInput):
        G.evaluate_generation(generator, metered_data, baselines=("transformer",))
