"""Property test of the piano roll's undo (issue 18): random edits on random songs, through real
mouse and key events and the roll's public methods, then undo all and redo all.

Each example opens a random song in a shown ``PianoRoll`` (edge pitches and velocities, notes at
beat 0, zero-length and tiny notes, chords, overlaps, sometimes a drum track and a second
pitched track, sometimes a key) and makes a random sequence of edits: clicks and Ctrl-clicks
that select, Ctrl+A and Esc, drags that move, copy (Ctrl) or resize (Alt: no snap), drawing a
note, right-click erase, velocity-lane drags (stems and ramps), the arrow keys (Shift: octave),
Q with a random snap, Delete, velocity, Cut/Copy/Paste at a random playhead/Duplicate, the
Quantize…, Transpose… and Velocity… dialogs with random fields, Legato, key lock, and undo or
redo in between. After every step the roll's ``song()`` is valid (``song_checks``), a step that
changed the song is exactly one undo step, and undo and redo show exactly the songs they should.
At the end, undo all gives back the original song exactly, and redo all the final one.
Hypothesis runs derandomized, so CI sees the same examples every time;
``MOTIF_PROPERTY_EXAMPLES`` runs a longer search locally.
"""

from __future__ import annotations

import os
from collections import Counter

from conftest import drag, shown_roll
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from song_checks import assert_valid_song

from studio.core.midi_read import read_midi
from studio.core.midi_write import midi_bytes
from studio.core.music import Note, Song, Track
from studio.core.theory import Key
from studio.gui.clipboard import RollClipboard
from studio.gui.edit_dialogs import (
    GRIDS,
    QuantizeDialog,
    TransposeDialog,
    VelocityDialog,
    apply_legato,
)
from studio.gui.piano_roll import PianoRoll

EXAMPLES = int(os.environ.get("MOTIF_PROPERTY_EXAMPLES", "60"))
STEPS = 16
LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE, SHIFT, CTRL, ALT = (
    Qt.KeyboardModifier.NoModifier,
    Qt.KeyboardModifier.ShiftModifier,
    Qt.KeyboardModifier.ControlModifier,
    Qt.KeyboardModifier.AltModifier,
)
KEYS = (None, Key.parse("C"), Key.parse("Dm"), Key.parse("F#"))
SNAPS = (None, 1.0, 0.5, 0.25, 1 / 3, 0.125)

pitches = st.one_of(st.sampled_from((0, 127, 60)), st.integers(0, 127))
notes = st.builds(
    Note,
    pitch=pitches,
    start=st.one_of(
        st.just(0.0),
        st.integers(0, 64).map(lambda k: k / 4),
        st.floats(0, 16, allow_nan=False, allow_infinity=False),
    ),
    duration=st.one_of(
        st.sampled_from((0.0, 1e-6, 0.25, 1.0)),
        st.floats(0, 4, allow_nan=False, allow_infinity=False),
    ),
    velocity=st.one_of(st.sampled_from((1, 127)), st.integers(1, 127)),
)


@st.composite
def songs(draw) -> Song:
    """A melody of up to 12 notes, sometimes with a drum track before it and a bass after."""
    melody = draw(st.lists(notes, max_size=12))
    if melody and draw(st.booleans()):
        first = melody[0]
        melody.append(Note(min(127, first.pitch + 3), first.start, first.duration, 80))  # chord
    tracks = [Track(tuple(melody), name="Melody")]
    if draw(st.booleans()):
        tracks.insert(0, Track((Note(36, 0.0, 0.5), Note(38, 1.0, 0.5)), is_drum=True))
    if draw(st.booleans()):
        tracks.append(Track(tuple(draw(st.lists(notes, max_size=4))), name="Bass"))
    return Song(tuple(tracks))


def melody(roll: PianoRoll) -> tuple[Note, ...]:
    return roll.roll_state().notes


def point_on(roll: PianoRoll, note: Note) -> QPoint:
    """A point inside ``note`` (its middle, or its first pixels when it is very short)."""
    middle = note.start + note.duration / 2
    roll.ensure_visible(middle, note.pitch)
    x = max(roll.beat_to_x(middle), roll.beat_to_x(note.start) + 1)
    return QPoint(int(x), int(roll.pitch_to_y(note.pitch)))


def pick_note(data, roll: PianoRoll) -> Note | None:
    notes_now = melody(roll)
    if not notes_now:
        return None
    return notes_now[data.draw(st.integers(0, len(notes_now) - 1), label="note")]


