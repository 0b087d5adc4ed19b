"""The library side of the window: the Library pane, Similar and For you, the profile menu, and
what listening to library tracks teaches the recommender.

``LibraryController`` owns two workers of its own besides the window's generation worker, each
with its own engine (one SQLite connection per thread): ``reads`` serves the quick requests
(table snapshots, similar, recommend, feedback, profiles, a track's song) and ``writes`` the long
ones (index, rescan, the first run's demo library), so a click on ♥ is recorded and the lists
refresh while a folder is being indexed. A timer polls the library's version, so tracks that
another process (or the indexer) commits appear within a couple of seconds.

Every reaction (♥, ✕, a play or a skip) is a ``feedback`` request; when it is stored, the
For you list, the profile's counts and the table's reactions are asked for again. Reactions to
generated ideas (♥, ✕, open, add, export) are ``idea_reaction`` requests on the same worker
(``record_idea``); while another program holds the library they are tried again every few
seconds as long as the window is open.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from platformdirs import user_state_path
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from studio.core.fileio import atomic_write_bytes
from studio.core.music import Song
from studio.engine import Engine
from studio.gui.for_you_pane import ForYouPane
from studio.gui.library_pane import LibraryPane
from studio.gui.listening import Listening
from studio.gui.profile_menu import ProfileCombo
from studio.gui.similar_pane import SimilarPane
from studio.gui.waiting_reactions import RETRY_MS, WaitingReactions, is_busy
from studio.gui.worker import CANCELLED, WorkerClient

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow

_log = logging.getLogger(__name__)
TOP = 20
"""How many similar tracks and suggestions the lists show."""
POLL_MS = 2000
"""How often the library's version is checked (another process may change it)."""
SELECTION_DELAY_MS = 250
"""A moment after the library's selection settles, its similar tracks are asked for."""
AUTO_FOLLOW_NOTES = 100_000
"""Similar's "auto" follows the editor's song up to this many notes (see ``_melody_edited``)."""


