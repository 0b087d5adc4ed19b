"""The library pane over a real catalog: rows, sorting and search off the GUI thread, selection
across snapshots, the signals of double-click, Enter, the ♥ cell and the context menu, missing
tracks, indexing progress and unreadable files, column choice, drops."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, QPointF, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QMouseEvent,
    QPalette,
)
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMessageBox, QPushButton, QTreeWidget

from studio.core.midi_write import write_midi
from studio.core.music import KeySignature, Note, Song, TempoChange, Track
from studio.core.theory import Key
from studio.gui.library_columns import COLUMNS_KEY
from studio.gui.library_model import COLUMNS
from studio.gui.library_pane import LibraryPane
from studio.library import feedback
from studio.library.catalog import Catalog
from studio.library.indexer import index_folders
from studio.library.table import library_rows

TUNES = [  # title, key, BPM
    ("Devil's Dream", "A", 120), ("Bride of Kildare", "G", 112),
    ("Jesu, meine Freude", "Em", 76), ("Farewell to Erin", "Am", 118),
    ("Niel Gow", "Dm", 104), ("Flowers of Limerick", "Dm", 121),
    ("Camp Meeting", "F", 132), ("Café Órla", "C", 90), ("Gone Tune", "Gm", 100),
]  # fmt: skip
MINOR = {"Jesu, meine Freude", "Farewell to Erin", "Niel Gow", "Flowers of Limerick",
         "Gone Tune (missing)"}  # fmt: skip


def tune(title: str, key_name: str, bpm: float) -> Song:
    """Two bars of a stepwise melody in ``key_name`` at ``bpm``, with the key stated."""
    key = Key.parse(key_name)
    scale = key.scale_pitches(60, 84)
    notes = tuple(Note(scale[i % 8], i * 0.5, 0.5, 90) for i in range(16))
    return Song((Track(notes, name="melody"),), tempos=(TempoChange(0, bpm),),
                key_signatures=(KeySignature(0, key.tonic, key.mode),), title=title)  # fmt: skip


@pytest.fixture
def catalog(tmp_path):
    """A real catalog of the tunes above, one of them missing, one file unreadable."""
    folder = tmp_path / "music"
    folder.mkdir()
    for number, (title, key, bpm) in enumerate(TUNES):
        write_midi(tune(title, key, bpm), folder / f"{number:02d}.mid")
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    with Catalog(tmp_path / "library.sqlite") as opened:
        opened.skipped = index_folders(opened, [folder], workers=1).skipped
        (folder / f"{len(TUNES) - 1:02d}.mid").unlink()  # "Gone Tune" vanishes
        index_folders(opened, [folder], workers=1)
        opened.folder = folder
        yield opened


@pytest.fixture
def pane(qtbot, user_dirs, catalog):
    """The pane showing the catalog's rows (order computed and shown)."""
    widget = LibraryPane()
    qtbot.addWidget(widget)
    widget.resize(460, 420)
    widget.show()
    widget.set_rows(library_rows(catalog, "default"))
    qtbot.waitUntil(lambda: widget.rows() is not None)
    yield widget
    widget.model.wait()


def titles(pane: LibraryPane) -> list[str]:
    model = pane.model
    return [model.data(model.index(row, 0)) for row in range(model.rowCount())]


def track_id(catalog: Catalog, title: str) -> int:
    """The id of the track titled ``title`` ("broken": the unreadable file's)."""
    return next(t.id for t in catalog.tracks()
                if t.title == title or (title == "broken" and t.status == "error"))  # fmt: skip


