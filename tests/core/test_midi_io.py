"""MIDI read/write on real bytes: round trips, the edge-case files, what gets written."""

from __future__ import annotations

import io
import os

import mido
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core import (
    ControlChange,
    KeySignature,
    MidiFileError,
    Note,
    PitchBend,
    Song,
    StudioError,
    TempoChange,
    TimeSignature,
    Track,
)
from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes, write_midi


def note_tuples(song: Song) -> list[list[tuple[int, float, float, int]]]:
    return [[(n.pitch, n.start, n.duration, n.velocity) for n in t.notes] for t in song.tracks]


def assert_same_notes(expected: Song, actual: Song, tpb: int) -> None:
    """Every note comes back with its pitch and velocity, its start and end within one tick."""
    tolerance_beats = 1 / tpb + 1e-9

    def on_the_grid(note: Note) -> tuple[int, int, int, int]:
        # notes that land on the same tick may come back in another order
        return round(note.start * tpb), note.pitch, round(note.end * tpb), note.velocity

    assert len(actual.tracks) == len(expected.tracks)
    for want, got in zip(expected.tracks, actual.tracks, strict=True):
        assert len(got.notes) == len(want.notes)
        pairs = zip(
            sorted(want.notes, key=on_the_grid), sorted(got.notes, key=on_the_grid), strict=True
        )
        for a, b in pairs:
            assert (a.pitch, a.velocity) == (b.pitch, b.velocity)
            assert abs(a.start - b.start) <= tolerance_beats
            assert abs(a.end - b.end) <= tolerance_beats


# -- the edge-case files kept in tests/data ------------------------------------------------


def test_running_status_type0(data_dir):
    song = read_midi(data_dir / "running_status.mid")
    assert note_tuples(song) == [[(60, 0.0, 1.0, 64), (62, 1.0, 1.0, 80), (64, 2.0, 1.0, 96)]]


def test_type0_splits_channels_and_finds_drums(data_dir):
    song = read_midi(data_dir / "type0_two_channels.mid")
    assert song.title == "Type0"
    assert song.tempo == 100
    melodic, drums = sorted(song.tracks, key=lambda t: t.is_drum)
    assert (melodic.program, melodic.is_drum) == (24, False)
    assert note_tuples(Song([melodic])) == [[(67, 0.0, 1.0, 100)]]
    assert drums.is_drum
    assert note_tuples(Song([drums])) == [[(36, 0.0, 0.5, 127)]]
    assert [n.pitch for n in song.notes] == [67]  # Song.notes leaves drums out


