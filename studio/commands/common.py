"""Helpers shared by the subcommands: JSON output, progress bars, Ctrl-C as a cancel token."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from studio.core.mood import Mood
from studio.core.progress import CancelToken, ProgressCallback

EXIT_OK = 0


def print_json(document: object) -> None:
    """Print one JSON document on stdout (the only thing a ``--json`` command prints there)."""
    print(json.dumps(document, indent=2, ensure_ascii=False))


@contextmanager
def progress_bar(description: str, enabled: bool = True) -> Iterator[ProgressCallback]:
    """A tqdm progress bar on stderr, as a ``progress(done, total, message)`` callback."""
    if not enabled:
        yield lambda done, total, message: None
        return
    from tqdm import tqdm

    bar = tqdm(desc=description, file=sys.stderr, dynamic_ncols=True, unit="step")

    def update(done: int, total: int, message: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(message, refresh=False)
        bar.refresh()

    try:
        yield update
    finally:
        bar.close()


@contextmanager
def cancel_on_interrupt() -> Iterator[CancelToken]:
    """A cancel token that the first Ctrl-C sets (a second one interrupts at once)."""
    token = CancelToken()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        print("\nstopping after the current step (Ctrl-C again to abort)…", file=sys.stderr)
        token.cancel()

    signal.signal(signal.SIGINT, handler)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)


def check_melody_source(value: str, flag: str) -> None:
    """Refuse a source of melodies (``--data``, ``--reference``) that is neither "music21",
    "music21:COLLECTION[,…]" nor a folder of MIDI files, in one sentence."""
    from studio.core.errors import InvalidInput
    from studio.generation.tunes import music21_collections

    if music21_collections(value) is None and not Path(value).is_dir():
        raise InvalidInput(
            f"{flag} must be 'music21', music21:COLLECTION or a folder of MIDI files, not {value}"
        )


def check_top(top: int) -> None:
    """``--top`` must ask for 1–1000 tracks."""
    from studio.core.errors import InvalidInput

    if not 1 <= top <= 1000:
        raise InvalidInput(f"--top must be 1–1000, not {top}")


def ranked_json(ranked, rank: int) -> dict:
    """A ranked library track as the ``--json`` documents show it (``rank`` counts from 1)."""
    track = ranked.track
    return {
        "rank": rank,
        "id": track.id,
        "title": track.title,
        "path": track.display_path,
        "score": round(ranked.score, 4),
        "reasons": ranked.reasons,
        "mood": _mood_json(track),
    }


def _mood_json(track) -> dict | None:
    """A catalog track's mood as ``{"valence", "arousal", "words"}`` (None without one)."""
    if getattr(track, "valence", None) is None or track.arousal is None:
        return None
    words = Mood(track.valence, track.arousal).words
    return {"valence": round(track.valence, 3), "arousal": round(track.arousal, 3), "words": words}


def print_ranked(ranked_tracks) -> None:
    """Print ranked library tracks (``RankedTrack``), one block each."""
    for rank, ranked in enumerate(ranked_tracks, 1):
        track = ranked.track
        print(f"{rank:>3}. {ranked.score:.3f}  {track.title}  [id {track.id}]")
        print(f"       {track.display_path}")
        for reason in ranked.reasons:
            print(f"       · {reason}")


def prepare_library(engine, *, show: bool) -> None:
    """First run: index the demo library into an empty library (saying so); then embed the
    tracks that have no vectors from this model yet. Progress bars unless ``show`` is false."""
    if engine.library_is_empty():
        print("the library is empty: indexing the demo library first…", file=sys.stderr)
        with progress_bar("indexing", enabled=show) as progress:
            engine.index_demo_if_empty(progress=progress)
    if engine.tracks_without_vectors():
        with progress_bar("embedding tracks for this model", enabled=show) as progress:
            engine.embed_missing(progress=progress)


def report_damaged_settings() -> None:
    """Read the settings once before a command runs, so a damaged settings file is set aside
    (``settings.json.bad``) and said on stderr whatever the command is."""
    from studio.settings import load_settings, settings_notices

    load_settings()
    for notice in settings_notices():
        print(f"studio: warning: {notice}", file=sys.stderr)
