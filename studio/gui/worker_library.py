"""The worker's library requests: one small function per kind, each calling one engine method.

Every handler is ``(engine, payload, report, token) -> result`` and runs on the worker thread
(``EngineWorker.run`` looks it up in ``LIBRARY_HANDLERS``); ``report(done, total, message)`` is
the request's progress and ``token`` its ``CancelToken``. The kinds, payloads and results are
listed in ``studio.gui.worker``'s module docstring.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable
from typing import Any

from studio.core.errors import InvalidInput
from studio.core.music import Song
from studio.core.progress import CancelToken, ProgressCallback
from studio.engine import Engine

Handler = Callable[[Engine, object, ProgressCallback, CancelToken], Any]

_REQUIRED = object()
DEFAULT_TOP = 20
"""How many similar tracks or suggestions a request gets unless it says."""


def request_field(payload: object, name: str, default: object = _REQUIRED) -> Any:
    """``payload[name]``; ``InvalidInput`` when a required field is missing."""
    if not isinstance(payload, dict):
        raise InvalidInput(f"a request must be a dict of fields, not {type(payload).__name__}")
    if name in payload:
        return payload[name]
    if default is _REQUIRED:
        raise InvalidInput(f"the request lacks {name!r}")
    return default


def _track_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInput(f"a track id is a whole number, not {value!r}")
    return int(value)  # numpy's integers too (ids out of LibraryRows)


def _counting(report: ProgressCallback, verb: str) -> ProgressCallback:
    """The indexer's ``progress(done, total, "N files/s")`` as "indexed 120 of 2,003 files"."""

    def progress(done: int, total: int, rate: str) -> None:
        text = f"{verb} {done:,} of {total:,} files" if total else f"{verb}…"
        report(done, total, f"{text} · {rate}" if rate else text)

    return progress


# -- the library ----------------------------------------------------------------------------


def library_rows(engine: Engine, payload: object, report, token) -> object:
    """``{profile?}`` → ``LibraryRows`` (the current profile's by default)."""
    return engine.library_rows(request_field(payload, "profile", None))


def library_version(engine: Engine, payload: object, report, token) -> tuple:
    """``{}`` → ``Engine.library_version()``."""
    return engine.library_version()


def index(engine: Engine, payload: object, report, token) -> object:
    """``{folders: [paths], files?: [paths]}`` → ``IndexSummary`` (a cancelled run keeps
    whole batches)."""
    folders = request_field(payload, "folders")
    files = request_field(payload, "files", [])
    if isinstance(folders, str | os.PathLike):
        folders = [folders]
    if not folders and not files:
        raise InvalidInput("choose at least one folder to add to the library")
    return engine.index(
        [os.fspath(folder) for folder in folders],
        files=[os.fspath(file) for file in files],
        progress=_counting(report, "indexed"),
        cancel=token,
    )


def prepare_library(engine: Engine, payload: object, report, token) -> object:
    """``{}`` → ``LibraryPreparation`` (the demo library on first use, then missing vectors)."""
    return engine.prepare_library(
        progress=_counting(report, "preparing the library:"), cancel=token
    )


def rescan(engine: Engine, payload: object, report, token) -> object:
    """``{}`` → ``IndexSummary`` of the library's folders read again."""
    return engine.rescan(progress=_counting(report, "rescanned"), cancel=token)


def remove_tracks(engine: Engine, payload: object, report, token) -> int:
    """``{ids}`` → how many tracks left the library (their files stay)."""
    return engine.remove_tracks([_track_id(i) for i in request_field(payload, "ids")])


def track_song(engine: Engine, payload: object, report, token) -> Song:
    """``{track_id}`` → the track's ``Song`` (a vanished file fails in words)."""
    return engine.track_song(_track_id(request_field(payload, "track_id")))


# -- similar tracks, suggestions, feedback ---------------------------------------------------


def similar(engine: Engine, payload: object, report, token) -> object:
    """``{track_id}`` or ``{song}``, ``top`` (20), ``mode`` ("auto") → ``SimilarResult``."""
    top = int(request_field(payload, "top", DEFAULT_TOP))
    mode = request_field(payload, "mode", "auto")
    song = request_field(payload, "song", None)
    if song is not None:
        if not isinstance(song, Song):
            raise InvalidInput("a similar request's song must be a Song")
        return engine.similar_to(song, top=top, mode=mode)
    return engine.similar_to(_track_id(request_field(payload, "track_id")), top=top, mode=mode)


