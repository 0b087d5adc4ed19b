"""The Ideas list in the window: the ▶ button of each card, dragging an idea out as a MIDI file,
adding an idea as a new track, and morphing two ideas (whole window, real model)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from conftest import need_audio
from PySide6.QtCore import QEvent, Qt, QUrl
from PySide6.QtGui import QAction, QColor, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QToolTip

from studio.core.midi_read import read_midi
from studio.core.mood import song_mood
from studio.core.theory import Key
from studio.gui.idea_card import IdeaDelegate
from studio.gui.ideas import MIDI_MIME, idea_file_name

LEFT, CTRL = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier


def first_ideas(window, qtbot):
    """The ideas list once the first run has filled it (4 ideas, seed 1207 on)."""
    qtbot.waitUntil(lambda: window.ideas.count() == 4, timeout=60_000)
    return window.ideas


def notes_of(song) -> list[tuple[int, float, float]]:
    return [(n.pitch, round(n.start, 3), round(n.duration, 3)) for n in song.notes]


def button_pixel(ideas, row: int) -> QColor:
    """The colour at a point of row ``row``'s button that ■ covers and ▶ does not."""
    rect = IdeaDelegate.button_rect(ideas.visualItemRect(ideas.item(row)))
    image = ideas.viewport().grab().toImage()
    centre_x, centre_y = rect.left() + rect.width() // 2, rect.top() + rect.height() // 2
    return image.pixelColor(centre_x + 3, centre_y - 3)


# -- the ▶ button ---------------------------------------------------------------------------


def test_the_play_button_plays_that_idea_and_leaves_the_editor_alone(window, qtbot, monkeypatch):
    ideas = first_ideas(window, qtbot)
    loaded, started = [], []
    monkeypatch.setattr(window.playback, "load", loaded.append)
    monkeypatch.setattr(window.playback, "play_from", started.append)
    song, undo_steps = window.piano_roll.song(), window.piano_roll.undo_stack.count()
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(0))

    with qtbot.waitSignal(ideas.playRequested) as played:
        qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.play_button_center(2))
    assert played.args == [2]
    assert loaded == [ideas.idea(2).song] and started == [0.0]
    assert window.piano_roll.song() is song  # the editor's song is not touched
    assert window.piano_roll.undo_stack.count() == undo_steps
    assert ideas.selected_rows() == [0]  # a click on ▶ keeps the selection (for Morph)

    with qtbot.assertNotEmitted(ideas.playRequested):  # the card itself selects, not plays
        qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(3))
    assert ideas.selected_rows() == [3]
    with qtbot.assertNotEmitted(ideas.openRequested):  # a double-click on ▶ does not open
        qtbot.mouseDClick(ideas.viewport(), LEFT, NONE, ideas.play_button_center(1))
    assert window.piano_roll.song() is song


def test_each_idea_card_shows_its_mood_chip_and_says_it(window, qtbot):
    ideas = first_ideas(window, qtbot)
    image = ideas.viewport().grab().toImage()
    for row in range(2):
        mood = ideas.idea(row).mood
        assert mood == song_mood(ideas.idea(row).song) and -1 <= mood.valence <= 1
        chip = IdeaDelegate.mood_rect(ideas.visualItemRect(ideas.item(row)))
        colours = {image.pixelColor(x, y).name() for x in range(chip.left(), chip.right())
                   for y in range(chip.top(), chip.bottom())}  # fmt: skip
        assert len(colours) > 4  # frame, axes and the dot, not a plain card
        point = chip.center()
        event = QHelpEvent(QEvent.Type.ToolTip, point, ideas.viewport().mapToGlobal(point))
        QToolTip.hideText()
        QApplication.sendEvent(ideas.viewport(), event)
        assert QToolTip.text().startswith(f"Mood: {mood.words} (valence")


def test_the_playing_idea_shows_stop_and_a_click_stops_it(window, qtbot):
    ideas = first_ideas(window, qtbot)
    highlighted_text = ideas.palette().color(QPalette.ColorRole.HighlightedText)
    assert button_pixel(ideas, 1) != highlighted_text  # ▶
    ideas.set_playing(ideas.idea(1))  # what the window does while the player plays it
    assert ideas.playing_row() == 1
    assert button_pixel(ideas, 1) == highlighted_text  # ■
    assert button_pixel(ideas, 2) != highlighted_text
    with qtbot.waitSignal(ideas.stopRequested), qtbot.assertNotEmitted(ideas.playRequested):
        qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.play_button_center(1))
    with qtbot.waitSignal(ideas.stopRequested):  # Space on the playing idea stops it too
        qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(1))
        ideas.setFocus()
        qtbot.keyClick(ideas, Qt.Key.Key_Space)
    ideas.set_ideas(ideas.ideas())  # new ideas: none of them plays
    assert ideas.playing_row() == -1


