"""Text events in MIDI files and the generation settings kept in one of them."""

from __future__ import annotations

import io
import json

import mido
import pytest

from studio.core.errors import MidiFileError
from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes, write_midi
from studio.core.music import KeySignature, Note, Song, TempoChange, Track
from studio.core.song_settings import (
    TAG,
    SongSettings,
    decode,
    encode,
    find_settings,
    settings_of,
    with_settings,
)

MELODY = Song(
    tracks=(Track((Note(62, 0, 1), Note(65, 1, 1), Note(69, 2, 2)), name="Melody"),),
    tempos=(TempoChange(0, 120),),
    key_signatures=(KeySignature(0, 2, "minor"),),
    title="Idea",
)
SETTINGS = SongSettings(key="D minor", chords=("Dm", "Bb", "F", "C"), seed=1207, tempo=120.0,
                        bars=8)  # fmt: skip


def test_settings_text_is_tagged_compact_json():
    text = encode(SETTINGS)
    assert text == (
        'motif-studio:{"v":1,"key":"D minor","chords":["Dm","Bb","F","C"],'
        '"seed":1207,"tempo":120,"bars":8}'
    )
    assert decode(text) == SETTINGS
    assert decode(encode(SongSettings(key="G dorian"))) == SongSettings(key="G dorian")
    assert decode(encode(SongSettings(tempo=92.5))).tempo == 92.5


@pytest.mark.parametrize(
    "text",
    ["", "hello", "motif-studio:", "motif-studio:{", 'motif-studio:["a"]', "motif-studio:null",
     "motif-studio:" + "[" * 50_000, 'motif-studio-other:{"key":"C"}'],
)  # fmt: skip
def test_damaged_or_foreign_texts_are_ignored(text):
    assert decode(text) is None


def test_a_wrong_field_is_dropped_alone():
    text = TAG + '{"v":1,"key":"H minor","chords":["C",3],"seed":-1,"tempo":0,"bars":true}'
    assert decode(text) == SongSettings()
    text = TAG + '{"v":2,"key":"am","chords":["Am","","E"],"seed":7,"future":{"x":1}}'
    assert decode(text) == SongSettings(key="A minor", chords=("Am", "", "E"), seed=7)


def test_with_settings_replaces_ours_and_keeps_other_texts():
    song = Song(text_events=("made by X", TAG + '{"v":1,"seed":1}', "tail"))
    tagged = with_settings(song, SETTINGS)
    assert tagged.text_events == ("made by X", "tail", encode(SETTINGS))
    assert settings_of(tagged) == SETTINGS
    assert with_settings(tagged, None).text_events == ("made by X", "tail")
    assert with_settings(tagged, SongSettings()).text_events == ("made by X", "tail")
    assert with_settings(MELODY, None) is MELODY  # nothing to change: the same object
    assert find_settings(["nope", TAG + "{broken"]) is None


def test_settings_survive_writing_and_reading_a_file(tmp_path):
    path = tmp_path / "idea.mid"
    write_midi(with_settings(MELODY, SETTINGS), path)
    song = read_midi(path)
    assert settings_of(song) == SETTINGS
    assert song.title == "Idea"
    assert song.tracks == MELODY.tracks
    assert song.key_signatures == MELODY.key_signatures
    conductor = mido.MidiFile(path).tracks[0]
    texts = [(m.type, m.time, m.text) for m in conductor if m.type == "text"]
    assert texts == [("text", 0, encode(SETTINGS))]  # meta event 0x01 at tick 0 of track 0


def test_unicode_texts_round_trip():
    song = Song(MELODY.tracks, text_events=("Für Elise · ♪", encode(SongSettings(key="F# minor"))))
    again = read_midi(midi_bytes(song))
    assert again.text_events == song.text_events
    assert settings_of(again).key == "F# minor"


def test_meter_and_form_round_trip_through_a_file(tmp_path):
    settings = SongSettings(key="E minor", chords=("Em", "Em", "B7"), seed=3, tempo=108.0,
                            bars=16, meter="6/8", form="AABA")  # fmt: skip
    text = encode(settings)
    assert text.endswith('"bars":16,"meter":"6/8","form":"AABA"}')
    assert decode(text) == settings
    path = tmp_path / "jig.mid"
    write_midi(with_settings(MELODY, settings), path)
    assert settings_of(read_midi(path)) == settings
    assert decode(encode(SongSettings(form="through"))) == SongSettings(form="through")


def test_a_text_written_before_meters_reads_with_meter_and_form_unknown():
    old = TAG + '{"v":1,"key":"D minor","chords":["Dm","Bb"],"seed":1207,"tempo":120,"bars":8}'
    settings = decode(old)
    assert (settings.meter, settings.form) == (None, None)
    assert settings == SongSettings(key="D minor", chords=("Dm", "Bb"), seed=1207, tempo=120.0,
                                    bars=8)  # fmt: skip
    assert encode(settings) == old  # unknown fields are not written: old readers see the same


@pytest.mark.parametrize(
    ("meter", "form"),
    [(6, ["AABA"]), ("6/7", "A A"), ("0/4", ""), ("three", "AABA!"), ("4/4/4", "x" * 40),
     (None, None), (True, 1)],
)  # fmt: skip
def test_a_wrong_meter_or_form_is_dropped_alone(meter, form):
    text = TAG + json.dumps({"v": 1, "seed": 5, "meter": meter, "form": form})
    assert decode(text) == SongSettings(seed=5)


def _third_party_file() -> bytes:
    """A type-0 file as other programs write it: texts, a copyright, a marker, lyrics."""
    midi = mido.MidiFile(type=0, ticks_per_beat=96)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name="Song"))
    track.append(mido.MetaMessage("text", text="Sequenced by someone"))
    track.append(mido.MetaMessage("copyright", text="(c) 1999"))
    track.append(mido.MetaMessage("text", text="motif-studio:{this is not json"))
    track.append(mido.Message("note_on", note=60, velocity=90, time=0))
    track.append(mido.MetaMessage("text", text="a text in the middle of the music", time=48))
    track.append(mido.MetaMessage("lyrics", text="la", time=0))
    track.append(mido.Message("note_off", note=60, velocity=0, time=48))
    midi.tracks.append(track)
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def test_a_third_party_file_with_text_events_reads_and_keeps_its_leading_texts():
    song = read_midi(_third_party_file())
    assert song.title == "Song"
    assert [(n.pitch, n.start, n.duration) for n in song.notes] == [(60, 0.0, 1.0)]
    assert song.text_events == ("Sequenced by someone", "motif-studio:{this is not json")
    assert settings_of(song) is None  # the damaged settings text is ignored
    again = read_midi(midi_bytes(song))
    assert again.text_events == song.text_events
    assert again.notes == song.notes


def test_a_truncated_text_event_is_a_midi_file_error():
    song = Song(MELODY.tracks, title="T", text_events=("a", "b"))
    data = bytearray(midi_bytes(song))
    assert read_midi(bytes(data)).text_events == ("a", "b")
    index = data.index(b"\xff\x01\x01b")
    data[index + 2] = 0x7F  # the second text claims more bytes than its track has
    with pytest.raises(MidiFileError, match="track 1"):
        read_midi(bytes(data))
