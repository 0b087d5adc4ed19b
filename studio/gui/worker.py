"""All model work off the GUI thread: one long-lived worker that owns the engine.

``EngineWorker`` is a ``QObject`` moved to a ``QThread``. It builds its ``Engine`` there (lazily,
from a factory), loads the melody model once (``load_models``) and answers requests that arrive
by queued signal (``run``) with ``progress``, then ``finished(request_id, result)`` or
``failed(request_id, message)``. It never touches a widget.

``WorkerClient`` is its face on the GUI thread: ``start()``, ``submit(kind, payload) -> id``,
``cancel(id)``, ``stop()``, and the worker's signals re-emitted on the GUI thread. Each request
gets a ``CancelToken`` made here and handed to the worker with the request. A newer request of a
kind supersedes the older one still pending: its token is set, ``failed(old_id, "cancelled")``
is emitted at once, and anything the worker still sends for it is dropped, so every submitted id
ends in exactly one ``finished`` or ``failed``, and a cancelled request never delivers a result.
The kinds in ``NEVER_SUPERSEDED`` (writes the user asked for: feedback, index, rescan,
remove_tracks, prepare_library and the profile changes) queue instead; ``cancel(id)`` still
cancels one of them.

Request kinds, their payload dicts (plain values; ``settings`` holds ``GenerationSettings``'
fields, as ``GeneratePanel.request()`` builds them) and results:

- ``generate``: ``settings``, ``count`` (default 1), ``seed``, optional ``mood``, ``keep``,
  ``rank`` (default False) and ``profile`` → an ``IdeaPage`` (a ``list[Idea]``): with ``rank``,
  ranked by the profile's taste once it kept an idea (``Engine.generate_ideas``), each idea with
  its ``reason`` and the profile's ``mark``;
- ``more_like``: ``melody`` (an idea's), ``count`` (default 4), optional ``distance``, ``seed``
  (default 0), ``title`` (default "Idea") → ``list[Idea]``, the variations titled "Idea 2.1 ·
  near seed 1207" (``Engine.more_like``);
- ``continue``: as ``generate`` plus ``primer`` (notes) → ``list[Idea]``;
- ``regenerate``: ``melody`` (notes), ``bars`` (0-based units of ``settings["meter"]``: bars,
  or pairs of 2/4 bars), ``settings``, ``seed``, optional ``title`` → one ``Idea``;
- ``render_wav``: ``song``, ``path`` → ``{path, warnings}``: the path as given, and why the
  SoundFont setting was not followed (a file gone or damaged: the default plays), if so;
- ``morph``: ``start``, ``end`` (two ideas' ``melody``, same number of bars), ``count`` of
  in-betweens (default 4) → ``list[Idea]`` titled "Morph 1/4 · 1207→1209";
- ``read_song``: ``path`` → ``{path, song, indexes}``: a big MIDI file read off the GUI thread
  (progress "read 1,200,000 of 2,000,000 events", cancelled between batches; the error names
  the file) with the piano roll's ``NoteIndex`` of each pitched track (keep them until the roll
  shows the song: ``NoteIndex.of`` finds them).

The library kinds (handlers in ``studio.gui.worker_library``; track ids are ints):

- ``library_rows``: optional ``profile`` → ``LibraryRows`` (``studio.library.table``);
- ``library_version``: nothing → ``Engine.library_version()`` (a tuple: poll it to notice
  changes made by another process);
- ``index``: ``folders`` (paths) → ``IndexSummary``, progress "indexed 120 of 2,003 files";
- ``prepare_library``: nothing → ``LibraryPreparation`` (the demo library on a first run, then
  the tracks without vectors embedded);
- ``rescan``: nothing → ``IndexSummary`` of the library's folders read again;
- ``remove_tracks``: ``ids`` → how many tracks left the library (files are never deleted);
- ``track_song``: ``track_id`` → its ``Song`` (a vanished file fails in words);
- ``similar``: ``track_id`` or ``song``, optional ``top`` (20) and ``mode`` ("auto") →
  ``SimilarResult`` (``.ranked``: ``list[RankedTrack]``, ``.mode``);
- ``recommend``: optional ``top`` (20), ``seed_track``, ``profile`` → ``list[RankedTrack]``;
- ``feedback``: ``track_id``, ``kind``, optional ``value``, ``profile`` → ``FeedbackEvent``;
- ``idea_reaction``: ``melody`` (an idea's), ``kind`` ("like", "dislike", "open", "add",
  "export"), optional ``on`` (default True; False takes a ♥ or ✕ back), ``profile``, ``at``
  (when it happened) → None;
- ``idea_marks``: ``melodies``, optional ``profile`` → per melody "like", "dislike" or None;
- ``profiles``: nothing → ``{"current": name, "profiles": {name: number of events}}``;
- ``create_profile`` (``name``) → its name; ``use_profile`` (``name``) → None;
  ``forget_profile`` (``name``, ``delete``) → how many events went.
"""

