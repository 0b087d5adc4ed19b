"""The mood estimate: each cue moves the axis it should, and what a listener would not hear as a
different mood (transposition, the same music written in other beats) leaves it alone."""

from __future__ import annotations

import pytest

from studio.core.edit import transpose_song
from studio.core.mood import Mood, mood_reason, shared_mood, song_mood
from studio.core.music import Note, Song, TempoChange, Track

MAJOR = (0, 2, 4, 5, 7, 9, 11, 12, 11, 9, 7, 5, 4, 2, 0, 7)
MINOR = (0, 2, 3, 5, 7, 8, 11, 12, 11, 8, 7, 5, 3, 2, 0, 7)


def tune(steps=MAJOR, *, tonic=60, beat=0.5, held=1.0, tempo=120.0, velocity=90, repeats=4) -> Song:
    """A melody of ``steps`` above ``tonic`` in notes ``beat`` apart, each holding ``held`` of
    its gap (``velocity``: one, or a cycle of them), over a chord of the tonic under every
    eight notes."""
    loudness = [velocity] if isinstance(velocity, int) else list(velocity)
    melody = [
        Note(tonic + step, i * beat, beat * held, loudness[i % len(loudness)])
        for i, step in enumerate(list(steps) * repeats)
    ]
    third = 3 if steps is MINOR else 4
    chords = [
        Note(tonic - 12 + interval, bar * 8 * beat, 8 * beat * held, loudness[0])
        for bar in range(len(melody) // 8)
        for interval in (0, third, 7)
    ]
    return Song((Track(tuple(melody)), Track(tuple(chords), program=48)),
                tempos=(TempoChange(0.0, tempo),))  # fmt: skip


def test_minor_is_darker_than_major_and_says_so():
    major, minor = song_mood(tune(MAJOR)), song_mood(tune(MINOR))
    assert major.cues["mode"] > 0.5 > -0.5 > minor.cues["mode"]
    assert major.valence - minor.valence > 0.5
    assert "bright" in major.words and "dark" in minor.words


def test_quick_detached_notes_are_more_energetic_than_slow_held_ones():
    quick = song_mood(tune(beat=0.25, held=0.5, tempo=150))
    slow = song_mood(tune(beat=2.0, held=1.2, tempo=60))
    assert quick.cues["pace"] > 0.5 and slow.cues["pace"] < -0.5
    assert quick.cues["articulation"] > 0 > slow.cues["articulation"]
    assert quick.arousal - slow.arousal > 0.6
    assert "energetic" in quick.words and "calm" in slow.words


def test_a_score_s_written_values_and_one_velocity_say_nothing_of_playing():
    written = song_mood(tune(held=1.0, velocity=90))
    assert written.cues["articulation"] == 0.0 and written.cues["loudness"] == 0.0
    loud = song_mood(tune(velocity=(110, 120)))
    soft = song_mood(tune(velocity=(40, 50)))
    assert loud.cues["loudness"] > 0.5 > -0.5 > soft.cues["loudness"]
    assert loud.arousal > soft.arousal


@pytest.mark.parametrize("semitones", [-6, -3, -1, 1, 2, 5, 6])
def test_transposing_moves_only_the_register_a_little(semitones):
    plain, moved = song_mood(tune()), song_mood(transpose_song(tune(), semitones))
    assert moved.cues["mode"] == pytest.approx(plain.cues["mode"], abs=1e-9)
    assert moved.cues["pace"] == plain.cues["pace"]
    assert abs(moved.valence - plain.valence) <= 0.02 * abs(semitones)
    assert abs(moved.arousal - plain.arousal) <= 0.01 * abs(semitones)


def test_the_same_music_written_in_other_beats_has_the_same_mood():
    plain = song_mood(tune(beat=0.5, tempo=100))
    doubled = song_mood(tune(beat=1.0, tempo=200))  # every note twice the beats, twice as fast
    assert doubled.valence == pytest.approx(plain.valence, abs=1e-9)
    assert doubled.arousal == pytest.approx(plain.arousal, abs=1e-9)


def test_drums_are_left_out_and_no_pitched_notes_have_no_mood():
    song = tune()
    drums = Track(tuple(Note(36, i * 0.25, 0.1, 127) for i in range(256)), is_drum=True)
    assert song_mood(song.with_tracks((*song.tracks, drums))) == song_mood(song)
    assert song_mood(Song((drums,))) is None
    assert song_mood(Song()) is None


def test_words_and_json():
    assert Mood(0.0, 0.0).words == "neutral"
    assert Mood(-0.5, -0.3).words == "calm and dark"
    assert Mood(0.3, 0.1).words == "bright"
    document = song_mood(tune()).to_json()
    assert set(document) == {"valence", "arousal", "words", "cues"}
    assert set(document["cues"]) == {"mode", "pace", "articulation", "loudness", "register"}
    assert all(-1 <= value <= 1 for value in (document["valence"], document["arousal"]))


def test_a_shared_mood_is_named_only_where_both_sit_on_one_side():
    calm_dark, also = Mood(-0.6, -0.5), Mood(-0.3, -0.9)
    assert shared_mood(calm_dark, also) == "calm and dark"
    assert mood_reason(calm_dark, also) == ["also calm and dark"]
    assert shared_mood(calm_dark, Mood(0.6, -0.5)) == "calm"  # the valence differs
    assert shared_mood(calm_dark, Mood(-0.1, 0.1)) == ""  # neutral shares nothing
    assert shared_mood(calm_dark, None) == "" and mood_reason(None, also) == []
