"""Ideas that learn from you, in the window: ♥ and ✕ on the idea cards (clicks and Ctrl+L),
opening, adding, dragging out and exporting an idea keep it, "More like this" (M), and a
Generate ranked by what the profile kept — each stored in the real library file and read back
through a separate engine (whole window, real model)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QListWidget, QPushButton

from studio.engine import Engine
from studio.generation.idea_reading import melody_id
from studio.gui.card_painting import DISLIKE_COLOUR, LIKE_COLOUR
from studio.gui.idea_card import IdeaDelegate
from studio.gui.ideas import CLOSER_DISTANCE, LOOSER_DISTANCE
from studio.library.idea_reactions import idea_reactions
from studio.settings import load_settings, update_settings

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = CTRL | Qt.KeyboardModifier.ShiftModifier


def first_ideas(window, qtbot):
    """The ideas list once the first run has filled it (4 ideas)."""
    qtbot.waitUntil(lambda: window.ideas.count() == 4, timeout=60_000)
    return window.ideas


def stored(profile: str = "default") -> list[tuple[str, str]]:
    """(idea id, kind) of every idea reaction of ``profile`` in the user's library, oldest
    first, read by an engine of its own (another connection, as another process would)."""
    engine = Engine()
    try:
        if not engine.db_path.is_file():
            return []
        found = idea_reactions(engine.catalog, profile)
        return sorted(((r.idea, r.kind) for r in found), key=lambda pair: pair[1])
    finally:
        engine.close()


def kinds_of(idea, profile: str = "default") -> set[str]:
    """The kinds of reaction stored for ``idea``."""
    ident = melody_id(idea.melody)
    return {kind for found, kind in stored(profile) if found == ident}


def colours_in(ideas, row: int, kind: str) -> set[str]:
    """The colours painted in row ``row``'s ♥ or ✕ button."""
    rect = IdeaDelegate.area_rect(ideas.visualItemRect(ideas.item(row)), kind)
    image = ideas.viewport().grab().toImage()
    return {image.pixelColor(x, y).name() for x in range(rect.left(), rect.right())
            for y in range(rect.top(), rect.bottom())}  # fmt: skip


def click(qtbot, ideas, row: int, kind: str) -> None:
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.reaction_button_center(row, kind))


# -- ♥ and ✕ ----------------------------------------------------------------------------------


def test_a_click_on_the_heart_marks_the_idea_and_stores_it(window, qtbot):
    ideas = first_ideas(window, qtbot)
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(0))
    idea = ideas.idea(1)
    assert LIKE_COLOUR.name() not in colours_in(ideas, 1, "like")
    with qtbot.waitSignal(ideas.reactionRequested) as reacted:
        click(qtbot, ideas, 1, "like")
    assert reacted.args == [1, "like", True]
    assert ideas.mark(1) == "like" and ideas.mark(0) is None
    assert ideas.selected_rows() == [0]  # the click on ♥ leaves the selection alone
    assert LIKE_COLOUR.name() in colours_in(ideas, 1, "like")  # filled at once
    qtbot.waitUntil(lambda: kinds_of(idea) == {"like"}, timeout=10_000)

    click(qtbot, ideas, 1, "dislike")  # ✕ replaces ♥
    assert ideas.mark(1) == "dislike"
    assert DISLIKE_COLOUR.name() in colours_in(ideas, 1, "dislike")
    qtbot.waitUntil(lambda: kinds_of(idea) == {"dislike"}, timeout=10_000)

    with qtbot.waitSignal(ideas.reactionRequested) as reacted:
        click(qtbot, ideas, 1, "dislike")  # a second click takes it back
    assert reacted.args == [1, "dislike", False] and ideas.mark(1) is None
    qtbot.waitUntil(lambda: kinds_of(idea) == set(), timeout=10_000)
    assert window.piano_roll.song() is not None and window.ideas.count() == 4


