"""The main window: piano roll in the centre, generate panel and ideas on the right, transport on
top, status bar below; menus and shortcuts (built by ``menus``). It wires the panes together and
to the worker; the panes and the engine do the work.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QWidget,
)

from studio.audio.playback import PlaybackEvent
from studio.core.errors import StudioError
from studio.core.keyfinding import stated_key
from studio.core.midi_read import read_song
from studio.core.music import Song
from studio.core.theory import Key
from studio.engine import Engine
from studio.gui import pending_writes
from studio.gui.autosave import Autosaver, RecoveryItem, pending_recovery
from studio.gui.background_write import is_big, wait_for
from studio.gui.generate_panel import GeneratePanel
from studio.gui.ideas import Idea, IdeasList
from studio.gui.library_controller import LibraryController
from studio.gui.menus import build_menus, may_discard, save_as_dialog
from studio.gui.piano_roll import PianoRoll
from studio.gui.playback import QtPlayback
from studio.gui.recent_files import add_recent_file
from studio.gui.status_bar import WorkStatus
from studio.gui.track_selector import TrackSelector
from studio.gui.transport import TransportBar
from studio.gui.window_ideas import IdeasActions
from studio.gui.worker import WorkerClient
from studio.settings import load_settings, settings_notices

_log = logging.getLogger(__name__)
FIRST_RUN_SEED = 1207
LARGE_FILE_BYTES = 1_000_000
"""A MIDI file larger than this (~100,000 notes: a second or more to read) is read in the
worker; smaller ones are read at once, on the GUI thread."""
WORK_TEXT = {
    "generate": "generating…",
    "continue": "continuing the melody…",
    "regenerate": "generating the selected bars…",
    "render_wav": "rendering WAV…",
    "morph": "morphing…",
    "more_like": "more like this…",
    "read_song": "opening the file…",
}
FAILURE_TITLES = {
    "render_wav": "Cannot export WAV",
    "generate": "Cannot generate",
    "continue": "Cannot continue the melody",
    "regenerate": "Cannot regenerate",
    "read_song": "Cannot open the file",
    "more_like": "Cannot make more like this",
}
"""The message box's title when a worker job fails (else "That did not work")."""


def _file_size(path: str | os.PathLike) -> int:
    """The file's size in bytes, 0 when it cannot be found out (reading then says why)."""
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):
        return 0


