"""The similar-tracks service over a real catalog: known neighbours, exclusions, reasons, errors."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from studio.core.edit import transpose_song
from studio.core.errors import InvalidInput
from studio.core.midi_read import read_midi
from studio.core.midi_write import write_midi
from studio.core.mood import shared_mood
from studio.core.music import Note, Song, TempoChange, TimeSignature, Track
from studio.library.catalog import Catalog
from studio.library.indexer import embed_missing, index_folders
from studio.similarity.embedder import DEFAULT_WEIGHTS, Embedder
from studio.similarity.service import SimilarityService, track_mood


def style_song(kind: str, seed: int) -> Song:
    """Clearly different kinds of music: slow chords, running sixteenths, a sparse bass line."""
    rng = np.random.default_rng(seed)
    notes = []
    if kind == "chords":
        for bar in range(8):
            root = 48 + int(rng.choice([0, 5, 7, 9]))
            notes += [Note(root + i, bar * 4.0, 4.0, 70) for i in (0, 4, 7, 12)]
    elif kind == "runs":
        for step in range(8 * 16):
            notes.append(Note(72 + int(rng.integers(-5, 6)), step * 0.25, 0.25, 90))
    else:
        for bar in range(8):
            notes.append(Note(36 + int(rng.choice([0, 3, 7])), bar * 4.0, 2.0, 100))
            notes.append(Note(40 + int(rng.choice([0, 3, 7])), bar * 4.0 + 3, 0.5, 100))
    return Song(
        (Track(tuple(notes), name=f"{kind} {seed}"),),
        tempos=(TempoChange(0.0, 100.0),),
        time_signatures=(TimeSignature(0.0, 4, 4),),
    )


@pytest.fixture
def library(tmp_path, tiny_autoencoder, midi_folder):
    """A folder of the tiny tunes plus three kinds of constructed music, indexed with vectors."""
    folder = tmp_path / "music"
    folder.mkdir()
    for path in sorted(midi_folder.glob("tune-*.mid"))[:12]:
        shutil.copy(path, folder / path.name)
    for kind in ("chords", "runs", "bass"):
        for seed in range(4):
            write_midi(style_song(kind, seed), folder / f"{kind}-{seed}.mid")
    shutil.copy(folder / "tune-05.mid", folder / "copy-of-tune-05.mid")  # a byte-identical copy
    catalog = Catalog(tmp_path / "library.sqlite")
    summary = index_folders(catalog, [folder], embedder=Embedder(tiny_autoencoder), workers=1)
    assert summary.embedded == summary.indexed == 12 + 12 + 1
    yield catalog, folder, Embedder(tiny_autoencoder)
    catalog.close()


def test_tracks_of_the_same_kind_come_first(library):
    """With the shipped model: the tiny test model has seen too little music to tell."""
    catalog, folder, _ = library
    embed_missing(catalog, Embedder(DEFAULT_WEIGHTS), workers=1)
    service = SimilarityService(catalog, Embedder(DEFAULT_WEIGHTS))
    for kind in ("chords", "runs", "bass"):
        query = catalog.get_by_path(folder / f"{kind}-0.mid")
        result = service.similar_to_track(query.id, top=3)
        titles = [s.track.display_path.rsplit("/", 1)[-1] for s in result.ranked]
        assert all(t.startswith(kind) for t in titles), titles
        assert query.id not in [s.track.id for s in result.ranked]
        scores = [s.score for s in result.ranked]
        assert scores == sorted(scores, reverse=True)


def test_scores_spread_unrelated_music_low(library):
    """Centred and whitened on the library (and the shipped reference), unrelated tunes of one
    kind no longer all score near their raw cosine (about 0.86), and music of other kinds
    scores about 0: the scores say how alike two tracks are. (Half of a score is the musical
    traits, which tunes of one kind share: their median is about 0.71, the whitened vectors'
    part alone about 0.59.)"""
    catalog, folder, _ = library
    embedder = Embedder(DEFAULT_WEIGHTS)
    embed_missing(catalog, embedder, workers=1)
    service = SimilarityService(catalog, embedder)
    query = catalog.get_by_path(folder / "tune-03.mid")
    ranked = service.similar_to_track(query.id, top=40).ranked
    tunes = [r for r in ranked if "tune-" in r.track.display_path]
    others = [r.score for r in ranked if "tune-" not in r.track.display_path]
    vectors = {s.track_id: s.vector for s in catalog.embeddings(embedder.model_version)}
    raw = [float(vectors[r.track.id] @ vectors[query.id]) for r in tunes]
    spread = np.median([r.score for r in tunes])
    assert len(tunes) == 12 and spread < np.median(raw) - 0.1, (spread, np.median(raw))
    assert abs(np.median(others)) < 0.2, np.median(others)


def test_a_transposed_slower_copy_from_outside_finds_its_original(library, tmp_path):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    song = transpose_song(read_midi(folder / "tune-07.mid"), -5)
    outside = tmp_path / "outside.mid"
    write_midi(Song(song.tracks, tempos=(TempoChange(0.0, 70.0),)), outside)
    result = service.similar_to_file(outside, top=3, mode="track")
    assert result.ranked[0].track.display_path.endswith("tune-07.mid")
    assert result.ranked[0].score > 0.999
    assert any(r.startswith("melodic and harmonic match at bars") for r in result.ranked[0].reasons)


def _played(song: Song, factor: float) -> Song:
    """The song as a recording would give it: times in seconds times ``factor``, no tempo
    map (so at 120 BPM, its notes off the beat grid)."""
    per_beat = 2.0 * factor  # 120 BPM: two beats a second

    def moved(n: Note) -> Note:
        start = song.beats_to_seconds(n.start) * per_beat
        return Note(n.pitch, start, song.beats_to_seconds(n.end) * per_beat - start, n.velocity)

    return Song(tuple(t.with_notes([moved(n) for n in t.notes]) for t in song.tracks))


@pytest.mark.parametrize("factor", [0.73, 1.0, 1.37])
def test_a_recording_without_a_tempo_map_finds_its_score(library, tmp_path, factor):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    outside = tmp_path / "played.mid"
    write_midi(_played(transpose_song(read_midi(folder / "tune-07.mid"), 4), factor), outside)
    result = service.similar_to_file(outside, top=3, mode="track")
    assert result.ranked[0].track.display_path.endswith("tune-07.mid")
    assert result.ranked[0].score > 0.9 > result.ranked[1].score


def test_a_score_finds_its_recording_in_the_library(library, tmp_path):
    """A recording in the library is read on beats from its notes (its most common gap an
    eighth); a score in quarter notes is compared with recordings as such a reading of it, and
    finds its own recording first."""
    catalog, folder, embedder = library
    rng = np.random.default_rng(11)
    pitches = 60 + np.cumsum(rng.choice([-2, -1, 1, 2, 3, -3], size=64)) % 12
    score = Song(  # a chorale-like tune in quarter notes
        (Track(tuple(Note(int(p), float(i), 1.0, 80) for i, p in enumerate(pitches))),),
        tempos=(TempoChange(0.0, 90.0),),
    )
    recorded = folder / "recorded.mid"
    write_midi(_played(transpose_song(score, 2), 0.81), recorded)
    embed_missing(catalog, embedder, workers=1)
    index_folders(catalog, [folder], embedder=embedder, workers=1)
    service = SimilarityService(catalog, embedder)
    query = tmp_path / "score.mid"
    write_midi(score, query)
    result = service.similar_to_file(query, top=3, mode="track")
    assert result.ranked[0].track.display_path.endswith("recorded.mid")
    assert result.ranked[0].score > 0.9


def test_a_stretched_excerpt_finds_its_passage_in_the_track_s_own_bars(library):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    song = read_midi(folder / "runs-2.mid")  # sixteenths at 100 BPM
    notes = [Note(n.pitch, (n.start - 12.0) * 1.618, n.duration * 1.618, n.velocity)
             for n in song.tracks[0].notes if 12.0 <= n.start < 28.0]  # fmt: skip
    result = service.similar_to_song(Song((Track(tuple(notes)),)), top=3)
    assert result.mode == "passage"
    best = result.ranked[0]
    assert best.track.display_path.endswith("runs-2.mid") and best.score > 0.99
    start, end = best.match_beats  # in the track's beats, not the query's
    assert start in (12.0, 16.0) and end - start == pytest.approx(16.0)
    # …at the pace it matched: the excerpt's beats per track beat, its whole length over 16
    assert best.match_pace * (end - start) == pytest.approx(max(n.end for n in notes))


def test_the_query_and_its_byte_identical_copies_are_left_out(library):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    result = service.similar_to_file(folder / "tune-05.mid", top=40, mode="track")
    paths = [s.track.display_path for s in result.ranked]
    assert not any(p.endswith("tune-05.mid") for p in paths)
    assert len(paths) == service.size - 2
    by_id = service.similar_to_track(catalog.get_by_path(folder / "tune-05.mid").id, top=40)
    assert not any(s.track.display_path.endswith("tune-05.mid") for s in by_id.ranked)


def test_a_few_transposed_bars_find_the_piece_passage_by_passage(library, tmp_path):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    song = read_midi(folder / "runs-2.mid")
    excerpt = [
        Note(n.pitch + 3, n.start - 12.0, n.duration, n.velocity)
        for n in song.tracks[0].notes
        if 12.0 <= n.start < 28.0
    ]
    query = Song((Track(tuple(excerpt)),), tempos=(TempoChange(0.0, 140.0),))
    result = service.similar_to_song(query, top=3)
    assert result.mode == "passage"
    best = result.ranked[0]
    assert best.track.display_path.endswith("runs-2.mid")
    assert best.score > 0.99
    assert best.match_beats[0] in (12.0, 16.0)  # the stretch the excerpt came from
    assert any(r.startswith("a passage matches: bars") for r in best.reasons)


def test_reasons_are_true_of_the_data(library):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    query = catalog.get_by_path(folder / "chords-1.mid")
    for hit in service.similar_to_track(query.id, top=10).ranked:
        track = hit.track
        for reason in hit.reasons:
            if reason.startswith("same key"):
                assert (track.key_stated or track.key_estimated) == (
                    query.key_stated or query.key_estimated
                )
            if reason.startswith("close tempo"):
                assert abs(track.tempo - query.tempo) <= 0.1 * max(track.tempo, query.tempo)
            if reason.startswith("same meter"):
                assert track.time_signature == query.time_signature
            if reason.startswith("both have"):  # traits that set both apart from the library
                assert "chords" in track.display_path or "texture" not in reason
            if reason.startswith("also "):  # a mood both tracks have
                assert reason == f"also {shared_mood(track_mood(query), track_mood(track))}"
                assert reason != "also "


def test_tracks_of_a_kind_name_the_traits_they_share(library):
    """Four-note chords held for a bar: the other chord pieces say so, with numbers read from
    both tracks' notes."""
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    query = catalog.get_by_path(folder / "chords-1.mid")
    chords = [h for h in service.similar_to_track(query.id, top=3).ranked]
    assert all("chords-" in h.track.display_path for h in chords)
    for hit in chords:
        [shared] = [r for r in hit.reasons if r.startswith("both have ")]
        assert "block chords" in shared or "a full texture (4 notes at once)" in shared, shared
    passage = service.similar_to_file(folder / "chords-2.mid", top=3, mode="passage").ranked
    assert any(r.startswith("both have ") for h in passage for r in h.reasons)


