"""The MIDI writer encodes channel events itself (for speed); its bytes must be exactly those
mido's writer makes for the same events: here the earlier writer, built on mido messages, is the
reference, on real files and on random songs with every kind of event."""

from __future__ import annotations

import io
from pathlib import Path

import mido
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core import midi_write
from studio.core.midi_read import read_midi
from studio.core.music import (
    ControlChange,
    KeySignature,
    Note,
    PitchBend,
    Song,
    TempoChange,
    TimeSignature,
    Track,
)
from studio.core.resources import DEMO_LIBRARY
from studio.core.theory import Key

DATA = Path(__file__).resolve().parent.parent / "data"


def reference_bytes(song: Song) -> bytes:
    """The writer as it was, with a mido message per event and mido's own file writer."""
    tpb = song.ticks_per_beat
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)
    midi.tracks.append(_delta(_conductor(song)))
    melodic = 0
    for track in song.tracks:
        if track.is_drum:
            channel = midi_write.DRUM_CHANNEL
        else:
            channel = midi_write.MELODIC_CHANNELS[melodic % len(midi_write.MELODIC_CHANNELS)]
            melodic += 1
        midi.tracks.append(_delta(_events(track, channel, tpb)))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def _ticks(beat: float, tpb: int) -> int:
    return max(0, round(beat * tpb))


def _text(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def _delta(timed) -> mido.MidiTrack:
    track, previous = mido.MidiTrack(), 0
    for tick, _, message in sorted(timed, key=lambda item: (item[0], item[1])):
        track.append(message.copy(time=tick - previous))
        previous = tick
    return track


def _conductor(song: Song) -> list:
    tpb, timed = song.ticks_per_beat, []
    if song.title:
        timed.append((0, 0, mido.MetaMessage("track_name", name=_text(song.title))))
    for text in song.text_events:
        timed.append((0, 0, mido.MetaMessage("text", text=_text(text))))
    for sig in song.time_signatures:
        meta = mido.MetaMessage("time_signature", numerator=sig.numerator,
                                denominator=sig.denominator)  # fmt: skip
        timed.append((_ticks(sig.beat, tpb), 1, meta))
    for key in song.key_signatures:
        meta = mido.MetaMessage("key_signature", key=Key(key.tonic, key.mode).midi_key_name)
        timed.append((_ticks(key.beat, tpb), 2, meta))
    for tempo in song.tempos:
        meta = mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(tempo.bpm)))
        timed.append((_ticks(tempo.beat, tpb), 3, meta))
    return timed


def _events(track: Track, channel: int, tpb: int) -> list:
    timed = []
    if track.name:
        timed.append((0, 0, mido.MetaMessage("track_name", name=_text(track.name))))
    timed.append((0, 1, mido.Message("program_change", program=track.program, channel=channel)))
    for control in track.controls:
        message = mido.Message("control_change", control=control.number, value=control.value,
                               channel=channel)  # fmt: skip
        timed.append((_ticks(control.beat, tpb), 3, message))
    for bend in track.pitch_bends:
        timed.append((_ticks(bend.beat, tpb), 3,
                      mido.Message("pitchwheel", pitch=bend.value, channel=channel)))  # fmt: skip
    # of a pitch's notes on one tick, the one that ends first first (as the writer does, so a
    # reader's first-in, first-out pairing gives each note its own end)
    for note in sorted(track.notes, key=lambda n: (_ticks(n.start, tpb), n.pitch,
                                                   _ticks(n.end, tpb))):  # fmt: skip
        on, off = _ticks(note.start, tpb), _ticks(note.end, tpb)
        velocity = max(1, note.velocity)
        timed.append((on, 4, mido.Message("note_on", note=note.pitch, velocity=velocity,
                                          channel=channel)))  # fmt: skip
        release = mido.Message("note_off", note=note.pitch, velocity=0, channel=channel)
        timed.append((off, 2 if off > on else 5, release))
    return timed