def click_row(qtbot, pane: LibraryPane, title: str, column: str = "title", double=False):
    row = titles(pane).index(title)
    index = pane.model.index(row, COLUMNS.index(column))
    pane.view.scrollTo(index)
    point = pane.view.visualRect(index).center()
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    if double:  # a double-click's second press
        qtbot.mouseDClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def click_header(qtbot, pane: LibraryPane, column: str) -> None:
    header = pane.view.horizontalHeader()
    section = COLUMNS.index(column)
    x = header.sectionViewportPosition(section) + header.sectionSize(section) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(x, header.height() // 2))  # fmt: skip


def search(qtbot, pane: LibraryPane, text: str) -> None:
    pane.search.clear()
    qtbot.keyClicks(pane.search, text)


def test_rows_appear_by_title_with_the_count_and_default_columns(pane, catalog):
    assert titles(pane) == ["Bride of Kildare", "broken", "Café Órla", "Camp Meeting",
                            "Devil's Dream",
                            "Farewell to Erin", "Flowers of Limerick", "Gone Tune (missing)",
                            "Jesu, meine Freude", "Niel Gow"]  # fmt: skip
    assert pane.findChild(QObject, "libraryCount").text() == "10 tracks"
    shown = [name for c, name in enumerate(COLUMNS) if not pane.view.isColumnHidden(c)]
    assert shown == ["title", "duration", "tempo", "key", "mood", "reaction"]
    model, row = pane.model, titles(pane).index("Niel Gow")
    assert model.data(model.index(row, COLUMNS.index("key"))) == "D minor"
    mood = model.index(row, COLUMNS.index("mood"))
    assert model.data(mood) == ""  # the chip alone; the words in its tooltip
    assert "Mood: " in model.data(mood, Qt.ItemDataRole.ToolTipRole)
    chip = model.data(mood, Qt.ItemDataRole.DecorationRole)
    assert chip is not None and chip.width() >= 16
    broken = model.index(titles(pane).index("broken"), COLUMNS.index("mood"))
    assert model.data(broken) == "" and model.data(broken, Qt.ItemDataRole.DecorationRole) is None
    assert model.data(model.index(row, COLUMNS.index("tempo"))) == "104"
    assert model.data(model.index(row, 0), Qt.ItemDataRole.UserRole) == track_id(
        catalog, "Niel Gow"
    )
    assert model.data(model.index(row, 0), Qt.ItemDataRole.ToolTipRole).endswith("04.mid")


def test_header_clicks_sort_by_tempo_off_the_gui_thread(qtbot, pane):
    tempo = {title: bpm for title, _, bpm in TUNES}
    click_header(qtbot, pane, "tempo")
    by_tempo = sorted(tempo, key=tempo.get)
    shown = lambda: [t.removesuffix(" (missing)") for t in titles(pane)]  # noqa: E731
    qtbot.waitUntil(lambda: shown() == [*by_tempo, "broken"])  # unknown tempo last
    click_header(qtbot, pane, "tempo")  # again: descending
    qtbot.waitUntil(lambda: shown() == [*by_tempo[::-1], "broken"])
    header = pane.view.horizontalHeader()
    assert header.sortIndicatorSection() == COLUMNS.index("tempo")
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder


def test_the_search_box_filters_as_you_type(qtbot, pane):
    count = pane.findChild(QObject, "libraryCount")
    search(qtbot, pane, "minor")
    qtbot.waitUntil(lambda: set(titles(pane)) == MINOR)
    assert count.text() == "5 of 10"
    search(qtbot, pane, "D minor")
    qtbot.waitUntil(lambda: titles(pane) == ["Flowers of Limerick", "Niel Gow"])
    search(qtbot, pane, "100-120")
    qtbot.waitUntil(lambda: titles(pane) == ["Bride of Kildare", "Devil's Dream",
                                             "Farewell to Erin", "Gone Tune (missing)",
                                             "Niel Gow"])  # fmt: skip
    search(qtbot, pane, "gow")
    qtbot.waitUntil(lambda: titles(pane) == ["Niel Gow"])
    search(qtbot, pane, "CAFE orla")  # case and accents aside
    qtbot.waitUntil(lambda: titles(pane) == ["Café Órla"])
    search(qtbot, pane, "no such tune")
    qtbot.waitUntil(lambda: titles(pane) == [])
    assert count.text() == "0 of 10"
    assert pane.findChild(QObject, "libraryStatus").text() == "No track matches the search."
    qtbot.keyClick(pane.search, Qt.Key.Key_Escape)
    assert pane.search.text() == ""
    qtbot.waitUntil(lambda: len(titles(pane)) == 10)
    assert count.text() == "10 tracks"


def test_a_mood_picked_on_the_map_filters_the_library(qtbot, pane, catalog):
    rows = library_rows(catalog, "default")
    jesu = rows.row_of(track_id(catalog, "Jesu, meine Freude"))
    point = (float(rows.valence[jesu]), float(rows.arousal[jesu]))
    search(qtbot, pane, "tune")
    menu = pane.mood_button.menu()
    menu.popup(pane.mood_button.mapToGlobal(QPoint(0, pane.mood_button.height())))
    qtbot.waitExposed(pane.mood_map)
    qtbot.mouseClick(pane.mood_map, Qt.MouseButton.LeftButton,
                     pos=pane.mood_map.point_of(*point).toPoint())  # fmt: skip
    assert pane.search.text().startswith("tune mood:")  # the typed words stay
    token = pane.search.text().split()[-1]
    near = {rows.title[r] for r in rows.view(token)}
    assert "Jesu, meine Freude" in near and len(near) < 10
    search(qtbot, pane, token)
    qtbot.waitUntil(lambda: {t.removesuffix(" (missing)") for t in titles(pane)} == near)
    assert pane.mood_button.text() == "Mood ●"
    clear = pane.findChild(QAction, "libraryMoodClear")
    clear.trigger()
    assert pane.search.text() == "" and pane.mood_map.mood() is None
    qtbot.waitUntil(lambda: len(titles(pane)) == 10)
    menu.hide()


def test_a_rectangle_dragged_on_the_mood_map_filters_to_the_moods_inside(qtbot, pane, catalog):
    rows = library_rows(catalog, "default")
    menu = pane.mood_button.menu()
    menu.popup(pane.mood_button.mapToGlobal(QPoint(0, pane.mood_button.height())))
    qtbot.waitExposed(pane.mood_map)
    mood_map = pane.mood_map
    start, end = mood_map.point_of(-1.0, 1.0).toPoint(), mood_map.point_of(0.0, -1.0).toPoint()
    qtbot.mousePress(mood_map, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 7):  # a real drag: moves with the button held
        here = start + (end - start) * step / 6
        at = QPointF(here)
        move = QMouseEvent(QEvent.Type.MouseMove, at, mood_map.mapToGlobal(at),
                           Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)  # fmt: skip
        QApplication.sendEvent(mood_map, move)
    qtbot.mouseRelease(mood_map, Qt.MouseButton.LeftButton, pos=end)
    region = mood_map.region()
    assert region is not None and mood_map.mood() is None
    low_v, low_a, high_v, high_a = region
    assert low_v == pytest.approx(-1.0, abs=0.05) and high_v == pytest.approx(0.0, abs=0.05)
    assert low_a == pytest.approx(-1.0, abs=0.05) and high_a == pytest.approx(1.0, abs=0.05)
    token = pane.search.text()
    assert token.startswith("mood:") and token.count(":") == 2  # two corners
    dark = {rows.title[r] for r in range(len(rows)) if rows.valence[r] <= high_v}
    qtbot.waitUntil(lambda: {t.removesuffix(" (missing)") for t in titles(pane)} == dark)
    assert 0 < len(dark) < 10 and pane.mood_button.text() == "Mood ●"
    qtbot.keyClick(mood_map, Qt.Key.Key_Delete)
    assert pane.search.text() == "" and mood_map.picked() is None
    qtbot.waitUntil(lambda: len(titles(pane)) == 10)
    menu.hide()


def test_selection_and_scroll_survive_a_new_snapshot(qtbot, pane, catalog):
    pane.resize(460, 200)  # a few rows visible: the table scrolls
    qtbot.waitUntil(lambda: pane.view.verticalScrollBar().maximum() > 0)
    changes = []
    pane.currentTrackChanged.connect(changes.append)
    click_row(qtbot, pane, "Jesu, meine Freude")
    jesu = track_id(catalog, "Jesu, meine Freude")
    assert changes == [jesu] and pane.current_track() == jesu
    scroll = pane.view.verticalScrollBar().value()
    assert scroll > 0
    old = pane.rows()
    feedback.record(catalog, track_id(catalog, "Niel Gow"), "like", profile="default")
    pane.set_rows(library_rows(catalog, "default"))
    qtbot.waitUntil(lambda: pane.rows() is not old)
    assert pane.current_track() == jesu and pane.selected_tracks() == [jesu]
    assert pane.view.verticalScrollBar().value() == scroll
    assert changes == [jesu]  # the same track stayed current: no signal
    model, row = pane.model, titles(pane).index("Niel Gow")
    assert model.data(model.index(row, COLUMNS.index("reaction"))) == "♥"


def test_a_new_order_keeps_the_selection_by_track(qtbot, pane, catalog):
    click_row(qtbot, pane, "Camp Meeting")
    click_header(qtbot, pane, "tempo")
    qtbot.waitUntil(lambda: titles(pane)[0] == "Jesu, meine Freude")
    camp = track_id(catalog, "Camp Meeting")
    assert pane.current_track() == camp and pane.selected_tracks() == [camp]
    assert pane.view.currentIndex().row() == titles(pane).index("Camp Meeting")


def test_double_click_and_enter_play_the_track(qtbot, pane, catalog):
    gow = track_id(catalog, "Niel Gow")
    with qtbot.waitSignal(pane.playRequested) as played:
        click_row(qtbot, pane, "Niel Gow", double=True)
    assert played.args == [gow]
    click_row(qtbot, pane, "Camp Meeting")
    pane.view.setFocus()
    with qtbot.waitSignal(pane.playRequested) as played:
        qtbot.keyClick(pane.view, Qt.Key.Key_Return)
    assert played.args == [track_id(catalog, "Camp Meeting")]


def test_a_click_on_the_heart_cell_likes_a_track_not_liked_yet(qtbot, pane, catalog):
    gow = track_id(catalog, "Niel Gow")
    with qtbot.waitSignal(pane.reactionRequested) as reacted:
        click_row(qtbot, pane, "Niel Gow", column="reaction")
    assert reacted.args == [gow, "like"]
    feedback.record(catalog, gow, "like", profile="default")
    old = pane.rows()
    pane.set_rows(library_rows(catalog, "default"))
    qtbot.waitUntil(lambda: pane.rows() is not old)
    reactions = []
    pane.reactionRequested.connect(lambda *args: reactions.append(args))
    click_row(qtbot, pane, "Niel Gow", column="reaction")
    assert reactions == []  # liked already (a dislike from the menu undoes it)


def test_context_menu_actions_emit_their_signals(qtbot, pane, catalog, monkeypatch):
    gow = track_id(catalog, "Niel Gow")
    row = titles(pane).index("Niel Gow")
    point = pane.view.visualRect(pane.model.index(row, 0)).center()
    viewport = pane.view.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=point)
    # the platform follows a right-click with a context-menu event (QTest does not)
    QApplication.sendEvent(
        viewport,
        QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point, viewport.mapToGlobal(point)),
    )
    qtbot.waitUntil(lambda: any(m.isVisible() for m in pane.findChildren(QMenu)))
    menu = next(m for m in pane.findChildren(QMenu) if m.isVisible())
    assert [a.objectName() for a in menu.actions() if not a.isSeparator()] == [
        "libraryPlay", "libraryOpen", "librarySimilar", "libraryLike", "libraryDislike",
        "libraryReveal", "libraryCopyPath", "libraryRemove"]  # fmt: skip
    menu.close()
    assert pane.current_track() == gow  # the row under the pointer became current

    def action(name: str) -> QAction:
        return pane.findChild(QAction, name)

    for name, signal, args in (
        ("libraryPlay", pane.playRequested, [gow]),
        ("libraryOpen", pane.openRequested, [gow]),
        ("librarySimilar", pane.similarRequested, [gow]),
        ("libraryLike", pane.reactionRequested, [gow, "like"]),
        ("libraryDislike", pane.reactionRequested, [gow, "dislike"]),
    ):  # fmt: skip
        with qtbot.waitSignal(signal) as emitted:
            action(name).trigger()
        assert emitted.args == args, name

    action("libraryCopyPath").trigger()
    path = str(catalog.folder / "04.mid")
    assert QGuiApplication.clipboard().text() == path

    class Opener(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.urls.append(url.toLocalFile())

    opener = Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        action("libraryReveal").trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opener.urls == [str(catalog.folder)]

    removed = []
    pane.removeRequested.connect(removed.append)
    action("libraryRemove").trigger()
    box = pane.findChild(QMessageBox, "libraryRemoveConfirm")
    assert box.isVisible() and "stay on disk" in box.informativeText()
    assert removed == []  # not before the answer
    qtbot.mouseClick(box.findChild(QPushButton, "libraryRemoveYes"), Qt.MouseButton.LeftButton)
    assert removed == [[gow]]


def test_delete_asks_to_remove_every_selected_track(qtbot, pane, catalog):
    click_row(qtbot, pane, "Bride of Kildare")
    row = titles(pane).index("Camp Meeting")
    point = pane.view.visualRect(pane.model.index(row, 0)).center()
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ShiftModifier, point)  # fmt: skip
    qtbot.keyClick(pane.view, Qt.Key.Key_Delete)
    box = pane.findChild(QMessageBox, "libraryRemoveConfirm")
    assert "4 tracks" in box.text()
    with qtbot.waitSignal(pane.removeRequested) as removed:
        qtbot.mouseClick(box.findChild(QPushButton, "libraryRemoveYes"),
                         Qt.MouseButton.LeftButton)  # fmt: skip
    assert removed.args == [
        [track_id(catalog, t) for t in ("Bride of Kildare", "broken", "Café Órla", "Camp Meeting")]
    ]