class LibraryController(QObject):
    """Connects the library panes to their workers (see the module doc).

    Signals: ``libraryChanged()`` (a new table snapshot is shown), ``similarReady()``,
    ``suggestionsReady()`` (the Similar or For you list was filled), ``similarFailed(str)``,
    ``suggestionsFailed(str)`` (the list shows this error instead).
    """

    libraryChanged = Signal()
    similarReady = Signal()
    suggestionsReady = Signal()
    similarFailed = Signal(str)
    suggestionsFailed = Signal(str)

    def __init__(
        self, window: MainWindow, engine_factory: Callable[[], Engine] | None = None
    ) -> None:
        """Build the panes (the window places them) and start the two library workers;
        ``engine_factory`` builds their engines (default: the user's library)."""
        super().__init__(window)
        self.window = window
        factory = engine_factory or Engine
        self.reads = WorkerClient(factory, self, load_models=False, name="libraryReads")
        self.writes = WorkerClient(factory, self, load_models=False, name="libraryWrites")
        self.pane, self.similar = LibraryPane(window), SimilarPane(window)
        self.for_you, self.profiles = ForYouPane(window), ProfileCombo(window)
        self._requests: dict[tuple[str, int], tuple[str, object]] = {}  # (worker, id) → kind
        self._rows = None  # the LibraryRows shown
        self._version: tuple | None = None
        self._writes: list[int] = []  # the indexing requests not ended yet, oldest first
        self._rebuild_offered = False
        self._similar: dict[int, object] = {}  # track id → the RankedTrack shown in Similar
        self._similar_asked = 0  # the number of the latest similar question
        self._listening: Listening | None = None
        self._listening_song: Song | None = None
        self._listening_started = False  # the player said "playing" since the track started
        self.editor_track: int | None = None
        """The library track the editor's song was opened from (exports count for it)."""
        self.editor_idea: object | None = None
        """The generated idea (its melody) the editor's song was opened from (exports keep
        it)."""
        self.similar_off: str | None = None
        """Why similar tracks and suggestions are off (their model is missing or damaged)."""
        self._poll = QTimer(self, interval=POLL_MS, timeout=self._check_version)
        self._selection = QTimer(self, singleShot=True, interval=SELECTION_DELAY_MS)
        self._selection.timeout.connect(self._similar_to_selection)
        for name, worker in (("reads", self.reads), ("writes", self.writes)):  # ids: per worker
            worker.finished.connect(lambda i, result, n=name: self._finished((n, i), result))
            worker.failed.connect(lambda i, message, n=name: self._failed((n, i), message))
        self.writes.progress.connect(self._progress)
        self._connect_panes()
        self.reads.start()
        self.writes.start()
        self.waiting = WaitingReactions(lambda payload: self._read("feedback", payload, payload),
                                        self)  # fmt: skip
        self.waiting.changed.connect(self._show_waiting)
        self.waiting.start()

    # -- wiring -------------------------------------------------------------------------------

    def _connect_panes(self) -> None:
        pane, window = self.pane, self.window
        pane.addFolderRequested.connect(self.choose_folder)
        pane.foldersDropped.connect(self.add_paths)
        pane.rescanRequested.connect(self.rescan)
        pane.cancelRequested.connect(self.cancel_indexing)
        pane.removeRequested.connect(lambda ids: self._read("remove_tracks", {"ids": list(ids)}))
        pane.playRequested.connect(lambda track: self.play(track, 0.0))
        pane.openRequested.connect(self.open_in_editor)
        pane.similarRequested.connect(self.show_similar)
        pane.currentTrackChanged.connect(lambda _track: self._selection.start())
        pane.reactionRequested.connect(self.react)
        for suggestions in (self.similar, self.for_you):
            suggestions.playRequested.connect(self.play)
            suggestions.stopRequested.connect(window.playback.stop)
            suggestions.reactionRequested.connect(self.react)
            suggestions.openRequested.connect(self.open_in_editor)
        self.similar.moreLikeThisRequested.connect(self.show_similar)
        self.similar.melodyRequested.connect(self.similar_to_melody)
        self.similar.showPassageRequested.connect(self.show_passage)
        self.for_you.moreLikeThisRequested.connect(
            lambda track: self._read("recommend", {"top": TOP, "seed_track": track}))  # fmt: skip
        self.for_you.refreshRequested.connect(self.refresh_suggestions)
        self.profiles.switchRequested.connect(
            lambda name: self._read("use_profile", {"name": name}))  # fmt: skip
        self.profiles.createRequested.connect(
            lambda name: self._read("create_profile", {"name": name}))  # fmt: skip
        self.profiles.forgetRequested.connect(
            lambda name: self._read("forget_profile", {"name": name, "delete": False}))  # fmt: skip
        window.piano_roll.songChanged.connect(self._melody_edited)
        window.playback.positionChanged.connect(self._position)
        window.playback.stateChanged.connect(self._playback_state)

    @property
    def ready(self) -> bool:
        """Whether the table shows the library as it is: no indexing runs and no newer
        snapshot is on its way."""
        pending = any(kind == "library_rows" for kind, _ in self._requests.values())
        shown = self._rows is not None and self.pane.rows() is self._rows  # sorted off-thread
        return shown and not self._writes and not pending

    def start(self) -> None:
        """Show the library: on a first run the demo library is indexed (after the model
        loaded, so the first ideas come before the indexing work), then the lists fill."""
        self._write("prepare_library", {})
        unfinished = _unfinished_indexing()
        if any(os.path.exists(p) for p in unfinished):  # closed or killed while indexing:
            self.window.statusBar().showMessage("Resuming the indexing of the last session", 8000)
            self.add_paths([p for p in unfinished if os.path.exists(p)])  # go on where it stopped
        self._read("profiles", {})
        self.refresh()
        self._poll.start()

    def stop(self) -> None:
        """End listening (it is recorded) and stop the workers (at window close)."""
        self._poll.stop()
        self._finish_listening()
        self.reads.stop()
        self.writes.stop()

    # -- requests -----------------------------------------------------------------------------

    def _read(self, kind: str, payload: dict, context: object = None) -> int:
        if not self.reads.running:  # the window is closing (a late timer): nothing to do
            return -1
        if self.similar_off and kind in ("similar", "recommend"):  # their model cannot load
            self._say_off(kind)
            return -1
        request_id = self.reads.submit(kind, payload)
        self._requests["reads", request_id] = (kind, context)
        return request_id

    def _write(self, kind: str, payload: dict) -> int:
        if not self.writes.running:
            return -1
        request_id = self.writes.submit(kind, payload)
        self._requests["writes", request_id] = (kind, None)
        self._writes.append(request_id)
        if kind == "index":
            roots = [*payload["folders"], *payload.get("files", [])]
            _remember_indexing([*_unfinished_indexing(), *roots])
        self.pane.show_progress(0, 0, "preparing the library…" if kind != "index"
                                else "indexing…")  # fmt: skip
        return request_id

    def refresh(self) -> None:
        """Ask for a new table snapshot and new suggestions."""
        self._read("library_rows", {})
        self.refresh_suggestions()

    def refresh_suggestions(self) -> None:
        """Ask for the For you list again (with its seed track, if "More like this" set one)."""
        seed = self.for_you.seed_track()
        self._read("recommend", {"top": TOP} if seed is None else {"top": TOP, "seed_track": seed})

    def _check_version(self) -> None:
        if not self.reads.busy:  # a snapshot on its way will carry the version anyway
            self._read("library_version", {})

    # -- what the user does -------------------------------------------------------------------

    def choose_folder(self) -> None:
        """Library ▸ Add Folder…: pick a folder and index it."""
        folder = QFileDialog.getExistingDirectory(self.window, "Add a folder of MIDI files")
        if folder:
            self.add_folder(folder)

    def add_folder(self, path: str | os.PathLike) -> int:
        """Index a folder in the background (progress and Cancel in the pane); returns the
        request id."""
        return self._write("index", {"folders": [os.fspath(path)]})

    def add_paths(self, paths: list) -> int:
        """Index the folders and MIDI files dropped on the window; returns the request id
        (-1 when there was nothing to index)."""
        folders = [p for p in paths if os.path.isdir(p)]
        files = [p for p in paths if os.path.isfile(p)]
        if not folders and not files:
            return -1
        return self._write("index", {"folders": folders, "files": files})

    def rescan(self) -> int:
        """Look at the library's folders again: new, changed, moved and vanished files."""
        return self._write("rescan", {})

    def react_to_current(self, kind: str) -> None:
        """Library ▸ Like / Dislike: the library track playing, else the one selected."""
        track = self._listening.track_id if self._listening is not None else None
        if track is None:
            track = self.pane.current_track()
        if track is None or track < 0:
            self.window.statusBar().showMessage("Select or play a library track first", 5000)
            return
        self.react(track, kind)

    def cancel_indexing(self) -> None:
        """Stop the indexing in progress and what is queued after it (what is committed
        stays)."""
        for request_id in list(self._writes):
            self.writes.cancel(request_id)

    def react(self, track_id: int, kind: str) -> None:
        """♥ or ✕ (or another feedback kind) about a track: recorded at once."""
        mark = {"like": 1, "dislike": -1}.get(kind)
        if mark is not None:
            for suggestions in (self.similar, self.for_you):
                suggestions.list.set_reaction(track_id, mark)
        self.record(track_id, kind)

    def record(self, track_id: int, kind: str, value: float | None = None) -> None:
        """Store one reaction (like, dislike, play, skip, added, exported) for the current
        profile, with the time it happened; while another program holds the library it waits
        (``WaitingReactions``) and is stored later, never lost."""
        payload = {"track_id": int(track_id), "kind": kind, "at": time.time(),
                   "profile": self.profiles.current() or None}  # fmt: skip
        if value is not None:
            payload["value"] = value
        self._read("feedback", payload, payload)

    def play(self, track_id: int, start_beats: float = 0.0) -> None:
        """Hear a library track (from ``start_beats``: a matching passage); the editor's song
        is not touched."""
        self._read("track_song", {"track_id": int(track_id)}, ("play", int(track_id), start_beats))

    def open_in_editor(self, track_id: int) -> None:
        """Put a library track in the editor (after the unsaved-changes question)."""
        self._read("track_song", {"track_id": int(track_id)}, ("open", int(track_id), 0.0))

    def show_similar(self, track_id: int) -> None:
        """Fill Similar with tracks like a library track, and show that tab."""
        self.pane.select_track(int(track_id))
        self._similar_to_track(int(track_id))
        self.window.show_dock("similarDock")

    def _melody_edited(self, song: Song) -> None:
        """Let "auto" follow the editor's song, unless it is too big for that: a song of more
        than ``AUTO_FOLLOW_NOTES`` notes (a two-hour file) is compared only when asked ("Like my
        melody"): each comparison would read all of it, stalling the window for a moment."""
        if sum(len(track.notes) for track in song.tracks) <= AUTO_FOLLOW_NOTES:
            self.similar.melody_edited()

    def similar_to_melody(self) -> None:
        """Fill Similar with library tracks like the editor's melody."""
        song = self.window.piano_roll.song()
        if not any(t.notes for t in song.tracks if not t.is_drum):  # song.notes sorts them all
            self._similar_failed("The editor is empty: draw or generate a melody first")
            return
        self.similar.show_for_melody()
        self._ask_similar({"song": song, "top": TOP})

    def show_passage(self, track_id: int) -> None:
        """Show the matching passage of a Similar result in the roll, in orange beside the
        melody: "where does my melody come from"."""
        ranked = self._similar.get(int(track_id))
        span = getattr(ranked, "match_beats", None)
        if span is None:
            return
        pace = float(getattr(ranked, "match_pace", 1.0))
        self._read(
            "track_song", {"track_id": int(track_id)}, ("passage", int(track_id), (span, pace))
        )

    def _similar_to_selection(self) -> None:
        track = self.pane.current_track()
        if track is not None and track >= 0:
            self._similar_to_track(track)

    def _similar_to_track(self, track_id: int) -> None:
        rows = self._rows
        row = rows.row_of(track_id) if rows is not None else None
        self.similar.show_for_track(rows.title[row] if row is not None else f"track {track_id}")
        self.similar.show_busy()
        self._ask_similar({"track_id": track_id, "top": TOP})

    def song_exported(self) -> None:
        """The editor's song was exported: if it came from the library or from an idea, that
        counts."""
        if self.editor_track is not None:
            self.record(self.editor_track, "exported")
        if self.editor_idea is not None:
            self.record_idea(self.editor_idea, "export")

    def record_idea(self, melody: object, kind: str, *, on: bool = True) -> None:
        """Store the current profile's reaction ``kind`` to a generated idea (its
        ``Idea.melody``): "like", "dislike" (``on`` False takes it back), or "open", "add",
        "export" (each keeps the idea). A ranked Generate learns from them."""
        payload = {"melody": melody, "kind": kind, "on": on, "at": time.time(),
                   "profile": self.profiles.current() or None}  # fmt: skip
        self._read("idea_reaction", payload, payload)

    def refresh_idea_marks(self) -> None:
        """Ask for the ♥ / ✕ the current profile gave the ideas shown (after a profile
        switch)."""
        ideas = self.window.ideas.ideas()
        if ideas:
            self._read("idea_marks", {"melodies": [idea.melody for idea in ideas]}, ideas)

    # -- listening ----------------------------------------------------------------------------

    def _start_listening(self, track_id: int, song: Song, start_beats: float) -> None:
        self._finish_listening()
        playback = self.window.playback
        playback.load(song)
        playback.play_from(start_beats)
        self._listening = Listening(track_id, song.beats_to_seconds(song.end))
        self._listening_song, self._listening_started = song, False
        for suggestions in (self.similar, self.for_you):
            suggestions.list.set_playing(track_id)

    def _position(self, beats: float) -> None:
        listening, song = self._listening, self._listening_song
        if listening is None:
            return
        if self.window.playback.song is not song:  # something else took the player
            self._finish_listening()
        elif self.window.playback.player is not None and self.window.playback.player.is_playing:
            listening.position(song.beats_to_seconds(beats))

    def _playback_state(self, state) -> None:
        if self._listening is None:
            return
        if state.playing:
            self._listening_started = True
        elif self._listening_started:  # not the load's own "stopped" before play begins
            self._finish_listening()

    def _finish_listening(self) -> None:
        """The listening ended: record it as a play or a skip (or nothing, if nothing was
        heard)."""
        listening, self._listening, self._listening_song = self._listening, None, None
        if listening is None:
            return
        for suggestions in (self.similar, self.for_you):
            suggestions.list.set_playing(None)
        event = listening.finish()
        if event is not None and self.reads.running:
            kind, value = event
            self.record(listening.track_id, kind, value)

    # -- results ------------------------------------------------------------------------------

    def _reactions(self) -> dict[int, int]:
        rows = self._rows
        if rows is None:
            return {}
        return {int(i): int(r) for i, r in zip(rows.ids, rows.reaction, strict=True) if r}

    def _finished(self, request: tuple[str, int], result: object) -> None:
        kind, context = self._requests.pop(request, (None, None))
        if kind is None:
            return
        if request[0] == "writes":
            self._write_ended(request, kind)
        handler = getattr(self, f"_got_{kind}", None)
        if handler is not None:
            handler(result, context)

    def _got_library_rows(self, rows, _context) -> None:
        self._rows, self._version = rows, rows.version
        self.pane.set_rows(rows)
        self.libraryChanged.emit()

    def _got_library_version(self, version, _context) -> None:
        if version != self._version:
            self._version = version
            self.refresh()
            self._read("profiles", {})

    def _ask_similar(self, payload: dict) -> None:
        """Ask for similar tracks; the answer to an older question that comes later (the
        melody's "auto" one when a track was picked meanwhile) is dropped."""
        self._similar_asked += 1
        self._read("similar", payload, self._similar_asked)

    def _got_similar(self, result, asked) -> None:
        if asked != self._similar_asked:
            return  # a newer question is on its way
        self._similar = {r.track_id: r for r in result.ranked}
        self.similar.set_results(result.ranked, result.mode, self._reactions())
        self.similarReady.emit()

    def _got_recommend(self, ranked, _context) -> None:
        self.for_you.set_results(ranked, self._reactions())
        self.suggestionsReady.emit()

    def _got_profiles(self, result, _context) -> None:
        current = result["current"]
        self.profiles.set_profiles(current, result["profiles"])
        self.for_you.set_profile(current, result["profiles"].get(current, 0))

    def _got_feedback(self, _event, payload) -> None:
        self.waiting.stored(payload)
        self.refresh_suggestions()
        self._read("profiles", {})
        self._read("library_rows", {})

    def _got_profile_change(self, _result, _context) -> None:
        self._read("profiles", {})
        self.refresh()
        self.refresh_idea_marks()

    def _got_idea_marks(self, marks, ideas) -> None:
        if self.window.ideas.ideas() == ideas:  # not replaced meanwhile
            self.window.ideas.set_marks(marks)

    _got_use_profile = _got_create_profile = _got_forget_profile = _got_profile_change

    def _got_remove_tracks(self, _count, _context) -> None:
        self.refresh()

    def _got_track_song(self, song: Song, context) -> None:
        action, track_id, start = context
        if action == "play":
            self._start_listening(track_id, song, start)
        elif action == "passage":
            self._show_passage(track_id, song, start)
        elif self.window.open_song(song, title=song.title):
            self.editor_track = track_id
            self.record(track_id, "added")

    def _write_ended(self, request: tuple[str, int], kind: str) -> None:
        """An indexing request ended (done, failed or cancelled)."""
        if request[1] in self._writes:
            self._writes.remove(request[1])
        if kind == "index" and not any(
            self._requests.get(("writes", i), ("",))[0] == "index" for i in self._writes
        ):
            _remember_indexing([])  # nothing left to resume
        if not self._writes:
            self.pane.show_idle()

    def _show_passage(
        self, track_id: int, song: Song, match: tuple[tuple[float, float], float]
    ) -> None:
        """Lay the track's matching passage over the editor's melody: for a melody query the
        span lines the melody's beat 0 up with the track's ``span[0]``, at the pace it matched
        (``match``: the span and the query's beats per track beat), so a passage that matched
        at another tempo lines up bar for bar; a track query's passage is shown from the
        editor's beat 0 too."""
        (first, last), pace = match
        notes = [
            replace(n, start=(n.start - first) * pace, duration=n.duration * pace)
            for n in song.notes
            if first <= n.start < last
        ]
        self.window.piano_roll.set_overlay(notes)
        title = song.title or f"track {track_id}"
        stretched = "" if abs(pace - 1) < 0.01 else f", at {pace:.2g}× its length to match"
        self.window.statusBar().showMessage(
            f"In orange: {title}, beats {first:g}–{last:g}{stretched}, beside your melody "
            "(Esc hides it)",
            15_000,
        )

    def _got_indexing(self, summary, _context) -> None:
        if summary is not None and getattr(summary, "skipped", None):
            self.pane.show_problems(summary.skipped)
        self.refresh()

    _got_index = _got_rescan = _got_indexing

    def _got_rebuild_library(self, aside, _context) -> None:
        self._rebuild_offered = False
        self.window.statusBar().showMessage(f"a new library; the old file is now {aside}", 10_000)
        self._read("reopen_library", {})
        self._read("profiles", {})
        self.refresh()

    def _got_prepare_library(self, preparation, context) -> None:
        self.similar_off = getattr(preparation, "model_problem", None)
        self._got_indexing(getattr(preparation, "demo_indexed", None), context)
        if self.similar_off:  # the library works; similar tracks and suggestions say why not
            self._say_off("similar")
            self._say_off("recommend")

    def _say_off(self, kind: str) -> None:
        if kind == "similar":
            self._similar_failed(f"Similar tracks are off: {self.similar_off}")
        else:
            self._suggestions_failed(f"Suggestions are off: {self.similar_off}")

    def _similar_failed(self, message: str) -> None:
        self.similar.show_error(message)
        self.similarFailed.emit(message)

    def _suggestions_failed(self, message: str) -> None:
        self.for_you.show_error(message)
        self.suggestionsFailed.emit(message)

    def _show_waiting(self, count: int) -> None:
        if count:
            self.window.statusBar().showMessage(
                f"The library is busy (another program is writing to it): {count} "
                f"reaction{'s' if count > 1 else ''} will be saved as soon as it is free"
            )
        else:
            self.window.statusBar().showMessage("The library is free again: reactions saved",
                                                5000)  # fmt: skip

    def _progress(self, request_id: int, done: int, total: int, message: str) -> None:
        if self._writes and request_id == self._writes[0]:
            self.pane.show_progress(done, total, message)

    def _failed(self, request: tuple[str, int], message: str) -> None:
        kind, _context = self._requests.pop(request, (None, None))
        if kind is None:
            return
        if kind in ("index", "rescan", "prepare_library", "rebuild_library"):
            self._write_ended(request, kind)
            self.refresh()  # what was committed before the cancel or the error shows
        if message == CANCELLED:
            return
        if kind == "feedback" and is_busy(message):  # another program holds the library
            self.waiting.add(_context)
            return
        if kind == "idea_reaction":  # a side effect of the user's work: no message box
            if is_busy(message):  # tried again while the window is open
                QTimer.singleShot(RETRY_MS, lambda: self._read(kind, _context, _context))
            else:
                _log.warning("an idea's %s was not stored: %s", _context["kind"], message)
                self.window.statusBar().showMessage(
                    f"your {_context['kind']} of the idea was not stored: {message}", 10_000
                )
            return
        if kind == "similar":
            if _context == self._similar_asked:  # not an older question's
                self._similar_failed(message)
        elif kind == "recommend":
            self._suggestions_failed(message)
        elif "not a usable library" in message:
            self._offer_rebuild(message)
        elif kind not in ("library_version", "library_rows"):
            self.window.show_error("The library: that did not work", message)

    def _offer_rebuild(self, message: str) -> None:
        """The library file is damaged: say so once and offer what `studio index --rebuild`
        does (the file is set aside, never deleted, and a new library starts)."""
        if self._rebuild_offered:
            return
        self._rebuild_offered = True
        box = QMessageBox(QMessageBox.Icon.Warning, "The library file is damaged",
                          f"{message.split(';')[0]}.\n\nRebuild the library? The damaged file is "
                          "kept aside (renamed, not deleted); your folders can be added again.",
                          parent=self.window)  # fmt: skip
        box.setObjectName("libraryDamagedBox")
        rebuild = box.addButton("Rebuild library", QMessageBox.ButtonRole.AcceptRole)
        rebuild.setObjectName("rebuildLibraryButton")
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
        rebuild.clicked.connect(self.rebuild)
        box.open()

    def rebuild(self) -> None:
        """Set the library file aside and start a new one (the worker's engines reopen)."""
        self._write("rebuild_library", {})


def _indexing_file() -> Path:
    """Where the folders being indexed are kept until the indexing ends (user state folder)."""
    return user_state_path("motif-studio") / "indexing.json"


def _unfinished_indexing() -> list[str]:
    """The folders an indexing of an earlier session did not finish (closed or killed)."""
    try:
        folders = json.loads(_indexing_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [f for f in folders if isinstance(f, str)] if isinstance(folders, list) else []


def _remember_indexing(folders: list[str]) -> None:
    """Keep the folders being indexed (atomically), or forget them with ``[]``."""
    path = _indexing_file()
    try:
        if folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, json.dumps(sorted(set(folders))).encode("utf-8"))
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # resuming is a convenience: the folders can be added again by hand