def test_ctrl_l_marks_the_current_idea_when_the_list_has_the_focus(window, qtbot):
    ideas = first_ideas(window, qtbot)
    ideas.setFocus()
    ideas.setCurrentRow(2)
    qtbot.keyClick(ideas, Qt.Key.Key_L, CTRL)
    assert ideas.mark(2) == "like"
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(2)) == {"like"}, timeout=10_000)
    qtbot.keyClick(ideas, Qt.Key.Key_L, CTRL_SHIFT)
    assert ideas.mark(2) == "dislike"
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(2)) == {"dislike"}, timeout=10_000)
    assert [ideas.mark(row) for row in (0, 1, 3)] == [None, None, None]


# -- what keeps an idea -------------------------------------------------------------------------


def test_opening_adding_and_exporting_an_idea_keep_it(window, qtbot, tmp_path):
    ideas = first_ideas(window, qtbot)
    assert stored() == []  # the first run's idea in the editor was not the user's choice
    qtbot.mouseDClick(ideas.viewport(), LEFT, NONE, ideas.row_center(1))
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(1)) == {"open"}, timeout=10_000)
    assert window.export_midi(tmp_path / "kept.mid")
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(1)) == {"open", "export"}, timeout=10_000)

    ideas.setCurrentRow(3)
    ideas.add_track_action.trigger()
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(3)) == {"add"}, timeout=10_000)
    assert kinds_of(ideas.idea(0)) == kinds_of(ideas.idea(2)) == set()


def test_dragging_ideas_out_keeps_them(window, qtbot, monkeypatch):
    ideas = first_ideas(window, qtbot)

    def qt_drag(view, actions):  # what Qt's drag does before the drop: ask for the data
        view.mimeData(view.selectedItems())

    monkeypatch.setattr(QListWidget, "startDrag", qt_drag)
    qtbot.mouseClick(ideas.viewport(), LEFT, NONE, ideas.row_center(0))
    qtbot.mouseClick(ideas.viewport(), LEFT, CTRL, ideas.row_center(2))
    with qtbot.waitSignal(ideas.ideasDragged) as dragged:
        ideas.startDrag(Qt.DropAction.CopyAction)
    assert dragged.args == [[0, 2]]
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(2)) == {"export"}, timeout=10_000)
    assert kinds_of(ideas.idea(0)) == {"export"} and kinds_of(ideas.idea(1)) == set()


# -- more like this -----------------------------------------------------------------------------


def test_m_shows_the_idea_and_variations_near_it(window, qtbot):
    ideas = first_ideas(window, qtbot)
    window.generate_panel.variations_spin.setValue(3)
    origin = ideas.idea(1)
    ideas.setFocus()
    ideas.setCurrentRow(1)
    assert window.more_like_action.isEnabled()
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):
        qtbot.keyClick(ideas, Qt.Key.Key_M)

    shown = ideas.ideas()
    assert len(shown) == 4 and shown[0] is origin
    variations = shown[1:]
    assert [v.title.split(" · ")[0] for v in variations] == ["Idea 2.1", "Idea 2.2", "Idea 2.3"]
    for variation in variations:
        assert (variation.bars, variation.key_name, variation.meter, variation.form) == (
            origin.bars, origin.key_name, origin.meter, origin.form)  # fmt: skip
        assert variation.chords == origin.chords  # the same plan: form and chords
        assert variation.melody.like is not None and variation.melody.like[1] == 0.4
        assert variation.notes != origin.notes  # but other notes
    assert len({v.notes for v in variations}) == 3


def test_more_like_this_is_in_the_context_menu_and_the_generate_menu(window, qtbot):
    ideas = first_ideas(window, qtbot)
    assert ideas.more_like_action in ideas.actions()
    ideas.setCurrentRow(2)
    origin = ideas.idea(2)
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):
        window.more_like_action.trigger()  # Generate ▸ More Like This Idea (Ctrl+M)
    assert ideas.idea(0) is origin
    assert ideas.count() == 1 + window.generate_panel.variations_spin.value()


# -- a Generate ranked by the profile's taste ---------------------------------------------------