def test_missing_and_unreadable_tracks_are_greyed_and_a_missing_one_plays(qtbot, pane, catalog):
    model, row = pane.model, titles(pane).index("Gone Tune (missing)")
    index = model.index(row, 0)
    grey = QGuiApplication.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert model.data(index, Qt.ItemDataRole.ForegroundRole).color() == grey
    broken = model.index(titles(pane).index("broken"), 0)
    assert model.data(broken, Qt.ItemDataRole.ForegroundRole).color() == grey
    assert "cannot be read: " in model.data(broken, Qt.ItemDataRole.ToolTipRole)
    ok = model.index(titles(pane).index("Niel Gow"), 0)
    assert model.data(ok, Qt.ItemDataRole.ForegroundRole) is None
    assert "missing" in model.data(index, Qt.ItemDataRole.ToolTipRole)
    with qtbot.waitSignal(pane.playRequested) as played:
        click_row(qtbot, pane, "Gone Tune (missing)", double=True)
    gone = next(t.id for t in catalog.tracks() if t.status == "missing")
    assert played.args == [gone]


def test_progress_then_the_unread_files_and_their_reasons(qtbot, pane, catalog):
    status = pane.findChild(QObject, "libraryStatus")
    progress = pane.findChild(QObject, "libraryProgress")
    pane.show_progress(1204, 2003, "")
    assert status.text() == "Indexing… 1,204 / 2,003" and progress.isVisible()
    assert not pane.rescan_button.isEnabled()
    pane.show_problems(catalog.skipped)
    pane.show_idle()
    assert not progress.isVisible() and pane.rescan_button.isEnabled()
    assert status.text() == "1 file could not be read —"
    qtbot.mouseClick(pane.findChild(QPushButton, "libraryProblemsButton"),
                     Qt.MouseButton.LeftButton)  # fmt: skip
    dialog = pane.findChild(QDialog, "indexProblemsDialog")
    assert dialog.isVisible()
    listing = dialog.findChild(QTreeWidget, "indexProblemsList")
    item = listing.topLevelItem(0)
    assert listing.topLevelItemCount() == 1 and item.text(0).endswith("broken.mid")
    assert item.text(1) == catalog.skipped[0][1] and item.text(1)
    dialog.close()
    pane.show_problems([])
    assert status.text() == ""