def test_tempo_changes_and_meter_changes(data_dir):
    song = read_midi(data_dir / "tempo_changes.mid")
    assert song.tempos == (TempoChange(0.0, 120.0), TempoChange(4.0, 60.0))
    assert [str(t) for t in song.time_signatures] == ["4/4", "3/4"]
    assert song.time_signatures[1].beat == 8.0
    # four beats at 120 BPM (2 s), then seven more beats at 60 BPM (7 s)
    assert song.duration_seconds == pytest.approx(9.0)
    assert song.seconds_to_beats(3.0) == pytest.approx(5.0)
    assert [n.start for n in song.notes] == [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


def test_empty_track_is_skipped_and_notes_kept(data_dir):
    song = read_midi(data_dir / "empty_track.mid")
    assert note_tuples(song) == [[(69, 0.0, 2.0, 80)]]


def test_zero_length_notes_are_kept(data_dir):
    song = read_midi(data_dir / "zero_length_notes.mid")
    assert note_tuples(song) == [[(60, 0.0, 0.0, 64), (62, 1.0, 1.0, 64), (64, 2.0, 0.0, 64)]]


def test_overlapping_same_pitch_notes_pair_first_in_first_out(data_dir):
    song = read_midi(data_dir / "overlapping_same_pitch.mid")
    assert note_tuples(song) == [[(60, 0.0, 2.0, 64), (60, 1.0, 2.0, 80)]]


def test_same_pitch_notes_on_one_tick_read_back_with_their_own_ends():
    # a fraction of a tick apart, the shorter one last in the track: written shortest first,
    # so the reader's first-in, first-out pairing gives each its own end and velocity
    notes = (Note(62, 0.0, 0.25, 1), Note(62, 1e-6, 0.0, 90), Note(62, 0.0, 0.0, 127))
    back = read_midi(midi_bytes(Song(tracks=(Track(notes),), ticks_per_beat=480)))
    assert sorted(note_tuples(back)[0], key=lambda n: (n[2], n[3])) == [
        (62, 0.0, 0.0, 90), (62, 0.0, 0.0, 127), (62, 0.0, 0.25, 1)
    ]  # fmt: skip


def test_key_signature_names_programs_controls(data_dir):
    song = read_midi(data_dir / "key_and_names.mid")
    assert song.title == "Key test"
    assert song.key_signature == KeySignature(0.0, 3, "major")  # Eb
    assert str(song.time_signature) == "6/8"
    assert song.tempo == 90
    (violin,) = song.tracks
    assert (violin.name, violin.program) == ("Violin", 40)
    assert violin.pitch_bends == (PitchBend(0.5, 1000),)
    assert violin.controls == (ControlChange(0.5, 64, 127),)


@pytest.mark.parametrize(
    "name",
    ["running_status.mid", "type0_two_channels.mid", "tempo_changes.mid", "empty_track.mid",
     "zero_length_notes.mid", "overlapping_same_pitch.mid", "key_and_names.mid"],
)  # fmt: skip
def test_edge_case_files_round_trip(data_dir, name):
    song = read_midi(data_dir / name)
    again = read_midi(midi_bytes(song))
    assert note_tuples(again) == note_tuples(song)
    assert [(t.program, t.is_drum, t.name) for t in again.tracks] == [
        (t.program, t.is_drum, t.name) for t in song.tracks
    ]
    assert (again.tempos, again.time_signatures, again.key_signatures) == (
        song.tempos,
        song.time_signatures,
        song.key_signatures,
    )
    assert again.title == song.title
    assert [(t.controls, t.pitch_bends) for t in again.tracks] == [
        (t.controls, t.pitch_bends) for t in song.tracks
    ]


# -- writing -------------------------------------------------------------------------------

EXAMPLE = Song(
    tracks=(
        Track(
            (Note(60, 0, 1, 80), Note(64, 0.5, 0, 70), Note(60, 1, 0.5, 90), Note(67, 1.5, 2.5)),
            program=40,
            name="Lead",
            controls=(ControlChange(0, 64, 127), ControlChange(2, 64, 0)),
            pitch_bends=(PitchBend(1.25, -2048),),
        ),
        Track((Note(36, 0, 0.25, 110), Note(38, 1, 0.25, 90)), is_drum=True, name="Drums"),
    ),
    tempos=(TempoChange(0, 90), TempoChange(8, 140)),
    time_signatures=(TimeSignature(0, 3, 4), TimeSignature(6, 4, 4)),
    key_signatures=(KeySignature(0, 10, "minor"),),
    title="Example",
)


def test_write_then_read_gives_the_same_song(tmp_path):
    path = tmp_path / "example.mid"
    write_midi(EXAMPLE, path)
    song = read_midi(path)
    assert song.title == "Example"
    assert note_tuples(song) == note_tuples(EXAMPLE)
    assert song.tempos == EXAMPLE.tempos
    assert song.time_signatures == EXAMPLE.time_signatures
    assert song.key_signatures == EXAMPLE.key_signatures
    lead, drums = song.tracks
    assert (lead.name, lead.program, lead.is_drum) == ("Lead", 40, False)
    assert lead.controls == EXAMPLE.tracks[0].controls
    assert lead.pitch_bends == EXAMPLE.tracks[0].pitch_bends
    assert (drums.name, drums.is_drum) == ("Drums", True)


def test_written_file_is_type1_with_conductor_track():
    midi = mido.MidiFile(file=io.BytesIO(midi_bytes(EXAMPLE)))
    assert midi.type == 1
    assert len(midi.tracks) == 3
    conductor = [m for m in midi.tracks[0] if m.is_meta]
    assert {"track_name", "time_signature", "key_signature", "set_tempo"} <= {
        m.type for m in conductor
    }
    key = next(m for m in conductor if m.type == "key_signature")
    assert key.key == "Bbm"
    channels = {m.channel for m in midi.tracks[2] if not m.is_meta}
    assert channels == {9}  # drums on MIDI channel 10
    names = [m.name for t in midi.tracks for m in t if m.type == "track_name"]
    assert names == ["Example", "Lead", "Drums"]


def test_write_is_atomic_and_reports_a_missing_folder(tmp_path):
    with pytest.raises(StudioError, match="cannot write"):
        write_midi(EXAMPLE, tmp_path / "no" / "such" / "folder.mid")
    target = tmp_path / "song.mid"
    target.write_bytes(b"old contents")
    write_midi(EXAMPLE, target)
    assert target.read_bytes().startswith(b"MThd")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid"]  # no temp file left
    new = tmp_path / "new.mid"
    write_midi(EXAMPLE, new)
    assert new.stat().st_mode & 0o777 == 0o666 & ~_umask()  # not private like a temp file
    target.chmod(0o640)
    write_midi(EXAMPLE, target)
    assert target.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_velocity_zero_is_written_as_a_quiet_note():
    song = Song([Track([Note(60, 0, 1, 0)])])
    (track,) = read_midi(midi_bytes(song)).tracks
    assert track.notes == (Note(60, 0.0, 1.0, 1),)


# -- property: write → read keeps every note within one tick --------------------------------


@st.composite
def tracks(draw) -> Track:
    """A track whose same-pitch notes never nest (MIDI cannot tell nested ones apart)."""
    notes = []
    for pitch in draw(st.lists(st.integers(0, 127), min_size=1, max_size=6, unique=True)):
        position = 0.0
        for _ in range(draw(st.integers(1, 8))):
            position += draw(st.floats(0, 8, allow_nan=False))
            duration = draw(st.floats(0, 6, allow_nan=False))
            notes.append(Note(pitch, position, duration, draw(st.integers(1, 127))))
            position += duration
    return Track(
        notes=tuple(notes),
        program=draw(st.integers(0, 127)),
        is_drum=draw(st.booleans()),
        name=draw(
            st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), max_size=12).map(
                str.strip
            )
        ),
    )