ACTIONS = (
    "click", "ctrl_click", "select_all", "escape", "drag", "draw", "erase", "lane", "arrow",
    "quantize", "delete", "velocity", "copy", "cut", "paste", "duplicate", "quantize_dialog",
    "transpose_dialog", "velocity_dialog", "legato", "key_lock", "undo", "redo",
)  # fmt: skip


def act(data, roll: PianoRoll, clipboard: RollClipboard, action: str) -> None:
    """Do ``action`` with random details drawn from ``data``."""
    area = roll.note_area()
    if action in ("click", "ctrl_click", "erase", "drag"):
        note = pick_note(data, roll)
        if note is None:
            return
        at = point_on(roll, note)
        if action == "click":
            QTest.mouseClick(area, LEFT, NONE, at)
        elif action == "ctrl_click":
            QTest.mouseClick(area, LEFT, CTRL, at)
        elif action == "erase":
            QTest.mouseClick(area, RIGHT, NONE, at)
        else:
            dx = data.draw(st.integers(-150, 150), label="dx")
            dy = data.draw(st.integers(-80, 80), label="dy")
            modifiers = data.draw(st.sampled_from((NONE, CTRL, ALT, SHIFT)), label="modifiers")
            drag(area, at, at + QPoint(dx, dy), modifiers, steps=4)
    elif action == "draw":
        beat = data.draw(st.integers(0, 64), label="beat") / 4
        pitch = data.draw(pitches, label="pitch")
        roll.ensure_visible(beat, pitch)
        start = QPoint(int(roll.beat_to_x(beat)) + 1, int(roll.pitch_to_y(pitch)))
        roll.set_tool("draw")
        length = data.draw(st.integers(0, 120), label="length px")
        drag(area, start, start + QPoint(length, 0), steps=4)
        roll.set_tool("select")
    elif action == "lane":
        lane, note = roll.velocity_lane(), pick_note(data, roll)
        if note is None:
            return
        roll.ensure_visible(note.start, note.pitch)
        on_stem = data.draw(st.booleans(), label="on a stem")  # else a ramp from empty space
        at = lane.stem_point(melody(roll).index(note)).toPoint() + QPoint(0 if on_stem else 3, 0)
        dx = data.draw(st.integers(-100, 100), label="dx")
        dy = data.draw(st.integers(-60, 60), label="dy")
        modifiers = data.draw(st.sampled_from((NONE, SHIFT, ALT)), label="modifiers")
        drag(lane, at, at + QPoint(dx, dy), modifiers, steps=4)
    elif action == "select_all":
        QTest.keyClick(area, Qt.Key.Key_A, CTRL)
    elif action == "escape":
        QTest.keyClick(area, Qt.Key.Key_Escape)
    elif action == "arrow":
        key = data.draw(st.sampled_from((Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up,
                                         Qt.Key.Key_Down)), label="arrow")  # fmt: skip
        QTest.keyClick(area, key, data.draw(st.sampled_from((NONE, SHIFT)), label="shift"))
    elif action == "quantize":
        roll.set_snap(data.draw(st.sampled_from(SNAPS), label="snap"))
        QTest.keyClick(area, Qt.Key.Key_Q)
    elif action == "delete":
        QTest.keyClick(area, Qt.Key.Key_Delete)
    elif action == "velocity":
        roll.set_velocity(data.draw(st.integers(-5, 140), label="velocity"))
    elif action == "copy":
        clipboard.copy()
    elif action == "cut":
        clipboard.cut()
    elif action == "paste":
        roll.set_playhead(data.draw(st.integers(0, 64), label="playhead") / 3)
        clipboard.paste()
    elif action == "duplicate":
        roll.set_snap(data.draw(st.sampled_from(SNAPS), label="snap"))
        clipboard.duplicate()
    elif action == "quantize_dialog":
        dialog = QuantizeDialog(roll)
        dialog.grid_combo.setCurrentIndex(data.draw(st.integers(0, len(GRIDS) - 1)))
        dialog.strength_spin.setValue(data.draw(st.sampled_from((0, 50, 100)), label="strength"))
        dialog.swing_spin.setValue(data.draw(st.sampled_from((0, 33, 66, 100)), label="swing"))
        dialog.ends_check.setChecked(data.draw(st.booleans(), label="ends"))
        dialog.accept()
    elif action == "transpose_dialog":
        dialog = TransposeDialog(roll)
        dialog.semitones_spin.setValue(data.draw(st.integers(-24, 24), label="semitones"))
        dialog.octaves_spin.setValue(data.draw(st.integers(-4, 4), label="octaves"))
        dialog.in_key_check.setChecked(data.draw(st.booleans(), label="in key"))
        dialog.accept()
    elif action == "velocity_dialog":
        dialog = VelocityDialog(roll)
        mode = data.draw(st.sampled_from(("set", "scale", "add")), label="mode")
        dialog.radios[mode].setChecked(True)
        spin = dialog.spins[mode]
        spin.setValue(data.draw(st.integers(spin.minimum(), spin.maximum()), label="amount"))
        dialog.humanize_spin.setValue(data.draw(st.sampled_from((0, 5, 64)), label="humanize"))
        dialog.accept()
    elif action == "legato":
        apply_legato(roll)
    elif action == "key_lock":
        roll.set_key_lock(not roll.key_lock())
    elif action == "undo":
        roll.undo_stack.undo()
    elif action == "redo":
        roll.undo_stack.redo()


