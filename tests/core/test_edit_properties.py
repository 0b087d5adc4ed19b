"""Property tests of editing (issue 18): random songs, random sequences of the edits of
``studio.core.edit``, and after every step a valid song.

A song here has edge values on purpose: pitches 0 and 127, velocities 1 and 127, notes at beat
0, zero-length and tiny notes, chords, same-pitch overlaps, far starts. Each step is one edit
function with random arguments on a random track (transpose, quantize with strength, swing and
ends, move, resize, delete, velocity set/scale/add, add a note, legato, stretch, remove
overlaps, transpose the song, merge and split tracks); an edit either returns a valid result
or refuses with ``InvalidInput`` (a note would leave the pitch range or start before beat 0),
never anything else. Valid: notes in playing order, pitches 0–127, velocities 1–127, starts and
durations finite and ≥ 0 (``song_checks``). Hypothesis runs derandomized, so CI sees the same
examples every time; ``MOTIF_PROPERTY_EXAMPLES=5000`` runs a longer search locally.
"""

from __future__ import annotations

import math
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from song_checks import assert_valid_song, note_problems

from studio.core import edit
from studio.core.errors import InvalidInput
from studio.core.music import Note, Song, Track, sorted_notes

EXAMPLES = int(os.environ.get("MOTIF_PROPERTY_EXAMPLES", "150"))
STEPS = 12
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
GRIDS = (1.0, 0.5, 0.25, 0.125, 2 / 3, 1 / 3, 1 / 6, 1 / 12, 4.0)
"""Quantize grids in beats: the Quantize dialog's, and a bar."""

pitches = st.one_of(st.sampled_from((0, 1, 60, 126, 127)), st.integers(0, 127))
velocities = st.one_of(st.sampled_from((1, 127)), st.integers(1, 127))
starts = st.one_of(
    st.just(0.0),
    st.integers(0, 128).map(lambda k: k / 4),  # on a sixteenth grid
    st.floats(0, 64, allow_nan=False, allow_infinity=False),
    st.sampled_from((1e-9, 1 / 3, 2 / 3, 10_000.0)),
)
durations = st.one_of(
    st.sampled_from((0.0, 1e-9, 1 / 12, 0.25, 1.0, 4.0)),
    st.floats(0, 16, allow_nan=False, allow_infinity=False),
)
notes = st.builds(Note, pitch=pitches, start=starts, duration=durations, velocity=velocities)


@st.composite
def tracks(draw) -> Track:
    """A track of up to 16 notes; sometimes a chord or a same-pitch overlap on purpose."""
    drawn = draw(st.lists(notes, max_size=16))
    if drawn and draw(st.booleans()):
        first = drawn[0]
        drawn.append(Note(min(127, first.pitch + 4), first.start, first.duration, 90))  # chord
        drawn.append(Note(first.pitch, first.start + first.duration / 2, 1.0, 80))  # overlap
    return Track(tuple(drawn), program=draw(st.integers(0, 127)), is_drum=draw(st.booleans()))


songs = st.builds(Song, tracks=st.lists(tracks(), min_size=1, max_size=3))


def indices_of(data, count: int, allow_none: bool = True):
    """A random selection of ``count`` notes: None (all), or a list of indices (repeats too)."""
    if allow_none and data.draw(st.booleans(), label="all notes"):
        return None
    if not count:
        return []
    return data.draw(st.lists(st.integers(0, count - 1), max_size=count + 2), label="indices")


EDITS = (
    "transpose", "quantize", "move", "resize", "delete", "velocity", "add", "legato", "stretch",
    "remove_overlaps", "transpose_song", "merge", "split",
)  # fmt: skip


