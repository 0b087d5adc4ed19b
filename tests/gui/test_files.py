"""Files in the window: the generation settings saved in the MIDI file, File ▸ Open Recent, and
the track selector of multi-track files."""

from __future__ import annotations

import io

import mido
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QLineEdit, QMenu, QPushButton

from studio.core.midi_read import read_midi
from studio.core.midi_write import write_midi
from studio.core.music import KeySignature, Note, Song, TempoChange, Track
from studio.core.song_settings import TAG, settings_of
from studio.core.theory import Key
from studio.gui.recent_files import (
    MAX_RECENT,
    add_recent_file,
    clear_recent_files,
    recent_files,
)

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier


def notes_of(song: Song) -> list[tuple[int, float, float, int]]:
    return [(n.pitch, round(n.start, 3), round(n.duration, 3), n.velocity) for n in song.notes]


def wait_for_first_song(window, qtbot) -> None:
    qtbot.waitUntil(lambda: len(window.piano_roll.song().notes) > 0, timeout=30_000)


def draw_note(roll, beat: float, pitch: int) -> None:
    """Click with the draw tool on the cell at ``beat`` and ``pitch`` (scrolled into view)."""
    roll.set_tool("draw")
    roll.ensure_visible(beat, pitch)
    point = QPoint(int(roll.beat_to_x(beat + 0.1)), int(roll.pitch_to_y(pitch)))
    QTest.mouseClick(roll.note_area(), LEFT, NONE, point)


# -- generation settings in the file --------------------------------------------------------


def test_a_saved_idea_reopens_with_its_key_and_chords(window, qtbot, tmp_path):
    wait_for_first_song(window, qtbot)
    roll = window.piano_roll
    key, chords, song = roll.key(), roll.chords(), roll.song()
    assert key is not None and chords  # the first melody shows its key and chords
    window.path = tmp_path / "x.mid"
    assert window.save()
    stored = settings_of(read_midi(tmp_path / "x.mid"))
    assert (stored.key, stored.chords, stored.seed, stored.bars) == (key.name, chords, 1207, 8)

    window.new_song()
    assert (roll.key(), roll.chords(), roll.song().notes) == (None, (), ())
    assert window.open_path(tmp_path / "x.mid")
    assert roll.key() == key
    assert roll.chords() == chords
    assert notes_of(roll.song()) == notes_of(song)

    # Key lock works in the reopened key: a click on a row outside it lands in the key.
    roll.set_key_lock(True)
    outside = next(p for p in range(60, 72) if not key.contains(p))
    beat = roll.song().end + 4
    draw_note(roll, beat, outside)
    added = [n for n in roll.song().notes if n.start >= beat]
    assert len(added) == 1 and key.contains(added[0].pitch)


def test_an_opened_idea_brings_its_settings_and_undo_takes_them_back(window, qtbot, tmp_path):
    wait_for_first_song(window, qtbot)
    roll = window.piano_roll
    first_key, first_chords = roll.key(), roll.chords()
    key, chords = ("F# minor", "F#m Bm C# F#m") if first_key.tonic != 6 else ("C", "C F G C")
    window.generate_panel.set_key(Key.parse(key))
    window.findChild(QLineEdit, "chordsEdit").setText(chords)
    with qtbot.waitSignal(window.ideasReady, timeout=30_000):
        qtbot.mouseClick(window.findChild(QPushButton, "generateButton"), LEFT)
    idea = window.ideas.idea(0)
    window.open_idea(0)
    assert roll.key() == Key.parse(idea.key_name) != first_key
    assert roll.chords() == tuple(idea.chords) != first_chords
    window.path = tmp_path / "idea.mid"
    assert window.save()
    assert settings_of(read_midi(window.path)).seed == idea.seed
    roll.undo_stack.undo()
    assert (roll.key(), roll.chords()) == (first_key, first_chords)
    roll.undo_stack.redo()
    assert (roll.key(), roll.chords()) == (Key.parse(idea.key_name), tuple(idea.chords))


