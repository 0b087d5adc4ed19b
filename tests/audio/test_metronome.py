"""The metronome: which beats click, where they fall in frames, and how the transport mixes them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import need_audio

from studio.audio.metronome import (
    CLICK_SECONDS,
    DEFAULT_METRONOME_DB,
    METRONOME_RANGE_DB,
    beat_length,
    click_beats,
    click_sound,
    click_times,
)
from studio.audio.player import Player
from studio.audio.transport import Rendered, Transport
from studio.core.errors import InvalidInput
from studio.core.music import Note, Song, TempoChange, TimeSignature, Track
from studio.settings import OPTIONS

RATE = 44100
BLOCK = 512


def bars_of(meter: str, bars: int, tempo: float = 120.0) -> Song:
    """A song that lasts exactly ``bars`` bars of ``meter`` (one long note)."""
    signature = TimeSignature.parse(meter)
    length = bars * signature.beats_per_bar
    return Song(
        (Track((Note(60, 0.0, length, 80),)),),
        tempos=(TempoChange(0, tempo),),
        time_signatures=(signature,),
    )


@pytest.mark.parametrize(
    ("meter", "beat"),
    [("4/4", 1.0), ("3/4", 1.0), ("2/2", 2.0), ("7/8", 0.5), ("6/8", 1.5), ("12/8", 1.5),
     ("9/8", 1.5), ("3/8", 0.5), ("6/4", 3.0)],
)  # fmt: skip
def test_the_beat_is_the_denominator_or_the_dotted_beat_in_compound_meters(meter, beat):
    assert beat_length(TimeSignature.parse(meter)) == beat


def test_four_four_clicks_on_quarters_with_the_downbeats_accented():
    clicks = click_beats(bars_of("4/4", 2))
    assert [beat for beat, _ in clicks] == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [beat for beat, accent in clicks if accent] == [0, 4]


def test_six_eight_clicks_twice_a_bar():
    clicks = click_beats(bars_of("6/8", 3))
    assert clicks == [(0, True), (1.5, False), (3, True), (4.5, False), (6, True), (7.5, False)]


def test_a_meter_change_restarts_the_bar_count():
    song = Song(
        (Track((Note(60, 0.0, 10.0, 80),)),),
        time_signatures=(TimeSignature(0.0, 3, 4), TimeSignature(6.0, 2, 4)),
    )
    clicks = click_beats(song)
    assert [beat for beat, _ in clicks] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert [beat for beat, accent in clicks if accent] == [0, 3, 6, 8]


def test_click_frames_follow_the_tempo_map():
    song = Song(
        (Track((Note(60, 0.0, 8.0, 80),)),),
        tempos=(TempoChange(0, 120), TempoChange(4, 60)),
    )
    clicks = click_times(song, RATE)
    seconds = [0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0]  # twice as slow from beat 4
    assert clicks.frames.tolist() == [round(s * RATE) for s in seconds]
    assert clicks.accents.tolist() == [True, False, False, False, True, False, False, False]
    assert len(click_times(Song(), RATE)) == 0


def test_the_accent_is_higher_and_both_clicks_are_short_and_peak_at_one():
    beat, accent = click_sound(RATE, False), click_sound(RATE, True)
    assert len(beat) == len(accent) == round(CLICK_SECONDS * RATE)
    assert np.abs(beat).max() == pytest.approx(1.0) and np.abs(accent).max() == pytest.approx(1.0)

    def zero_crossings(sound):
        return int(np.count_nonzero(np.diff(np.signbit(sound[: len(sound) // 3]))))

    assert zero_crossings(accent) > zero_crossings(beat)
    assert abs(beat[0]) < 0.01  # the onset does not snap


def play(transport: Transport, seconds: float) -> np.ndarray:
    """What the callback would hand to the device over ``seconds``, block by block."""
    out = np.zeros((round(seconds * RATE) // BLOCK * BLOCK, 2), np.float32)
    for start in range(0, len(out), BLOCK):
        transport.fill(out[start : start + BLOCK])
    return out


def silent_song_transport(song: Song) -> Transport:
    """A transport playing ``song`` rendered as silence (so only clicks are heard)."""
    transport = Transport(RATE, BLOCK)
    audio = np.zeros((round(song.duration_seconds * RATE) + RATE, 2), np.float32)
    transport.install(Rendered(song, audio, click_times(song, RATE)))
    return transport


def test_the_transport_adds_each_click_at_its_frame_across_block_edges():
    song = bars_of("3/4", 2, tempo=100)  # beats every 0.6 s = 26460 frames: not block-aligned
    transport = silent_song_transport(song)
    transport.set_metronome(0.5)
    transport.play()
    out = play(transport, 3.7)
    beat, accent = click_sound(RATE, False) * 0.5, click_sound(RATE, True) * 0.5
    clicks = click_times(song, RATE)
    expected = np.zeros(len(out), np.float32)
    for frame, is_accent in zip(clicks.frames, clicks.accents, strict=True):
        sound = accent if is_accent else beat
        expected[frame : frame + len(sound)] += sound[: len(expected) - frame]
    expected[:BLOCK] *= (np.arange(BLOCK) + 1) / BLOCK  # playing starts with a fade-in
    np.testing.assert_allclose(out[:, 0], expected, atol=1e-6)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])


def test_the_metronome_can_be_turned_off_while_playing():
    transport = silent_song_transport(bars_of("4/4", 4))
    transport.set_metronome(1.0)
    assert transport.metronome_on
    transport.play()
    assert np.abs(play(transport, 1.0)).max() > 0.9
    transport.set_metronome(None)
    assert not transport.metronome_on
    after = play(transport, 1.0)
    # What is left of a click that began in the last block before; then silence.
    assert not after[round(CLICK_SECONDS * RATE) :].any()


def test_the_clicks_wrap_with_the_loop():
    song = bars_of("4/4", 4)  # 8 s at 120 BPM
    transport = silent_song_transport(song)
    transport.set_metronome(1.0)
    transport.set_loop(4.0, 8.0)  # the second bar, 2 s long
    transport.seek(beats=4.0)
    transport.play()
    out = play(transport, 4.5)
    starts = np.flatnonzero(np.abs(out[:, 0]) > 0.2)
    onsets = starts[np.insert(np.diff(starts) > RATE // 10, 0, True)]
    # Eight or nine clicks, half a second apart, never leaving the bar: the loop repeated it.
    assert len(onsets) >= 8
    assert np.allclose(np.diff(onsets), RATE // 2, atol=BLOCK)


def test_the_player_checks_the_volume_and_remembers_it_while_off():
    need_audio()
    with Player(blocksize=BLOCK) as player:
        assert not player.metronome_on
        player.set_metronome(True, -20.0)
        assert player.metronome_on and player.metronome_db == -20.0
        player.set_metronome(False)
        assert not player.metronome_on and player.metronome_db == -20.0
        with pytest.raises(InvalidInput, match="metronome volume"):
            player.set_metronome(True, 6.0)
        player.set_metronome(True)
        assert player.metronome_on and player.metronome_db == -20.0


def test_the_settings_offer_the_metronome_with_the_players_default_and_range():
    assert OPTIONS["metronome"].default is False
    assert OPTIONS["metronome_db"].default == DEFAULT_METRONOME_DB
    low, high = METRONOME_RANGE_DB
    assert OPTIONS["metronome_db"].parse(str(low)) == low
    with pytest.raises(InvalidInput):
        OPTIONS["metronome_db"].parse(str(high + 1))
