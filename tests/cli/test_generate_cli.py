"""End-to-end: `studio generate`, `studio train gan` and `studio eval generation`."""

from __future__ import annotations

import json

import pretty_midi
import pytest


def test_generate_writes_midi_that_pretty_midi_reads(studio, tmp_path, tiny_model):
    out = tmp_path / "ideas"
    result = studio(
        "generate", "-o", str(out), "--count", "3", "--bars", "6", "--key", "Bb minor",
        "--chords", "Bbm Gb Db Ab", "--tempo", "90", "--seed", "7", "--with-chords",
        "--model", tiny_model, "--key-lock", "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [f["seed"] for f in report["files"]] == [7, 8, 9]
    assert report["files"][0]["chords"] == ["Bbm", "Gb", "Db", "Ab", "Bbm", "Gb"]
    for item in report["files"]:
        pm = pretty_midi.PrettyMIDI(item["path"])
        assert pm.get_end_time() == pytest.approx(6 * 4 * 60 / 90)  # six bars at 90 BPM
        assert pm.get_tempo_changes()[1][0] == pytest.approx(90)
        assert pm.key_signature_changes[0].key_number == 12 + 10  # Bb minor
        melody, chords = pm.instruments
        bb_minor = {10, 0, 1, 3, 5, 6, 8}
        assert {n.pitch % 12 for n in melody.notes} <= bb_minor
        assert len(chords.notes) == 6 * 3


def test_generate_in_another_meter_and_form(studio, tmp_path, tiny_meter_model):
    out = tmp_path / "jigs"
    result = studio(
        "generate", "-o", str(out), "--count", "2", "--bars", "16", "--meter", "6/8",
        "--form", "AABA", "--key", "D", "--tempo", "120", "--seed", "3",
        "--model", tiny_meter_model, "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for item in json.loads(result.stdout)["files"]:
        assert item["meter"] == "6/8" and item["form"] == "AABA" and item["bars"] == 16
        assert len(item["chords"]) == 16
        pm = pretty_midi.PrettyMIDI(item["path"])
        signature = pm.time_signature_changes[0]
        assert (signature.numerator, signature.denominator) == (6, 8)
        assert pm.get_end_time() == pytest.approx(16 * 3 * 60 / 120)  # 16 bars of 3 beats
    old = studio("generate", "-o", str(tmp_path / "w.mid"), "--meter", "3/4")  # shipped model
    if old.returncode != 0:  # a model trained before meters says so in one line
        assert "makes 4/4 and 2/4 only" in old.stderr and "Traceback" not in old.stderr


def test_generate_one_file_and_refuse_to_overwrite(studio, tmp_path, tiny_model):
    target = tmp_path / "tune.mid"
    args = ["generate", "-o", str(target), "--model", tiny_model, "--seed", "1"]
    first = studio(*args)
    assert first.returncode == 0, first.stderr
    assert "wrote" in first.stdout and target.exists()
    before = target.read_bytes()
    again = studio(*args, "--seed", "2")
    assert again.returncode == 2 and "exists" in again.stderr
    assert target.read_bytes() == before
    forced = studio(*args, "--seed", "2", "--force")
    assert forced.returncode == 0 and target.read_bytes() != before


def test_continue_a_primer(studio, tmp_path, tiny_model, data_dir):
    out = tmp_path / "continued.mid"
    result = studio(
        "generate", "-o", str(out), "--primer", str(data_dir / "running_status.mid"),
        "--bars", "2", "--model", tiny_model, "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (item,) = json.loads(result.stdout)["files"]
    assert item["bars"] == 3 and item["generated_bars"] == 2  # one primer bar + two new ones
    melody = pretty_midi.PrettyMIDI(str(out)).instruments[0]
    assert [n.pitch for n in melody.notes[:3]] == [60, 62, 64]  # the primer comes first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "H"], "unknown key"),
        (["--bars", "0"], "bars must be between 1 and 32"),
        (["--bars", "1000"], "bars must be between 1 and 32"),
        (["--temperature", "-1"], "temperature must be above 0"),
        (["--chords", "C Xyz"], "unknown chord symbol"),
        (["--density", "3"], "density must be between 0 and 1"),
        (["--count", "0"], "count must be between 1 and 64"),
        (["--scale", "nonsense"], "scale"),
        (["--low", "C7"], "pitch range"),
    ],
)
def test_nonsense_arguments_exit_2(studio, tmp_path, tiny_model, args, message):
    result = studio("generate", "-o", str(tmp_path / "x.mid"), "--model", tiny_model, *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not (tmp_path / "x.mid").exists()


def test_corrupt_primer_and_missing_model_exit_2(studio, tmp_path, tiny_model):
    primer = tmp_path / "primer.mid"
    primer.write_bytes(b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x00\x60MTrk\x00\x00\x10\x00")
    result = studio("generate", "-o", str(tmp_path / "x.mid"), "--primer", str(primer),
                    "--model", tiny_model)  # fmt: skip
    assert result.returncode == 2 and "truncated" in result.stderr
    result = studio("generate", "-o", str(tmp_path / "x.mid"), "--model", str(tmp_path / "no"))
    assert result.returncode == 2 and "model file not found" in result.stderr


def test_train_then_eval_on_a_midi_folder(studio, tmp_path, midi_folder):
    out, cache = tmp_path / "run", tmp_path / "cache"
    result = studio(
        "train", "gan", "--data", str(midi_folder), "--epochs", "1", "--steps-per-epoch", "2",
        "--batch-size", "16", "--out", str(out), "--cache", str(cache), "--snapshot-every", "1",
        "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (out / "snapshots").iterdir()) == [
        "MANIFEST.sha256", "gan-epoch0001.safetensors"  # the manifest: studio.core.model_files
    ]  # fmt: skip
    summary = json.loads(result.stdout)
    assert summary["steps"] == 2 and summary["tunes"] == 48  # the broken file was skipped
    assert (out / "gan.safetensors").exists() and (out / "checkpoint.pt").exists()
    resumed = studio(
        "train", "gan", "--data", str(midi_folder), "--epochs", "2", "--steps-per-epoch", "2",
        "--batch-size", "16", "--out", str(out), "--cache", str(cache), "--resume", "--json",
    )  # fmt: skip
    assert json.loads(resumed.stdout)["steps"] == 4
    report = studio(
        "eval", "generation", "--data", str(midi_folder), "--cache", str(cache),
        "--model", str(out / "gan.safetensors"), "--limit", "5", "--bars", "2", "--json",
        "--baselines", "markov,random", "--key-lock",
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    document = json.loads(report.stdout)
    assert document["mode"] == "unconditional" and document["reference"]["bars"] == 2
    assert document["gan_options"] == {"key_lock": True}
    results = document["results"]
    assert set(results) == {"4/4", "all"}  # the folder's tunes are all in 4/4
    assert {"gan", "markov", "random"} <= set(results["all"])
    for name in ("gan", "markov", "random"):
        assert results["all"][name]["metrics"]["in_scale_rate"] == 1.0  # key lock, all three
        assert 0 <= results["all"][name]["overlaps"]["mean"] <= 1
        assert 0 <= results["all"][name]["two_sample"]["accuracy"] <= 1
    text = studio(
        "eval", "generation", "--data", str(midi_folder), "--cache", str(cache),
        "--model", str(out / "gan.safetensors"), "--limit", "5", "--bars", "2",
        "--mode", "conditional", "--baselines", "markov",
    )  # fmt: skip
    assert text.returncode == 0, text.stderr
    assert "| **overlap: mean** |" in text.stdout and "conditional" in text.stdout
    assert "| metric | gan | markov | real |" in text.stdout
    bad = studio("eval", "generation", "--baselines", "markov,gpt")
    assert bad.returncode == 2 and "unknown baseline 'gpt'" in bad.stderr


def test_train_refuses_bad_arguments(studio, tmp_path):
    result = studio("train", "gan", "--data", str(tmp_path / "nowhere"), "--epochs", "1")
    assert result.returncode == 2 and "music21" in result.stderr
    result = studio("train", "gan", "--epochs", "0")
    assert result.returncode == 2 and "epochs" in result.stderr


def test_generate_aims_at_a_mood_and_keeps_what_is_typed(studio, tmp_path):
    """The shipped model and table: calm and dark melodies are slow and minor; a typed tempo
    stays; a word that is not a mood, or a mood with a primer, is one line and exit 2."""
    result = studio("generate", "-o", str(tmp_path / "calm"), "--count", "4", "--key", "D",
                    "--mood", "calm,dark", "--seed", "3", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["asked_mood"] == {"valence": -0.6, "arousal": -0.6}
    files = document["files"]
    assert all(f["key"] == "D minor" and f["tempo"] <= 92 for f in files)
    assert sum(f["mood"]["arousal"] for f in files) / 4 < -0.2
    for f in files:  # the file is what was reported
        midi = pretty_midi.PrettyMIDI(f["path"])
        assert midi.get_tempo_changes()[1][0] == pytest.approx(f["tempo"], abs=0.01)
    typed = studio("generate", "-o", str(tmp_path / "typed"), "--count", "2", "--mood",
                   "energetic", "--tempo", "70", "--key", "E minor", "--json")  # fmt: skip
    assert typed.returncode == 0, typed.stderr
    assert all(
        f["tempo"] == 70 and f["key"] == "E minor" for f in json.loads(typed.stdout)["files"]
    )
    for extra in (["--mood", "happy"], ["--mood", "calm", "--primer", f["path"]]):
        bad = studio("generate", "-o", str(tmp_path / "bad.mid"), *extra)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1