def _third_party_bytes() -> bytes:
    midi = mido.MidiFile(type=1, ticks_per_beat=96)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name="Their song"))
    conductor.append(mido.MetaMessage("text", text="Sequenced with SomeSequencer 3.1"))
    conductor.append(mido.MetaMessage("text", text=TAG + '{"v":1,"key":'))  # damaged
    conductor.append(mido.MetaMessage("key_signature", key="E"))
    melody = mido.MidiTrack()
    for i, pitch in enumerate((64, 66, 68)):
        melody.append(mido.Message("note_on", note=pitch, velocity=80, time=0))
        melody.append(mido.MetaMessage("text", text=f"verse {i}", time=0))
        melody.append(mido.Message("note_off", note=pitch, velocity=0, time=96))
    midi.tracks.extend([conductor, melody])
    buffer = io.BytesIO()
    midi.save(file=buffer)
    return buffer.getvalue()


def test_a_third_party_file_with_text_events_opens_and_saves_its_texts(window, qtbot, tmp_path):
    path = tmp_path / "theirs.mid"
    path.write_bytes(_third_party_bytes())
    assert window.open_path(path)
    roll = window.piano_roll
    assert [n.pitch for n in roll.song().notes] == [64, 66, 68]
    assert (roll.key(), roll.chords()) == (None, ())  # as before: no settings, no key shading
    assert roll.song().key_signature == KeySignature(0.0, 4, "major")  # the file's own key
    assert window.save()
    again = read_midi(path)
    assert again.text_events == ("Sequenced with SomeSequencer 3.1",)  # the damaged one: gone
    assert notes_of(again) == notes_of(roll.song())


# -- Open Recent ------------------------------------------------------------------------------


def test_the_recent_list_is_most_recent_first_without_duplicates(tmp_path):
    settings = QSettings(str(tmp_path / "recent.ini"), QSettings.Format.IniFormat)
    assert recent_files(settings) == []
    add_recent_file(tmp_path / "one.mid", settings)
    assert recent_files(settings) == [tmp_path / "one.mid"]  # a one-item list stays a list
    for i in range(12):
        add_recent_file(tmp_path / f"{i}.mid", settings)
    add_recent_file(tmp_path / "5.mid", settings)
    paths = recent_files(settings)
    assert len(paths) == MAX_RECENT
    assert [p.name for p in paths] == ["5.mid", "11.mid", "10.mid", "9.mid", "8.mid", "7.mid",
                                       "6.mid", "4.mid", "3.mid", "2.mid"]  # fmt: skip
    clear_recent_files(settings)
    assert recent_files(settings) == []


def _show_recent_menu(window) -> QMenu:
    menu = window.findChild(QMenu, "menuRecent")
    menu.popup(window.mapToGlobal(QPoint(40, 40)))  # aboutToShow fills it
    return menu


def test_open_recent_lists_opened_and_saved_files_and_opens_one(window, qtbot, tmp_path):
    clear_recent_files()
    songs = {}
    for name, pitch in (("a.mid", 60), ("b.mid", 62), ("c.mid", 64)):
        songs[name] = Song((Track((Note(pitch, 0, 1),), name="Melody"),))
        write_midi(songs[name], tmp_path / name)
    for name in ("a.mid", "b.mid", "c.mid", "a.mid"):
        assert window.open_path(tmp_path / name)
    window.path = tmp_path / "saved.mid"
    assert window.save()
    (tmp_path / "b.mid").unlink()

    menu = _show_recent_menu(window)
    entries = [a for a in menu.actions() if a.objectName().startswith("actionRecent")]
    assert [a.text() for a in entries] == ["&1 saved.mid", "&2 a.mid", "&3 c.mid",
                                           "&4 b.mid (missing)"]  # fmt: skip
    assert [a.isEnabled() for a in entries] == [True, True, True, False]
    menu.hide()

    menu.findChild(QAction, "actionRecent3").trigger()
    assert window.path == tmp_path / "c.mid"
    assert [n.pitch for n in window.piano_roll.song().notes] == [64]
    assert recent_files()[0] == tmp_path / "c.mid"

    menu = _show_recent_menu(window)
    menu.findChild(QAction, "actionClearRecent").trigger()
    menu.hide()
    assert recent_files() == []
    menu = _show_recent_menu(window)
    assert not [a for a in menu.actions() if a.objectName().startswith("actionRecent")]
    menu.hide()


