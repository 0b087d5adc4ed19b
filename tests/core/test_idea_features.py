"""What an idea is like in numbers (``core.idea_features``), on hand-built melodies whose
register, density, motion, shape and rhythm are known."""

from __future__ import annotations

import re

import numpy as np
import pytest

from studio.core import idea_features as F
from studio.core.idea_features import NAMES, WORDS, idea_features, idea_id, idea_inputs
from studio.core.music import Note, Song, TempoChange, TimeSignature, Track

C_MAJOR_UP = (60, 62, 64, 65, 67, 69, 71, 72)


def song(notes, *, tempo: float = 120.0, title: str = "", drums=()) -> Song:
    tracks = [Track(tuple(notes), name="melody")]
    if drums:
        tracks.append(Track(tuple(drums), is_drum=True))
    return Song(tuple(tracks), tempos=(TempoChange(0.0, tempo),),
                time_signatures=(TimeSignature(0.0, 4, 4),), title=title)  # fmt: skip


def line(pitches, step: float = 1.0, duration: float | None = None, start: float = 0.0):
    """One note per ``step`` beats from ``start``, each ``duration`` long (default: legato)."""
    length = step if duration is None else duration
    return [Note(p, start + i * step, length, 90) for i, p in enumerate(pitches)]


def feature(values: np.ndarray, name: str) -> float:
    return float(values[NAMES.index(name)])


def test_one_value_per_name_with_words_for_each():
    values = idea_features(song(line(C_MAJOR_UP)))
    assert values.shape == (len(NAMES),) == (12,)
    assert values.dtype == np.float64
    assert set(WORDS) == set(NAMES)
    assert all(len(WORDS[name]) == 2 for name in NAMES)


def test_an_empty_song_or_drums_alone_give_zeros():
    assert np.array_equal(idea_features(Song()), np.zeros(len(NAMES)))
    drums_only = Song((Track(tuple(line([36, 38, 36, 38])), is_drum=True),))
    assert np.array_equal(idea_features(drums_only, 16.0), np.zeros(len(NAMES)))


def test_drum_notes_are_left_out():
    melody = line(C_MAJOR_UP)
    with_drums = song(melody, drums=line([36, 38] * 8, step=0.5))
    assert np.allclose(idea_features(with_drums), idea_features(song(melody)))


def test_higher_register_gives_a_larger_register_value():
    low = idea_features(song(line(C_MAJOR_UP)))
    high = idea_features(song(line([p + 12 for p in C_MAJOR_UP])))
    assert feature(high, "register") == pytest.approx(feature(low, "register") + 12)
    for name in ("span", "density", "step", "leaps", "direction", "arch", "rests"):
        assert feature(high, name) == pytest.approx(feature(low, name)), name


def test_span_is_the_distance_between_lowest_and_highest():
    assert feature(idea_features(song(line(C_MAJOR_UP))), "span") == 12
    assert feature(idea_features(song(line([60, 64, 60, 64]))), "span") == 4


def test_denser_notes_give_a_larger_density():
    quarters = idea_features(song(line(C_MAJOR_UP, step=1.0)), 8.0)
    eighths = idea_features(song(line(C_MAJOR_UP * 2, step=0.5)), 8.0)
    assert feature(quarters, "density") == pytest.approx(1.0)  # 8 notes in 8 beats
    assert feature(eighths, "density") == pytest.approx(2.0)
    # the same notes in a longer idea (trailing rests) are sparser
    assert feature(idea_features(song(line(C_MAJOR_UP)), 16.0), "density") == pytest.approx(0.5)


def test_stepwise_motion_against_leaps():
    steps = idea_features(song(line(C_MAJOR_UP)))
    leaps = idea_features(song(line([60, 67, 60, 67, 72, 65, 72, 65])))
    assert feature(steps, "leaps") == 0.0
    assert feature(leaps, "leaps") == 1.0  # every move is a fifth or more
    assert feature(steps, "step") == pytest.approx(12 / 7)  # 2 2 1 2 2 2 1 semitones
    assert feature(leaps, "step") > feature(steps, "step")


def test_rising_and_falling_lines_have_opposite_directions():
    rising = idea_features(song(line(C_MAJOR_UP)))
    falling = idea_features(song(line(C_MAJOR_UP[::-1])))
    assert feature(rising, "direction") > 0 > feature(falling, "direction")
    assert feature(falling, "direction") == pytest.approx(-feature(rising, "direction"))
    level = idea_features(song(line([64] * 8)))
    assert feature(level, "direction") == 0.0


