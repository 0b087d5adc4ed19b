"""The hidden temporary files a killed window left beside the files it was writing.

``atomic_write_bytes`` writes ``.NAME.PID-RANDOM.tmp`` beside NAME, then renames it over NAME;
a kill in between leaves that file in the user's folder, and only a later write of the same
NAME would remove it. So while the window writes a file the user chose (Save, Export MIDI,
Export WAV) it keeps the file's path in a list of its own, ``<user data>/pending-writes/PID.json``.
At the next start ``tidy_after_killed_sessions`` reads the lists of processes that are gone and
removes, beside each file named there, only the temporary files of that name whose writer is
gone (``remove_stale_temp_files``). The list is a help, never a condition: if it cannot be
written the file is written all the same.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from studio.core.fileio import atomic_write_bytes, process_running, remove_stale_temp_files

_lock = threading.Lock()
_writing: list[str] = []  # this process's files being written (a file twice: written twice)


def pending_folder() -> Path:
    """Where the lists of files being written are kept (``XDG_DATA_HOME`` moves it)."""
    from platformdirs import user_data_path

    return user_data_path("motif-studio") / "pending-writes"


@contextlib.contextmanager
def writing(target: str | os.PathLike) -> Iterator[None]:
    """Keep ``target`` in this process's list while the block writes it."""
    name = os.fspath(Path(target).absolute())
    with _lock:
        _writing.append(name)
        _save()
    try:
        yield
    finally:
        with _lock:
            _writing.remove(name)
            _save()


def _save() -> None:
    path = pending_folder() / f"{os.getpid()}.json"
    with contextlib.suppress(OSError):
        if _writing:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, json.dumps(_writing).encode("utf-8"))
        else:
            path.unlink(missing_ok=True)


def tidy_after_killed_sessions() -> list[str]:
    """Remove what killed sessions' writes left beside the files in their lists, and the lists;
    returns the files they were writing. A running session's list is left alone (this
    process's own too: it may be writing)."""
    folder = pending_folder()
    try:
        lists = sorted(folder.glob("*.json"))
        half_written = list(folder.glob(".*.tmp"))  # a list's own write, cut off
    except OSError:
        return []
    for path in half_written:
        remove_stale_temp_files(folder / path.name[1:].rsplit(".", 2)[0])
    tidied = []
    for path in lists:
        pid = path.stem
        if not pid.isdigit() or int(pid) == os.getpid() or process_running(int(pid)):
            continue
        try:
            targets = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            targets = []  # cut off by the kill: nothing to go by
        for target in targets if isinstance(targets, list) else []:
            if isinstance(target, str):
                remove_stale_temp_files(target)
                tidied.append(target)
        with contextlib.suppress(OSError):
            path.unlink()
    return tidied
