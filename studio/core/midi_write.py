"""Write a ``Song`` as a type-1 standard MIDI file (with mido).

Track 0 is the conductor track (title, the song's text events, tempo map, time and key
signatures); each song track follows with its name, program, controllers, pitch bends and notes.
Drum tracks go to MIDI channel 10; other tracks get channels 1–16 in turn, skipping 10.
"""

from __future__ import annotations

import io
import os

import mido

from studio.core.errors import StudioError
from studio.core.fileio import atomic_write_bytes
from studio.core.music import Song, Track
from studio.core.theory import Key

DRUM_CHANNEL = 9
MELODIC_CHANNELS = tuple(c for c in range(16) if c != DRUM_CHANNEL)


def midi_bytes(song: Song) -> bytes:
    """Return ``song`` encoded as the bytes of a type-1 MIDI file.

    Times are rounded to the song's ``ticks_per_beat``; reading the bytes back gives the same
    notes within one tick.
    """
    tpb = song.ticks_per_beat
    midi = mido.MidiFile(type=1, ticks_per_beat=tpb)
    midi.tracks.append(_conductor_track(song))
    melodic = 0
    for track in song.tracks:
        if track.is_drum:
            channel = DRUM_CHANNEL
        else:
            channel = MELODIC_CHANNELS[melodic % len(MELODIC_CHANNELS)]
            melodic += 1
        midi.tracks.append(_track_events(track, channel, tpb))
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def write_midi(song: Song, path: str | os.PathLike) -> None:
    """Write ``song`` to ``path`` as a type-1 MIDI file, atomically.

    Raises ``StudioError`` when the file cannot be written (missing folder, no permission…).
    """
    data = midi_bytes(song)
    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        raise StudioError(f"cannot write {path}: {error.strerror or error}") from None


def _text(text: str) -> str:
    """Text for a meta event, so that the file holds UTF-8 (mido writes text as Latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def _ticks(beat: float, tpb: int) -> int:
    return max(0, round(beat * tpb))


def _to_delta_track(timed: list[tuple[int, int, mido.Message]]) -> mido.MidiTrack:
    """Sort (tick, order, message) triples and turn absolute ticks into delta times."""
    track = mido.MidiTrack()
    previous = 0
    for tick, _, message in sorted(timed, key=lambda item: (item[0], item[1])):
        track.append(message.copy(time=tick - previous))
        previous = tick
    return track


def _conductor_track(song: Song) -> mido.MidiTrack:
    tpb = song.ticks_per_beat
    timed: list[tuple[int, int, mido.Message]] = []
    if song.title:
        timed.append((0, 0, mido.MetaMessage("track_name", name=_text(song.title))))
    for text in song.text_events:  # after the name: the sort below keeps equal keys in order
        timed.append((0, 0, mido.MetaMessage("text", text=_text(text))))
    for sig in song.time_signatures:
        meta = mido.MetaMessage(
            "time_signature", numerator=sig.numerator, denominator=sig.denominator
        )
        timed.append((_ticks(sig.beat, tpb), 1, meta))
    for key in song.key_signatures:
        name = Key(key.tonic, key.mode).midi_key_name
        meta = mido.MetaMessage("key_signature", key=name)
        timed.append((_ticks(key.beat, tpb), 2, meta))
    for tempo in song.tempos:
        meta = mido.MetaMessage("set_tempo", tempo=round(mido.bpm2tempo(tempo.bpm)))
        timed.append((_ticks(tempo.beat, tpb), 3, meta))
    return _to_delta_track(timed)


def _track_events(track: Track, channel: int, tpb: int) -> mido.MidiTrack:
    # Order at equal ticks: releases first (so a repeated pitch restarts cleanly), then
    # controllers and bends, then new notes, and last the releases of zero-length notes.
    timed: list[tuple[int, int, mido.Message]] = []
    if track.name:
        timed.append((0, 0, mido.MetaMessage("track_name", name=_text(track.name))))
    timed.append((0, 1, mido.Message("program_change", program=track.program, channel=channel)))
    for control in track.controls:
        message = mido.Message(
            "control_change", control=control.number, value=control.value, channel=channel
        )
        timed.append((_ticks(control.beat, tpb), 3, message))
    for bend in track.pitch_bends:
        message = mido.Message("pitchwheel", pitch=bend.value, channel=channel)
        timed.append((_ticks(bend.beat, tpb), 3, message))
    for note in track.notes:
        on = _ticks(note.start, tpb)
        off = _ticks(note.end, tpb)
        velocity = max(1, note.velocity)  # velocity 0 would mean note-off
        timed.append(
            (on, 4, mido.Message("note_on", note=note.pitch, velocity=velocity, channel=channel))
        )
        release = mido.Message("note_off", note=note.pitch, velocity=0, channel=channel)
        timed.append((off, 2 if off > on else 5, release))
    return _to_delta_track(timed)