def test_play_and_stop_an_idea_on_the_real_player(window, qtbot):
    need_audio()
    ideas = first_ideas(window, qtbot)
    assert window.playback.available
    song = window.piano_roll.song()
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.play_button_center(1))
    qtbot.waitUntil(lambda: window.playback.player.is_playing, timeout=10_000)
    assert ideas.playing_row() == 1
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.play_button_center(1))  # ■
    qtbot.waitUntil(lambda: not window.playback.player.is_playing, timeout=10_000)
    qtbot.waitUntil(lambda: ideas.playing_row() == -1, timeout=10_000)
    assert window.piano_roll.song() is song


# -- dragging out -----------------------------------------------------------------------------


def test_a_dragged_idea_is_a_real_midi_file(window, qtbot):
    ideas = first_ideas(window, qtbot)
    idea = ideas.idea(1)
    data = ideas.mimeData([ideas.item(1)])
    urls = data.urls()
    assert len(urls) == 1 and urls[0].isLocalFile()
    path = Path(urls[0].toLocalFile())
    assert path.name == f"Idea 2 - seed {idea.seed} - {idea.key_name}.mid" == idea_file_name(idea)
    assert path.is_file()
    assert data.data(MIDI_MIME).data() == path.read_bytes()
    assert path.read_bytes()[:4] == b"MThd"
    assert notes_of(read_midi(path)) == notes_of(idea.song)

    both = ideas.mimeData([ideas.item(3), ideas.item(0)])  # several: one file each, in order
    names = [Path(url.toLocalFile()).name for url in both.urls()]
    assert names == [idea_file_name(ideas.idea(0)), idea_file_name(ideas.idea(3))]
    assert all(QUrl(url).isLocalFile() and Path(url.toLocalFile()).is_file() for url in both.urls())


def test_file_names_are_safe_for_any_title(window, qtbot):
    idea = first_ideas(window, qtbot).idea(0)
    name = idea_file_name(replace(idea, title="Morph 1/4 · 1207→1209", key_name="D minor"))
    assert name == "Morph 1-4 - 1207→1209 - D minor.mid"


# -- add as a new track -----------------------------------------------------------------------


def test_add_an_idea_as_a_new_track_is_one_undoable_step(window, qtbot, tmp_path):
    ideas = first_ideas(window, qtbot)
    roll = window.piano_roll
    before, before_track = roll.song(), roll.track_index()
    idea = ideas.idea(1)
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(1))
    action = ideas.findChild(QAction, "ideaAddTrack")
    assert action in ideas.actions()  # in the ideas' context menu
    action.trigger()

    after = roll.song()
    assert len(after.tracks) == len(before.tracks) + 1
    assert after.tracks[:-1] == before.tracks  # the song's own tracks are kept as they were
    new = after.tracks[-1]
    assert new.name == "Idea 2" and new.notes == idea.song.tracks[0].notes
    assert new.program not in {t.program for t in before.tracks}  # an instrument of its own
    assert roll.track_index() == len(after.tracks) - 1  # it is the edited track now
    assert after.tempos == before.tempos and after.key_signatures == before.key_signatures
    assert roll.undo_stack.undoText() == "Add Idea 2 as a track"
    assert window.export_midi(tmp_path / "two.mid")
    back = read_midi(tmp_path / "two.mid")
    assert [t.name for t in back.tracks if t.notes][-1] == "Idea 2"
    assert [t.program for t in back.tracks if t.notes][-1] == new.program

    roll.undo_stack.undo()
    assert roll.song() == before and roll.track_index() == before_track
    roll.undo_stack.redo()
    assert roll.song() == after


# -- morph ------------------------------------------------------------------------------------


def test_morph_needs_two_selected_ideas(window, qtbot):
    ideas = first_ideas(window, qtbot)
    morph = window.findChild(QAction, "actionMorph")
    assert morph in ideas.actions()  # in the ideas' context menu too
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(0))
    assert not morph.isEnabled()
    qtbot.mouseClick(ideas.viewport(), LEFT, CTRL, ideas.row_center(2))
    assert ideas.selected_rows() == [0, 2] and morph.isEnabled()
    qtbot.mouseClick(ideas.viewport(), LEFT, CTRL, ideas.row_center(3))
    assert not morph.isEnabled()  # three
    assert window.morph_ideas() is None  # and the method refuses too