def test_the_header_menu_shows_columns_and_remembers_them(qtbot, pane, user_dirs):
    plays = COLUMNS.index("plays")
    assert pane.view.isColumnHidden(plays)
    pane.findChild(QAction, "libraryColumn_plays").trigger()
    assert not pane.view.isColumnHidden(plays)
    pane.findChild(QAction, "libraryColumn_tempo").trigger()
    assert "plays" in QSettings().value(COLUMNS_KEY)
    again = LibraryPane()
    qtbot.addWidget(again)
    assert not again.view.isColumnHidden(plays)
    assert again.view.isColumnHidden(COLUMNS.index("tempo"))


def test_buttons_and_dropped_folders(qtbot, pane, catalog, tmp_path):
    with qtbot.waitSignal(pane.addFolderRequested):
        qtbot.mouseClick(pane.findChild(QPushButton, "addFolderButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(pane.rescanRequested):
        qtbot.mouseClick(pane.findChild(QPushButton, "rescanButton"), Qt.MouseButton.LeftButton)
    (tmp_path / "notes.txt").write_text("not music")
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(catalog.folder)),
                  QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])  # fmt: skip
    events = (QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, data,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier),
              QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, data,
                         Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))  # fmt: skip
    with qtbot.waitSignal(pane.foldersDropped) as dropped:
        for event in events:
            QApplication.sendEvent(pane, event)
    assert events[0].isAccepted()
    assert dropped.args == [[str(catalog.folder)]]  # the text file is left out
    text_only = QMimeData()
    text_only.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    refused = QDragEnterEvent(
        QPoint(20, 20),
        Qt.DropAction.CopyAction,
        text_only,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(pane, refused)
    assert not refused.isAccepted()


def test_select_track_clears_a_search_that_hides_it(qtbot, pane, catalog):
    search(qtbot, pane, "gow")
    qtbot.waitUntil(lambda: titles(pane) == ["Niel Gow"])
    camp = track_id(catalog, "Camp Meeting")
    pane.select_track(camp)
    assert pane.search.text() == ""
    qtbot.waitUntil(lambda: pane.current_track() == camp)
    assert len(titles(pane)) == 10 and pane.selected_tracks() == [camp]


def test_the_newest_request_wins(qtbot, pane):
    resets = []
    pane.model.modelReset.connect(lambda: resets.append(titles(pane)))
    pane.model.request(query="gow")
    pane.model.request(query="minor")
    qtbot.waitUntil(lambda: not pane.model.busy())
    assert [set(shown) for shown in resets] == [MINOR]
