"""Tests of the "similar tracks" retrieval evaluation: studio.evaluation.retrieval with its
labelled sets (labelled_sets), queries (queries) and methods (retrieval_methods)."""

import subprocess
import sys

import numpy as np
import pytest

from studio.core.edit import transpose_song
from studio.core.errors import InvalidInput, ModelFileError
from studio.core.midi_write import write_midi
from studio.core.music import Note, Song, TempoChange, TimeSignature, Track
from studio.core.progress import Cancelled, CancelToken
from studio.evaluation import labelled_sets as L
from studio.evaluation import queries as Q
from studio.evaluation import retrieval as R
from studio.evaluation import retrieval_methods as RM

MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR_PENTATONIC = (0, 3, 5, 7, 10)


def tune(
    scale, tonic: int, rng: np.random.Generator, bars: int = 12, beats_per_bar: int = 4
) -> Song:
    """A random melody of quarter and eighth notes on ``scale`` from ``tonic``, plus drums."""
    notes, beat = [], 0.0
    while beat < bars * beats_per_bar:
        length = float(rng.choice([0.5, 1.0]))
        pitch = 60 + tonic + int(rng.choice(scale)) + 12 * int(rng.integers(-1, 1))
        notes.append(Note(pitch, beat, length))
        beat += length
    drums = Track((Note(36, 0.0, 0.25), Note(38, 1.0, 0.25)), is_drum=True)
    meter = (TimeSignature(0.0, beats_per_bar, 4),)
    return Song((Track(tuple(notes)), drums), (TempoChange(0.0, 100.0),), meter)


def styled_set(groups: int, per_group: int, seed: int = 0) -> list[L.LabelledSong]:
    """Songs whose group is a key (tonic 0, 5, 10, …) of the major scale."""
    rng = np.random.default_rng(seed)
    return [
        L.LabelledSong(tune(MAJOR, (5 * g) % 12, rng), f"key{g}", f"key{g}/{i}.mid")
        for g in range(groups)
        for i in range(per_group)
    ]


# -- labelled sets ---------------------------------------------------------------------------


def test_load_labelled_set_from_folders_skips_corrupt_files(tmp_path):
    rng = np.random.default_rng(1)
    for group, tonic in (("major", 0), ("pentatonic", 3)):
        scale = MAJOR if group == "major" else MINOR_PENTATONIC
        (tmp_path / group / "deep").mkdir(parents=True)
        write_midi(tune(scale, tonic, rng), tmp_path / group / "a.mid")
        write_midi(tune(scale, tonic, rng), tmp_path / group / "deep" / "b.MIDI")
    (tmp_path / "major" / "broken.mid").write_bytes(b"MThd not really")
    (tmp_path / "major" / "notes.txt").write_text("not music")
    write_midi(tune(MAJOR, 0, rng), tmp_path / "loose.mid")

    songs, skipped = L.load_labelled_set(tmp_path)

    assert sorted((s.group, s.source) for s in songs) == [
        ("major", "major/a.mid"),
        ("major", "major/deep/b.MIDI"),
        ("pentatonic", "pentatonic/a.mid"),
        ("pentatonic", "pentatonic/deep/b.MIDI"),
    ]
    assert all(len(s.song.notes) > 20 for s in songs)
    reasons = dict(skipped)
    assert set(reasons) == {"major/broken.mid", "loose.mid"}
    assert reasons["major/broken.mid"]  # the reader's message, whatever it says
    assert "group folder" in reasons["loose.mid"]


def test_load_labelled_set_from_csv(tmp_path):
    rng = np.random.default_rng(2)
    (tmp_path / "files").mkdir()
    for name in ("x", "y", "z"):
        write_midi(tune(MAJOR, 0, rng), tmp_path / "files" / f"{name}.mid")
    listing = tmp_path / "labels.csv"
    listing.write_text(
        "path,group\nfiles/x.mid,one\nfiles/y.mid,two\nfiles/z.mid,two\nfiles/gone.mid,two\n"
    )
    progress = []
    songs, skipped = L.load_labelled_set(listing, progress=lambda *a: progress.append(a[:2]))
    assert [(s.source, s.group) for s in songs] == [
        ("files/x.mid", "one"),
        ("files/y.mid", "two"),
        ("files/z.mid", "two"),
    ]
    assert [name for name, _ in skipped] == ["files/gone.mid"]
    assert progress[-1] == (4, 4)


