"""Indexing real MIDI files into a real SQLite file: incremental, moves, missing, bad files."""

from __future__ import annotations

import os
import shutil

import pytest

from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, Track
from studio.core.progress import CancelToken
from studio.library import indexer
from studio.library.catalog import Catalog
from studio.library.indexer import index_folders


def write_song(path, seed: int = 0, bars: int = 2) -> None:
    """A small two-track song: a melody over a drum beat, 120 BPM."""
    melody = tuple(Note(60 + (seed + i) % 12, i * 0.5, 0.5, 90) for i in range(bars * 8))
    drums = tuple(Note(36, i, 0.25, 100) for i in range(bars * 4))
    song = Song(
        (Track(melody, program=73, name="flute"), Track(drums, is_drum=True, name="drums")),
        tempos=(TempoChange(0, 120),),
    )  # fmt: skip
    write_midi(song, path)


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "music"
    (folder / "deep" / "er").mkdir(parents=True)
    for i in range(3):
        write_song(folder / f"song-{i}.mid", seed=i)
    write_song(folder / "deep" / "LOUD.MID", seed=7)
    write_song(folder / "deep" / "er" / "karaoke.Kar", seed=8)
    (folder / "notes.txt").write_text("not a MIDI file, and not looked at")
    return folder


@pytest.fixture
def catalog(tmp_path):
    with Catalog(tmp_path / "library.sqlite") as opened:
        yield opened


def test_first_run_indexes_with_metadata_second_run_reads_nothing(library, catalog, monkeypatch):
    first = index_folders(catalog, [library], workers=1)
    assert (first.indexed, first.unchanged, first.skipped, first.missing) == (5, 0, [], 0)
    track = catalog.get_by_path(library / "song-0.mid")
    assert track.status == "ok" and len(track.content_hash) == 64
    assert track.title == "song-0"  # no title in the file: its name
    assert track.programs == [73, 128]
    assert track.tempo == 120 and track.time_signature == "4/4"
    assert track.note_count == 24 and track.duration_seconds == pytest.approx(4.0, abs=0.2)
    assert track.density == pytest.approx(2.0, abs=0.1)  # 16 melody notes over 8 beats
    assert 60 <= track.pitch_low <= track.pitch_high <= 71
    assert track.key_estimated

    def no_parse(path):
        raise AssertionError("an unchanged file was parsed")

    monkeypatch.setattr(indexer, "describe_path", no_parse)
    second = index_folders(catalog, [library], workers=1)
    assert (second.indexed, second.unchanged, second.moved, second.missing) == (0, 5, 0, 0)
    assert catalog.counts() == {"ok": 5, "error": 0, "missing": 0, "total": 5}


def test_modified_moved_and_deleted_files(library, catalog):
    index_folders(catalog, [library], workers=1)
    ids = {t.display_path: t.id for t in catalog.tracks()}
    write_song(library / "song-0.mid", seed=5, bars=4)  # modified: new size and mtime
    (library / "song-1.mid").rename(library / "deep" / "renamed.mid")  # moved
    (library / "song-2.mid").unlink()  # deleted
    summary = index_folders(catalog, [library], workers=1)
    assert (summary.indexed, summary.unchanged, summary.moved, summary.missing) == (1, 2, 1, 1)
    modified = catalog.get_by_path(library / "song-0.mid")
    assert modified.id == ids[str(library / "song-0.mid")] and modified.note_count == 48
    moved = catalog.get_by_path(library / "deep" / "renamed.mid")
    assert moved.id == ids[str(library / "song-1.mid")] and moved.status == "ok"
    assert catalog.get_by_path(library / "song-1.mid") is None
    assert catalog.get_by_path(library / "song-2.mid").status == "missing"
    # The deleted file comes back: it is indexed again under its old id.
    write_song(library / "song-2.mid", seed=2)
    again = index_folders(catalog, [library], workers=1)
    assert catalog.get_by_path(library / "song-2.mid").status == "ok"
    assert catalog.get_by_path(library / "song-2.mid").id == ids[str(library / "song-2.mid")]
    assert again.missing == 0 and catalog.counts()["missing"] == 0


def test_a_moved_copy_keeps_its_own_id_and_the_copy_left_behind_keeps_its(library, catalog):
    shutil.copy(library / "song-1.mid", library / "copy.mid")  # same bytes, two tracks
    index_folders(catalog, [library], workers=1)
    ids = {t.display_path: t.id for t in catalog.tracks()}
    (library / "copy.mid").rename(library / "deep" / "copy-moved.mid")
    summary = index_folders(catalog, [library], workers=1)
    assert (summary.indexed, summary.moved, summary.missing) == (0, 1, 0)
    moved = catalog.get_by_path(library / "deep" / "copy-moved.mid")
    assert moved.id == ids[str(library / "copy.mid")]
    assert catalog.get_by_path(library / "song-1.mid").id == ids[str(library / "song-1.mid")]


