"""End-to-end: `studio eval ideas`, the simulated songwriters, with the shipped generator."""

from __future__ import annotations

import json

import pytest

SUMMARY_KEYS = {
    "rounds", "sessions", "page", "candidates", "ranked_by_round", "unranked_by_round",
    "ranked_final", "unranked_final", "difference", "difference_ci95", "better_sessions",
    "worse_sessions", "repeats", "seed", "model", "seconds",
}  # fmt: skip


def test_a_short_run_prints_the_table_and_the_same_numbers_as_json(studio):
    args = ["eval", "ideas", "--rounds", "1", "--repeats", "1", "--seed", "3"]
    result = studio(*args, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # one JSON document, the progress bar off
    assert set(report) == SUMMARY_KEYS
    assert report["rounds"] == 1 and report["repeats"] == 1 and report["seed"] == 3
    assert report["sessions"] == 27  # every songwriter once
    assert report["candidates"] == 4 * report["page"]
    ranked, unranked = report["ranked_by_round"], report["unranked_by_round"]
    assert len(ranked) == len(unranked) == 2  # the first page, then one after the round
    assert all(0 <= share <= 1 for share in ranked + unranked)
    assert ranked[0] == unranked[0]  # before any feedback, ranking has nothing to go on
    assert report["ranked_final"] == ranked[-1] and report["unranked_final"] == unranked[-1]
    assert report["difference"] == pytest.approx(ranked[-1] - unranked[-1], abs=0.002)
    low, high = report["difference_ci95"]
    assert low <= report["difference"] <= high
    assert report["better_sessions"] + report["worse_sessions"] <= report["sessions"]
    assert report["model"].endswith(".safetensors")

    text = studio(*args)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("27 sessions of simulated songwriters (1 per songwriter, seed 3)")
    assert "songwriters" in text.stderr  # the progress bar
    rows = {line.split()[0]: line.split()[1:] for line in lines if line[:1].isalpha()}
    assert rows["rounds"] == ["0", "1"]
    assert rows["ranked"] == [f"{share:.2f}" for share in ranked]
    assert rows["unranked"] == [f"{share:.2f}" for share in unranked]
    summary = next(line for line in lines if line.startswith("after 1 round:"))
    assert f"difference {report['difference']:+.2f}" in summary
    assert f"95% CI {low:+.2f} … {high:+.2f}" in summary
    better = next(line for line in lines if line.startswith("the ranked page kept more in"))
    assert f"more in {report['better_sessions']} sessions" in better
    assert f"fewer in {report['worse_sessions']}" in better


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "--rounds must be 1–50 and --repeats 1–20"),
        (["--repeats", "0"], "--rounds must be 1–50 and --repeats 1–20"),
        (["--seed", "-1"], "--seed must be a whole number ≥ 0"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(studio, args, message):
    result = studio("eval", "ideas", *args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
