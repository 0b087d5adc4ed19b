"""The Similar and For-you panes and the profile menu: real widgets, real RankedTrack rows (by
hand, and from a real demo catalog), real mouse and key events."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QToolTip

from studio.core.midi_read import read_midi
from studio.core.music import Song
from studio.engine import Engine
from studio.gui.for_you_pane import COLD_START, ForYouPane
from studio.gui.profile_menu import ProfileCombo, forget_text, name_problem
from studio.gui.similar_pane import EMPTY, HINT, SimilarPane
from studio.gui.suggestion_card import SuggestionDelegate
from studio.gui.suggestion_list import DISLIKE, LIKE, PLAY, SuggestionList
from studio.gui.suggestion_model import MOOD_ROLE, REACTION_ROLE, bar_fraction
from studio.library.catalog import CatalogTrack
from studio.library.ranked import RankedTrack

LEFT, RIGHT = Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton
NONE = Qt.KeyboardModifier.NoModifier
USER = Qt.ItemDataRole.UserRole
TOOLTIP = Qt.ItemDataRole.ToolTipRole


def catalog_track(track_id: int, title: str | None, **fields) -> CatalogTrack:
    """A catalog row as the catalog would return it."""
    values = dict(
        id=track_id, path=f"/music/{track_id}.mid".encode(),
        display_path=f"/music/tune {track_id}.mid", content_hash=f"h{track_id}", size=1000,
        mtime_ns=0, title=title, duration_seconds=185.0, tempo=104.0, time_signature="4/4",
        key_stated=None, key_estimated="D minor", programs=[0], note_count=200, pitch_low=60,
        pitch_high=84, density=2.0, status="ok", error=None, indexed_at=0.0,
    )  # fmt: skip
    values.update(fields)
    return CatalogTrack(**values)


def ranked(track_id: int, score: float = 0.8, *, passage: tuple[float, float] | None = None,
           title: str | None = None) -> RankedTrack:  # fmt: skip
    """A ranked track with the reasons the similarity service gives."""
    reasons = ["sounds alike overall (0.80 similarity)", "same key (D minor)"]
    if passage is not None:
        reasons = ["a passage matches: bars 5–8 (0.91 similarity)", "same key (D minor)"]
    track = catalog_track(track_id, title if title is not None else f"Tune {track_id}")
    return RankedTrack(track_id, score, reasons, match_beats=passage, track=track)


@pytest.fixture
def similar(qtbot):
    pane = SimilarPane()
    qtbot.addWidget(pane)
    pane.resize(340, 520)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


@pytest.fixture
def for_you(qtbot):
    pane = ForYouPane()
    qtbot.addWidget(pane)
    pane.resize(340, 520)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def tooltip_at(view: SuggestionList, point: QPoint) -> str:
    """The tooltip the list shows for a hover at ``point`` (viewport coordinates)."""
    QToolTip.hideText()
    event = QHelpEvent(QEvent.Type.ToolTip, point, view.viewport().mapToGlobal(point))
    QApplication.sendEvent(view.viewport(), event)
    return QToolTip.text()


def click(qtbot, view: SuggestionList, point: QPoint, button=LEFT) -> None:
    qtbot.mouseClick(view.viewport(), button, NONE, point)


# -- rows -----------------------------------------------------------------------------------


def test_rows_expose_the_track_id_and_the_reasons(similar):
    rows = [ranked(7), ranked(3, passage=(16.0, 32.0)), ranked(9, title="")]
    similar.set_results(rows, "track")
    view = similar.list
    assert view.objectName() == "similarList" and similar.objectName() == "similarPane"
    model = view.model()
    assert [model.index(r).data(USER) for r in range(3)] == [7, 3, 9]
    for row, item in enumerate(rows):
        tooltip = model.index(row).data(TOOLTIP)
        assert all(reason in tooltip for reason in item.reasons)
    assert model.index(0).data() == "Tune 7"
    assert model.index(2).data() == "tune 9"  # no title: the file name without extension
    assert not similar.state.isVisible()


def test_a_card_shows_the_track_s_mood_chip_and_says_it(similar, qtbot):
    calm_dark = replace(ranked(4), track=catalog_track(4, "Lament", valence=-0.6, arousal=-0.5))
    similar.set_results([calm_dark, ranked(5)], "track")  # the second has no mood
    view = similar.list
    model = view.model()
    assert model.index(0).data(MOOD_ROLE) == (-0.6, -0.5) and model.index(1).data(MOOD_ROLE) is None
    picture = view.viewport().grab().toImage()
    chips = [SuggestionDelegate.mood_rect(view.visualRect(model.index(r))) for r in (0, 1)]
    dot = chips[0].center() + QPoint(-4, 3)  # calm and dark: left of and below the centre
    assert picture.pixelColor(dot).blue() > picture.pixelColor(dot).red() + 30  # a blue dot
    assert picture.pixelColor(chips[1].center() + QPoint(-4, 3)) == picture.pixelColor(
        chips[1].center() + QPoint(-8, 6)
    )  # no chip: plain card
    assert tooltip_at(view, chips[0].center()).startswith("Mood: calm and dark (valence -0.60")


def test_the_score_bar_is_the_cosine_clamped_to_0_1():
    assert bar_fraction(0.87) == pytest.approx(0.87)
    assert bar_fraction(1.001) == 1.0 and bar_fraction(-0.2) == 0.0
    assert bar_fraction(float("nan")) == 0.0


def test_play_like_and_dislike_buttons_emit_the_rows_track(similar, qtbot):
    similar.set_results([ranked(7), ranked(3), ranked(5)], "track", {})
    view = similar.list
    click(qtbot, view, view.row_center(0))
    assert view.selected_track_ids() == [7]

    with qtbot.waitSignal(similar.playRequested) as played:
        click(qtbot, view, view.button_center(1, PLAY))
    assert played.args == [3, 0.0]
    with qtbot.waitSignal(view.reactionRequested) as liked:
        click(qtbot, view, view.button_center(2, LIKE))
    assert liked.args == [5, "like"]
    assert view.model().index(2).data(REACTION_ROLE) == 1  # the ♥ fills at once
    with qtbot.waitSignal(similar.reactionRequested) as disliked:
        click(qtbot, view, view.button_center(1, DISLIKE))
    assert disliked.args == [3, "dislike"]
    assert view.model().index(1).data(REACTION_ROLE) == -1
    with qtbot.assertNotEmitted(view.reactionRequested):  # a filled ♥ would count twice
        click(qtbot, view, view.button_center(2, LIKE))
    assert view.selected_track_ids() == [7]  # the buttons leave the selection alone


def test_a_passage_match_plays_from_the_passage_and_its_reason_shows_it(similar, qtbot):
    similar.set_results([ranked(4), ranked(8, passage=(16.0, 32.0))], "passage")
    view = similar.list
    with qtbot.waitSignal(view.playRequested) as played:
        click(qtbot, view, view.button_center(1, PLAY))
    assert played.args == [8, 16.0]
    assert view.passage_center(0) is None  # no passage match, no link
    with qtbot.waitSignal(similar.showPassageRequested) as shown:
        click(qtbot, view, view.passage_center(1))
    assert shown.args == [8]
    with qtbot.assertNotEmitted(view.showPassageRequested):  # the rest of the line is no link
        click(qtbot, view, view.row_center(0))


def test_the_playing_track_shows_stop_and_a_click_stops_it(similar, qtbot):
    similar.set_results([ranked(1), ranked(2)], "track")
    view = similar.list

    def button_pixel(row: int):  # a point that ■ covers and ▶ does not
        rect = SuggestionDelegate.button_rect(view.visualRect(view.model().index(row)), PLAY)
        centre = rect.center()
        return view.viewport().grab().toImage().pixelColor(centre.x() + 3, centre.y() - 3)

    highlight = view.palette().color(QPalette.ColorRole.Highlight)
    assert button_pixel(1).lightness() <= highlight.lighter(115).lightness()  # ▶: the button
    view.set_playing(2)
    assert button_pixel(1).lightness() > 200  # ■: the light square
    with qtbot.waitSignal(view.stopRequested), qtbot.assertNotEmitted(view.playRequested):
        click(qtbot, view, view.button_center(1, PLAY))
    view.set_playing(None)
    with qtbot.waitSignal(view.playRequested):
        click(qtbot, view, view.button_center(1, PLAY))


def test_double_click_and_the_context_menu(for_you, qtbot):
    for_you.set_results([ranked(11), ranked(12), ranked(13)])
    view = for_you.list
    with qtbot.waitSignal(for_you.openRequested) as opened:
        qtbot.mouseDClick(view.viewport(), LEFT, NONE, view.row_center(2))
    assert opened.args == [13]
    with qtbot.assertNotEmitted(view.openRequested):  # a double-click on ▶ only plays
        qtbot.mouseDClick(view.viewport(), LEFT, NONE, view.button_center(0, PLAY))

    click(qtbot, view, view.row_center(1), RIGHT)  # a right click makes the row current
    assert view.current_track_id() == 12
    assert not view.passage_action.isEnabled()  # no passage in this row
    with qtbot.waitSignal(for_you.moreLikeThisRequested) as more:
        view.more_action.trigger()
    assert more.args == [12]
    assert for_you.seed_track() == 12 and "like Tune 12" in for_you.header.text()
    with qtbot.waitSignal(view.reactionRequested) as liked:
        view.like_action.trigger()
    assert liked.args == [12, "like"]


def test_the_same_tracks_again_keep_selection_and_scroll(similar, qtbot):
    view = similar.list
    ids = list(range(100, 130))
    similar.set_results([ranked(i, 0.9 - i / 1000) for i in ids], "track")
    view.scrollTo(view.model().index(15), SuggestionList.ScrollHint.PositionAtTop)
    click(qtbot, view, view.row_center(16))
    scroll = view.verticalScrollBar().value()
    assert scroll > 0 and view.selected_track_ids() == [116]

    # The list refreshes after a reaction: new objects, new scores, the same tracks.
    similar.set_results([ranked(i, 0.5) for i in ids], "track", {116: 1})
    assert view.verticalScrollBar().value() == scroll
    assert view.selected_track_ids() == [116] and view.current_track_id() == 116
    assert view.model().index(16).data(REACTION_ROLE) == 1

    # A track above goes (a disliked one is held back): the view keeps its top track.
    top = view.track_id(view.indexAt(QPoint(4, 4)).row())
    similar.set_results([ranked(i) for i in ids if i != 102], "track")
    assert view.track_id(view.indexAt(QPoint(4, 4)).row()) == top
    assert view.selected_track_ids() == [116]


def test_keys_play_and_open_the_current_track(for_you, qtbot):
    for_you.set_results([ranked(21), ranked(22, passage=(8.0, 24.0))])
    view = for_you.list
    click(qtbot, view, view.row_center(1))
    with qtbot.waitSignal(view.playRequested) as played:
        qtbot.keyClick(view, Qt.Key.Key_Space)
    assert played.args == [22, 8.0]
    with qtbot.waitSignal(view.openRequested) as opened:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert opened.args == [22]


# -- the Similar pane -------------------------------------------------------------------------


def test_similar_pane_says_what_it_shows(similar, qtbot):
    assert similar.state.text() == HINT and similar.state.isVisible()
    similar.show_for_track("Niel Gow")
    similar.show_busy()
    assert similar.header.text() == "Similar to: Niel Gow"
    similar.set_results([], "track")
    assert similar.state.text() == EMPTY
    similar.show_error("the library file is damaged")
    assert similar.state.text() == "the library file is damaged"
    similar.set_results([ranked(1)], "track")
    assert not similar.state.isVisible()

    with qtbot.waitSignal(similar.melodyRequested):
        qtbot.mouseClick(similar.melody_button, LEFT)
    assert similar.melody_button.objectName() == "likeMyMelodyButton"
    assert similar.header.text() == "Similar to: my melody"


def test_auto_asks_once_after_edits_stop(similar, qtbot):
    asked = []
    similar.melodyRequested.connect(lambda: asked.append(True))
    assert similar.auto_check.objectName() == "similarAutoCheck" and similar.auto_check.isChecked()
    for _ in range(4):  # 2 s of edits, each restarting the wait: nothing yet
        similar.melody_edited()
        qtbot.wait(500)
    assert asked == []
    with qtbot.waitSignal(similar.melodyRequested, timeout=5000):
        similar.melody_edited()
    assert asked == [True]
    assert similar.header.text() == "Similar to: my melody"

    qtbot.mouseClick(similar.auto_check, LEFT)  # off: edits ask nothing
    assert not similar.auto_check.isChecked()
    with qtbot.assertNotEmitted(similar.melodyRequested, wait=2000):
        similar.melody_edited()


# -- the For-you pane -------------------------------------------------------------------------


def test_for_you_cold_start_and_refresh(for_you, qtbot):
    for_you.set_profile("Ana", 1)
    assert for_you.header.text() == "For you — Ana"
    assert for_you.cold_start.isVisible() and for_you.cold_start.text() == COLD_START
    for_you.set_profile("Ana", 12)
    assert not for_you.cold_start.isVisible()
    assert for_you.list.objectName() == "forYouList" and for_you.objectName() == "forYouPane"

    for_you.set_results([ranked(5), ranked(6)])
    for_you.list.setCurrentIndex(for_you.list.model().index(1))
    for_you.list.more_action.trigger()
    assert for_you.seed_track() == 6
    with qtbot.waitSignal(for_you.refreshRequested):
        qtbot.mouseClick(for_you.refresh_button, LEFT)
    assert for_you.seed_track() is None and for_you.header.text() == "For you — Ana"


# -- real results from a real catalog ---------------------------------------------------------


def first_bars(song: Song, beats: float) -> Song:
    """``song`` cut to its notes that end by ``beats`` (a melody of a few bars)."""
    tracks = tuple(replace(t, notes=tuple(n for n in t.notes if n.end <= beats))
                   for t in song.tracks)  # fmt: skip
    return replace(song, tracks=tracks)


def test_real_similar_results_from_the_demo_library(similar, qtbot, tmp_path):
    with Engine(db_path=tmp_path / "library.sqlite") as engine:
        engine.prepare_library()
        ids = sorted(row[0] for row in engine.catalog.execute("SELECT id FROM tracks"))
        by_track = engine.similar_to(ids[0], top=8)
        path = os.fsdecode(engine.catalog.get(ids[1]).path)
        by_melody = engine.similar_to(first_bars(read_midi(path), 32.0), top=8)
    similar.set_results(by_track.ranked, by_track.mode)
    view = similar.list
    assert view.model().rowCount() == len(by_track.ranked) > 0
    for row, item in enumerate(by_track.ranked):
        assert view.model().index(row).data(USER) == item.track_id
        assert view.model().index(row).data(TOOLTIP) == "\n".join(item.reasons)

    similar.set_results(by_melody.ranked, by_melody.mode)
    assert by_melody.mode == "passage" and by_melody.ranked[0].track_id == ids[1]
    match = by_melody.ranked[1]
    with qtbot.waitSignal(view.playRequested) as played:
        click(qtbot, view, view.button_center(1, PLAY))
    assert played.args == [match.track_id, match.match_beats[0]]
    with qtbot.waitSignal(similar.showPassageRequested) as shown:
        click(qtbot, view, view.passage_center(1))
    assert shown.args == [match.track_id]


# -- the profile menu -------------------------------------------------------------------------


@pytest.fixture
def profiles(qtbot):
    menu = ProfileCombo()
    qtbot.addWidget(menu)
    menu.set_profiles("Ana", {"default": 0, "Ana": 37, "Ben": 4})
    menu.show()
    qtbot.waitExposed(menu)
    return menu


def choose(qtbot, menu: ProfileCombo, text: str) -> None:
    """Open the combo's list and click the item ``text``, as a user does."""
    combo = menu.combo
    combo.showPopup()
    view = combo.view()
    qtbot.waitExposed(view)
    row = combo.findText(text)
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), LEFT, NONE, rect.center())