def test_an_arch_against_a_dip():
    arch = idea_features(song(line([60, 62, 67, 72, 72, 67, 62, 60])))
    dip = idea_features(song(line([72, 67, 62, 60, 60, 62, 67, 72])))
    assert feature(arch, "arch") > 0 > feature(dip, "arch")


def test_rests_count_gaps_and_trailing_silence():
    legato = idea_features(song(line(C_MAJOR_UP, duration=1.0)))
    staccato = idea_features(song(line(C_MAJOR_UP, duration=0.5)), 8.0)
    assert feature(legato, "rests") == pytest.approx(0.0)
    assert feature(staccato, "rests") == pytest.approx(0.5)  # each beat half sounding
    trailing = idea_features(song(line(C_MAJOR_UP, duration=1.0)), 16.0)
    assert feature(trailing, "rests") == pytest.approx(0.5)  # 8 of 16 beats silent


def test_overlapping_notes_count_their_sound_once():
    held = [Note(48, 0.0, 8.0, 80), *line(C_MAJOR_UP, duration=0.5)]
    assert feature(idea_features(song(held), 8.0), "rests") == pytest.approx(0.0)
    assert feature(idea_features(song(held), 16.0), "rests") == pytest.approx(0.5)


def test_long_notes_and_offbeat_starts():
    straight = idea_features(song(line(C_MAJOR_UP, step=1.0)))
    syncopated = idea_features(song(line(C_MAJOR_UP, step=1.0, start=0.5)), 9.0)
    short = idea_features(song(line(C_MAJOR_UP, step=0.5)))
    assert feature(straight, "long_notes") == 1.0 and feature(short, "long_notes") == 0.0
    assert feature(straight, "offbeat") == 0.0 and feature(syncopated, "offbeat") == 1.0
    assert feature(short, "offbeat") == pytest.approx(0.5)


def test_mood_lies_between_minus_one_and_one():
    values = idea_features(song(line(C_MAJOR_UP * 2, step=0.5)))
    for name in ("valence", "arousal"):
        assert -1.0 <= feature(values, name) <= 1.0


def test_idea_id_is_stable_and_ignores_the_title():
    notes = line(C_MAJOR_UP)
    first = idea_id(song(notes, title="One"))
    assert re.fullmatch(r"[0-9a-f]{16}", first)
    assert idea_id(song(list(notes), title="Another title")) == first


def test_idea_id_changes_with_a_note_or_the_tempo():
    notes = line(C_MAJOR_UP)
    base = idea_id(song(notes))
    other_pitch = [*notes[:3], Note(notes[3].pitch + 1, notes[3].start, 1.0, 90), *notes[4:]]
    other_start = [*notes[:-1], Note(72, 7.5, 0.5, 90)]
    assert idea_id(song(other_pitch)) != base
    assert idea_id(song(other_start)) != base
    assert idea_id(song(notes[:-1])) != base
    assert idea_id(song(notes, tempo=90)) != base


def test_idea_inputs_are_the_features_while_the_noise_weighs_nothing():
    features = idea_features(song(line(C_MAJOR_UP)))
    latents = np.random.default_rng(0).standard_normal((4, 8))
    assert F.LATENT_WEIGHT == 0
    inputs = idea_inputs(features, latents, 8)
    assert inputs.shape == (len(NAMES),)
    assert np.array_equal(inputs, features)


def test_idea_inputs_add_the_mean_noise_when_it_weighs(monkeypatch):
    monkeypatch.setattr(F, "LATENT_WEIGHT", 0.5)
    features = np.arange(len(NAMES), dtype=float)
    latents = np.random.default_rng(1).standard_normal((4, 8))
    inputs = idea_inputs(features, latents, 8)
    assert inputs.shape == (len(NAMES) + 8,)
    assert np.array_equal(inputs[: len(NAMES)], features)
    assert np.allclose(inputs[len(NAMES) :], 0.5 * latents.mean(axis=0))
    # unknown noise, or noise of another size, counts as zeros
    for unknown in (None, np.ones((4, 5)), np.ones(8)):
        assert np.array_equal(idea_inputs(features, unknown, 8)[len(NAMES) :], np.zeros(8))