def test_load_labelled_set_needs_two_groups(tmp_path):
    rng = np.random.default_rng(3)
    (tmp_path / "only").mkdir()
    for name in ("a", "b"):
        write_midi(tune(MAJOR, 0, rng), tmp_path / "only" / f"{name}.mid")
    with pytest.raises(InvalidInput, match="2 groups"):
        L.load_labelled_set(tmp_path)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("file,label\na.mid,x\n")
    with pytest.raises(InvalidInput, match="path,group"):
        L.load_labelled_set(bad_csv)


# -- queries ---------------------------------------------------------------------------------


def test_excerpt_clips_shifts_and_drops_drums():
    notes = (
        Note(60, 0.0, 1.0),  # before the window
        Note(62, 2.5, 1.0),  # starts before, ends inside: clipped to 3.0–3.5
        Note(64, 4.0, 1.0),
        Note(65, 8.5, 1.0),  # starts inside, ends after: clipped to 8.5–9.0
        Note(67, 9.0, 1.0),  # after the window
    )
    song = Song(
        (Track(notes, program=40), Track((Note(36, 4.0, 0.5),), is_drum=True)),
        (TempoChange(0.0, 90.0), TempoChange(6.0, 140.0)),
        (TimeSignature(0.0, 3, 4),),
    )
    part = Q.excerpt(song, 1, 2)  # 3/4: bars 1–2 are beats 3–9
    assert len(part.tracks) == 1 and part.tracks[0].program == 40
    assert [(n.pitch, n.start, n.duration) for n in part.tracks[0].notes] == [
        (62, 0.0, 0.5),
        (64, 1.0, 1.0),
        (65, 5.5, 0.5),
    ]
    assert [(t.beat, t.bpm) for t in part.tempos] == [(0.0, 90.0), (3.0, 140.0)]
    assert part.time_signature.beats_per_bar == 3
    with pytest.raises(InvalidInput):
        Q.excerpt(song, 0, 0)


def test_random_excerpt_is_a_transposed_window_inside_the_song():
    song = tune(MAJOR, 0, np.random.default_rng(4), bars=12)
    for seed in range(10):
        part = Q.random_excerpt(song, np.random.default_rng(seed))
        assert part is not None and not any(t.is_drum for t in part.tracks)
        assert len(part.notes) >= 8
        bars = part.end / 4  # the melody has no rests, so the excerpt fills whole bars
        assert bars in (4, 5, 6, 7, 8)
        matches = [
            (start, shift)
            for start in range(12 - int(bars) + 1)
            for shift in range(-6, 7)
            if transpose_song(Q.excerpt(song, start, int(bars)), shift) == part
        ]
        assert matches and all(shift != 0 for _, shift in matches)
        assert Q.random_excerpt(song, np.random.default_rng(seed)) == part
    short = tune(MAJOR, 0, np.random.default_rng(5), bars=3)
    assert Q.random_excerpt(short, np.random.default_rng(0)) is None


def test_random_excerpt_transposes_by_a_nonzero_interval():
    # A chromatic-free melody of one repeated pitch shows the interval directly.
    song = Song((Track(tuple(Note(60, i * 0.5, 0.5) for i in range(64))),))
    intervals = set()
    for seed in range(40):
        part = Q.random_excerpt(song, np.random.default_rng(seed))
        (pitch,) = {n.pitch for n in part.notes}
        intervals.add(pitch - 60)
    assert 0 not in intervals and intervals <= set(range(-6, 7)) and len(intervals) > 6
    edge = Song((Track(tuple(Note(125, i * 0.5, 0.5) for i in range(64))),))
    for seed in range(20):
        part = Q.random_excerpt(edge, np.random.default_rng(seed))
        assert all(n.pitch <= 127 for n in part.notes) and part.notes[0].pitch != 125