def check_roll(roll: PianoRoll) -> None:
    """The roll's song is valid and its selection points at notes of the edited track."""
    assert_valid_song(roll.song(), min_velocity=1)
    count = len(melody(roll))
    assert all(0 <= i < count for i in roll.selected_indices())


def check_no_new_clash(before: Song, after: Song) -> None:
    """No note the edit made or changed starts inside another of its pitch in its track, or
    has one start inside it (``edit.settle_same_pitch``): the song would not save as it shows."""

    def ticks(note: Note) -> tuple[int, int]:
        return round(note.start * after.ticks_per_beat), round(note.end * after.ticks_per_beat)

    for index, track in enumerate(after.tracks):
        old = Counter(before.tracks[index].notes if index < len(before.tracks) else ())
        new = []
        for note in track.notes:
            new.append(old[note] == 0)
            old[note] -= 1
        for i, note in enumerate(track.notes):
            for j, other in enumerate(track.notes):
                if (new[i] or new[j]) and i != j and other.pitch == note.pitch:
                    (start, end), (other_start, _) = ticks(note), ticks(other)
                    assert not start < other_start < end, (note, other)


def saved_notes(song: Song) -> Counter:
    """The song's notes as a MIDI file holds them: note-on and note-off ticks, the track
    aside."""
    tpb = song.ticks_per_beat
    return Counter(
        (t.is_drum, n.pitch, round(n.start * tpb), round(n.end * tpb), n.velocity)
        for t in song.tracks
        for n in t.notes
    )


def saves_as_shown(song: Song) -> bool:
    """Whether the song, written as MIDI and read back, has the same notes."""
    return saved_notes(read_midi(midi_bytes(song))) == saved_notes(song)


@given(song=songs(), key=st.sampled_from(KEYS), data=st.data())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run and machine
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # qtbot: each example makes its own roll
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
def test_random_edits_undo_to_the_original_and_redo_to_the_end(qtbot, song, key, data):
    # A new roll and an empty clipboard: nothing of an earlier example (the last drawn length
    # and velocity, the scroll, the clipboard) may change this one, or it would not replay.
    QGuiApplication.clipboard().clear()
    roll = shown_roll(qtbot, song, "select")
    roll.set_song(song, key=key)
    clipboard = RollClipboard(roll, roll)
    stack = roll.undo_stack
    original = roll.song()
    assert original == song
    history = [original]  # the song after each undo step, as the stack should show it
    # a song that saves as it shows keeps doing so through every edit (random songs that
    # hold one note inside another of its pitch, or a zero-length note, do not to begin with)
    stable = saves_as_shown(original)
    for _ in range(data.draw(st.integers(1, STEPS), label="steps")):
        action = data.draw(st.sampled_from(ACTIONS), label="action")
        index, count, before = stack.index(), stack.count(), roll.song()
        act(data, roll, clipboard, action)
        check_roll(roll)
        if action == "undo":
            assert stack.index() == max(0, index - 1)
        elif action == "redo":
            assert stack.index() == min(count, index + 1)
        elif stack.index() == index:
            assert roll.song() == before, f"{action} changed the song without an undo step"
            continue
        else:
            assert stack.index() == index + 1, f"{action} made {stack.index() - index} steps"
            check_no_new_clash(before, roll.song())
            assert not stable or saves_as_shown(roll.song()), action
            del history[index + 1 :]
            history.append(roll.song())
        assert roll.song() == history[stack.index()], action
    final = history[stack.count()]
    while stack.canUndo():
        stack.undo()
        check_roll(roll)
        assert roll.song() == history[stack.index()]
    assert roll.song() == original
    while stack.canRedo():
        stack.redo()
        check_roll(roll)
        assert roll.song() == history[stack.index()]
    assert roll.song() == final
    roll.close()
