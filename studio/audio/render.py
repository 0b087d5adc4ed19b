"""Offline rendering of a ``Song`` to audio samples.

``song_events`` turns the song into a flat, time-ordered list of synthesizer events in **seconds**
(following the song's tempo map), with MIDI channels assigned as ``studio.core.midi_write`` does:
drum tracks on channel 9 (MIDI channel 10), the others on channels 0–15 in turn, skipping 9.
``render_song`` plays those events into a ``Synth`` block by block; each event takes effect at
its exact sample (FluidSynth itself starts voices on its internal 64-sample grid, ≤ 1.5 ms).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.audio.synth import (
    DEFAULT_CHORUS,
    DEFAULT_REVERB,
    DEFAULT_SAMPLE_RATE,
    DRUM_CHANNEL,
    Synth,
)
from studio.core.errors import InvalidInput
from studio.core.music import Song
from studio.core.progress import CancelToken, ProgressCallback, no_progress

MELODIC_CHANNELS = tuple(c for c in range(16) if c != DRUM_CHANNEL)
MAX_RENDER_SECONDS = 3600.0
"""Longest audio ``render_song`` makes, in seconds (an hour of 44.1 kHz stereo is 635 MB)."""
BLOCK_SECONDS = 1.0
"""Audio rendered between progress reports and cancel checks, in seconds (~5 ms of work)."""

EVENT_KINDS = ("program", "drums", "note_on", "note_off", "control", "bend")

# Order of events at the same instant: set-up first, then releases (so a repeated pitch restarts
# cleanly), controllers and bends, new notes, and last the releases of zero-length notes.
_SETUP, _RELEASE, _CONTROL, _START, _LATE_RELEASE = range(5)


@dataclass(frozen=True)
class SynthEvent:
    """One synthesizer call at a time in the song.

    Attributes:
        seconds: when, from the start of the song.
        kind: "program" (a = program), "drums" (channel becomes a drum channel), "note_on"
            (a = pitch, b = velocity), "note_off" (a = pitch), "control" (a = controller
            number, b = value) or "bend" (a = value −8192…8191).
        channel: MIDI channel 0–15 (9 = drums).
    """

    seconds: float
    kind: str
    channel: int
    a: int = 0
    b: int = 0


def song_events(song: Song) -> list[SynthEvent]:
    """All synthesizer events of ``song`` in playing order (times in seconds)."""
    timed: list[tuple[float, int, int, SynthEvent]] = []

    def add(seconds: float, order: int, event: SynthEvent) -> None:
        timed.append((seconds, order, len(timed), event))

    melodic = 0
    for track in song.tracks:
        if track.is_drum:
            channel = DRUM_CHANNEL
            add(0.0, _SETUP, SynthEvent(0.0, "drums", channel))
        else:
            channel = MELODIC_CHANNELS[melodic % len(MELODIC_CHANNELS)]
            melodic += 1
            add(0.0, _SETUP, SynthEvent(0.0, "program", channel, track.program))
        for control in track.controls:
            at = song.beats_to_seconds(control.beat)
            add(at, _CONTROL, SynthEvent(at, "control", channel, control.number, control.value))
        for bend in track.pitch_bends:
            at = song.beats_to_seconds(bend.beat)
            add(at, _CONTROL, SynthEvent(at, "bend", channel, bend.value))
        for note in track.notes:
            on = song.beats_to_seconds(note.start)
            off = song.beats_to_seconds(note.end)
            velocity = max(1, note.velocity)  # velocity 0 would mean note-off
            add(on, _START, SynthEvent(on, "note_on", channel, note.pitch, velocity))
            add(off, _RELEASE if off > on else _LATE_RELEASE,
                SynthEvent(off, "note_off", channel, note.pitch))  # fmt: skip
    timed.sort(key=lambda item: item[:3])
    return [item[3] for item in timed]


def apply_event(synth: Synth, event: SynthEvent) -> None:
    """Send one event to ``synth``."""
    kind, channel = event.kind, event.channel
    if kind == "note_on":
        synth.note_on(channel, event.a, event.b)
    elif kind == "note_off":
        synth.note_off(channel, event.a)
    elif kind == "control":
        synth.control_change(channel, event.a, event.b)
    elif kind == "bend":
        synth.pitch_bend(channel, event.a)
    elif kind == "program":
        synth.program_change(channel, event.a)
    elif kind == "drums":
        synth.set_drums(channel)
    else:
        raise ValueError(f"unknown synth event kind {kind!r}")


def rendered_frames(song: Song, sample_rate: int, tail_seconds: float = 1.0) -> int:
    """Length in samples of ``render_song``'s output: the song's duration plus the tail."""
    return math.ceil((song.duration_seconds + max(0.0, tail_seconds)) * sample_rate)


def render_song(
    song: Song,
    *,
    soundfont: str | os.PathLike | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    tail_seconds: float = 1.0,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    synth: Synth | None = None,
) -> np.ndarray:
    """Render ``song`` to stereo samples.

    Args:
        song: what to play; tempo changes, programs, drums, controllers (sustain pedal…) and
            pitch bends are honoured.
        soundfont: an ``.sf2`` file (default: ``default_soundfont()``); a missing or bad file
            falls back to the default (the synth's ``warning`` says so).
        sample_rate: samples per second (ignored when ``synth`` is given: its rate is used).
        tail_seconds: extra time after the last note ends, in seconds, so that releases and
            reverb fade out instead of being cut off.
        progress: called as ``progress(seconds_done, seconds_total, "rendering")`` after
            each block of ``BLOCK_SECONDS`` of audio.
        cancel: checked before each block; raises ``Cancelled`` once set.
        synth: a synthesizer to use (it is reset first and left open); by default one is
            made and closed.

    Returns:
        A float32 array of shape (samples, 2) with values in [−1, 1]; its length is the song's
        duration plus the tail. An empty song gives the tail's length of silence.

    Raises:
        InvalidInput: the song is longer than ``MAX_RENDER_SECONDS``.
        Cancelled: ``cancel`` was set.
    """
    own_synth = synth is None
    if synth is None:
        synth = Synth(soundfont, sample_rate, offline=True)
    try:
        synth.reset()
        return _render(synth, song, tail_seconds, progress, cancel)
    finally:
        if own_synth:
            synth.close()


def _render(
    synth: Synth,
    song: Song,
    tail_seconds: float,
    progress: ProgressCallback,
    cancel: CancelToken | None,
) -> np.ndarray:
    rate = synth.sample_rate
    if song.duration_seconds + tail_seconds > MAX_RENDER_SECONDS:
        raise InvalidInput(
            f"the song lasts {song.duration_seconds / 60:.0f} minutes; rendering is limited to "
            f"{MAX_RENDER_SECONDS / 60:.0f} minutes"
        )
    total = rendered_frames(song, rate, tail_seconds)
    audio = np.zeros((total, 2), dtype=np.float32)
    events = song_events(song)
    starts = [min(total, round(event.seconds * rate)) for event in events]
    block_frames = max(1, round(BLOCK_SECONDS * rate))
    blocks = max(1, math.ceil(total / block_frames))
    position = 0  # next sample to render
    next_event = 0
    for block in range(blocks):
        if cancel is not None:
            cancel.raise_if_cancelled()
        block_end = min(total, (block + 1) * block_frames)
        # Render up to each event inside this block, then apply it at that exact sample.
        while next_event < len(events) and starts[next_event] < block_end:
            at = starts[next_event]
            if at > position:
                synth.render_into(audio[position:at])
                position = at
            apply_event(synth, events[next_event])
            next_event += 1
        if block_end > position:
            synth.render_into(audio[position:block_end])
            position = block_end
        progress(block + 1, blocks, "rendering")
    return audio


@dataclass(frozen=True)
class Rendering:
    """Rendered audio: ``audio`` (frames × 2, float32), its ``sample_rate`` (Hz), the SoundFont
    that played and the synth's warning (a SoundFont that could not be used), if any."""

    audio: np.ndarray
    sample_rate: int
    soundfont: Path
    warning: str | None

    @property
    def seconds(self) -> float:
        """Length in seconds."""
        return len(self.audio) / self.sample_rate


def render_audio(
    song: Song,
    *,
    soundfont: str | os.PathLike | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    on_warning: Callable[[str], None] | None = None,
    reverb: float = DEFAULT_REVERB,
    chorus: bool = DEFAULT_CHORUS,
) -> Rendering:
    """``render_song`` with its own synth (``reverb`` level 0–1, ``chorus`` on/off), reporting
    what played: ``on_warning`` hears at once (before the rendering starts) when the SoundFont
    could not be used and the default plays."""
    with Synth(soundfont, sample_rate, reverb=reverb, chorus=chorus, offline=True) as synth:
        if synth.warning and on_warning is not None:
            on_warning(synth.warning)
        audio = render_song(song, synth=synth, progress=progress, cancel=cancel)
    return Rendering(audio, sample_rate, Path(synth.soundfont), synth.warning)