def test_scaled_copy_changes_tempo_and_pitch_not_beats():
    song = tune(MAJOR, 0, np.random.default_rng(6))
    song = Song(
        song.tracks, (TempoChange(0.0, 100.0), TempoChange(16.0, 80.0)), song.time_signatures
    )
    for seed in range(20):
        copy = Q.scaled_copy(song, np.random.default_rng(seed))
        factor = copy.tempos[0].bpm / 100.0
        assert 0.75 <= factor <= 1.5
        assert copy.tempos[1].bpm == pytest.approx(80.0 * factor)
        assert [t.beat for t in copy.tempos] == [0.0, 16.0]
        assert copy.duration_seconds == pytest.approx(song.duration_seconds / factor)
        shift = copy.notes[0].pitch - song.notes[0].pitch
        assert shift != 0 and -6 <= shift <= 6
        assert copy.notes == transpose_song(song, shift).notes
        assert copy.tracks[1] == song.tracks[1]  # drums are not transposed


def test_stretched_and_flattened_copies_move_the_notes_off_the_beat_grid():
    song = tune(MAJOR, 0, np.random.default_rng(6))
    song = Song(
        song.tracks, (TempoChange(0.0, 100.0), TempoChange(16.0, 80.0)), song.time_signatures
    )
    for seed in range(10):
        stretched = Q.scaled_copy(song, np.random.default_rng(seed), "stretched")
        factor = stretched.notes[-1].start / song.notes[-1].start
        assert 0.7 <= factor <= 1.4 and stretched.tempos[1].beat == pytest.approx(16.0 * factor)
        assert [t.bpm for t in stretched.tempos] == [100.0, 80.0]  # the tempo map is kept
        assert [n.start for n in stretched.notes] == pytest.approx(
            [n.start * factor for n in song.notes]
        )
        flattened = Q.scaled_copy(song, np.random.default_rng(seed), "flattened")
        assert flattened.tempos == ()  # 120 BPM: beats are half-seconds
        seconds = [song.beats_to_seconds(n.start) for n in song.notes]
        ratio = flattened.notes[-1].start / 2.0 / seconds[-1]
        assert 0.7 <= ratio <= 1.4
        assert [n.start / 2.0 for n in flattened.notes] == pytest.approx(
            [t * ratio for t in seconds]
        )
        shift = flattened.tracks[0].notes[0].pitch - song.tracks[0].notes[0].pitch
        assert shift != 0 and -6 <= shift <= 6
        assert flattened.tracks[1].notes[0].pitch == song.tracks[1].notes[0].pitch  # drums
    with pytest.raises(InvalidInput, match="copy kind"):
        Q.scaled_copy(song, np.random.default_rng(0), "faster")


# -- ranking metrics -------------------------------------------------------------------------


def test_ranking_metrics_on_a_hand_made_ranking():
    scores = np.array([0.2, 0.9, 0.5, 0.9, 0.1])
    assert R.ranking(scores).tolist() == [1, 3, 2, 0, 4]  # the tie 1/3 keeps library order
    relevant = np.array([True, False, False, False, True])
    assert R.reciprocal_rank(scores, relevant) == 1 / 4
    assert R.reciprocal_rank(scores, np.array([0, 0, 0, 1, 0], bool)) == 1 / 2
    assert R.reciprocal_rank(scores, np.zeros(5, bool)) == 0.0
    assert R.precision_at_k(scores, relevant, 4) == 1 / 4
    assert R.precision_at_k(scores, relevant, 10) == 2 / 5  # fewer than k: all of them
    assert R.reciprocal_rank(np.array([np.nan, 0.1]), np.array([True, False])) == 1 / 2
    with pytest.raises(InvalidInput):
        R.precision_at_k(scores, relevant, 0)


def test_chance_reciprocal_rank_matches_enumeration():
    from itertools import permutations

    for n, m in ((1, 1), (4, 1), (4, 2), (5, 3), (6, 6)):
        items = [True] * m + [False] * (n - m)
        values = [1 / (list(p).index(True) + 1) for p in permutations(items)]
        assert R.chance_reciprocal_rank(n, m) == pytest.approx(np.mean(values))
    assert R.chance_reciprocal_rank(5, 0) == 0.0