@given(
    track_list=st.lists(tracks(), min_size=1, max_size=4),
    tpb=st.sampled_from([24, 96, 480, 960]),
    bpm=st.floats(20, 300),
)
@settings(max_examples=60, deadline=None)
def test_round_trip_within_one_tick(track_list, tpb, bpm):
    song = Song(tracks=tuple(track_list), tempos=(TempoChange(0, bpm),), ticks_per_beat=tpb)
    back = read_midi(midi_bytes(song))
    expected = [t for t in song.tracks if t.notes]
    # symusic splits by channel; drums and melodic tracks come back in file order
    assert len(back.tracks) == len(expected)
    for want, got in zip(expected, back.tracks, strict=True):
        assert (got.program, got.is_drum, got.name) == (want.program, want.is_drum, want.name)
    assert_same_notes(Song(tuple(expected)), back, tpb)
    # MIDI stores whole microseconds per beat (off by up to half of bpm²/60e6 BPM), and the
    # reader rounds to 3 decimals (off by up to 0.0005 more).
    assert back.tempo == pytest.approx(bpm, abs=bpm**2 / 120e6 + 5e-4 + 1e-9)
    assert back.ticks_per_beat == tpb


def test_missing_file_is_a_midi_file_error(tmp_path):
    with pytest.raises(MidiFileError, match="no such file"):
        read_midi(tmp_path / "missing.mid")
    with pytest.raises(MidiFileError, match="folder"):
        read_midi(tmp_path)