def test_switch_profile(profiles, qtbot):
    assert profiles.combo.objectName() == "profileCombo"
    assert profiles.combo.currentText() == "Ana"
    with qtbot.waitSignal(profiles.switchRequested) as switched:
        choose(qtbot, profiles, "Ben")
    assert switched.args == ["Ben"]
    with qtbot.assertNotEmitted(profiles.switchRequested):
        profiles.set_profiles("Ben", {"default": 0, "Ana": 37, "Ben": 4})
    assert profiles.combo.currentText() == "Ben"


def test_new_profile_checks_the_name_then_asks(profiles, qtbot):
    choose(qtbot, profiles, "New profile…")
    dialog = profiles.new_dialog
    assert dialog is not None and dialog.isVisible()
    assert profiles.combo.currentText() == "Ana"  # the action item does not stay shown
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    field = profiles.name_field()
    qtbot.keyClicks(field, "ana")
    assert not ok.isEnabled() and "already a profile 'Ana'" in dialog.labelText()
    field.clear()
    qtbot.keyClicks(field, "Chris")
    assert ok.isEnabled()
    with qtbot.waitSignal(profiles.createRequested) as created:
        qtbot.mouseClick(ok, LEFT)
    assert created.args == ["Chris"]


def test_name_rule():
    assert name_problem("Chris", ["Ana"]) == ""
    assert name_problem("", []) and name_problem(" Ana", []) and name_problem("a/b", [])
    assert name_problem("x" * 41, []) and name_problem("ANA", ["Ana"])


def test_forget_profile_says_what_is_deleted(profiles, qtbot):
    choose(qtbot, profiles, "Forget this profile…")
    box = profiles.forget_box
    assert box is not None and box.isVisible()
    assert box.text() == ("Forget Ana: 37 reactions and plays will be deleted. The library and its"
                          " files are not touched.")  # fmt: skip
    with qtbot.assertNotEmitted(profiles.forgetRequested):
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), LEFT)

    choose(qtbot, profiles, "Forget this profile…")
    box = profiles.forget_box
    forget = next(b for b in box.buttons() if b.objectName() == "forgetProfileButton")
    with qtbot.waitSignal(profiles.forgetRequested) as forgotten:
        qtbot.mouseClick(forget, LEFT)
    assert forgotten.args == ["Ana"]
    assert forget_text("Ben", 1).startswith("Forget Ben: 1 reaction or play will be deleted.")
