"""Atomic writes: a temporary file renamed over the target; what a killed writer left beside
the target is removed at the next write of the same file (issue 18)."""

from __future__ import annotations

import errno
import os
import subprocess

import pytest

from studio.core.fileio import atomic_write_bytes, process_running


def gone_pid() -> int:
    """The process id of a process that has ended."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_the_file_is_replaced_whole_with_its_mode_kept(tmp_path):
    target = tmp_path / "song.mid"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new bytes")
    assert target.read_bytes() == b"new bytes" and target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "song.mid"
    target.write_bytes(b"old")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["song.mid"]


def test_what_a_killed_writer_left_is_removed_at_the_next_write(tmp_path):
    dead = gone_pid()
    assert not process_running(dead) and process_running(os.getpid())
    stale = tmp_path / f".song.mid.{dead}-k1ll3d.tmp"
    running = tmp_path / f".song.mid.{os.getppid()}-writing.tmp"  # a live process's write
    other_file = tmp_path / f".other.mid.{dead}-k1ll3d.tmp"
    not_ours = tmp_path / ".song.mid.notes.tmp"
    for path in (stale, running, other_file, not_ours):
        path.write_bytes(b"half")
    atomic_write_bytes(tmp_path / "song.mid", b"whole")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"song.mid", running.name, other_file.name, not_ours.name}