# -- methods ---------------------------------------------------------------------------------


def test_key_invariant_histogram_finds_a_transposed_copy_the_plain_one_misses():
    rng = np.random.default_rng(7)
    original = tune(MAJOR, 0, rng)
    query = transpose_song(original, 2)
    # A decoy in the query's key, with one extra F natural: nearly the query's histogram
    # but not a rotation of it.
    decoy_notes = (*transpose_song(original, 2).tracks[0].notes, Note(65, 48.0, 2.0))
    decoy = Song((Track(decoy_notes),))
    library = [original, decoy]
    for method, expected in (
        (RM.KeyInvariantHistogramMethod(), 0),
        (RM.HistogramMethod(), 1),
    ):
        state = method.index(library)
        scores = method.score_tracks(state, query)
        assert R.ranking(scores)[0] == expected, method.name
        assert np.allclose(method.score_passage(state, query), scores)
    assert RM.KeyInvariantHistogramMethod().score_tracks(
        RM.KeyInvariantHistogramMethod().index(library), query
    )[0] == pytest.approx(1.0)


def test_histograms_beat_chance_and_random_is_near_it():
    songs = styled_set(groups=5, per_group=20)
    methods = [RM.HistogramMethod(), RM.RandomMethod(3)]
    report = R.style_precision(songs, methods, k=10)
    chance = report["chance"]["precision_at_k"]
    assert chance == pytest.approx(19 / 99)
    assert report["queries"] == 100
    assert abs(report["methods"]["random"]["precision_at_k"] - chance) < 0.06
    assert report["methods"]["histogram"]["precision_at_k"] > 0.9
    again = R.style_precision(songs, [RM.RandomMethod(3)], k=10)
    assert again["methods"]["random"] == report["methods"]["random"]


def test_other_movements_of_a_piece_are_left_out_of_style_precision():
    rng = np.random.default_rng(4)
    # Group "a": one piece of two movements (identical music) and one other piece; group "b".
    first = tune(MAJOR, 0, rng)
    songs = [
        L.LabelledSong(first, "a", "a/1", piece="a/op1"),
        L.LabelledSong(first, "a", "a/2", piece="a/op1"),
        L.LabelledSong(tune(MAJOR, 0, rng), "a", "a/3", piece="a/op2"),
        *(L.LabelledSong(tune(MINOR_PENTATONIC, 6, rng), "b", f"b/{i}") for i in range(3)),
    ]
    report = R.style_precision(songs, [RM.HistogramMethod()], k=1)
    # The twin movement would be a perfect top hit; with it excluded, a movement of op1 must
    # find op2 among 4 candidates (op2 and the three of "b"); the others have 2 hits in 5.
    assert report["queries"] == 6
    assert report["chance"]["precision_at_k"] == pytest.approx((1 / 4 * 2 + 2 / 5 * 4) / 6)
    assert report["methods"]["histogram"]["precision_at_k"] == 1.0


def test_default_methods_put_the_autoencoder_first(tiny_autoencoder, tmp_path):
    methods = RM.default_methods(tiny_autoencoder)
    assert [m.name for m in methods] == [
        "autoencoder", "histogram-key-invariant", "histogram", "random",
    ]  # fmt: skip
    assert all(isinstance(m, RM.RetrievalMethod) for m in methods)
    with pytest.raises(ModelFileError, match="no autoencoder weights"):
        RM.default_methods(tmp_path / "missing.safetensors")


@pytest.mark.parametrize("module", ["retrieval", "labelled_sets", "retrieval_methods"])
def test_the_modules_do_not_load_torch(module):
    code = f"import sys, studio.evaluation.{module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the whole evaluation --------------------------------------------------------------------


