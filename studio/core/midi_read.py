"""Read standard MIDI files (type 0, 1 and 2; RIFF ``.rmi``; ``.kar``) into a ``Song``.

Reading has two steps:

1. ``check_structure`` walks the file's chunks in pure Python (cheap: it only reads chunk headers)
   and turns every structural problem into a ``MidiFileError`` a person understands: "not a MIDI
   file: missing MThd header", "file is truncated in track 2 of 3". It also unwraps RIFF files,
   skips junk before the header and unknown chunk types, and enforces size limits.
2. The events are parsed by ``symusic`` (a C++ MIDI parser, ~100× faster than pure Python), and its
   tick-based score is converted to our beat-based ``Song``.

Every failure raises ``MidiFileError`` (never ``EOFError``, ``IndexError``…), and absurd files
(too big, too many notes, notes days, years or a million beats into the file) are refused in
bounded time and memory. Overlapping notes of the same pitch on one channel are paired first-in,
first-out; note-ons that are never released are dropped, as in pretty_midi.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import MidiFileError
from studio.core.event_table import event_table
from studio.core.music import (
    ControlChange,
    KeySignature,
    Note,
    PitchBend,
    Song,
    TempoChange,
    TimeSignature,
    Track,
    notes_from_columns,
)
from studio.core.progress import CancelToken, ProgressCallback, no_progress
from studio.core.theory import Key

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_NOTES = 2_000_000
MAX_DURATION_SECONDS = 24 * 3600.0
MAX_BEATS = 1_000_000
"""The latest a note may end, in beats: 24 hours at 694 BPM. Only absurd tempos reach it within
``MAX_DURATION_SECONDS``, and the piano roll's scroll range (32-bit pixels at its highest zoom)
holds it."""
MAX_FOREIGN_CHUNKS = 1000
HEADER_SEARCH_BYTES = 1024  # some files carry a MacBinary or other junk header before MThd
MIDI_SUFFIXES = (".mid", ".midi", ".kar", ".rmi", ".smf")
EVENT_BATCH = 100_000
"""Events (notes, controls, bends) turned into Python objects between two progress reports
and cancel checks (about 0.3 s of work)."""

GC_PAUSE_NOTES = 200_000
"""Files with more notes are read with the garbage collector paused (``_collector_paused``)."""


@dataclass(frozen=True)
class MidiLayout:
    """What ``check_structure`` learned about a file.

    Attributes:
        format: 0, 1 or 2.
        ticks_per_beat: the time division (ticks per quarter note).
        smf: a clean standard MIDI file: header plus exactly the track chunks, nothing else.
        first_track_name: the first track's name meta event (often the song title), or "".
        first_track_texts: the first track's text meta events (type 0x01) that come before
            its first channel event, in file order.
    """

    format: int
    ticks_per_beat: int
    smf: bytes
    first_track_name: str
    first_track_texts: tuple[str, ...] = ()


def read_midi(
    source: str | os.PathLike | bytes,
    *,
    title: str | None = None,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Song:
    """Read a MIDI file (a path or the file's bytes) into a ``Song``.

    The song's title is ``title`` if given, else the first track's name, else the file name
    without its extension; its ``text_events`` are the first track's leading text events.
    Raises ``MidiFileError`` for anything that cannot be read. A file near the limits (two
    million notes) takes seconds: ``progress(done, total, message)`` counts its events (notes,
    controls, bends) as they become Python objects, and ``cancel`` is checked between batches
    of ``EVENT_BATCH`` of them (``Cancelled``).
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        fallback_title = ""
    else:
        path = Path(source)
        data = _read_file_bytes(path)
        fallback_title = os.fsencode(path.stem).decode("utf-8", errors="replace")
    layout = check_structure(data)
    song = _parse_events(layout, progress, cancel)
    chosen = title if title is not None else (layout.first_track_name or fallback_title)
    return Song(
        tracks=song.tracks,
        tempos=song.tempos,
        time_signatures=song.time_signatures,
        key_signatures=song.key_signatures,
        ticks_per_beat=song.ticks_per_beat,
        title=chosen,
        text_events=layout.first_track_texts,
    )


def _read_file_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise MidiFileError(f"{path} is a folder, not a MIDI file")
        if size > MAX_FILE_BYTES:
            raise MidiFileError(
                f"file is too large for a MIDI file: {size / 2**20:.0f} MB "
                f"(the limit is {MAX_FILE_BYTES // 2**20} MB)"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise MidiFileError(f"no such file: {path}") from None
    except PermissionError:
        raise MidiFileError(f"permission denied: {path}") from None
    except OSError as error:
        raise MidiFileError(f"cannot read {path}: {error.strerror or error}") from None


def check_structure(data: bytes) -> MidiLayout:
    """Check the chunk structure of MIDI file bytes and return a clean copy of them.

    Raises ``MidiFileError`` naming the problem: empty, not MIDI, bad header, zero or SMPTE time
    division, no tracks, truncated (and in which track), or too large.
    """
    if not data:
        raise MidiFileError("empty file (0 bytes)")
    if len(data) > MAX_FILE_BYTES:
        raise MidiFileError(
            f"file is too large for a MIDI file: {len(data) / 2**20:.0f} MB "
            f"(the limit is {MAX_FILE_BYTES // 2**20} MB)"
        )
    if data.startswith(b"RIFF"):
        data = _unwrap_riff(data)
    start = data.find(b"MThd", 0, HEADER_SEARCH_BYTES)
    if start < 0:
        raise MidiFileError("not a MIDI file: missing MThd header")
    if len(data) - start < 14:
        raise MidiFileError("file is truncated in its header")
    header_length, fmt, n_tracks, division = struct.unpack_from(">IHHH", data, start + 4)
    if header_length < 6:
        raise MidiFileError(f"corrupt MIDI header: length {header_length}, expected 6")
    if fmt > 2:
        raise MidiFileError(f"unknown MIDI file format {fmt} (only 0, 1 and 2 exist)")
    if division & 0x8000:
        raise MidiFileError("SMPTE time division (frames per second) is not supported")
    if division == 0:
        raise MidiFileError("invalid time division: 0 ticks per beat")
    if n_tracks == 0:
        raise MidiFileError("MIDI file has no tracks")

    tracks: list[bytes] = []
    position = start + 8 + header_length
    foreign_chunks = 0
    while len(tracks) < n_tracks:
        remaining = len(data) - position
        if remaining < 8:
            if remaining > 0 or not tracks:
                raise MidiFileError(f"file is truncated in track {len(tracks) + 1} of {n_tracks}")
            raise MidiFileError(
                f"file is truncated: the header promises {n_tracks} tracks, "
                f"only {len(tracks)} found"
            )
        chunk_type = data[position : position + 4]
        (length,) = struct.unpack_from(">I", data, position + 4)
        body_start = position + 8
        if chunk_type == b"MTrk":
            if length > len(data) - body_start:
                raise MidiFileError(
                    f"file is truncated in track {len(tracks) + 1} of {n_tracks} "
                    f"(its chunk promises {length} bytes, {len(data) - body_start} remain)"
                )
            tracks.append(data[position : body_start + length])
        else:
            # Unknown chunk types must be skipped (SMF spec); garbage stops the search.
            foreign_chunks += 1
            if not _is_chunk_name(chunk_type) or foreign_chunks > MAX_FOREIGN_CHUNKS:
                raise MidiFileError(
                    f"corrupt MIDI file: expected track {len(tracks) + 1} of {n_tracks}, "
                    f"found unreadable data at byte {position}"
                )
        position = body_start + length

    header = b"MThd" + struct.pack(">IHHH", 6, fmt, len(tracks), division)
    name, texts = _leading_texts(tracks[0][8:])
    return MidiLayout(
        format=fmt,
        ticks_per_beat=division,
        smf=header + b"".join(tracks),
        first_track_name=name,
        first_track_texts=texts,
    )


def _is_chunk_name(name: bytes) -> bool:
    return len(name) == 4 and all(32 <= b < 127 for b in name)


def _unwrap_riff(data: bytes) -> bytes:
    """Return the standard MIDI file inside a RIFF ``RMID`` file (``.rmi``)."""
    if len(data) < 12 or data[8:12] != b"RMID":
        raise MidiFileError("not a MIDI file: a RIFF file that is not RIFF MIDI (RMID)")
    position = 12
    while position + 8 <= len(data):
        chunk_id = data[position : position + 4]
        (length,) = struct.unpack_from("<I", data, position + 4)
        if chunk_id == b"data":
            return data[position + 8 : position + 8 + length]
        position += 8 + length + (length & 1)
    raise MidiFileError("RIFF MIDI file has no data chunk")


def _read_varlen(data: bytes, position: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        byte = data[position]
        position += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, position
    raise IndexError("variable-length quantity longer than 4 bytes")


def _leading_texts(
    track: bytes, max_events: int = 1000, max_texts: int = 64
) -> tuple[str, tuple[str, ...]]:
    """The first track-name meta event and the text meta events (0x01) among the leading
    meta/sysex events of a track (symusic keeps neither text events nor, for track 0, names)."""
    position, name, texts = 0, None, []
    try:
        for _ in range(max_events):
            _, position = _read_varlen(track, position)
            status = track[position]
            if status == 0xFF:
                meta_type = track[position + 1]
                length, position = _read_varlen(track, position + 2)
                if position + length > len(track):
                    break  # truncated: symusic says so
                if meta_type == 0x03 and name is None:
                    name = _decode_text(track[position : position + length])
                elif meta_type == 0x01 and len(texts) < max_texts:
                    texts.append(_decode_text(track[position : position + length]))
                elif meta_type == 0x2F:
                    break
                position += length
            elif status in (0xF0, 0xF7):
                length, position = _read_varlen(track, position + 1)
                position += length
            else:
                break  # names and texts come before the music; stop at the first channel event
    except IndexError:
        pass
    return name or "", tuple(texts)


def _decode_text(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("\x00", "").strip()


def _parse_events(
    layout: MidiLayout, progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
) -> Song:
    import symusic  # imported here: a compiled extension that only reading needs

    try:
        score = symusic.Score.from_midi(layout.smf)
    except Exception as error:  # symusic raises RuntimeError/ValueError with terse texts
        raise MidiFileError(_describe_parse_error(layout, error)) from None
    n_notes = score.note_num()
    if n_notes > MAX_NOTES:
        raise MidiFileError(
            f"file has {n_notes:,} notes; the limit is {MAX_NOTES:,} (is it really music?)"
        )
    tpb = float(layout.ticks_per_beat)
    tempos = _tempos(score, tpb)
    song = Song(
        tempos=tempos,
        time_signatures=_time_signatures(score, tpb),
        key_signatures=_key_signatures(score, tpb),
        ticks_per_beat=layout.ticks_per_beat,
    )
    last_tick = _last_tick(score)
    if last_tick < 0:
        raise MidiFileError("corrupt MIDI data: event times overflow")
    seconds = song.beats_to_seconds(last_tick / tpb)
    if seconds > MAX_DURATION_SECONDS:
        raise MidiFileError(
            f"implausible timing: the music lasts {seconds / 86400:,.1f} days "
            f"(the limit is {MAX_DURATION_SECONDS / 3600:.0f} hours)"
        )
    if last_tick / tpb > MAX_BEATS:  # within the hours only at an absurd tempo
        raise MidiFileError(
            f"implausible timing: the music lasts {last_tick / tpb:,.0f} beats "
            f"(the limit is {MAX_BEATS:,})"
        )
    total = sum(len(t.notes) + len(t.controls) + len(t.pitch_bends) for t in score.tracks)
    done = 0

    def step(count: int) -> None:
        nonlocal done
        done += count
        progress(done, total, f"read {done:,} of {total:,} events")
        if cancel is not None:
            cancel.raise_if_cancelled()

    if cancel is not None:
        cancel.raise_if_cancelled()
    with _collector_paused(n_notes):
        return song.with_tracks([_track(t, tpb, step) for t in score.tracks])


@contextlib.contextmanager
def _collector_paused(notes: int):
    """Python's cyclic garbage collector paused while ``notes`` notes are made, when they are
    many. Each full collection walks every object, so while millions are made a dozen ever
    longer ones (up to a quarter of a second each, holding the GIL: the window stutters) would
    run; notes hold no reference cycles, so nothing is missed. One collection at the end takes
    their place, while the reading is still in progress."""
    if notes < GC_PAUSE_NOTES or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


def _describe_parse_error(layout: MidiLayout, error: Exception) -> str:
    """Say what is wrong, and in which track, after symusic refused a file."""
    import symusic

    header = layout.smf[:10] + struct.pack(">HH", 1, layout.ticks_per_beat)
    position = 14
    number = 0
    while position < len(layout.smf):
        number += 1
        (length,) = struct.unpack_from(">I", layout.smf, position + 4)
        chunk = layout.smf[position : position + 8 + length]
        position += 8 + length
        try:
            symusic.Score.from_midi(header + chunk)
        except Exception as track_error:
            return f"corrupt MIDI data in track {number}: {_symusic_reason(track_error)}"
    return f"corrupt MIDI data: {_symusic_reason(error)}"


def _symusic_reason(error: Exception) -> str:
    text = str(error).replace("MiniMidi:", "").replace(": iostream error", "").strip()
    text = text.rstrip(".!") or type(error).__name__
    value = re.fullmatch(r"Get (\w+)=(-?\d+)", text)
    if value:
        name, number = value.groups()
        return f"a {name.replace('_', ' ')} of {number} is out of range (0–127)"
    return text[0].lower() + text[1:]


def _last_tick(score) -> int:
    last = 0
    for track in score.tracks:
        notes = track.notes.numpy()
        if len(notes["time"]):
            ends = notes["time"].astype(np.int64) + notes["duration"].astype(np.int64)
            if notes["time"].min() < 0 or notes["duration"].min() < 0:
                return -1
            last = max(last, int(ends.max()))
    return last


def _tempos(score, tpb: float) -> tuple[TempoChange, ...]:
    by_beat: dict[float, float] = {}
    for tempo in score.tempos:
        if tempo.mspq > 0 and tempo.time >= 0:
            # MIDI stores whole microseconds per beat: 90 BPM comes back as 89.99995, so round.
            by_beat[tempo.time / tpb] = round(60_000_000.0 / tempo.mspq, 3)  # last at a tick wins
    return tuple(TempoChange(beat, bpm) for beat, bpm in sorted(by_beat.items()))


def _time_signatures(score, tpb: float) -> tuple[TimeSignature, ...]:
    by_beat: dict[float, TimeSignature] = {}
    for sig in score.time_signatures:
        denominator = sig.denominator
        if sig.numerator > 0 and denominator > 0 and denominator & (denominator - 1) == 0:
            beat = sig.time / tpb
            by_beat[beat] = TimeSignature(beat, sig.numerator, denominator)
    return tuple(by_beat[b] for b in sorted(by_beat))


def _key_signatures(score, tpb: float) -> tuple[KeySignature, ...]:
    by_beat: dict[float, KeySignature] = {}
    for sig in score.key_signatures:
        if -7 <= sig.key <= 7 and sig.tonality in (0, 1):
            beat = sig.time / tpb
            minor = sig.tonality == 1
            key = Key.from_key_signature(sig.key, minor)
            by_beat[beat] = KeySignature(beat, key.tonic, "minor" if minor else "major")
    return tuple(by_beat[b] for b in sorted(by_beat))


def _track(track, tpb: float, step=lambda count: None) -> Track:
    notes = track.notes.numpy()
    controls = track.controls.numpy()
    bends = track.pitch_bends.numpy()
    step(len(controls["time"]) + len(bends["time"]))
    return Track(
        notes=_notes(step, notes["pitch"].astype(np.int16), notes["time"] / tpb,
                     notes["duration"] / tpb, notes["velocity"].astype(np.int16)),
        program=int(track.program) & 0x7F,
        is_drum=bool(track.is_drum),
        name=_clean_name(track.name),
        # Controllers and bends stay in numpy columns: a file can have millions of them.
        controls=event_table(ControlChange, controls["time"] / tpb,
                             controls["number"].astype(np.uint8),
                             controls["value"].astype(np.uint8)),
        pitch_bends=event_table(PitchBend, bends["time"] / tpb, bends["value"].astype(np.int16)),
    )  # fmt: skip


def _notes(step, *columns: np.ndarray) -> tuple[Note, ...]:
    """The notes of numpy ``columns`` (pitch, start, duration, velocity), made ``EVENT_BATCH``
    rows at a time (``step(rows)`` after each batch: progress and cancel), never all columns as
    lists at once."""
    made: list[Note] = []
    for start in range(0, len(columns[0]), EVENT_BATCH):
        batch = [column[start : start + EVENT_BATCH] for column in columns]
        made.extend(notes_from_columns(*batch))
        step(len(batch[0]))
    return tuple(made)


def _clean_name(name: str) -> str:
    return name.replace("\x00", "").strip()


def read_song(
    path: str | os.PathLike,
    *,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> Song:
    """A MIDI file as a song; the error message names the file (``progress`` and ``cancel``:
    as in ``read_midi``)."""
    try:
        return read_midi(path, progress=progress, cancel=cancel)
    except MidiFileError as error:
        message, name = str(error), os.fspath(path)
        raise MidiFileError(message if name in message else f"{name}: {message}") from None
