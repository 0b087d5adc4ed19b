"""The engine facade: one object gives the window and the commands every service, on a real
library file, the shipped models and the demo library."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from studio.core.errors import InvalidInput, ModelFileError
from studio.core.keyfinding import choose_key, estimate_key
from studio.core.midi_read import read_midi, read_song
from studio.core.music import Note, Song
from studio.core.progress import CancelToken
from studio.core.resources import DEMO_LIBRARY
from studio.core.theory import Key
from studio.engine import Engine, set_library_aside


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """A library file with the demo library indexed and embedded (built once, copied per test)."""
    path = tmp_path_factory.mktemp("engine") / "library.sqlite"
    with Engine(db_path=path, settings={"profile": "default"}) as engine:
        done = engine.prepare_library()
        assert done.demo_indexed is not None and done.demo_indexed.indexed > 30
        assert done.embedded is None  # the demo was embedded while it was indexed
    return path


@pytest.fixture
def engine(demo_db, tmp_path):
    copy = tmp_path / "library.sqlite"
    shutil.copy(demo_db, copy)
    with Engine(db_path=copy) as engine:
        yield engine


def demo_file(name_part: str):
    return next(p for p in sorted(DEMO_LIBRARY.rglob("*.mid")) if name_part in p.name)


def test_nothing_loads_until_used(tmp_path):
    engine = Engine(db_path=tmp_path / "new.sqlite")
    assert engine._catalog is None and engine._generator is None and engine._embedder is None
    assert not (tmp_path / "new.sqlite").exists()  # no file is created just by building it
    with pytest.raises(InvalidInput, match="no library at"):
        engine.require_library()


def test_prepare_library_embeds_what_lacks_vectors(tmp_path, tiny_autoencoder):
    path = tmp_path / "library.sqlite"
    with Engine(db_path=path, autoencoder_weights=tiny_autoencoder) as engine:
        engine.index([DEMO_LIBRARY])  # the shipped model would be used; this one is tiny
        assert engine.tracks_without_vectors() == 0
    with Engine(db_path=path) as engine:  # the shipped model: every track lacks its vectors
        missing = engine.tracks_without_vectors()
        assert missing == engine.library_counts()["ok"] > 30
        done = engine.prepare_library()
        assert done.demo_indexed is None  # not empty: the demo is not indexed again
        assert done.embedded.embedded == missing
        assert engine.tracks_without_vectors() == 0


def test_similar_to_a_file_a_track_and_a_song_agree(engine):
    query = demo_file("")
    track_id = engine.resolve_track(str(query))
    by_id = engine.similar_to(track_id, top=5, mode="track")
    by_file = engine.similar_to(str(query), top=5, mode="track")
    by_song = engine.similar_to(read_midi(query), top=5, mode="track")
    ids = [hit.track_id for hit in by_id.ranked]
    assert track_id not in ids and len(ids) == 5
    assert [h.track_id for h in by_file.ranked] == ids
    # The song in memory is not known as a library file, so it finds itself first.
    assert by_song.ranked[0].track_id == track_id
    assert [h.track_id for h in by_song.ranked[1:]] == ids[:4]
    for hit in by_id.ranked:
        assert hit.track is not None and hit.track.id == hit.track_id and hit.reasons


def test_a_passage_query_says_where_it_matches(engine):
    song = read_midi(demo_file(""))
    excerpt = Song(
        tracks=tuple(
            replace(track, notes=tuple(
                replace(note, start=note.start - 8.0) for note in track.notes
                if 8.0 <= note.start < 24.0
            ))
            for track in song.tracks
        ),
        tempos=song.tempos,
    )  # fmt: skip
    hit = engine.similar_to(excerpt, top=3).ranked[0]
    assert hit.track.display_path.endswith(demo_file("").name)
    assert hit.match_beats is not None and hit.match_bars[0] >= 1


def test_resolve_track_understands_files_and_ids(engine, tmp_path):
    first = demo_file("")
    track_id = engine.resolve_track(str(first))
    assert engine.resolve_track(str(track_id)) == track_id
    copy = tmp_path / "copy.mid"
    copy.write_bytes(first.read_bytes())  # not in the library by path, but by content
    assert engine.resolve_track(str(copy)) == track_id
    with pytest.raises(InvalidInput, match="neither a MIDI file nor a track id"):
        engine.resolve_track("no-such-thing")


def test_feedback_teaches_the_current_profile(engine, tmp_path):
    liked = engine.resolve_track(str(demo_file("")))
    before = engine.recommend(top=10)
    event = engine.record_feedback(str(demo_file("")), "like")
    assert (event.track_id, event.kind, event.profile) == (liked, "like", "default")
    after = engine.recommend(top=10)
    assert liked not in [r.track_id for r in after]  # just reacted to: held back
    assert [r.track_id for r in after] != [r.track_id for r in before]
    assert all(r.parts and r.track is not None for r in after)
    with pytest.raises(InvalidInput, match="kind"):
        engine.record_feedback(liked, "love")


def test_profiles_create_use_and_forget(engine):
    assert engine.current_profile == "default"
    assert engine.create_profile("Ana") == "Ana"
    engine.use_profile("Ana")
    assert engine.current_profile == "Ana"
    settings = json.loads(Path(os.environ["MOTIF_STUDIO_CONFIG"]).read_text(encoding="utf-8"))
    assert "Ana" in json.dumps(settings)  # kept for the next run
    track_id = engine.resolve_track(str(demo_file("")))
    engine.record_feedback(track_id, "like")
    assert engine.profiles()["Ana"] == 1
    with pytest.raises(InvalidInput, match="cannot be deleted"):
        engine.events_to_forget("default", delete=True)
    assert engine.forget_profile("Ana", delete=True) == 1
    assert "Ana" not in engine.profiles() and engine.current_profile == "default"
    with pytest.raises(InvalidInput, match="unknown profile"):
        engine.use_profile("Ana")


def test_generate_export_and_render(engine, tmp_path, tiny_model):
    from studio.generation.generator import GenerationSettings, melody_song

    engine = Engine(db_path=engine.db_path, gan_weights=tiny_model)
    settings = GenerationSettings(bars=4, key=choose_key("D minor"))
    melodies = engine.generate(settings, count=2, seed=7)
    assert [m.seed for m in melodies] == [7, 8]
    assert engine.generate(settings, count=1, seed=8)[0].notes == melodies[1].notes
    song = melody_song(melodies[0])
    target = tmp_path / "idea.mid"
    engine.export_midi(song, target)
    assert [n.pitch for n in read_song(target).notes] == [n.pitch for n in song.notes]
    rendering = engine.render(read_song(target), sample_rate=22050)
    assert rendering.sample_rate == 22050 and rendering.seconds > 4 * 4 * 60 / song.tempo - 0.1
    assert abs(rendering.audio).max() > 0.001
    engine.export_wav(rendering, tmp_path / "idea.wav")
    assert (tmp_path / "idea.wav").read_bytes()[:4] == b"RIFF"


def test_choose_key():
    assert choose_key() == Key(0)
    assert choose_key("D minor") == Key.parse("D minor")
    assert choose_key("D", mode="minor") == Key(2, "minor")
    assert choose_key("D", scale="dorian").mode == "dorian"
    primer = read_midi(demo_file("")).notes
    assert choose_key(primer=primer) != Key(0) or primer


def test_a_primer_s_stated_key_wins_unless_it_is_a_contradicted_c_major():
    # D minor by its signature, but its few notes lean on F major (no C sharp, ends on A)
    d_minor_ish = [Note(p, i * 0.5, 0.5) for i, p in enumerate([65, 69, 72, 70, 69, 65, 67, 69])]
    assert estimate_key(d_minor_ish).key != Key.parse("D minor")
    assert choose_key(primer=d_minor_ish, stated=Key.parse("D minor")) == Key.parse("D minor")
    assert choose_key("G", primer=d_minor_ish, stated=Key.parse("D minor")) == Key.parse("G")
    assert choose_key(stated=Key.parse("E minor")) == Key.parse("E minor")  # no notes to read
    # a stated C major over notes that are clearly E major is a program's default
    e_line = [64, 68, 71, 76, 75, 71, 68, 64, 66, 63]
    e_major = [Note(p, i * 0.5, 0.5) for i, p in enumerate(e_line)]
    assert choose_key(primer=e_major, stated=Key(0)) == estimate_key(e_major).key != Key(0)
    c_major = [Note(p, i * 0.5, 0.5) for i, p in enumerate([60, 64, 67, 72, 71, 67, 65, 62, 60])]
    assert choose_key(primer=c_major, stated=Key(0)) == Key(0)


def test_missing_models_are_model_file_errors(tmp_path):
    engine = Engine(
        db_path=tmp_path / "x.sqlite",
        gan_weights=tmp_path / "none.safetensors",
        autoencoder_weights=tmp_path / "none.safetensors",
    )
    with pytest.raises(ModelFileError):
        engine.generator  # noqa: B018
    with pytest.raises(ModelFileError):
        engine.embedder  # noqa: B018


def test_a_damaged_library_is_set_aside(tmp_path):
    path = tmp_path / "library.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    moved = set_library_aside(path)
    assert moved is not None and moved.exists() and not path.exists()
    assert set_library_aside(path) is None


def test_built_on_one_thread_used_on_another(demo_db, tmp_path):
    """The window builds its engine on the main thread and hands it to its worker thread: the
    library opens on first use, on the thread that uses it."""
    copy = tmp_path / "library.sqlite"
    shutil.copy(demo_db, copy)
    engine = Engine(db_path=copy)
    results: list = []
    worker = threading.Thread(target=lambda: results.append(engine.similar_to(1, top=3)))
    worker.start()
    worker.join(timeout=60)
    assert len(results) == 1 and len(results[0].ranked) == 3
    with pytest.raises(sqlite3.ProgrammingError):  # SQLite's rule: one connection, one thread
        engine.library_counts()


def test_prepare_library_stops_when_cancelled(tmp_path, tiny_autoencoder):
    token = CancelToken()

    def cancel_at_once(done: int, total: int, message: str) -> None:
        if done > 0:
            token.cancel()

    path = tmp_path / "library.sqlite"
    with Engine(db_path=path, autoencoder_weights=tiny_autoencoder) as engine:
        engine.index([DEMO_LIBRARY])  # vectors of another model: the shipped one lacks them
    with Engine(db_path=path) as engine:
        done = engine.prepare_library(progress=cancel_at_once, cancel=token)
        assert done.demo_indexed is None and done.embedded.cancelled
        # The demo's 42 files are one batch, kept whole; a cancelled run keeps what it wrote.
        assert engine.tracks_without_vectors() == 0
    token = CancelToken()
    token.cancel()
    with Engine(db_path=tmp_path / "new.sqlite") as engine:
        done = engine.prepare_library(cancel=token)
        assert done.demo_indexed.cancelled and done.embedded is None  # not started after a cancel


def test_generation_from_plain_values(tmp_path, tiny_model):
    engine = Engine(db_path=tmp_path / "x.sqlite", gan_weights=tiny_model)
    settings = engine.generation_settings(bars=2, key=choose_key("A minor"), tempo=90.0)
    (melody,) = engine.generate(settings, seed=3)
    song = engine.idea_song(melody, title="Idea")
    assert song.title == "Idea" and song.tempo == 90.0
    assert [n.pitch for n in song.tracks[0].notes] == [n.pitch for n in melody.notes]
    with pytest.raises(InvalidInput, match="bars"):
        engine.generation_settings(bars=99)