def test_evaluate_retrieval_report():
    rng = np.random.default_rng(8)
    versions = [
        L.LabelledSong(tune(MAJOR, tonic, rng), f"tune{tonic}", f"{tonic}-{i}")
        for tonic in (0, 4, 7)
        for i in range(3)
    ] + [L.LabelledSong(tune(MINOR_PENTATONIC, 1, rng), "alone", "alone")]
    sets = {"versions": versions, "style": styled_set(groups=3, per_group=4)}
    methods = [RM.KeyInvariantHistogramMethod(), RM.HistogramMethod(), RM.RandomMethod(0)]
    calls = []
    report = R.evaluate_retrieval(sets, methods, seed=5, progress=lambda *a: calls.append(a))

    assert set(report) == {"seed", "seconds", "methods", "sets", "tasks"}
    assert report["sets"] == {
        "versions": {"songs": 10, "groups": 4},
        "style": {"songs": 12, "groups": 3},
    }
    assert report["methods"] == [m.name for m in methods]
    passage = report["tasks"]["passage_to_piece"]
    assert passage["set"] == "versions" and passage["queries"] == 10
    other = passage["methods"]["histogram"]["other_versions"]
    assert set(other) == {"mrr", "top1", "queries"} and other["queries"] == 9  # "alone" skipped
    assert passage["chance"]["other_versions"]["top1"] == pytest.approx(2 / 9)
    assert set(report["tasks"]["style_precision"]["methods"]["random"]) == {
        "precision_at_k",
        "mrr",
        "queries",
    }
    copies = report["tasks"]["copies"]
    assert (
        copies["methods"]["histogram-key-invariant"]["top1"] > copies["methods"]["random"]["top1"]
    )
    played = report["tasks"]["performances"]
    assert played["set"] == "style" and played["queries"] + played["skipped"] == 12
    assert played["chance"]["top1"] == pytest.approx(1 / 12)
    # 10 passages + 12 style queries + 10 copies + 12 performance excerpts
    assert calls[-1][:2] == (44, 44) and [c[0] for c in calls] == list(range(1, 45))
    assert R.evaluate_retrieval(sets, methods, seed=5)["tasks"] == report["tasks"]

    table = R.format_table(report)
    assert "style P@10" in table and "(chance)" in table
    assert all(m.name in table for m in methods)
    assert len(table.splitlines()) == 2 + len(methods) + 1


def test_a_single_custom_set_gets_all_tasks():
    report = R.evaluate_retrieval({"custom": styled_set(3, 3)}, [RM.HistogramMethod()])
    assert set(report["tasks"]) == set(R.TASKS)
    assert {t["set"] for t in report["tasks"].values()} == {"custom"}
    with pytest.raises(InvalidInput):
        R.evaluate_retrieval({"a": styled_set(2, 2), "b": styled_set(2, 2)}, [RM.HistogramMethod()])


def test_cancel_stops_between_queries():
    token = CancelToken()
    done = []

    def progress(count, total, message):
        done.append(count)
        if count == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        R.evaluate_retrieval(
            {"custom": styled_set(3, 4)}, [RM.HistogramMethod()], progress=progress, cancel=token
        )
    assert done == [1, 2, 3]


def test_a_performance_drifts_and_loses_its_tempo_map_but_keeps_the_notes():
    from studio.evaluation import queries as Q

    song = tune(MAJOR, 0, np.random.default_rng(2))
    played = Q.performance(song, np.random.default_rng(3))
    assert played.tempos == () and len(played.notes) == len(song.notes)
    pitch_shift = {b.pitch - a.pitch for a, b in zip(song.notes, played.notes, strict=True)}
    assert len(pitch_shift) == 1 and 1 <= abs(pitch_shift.pop()) <= Q.MAX_SHIFT
    # the gaps between notes no longer keep one ratio to the score's: the tempo drifts
    score_starts = np.array([n.start for n in song.notes])
    played_starts = np.array(sorted(n.start for n in played.notes))
    ratios = (
        np.diff(played_starts)[np.diff(score_starts) > 0.4]
        / np.diff(score_starts)[np.diff(score_starts) > 0.4]
    )
    assert ratios.std() / ratios.mean() > 0.02
    excerpt = Q.performance_excerpt(song, np.random.default_rng(3))
    seconds = excerpt.beats_to_seconds(excerpt.end)
    assert len(excerpt.notes) >= Q.MIN_EXCERPT_NOTES and seconds <= Q.EXCERPT_SECONDS + 1e-6