def test_generate_is_ranked_once_ideas_are_kept_and_preferences_turn_it_off(window, qtbot):
    ideas = first_ideas(window, qtbot)
    generate = window.generate_panel.findChild(QPushButton, "generateButton")
    for row in (0, 2):
        click(qtbot, ideas, row, "like")
    liked = [ideas.idea(0), ideas.idea(2)]
    qtbot.waitUntil(lambda: len(stored()) == 2, timeout=10_000)

    window.generate_panel.variations_spin.setValue(4)
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):
        qtbot.mouseClick(generate, LEFT)
    message = window.statusBar().currentMessage()
    assert "4 ideas picked for default from 16, by the 2 ideas kept so far" in message
    shown = ideas.ideas()
    assert len(shown) == 4 and any(idea.reason for idea in shown)
    first = ideas.item(0).toolTip()
    assert ("For you: " in first) == bool(shown[0].reason)

    update_settings({"rank_ideas": False})
    assert load_settings()[0]["rank_ideas"] is False
    window.generate_panel.seed_lock.setChecked(True)
    window.generate_panel.seed_spin.setValue(liked[0].seed)
    window.statusBar().clearMessage()
    with qtbot.waitSignal(window.ideasReady, timeout=60_000):
        qtbot.mouseClick(generate, LEFT)
    shown = ideas.ideas()
    assert [idea.seed for idea in shown] == [liked[0].seed + i for i in range(4)]  # unranked
    assert all(idea.reason == "" for idea in shown)
    assert "picked for" not in window.statusBar().currentMessage()
    assert shown[0].notes == liked[0].notes and ideas.mark(0) == "like"  # the ♥ shows again
    assert shown[2].notes == liked[1].notes and ideas.mark(2) == "like"
    assert ideas.mark(1) is None


# -- profiles -----------------------------------------------------------------------------------


def test_each_profile_has_its_own_marks_and_the_cards_follow_a_switch(window, qtbot):
    ideas = first_ideas(window, qtbot)
    profiles = window.library.profiles
    qtbot.waitUntil(lambda: profiles.current() == "default", timeout=30_000)
    click(qtbot, ideas, 1, "like")
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(1)) == {"like"}, timeout=10_000)

    profiles.createRequested.emit("Ana")
    qtbot.waitUntil(lambda: profiles.combo.findData("Ana") >= 0, timeout=10_000)
    profiles.switchRequested.emit("Ana")
    qtbot.waitUntil(lambda: ideas.mark(1) is None, timeout=10_000)  # Ana has not marked it
    assert profiles.current() == "Ana"
    click(qtbot, ideas, 2, "dislike")
    qtbot.waitUntil(lambda: kinds_of(ideas.idea(2), "Ana") == {"dislike"}, timeout=10_000)
    assert kinds_of(ideas.idea(2)) == set()  # not the default profile's

    profiles.switchRequested.emit("default")
    qtbot.waitUntil(lambda: ideas.mark(1) == "like" and ideas.mark(2) is None, timeout=10_000)


def test_closer_variations_keep_more_of_the_idea_than_looser_ones(window, qtbot):
    ideas = first_ideas(window, qtbot)
    panel = window.generate_panel
    panel.variations_spin.setValue(16)  # one variation strays more or less: compare the means
    panel.seed_spin.setValue(500)  # a typed seed locks it: the same draws of noise each time
    assert panel.seed_locked
    origin = ideas.idea(0)
    ideas.setCurrentRow(0)

    def steps(idea) -> list[int]:  # the pitch sounding at each sixteenth (-1: a rest)
        return [next((n.pitch for n in idea.notes if n.start <= t / 4 < n.end), -1)
                for t in range(int(idea.beats * 4))]  # fmt: skip

    def shared(variation) -> float:
        pairs = list(zip(steps(origin), steps(variation), strict=True))
        return sum(a == b for a, b in pairs) / len(pairs)

    shares = {}
    for name in ("ideaMoreLikeCloser", "ideaMoreLikeLooser"):
        action = ideas.findChild(QAction, name)
        assert action in ideas.actions()  # in the context menu
        ideas.setCurrentRow(0)
        with qtbot.waitSignal(window.ideasReady, timeout=60_000):
            action.trigger()
        assert ideas.idea(0) is origin and ideas.count() == 17
        variations = ideas.ideas()[1:]
        assert {v.melody.like[1] for v in variations} == {CLOSER_DISTANCE if "Closer" in name
                                                          else LOOSER_DISTANCE}  # fmt: skip
        shares[name] = sum(map(shared, variations)) / len(variations)
    assert shares["ideaMoreLikeCloser"] > shares["ideaMoreLikeLooser"]
