"""Labelled sets for ``studio eval retrieval`` and ``studio eval recommend``.

A labelled set is a list of songs, each with a *group* label (a tune with several arrangements,
a composer, a collection). It comes from a folder whose subfolders are the groups, from a CSV
file with the header ``path,group``, or from the music21 corpus (``default_sets``: a
``versions`` set and a ``style`` set). Files that cannot be read, have no pitched notes or repeat
the music of another file are skipped, each with its reason.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from studio.core.errors import InvalidInput, MidiFileError
from studio.core.midi_files import midi_paths
from studio.core.midi_read import MIDI_SUFFIXES, read_midi
from studio.core.music import Song
from studio.core.progress import CancelToken, ProgressCallback, no_progress


@dataclass(frozen=True)
class LabelledSong:
    """A song with its group label; ``source`` is a display path for reports only. ``piece``
    names the work it belongs to when several songs are parts of one (the movements of a
    quartet); empty means the song is a piece of its own."""

    song: Song
    group: str
    source: str
    piece: str = ""


def load_labelled_set(
    source: Path,
    progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[list[LabelledSong], list[tuple[str, str]]]:
    """Read a labelled set: the songs, and the skipped files with the reason for each.

    ``source`` is a folder whose immediate subfolders are the groups (MIDI files anywhere inside
    each), or a CSV file with the header ``path,group`` (relative paths are resolved against the
    CSV's folder). Unreadable files and files without pitched notes are skipped.

    Raises:
        InvalidInput: ``source`` is neither, or fewer than 2 songs or 2 groups could be read.
        Cancelled: ``cancel`` was set.
    """
    source = Path(source)
    if source.is_dir():
        entries, skipped = _folder_entries(source)
    elif source.is_file() and source.suffix.lower() == ".csv":
        entries, skipped = _csv_entries(source)
    else:
        raise InvalidInput(f"{source} is neither a folder of group folders nor a .csv file")
    songs, unreadable = _read_songs(entries, progress, cancel)
    check_set(songs, str(source))
    return songs, skipped + unreadable


def default_sets(
    progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
) -> dict[str, list[LabelledSong]]:
    """The ``versions`` and ``style`` sets of the music21 corpus (written first if needed).

    Versions: Bach chorales whose tune has several harmonisations, grouped by tune. Style: whole
    pieces, about 30 files per composer or collection, grouped by it, each song carrying its
    piece. See ``studio.similarity.corpus``.
    """
    from studio.similarity.corpus import ensure_corpus

    files = ensure_corpus(progress=progress, cancel=cancel)
    if cancel is not None:
        cancel.raise_if_cancelled()
    labels = {"versions": lambda f: f.tune, "style": lambda f: f.group}
    entries = [
        (f.path, labels[f.role](f), f"{f.path.parent.name}/{f.path.name}", f.role)
        for f in files
        if f.role in labels
    ]
    songs, _ = _read_songs([e[:3] for e in entries], progress, cancel)
    role_of = {e[2]: e[3] for e in entries}
    piece_of = {f"{f.path.parent.name}/{f.path.name}": f"{f.group}/{f.piece}" for f in files}
    sets = {
        role: [replace(s, piece=piece_of[s.source]) for s in songs if role_of[s.source] == role]
        for role in labels
    }
    for role, members in sets.items():
        check_set(members, f"the corpus {role} set")
    return sets


def check_set(songs: Sequence[LabelledSong], where: str) -> None:
    """Refuse a set with fewer than 2 songs or 2 groups; ``where`` names it in the message.

    Raises:
        InvalidInput: the set is too small to score anything.
    """
    groups = {s.group for s in songs}
    if len(songs) < 2 or len(groups) < 2:
        raise InvalidInput(
            f"{where}: a labelled set needs at least 2 readable songs in at least 2 groups "
            f"(found {len(songs)} songs in {len(groups)} groups)"
        )


def _folder_entries(folder: Path) -> tuple[list[tuple[Path, str, str]], list[tuple[str, str]]]:
    """``(path, group, shown)`` for each MIDI file in a group subfolder, and misplaced files."""
    entries, skipped = [], []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            for path in midi_paths(child, skipped):  # the indexer's walk
                entries.append((path, child.name, path.relative_to(folder).as_posix()))
        elif child.suffix.lower() in MIDI_SUFFIXES:
            skipped.append((child.name, "not inside a group folder"))
    return entries, skipped


def _csv_entries(path: Path) -> tuple[list[tuple[Path, str, str]], list[tuple[str, str]]]:
    """``(path, group, shown)`` for each row of a ``path,group`` CSV file, and bad rows."""
    entries, skipped = [], []
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            if not {"path", "group"} <= set(reader.fieldnames or ()):
                raise InvalidInput(f"{path} needs the header line 'path,group'")
            for line, row in enumerate(reader, 2):
                name, group = (row["path"] or "").strip(), (row["group"] or "").strip()
                if name and group:
                    entries.append((path.parent / name, group, name))
                else:
                    skipped.append((f"{path.name} line {line}", "empty path or group"))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"cannot read {path}: {error}") from None
    return entries, skipped


def _read_songs(
    entries: Sequence[tuple[Path, str, str]],
    progress: ProgressCallback,
    cancel: CancelToken | None,
) -> tuple[list[LabelledSong], list[tuple[str, str]]]:
    """Read each ``(path, group, shown)`` entry: the songs, and the skipped ``(shown, reason)``."""
    songs, skipped = [], []
    seen: dict[tuple, str] = {}
    for done, (path, group, shown) in enumerate(entries, 1):
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            song = read_midi(path)
        except MidiFileError as error:
            skipped.append((shown, str(error)))
        else:
            music = _music_key(song)
            if not song.notes:
                skipped.append((shown, "no notes outside drum tracks"))
            elif music in seen:
                # The same notes twice (the corpus has a few): either copy would be a right answer.
                skipped.append((shown, f"the same music as {seen[music]}"))
            else:
                seen[music] = shown
                songs.append(LabelledSong(song, group, shown))
        progress(done, len(entries), shown)
    return songs, skipped


def _music_key(song: Song) -> tuple:
    """The pitched notes as a hashable value, to spot duplicates: (start, duration, pitch class)
    in the rotation of the 12 that sorts first, so that a transposed duplicate, or one with a
    note in another octave, counts too (the corpus has BWV 158.4 and BWV 279: one harmonisation,
    one bass note an octave apart)."""
    notes = song.notes
    return min(
        tuple(sorted((round(n.start, 4), round(n.duration, 4), (n.pitch + k) % 12) for n in notes))
        for k in range(12)
    )