# -- the track selector -----------------------------------------------------------------------


def _band(tmp_path):
    """A 4-track file: violin, drums, cello, flute."""
    song = Song(
        (
            Track((Note(76, 0, 1), Note(79, 1, 1)), program=40, name="Violin"),
            Track((Note(36, 0, 0.5), Note(38, 1, 0.5)), is_drum=True, name="Drums"),
            Track((Note(48, 0, 2),), program=42, name="Cello"),
            Track((Note(72, 2, 1),), program=73),
        ),
        tempos=(TempoChange(0, 100),),
    )  # fmt: skip
    path = tmp_path / "band.mid"
    write_midi(song, path)
    return path


def test_the_track_selector_picks_the_edited_track_and_undo_follows(window, qtbot, tmp_path):
    assert window.open_path(_band(tmp_path))
    roll = window.piano_roll
    opened = roll.song()
    combo = window.findChild(QComboBox, "trackCombo")
    qtbot.waitUntil(combo.isVisible)  # the toolbar lays out the shown selector on its next pass
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "1 · Violin (41)", "3 · Cello (43)", "4 · Flute (74)"]  # fmt: skip
    assert (combo.currentIndex(), roll.track_index()) == (0, 0)

    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert roll.track_index() == 2  # the cello
    assert roll.undo_stack.count() == 0  # choosing a track is not an edit
    draw_note(roll, 8, 50)
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert roll.track_index() == 3  # the flute
    draw_note(roll, 8, 74)
    song = roll.song()
    assert [n.pitch for n in song.tracks[2].notes] == [48, 50]
    assert [n.pitch for n in song.tracks[3].notes] == [72, 74]
    assert song.tracks[0] == opened.tracks[0] and song.tracks[1] == opened.tracks[1]

    roll.undo_stack.undo()  # the flute's note, on the flute
    assert roll.track_index() == 3 and combo.currentText() == "4 · Flute (74)"
    assert roll.song().tracks[3] == opened.tracks[3]
    roll.undo_stack.undo()  # the cello's note: the roll goes back to the cello
    assert roll.track_index() == 2 and combo.currentText() == "3 · Cello (43)"
    assert roll.song() == opened
    roll.undo_stack.redo()
    assert [n.pitch for n in roll.song().tracks[2].notes] == [48, 50]

    qtbot.keyClick(combo, Qt.Key.Key_Up)
    assert roll.track_index() == 0
    draw_note(roll, 8, 81)  # edits go to the violin now
    assert [n.pitch for n in roll.song().tracks[0].notes] == [76, 79, 81]
    assert [n.pitch for n in roll.song().tracks[2].notes] == [48, 50]


def test_the_track_selector_hides_for_one_pitched_track(window, qtbot, tmp_path):
    assert window.open_path(_band(tmp_path))
    combo = window.findChild(QComboBox, "trackCombo")
    qtbot.waitUntil(combo.isVisible)
    path = tmp_path / "solo.mid"
    write_midi(Song((Track((Note(60, 0, 1),)), Track((Note(36, 0, 1),), is_drum=True))), path)
    assert window.open_path(path)
    qtbot.waitUntil(lambda: not combo.isVisible())
    with pytest.raises(IndexError):
        window.piano_roll.set_track(5)