class MainWindow(IdeasActions, QMainWindow):
    """The studio window (see the automation contract in docs/architecture.md; the ideas'
    actions: ``IdeasActions``)."""

    modelReady = Signal()
    ideasReady = Signal()
    libraryChanged = Signal()
    similarReady = Signal()
    suggestionsReady = Signal()
    fileOpened = Signal(str)

    def __init__(
        self,
        worker: WorkerClient,
        playback: QtPlayback,
        path: str | None = None,
        library_engine: Callable[[], Engine] | None = None,
    ):
        """``worker`` generates, ``playback`` plays; ``library_engine`` builds the engines of
        the library's own workers (default: the user's library)."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.worker = worker
        self.playback = playback
        self._library_engine = library_engine
        self.path: Path | None = None
        self._playhead = 0.0
        self._first_song_pending = path is None
        self._requests: dict[int, str] = {}
        self._regenerated_bars: list[int] = []
        self._build_panes()
        self._build_status_bar()
        build_menus(self)
        self.generate_action = self.findChild(QAction, "actionGenerate")
        self.morph_action = self.findChild(QAction, "actionMorph")
        self.more_like_action = self.findChild(QAction, "actionMoreLike")
        self._playing_idea: Idea | None = None  # the idea the player plays (its row shows ■)
        self._morph_ends: tuple[Idea, ...] = ()  # the two ideas of the latest morph request
        self._more_like_origin: Idea | None = None  # the idea of the latest "More like this"
        self._connect()
        self._restore_layout()
        self.piano_roll.set_song(Song(), key=None)
        if path is not None:
            self.open_path(path)
        self._update_title()
        self.autosaver = Autosaver(self, load_settings()[0]["autosave_seconds"], self)
        pending_writes.tidy_after_killed_sessions()
        QTimer.singleShot(0, self._offer_recovery)
        QTimer.singleShot(0, self._show_settings_notices)

    # -- building -------------------------------------------------------------------------------

    def _build_panes(self) -> None:
        self.piano_roll = PianoRoll(self)
        self.setCentralWidget(self.piano_roll)
        self.transport = TransportBar(self)
        top = self.addToolBar("Transport")
        top.setObjectName("transportToolBar")
        top.setMovable(False)
        top.addWidget(self.transport)
        self.track_selector = TrackSelector(self.piano_roll, self)  # for multi-track files
        self.track_selector.place_in(top)
        self.generate_panel = GeneratePanel(self)
        self.ideas = IdeasList(self)
        self._dock("Generate", "generateDock", self.generate_panel)
        ideas = self._dock("Ideas", "ideasDock", self.ideas)
        self.library = LibraryController(self, self._library_engine)
        library = self._dock("Library", "libraryDock", self.library.pane)
        library.setTitleBarWidget(QWidget())  # the pane has its own header, as in the mockup
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, library)
        for title, name, pane in (("Similar", "similarDock", self.library.similar),
                                  ("For you", "forYouDock", self.library.for_you)):  # fmt: skip
            self.tabifyDockWidget(ideas, self._dock(title, name, pane))
        ideas.raise_()
        self.resizeDocks([library], [360], Qt.Orientation.Horizontal)
        top.addWidget(self.library.profiles)
        self.library.libraryChanged.connect(self.libraryChanged)
        self.library.similarReady.connect(self.similarReady)
        self.library.suggestionsReady.connect(self.suggestionsReady)

    def _dock(self, title: str, name: str, widget: QWidget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.work_status = WorkStatus(self.worker.cancel_all)
        self.addAction(self.work_status.cancel_action)  # Esc, while there is work to cancel
        self.audio_label = QLabel(self._audio_text())
        bar.addWidget(self.work_status)
        bar.addPermanentWidget(self.audio_label)
        hints = "Space play · L loop · C click · D draw · S select · E erase · Alt no snap"
        hints += " · F1 keys"
        bar.addPermanentWidget(QLabel(hints))

    def _audio_text(self) -> str:
        if not self.playback.available:
            return "no audio output"
        return f"audio: {self.playback.device_name}"

    def _connect(self) -> None:
        self.worker.modelReady.connect(self._model_ready)
        self.worker.modelFailed.connect(self._model_failed)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.progress.connect(self._progress)
        self.generate_panel.generateRequested.connect(self._submit_generate)
        self.generate_panel.continueRequested.connect(self._submit_continue)
        self.generate_panel.regenerateRequested.connect(self._submit_regenerate)
        self.worker.busyChanged.connect(self.generate_panel.set_busy)
        self.ideas.openRequested.connect(self.open_idea)
        self.ideas.playRequested.connect(self.play_idea)
        self.ideas.stopRequested.connect(self.playback.stop)
        self.ideas.addTrackRequested.connect(self.add_idea_as_track)
        self.ideas.reactionRequested.connect(self._react_to_idea)
        self.ideas.moreLikeRequested.connect(self.more_like_idea)
        self.ideas.moreLikeAtRequested.connect(self.more_like_idea)
        self.ideas.ideasDragged.connect(self._ideas_dragged)
        self.ideas.itemSelectionChanged.connect(self._update_morph_action)
        self.ideas.currentRowChanged.connect(lambda _row: self._update_morph_action())
        self.ideas.addAction(self.morph_action)  # in the ideas' context menu too
        self.playback.stateChanged.connect(self._show_idea_playing)
        self.piano_roll.songChanged.connect(lambda _song: self._forget_idea_playing())
        self.piano_roll.songChanged.connect(self._song_changed)
        self._settings_texts: tuple[str, ...] | None = None  # see _show_song_settings
        self.piano_roll.songChanged.connect(self._show_song_settings)
        self.piano_roll.auditionRequested.connect(self._audition)
        self.piano_roll.seekRequested.connect(self._seek)
        self.piano_roll.undo_stack.cleanChanged.connect(lambda _clean: self._update_title())
        self.transport.playToggled.connect(self.toggle_play)
        self.transport.stopClicked.connect(self.playback.stop)
        self.transport.toolChosen.connect(self.piano_roll.set_tool)
        self.transport.set_audio_available(self.playback.available, self.playback.reason)
        if self.playback.warning:  # the SoundFont setting could not be followed
            _log.warning("%s", self.playback.warning)
            QTimer.singleShot(0, lambda: self.statusBar().showMessage(self.playback.warning,
                                                                      15_000))  # fmt: skip
        self.transport.master.attach(self.playback)
        self.transport.metronome.attach(self.playback)
        self.playback.positionChanged.connect(self._position)
        self.playback.stateChanged.connect(self._playback_state)
        # Loop region, snap and follow-playhead (the roll's view state, not undo steps).
        self.piano_roll.loopChanged.connect(self._loop_changed)
        self.transport.loopToggled.connect(lambda _on: self._apply_loop())
        self.transport.snapChosen.connect(self.piano_roll.set_snap)
        self.transport.show_snap(self.piano_roll.snap())
        self.piano_roll.set_follow_playhead(True)  # DAWs follow the playhead while playing

    # -- the contract -------------------------------------------------------------------------

    @property
    def model_ready(self) -> bool:
        """Whether the generator is loaded (Generate is enabled)."""
        return self.worker.model_ready

    def open_path(self, path: str | os.PathLike) -> bool:
        """Open a MIDI file in the editor; a file that cannot be read gives a message box.
        A file over ``LARGE_FILE_BYTES`` is read in the worker (progress and ✕ in the status
        bar): True then means the reading started, and ``fileOpened(path)`` says it is in the
        editor (a cancel leaves the editor as it was). Smaller files are there on return."""
        if _file_size(path) > LARGE_FILE_BYTES:
            self.worker.start()  # at start-up (a file on the command line) it is not yet
            self._first_song_pending = False
            self._submit("read_song", {"path": str(path)})
            return True
        try:
            song = read_song(path)
        except StudioError as error:
            self._error("Cannot open the file", str(error))
            return False
        self._opened_file(song, path)
        return True

    def _opened_file(self, song: Song, path: str | os.PathLike) -> None:
        self._show_opened(song, Path(path))
        add_recent_file(path)
        self.fileOpened.emit(str(path))

    def open_song(self, song: Song, title: str = "") -> bool:
        """Put a song read elsewhere (a library track) in the editor, unsaved: Save asks where
        (the library's file is not overwritten by accident). False if the user cancelled."""
        if not may_discard(self):
            return False
        self._show_opened(song, None)
        self.statusBar().showMessage(f"opened {title or song.title or 'the track'}", 5000)
        return True

    def _show_opened(self, song: Song, path: Path | None) -> None:
        self.path = path
        self._first_song_pending = False
        self.library.editor_track = self.library.editor_idea = None
        self.piano_roll.set_song(song)  # its generation settings: _show_song_settings
        self._show_saved_generation(song)  # its meter and form in the Generate panel
        self.piano_roll.undo_stack.setClean()
        self._update_title()

    def add_folder(self, path: str | os.PathLike) -> int:
        """Index a folder into the library in the background (what Library ▸ Add Folder… does
        after its dialog); returns the request id. ``libraryChanged`` follows."""
        return self.library.add_folder(path)

    def show_dock(self, name: str) -> None:
        """Bring the dock (a tab among tabs) with this objectName to the front."""
        dock = self.findChild(QDockWidget, name)
        if dock is not None:
            dock.show()
            dock.raise_()

    def export_midi(self, path: str | os.PathLike) -> bool:
        """Write the edited song as a MIDI file (atomically); errors as a message box."""
        try:
            self._write_song(self._song_to_save(), path, f"Exporting {Path(path).name}…")
        except (StudioError, OSError) as error:
            self._error("Cannot export MIDI", str(error))
            return False
        self.statusBar().showMessage(f"exported {path}", 5000)
        self.library.song_exported()
        return True

    def export_wav(self, path: str | os.PathLike) -> int:
        """Render the edited song to a WAV file in the worker (progress in the status bar);
        returns the request id."""
        self.library.song_exported()
        return self._submit("render_wav", {"song": self.piano_roll.song(), "path": str(path)})

    # -- actions ------------------------------------------------------------------------------

    def new_song(self) -> None:
        """An empty song (after asking about unsaved changes)."""
        if may_discard(self):
            self.path = None
            self.library.editor_track = self.library.editor_idea = None
            self.piano_roll.set_song(Song())
            self._update_title()

    def save(self) -> bool:
        """Save to the song's file, or ask for one."""
        if self.path is None:
            return save_as_dialog(self)
        return self.save_to(self.path)

    def save_to(self, path: str | os.PathLike) -> bool:
        """Save the song to ``path``, which becomes its file. When the write fails (disk full,
        no permission…) the file on disk is as it was (the write is atomic), the work stays in
        the editor, unsaved, and is kept aside for recovery at once; a message says so."""
        try:
            self._write_song(self._song_to_save(), path, f"Saving {Path(path).name}…")
        except (StudioError, OSError) as error:
            kept = self.autosaver.save_now()
            self._error("Cannot save", f"{error}.\n\nThe file on disk is as it was, and your "
                        "work is still open in the editor, unsaved"
                        + (", and kept aside for recovery." if kept else "."))  # fmt: skip
            return False
        self.path = Path(path)
        self.statusBar().showMessage(f"saved {path}", 5000)
        self.library.song_exported()
        self.piano_roll.undo_stack.setClean()
        self.autosaver.clear()
        self._update_title()
        add_recent_file(self.path)
        return True

    def _write_song(self, song: Song, path: str | os.PathLike, label: str) -> None:
        """``write_midi``, on a thread behind a "Saving…" dialog when the song is big (the
        window keeps painting and playing meanwhile)."""
        from studio.core.midi_write import write_midi

        with pending_writes.writing(path):  # a kill mid-write: the next start tidies up
            if is_big(song):
                wait_for(lambda: write_midi(song, path), self, label)
            else:
                write_midi(song, path)

    # -- recovery -----------------------------------------------------------------------------

    def pending_recovery(self) -> list[RecoveryItem]:
        """Unsaved work that crashed or killed sessions left, newest first (not this
        window's own autosave, even when an earlier session had the same process id)."""
        return [item for item in pending_recovery() if item.midi != self.autosaver.midi_path]

    def recover(self, item: RecoveryItem) -> None:
        """Put recovered work in the editor, unsaved (one undoable step), keep it aside at once
        as this session's autosave, then forget the item. Were it forgotten first, a kill
        before the next autosave would lose the work; when keeping it aside fails, the item
        stays for the next start."""
        self._first_song_pending = False
        self.path = item.source
        self.piano_roll.replace_song(item.read(), "Recover unsaved work")
        if self.autosaver.save_now():
            item.discard()
        self._update_title()

    def _offer_recovery(self) -> None:
        items = self.pending_recovery()
        if not items:
            return
        when = time.strftime("%d %b %H:%M", time.localtime(items[0].saved_at))
        box = QMessageBox(QMessageBox.Icon.Question, "Recover unsaved work",
                          f"Motif Studio closed without saving {items[0].title} ({when}). "
                          "Recover it?", parent=self)  # fmt: skip
        box.setObjectName("recoveryBox")
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.accepted.connect(lambda: self.recover(items[0]))
        box.open()

    def _show_settings_notices(self) -> None:
        """A damaged settings file was set aside at start: say so once."""
        for notice in settings_notices():
            self._error("Settings were reset", notice)

    def generate(self) -> None:
        """Generate with the panel's settings (Ctrl+G)."""
        self.generate_panel.findChild(QPushButton, "generateButton").click()

    def toggle_play(self) -> None:
        """Space: play the editor's song from the playhead, or stop."""
        self._forget_idea_playing()
        self.playback.load(self.piano_roll.song())
        self._apply_loop()  # an idea's preview played without it
        self.playback.toggle(self._playhead)

    # -- worker -------------------------------------------------------------------------------

    def _submit(self, kind: str, payload: object) -> int:
        request_id = self.worker.submit(kind, payload)
        self._requests[request_id] = kind
        self.work_status.started(WORK_TEXT.get(kind, f"{kind}…"))
        return request_id

    def _submit_generate(self, request: dict) -> None:
        self._submit("generate", self._ranked(request))

    def _ranked(self, request: dict) -> dict:
        """A generate request ranked for the current profile, unless Preferences turned
        ranking off (``rank_ideas``)."""
        rank = bool(load_settings()[0]["rank_ideas"])
        return {**request, "rank": rank, "profile": self.library.profiles.current() or None}

    def _melody_notes(self) -> tuple:
        """The notes of the edited track (the primer of Continue, the melody of Regenerate)."""
        return self.piano_roll.roll_state().notes

    def _submit_continue(self, request: dict) -> None:
        primer = self._melody_notes()
        if not primer:
            self._error("Nothing to continue", "Draw or open a melody first.")
            return
        self._submit("continue", {**self._in_song_meter(request), "primer": primer})

    def _model_ready(self) -> None:
        self.generate_action.setEnabled(True)
        for name in ("actionContinue", "actionRegenerate"):
            self.findChild(QAction, name).setEnabled(True)
        self._update_morph_action()
        self.generate_panel.set_meters(self.worker.model_meters)  # the others are disabled
        self.generate_panel.set_model_ready(True)
        self.transport.set_model_state("model ready", True)
        self.work_status.say("ready")
        self.modelReady.emit()
        if self._first_song_pending:  # something alive on the first start: ideas to play
            request = self.generate_panel.request()
            request.update(seed=FIRST_RUN_SEED)
            self._requests[self.worker.submit("generate", self._ranked(request))] = "first_song"
        self.library.start()  # after the model: the first ideas come before the indexing

    def _model_failed(self, message: str) -> None:
        self.generate_panel.set_model_ready(False, f"generation is off: {message}")
        self.transport.set_model_state("no model", False)
        self.work_status.say(f"generation is off: {message}")
        self.library.start()  # the library works without the melody model

    def _progress(self, request_id: int, done: int, total: int, message: str) -> None:
        if request_id in self._requests:
            self.work_status.progressed(done, total)

    def _finished(self, request_id: int, result: object) -> None:
        kind = self._requests.pop(request_id, None)
        self._work_done()
        if kind == "first_song" and self._first_song_pending and result:
            self._first_song_pending = False
            self.ideas.set_ideas(result)
            self.ideas.setCurrentRow(0)
            idea = result[0]
            self.piano_roll.set_song(self._idea_song(idea), key=Key.parse(idea.key_name),
                                     chords=idea.chords)  # fmt: skip
            self.library.editor_idea = idea.melody  # exporting it keeps it
            self.piano_roll.undo_stack.setClean()
            self._update_title()
        elif kind == "generate":
            self.ideas.set_ideas(result)
            self._say_ranking(result)
            self.ideasReady.emit()
        elif kind == "more_like":  # the idea, then its variations
            self.ideas.set_ideas([self._more_like_origin, *result])
            self.ideasReady.emit()
        elif kind == "continue":  # the first continuation goes to the editor, undoable
            self.ideas.set_ideas(result)
            self.ideasReady.emit()
            self.open_idea(0, kept=False)  # opened for the user: not a sign they like it
        elif kind == "regenerate":  # new notes for the edited track; the other tracks stay
            self._apply_regenerated(result)
        elif kind == "render_wav":  # a SoundFont gone or damaged meanwhile: said, not fatal
            warned = "".join(f" ({text})" for text in result["warnings"])
            self.statusBar().showMessage(f"exported {result['path']}{warned}", 15_000)
        elif kind == "read_song":
            self._opened_file(result["song"], result["path"])
        elif kind == "morph":  # the in-betweens between their two ends
            self.ideas.set_ideas([self._morph_ends[0], *result, self._morph_ends[-1]])
            self.ideasReady.emit()

    def _failed(self, request_id: int, message: str) -> None:
        kind = self._requests.pop(request_id, None)
        self._work_done()
        if kind is not None and message != "cancelled":
            self._error(FAILURE_TITLES.get(kind, "That did not work"), message)

    def _work_done(self) -> None:
        if not self._requests:
            error = self.worker.model_error
            off = f"generation is off: {error}" if error else "loading model…"
            self.work_status.idle("ready" if self.model_ready else off)

    # -- editor and playback ---------------------------------------------------------------------

    def _playback_state(self, state) -> None:
        self.transport.show_playing(state.playing)
        if state.event == PlaybackEvent.ERROR:  # the device went away, or a song did not load
            self.transport.set_audio_available(self.playback.available, state.error or "")
            self.statusBar().showMessage(f"playback stopped: {state.error}", 15_000)
            _log.warning("playback stopped: %s", state.error)

    def _song_changed(self, song: Song) -> None:
        key = stated_key(song)
        key_text = key.name if key is not None else "—"
        self.transport.show_song_facts(song.tempo, str(song.time_signature), key_text)
        self.playback.load(song)
        self._update_title()

    def _loop_changed(self, region: tuple[float, float] | None) -> None:
        self.transport.set_loop_region(region is not None)  # a new region turns looping on
        self._apply_loop()

    def _apply_loop(self) -> None:
        """Hand the roll's loop region to the player while looping is on."""
        region = self.piano_roll.loop()
        on = region is not None and self.transport.loop_on()
        self.piano_roll.set_loop_active(on)
        if on:
            self.playback.set_loop(*region)
        else:
            self.playback.clear_loop()

    def _seek(self, beats: float) -> None:
        self._playhead = beats
        self._position(beats)

    def _position(self, beats: float) -> None:
        song = self.piano_roll.song()
        if self.playback.song is not None and self.playback.song is not song:
            return  # an idea or a library track plays: the editor's playhead stays
        self.piano_roll.set_playhead(beats)
        self.transport.show_position(beats, song.beats_to_seconds(beats))

    # -- messages and layout ---------------------------------------------------------------------

    def show_error(self, title: str, message: str) -> None:
        """A message box (not blocking the event loop), logged too."""
        self._error(title, message)

    def _error(self, title: str, message: str) -> None:
        _log.warning("%s: %s", title, message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, parent=self)
        box.setObjectName("errorBox")
        box.open()  # not exec(): the event loop goes on (and tests are not blocked)

    def _update_title(self) -> None:
        name = self.path.name if self.path else "untitled"
        mark = "" if self.piano_roll.undo_stack.isClean() else " •"
        self.setWindowTitle(f"Motif Studio — {name}{mark}")

    def _restore_layout(self) -> None:
        settings = QSettings()
        geometry, state = settings.value("window/geometry"), settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1600, 1000)
        self._default_layout = self.saveState()  # what View → Reset Layout goes back to
        if state is not None:
            self.restoreState(state)
        follow = self.findChild(QAction, "actionFollowPlayhead")
        if follow is not None:  # the View toggle, kept in the settings, has the last word
            self.piano_roll.set_follow_playhead(follow.isChecked())

    def reset_layout(self) -> None:
        """View → Reset Layout: the docks back where a first start puts them, shown."""
        self.restoreState(self._default_layout)
        for dock in self.findChildren(QDockWidget):
            dock.show()

    def _audition(self, pitch: int) -> None:
        """Sound a drawn or re-pitched note, unless View → Hear Notes While Editing is off."""
        toggle = self.findChild(QAction, "actionAuditionNotes")
        if toggle is None or toggle.isChecked():
            self.playback.audition(pitch)

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved changes, keep the layout, stop the worker and the player."""
        if not may_discard(self):
            event.ignore()
            return
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        self.autosaver.stop()
        self.autosaver.clear()  # saved, or discarded on purpose
        self.library.stop()
        self.worker.stop()
        self.playback.close()
        event.accept()
