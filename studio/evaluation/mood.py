"""``studio eval mood``: does the mood estimate (``core.mood``) agree with what the music states,
and does it hold still where a listener would hear the same mood?

No one has labelled the corpus's moods, so the checks use what the files themselves say:

* **stated mode**: files whose key signature states major or minor; the share whose mode cue
  and whose valence fall on the stated side, and the AUC of valence between major and minor
  files (the chance that a major file reads brighter than a minor one; 0.5 is chance);
* **tempo marking**: files written with a tempo (any but the 120 BPM a file without a marking
  gets): the rank correlation of arousal with the marked tempo, and the mean arousal of slow
  (< 80 BPM) and fast (≥ 132 BPM) files. Arousal is read mostly from the pace, which the tempo
  sets, so this partly holds by construction: it shows the notes' density does not overturn it;
* **transposition**: each of a sample of files moved by ±1…6 semitones; how far valence and
  arousal move, and the share of copies whose mood words change;
* **tempo-preserving copies**: the same sample written in twice the beats at twice the tempo
  (it sounds the same): how far the mood moves (0 up to rounding).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from studio.core.edit import transpose_song
from studio.core.errors import InvalidInput, MidiFileError
from studio.core.midi_read import read_song
from studio.core.mood import Mood, song_mood
from studio.core.music import Note, Song, TempoChange
from studio.core.progress import CancelToken, ProgressCallback, no_progress

UNMARKED_BPM = 120.0
"""The tempo a file without a tempo marking gets (MIDI's default)."""
SLOW_BPM, FAST_BPM = 80.0, 132.0
SHIFTS = (-6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6)


def evaluate_mood(
    paths: Sequence[Path],
    *,
    sample: int = 100,
    seed: int = 0,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> dict:
    """The checks of the module docstring over the MIDI files at ``paths`` (unreadable files and
    files without pitched notes are counted and left out); ``sample`` files (chosen with
    ``seed``) are transposed and rewritten."""
    started = time.perf_counter()
    rows: list[tuple[Song, Mood]] = []
    skipped = 0
    for done, path in enumerate(paths, 1):
        try:
            song = read_song(path)
        except MidiFileError:
            skipped += 1
            continue
        found = song_mood(song)
        if found is None:
            skipped += 1
        else:
            rows.append((song, found))
        progress(done, len(paths) + sample, "")
        if cancel is not None:
            cancel.raise_if_cancelled()
    order = np.random.default_rng(seed).permutation(len(rows))[:sample]
    shifted, rewritten = [], []
    for done, index in enumerate(order, len(paths) + 1):
        song, found = rows[index]
        shifted += [_change(found, song_mood(moved)) for moved in _transposed(song)]
        rewritten.append(_change(found, song_mood(twice_the_beats(song))))
        progress(done, len(paths) + sample, "")
        if cancel is not None:
            cancel.raise_if_cancelled()
    return {
        "files": len(rows),
        "skipped": skipped,
        "stated_mode": _stated_mode(rows),
        "tempo_marking": _tempo_marking(rows),
        "transposition": _summary(shifted, len(order)),
        "tempo_preserving_copies": _summary(rewritten, len(order)),
        "means": {
            "valence": round(float(np.mean([m.valence for _, m in rows])), 3),
            "arousal": round(float(np.mean([m.arousal for _, m in rows])), 3),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }


def twice_the_beats(song: Song) -> Song:
    """The same music written in twice the beats at twice the tempo: it sounds the same."""
    tracks = [
        track.with_notes(
            Note(n.pitch, n.start * 2, n.duration * 2, n.velocity) for n in track.notes
        )
        for track in song.tracks
    ]
    tempos = [TempoChange(t.beat * 2, t.bpm * 2) for t in song.tempos] or [
        TempoChange(0.0, UNMARKED_BPM * 2)
    ]
    return replace(song.with_tracks(tracks), tempos=tuple(tempos), time_signatures=())


def _transposed(song: Song) -> list[Song]:
    """The song moved by each of ``SHIFTS`` that keeps its notes within MIDI's range."""
    copies = []
    for semitones in SHIFTS:
        try:
            copies.append(transpose_song(song, semitones))
        except InvalidInput:
            continue
    return copies


def _change(before: Mood, after: Mood | None) -> tuple[float, float, bool]:
    assert after is not None  # the same notes, moved: still pitched
    return (
        abs(after.valence - before.valence),
        abs(after.arousal - before.arousal),
        after.words != before.words,
    )


def _summary(changes: list[tuple[float, float, bool]], files: int) -> dict:
    if not changes:
        return {"files": 0}
    valence, arousal, words = (
        np.array(column, dtype=float) for column in zip(*changes, strict=True)
    )
    return {
        "files": files,
        "copies": len(changes),
        "valence_change_mean": round(float(valence.mean()), 4),
        "valence_change_max": round(float(valence.max()), 4),
        "arousal_change_mean": round(float(arousal.mean()), 4),
        "arousal_change_max": round(float(arousal.max()), 4),
        "words_changed": round(float(words.mean()), 3),
    }


def _stated_mode(rows: list[tuple[Song, Mood]]) -> dict:
    stated = [(s.key_signature.mode, m) for s, m in rows if s.key_signature is not None]
    major = np.array([m.valence for mode, m in stated if mode == "major"])
    minor = np.array([m.valence for mode, m in stated if mode == "minor"])
    if len(major) == 0 or len(minor) == 0:
        return {"major": len(major), "minor": len(minor)}
    sides = [(m.cues["mode"] > 0) == (mode == "major") for mode, m in stated]
    valence_sides = [(m.valence > 0) == (mode == "major") for mode, m in stated]
    above = (major[:, None] > minor[None, :]).mean() + 0.5 * (
        major[:, None] == minor[None, :]
    ).mean()
    return {
        "major": len(major),
        "minor": len(minor),
        "mode_cue_agrees": round(float(np.mean(sides)), 3),
        "valence_agrees": round(float(np.mean(valence_sides)), 3),
        "valence_auc": round(float(above), 3),
        "valence_major_mean": round(float(major.mean()), 3),
        "valence_minor_mean": round(float(minor.mean()), 3),
    }


def _tempo_marking(rows: list[tuple[Song, Mood]]) -> dict:
    marked = [(s.tempo, m.arousal) for s, m in rows if s.tempos and s.tempo != UNMARKED_BPM]
    if len(marked) < 3:
        return {"files": len(marked)}
    tempo, arousal = (np.array(column) for column in zip(*marked, strict=True))
    slow, fast = arousal[tempo < SLOW_BPM], arousal[tempo >= FAST_BPM]
    return {
        "files": len(marked),
        "rank_correlation": round(float(_rank_correlation(tempo, arousal)), 3),
        "slow_files": len(slow),
        "fast_files": len(fast),
        "arousal_slow_mean": round(float(slow.mean()), 3) if len(slow) else None,
        "arousal_fast_mean": round(float(fast.mean()), 3) if len(fast) else None,
    }


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rank correlation (ties get their mean rank)."""

    def ranks(values: np.ndarray) -> np.ndarray:
        order = np.argsort(values, kind="stable")
        ranked = np.empty(len(values))
        ranked[order] = np.arange(len(values))
        for value in np.unique(values):  # ties share their mean rank
            tied = values == value
            ranked[tied] = ranked[tied].mean()
        return ranked

    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def format_report(report: dict) -> str:
    """The report as lines of text for a terminal."""
    mode, tempo = report["stated_mode"], report["tempo_marking"]
    moved, copied = report["transposition"], report["tempo_preserving_copies"]
    lines = [f"{report['files']} files ({report['skipped']} left out), {report['seconds']} s"]
    if "valence_auc" in mode:
        lines.append(
            f"stated mode ({mode['major']} major, {mode['minor']} minor): mode cue on the "
            f"stated side {mode['mode_cue_agrees']:.0%}, valence {mode['valence_agrees']:.0%}; "
            f"valence AUC major > minor {mode['valence_auc']:.3f} (means "
            f"{mode['valence_major_mean']:+.2f} / {mode['valence_minor_mean']:+.2f})"
        )
    if "rank_correlation" in tempo:
        lines.append(
            f"tempo marking ({tempo['files']} files): rank correlation with arousal "
            f"{tempo['rank_correlation']:+.3f}; mean arousal slow (<{SLOW_BPM:g} BPM, "
            f"{tempo['slow_files']}) {tempo['arousal_slow_mean']}, fast (≥{FAST_BPM:g}, "
            f"{tempo['fast_files']}) {tempo['arousal_fast_mean']}"
        )
    for name, summary in (("transposed ±1–6", moved), ("twice the beats, twice the tempo", copied)):
        if summary.get("copies"):
            lines.append(
                f"{name} ({summary['copies']} copies of {summary['files']} files): valence moves "
                f"{summary['valence_change_mean']:.3f} on average (at most "
                f"{summary['valence_change_max']:.3f}), arousal "
                f"{summary['arousal_change_mean']:.3f} ({summary['arousal_change_max']:.3f}); "
                "words change for "
                f"{summary['words_changed']:.0%}"
            )
    return "\n".join(lines)