def one_edit(data, song: Song) -> tuple[str, Song]:
    """Draw one edit and apply it to ``song`` (``InvalidInput`` passes through)."""
    t = data.draw(st.integers(0, len(song.tracks) - 1), label="track")
    track = song.tracks[t]
    n = len(track.notes)
    kind = data.draw(st.sampled_from(EDITS), label="edit")
    if kind == "transpose":
        result = edit.transpose(track, data.draw(st.integers(-130, 130)), indices_of(data, n))
    elif kind == "quantize":
        result = edit.quantize(
            track,
            grid=data.draw(st.one_of(st.sampled_from(GRIDS), st.floats(1 / 64, 8))),
            strength=data.draw(st.one_of(st.sampled_from((0.0, 0.5, 1.0)), st.floats(0, 1))),
            swing=data.draw(st.one_of(st.sampled_from((0.0, 2 / 3, 1.0)), st.floats(0, 1))),
            quantize_ends=data.draw(st.booleans()),
            indices=indices_of(data, n),
        )
    elif kind == "move":
        beats = data.draw(st.one_of(st.sampled_from((-1.0, -0.25, 0.25, 4.0)), st.floats(-64, 64)))
        semitones = data.draw(st.integers(-24, 24))
        result = edit.move_notes(track, indices_of(data, n), beats=beats, semitones=semitones)
    elif kind == "resize":
        if data.draw(st.booleans()):
            result = edit.resize_notes(
                track, indices_of(data, n), delta=data.draw(st.floats(-8, 8))
            )
        else:
            result = edit.resize_notes(track, indices_of(data, n), duration=data.draw(durations))
    elif kind == "delete":
        result = edit.delete_notes(track, indices_of(data, n, allow_none=False))
    elif kind == "velocity":
        way = data.draw(st.sampled_from(("velocity", "scale", "delta")))
        amount = {
            "velocity": st.integers(1, 127),
            "scale": st.one_of(st.sampled_from((0.0, 0.5, 2.0)), st.floats(0, 4)),
            "delta": st.integers(-200, 200),
        }[way]
        result = edit.set_velocity(track, indices_of(data, n), **{way: data.draw(amount)})
    elif kind == "add":
        result = edit.add_note(track, data.draw(notes))
    elif kind == "legato":
        result = edit.legato(track, indices_of(data, n))
    elif kind == "stretch":
        factor = data.draw(st.one_of(st.sampled_from((0.5, 2.0, 1 / 3)), st.floats(0.01, 8)))
        result = edit.stretch(track, factor, indices_of(data, n))
    elif kind == "remove_overlaps":
        result = edit.remove_overlaps(track)
    elif kind == "transpose_song":
        return kind, edit.transpose_song(song, data.draw(st.integers(-24, 24)))
    elif kind == "merge":
        same = [x for x in song.tracks if x.is_drum == track.is_drum]
        merged = edit.merge_tracks(same)
        others = [x for x in song.tracks if x.is_drum != track.is_drum]
        return kind, song.with_tracks([merged, *others])
    else:
        upper, lower = edit.split_track(track, data.draw(st.integers(0, 128)))
        tracks_after = list(song.tracks)
        tracks_after[t : t + 1] = [upper, lower]
        return kind, song.with_tracks(tracks_after)
    assert isinstance(result, Track)
    tracks_after = list(song.tracks)
    tracks_after[t] = result
    return kind, song.with_tracks(tracks_after)


@given(song=songs, data=st.data())
@PROPERTY_SETTINGS
def test_random_edit_sequences_keep_the_song_valid(song, data):
    assert_valid_song(song, min_velocity=1)
    count = sum(len(t.notes) for t in song.tracks)
    for _ in range(data.draw(st.integers(1, STEPS), label="steps")):
        before = song
        try:
            kind, song = one_edit(data, song)
        except InvalidInput as error:
            assert str(error) and "\n" not in str(error)
            assert song is before  # a refused edit changes nothing
            continue
        assert_valid_song(song, min_velocity=1)
        after = sum(len(t.notes) for t in song.tracks)
        if kind in ("transpose", "quantize", "move", "resize", "velocity", "legato", "stretch"):
            assert after == count, kind  # one-to-one edits keep every note
        elif kind in ("merge", "split", "transpose_song"):
            assert after == count, kind
        count = after


# One-to-one edits on a plain sequence keep its order (a selection's indices stay valid), change
# only the selected notes, and agree with the same edit on a track.
ONE_TO_ONE = {
    "transpose": lambda seq, sel: edit.transpose(seq, 5, sel),
    "quantize": lambda seq, sel: edit.quantize(seq, 0.25, 0.5, 2 / 3, True, sel),
    "move": lambda seq, sel: edit.move_notes(seq, sel, beats=0.5, semitones=-3),
    "resize": lambda seq, sel: edit.resize_notes(seq, sel, delta=-0.3),
    "velocity": lambda seq, sel: edit.set_velocity(seq, sel, scale=1.7),
    "legato": lambda seq, sel: edit.legato(seq, sel),
    "stretch": lambda seq, sel: edit.stretch(seq, 1.5, sel),
}