def test_real_files_are_written_byte_for_byte_as_mido_writes_them(shared_edge_cases):
    files = [*DATA.glob("*.mid"), *DEMO_LIBRARY.glob("*.mid"), *shared_edge_cases.glob("*.mid")]
    checked = 0
    for path in sorted(files):
        try:
            song = read_midi(path)
        except Exception:  # damaged on purpose: the reader's own tests cover those
            continue
        assert midi_write.midi_bytes(song) == reference_bytes(song), path.name
        checked += 1
    assert checked >= 40


beats = st.floats(0, 64, allow_nan=False).map(lambda b: round(b * 48) / 48)
notes = st.builds(Note, st.integers(0, 127), beats, st.sampled_from([0.0, 0.01, 0.25, 0.5, 3.0]),
                  st.integers(0, 127))  # fmt: skip
tracks = st.builds(
    Track,
    notes=st.lists(notes, max_size=30).map(lambda ns: tuple(sorted(ns, key=lambda n: n.start))),
    program=st.integers(0, 127),
    is_drum=st.booleans(),
    name=st.sampled_from(["", "Lead", "Bässe ♪"]),
    controls=st.lists(st.builds(ControlChange, beats, st.integers(0, 127), st.integers(0, 127)),
                      max_size=5).map(lambda cs: tuple(sorted(cs, key=lambda c: c.beat))),
    pitch_bends=st.lists(st.builds(PitchBend, beats, st.integers(-8192, 8191)),
                         max_size=5).map(lambda bs: tuple(sorted(bs, key=lambda b: b.beat))),
)  # fmt: skip
songs = st.builds(
    Song,
    tracks=st.lists(tracks, max_size=18).map(tuple),
    tempos=st.lists(st.builds(TempoChange, beats, st.floats(20, 300)), max_size=3).map(
        lambda ts: tuple(sorted(ts, key=lambda t: t.beat))),
    time_signatures=st.lists(st.builds(TimeSignature, beats, st.integers(1, 12),
                                       st.sampled_from([2, 4, 8])), max_size=2).map(
        lambda ts: tuple(sorted(ts, key=lambda t: t.beat))),
    key_signatures=st.lists(st.builds(KeySignature, beats, st.integers(0, 11),
                                      st.sampled_from(["major", "minor"])), max_size=2).map(
        lambda ks: tuple(sorted(ks, key=lambda k: k.beat))),
    ticks_per_beat=st.sampled_from([96, 220, 480, 960]),
    title=st.sampled_from(["", "Tune", "Ça ira"]),
)  # fmt: skip


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(songs)
def test_random_songs_are_written_byte_for_byte_as_mido_writes_them(song):
    assert midi_write.midi_bytes(song) == reference_bytes(song)


def test_long_delta_times_and_tables_read_from_a_file_are_written_as_mido_writes_them():
    # Gaps of 2, 3, 4 and 5 variable-length bytes (at 960 ticks a beat, 280,000 beats is
    # past 2**28 ticks; 16 hours at 300 BPM, within the reader's limit), and controllers and
    # bends held in numpy columns (as read).
    song = Song((Track((Note(60, 0, 1), Note(62, 100, 0.5, 0), Note(64, 20_000, 1),
                        Note(65, 280_000, 2), Note(67, 280_000, 0)),
                       name="far", controls=(ControlChange(3, 64, 127), ControlChange(3, 64, 0)),
                       pitch_bends=(PitchBend(3, -8192), PitchBend(200_000, 8191))),),
                tempos=(TempoChange(0, 300),), ticks_per_beat=960)  # fmt: skip
    assert midi_write.midi_bytes(song) == reference_bytes(song)
    again = read_midi(midi_write.midi_bytes(song))
    assert midi_write.midi_bytes(again) == reference_bytes(again)


def test_values_outside_midi_are_refused_as_mido_refuses_them():
    import pytest

    for track in (Track(controls=(ControlChange(0, 128, 0),)),
                  Track(pitch_bends=(PitchBend(0, 8192),))):  # fmt: skip
        with pytest.raises(ValueError):
            midi_write.midi_bytes(Song((track,)))
