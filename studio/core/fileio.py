"""Safe file writing: a crash or a full disk never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# Read once at import (changing the umask is not thread-safe): new files get the usual mode.
_NEW_FILE_MODE = 0o666 & ~_current_umask()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically.

    The bytes go to a temporary file in the same folder, are flushed to disk, and the temporary
    file is then renamed over ``path``; readers see either the old file or the new one, never a
    mix. Raises ``OSError`` like ``open`` does (missing folder, no permission, disk full).
    The temporary file's name is ``.NAME.PID-RANDOM.tmp``; what a killed writer left is removed
    at the next write of the same file.
    """
    target = Path(path)
    remove_stale_temp_files(target)
    prefix = f".{target.name}.{os.getpid()}-"  # whose it is: see remove_stale_temp_files
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    try:
        # mkstemp makes the file private (0600); give it the mode of the file it replaces, or
        # the mode a new file would get.
        try:
            mode = target.stat().st_mode & 0o777
        except OSError:
            mode = _NEW_FILE_MODE
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def remove_stale_temp_files(target: str | os.PathLike) -> None:
    """Remove the temporary files that writes of ``target`` left when their process was killed
    (a process that is still running may be writing: its files stay)."""
    target = Path(target)
    prefix = f".{target.name}."
    try:
        candidates = list(target.parent.glob(f"{glob.escape(prefix)}*-*.tmp"))
    except OSError:
        return
    for path in candidates:
        pid = path.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not process_running(int(pid)):
            with contextlib.suppress(OSError):
                path.unlink()


def process_running(pid: int) -> bool:
    """Whether process ``pid`` exists (a process of another user counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or no such number: leave the file alone
    return True
