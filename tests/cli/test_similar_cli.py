"""``studio similar``: first run on the demo library, JSON schema, errors with exit 2."""

from __future__ import annotations

import json

from studio.core.resources import DEMO_LIBRARY

RESULT_KEYS = {
    "rank", "id", "title", "path", "score", "reasons", "match", "key", "tempo", "density",
    "time_signature", "mood",
}  # fmt: skip


def test_first_run_indexes_the_demo_library_and_ranks_it(studio, tmp_path, tiny_autoencoder):
    db = tmp_path / "library.sqlite"
    query = sorted(DEMO_LIBRARY.glob("*.mid"))[0]
    result = studio("similar", str(query), "--db", str(db), "--model", str(tiny_autoencoder),
                    "--top", "5", "--mode", "track", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "indexing the demo library" in result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"query", "mode", "model_version", "library_tracks", "db", "results"}
    assert document["mode"] == "track"
    assert document["library_tracks"] == len(list(DEMO_LIBRARY.glob("*.mid")))
    hits = document["results"]
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert all(set(h) == RESULT_KEYS for h in hits)
    assert all(h["path"] != str(query) for h in hits)  # the query itself is left out
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and all(-1 <= s <= 1 for s in scores)
    assert all(h["reasons"][0].startswith("sounds alike overall") for h in hits)
    assert all(-1 <= h["mood"]["valence"] <= 1 and h["mood"]["words"] for h in hits)

    by_id = studio("similar", str(hits[0]["id"]), "--db", str(db),
                   "--model", str(tiny_autoencoder), "--top", "3")  # fmt: skip
    assert by_id.returncode == 0, by_id.stderr
    assert "compared whole tracks" in by_id.stdout and "·" in by_id.stdout


def test_a_short_file_is_matched_passage_by_passage(studio, tmp_path, tiny_autoencoder):
    from studio.core.midi_read import read_midi
    from studio.core.midi_write import write_midi
    from studio.core.music import Song, Track

    source = sorted(DEMO_LIBRARY.glob("*.mid"))[3]
    song = read_midi(source)
    notes = tuple(n for t in song.tracks for n in t.notes if n.start < 16)
    excerpt = tmp_path / "four-bars.mid"
    write_midi(Song((Track(notes),), tempos=song.tempos), excerpt)
    db = tmp_path / "library.sqlite"
    result = studio("similar", str(excerpt), "--db", str(db), "--model", str(tiny_autoencoder),
                    "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["mode"] == "passage"
    assert document["results"][0]["path"] == str(source)
    assert document["results"][0]["match"]["bars"][0] == 1


def test_bad_queries_exit_2_with_one_line(studio, tmp_path, tiny_autoencoder):
    db = str(tmp_path / "library.sqlite")
    model = str(tiny_autoencoder)
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01")
    for query, message in (
        ("99999", "no track with id 99999"),
        (str(broken), "broken.mid"),
        ("no-such-thing", "neither a MIDI file nor a track id"),
        (str(tmp_path), "is a folder"),
    ):
        result = studio("similar", query, "--db", db, "--model", model)
        assert result.returncode == 2, (query, result.stderr)
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 or "indexing" in result.stderr
        assert "Traceback" not in result.stderr
    missing_model = studio("similar", "1", "--db", db, "--model", str(tmp_path / "none"))
    assert missing_model.returncode == 2 and "no autoencoder weights" in missing_model.stderr


def test_eval_retrieval_on_a_labelled_folder(studio, tmp_path, tiny_autoencoder, midi_folder):
    import shutil

    for group, numbers in (("reels", range(0, 6)), ("airs", range(6, 12))):
        (tmp_path / "set" / group).mkdir(parents=True)
        for number in numbers:
            shutil.copy(midi_folder / f"tune-{number:02d}.mid", tmp_path / "set" / group)
    (tmp_path / "set" / "airs" / "broken.mid").write_bytes(b"MThd")
    result = studio("eval", "retrieval", "--set", str(tmp_path / "set"),
                    "--model", str(tiny_autoencoder), "--queries", "1", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["methods"] == ["autoencoder", "histogram-key-invariant", "histogram", "random"]
    assert report["sets"]["custom"] == {"songs": 12, "groups": 2}
    assert [s["path"] for s in report["skipped"]] == ["airs/broken.mid"]
    copies = report["tasks"]["copies"]["methods"]
    assert copies["autoencoder"]["top1"] == 1.0  # transposed, tempo-scaled copies: built in
    assert set(report["tasks"]) == {"passage_to_piece", "style_precision", "copies", "performances"}

    missing = studio("eval", "retrieval", "--set", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "no labelled set" in missing.stderr


def test_train_autoencoder_on_a_folder(studio, tmp_path, midi_folder):
    out = tmp_path / "run"
    result = studio("train", "autoencoder", "--data", str(midi_folder), "--epochs", "1",
                    "--batch-size", "16", "--steps-per-epoch", "2", "--out", str(out),
                    "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["songs"]["train"] + summary["songs"]["valid"] == 48
    assert summary["skipped"] == 1  # broken.mid
    assert (out / "autoencoder.safetensors").exists() and (out / "checkpoint.pt").exists()