def recommend(engine: Engine, payload: object, report, token) -> list:
    """``{top (20), seed_track?, profile?}`` → ``list[RankedTrack]`` for the profile."""
    seed = request_field(payload, "seed_track", None)
    return engine.recommend(
        request_field(payload, "profile", None),
        top=int(request_field(payload, "top", DEFAULT_TOP)),
        seed_track=None if seed is None else _track_id(seed),
    )


def feedback(engine: Engine, payload: object, report, token) -> object:
    """``{track_id, kind, value?, profile?, at?}`` → the stored ``FeedbackEvent``."""
    return engine.record_feedback(
        _track_id(request_field(payload, "track_id")),
        request_field(payload, "kind"),
        value=request_field(payload, "value", None),
        profile=request_field(payload, "profile", None),
        at=request_field(payload, "at", None),
    )


def idea_reaction(engine: Engine, payload: object, report, token) -> None:
    """``{melody, kind, on?, profile?, at?}`` → None: the profile's reaction to a generated
    idea stored, with the time it happened (``on`` False: a ♥ or ✕ taken back)."""
    melody, kind = request_field(payload, "melody"), request_field(payload, "kind")
    profile = request_field(payload, "profile", None)
    if request_field(payload, "on", True):
        engine.record_idea(melody, kind, profile=profile, at=request_field(payload, "at", None))
    else:
        engine.withdraw_idea(melody, kind, profile=profile)


def idea_marks(engine: Engine, payload: object, report, token) -> list:
    """``{melodies, profile?}`` → per melody "like", "dislike" or None."""
    return engine.idea_marks(request_field(payload, "melodies"),
                             profile=request_field(payload, "profile", None))  # fmt: skip


# -- profiles (the window's library is created on first use, so these never ask for one) ------


def profiles(engine: Engine, payload: object, report, token) -> dict:
    """``{}`` → ``{"current": name, "profiles": {name: number of events}}``."""
    _ = engine.catalog
    return {"current": engine.current_profile, "profiles": engine.profiles()}


def create_profile(engine: Engine, payload: object, report, token) -> str:
    """``{name}`` → the new profile's name."""
    _ = engine.catalog
    return engine.create_profile(request_field(payload, "name"))


def use_profile(engine: Engine, payload: object, report, token) -> None:
    """``{name}`` → None; the profile is current from now on (a setting)."""
    _ = engine.catalog
    engine.use_profile(request_field(payload, "name"))


def forget_profile(engine: Engine, payload: object, report, token) -> int:
    """``{name, delete}`` → how many feedback events were removed."""
    _ = engine.catalog
    return engine.forget_profile(
        request_field(payload, "name"), delete=bool(request_field(payload, "delete", False))
    )


def rebuild_library(engine: Engine, payload: object, report, token) -> object:
    """``{}`` → the name the damaged library file was set aside as (None: there was none);
    then a new library is prepared (the demo library, on a first run)."""
    from studio.engine import set_library_aside

    engine.close()
    aside = set_library_aside(engine.db_path)
    engine.prepare_library(progress=_counting(report, "preparing the library:"), cancel=token)
    return aside


def reopen_library(engine: Engine, payload: object, report, token) -> None:
    """``{}`` → None: close the library file; the next request opens it anew (after a
    rebuild set the old one aside)."""
    engine.close()


LIBRARY_HANDLERS: dict[str, Handler] = {
    "library_rows": library_rows,
    "library_version": library_version,
    "index": index,
    "prepare_library": prepare_library,
    "rescan": rescan,
    "remove_tracks": remove_tracks,
    "track_song": track_song,
    "similar": similar,
    "recommend": recommend,
    "feedback": feedback,
    "idea_reaction": idea_reaction,
    "idea_marks": idea_marks,
    "profiles": profiles,
    "create_profile": create_profile,
    "use_profile": use_profile,
    "forget_profile": forget_profile,
    "rebuild_library": rebuild_library,
    "reopen_library": reopen_library,
}
"""The library request kinds and their handlers."""

NEVER_SUPERSEDED = frozenset(
    {"feedback", "idea_reaction", "index", "rescan", "remove_tracks", "prepare_library",
     "create_profile", "use_profile", "forget_profile", "rebuild_library", "reopen_library"}
)  # fmt: skip
"""Kinds whose requests queue behind each other instead of replacing the older one: each is a
write the user asked for (a ♥, a folder), so none may be dropped."""
