"""A summary of a MIDI file for people and scripts: what ``studio info`` prints."""

from __future__ import annotations

import os
from pathlib import Path

from studio.core.gm import program_name
from studio.core.keyfinding import columns_histogram, key_of_histogram, stated_key
from studio.core.midi_read import read_midi
from studio.core.mood import Mood, song_mood
from studio.core.music import Song, track_columns
from studio.core.theory import pitch_name


def describe_file(path: str | os.PathLike) -> dict:
    """Read a MIDI file and describe it (see ``describe_song``); adds the file's path and size."""
    song = read_midi(path)
    # A file name that is not valid UTF-8 is shown with U+FFFD, so the JSON stays valid text.
    shown = os.fsencode(path).decode("utf-8", errors="replace")
    description = {"path": shown, "size_bytes": Path(path).stat().st_size}
    description.update(describe_song(song))
    return description


def describe_song(song: Song) -> dict:
    """Describe a song as a JSON-ready dict.

    Keys: title, duration_seconds, duration_beats, bars, ticks_per_beat, tempo_bpm,
    tempo_changes [{beat, bpm}], time_signature ("4/4"), time_signature_changes, key
    {stated, estimated, confidence}, mood {valence, arousal, words, cues} or null
    (``core.mood``), note_count, tracks [{index, name, program, instrument, is_drum, note_count,
    pitch_range {low, high, low_name, high_name} or null}].
    """
    columns = [track_columns(track) for track in song.tracks]  # one pass over the notes
    pitched = [c for track, c in zip(song.tracks, columns, strict=True) if not track.is_drum]
    estimate = key_of_histogram(
        columns_histogram([c.pitch for c in pitched], [c.duration for c in pitched])
    )
    stated = stated_key(song)
    key = stated or (estimate.key if estimate else None)
    flats = key is not None and key.uses_flats
    tracks = []
    for index, (track, found) in enumerate(zip(song.tracks, columns, strict=True), start=1):
        low_high = (int(found.pitch.min()), int(found.pitch.max())) if len(found.pitch) else None
        tracks.append(
            {
                "index": index,
                "name": track.name,
                "program": track.program,
                "instrument": "Drums" if track.is_drum else program_name(track.program),
                "is_drum": track.is_drum,
                "note_count": len(track.notes),
                "pitch_range": None
                if low_high is None
                else {
                    "low": low_high[0],
                    "high": low_high[1],
                    "low_name": pitch_name(low_high[0], prefer_flats=flats),
                    "high_name": pitch_name(low_high[1], prefer_flats=flats),
                },
            }
        )
    mood = song_mood(song, columns)
    end = max((float(c.end.max()) for c in columns if len(c.pitch)), default=0.0)  # song.end
    return {
        "title": song.title,
        "duration_seconds": round(song.beats_to_seconds(end), 3),
        "duration_beats": round(end, 4),
        "bars": round(end / song.time_signature.beats_per_bar, 2),
        "ticks_per_beat": song.ticks_per_beat,
        "tempo_bpm": song.tempo,
        "tempo_changes": [{"beat": t.beat, "bpm": t.bpm} for t in song.tempos],
        "time_signature": str(song.time_signature),
        "time_signature_changes": [
            {"beat": t.beat, "time_signature": str(t)} for t in song.time_signatures
        ],
        "key": {
            "stated": stated.name if stated else None,
            "estimated": estimate.key.name if estimate else None,
            "confidence": round(estimate.confidence, 3) if estimate else None,
        },
        "mood": mood.to_json() if mood else None,
        "note_count": sum(len(t.notes) for t in song.tracks),
        "tracks": tracks,
    }


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _mood_line(mood: dict | None) -> str:
    if mood is None:
        return "— (no pitched notes)"
    return Mood(mood["valence"], mood["arousal"]).description


def format_description(info: dict) -> str:
    """Format the dict of ``describe_file``/``describe_song`` as aligned text for a terminal."""
    tempos = [change["bpm"] for change in info["tempo_changes"]] or [info["tempo_bpm"]]
    tempo = f"{info['tempo_bpm']:g} BPM"
    if len(tempos) > 1:
        changes = len(tempos) - 1
        tempo += f" ({changes} change{'s' * (changes > 1)}, {min(tempos):g}–{max(tempos):g} BPM)"
    meters = {change["time_signature"] for change in info["time_signature_changes"]}
    meter = info["time_signature"] + (
        " (changes: " + ", ".join(sorted(meters)) + ")" if len(meters) > 1 else ""
    )
    key = info["key"]
    estimated = (
        f"{key['estimated']} (confidence {key['confidence']:.2f})" if key["estimated"] else "—"
    )
    lines = []
    if "path" in info:
        lines.append(f"File:      {info['path']}")
    lines += [
        f"Title:     {info['title'] or '—'}",
        f"Duration:  {_clock(info['duration_seconds'])} "
        f"({info['duration_seconds']:.1f} s, {info['duration_beats']:g} beats, "
        f"{info['bars']:g} bars)",
        f"Tempo:     {tempo}",
        f"Meter:     {meter}",
        f"Key:       stated {key['stated'] or '—'}; estimated {estimated}",
        f"Mood:      {_mood_line(info.get('mood'))}",
        f"Notes:     {info['note_count']}",
        f"Tracks:    {len(info['tracks'])}",
    ]
    for track in info["tracks"]:
        span = track["pitch_range"]
        pitch_range = f"{span['low_name']}–{span['high_name']}" if span else ""
        instrument = (
            track["instrument"]
            if track["is_drum"]
            else (f"{track['instrument']} ({track['program']})")
        )
        lines.append(
            f"  {track['index']:>3}  {track['name'] or '(unnamed)':<24.24}  {instrument:<30.30}"
            f"  {track['note_count']:>6} notes  {pitch_range}"
        )
    return "\n".join(lines)
