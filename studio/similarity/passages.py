"""Cut a song into short windows ("passages"), each described as a key-relative piano-roll summary.

This is the autoencoder's input. It is plain numpy (no torch), so the library indexer and the
"similar" search can use it without loading the deep-learning stack.

A window is ``WINDOW_BEATS`` beats on a grid of ``STEPS_PER_BEAT`` steps per beat. Positions are
in beats, never seconds, so a tempo change leaves every window unchanged. A file whose notes do
not sit on its own beat grid (a copy whose notes were stretched, a performance recorded without a
tempo map, at 120 BPM by default) gets beats read from its notes instead (``read_off_grid``):
the most common gap between its note starts becomes ``TARGET_IOI``, an eighth, the most common
gap of scores, and a beat tracker follows the tempo from there as it swells and eases
(``tracked_beats``). A stretched copy then reads exactly like any other copy stretched from the
same music. Each window is rotated so that the tonic of its own key estimate (a minor key counts as
its relative major, so A minor and C major read alike) becomes C: a transposed copy of a passage
gives exactly the same input.

Channels of a window (``N_CHANNELS`` × ``WINDOW_STEPS``), all key-relative:

- 0–11   pitch classes sounding (any voice)
- 12–23  pitch classes starting a note
- 24–35  pitch class of the top voice (the melody)
- 36–47  pitch class of the lowest voice (the bass)
- 48     height of the top voice against its mean in the window, in octaves (contour)
- 49     notes starting at the step, divided by 4 and capped at 1 (rhythmic density)

Drum tracks are ignored. A window with fewer than ``MIN_ONSETS`` note starts is left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from studio.core.keyfinding import profile_matrix
from studio.core.music import Song

STEPS_PER_BEAT = 4
WINDOW_BEATS = 8
WINDOW_STEPS = WINDOW_BEATS * STEPS_PER_BEAT
LIBRARY_HOP_BEATS = 4
"""Hop between the windows stored for a library track."""
QUERY_HOP_BEATS = 1
"""Hop between a short query's windows: a quarter of the library's, so one in four lines up."""
N_CHANNELS = 50
MIN_ONSETS = 3
HARMONY_KEY_WEIGHT = 0.1
"""The key of a window is read from its melody (top voice), with the other voices weighing this
much per step: other arrangements of one tune then get the same rotation more often."""
MAX_WINDOWS = 256
"""Longer tracks take their windows at a wider hop so no track holds more than this many."""
TARGET_IOI = 0.5
"""The most common gap between note starts of an off-grid file becomes this many beats."""
GRID = 48
"""A score's notes start on multiples of 1/48 beat: sixteenths, thirty-seconds, triplets and
sextuplets all do."""
GRID_TOLERANCE = 0.003
ON_GRID_SHARE = 0.9
"""A file whose note starts lie this often within ``GRID_TOLERANCE`` beats of the grid keeps
its own beats (by chance, under a third of a performance's starts do)."""
MIN_GAPS = 8
"""Fewer gaps between note starts than this leave a song's beats as they are."""
CHORD_SPREAD = 0.12
"""Note starts closer than this share of a song's long gaps (its 80th-percentile gap) are one
event: the spread of a played chord is not a rhythm."""
LOG_BIN = 0.01
"""Width (log2 units) of the histogram of gaps the most common one is read from…"""
LOG_SMOOTH = 0.05
"""…and the Gaussian it is smoothed with (about 3.5 % of a gap), so a played rhythm's scatter
still has one peak."""
TRACK_TOLERANCE = 0.4
"""The beat tracker heeds a note start within this share of a step of where it expected one…"""
TRACK_PHASE = 0.7
"""…moves its grid point this share of the way towards it…"""
TRACK_PERIOD = 0.3
"""…and its step this share of the difference (within ``TRACK_RANGE`` of the first reading).
Chosen on 100 simulated performance excerpts of the style set (MRR, drifting and jittered /
clean): 0.25, 0.5, 0.1: 0.53 / 0.77; 0.35, 0.5, 0.3: 0.66 / 0.77; 0.4, 0.7, 0.3: 0.68 / 0.76;
0.45, 0.7, 0.4: 0.66 / 0.76."""
TRACK_RANGE = (0.8, 1.25)
PICKUP_MARGIN = 1.2
"""A tracked reading moves by half a beat only when its half beats hold this many times the
music its beats hold: even notes (a line of eighths) stay as they are."""
CONTOUR_CHANNEL = 48
DENSITY_CHANNEL = 49
BINARY_CHANNELS = 48


@dataclass(frozen=True)
class NoteArrays:
    """The pitched notes of a song as parallel arrays, in the beats the windows use (the file's,
    or read from its notes: ``read_off_grid``); ``part`` numbers the source track; ``scale`` is
    those beats per beat of the file (on average, for tracked beats)."""

    pitch: np.ndarray
    start: np.ndarray
    end: np.ndarray
    part: np.ndarray
    scale: float = 1.0

    def __len__(self) -> int:
        return len(self.pitch)

    def scaled(self, factor: float) -> NoteArrays:
        """The same notes with their beats multiplied by ``factor`` (``scale`` too)."""
        return replace(
            self, start=self.start * factor, end=self.end * factor, scale=self.scale * factor
        )

    def shifted(self, beats: float) -> NoteArrays:
        """The same notes ``beats`` later."""
        return replace(self, start=self.start + beats, end=self.end + beats)

    def warped(self, times: np.ndarray, beats: np.ndarray) -> NoteArrays:
        """The same notes moved onto a tracked beat grid: file beat ``times[i]`` becomes window
        beat ``beats[i]``, linearly between and beyond them; ``scale`` becomes the mean slope."""
        slope = (beats[-1] - beats[0]) / (times[-1] - times[0])

        def move(values: np.ndarray) -> np.ndarray:
            inside = np.interp(values, times, beats)
            before = beats[0] + (values - times[0]) * slope
            after = beats[-1] + (values - times[-1]) * slope
            return np.where(values < times[0], before, np.where(values > times[-1], after, inside))

        return replace(self, start=move(self.start), end=move(self.end), scale=float(slope))


@dataclass(frozen=True)
class Windows:
    """Features of a song's windows: ``features`` (n, N_CHANNELS, WINDOW_STEPS) float32,
    ``starts`` the first beat of each window, ``tonics`` the rotation applied (pitch class),
    ``hop`` the beats between the starts of the grid they were taken from."""

    features: np.ndarray
    starts: np.ndarray
    tonics: np.ndarray
    hop: float = 0.0

    def __len__(self) -> int:
        return len(self.starts)


def note_arrays(song: Song, scale: float | None = None) -> NoteArrays:
    """The song's non-drum notes as arrays, their beats multiplied by ``scale``; by default the
    file's own beats, or, off its beat grid, beats read from its notes (``read_off_grid``)."""
    pitch, start, end, part = [], [], [], []
    for number, track in enumerate(song.tracks):
        if track.is_drum:
            continue
        for note in track.notes:
            pitch.append(note.pitch)
            start.append(note.start)
            end.append(note.start + note.duration)
            part.append(number)
    notes = NoteArrays(
        np.asarray(pitch, dtype=np.int64),
        np.asarray(start, dtype=np.float64),
        np.asarray(end, dtype=np.float64),
        np.asarray(part, dtype=np.int64),
    )
    if scale is not None:
        return notes.scaled(float(scale))
    if on_beat_grid(notes.start):
        return notes
    return read_off_grid(notes)


def read_off_grid(notes: NoteArrays) -> NoteArrays:
    """Notes off their file's beat grid (a recording) on beats tracked from their starts
    (``tracked_beats``), or on the gap reading when there are too few notes to track."""
    grid = tracked_beats(notes.start)
    if grid is None:
        return notes.scaled(_gap_scale(notes.start))
    read = notes.warped(*grid)
    return _on_the_beat(read)


def _on_the_beat(notes: NoteArrays) -> NoteArrays:
    """The tracked reading moved by half a beat when more of the music sits on the half beats
    than on the beats (weighing each note start by its length): the tracker starts its grid on
    the first note, which may be a pickup."""
    length = np.minimum(notes.end - notes.start, 4.0)
    half = np.abs(notes.start * 2 - np.round(notes.start * 2)) < 0.25  # near the eighth grid
    odd = half & (np.round(notes.start * 2).astype(np.int64) % 2 == 1)
    even = half & ~odd
    if length[odd].sum() <= length[even].sum() * PICKUP_MARGIN:
        return notes
    return notes.shifted(0.5)


def query_readings(notes: NoteArrays) -> list[NoteArrays]:
    """The readings of a query's notes (given in its file's beats) it is compared at; the
    library holds each track in one reading (``note_arrays``), and the query's best match
    counts.

    Every query tries its own beats and its gap reading moved by octaves to the nearest of its
    own (a copy stretched by a simple ratio, 5:4 or 3:2, still sits on a beat grid, and this
    brings its most common gap back to the original's). A query off its beat grid (a
    performance, a stretched copy) also tries its tracked beats (``read_off_grid``) at their
    speed, twice and half it (the score it should find may move in sixteenths, eighths or
    quarters), its tracked beats moved by half a beat (a performance excerpt may start off the
    beat), and the plain gap reading at the three speeds (where the tracker's phase or pull
    differs from an exactly stretched copy's; for exact music they are the tracked beats and
    are tried once). (Doubling or halving on-grid queries too made unrelated music match: style
    precision 0.61 → 0.39.)
    """
    gap = _gap_scale(notes.start)
    readings = [notes, notes.scaled(gap * 2.0 ** round(-np.log2(gap)))]
    if not on_beat_grid(notes.start):
        tracked = read_off_grid(notes)
        gapped = notes.scaled(gap)
        readings += [tracked, tracked.scaled(2.0), tracked.scaled(0.5), tracked.shifted(0.5)]
        readings += [gapped, gapped.scaled(2.0), gapped.scaled(0.5)]
    unique: list[NoteArrays] = []
    for reading in readings:
        if all(not _same_reading(reading, kept) for kept in unique):
            unique.append(reading)
    return unique


def recording_reading(
    notes: NoteArrays, readings: list[NoteArrays] | None = None
) -> NoteArrays | None:
    """How the library would read a recording of these notes (given on their file's beat
    grid): their most common gap an eighth, as ``read_off_grid`` reads a recording; None when
    that is one of their ``query_readings`` already (pass them in when you have them), or the
    notes are off their grid. A score in sixteenths or quarters compared this way with the
    library's recordings finds its own; it is compared only with recordings, since against
    scores it made unrelated music match."""
    if not on_beat_grid(notes.start):
        return None
    reading = notes.scaled(_gap_scale(notes.start))
    readings = query_readings(notes) if readings is None else readings
    return None if any(_same_reading(reading, r) for r in readings) else reading


def _same_reading(first: NoteArrays, second: NoteArrays) -> bool:
    """Whether two readings put every note within 0.1 % of a beat of each other."""
    return bool(np.allclose(first.start, second.start, rtol=1e-3, atol=1e-3))


def on_beat_grid(starts: np.ndarray) -> bool:
    """Whether the note starts (beats) lie on the file's beat grid (``ON_GRID_SHARE``)."""
    steps = np.asarray(starts, dtype=np.float64) * GRID
    distance = np.abs(steps - np.round(steps)) / GRID
    return bool(len(steps) == 0 or np.mean(distance <= GRID_TOLERANCE) >= ON_GRID_SHARE)


def tracked_beats(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A beat grid that follows a performance: ``(times, beats)``, file beats of successive
    grid points and their window beats (``TARGET_IOI`` apart), or None with too few notes.

    The grid's step starts as the most common gap (``_gap_scale``) and its phase from the first
    notes (``_grid_phase``); then, step by step, a note start near the
    expected point pulls the point part of the way to it and the step a little towards the
    gap (a phase-locked loop), so a tempo that swells and eases, or notes played early or late,
    stay on the grid. Exact music (a stretched copy) never pulls: its grid is the gap reading's.
    Scaling every start by a factor scales the times by it and leaves the beats as they are.
    """
    events = _events(starts)
    if events is None:
        return None
    step = TARGET_IOI / _events_scale(events)
    point = _grid_phase(events[: 4 * MIN_GAPS], step)
    low, high = (step * r for r in TRACK_RANGE)
    points = [point]
    end = events[-1] + step
    while point < end and len(points) < 100_000:
        expected = point + step
        after = np.searchsorted(events, expected)
        nearest = events[min(after, len(events) - 1)]
        before = events[max(after - 1, 0)]
        if abs(before - expected) < abs(nearest - expected):
            nearest = before
        error = nearest - expected
        if abs(error) <= TRACK_TOLERANCE * step:
            expected += TRACK_PHASE * error
            step = min(max(step + TRACK_PERIOD * error, low), high)
        points.append(expected)
        point = expected
    times = np.array(points)
    return times, np.arange(len(times)) * TARGET_IOI


def _grid_phase(first: np.ndarray, step: float) -> float:
    """Where a grid of ``step`` through the first note starts should begin: at the first note,
    unless the notes' mean position within a step puts more of them on the grid (an excerpt
    that begins on an off-beat sixteenth)."""

    def on_grid(origin: float) -> int:
        offset = (first - origin) / step
        return int(np.sum(np.abs(offset - np.round(offset)) <= 0.2))

    turn = np.exp(2j * np.pi * (first - first[0]) / step).mean()
    mean = first[0] + (np.angle(turn) / (2 * np.pi) % 1.0 - 1.0) * step
    return mean if on_grid(mean) > on_grid(first[0]) else float(first[0])


def _gap_scale(starts: np.ndarray) -> float:
    """``TARGET_IOI`` over the most common gap between the note starts.

    The gap is read from a smoothed histogram of log gaps and refined as the median of the gaps
    near its peak, so scaling every position by a factor scales the result by one over it (a
    stretched copy reads the same beats as its original). Chord spreads are merged first
    (``CHORD_SPREAD``). Fewer than ``MIN_GAPS`` gaps give 1.0.
    """
    events = _events(starts)
    return 1.0 if events is None else _events_scale(events)


def _events_scale(events: np.ndarray) -> float:
    """``_gap_scale`` of note starts already merged by ``_events``."""
    gaps = np.diff(events)
    logs = np.log2(gaps)
    low = np.floor(logs.min() / LOG_BIN) - 4 * LOG_SMOOTH / LOG_BIN
    bins = np.floor(logs / LOG_BIN - low).astype(np.int64)
    counts = np.bincount(bins, minlength=int(bins.max()) + int(8 * LOG_SMOOTH / LOG_BIN) + 1)
    radius = int(4 * LOG_SMOOTH / LOG_BIN)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) * LOG_BIN / LOG_SMOOTH) ** 2)
    peak = (int(np.argmax(np.convolve(counts, kernel, mode="same"))) + low + 0.5) * LOG_BIN
    near = gaps[np.abs(logs - peak) <= 2 * LOG_SMOOTH]
    return TARGET_IOI / float(np.median(near))


def _events(starts: np.ndarray) -> np.ndarray | None:
    """The distinct note starts with a played chord's spread merged into one (``CHORD_SPREAD``),
    or None when fewer than ``MIN_GAPS`` gaps are left between them."""
    onsets = np.unique(np.asarray(starts, dtype=np.float64))
    gaps = np.diff(onsets)
    if len(gaps) < MIN_GAPS:
        return None
    events = onsets[np.concatenate([[True], gaps > CHORD_SPREAD * float(np.quantile(gaps, 0.8))])]
    return events if len(events) > MIN_GAPS else None


def _rolls(notes: NoteArrays, n_steps: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(sounding, onset count, lowest pitch): ``sounding`` a boolean roll and the onset count
    an integer one, each (rows, n_steps) on the step grid, row ``i`` for pitch ``lowest + i``,
    whole octaves from a C that cover the notes (only the octaves in use: the rolls of 128 rows
    were most of the time of a long track)."""
    first = np.maximum(np.round(notes.start * STEPS_PER_BEAT).astype(np.int64), 0)
    inside = first < n_steps  # notes after the last window do not matter
    first, pitch = first[inside], notes.pitch[inside]
    lowest = int(pitch.min()) // 12 * 12 if len(pitch) else 0
    rows = (int(pitch.max()) // 12 * 12 + 12 - lowest) if len(pitch) else 12
    last = np.round(notes.end[inside] * STEPS_PER_BEAT).astype(np.int64)
    last = np.minimum(np.maximum(last, first + 1), n_steps)
    origin = (pitch - lowest) * n_steps + first  # each note's first cell
    onsets = np.bincount(origin, minlength=rows * n_steps).reshape(rows, n_steps)
    return _sounding(origin, last - first, rows, n_steps), onsets, lowest


def _sounding(origin: np.ndarray, length: np.ndarray, rows: int, n_steps: int) -> np.ndarray:
    """The (rows, n_steps) boolean roll of notes covering ``length`` cells from their
    ``origin`` cell (a note stays in its row)."""
    cells = rows * n_steps
    covered = int(length.sum())
    if covered <= cells:  # the usual case: paint each note's cells
        offsets = np.arange(covered) - np.repeat(np.cumsum(length) - length, length)
        roll = np.zeros(cells, dtype=bool)
        roll[np.repeat(origin, length) + offsets] = True
        return roll.reshape(rows, n_steps)
    # Long notes held over each other: a running count of the starts and ends, row by row
    # (the last column of each row takes the ends at the roll's end, so the count restarts at
    # zero on the next row).
    width = n_steps + 1
    row, first = np.divmod(origin, n_steps)
    change = np.bincount(row * width + first, minlength=rows * width) - np.bincount(
        row * width + first + length, minlength=rows * width
    )
    return (np.cumsum(change).reshape(rows, width) > 0)[:, :n_steps]


def _fold(roll: np.ndarray) -> np.ndarray:
    """(12 k, T) rows of whole octaves → (12, T): any octave of each pitch class."""
    return roll.reshape(-1, 12, roll.shape[1]).max(axis=0)


def window_starts(end_beat: float, hop_beats: float) -> np.ndarray:
    """First beats of the windows covering ``[0, end_beat)`` at ``hop_beats``."""
    if end_beat <= 0:
        return np.zeros(0)
    last = max(0.0, end_beat - WINDOW_BEATS)
    count = int(np.floor(last / hop_beats + 1e-9)) + 1
    starts = np.arange(count) * hop_beats
    if starts[-1] + WINDOW_BEATS < end_beat - 1e-9:  # keep the ending
        starts = np.append(starts, starts[-1] + hop_beats)
    return starts


def song_windows(
    song_or_notes: Song | NoteArrays,
    *,
    hop_beats: float = LIBRARY_HOP_BEATS,
    max_windows: int = 0,
    min_onsets: int = MIN_ONSETS,
) -> Windows:
    """Features of the windows of a song (or of note arrays) at ``hop_beats``.

    Args:
        hop_beats: beats between window starts (a multiple of 1/STEPS_PER_BEAT).
        max_windows: when above 0, the hop is widened (to a multiple of ``hop_beats``) until the
            song has at most this many windows.
        min_onsets: windows with fewer note starts are left out (0 keeps them all, so window
            ``i`` starts at ``i * hop_beats``).
    """
    notes = song_or_notes if isinstance(song_or_notes, NoteArrays) else note_arrays(song_or_notes)
    if len(notes) == 0:
        return _empty()
    end = float(notes.end.max())
    starts = window_starts(end, hop_beats)
    if max_windows and len(starts) > max_windows:
        factor = int(np.ceil(len(starts) / max_windows))
        hop_beats *= factor
        starts = window_starts(end, hop_beats)
    return replace(windows_at(notes, starts, min_onsets=min_onsets), hop=hop_beats)


def windows_at(notes: NoteArrays, starts: np.ndarray, *, min_onsets: int = MIN_ONSETS) -> Windows:
    """Features of the windows starting at ``starts`` (beats, on the step grid); windows with
    fewer than ``min_onsets`` note starts are left out (0 keeps every window)."""
    starts = np.asarray(starts, dtype=np.float64)
    if len(notes) == 0 or len(starts) == 0:
        return _empty()
    n_steps = round((starts.max() + WINDOW_BEATS) * STEPS_PER_BEAT)
    active, onsets, lowest = _rolls(notes, n_steps)
    return _features(active, onsets, lowest, starts, min_onsets)


def _empty() -> Windows:
    return Windows(
        np.zeros((0, N_CHANNELS, WINDOW_STEPS), np.float32), np.zeros(0), np.zeros(0, np.int64)
    )


def _features(
    active: np.ndarray, onsets: np.ndarray, lowest: int, starts: np.ndarray, min_onsets: int
) -> Windows:
    chroma = _fold(active)
    chroma_onset = _fold(onsets > 0)
    any_active = active.any(axis=0)
    highest = lowest + len(active) - 1
    top = np.where(any_active, highest - np.argmax(active[::-1], axis=0), -1)
    bottom = np.where(any_active, lowest + np.argmax(active, axis=0), -1)
    onset_count = onsets.sum(axis=0)

    first_steps = np.round(starts * STEPS_PER_BEAT).astype(np.int64)
    index = first_steps[:, None] + np.arange(WINDOW_STEPS)[None, :]  # (n, T)
    keep = onset_count[index].sum(axis=1) >= min_onsets
    index, starts = index[keep], starts[keep]
    if len(starts) == 0:
        return _empty()
    win_chroma = chroma[:, index].transpose(1, 0, 2)  # (n, 12, T)
    win_onset = chroma_onset[:, index].transpose(1, 0, 2)
    win_top, win_bottom = top[index], bottom[index]  # (n, T)
    melody_histograms = _pc_histograms(win_top)
    tonics = _window_tonics(melody_histograms + HARMONY_KEY_WEIGHT * win_chroma.sum(axis=2))
    rotation = (np.arange(12)[None, :] + tonics[:, None]) % 12  # new pc i reads old pc i + tonic
    rows = np.arange(len(starts))[:, None]
    features = np.zeros((len(starts), N_CHANNELS, WINDOW_STEPS), dtype=np.float32)
    features[:, 0:12] = win_chroma[rows, rotation]
    features[:, 12:24] = win_onset[rows, rotation]
    features[:, 24:36] = _one_hot_pc(win_top, tonics)
    features[:, 36:48] = _one_hot_pc(win_bottom, tonics)
    sounding_top = win_top >= 0
    counts = np.maximum(sounding_top.sum(axis=1, keepdims=True), 1)
    mean_top = np.where(sounding_top, win_top, 0).sum(axis=1, keepdims=True) / counts
    features[:, CONTOUR_CHANNEL] = np.where(sounding_top, (win_top - mean_top) / 12.0, 0.0)
    features[:, DENSITY_CHANNEL] = np.minimum(onset_count[index] / 4.0, 1.0)
    return Windows(features, starts.astype(np.float64), tonics)


def _one_hot_pc(pitches: np.ndarray, tonics: np.ndarray) -> np.ndarray:
    """(n, T) pitches (-1 = silence) → (n, 12, T) one-hot key-relative pitch classes."""
    n, steps = pitches.shape
    out = np.zeros((n, 12, steps), dtype=np.float32)
    sounding = pitches >= 0
    rows, cols = np.nonzero(sounding)
    pcs = (pitches[rows, cols] - tonics[rows]) % 12
    out[rows, pcs, cols] = 1.0
    return out


def _pc_histograms(pitches: np.ndarray) -> np.ndarray:
    """(n, T) pitches (-1 = silence) → (n, 12): how many steps each pitch class sounds."""
    rows, cols = np.nonzero(pitches >= 0)
    cells = rows * 12 + pitches[rows, cols] % 12
    return np.bincount(cells, minlength=len(pitches) * 12).reshape(len(pitches), 12)


def _window_tonics(histograms: np.ndarray) -> np.ndarray:
    """Key-signature tonic of each window's pitch-class histogram (n, 12): the Krumhansl
    estimate, a minor key read as its relative major.

    The estimate is a correlation with rotated profiles, so transposing a window by k semitones
    moves its tonic by exactly k: the rotated input does not change.
    """
    histograms = np.asarray(histograms, dtype=np.float64)
    centred = histograms - histograms.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    centred = np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)
    correlations = centred @ profile_matrix("krumhansl").T  # (n, 24): C…B major, C…B minor
    best = np.argmax(correlations, axis=1)
    return np.where(best < 12, best, (best - 12 + 3) % 12).astype(np.int64)
