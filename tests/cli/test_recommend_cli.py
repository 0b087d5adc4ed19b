"""``studio recommend`` on the demo library with the shipped model: cold start, learning from
feedback, profiles kept apart, seed tracks, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STUDIO = Path(sys.executable).with_name("studio")
RESULT_KEYS = {"rank", "id", "title", "path", "score", "reasons", "parts", "mood"}


def run(settings, *args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "MOTIF_STUDIO_CONFIG": str(settings)}
    return subprocess.run(
        [str(STUDIO), *args], capture_output=True, text=True, timeout=300,
        stdin=subprocess.DEVNULL, env=environment,
    )  # fmt: skip


@pytest.fixture
def library(tmp_path):
    """A library file with the demo library indexed by the first `recommend`."""
    db, settings = tmp_path / "library.sqlite", tmp_path / "settings.json"
    first = run(settings, "recommend", "--db", str(db), "--json")
    assert first.returncode == 0, first.stderr
    return db, settings, json.loads(first.stdout)


def test_cold_start_then_likes_pull_the_recommendations_their_way(library):
    db, settings, cold = library
    assert cold["profile"] == "default" and cold["library_tracks"] == 42
    assert [r["rank"] for r in cold["results"]] == list(range(1, 11))
    assert all(set(r) == RESULT_KEYS for r in cold["results"])
    assert all("new to you" in r["reasons"] for r in cold["results"])

    content_only = json.loads(run(settings, "recommend", "--db", str(db), "--content-only",
                                  "--json").stdout)  # fmt: skip
    assert [r["id"] for r in content_only["results"]] == [r["id"] for r in cold["results"]]

    chorales = [r for r in _all_tracks(settings, db) if "bach-chorale" in r["path"]]
    for track in chorales[:4]:
        liked = run(settings, "feedback", str(track["id"]), "like", "--db", str(db))
        assert liked.returncode == 0, liked.stderr
    after = json.loads(run(settings, "recommend", "--db", str(db), "--top", "5", "--json").stdout)
    paths = [r["path"] for r in after["results"]]
    assert all("bach-chorale" in p for p in paths), paths
    liked_ids = {t["id"] for t in chorales[:4]}
    assert not liked_ids & {r["id"] for r in after["results"]}  # held back
    assert any(reason.startswith("because you liked") for r in after["results"]
               for reason in r["reasons"])  # fmt: skip

    # Another profile's recommendations do not move with the default profile's likes.
    assert run(settings, "profile", "create", "guest", "--db", str(db)).returncode == 0
    guest = json.loads(run(settings, "recommend", "--db", str(db), "--profile", "guest",
                           "--content-only", "--json").stdout)  # fmt: skip
    assert [r["id"] for r in guest["results"]] == [r["id"] for r in cold["results"]]


def test_a_seed_track_gives_tracks_like_it(library):
    db, settings, cold = library
    seed = cold["results"][0]
    result = run(settings, "recommend", "--db", str(db), "--seed-track", str(seed["id"]),
                 "--top", "3", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)["results"]
    assert seed["id"] not in {h["id"] for h in hits}
    assert all(any(r.startswith(f"like {seed['title']}") for r in h["reasons"]) for h in hits)
    by_file = run(settings, "recommend", "--db", str(db), "--seed-track", seed["path"])
    assert by_file.returncode == 0 and "for profile 'default'" in by_file.stdout


def test_bad_profiles_and_seeds_exit_2_with_one_line(library, tmp_path):
    db, settings, _ = library
    outside = tmp_path / "outside.mid"
    outside.write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0")
    for args, message in (
        (("--profile", "nobody"), "no profile 'nobody'"),
        (("--seed-track", "99999"), "no track with id 99999"),
        (("--seed-track", str(outside)), "not in the library"),
        (("--seed-track", "nothing-here"), "neither a MIDI file nor a track id"),
        (("--top", "0"), "--top must be"),
    ):
        result = run(settings, "recommend", "--db", str(db), *args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _all_tracks(settings, db) -> list[dict]:
    code = (
        "import json, sys; from studio.library.catalog import Catalog\n"
        "with Catalog(sys.argv[1]) as c:\n"
        "    print(json.dumps([{'id': t.id, 'path': t.display_path} for t in c.tracks('ok')]))"
    )
    output = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True,
                            text=True, check=True).stdout  # fmt: skip
    return json.loads(output)


def test_eval_recommend_on_a_labelled_folder(tmp_path, midi_folder):
    import shutil

    for group, numbers in (("reels", range(0, 12)), ("airs", range(12, 24))):
        (tmp_path / "set" / group).mkdir(parents=True)
        for number in numbers:
            shutil.copy(midi_folder / f"tune-{number:02d}.mid", tmp_path / "set" / group)
    result = run(tmp_path / "settings.json", "eval", "recommend", "--set", str(tmp_path / "set"),
                 "--users", "4", "--rounds", "3", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report["methods"]) == {"hybrid", "content-only", "knn", "popularity", "random"}
    assert report["tracks"] == 24 and report["groups"] == 2 and report["set"].endswith("set")
    for method in report["methods"]:
        assert len(report["precision"][method]) == 3
        assert all(0 <= p <= 1 for p in report["precision"][method])
    # Cold start: nothing learnt yet, so the hybrid shows what content-only shows.
    assert report["cold_start"] is True
    assert report["precision"]["hybrid"][0] == report["precision"]["content-only"][0]


def test_eval_recommend_on_some_groups_only(tmp_path, midi_folder):
    import shutil

    for group, numbers in (("reels", range(0, 8)), ("airs", range(8, 16)), ("jigs", range(16, 24))):
        (tmp_path / "set" / group).mkdir(parents=True)
        for number in numbers:
            shutil.copy(midi_folder / f"tune-{number:02d}.mid", tmp_path / "set" / group)
    base = (tmp_path / "settings.json", "eval", "recommend", "--set", str(tmp_path / "set"),
            "--users", "3", "--rounds", "2")  # fmt: skip
    result = run(*base, "--groups", "reels,jigs", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["tracks"] == 16 and report["groups"] == 2
    assert report["set"].endswith("(jigs, reels)")
    wrong = run(*base, "--groups", "reels,polkas")
    assert wrong.returncode == 2 and "no group polkas" in wrong.stderr
    assert "Traceback" not in wrong.stderr