from __future__ import annotations

import functools
import gc
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from studio.core.chords import bar_pitch_weights, estimate_chords
from studio.core.errors import InvalidInput, StudioError
from studio.core.midi_read import read_song
from studio.core.music import Note, Song
from studio.core.progress import Cancelled, CancelToken, ProgressCallback
from studio.engine import Engine
from studio.gui import pending_writes
from studio.gui.ideas import Idea
from studio.gui.roll_geometry import NoteIndex
from studio.gui.worker_library import LIBRARY_HANDLERS, NEVER_SUPERSEDED, Handler
from studio.gui.worker_library import request_field as _field

_log = logging.getLogger(__name__)

KINDS = ("generate", "more_like", "continue", "regenerate", "render_wav", "morph", "read_song",
         *LIBRARY_HANDLERS)  # fmt: skip
"""The request kinds ``run`` understands."""
CANCELLED = "cancelled"
"""The ``failed`` message of a cancelled or superseded request."""


class IdeaPage(list):
    """The ideas a Generate made (a ``list[Idea]``), with how they were picked: out of
    ``considered`` candidates, by a taste learnt from ``kept_ideas`` kept ideas (0: unranked);
    ``problem``: why they are not ranked although ranking was asked for ("" when none)."""

    def __init__(self, ideas: Sequence[Idea] = (), considered: int = 0, kept_ideas: int = 0,
                 problem: str = ""):  # fmt: skip
        super().__init__(ideas)
        self.considered = considered
        self.kept_ideas = kept_ideas
        self.problem = problem


def make_idea(
    engine: Engine, melody: Any, title: str, *, reason: str = "", mark: str | None = None
) -> Idea:
    """An ``Idea`` from a ``GeneratedMelody`` (whose type the GUI does not import); its bars
    and chords are bars of the melody's meter; ``reason`` and ``mark`` as ``Idea`` has them."""
    settings = melody.settings
    key = settings.key
    names = [chord.name_in(key) for chord in melody.chords]
    # first_bar counts the network's units (a unit is two bars of 2/4, else one bar).
    primer_bars = melody.first_bar * settings.bars_per_unit
    if primer_bars:  # the primer's bars: chords estimated from its notes
        bar = settings.bar_beats
        primer = [n for n in melody.notes if n.start < primer_bars * bar]
        weights = bar_pitch_weights(primer, primer_bars, bar)
        names = [chord.name_in(key) for chord in estimate_chords(weights, key)] + names
    return Idea(
        song=engine.idea_song(melody, title=title),
        seed=melody.seed,
        key_name=key.name,
        chords=tuple(names),
        bars=primer_bars + settings.bars,
        melody=melody,
        title=title,
        meter=settings.meter,
        form=None if primer_bars else melody.form,  # a continuation's form is the new bars'
        reason=reason,
        mark=mark,
    )