@given(
    sequence=st.lists(notes, max_size=16),
    name=st.sampled_from(sorted(ONE_TO_ONE)),
    data=st.data(),
)
@PROPERTY_SETTINGS
def test_one_to_one_edits_keep_positions_and_agree_with_tracks(sequence, name, data):
    sequence = sorted_notes(sequence)  # so that indices mean the same notes in a track
    selection = indices_of(data, len(sequence))
    change = ONE_TO_ONE[name]
    try:
        result = change(sequence, selection)
    except InvalidInput:
        return
    assert isinstance(result, tuple) and len(result) == len(sequence)
    chosen = set(range(len(sequence)) if selection is None else selection)
    for i, (old, new) in enumerate(zip(sequence, result, strict=True)):
        if i not in chosen:
            assert new is old
    assert not note_problems(sorted_notes(result), min_velocity=1)
    assert change(Track(sequence), selection).notes == sorted_notes(result)


@given(track=tracks(), grid=st.sampled_from(GRIDS), swing=st.sampled_from((0.0, 0.5, 2 / 3, 1.0)),
       ends=st.booleans())  # fmt: skip
@PROPERTY_SETTINGS
def test_full_quantize_is_idempotent_and_lands_on_the_grid(track, grid, swing, ends):
    once = edit.quantize(track, grid, 1.0, swing, ends)
    assert edit.quantize(once, grid, 1.0, swing, ends) == once
    for note in once.notes:
        k = round(note.start / grid)
        if swing == 0:
            assert math.isclose(note.start, k * grid, abs_tol=1e-9)
        if ends and note.duration > 0:
            assert note.duration > 0  # a quantized end never collapses a note to zero


@given(track=tracks(), semitones=st.integers(-127, 127))
@PROPERTY_SETTINGS
def test_transpose_there_and_back_or_refuse(track, semitones):
    try:
        there = edit.transpose(track, semitones)
    except InvalidInput:
        low, high = track.pitch_range
        assert not 0 <= low + semitones <= high + semitones <= 127
        return
    assert edit.transpose(there, -semitones) == track


# Numbers no dialog offers but a script may pass: each edit refuses them with ``InvalidInput``
# or gives valid notes. Regression (issue 18): NaN and infinite times made notes (``Note`` let
# them through) and ``set_velocity(scale=inf)`` raised ``OverflowError``.
WITH_A_NUMBER = {
    "quantize grid": lambda track, x: edit.quantize(track, grid=x),
    "quantize strength": lambda track, x: edit.quantize(track, strength=x),
    "quantize swing": lambda track, x: edit.quantize(track, swing=x),
    "move beats": lambda track, x: edit.move_notes(track, None, beats=x),
    "resize delta": lambda track, x: edit.resize_notes(track, None, delta=x),
    "resize duration": lambda track, x: edit.resize_notes(track, None, duration=x),
    "velocity scale": lambda track, x: edit.set_velocity(track, None, scale=x),
    "velocity": lambda track, x: edit.set_velocity(track, None, velocity=x),
    "stretch": lambda track, x: edit.stretch(track, x),
    "add start": lambda track, x: edit.add_note(track, Note(60, x, 1.0)),
    "add duration": lambda track, x: edit.add_note(track, Note(60, 1.0, x)),
}
ABSURD = (math.inf, -math.inf, math.nan, 1e308, -1e308, 1e-308, 0.0)


@given(track=tracks(), name=st.sampled_from(sorted(WITH_A_NUMBER)), value=st.sampled_from(ABSURD))
@PROPERTY_SETTINGS
def test_absurd_numbers_are_refused_or_give_valid_notes(track, name, value):
    try:
        result = WITH_A_NUMBER[name](track, value)
    except InvalidInput as error:
        assert str(error) and "\n" not in str(error)
        return
    assert not note_problems(result.notes, min_velocity=1), (name, value)