def test_morph_two_ideas_from_the_menu(window, qtbot):
    ideas = first_ideas(window, qtbot)
    window.generate_panel.variations_spin.setValue(3)
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(0))
    qtbot.mouseClick(ideas.viewport(), LEFT, CTRL, ideas.row_center(2))
    start, end = ideas.idea(0), ideas.idea(2)
    morph = window.findChild(QAction, "actionMorph")
    assert morph.isEnabled()
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):
        morph.trigger()

    shown = ideas.ideas()
    assert len(shown) == 5 and shown[0] is start and shown[-1] is end  # the ends around them
    between = shown[1:-1]
    assert [i.title for i in between] == [
        f"Morph {k}/3 · {start.seed}→{end.seed}" for k in (1, 2, 3)
    ]
    key = Key.parse(start.key_name)
    for idea in between:  # the first one's settings and seed; only the latent noise moves
        assert (idea.key_name, idea.bars, idea.chords, idea.seed) == (
            start.key_name, start.bars, start.chords, start.seed)  # fmt: skip
        assert idea.notes and idea.melody.settings == start.melody.settings
        outside = [n for n in idea.notes if not key.contains(n.pitch % 12)]
        assert len(outside) <= 0.15 * len(idea.notes)  # key lock is off: the odd leading tone
    distance = [
        (np.linalg.norm(i.melody.latents - start.melody.latents),
         np.linalg.norm(i.melody.latents - end.melody.latents)) for i in between
    ]  # fmt: skip
    assert [d[0] for d in distance] == sorted(d[0] for d in distance)  # away from the start
    assert [d[1] for d in distance] == sorted((d[1] for d in distance), reverse=True)  # to the end
    pitches = [[n.pitch for n in i.notes] for i in (start, *between, end)]
    assert any(p not in (pitches[0], pitches[-1]) for p in pitches[1:-1])  # new melodies

    song = window.piano_roll.song()
    window.open_idea(2)  # an in-between opens in the editor like any idea, undoable
    assert notes_of(window.piano_roll.song()) == notes_of(between[1].song)
    window.piano_roll.undo_stack.undo()
    assert window.piano_roll.song() == song


def test_the_generate_menu(window, qtbot):
    first_ideas(window, qtbot)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Generate")
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    assert names == ["actionGenerate", "actionContinue", "actionRegenerate", "actionMorph",
                     "actionMoreLike"]  # fmt: skip
    assert window.findChild(QAction, "actionContinue").isEnabled()
    regenerate = window.findChild(QAction, "actionRegenerate")
    assert regenerate.isEnabled() and regenerate.shortcut().toString() == "Ctrl+R"
    shortcuts = [a.shortcut().toString() for a in window.findChildren(QAction)]
    assert shortcuts.count("Ctrl+R") == shortcuts.count("Ctrl+M") == 1  # no clash

    before = window.piano_roll.song()
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):  # Continue Melody: the button's
        window.findChild(QAction, "actionContinue").trigger()
    assert window.piano_roll.song().end > before.end
    window.piano_roll.undo_stack.undo()
    assert window.piano_roll.song() == before


def test_a_cancelled_morph_delivers_nothing(window, qtbot):
    ideas = first_ideas(window, qtbot)
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(0))
    qtbot.mouseClick(ideas.viewport(), LEFT, CTRL, ideas.row_center(1))
    with qtbot.waitSignal(window.worker.failed) as failed:
        request = window.morph_ideas()
        assert window.work_status.text() == "morphing…"
        qtbot.mouseClick(window.work_status.cancel_button, LEFT)
    assert failed.args == [request, "cancelled"]
    assert ideas.count() == 4
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(2))
    qtbot.mouseClick(ideas.viewport(), LEFT, CTRL, ideas.row_center(3))
    assert ideas.selected_rows() == [2, 3]
    start, end = ideas.idea(2), ideas.idea(3)
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):  # the worker runs in order:
        window.morph_ideas()  # when this one is done, the cancelled one was dropped
    titles = [idea.title for idea in ideas.ideas()]
    assert titles[0] == start.title and titles[-1] == end.title
    assert all(f"{start.seed}→{end.seed}" in title for title in titles[1:-1])