def _settings_fields(payload: object) -> dict:
    fields = _field(payload, "settings")
    if not isinstance(fields, dict):
        raise InvalidInput("the request's settings must be a dict of GenerationSettings fields")
    return fields


class EngineWorker(QObject):
    """Owns one ``Engine`` on the worker thread and runs requests there (see the module doc).

    Signals: ``modelReady(meters)`` (the meters the model makes, a tuple of "4/4"…),
    ``modelFailed(str)``, ``progress(id, done, total, message)`` (``total`` 0: no measure yet),
    ``finished(id, result)``, ``failed(id, message)``.
    """

    modelReady = Signal(object)
    modelFailed = Signal(str)
    progress = Signal(int, int, int, str)
    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, engine_factory: Callable[[], Engine] = Engine) -> None:
        """``engine_factory`` builds the engine on first use, on the thread that uses it."""
        super().__init__()
        self._factory = engine_factory
        self._engine: Engine | None = None
        self._handlers = {
            "generate": self._generate,
            "more_like": self._more_like,
            "continue": self._continue,
            "regenerate": self._regenerate,
            "render_wav": self._render_wav,
            "morph": self._morph,
            "read_song": self._read_song,
        }
        for kind, handler in LIBRARY_HANDLERS.items():
            self._handlers[kind] = functools.partial(self._library_request, handler)

    @property
    def engine(self) -> Engine:
        """The engine, built by the factory on first use."""
        if self._engine is None:
            self._engine = self._factory()
        return self._engine

    @Slot()
    def load_models(self) -> None:
        """Load the melody model (numpy and the GAN's weights: no torch), then freeze the
        garbage collector's view of everything loaded so far (so playback has no underruns);
        emits ``modelReady(meters)`` or ``modelFailed(message)``."""
        from studio.audio.player import freeze_gc

        try:
            meters = tuple(self.engine.generator.meters)
        except StudioError as error:
            self.modelFailed.emit(str(error))
            return
        except Exception as error:
            _log.exception("loading the models failed")
            self.modelFailed.emit(f"internal error: {type(error).__name__}: {error}")
            return
        finally:
            freeze_gc()
        self.modelReady.emit(meters)

    @Slot(int, str, object, object)
    def run(
        self, request_id: int, kind: str, payload: object, cancel: CancelToken | None = None
    ) -> None:
        """Run one request; emits ``progress`` then ``finished`` or ``failed`` (a cancelled one
        fails with "cancelled", whether it was cancelled before, during or after the work)."""
        token = cancel if cancel is not None else CancelToken()

        def report(done: int, total: int, message: str) -> None:
            self.progress.emit(request_id, done, total, message)

        try:
            token.raise_if_cancelled()
            handler = self._handlers.get(kind)
            if handler is None:
                raise InvalidInput(f"unknown request kind {kind!r} (known: {', '.join(KINDS)})")
            report(0, 0, f"{kind}…")
            result = handler(payload, report, token)
            token.raise_if_cancelled()
        except Cancelled:
            self.failed.emit(request_id, CANCELLED)
        except StudioError as error:
            self.failed.emit(request_id, str(error))
        except Exception as error:
            _log.exception("request %d (%s) failed", request_id, kind)
            self.failed.emit(request_id, f"internal error: {type(error).__name__}: {error}")
        else:
            self.finished.emit(request_id, result)

    @Slot()
    def close(self) -> None:
        """Close the engine's library and hand this object back to the main thread; runs on
        the worker thread as it ends (connected to ``QThread.finished``)."""
        if self._engine is not None:
            self._engine.close()
        app = QCoreApplication.instance()
        if app is not None and self.thread() is not app.thread():
            self.moveToThread(app.thread())

    # -- the request kinds ----------------------------------------------------------------------

    def _library_request(
        self, handler: Handler, payload: object, report: ProgressCallback, token: CancelToken
    ) -> Any:
        return handler(self.engine, payload, report, token)

    def _generate(self, payload: object, report: ProgressCallback, token: CancelToken) -> list:
        engine = self.engine
        settings = engine.generation_settings(**_settings_fields(payload))
        batch = engine.generate_ideas(
            settings, _field(payload, "count", 1), _field(payload, "seed"),
            rank=bool(_field(payload, "rank", False)), profile=_field(payload, "profile", None),
            progress=report, cancel=token, mood=_field(payload, "mood", None),
            keep=frozenset(_field(payload, "keep", ())),
        )  # fmt: skip
        marks = self._marks(batch.melodies, _field(payload, "profile", None))
        rows = zip(batch.melodies, batch.reasons, marks, strict=True)
        ideas = [
            make_idea(engine, melody, f"Idea {i + 1} · seed {melody.seed}", reason=why, mark=mark)
            for i, (melody, why, mark) in enumerate(rows)
        ]
        return IdeaPage(ideas, batch.considered, batch.kept_ideas, batch.problem)

    def _more_like(self, payload: object, report: ProgressCallback, token: CancelToken) -> list:
        # One batch of a few melodies, as morph: the token is checked around it.
        engine = self.engine
        melody, name = _field(payload, "melody"), _field(payload, "title", "Idea")
        token.raise_if_cancelled()
        report(0, 1, "more like this")
        melodies = engine.more_like(melody, int(_field(payload, "count", 4)),
                                    _field(payload, "distance", None),
                                    int(_field(payload, "seed", 0)))  # fmt: skip
        token.raise_if_cancelled()
        report(1, 1, "more like this")
        marks = self._marks(melodies, _field(payload, "profile", None))
        return [
            make_idea(engine, made, f"{name}.{i + 1} · near seed {melody.seed}", mark=mark)
            for i, (made, mark) in enumerate(zip(melodies, marks, strict=True))
        ]

    def _marks(self, melodies: Sequence, profile: str | None) -> list[str | None]:
        """The profile's ♥ / ✕ of each melody; none before the library file exists (the
        library side makes it; a generation must not)."""
        engine = self.engine
        if not engine.db_path.is_file():
            return [None] * len(melodies)
        try:
            return engine.idea_marks(melodies, profile=profile)
        except StudioError as error:  # a busy or damaged library: the ideas still come
            _log.warning("cannot read the ideas' marks: %s", error)
            return [None] * len(melodies)

    def _continue(self, payload: object, report: ProgressCallback, token: CancelToken) -> list:
        engine = self.engine
        settings = engine.generation_settings(**_settings_fields(payload))
        primer: Sequence[Note] = _field(payload, "primer")
        melodies = engine.continue_melody(
            tuple(primer), settings, _field(payload, "count", 1), _field(payload, "seed"),
            progress=report, cancel=token,
        )  # fmt: skip
        return self._ideas(melodies)

    def _regenerate(self, payload: object, report: ProgressCallback, token: CancelToken) -> Idea:
        engine = self.engine
        settings = engine.generation_settings(**_settings_fields(payload))
        melody = _field(payload, "melody")
        notes = getattr(melody, "notes", melody)  # notes, or an idea's GeneratedMelody
        bars = [int(bar) for bar in _field(payload, "bars")]
        seed = _field(payload, "seed")
        report(0, 1, "regenerating bars")
        result = engine.regenerate_bars(tuple(notes), bars, settings, seed)
        report(1, 1, "regenerated bars")
        title = _field(payload, "title", f"Idea · seed {seed}")
        return make_idea(engine, result, title)

    def _render_wav(self, payload: object, report: ProgressCallback, token: CancelToken) -> object:
        song = _field(payload, "song")
        path = _field(payload, "path")
        if not isinstance(song, Song):
            raise InvalidInput("render_wav needs a song")
        warnings: list[str] = []
        rendering = self.engine.render(song, progress=report, cancel=token,
                                       on_warning=warnings.append)  # fmt: skip
        token.raise_if_cancelled()
        with pending_writes.writing(path):
            self.engine.export_wav(rendering, path)
        for text in warnings:
            _log.warning("%s", text)
        return {"path": path, "warnings": warnings}

    def _morph(self, payload: object, report: ProgressCallback, token: CancelToken) -> list:
        # Engine.morph takes no progress or cancel: it is one batch of a few bars, so the
        # token is checked around it (a cancel during it drops the result).
        start, end = _field(payload, "start"), _field(payload, "end")
        count = int(_field(payload, "count", 4))
        token.raise_if_cancelled()
        report(0, 1, "morphing")
        melodies = self.engine.morph(start, end, count)
        token.raise_if_cancelled()
        report(1, 1, "morphed")
        return [
            make_idea(self.engine, melody, f"Morph {i + 1}/{count} · {start.seed}→{end.seed}")
            for i, melody in enumerate(melodies)
        ]

    def _read_song(self, payload: object, report: ProgressCallback, token: CancelToken) -> dict:
        # Two million notes are millions of new objects: with the collector on, its full scans
        # doubled the read (12 s) and each held the GIL for up to 0.75 s (the window stood
        # still). Off while reading, then the song is frozen out of later scans (freeze_gc:
        # its objects hold no cycles, so reference counting still frees them).
        from studio.audio.player import freeze_gc

        path = _field(payload, "path")
        collecting = gc.isenabled()
        gc.disable()
        try:
            song = read_song(path, progress=report, cancel=token)
        finally:
            if collecting:
                gc.enable()
        # The roll's time indexes of the tracks, made here: on the GUI thread they took 2 s.
        indexes = [NoteIndex.prebuild(t.notes) for t in song.tracks if t.notes and not t.is_drum]
        freeze_gc()
        return {"path": path, "song": song, "indexes": indexes}

    def _ideas(self, melodies: Sequence) -> list[Idea]:
        return [
            make_idea(self.engine, melody, f"Idea {i + 1} · seed {melody.seed}")
            for i, melody in enumerate(melodies)
        ]


