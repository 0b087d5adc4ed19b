"""Plain, immutable music data: notes, tracks and songs.

Time is in **beats** (quarter notes) everywhere in this module; pitches are MIDI note numbers
(60 = middle C = C4); velocities are MIDI velocities 1–127. Objects are frozen dataclasses holding
tuples, so copying a song for undo is cheap (structure is shared) and nothing changes behind
your back: edits return new objects (see ``studio.core.edit``).
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from studio.core.errors import InvalidInput

DEFAULT_TEMPO_BPM = 120.0
_INFINITY = float("inf")


@dataclass(frozen=True, slots=True)
class Note:
    """One note.

    Attributes:
        pitch: MIDI note number 0–127.
        start: onset in beats from the start of the song.
        duration: length in beats (0 is allowed: some files have zero-length notes); start and
            duration are finite (NaN and infinity raise ``InvalidInput``).
        velocity: MIDI velocity 0–127.
    """

    pitch: int
    start: float
    duration: float
    velocity: int = 100

    def __post_init__(self) -> None:
        if not 0 <= self.pitch <= 127:
            raise InvalidInput(f"pitch {self.pitch} is outside the MIDI range 0–127")
        if not 0 <= self.velocity <= 127:
            raise InvalidInput(f"velocity {self.velocity} is outside the MIDI range 0–127")
        if not 0 <= self.duration < _INFINITY:  # NaN fails too
            problem = "negative" if self.duration < 0 else "not a finite number"
            raise InvalidInput(f"note duration {self.duration} beats is {problem}")
        if not 0 <= self.start < _INFINITY:
            problem = "negative" if self.start < 0 else "not a finite number"
            raise InvalidInput(f"note start {self.start} beats is {problem}")

    @property
    def end(self) -> float:
        """End of the note in beats."""
        return self.start + self.duration


def notes_from_columns(
    pitch: np.ndarray, start: np.ndarray, duration: np.ndarray, velocity: np.ndarray
) -> list[Note]:
    """``Note(pitch[i], start[i], duration[i], velocity[i])`` for every row of the numpy
    columns, in their order, checked a whole column at a time instead of note by note (twice as
    fast: the MIDI reader makes every note of every file this way). A value ``Note`` refuses
    raises the same ``InvalidInput``."""
    valid = (
        (pitch >= 0) & (pitch <= 127) & (velocity >= 0) & (velocity <= 127)
        & (duration >= 0) & (duration < _INFINITY) & (start >= 0) & (start < _INFINITY)
    )  # fmt: skip
    if not valid.all():
        row = int(np.argmin(valid))
        Note(pitch[row].item(), start[row].item(), duration[row].item(), velocity[row].item())
    # The slots are filled directly, skipping the per-note ``__post_init__`` check.
    set_pitch, set_start, set_duration, set_velocity = _SLOT_SETTERS
    notes = []
    add = notes.append
    columns = (pitch.tolist(), start.tolist(), duration.tolist(), velocity.tolist())
    for number, beat, length, strength in zip(*columns, strict=True):
        note = _new_object(Note)
        set_pitch(note, number)
        set_start(note, beat)
        set_duration(note, length)
        set_velocity(note, strength)
        add(note)
    return notes


_new_object = object.__new__
_SLOT_SETTERS = tuple(
    getattr(Note, name).__set__ for name in ("pitch", "start", "duration", "velocity")
)


@dataclass(frozen=True, slots=True)
class ControlChange:
    """A MIDI controller event (e.g. 64 = sustain pedal) at ``beat``."""

    beat: float
    number: int
    value: int


@dataclass(frozen=True, slots=True)
class PitchBend:
    """A pitch-bend event at ``beat``; ``value`` is −8192…8191 (0 = no bend)."""

    beat: float
    value: int


@dataclass(frozen=True, slots=True)
class TempoChange:
    """The tempo becomes ``bpm`` quarter notes per minute at ``beat``."""

    beat: float
    bpm: float


@dataclass(frozen=True, slots=True)
class TimeSignature:
    """The meter becomes ``numerator``/``denominator`` at ``beat``."""

    beat: float
    numerator: int = 4
    denominator: int = 4

    @property
    def beats_per_bar(self) -> float:
        """Length of one bar in beats (quarter notes): 4/4 → 4, 6/8 → 3."""
        return self.numerator * 4 / self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @classmethod
    def parse(cls, text: str, beat: float = 0.0) -> TimeSignature:
        """``"6/8"`` → ``TimeSignature(beat, 6, 8)``; ``InvalidInput`` for anything else."""
        try:
            numerator, denominator = (int(part) for part in text.split("/"))
        except (ValueError, AttributeError):
            raise InvalidInput(f"not a time signature: {text!r} (expected e.g. 3/4)") from None
        if numerator <= 0 or denominator <= 0:
            raise InvalidInput(f"not a time signature: {text!r} (expected e.g. 3/4)")
        return cls(beat, numerator, denominator)


@dataclass(frozen=True, slots=True)
class KeySignature:
    """The stated key becomes ``tonic`` (pitch class 0–11) in ``mode`` at ``beat``.

    ``mode`` is "major" or "minor", the two modes a MIDI key-signature event can state.
    """

    beat: float
    tonic: int
    mode: str = "major"


def note_order(note: Note) -> tuple[float, int, float, int]:
    """Sort key for playing order: by start, then pitch, then duration, then velocity."""
    return (note.start, note.pitch, note.duration, note.velocity)


def sorted_notes(notes) -> tuple[Note, ...]:
    """Return ``notes`` as a tuple in playing order (see ``note_order``)."""
    return tuple(sorted(notes, key=note_order))


def _in_order(notes: tuple[Note, ...]) -> bool:
    """Whether ``notes`` are in playing order (each key computed once; the comparisons run in
    C: a file's tracks are checked on every read)."""
    keys = list(map(note_order, notes))
    return all(map(operator.le, keys, keys[1:]))


@dataclass(frozen=True, slots=True)
class Track:
    """One instrument part: its notes (sorted by start, then pitch) and playing controls.

    Attributes:
        notes: the notes, in playing order.
        program: General MIDI program 0–127 (0 = Acoustic Grand Piano); ignored for drums.
        is_drum: True for a percussion part (MIDI channel 10).
        name: the track name shown to the user.
        controls: controller events (sustain pedal, volume…), in time order: a tuple, or for a
            file read from disk a ``studio.core.event_table.EventTable`` (numpy columns; it
            iterates, indexes and compares like the tuple of the same events).
        pitch_bends: pitch-bend events, in time order (a tuple or an ``EventTable`` too).
    """

    notes: tuple[Note, ...] = ()
    program: int = 0
    is_drum: bool = False
    name: str = ""
    controls: Sequence[ControlChange] = ()
    pitch_bends: Sequence[PitchBend] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.program <= 127:
            raise InvalidInput(f"program {self.program} is outside the MIDI range 0–127")
        if not isinstance(self.notes, tuple) or not _in_order(self.notes):
            object.__setattr__(self, "notes", sorted_notes(self.notes))

    def with_notes(self, notes) -> Track:
        """Return a copy of this track with other notes (sorted for you)."""
        return replace(self, notes=sorted_notes(notes))

    @property
    def end(self) -> float:
        """Beat at which the last note ends (0 for an empty track)."""
        return max((n.end for n in self.notes), default=0.0)

    @property
    def pitch_range(self) -> tuple[int, int] | None:
        """Lowest and highest pitch, or None for an empty track."""
        if not self.notes:
            return None
        pitches = [n.pitch for n in self.notes]
        return min(pitches), max(pitches)


@dataclass(frozen=True)
class TrackColumns:
    """A track's notes as numpy columns, in its notes' order (``track_columns``): what the
    summaries of a whole file (``midi_info``, ``mood``) read instead of one note at a time."""

    pitch: np.ndarray
    start: np.ndarray
    duration: np.ndarray
    velocity: np.ndarray

    @property
    def end(self) -> np.ndarray:
        """Where each note ends, beats (``Note.end``, computed the same way)."""
        return self.start + self.duration


def track_columns(track: Track) -> TrackColumns:
    """The notes of ``track`` as ``TrackColumns`` (one pass per column over the notes)."""
    notes = track.notes
    return TrackColumns(
        np.array([n.pitch for n in notes], dtype=np.int64),
        np.array([n.start for n in notes], dtype=np.float64),
        np.array([n.duration for n in notes], dtype=np.float64),
        np.array([n.velocity for n in notes], dtype=np.int64),
    )


@dataclass(frozen=True, slots=True)
class Song:
    """A piece: tracks plus the tempo map, meter and stated key, all positioned in beats.

    Attributes:
        tracks: the parts.
        tempos: tempo changes in time order; empty means 120 BPM throughout.
        time_signatures: meter changes in time order; empty means 4/4 throughout.
        key_signatures: stated keys in time order (may be empty: many files state none).
        ticks_per_beat: resolution of the source file (kept so a written file matches it).
        title: a name for the song (from the file's first track name, or given by the user).
        text_events: free texts kept with the song: a file's text meta events (type 0x01) at the
            start of its first track, written back there (``studio.core.song_settings`` keeps
            the generation settings in one of them).
    """

    tracks: tuple[Track, ...] = ()
    tempos: tuple[TempoChange, ...] = ()
    time_signatures: tuple[TimeSignature, ...] = ()
    key_signatures: tuple[KeySignature, ...] = ()
    ticks_per_beat: int = 480
    title: str = ""
    text_events: tuple[str, ...] = ()
    _tempo_cache: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("tracks", "tempos", "time_signatures", "key_signatures", "text_events"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))
        for tempo in self.tempos:
            if not tempo.bpm > 0:
                raise InvalidInput(f"tempo {tempo.bpm} BPM must be positive")
        # Beat and second positions of each tempo segment, for fast beat↔second conversion.
        tempos = list(self.tempos) or [TempoChange(0.0, DEFAULT_TEMPO_BPM)]
        if tempos[0].beat > 0:
            tempos.insert(0, TempoChange(0.0, tempos[0].bpm))
        beats, seconds, bpms = [], [], []
        elapsed = 0.0
        for i, tempo in enumerate(tempos):
            if i:
                elapsed += (tempo.beat - tempos[i - 1].beat) * 60.0 / tempos[i - 1].bpm
            beats.append(tempo.beat)
            seconds.append(elapsed)
            bpms.append(tempo.bpm)
        object.__setattr__(self, "_tempo_cache", (beats, seconds, bpms))

    @property
    def tempo(self) -> float:
        """Tempo at the start, in BPM (120 when the song states none)."""
        return self.tempos[0].bpm if self.tempos else DEFAULT_TEMPO_BPM

    @property
    def time_signature(self) -> TimeSignature:
        """Meter at the start (4/4 when the song states none)."""
        return self.time_signatures[0] if self.time_signatures else TimeSignature(0.0)

    @property
    def key_signature(self) -> KeySignature | None:
        """Key stated at the start, or None when the song states none."""
        return self.key_signatures[0] if self.key_signatures else None

    @property
    def notes(self) -> tuple[Note, ...]:
        """All notes of all non-drum tracks, in playing order."""
        return sorted_notes(n for t in self.tracks if not t.is_drum for n in t.notes)

    @property
    def end(self) -> float:
        """Beat at which the last note ends."""
        return max((t.end for t in self.tracks), default=0.0)

    @property
    def duration_seconds(self) -> float:
        """Length of the song in seconds, up to the end of its last note."""
        return self.beats_to_seconds(self.end)

    def beats_to_seconds(self, beat: float) -> float:
        """Convert a position in beats to seconds, following the tempo map."""
        beats, seconds, bpms = self._tempo_cache
        i = bisect.bisect_right(beats, beat) - 1
        i = max(i, 0)
        return seconds[i] + (beat - beats[i]) * 60.0 / bpms[i]

    def beats_to_seconds_array(self, beats: np.ndarray) -> np.ndarray:
        """``beats_to_seconds`` of every position of a numpy array at once."""
        starts, seconds, bpms = (np.asarray(column) for column in self._tempo_cache)
        segment = np.maximum(np.searchsorted(starts, beats, side="right") - 1, 0)
        return seconds[segment] + (beats - starts[segment]) * 60.0 / bpms[segment]

    def seconds_to_beats(self, second: float) -> float:
        """Convert a time in seconds to a position in beats, following the tempo map."""
        beats, seconds, bpms = self._tempo_cache
        i = bisect.bisect_right(seconds, second) - 1
        i = max(i, 0)
        return beats[i] + (second - seconds[i]) * bpms[i] / 60.0

    def bars(self) -> float:
        """Length of the song in bars of its first time signature."""
        return self.end / self.time_signature.beats_per_bar

    def with_tracks(self, tracks) -> Song:
        """Return a copy of this song with other tracks."""
        return replace(self, tracks=tuple(tracks))
