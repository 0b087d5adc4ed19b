"""Write the edge-case MIDI files kept in tests/data (run from the repo root to regenerate).

Each file is built byte by byte or with mido, so what it contains is known exactly; the tests
compare what the reader makes of them with the expectations written next to each builder.
"""

from __future__ import annotations

import struct
from pathlib import Path

import mido

HERE = Path(__file__).resolve().parent


def varlen(value: int) -> bytes:
    """Encode ``value`` as a MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def smf(tracks: list[bytes], fmt: int = 1, division: int = 96) -> bytes:
    """Assemble a standard MIDI file from raw track bodies (each must end with End of Track)."""
    out = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division)
    for body in tracks:
        out += b"MTrk" + struct.pack(">I", len(body)) + body
    return out


END_OF_TRACK = b"\x00\xff\x2f\x00"


def running_status() -> bytes:
    """Type 0: C–D–E quarter notes written with running status and note-on velocity 0 as off."""
    body = b"\x00\x90\x3c\x40" + b"\x60\x3c\x00"  # C4 on, off after 96 ticks (1 beat)
    body += b"\x00\x3e\x50" + b"\x60\x3e\x00"  # D4, running status
    body += b"\x00\x40\x60" + b"\x60\x40\x00"  # E4, running status
    return smf([body + END_OF_TRACK], fmt=0)


def type0_two_channels() -> bytes:
    """Type 0 with a piano melody on channel 1 and a kick drum on channel 10."""
    body = b"\x00\xff\x03\x05Type0"  # track name
    body += b"\x00\xff\x51\x03" + struct.pack(">I", 600000)[1:]  # 100 BPM
    body += b"\x00\xc0\x18"  # program 24 (nylon guitar) on channel 1
    body += b"\x00\x90\x43\x64" + b"\x00\x99\x24\x7f"  # G4 on, kick on (channel 10)
    body += b"\x30\x89\x24\x00" + b"\x30\x80\x43\x00"  # kick off at 0.5 beat, G4 off at 1 beat
    return smf([body + END_OF_TRACK], fmt=0)


def tempo_changes() -> bytes:
    """Type 1: 120 BPM, then 60 BPM at beat 4, then 3/4 at beat 8; one note every 2 beats."""
    conductor = b"\x00\xff\x51\x03" + struct.pack(">I", 500000)[1:]
    conductor += b"\x00\xff\x58\x04\x04\x02\x18\x08"  # 4/4
    conductor += varlen(4 * 96) + b"\xff\x51\x03" + struct.pack(">I", 1000000)[1:]
    conductor += varlen(4 * 96) + b"\xff\x58\x04\x03\x02\x18\x08"  # 3/4 at beat 8
    notes = b""
    for i in range(6):
        notes += (b"\x00" if i == 0 else varlen(96)) + bytes([0x90, 60 + i, 90])
        notes += varlen(96) + bytes([0x80, 60 + i, 0])
    return smf([conductor + END_OF_TRACK, notes + END_OF_TRACK])


def empty_track() -> bytes:
    """Type 1 with a conductor track, an empty named track, and one note in a third track."""
    empty = b"\x00\xff\x03\x05Empty"
    notes = b"\x00\x90\x45\x50" + varlen(192) + b"\x80\x45\x00"
    return smf([END_OF_TRACK, empty + END_OF_TRACK, notes + END_OF_TRACK])


def zero_length_notes() -> bytes:
    """Two zero-length notes (on and off at the same tick) around one normal note."""
    body = b"\x00\x90\x3c\x40\x00\x80\x3c\x00"  # C4, zero length at beat 0
    body += b"\x60\x90\x3e\x40\x60\x80\x3e\x00"  # D4 beat 1–2
    body += b"\x00\x90\x40\x40\x00\x80\x40\x00"  # E4, zero length at beat 2
    return smf([body + END_OF_TRACK])


def overlapping_same_pitch() -> bytes:
    """Two C4 notes on one channel: beat 0–2 and beat 1–3 (paired first-in, first-out)."""
    body = b"\x00\x90\x3c\x40" + b"\x60\x90\x3c\x50"  # on at 0, second on at beat 1
    body += b"\x60\x80\x3c\x00" + b"\x60\x80\x3c\x00"  # offs at beat 2 and beat 3
    return smf([body + END_OF_TRACK])


def key_and_names() -> bytes:
    """Type 1 written by mido: Eb major key signature, 6/8, named violin track, pitch bend."""
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    midi.tracks.append(
        mido.MidiTrack(
            [
                mido.MetaMessage("track_name", name="Key test"),
                mido.MetaMessage("key_signature", key="Eb"),
                mido.MetaMessage("time_signature", numerator=6, denominator=8),
                mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(90)),
            ]
        )
    )
    midi.tracks.append(
        mido.MidiTrack(
            [
                mido.MetaMessage("track_name", name="Violin"),
                mido.Message("program_change", program=40, channel=3),
                mido.Message("note_on", note=63, velocity=70, channel=3, time=0),
                mido.Message("pitchwheel", pitch=1000, channel=3, time=240),
                mido.Message("control_change", control=64, value=127, channel=3, time=0),
                mido.Message("note_off", note=63, velocity=0, channel=3, time=240),
            ]
        )
    )
    path = HERE / "key_and_names.mid"
    midi.save(path)
    return path.read_bytes()


BUILDERS = {
    "running_status.mid": running_status,
    "type0_two_channels.mid": type0_two_channels,
    "tempo_changes.mid": tempo_changes,
    "empty_track.mid": empty_track,
    "zero_length_notes.mid": zero_length_notes,
    "overlapping_same_pitch.mid": overlapping_same_pitch,
    "key_and_names.mid": key_and_names,
}


if __name__ == "__main__":
    for name, build in BUILDERS.items():
        (HERE / name).write_bytes(build())
        print("wrote", HERE / name)
