"""End-to-end: `studio index DIR... --db PATH [--json]`, and kill -9 in the middle of a run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, Track

STUDIO = Path(sys.executable).with_name("studio")


def write_songs(folder, count: int, notes: int = 64) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        melody = tuple(Note(48 + (i * 7 + j * 5) % 36, j * 0.25, 0.25, 90) for j in range(notes))
        song = Song((Track(melody, name=f"tune {i}"),), tempos=(TempoChange(0, 90 + i % 60),))
        write_midi(song, folder / f"tune-{i:04d}.mid")


def test_index_json_end_to_end(studio, tmp_path, data_dir):
    folder = tmp_path / "music"
    write_songs(folder, 4)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    db = tmp_path / "lib.sqlite"
    result = studio("index", str(folder), str(data_dir), "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    own = len(list(data_dir.glob("*.mid")))
    assert report["indexed"] == 4 + own and report["unchanged"] == 0
    assert report["skipped"] == [
        {"path": str(folder / "broken.mid"), "reason": report["skipped"][0]["reason"]}
    ]
    assert report["skipped"][0]["reason"]
    assert report["library"] == {"ok": 4 + own, "error": 1, "missing": 0, "total": 5 + own}
    assert set(report) >= {"moved", "missing", "seconds", "files_per_second", "db"}

    (folder / "tune-0000.mid").unlink()
    text = studio("index", str(folder), "--db", str(db))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("indexed 0, unchanged 4, moved 0, missing 1, skipped 0")


def test_a_bad_folder_is_one_line_and_exit_2(studio, tmp_path):
    for bad in (tmp_path / "nowhere", tmp_path / "file.mid"):
        if bad.suffix:
            bad.write_bytes(b"MThd")
        result = studio("index", str(bad), "--db", str(tmp_path / "lib.sqlite"))
        assert result.returncode == 2
        assert result.stderr.strip().count("\n") == 0 and "not a folder" in result.stderr
        assert result.stdout == ""


def test_a_corrupt_library_file_is_one_line_and_exit_2(studio, tmp_path):
    db = tmp_path / "lib.sqlite"
    db.write_bytes(b"garbage" * 1000)
    result = studio("index", str(tmp_path), "--db", str(db))
    assert result.returncode == 2
    assert "not a usable library" in result.stderr and result.stderr.strip().count("\n") == 0
    assert "studio index --rebuild" in result.stderr

    music = tmp_path / "music"
    music.mkdir()
    (music / "broken.mid").write_bytes(b"MThd")
    rebuilt = studio("index", str(music), "--db", str(db), "--rebuild", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["library"]["error"] == 1
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("lib.sqlite.broken-")]
    assert len(kept) == 1 and kept[0].read_bytes() == b"garbage" * 1000  # set aside, not lost


def test_a_busy_library_is_a_clear_error(tmp_path):
    from studio.library.catalog import Catalog, CatalogError

    db = tmp_path / "lib.sqlite"
    Catalog(db).close()
    holder = sqlite3.connect(db)
    holder.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        with (
            Catalog(db, timeout=0.2) as catalog,
            pytest.raises(CatalogError, match="busy"),
            catalog.transaction(),
        ):
            pass
    finally:
        holder.rollback()
        holder.close()


def count_rows(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as connection:
            return connection.execute("SELECT COUNT(*) FROM tracks").fetchone()[0]
    except sqlite3.Error:  # not created yet, or the schema is being written
        return 0


def test_kill_9_mid_run_leaves_a_consistent_db_and_the_next_run_resumes(tmp_path):
    folder = tmp_path / "many"
    total = 400
    write_songs(folder, 8, notes=3000)  # big enough that a run takes a while
    originals = sorted(folder.iterdir())
    for i in range(len(originals), total):  # copies are quicker to make than new songs
        (folder / f"copy-{i:04d}.mid").write_bytes(originals[i % len(originals)].read_bytes())
    db = tmp_path / "lib.sqlite"
    process = subprocess.Popen(
        [str(STUDIO), "index", str(folder), "--db", str(db), "--json"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while count_rows(db) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    written = count_rows(db)
    assert 0 < written < total

    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    result = subprocess.run(
        [str(STUDIO), "index", str(folder), "--db", str(db), "--json"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["unchanged"] == written and report["indexed"] == total - written
    assert report["skipped"] == [] and report["library"]["ok"] == total
    with sqlite3.connect(db) as connection:
        paths = [row[0] for row in connection.execute("SELECT path FROM tracks")]
        assert len(paths) == len(set(paths)) == total
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_index_without_a_folder_catalogs_the_demo_library(studio, tmp_path):
    db = tmp_path / "library.sqlite"
    result = studio("index", "--db", str(db), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["indexed"] >= 40 and report["skipped"] == []
    assert report["library"]["ok"] == report["indexed"]


def test_indexing_works_when_the_process_pool_cannot_start(tmp_path):
    """Under a TMPDIR too long for the pool's socket path (107 bytes) the files are parsed in
    turn instead of failing with "AF_UNIX path too long"."""
    long_tmp = tmp_path / ("t" * 110)
    long_tmp.mkdir()
    write_songs(tmp_path / "music", 120, notes=16)  # over two batches: the pool would be used
    result = subprocess.run(
        [str(Path(sys.executable).with_name("studio")), "index", str(tmp_path / "music"),
         "--db", str(tmp_path / "lib.sqlite"), "--json"],
        capture_output=True, text=True, timeout=300, env=os.environ | {"TMPDIR": str(long_tmp)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["indexed"] == 120