def test_the_service_follows_the_catalog(library, tmp_path):
    catalog, folder, embedder = library
    service = SimilarityService(catalog, embedder)
    before = service.size
    (folder / "runs-3.mid").unlink()
    index_folders(catalog, [folder], embedder=embedder, workers=1)
    assert service.size == before - 1
    write_midi(style_song("runs", 9), folder / "runs-9.mid")
    index_folders(catalog, [folder], embedder=embedder, workers=1)
    assert service.size == before


def test_a_new_model_embeds_the_library_again(tmp_path, midi_folder, tiny_autoencoder):
    with Catalog(tmp_path / "library.sqlite") as catalog:
        summary = index_folders(catalog, [midi_folder], workers=1)
        assert summary.embedded == 0 and summary.indexed == 48
        embedder = Embedder(tiny_autoencoder)
        assert SimilarityService(catalog, embedder).size == 0
        filled = embed_missing(catalog, Embedder(tiny_autoencoder), workers=1)
        assert filled.embedded == 48
        assert SimilarityService(catalog, embedder).size == 48
        again = index_folders(catalog, [midi_folder], embedder=embedder, workers=1)
        assert again.unchanged == 48 + 1 and again.embedded == 0  # 48 tunes + the broken file


def test_bad_queries_are_clear_errors(library, tmp_path):
    catalog, _folder, embedder = library
    service = SimilarityService(catalog, embedder)
    with pytest.raises(InvalidInput, match="no track with id 9999"):
        service.similar_to_track(9999)
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00")
    with pytest.raises(InvalidInput, match=r"broken\.mid"):
        service.similar_to_file(broken)
    with pytest.raises(InvalidInput, match="cannot read"):
        service.similar_to_file(tmp_path / "nothing.mid")
    with pytest.raises(InvalidInput, match="too few notes"):
        service.similar_to_song(Song((Track((Note(60, 0, 1, 90),)),)))