def test_the_mood_is_stored_and_tracks_described_before_it_are_read_again(library, catalog):
    index_folders(catalog, [library], workers=1)
    track = catalog.get_by_path(library / "song-0.mid")
    assert -1 <= track.valence <= 1 and -1 <= track.arousal <= 1
    assert track.described == indexer.DESCRIPTION
    with catalog.transaction():  # as a library indexed before the mood was read
        catalog.execute("UPDATE tracks SET valence = NULL, arousal = NULL, described = NULL")
    again = index_folders(catalog, [library], workers=1)
    assert (again.indexed, again.unchanged) == (5, 0)
    assert catalog.get_by_path(library / "song-0.mid").valence == track.valence
    assert index_folders(catalog, [library], workers=1).unchanged == 5


def test_bad_files_are_skipped_with_reasons(library, catalog, data_dir):
    (library / "empty.mid").write_bytes(b"")
    (library / "text.midi").write_text("hello, I am not MIDI")
    (library / "truncated.rmi").write_bytes((library / "song-0.mid").read_bytes()[:40])
    shutil.copy(data_dir / "key_and_names.mid", library / "good.mid")
    summary = index_folders(catalog, [library], workers=1)
    reasons = dict(summary.skipped)
    assert set(reasons) == {str(library / n) for n in ("empty.mid", "text.midi", "truncated.rmi")}
    assert reasons[str(library / "empty.mid")] == "empty file"
    assert all(reasons.values())
    assert summary.indexed == 6
    assert catalog.counts() == {"ok": 6, "error": 3, "missing": 0, "total": 9}
    assert catalog.get_by_path(library / "text.midi").error == reasons[str(library / "text.midi")]
    # Bad files that did not change are not read again either.
    assert index_folders(catalog, [library], workers=1).unchanged == 9


def test_odd_names_symlink_loops_and_letter_case(tmp_path, catalog):
    folder = tmp_path / "odd"
    folder.mkdir()
    raw = os.fsencode(folder) + b"/caf\xe9 \xff.MiD"  # not UTF-8
    write_song(tmp_path / "x.mid")
    shutil.copy(tmp_path / "x.mid", raw)
    write_song(folder / "spaces and ' quotes; [x].midi", seed=3)
    os.symlink(folder, folder / "loop")  # a folder that contains itself
    os.symlink(tmp_path, folder / "parent")
    summary = index_folders(catalog, [folder], workers=1)
    assert summary.indexed == 2 and summary.skipped == []
    track = catalog.get_by_path(raw)
    assert track.path == raw and "\ufffd" in track.display_path
    assert index_folders(catalog, [folder, folder / "loop"], workers=1).unchanged == 2


def test_the_process_pool_gives_the_same_rows(tmp_path, catalog, shared_edge_cases):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(120):
        write_song(folder / f"s{i:03d}.mid", seed=i)
    copied = 0
    for source in sorted(shared_edge_cases.rglob("*")):
        if source.is_file():
            shutil.copy(source, folder / f"edge-{copied:03d}{source.suffix or '.mid'}")
            copied += 1
    summary = index_folders(catalog, [folder], workers=2)
    looked_at = summary.indexed + len(summary.skipped)
    midi_like = [
        p for p in folder.iterdir() if p.suffix.lower() in (".mid", ".midi", ".kar", ".rmi", ".smf")
    ]
    assert looked_at == len(midi_like) and summary.indexed >= 120
    assert catalog.counts()["total"] == len(midi_like)
    assert all(reason for _, reason in summary.skipped)


def test_cancel_stops_between_batches_and_keeps_what_was_written(tmp_path, catalog):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(indexer.BATCH_SIZE * 2 + 5):
        write_song(folder / f"s{i:03d}.mid", seed=i)
    token = CancelToken()
    reports = []

    def progress(done, total, message):
        reports.append((done, total))
        if done >= indexer.BATCH_SIZE:
            token.cancel()

    summary = index_folders(catalog, [folder], workers=1, progress=progress, cancel=token)
    assert summary.cancelled and summary.indexed == indexer.BATCH_SIZE
    assert catalog.counts()["total"] == indexer.BATCH_SIZE
    assert reports[-1] == (indexer.BATCH_SIZE, indexer.BATCH_SIZE * 2 + 5)
    rest = index_folders(catalog, [folder], workers=1)
    assert (rest.indexed, rest.unchanged) == (indexer.BATCH_SIZE + 5, indexer.BATCH_SIZE)