@dataclass
class _Pending:
    kind: str
    token: CancelToken


class WorkerClient(QObject):
    """The GUI thread's handle on the ``EngineWorker`` and its thread (see the module doc).

    Signals (all on the GUI thread): ``modelReady()``, ``modelFailed(str)``,
    ``progress(id, done, total, message)``, ``finished(id, result)``, ``failed(id, message)``,
    ``busyChanged(bool)`` (whether any request is pending).
    """

    modelReady = Signal()
    modelFailed = Signal(str)
    progress = Signal(int, int, int, str)
    finished = Signal(int, object)
    failed = Signal(int, str)
    busyChanged = Signal(bool)
    _submitted = Signal(int, str, object, object)
    _load = Signal()

    def __init__(
        self,
        engine_factory: Callable[[], Engine] = Engine,
        parent: QObject | None = None,
        *,
        load_models: bool = True,
        name: str = "engineWorker",
    ) -> None:
        """``engine_factory`` builds the worker's engine on the worker thread (tests pass one
        with a tiny model and a library in a temporary folder). ``load_models`` False: a worker
        for library requests only, which never loads the melody model; ``name`` names its
        thread."""
        super().__init__(parent)
        self._factory = engine_factory
        self._loads_models, self._name = load_models, name
        self._thread: QThread | None = None
        self._worker: EngineWorker | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._latest: dict[str, int] = {}
        self._busy = False
        self._model_ready = False
        self.model_error: str | None = None
        """Why the model could not be loaded, once ``modelFailed`` was emitted."""
        self.model_meters: tuple[str, ...] = ()
        """The meters the loaded model makes ("4/4", "2/4", …), once ``modelReady`` was
        emitted (a model trained before meters: 4/4 and 2/4)."""

    @property
    def model_ready(self) -> bool:
        """Whether the melody model is loaded (generation requests will be served)."""
        return self._model_ready

    @property
    def busy(self) -> bool:
        """Whether any submitted request has not ended yet."""
        return self._busy

    @property
    def running(self) -> bool:
        """Whether the worker thread is started (and not stopped)."""
        return self._thread is not None

    def start(self) -> None:
        """Start the worker thread and queue the model loading (once; later calls do nothing)."""
        if self._thread is not None:
            return
        thread = QThread(self)
        thread.setObjectName(self._name)
        worker = EngineWorker(self._factory)
        worker.moveToThread(thread)
        self._submitted.connect(worker.run)
        self._load.connect(worker.load_models)
        worker.modelReady.connect(self._on_model_ready)
        worker.modelFailed.connect(self._on_model_failed)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        thread.finished.connect(worker.close, Qt.ConnectionType.DirectConnection)
        self._thread, self._worker = thread, worker
        thread.start()
        if self._loads_models:
            self._load.emit()

    def submit(self, kind: str, payload: object) -> int:
        """Queue a request (see the module doc for kinds and payloads); returns its id. A
        pending request of the same kind is superseded: cancelled, reported as
        ``failed(old_id, "cancelled")``, its late results dropped — except for the kinds in
        ``NEVER_SUPERSEDED``, which queue."""
        if kind not in KINDS:
            raise ValueError(f"unknown request kind {kind!r} (known: {', '.join(KINDS)})")
        if self._thread is None:
            raise RuntimeError("WorkerClient.start() must be called before submit()")
        if isinstance(payload, dict):  # the GUI may change its dicts later: send a copy
            payload = {k: dict(v) if isinstance(v, dict) else v for k, v in payload.items()}
        request_id = next(self._ids)
        token = CancelToken()
        older = None if kind in NEVER_SUPERSEDED else self._latest.get(kind)
        self._pending[request_id] = _Pending(kind, token)
        self._latest[kind] = request_id
        if older in self._pending:
            self._drop(older)
        self._update_busy()
        self._submitted.emit(request_id, kind, payload, token)
        return request_id

    def cancel(self, request_id: int) -> None:
        """Cancel a pending request: it ends at once with ``failed(id, "cancelled")`` and
        the worker stops at its next check. Unknown or ended ids are ignored."""
        if request_id in self._pending:
            self._drop(request_id)
            self._update_busy()

    def cancel_all(self) -> None:
        """Cancel every pending request (each ends with ``failed(id, "cancelled")``)."""
        for request_id in list(self._pending):
            self._drop(request_id)
        self._update_busy()

    def stop(self) -> None:
        """Cancel everything, end the worker thread and wait for it (call on window close).
        Pending requests end silently: the window is going away."""
        if self._thread is None:
            return
        for pending in self._pending.values():
            pending.token.cancel()
        self._pending.clear()
        thread, self._thread = self._thread, None
        self._submitted.disconnect()
        self._load.disconnect()
        thread.quit()
        thread.wait()
        self._worker = None
        self._model_ready = False
        self._update_busy()

    # -- from the worker (queued onto the GUI thread) -------------------------------------------

    def _drop(self, request_id: int) -> None:
        pending = self._pending.pop(request_id)
        pending.token.cancel()
        self.failed.emit(request_id, CANCELLED)

    def _update_busy(self) -> None:
        busy = bool(self._pending)
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    @Slot(object)
    def _on_model_ready(self, meters: tuple[str, ...]) -> None:
        if self._thread is not None:
            self._model_ready, self.model_error = True, None
            self.model_meters = tuple(meters)
            self.modelReady.emit()

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        if self._thread is not None:
            self._model_ready, self.model_error = False, message
            self.modelFailed.emit(message)

    @Slot(int, int, int, str)
    def _on_progress(self, request_id: int, done: int, total: int, message: str) -> None:
        if request_id in self._pending:
            self.progress.emit(request_id, done, total, message)

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        if self._pending.pop(request_id, None) is not None:
            self.finished.emit(request_id, result)
            self._update_busy()

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if self._pending.pop(request_id, None) is not None:
            self.failed.emit(request_id, message)
            self._update_busy()
