"""``studio eval mood`` on real MIDI files written here: stated modes, tempo markings, and the
copies a listener would hear as the same mood."""

from __future__ import annotations

import json

import pytest

from studio.core.midi_write import write_midi
from studio.core.mood import song_mood
from studio.core.music import KeySignature, Note, Song, TempoChange, Track
from studio.evaluation.mood import evaluate_mood, twice_the_beats

MAJOR = (0, 2, 4, 5, 7, 9, 11, 12, 7, 4, 2, 0)
MINOR = (0, 2, 3, 5, 7, 8, 11, 12, 7, 3, 2, 0)


def song(minor: bool, bpm: float, tonic: int = 62) -> Song:
    steps = MINOR if minor else MAJOR
    notes = tuple(Note(tonic + s, i * 0.5, 0.5, 90) for i, s in enumerate(steps * 4))
    stated = KeySignature(0.0, tonic % 12, "minor" if minor else "major")
    return Song((Track(notes),), tempos=(TempoChange(0.0, bpm),), key_signatures=(stated,))


@pytest.fixture
def files(tmp_path):
    paths = []
    kinds = [(False, 60), (False, 90), (False, 144), (False, 168),
             (True, 66), (True, 100), (True, 140), (True, 176)]  # fmt: skip
    for number, (minor, bpm) in enumerate(kinds):
        path = tmp_path / "music" / f"tune-{number}.mid"
        path.parent.mkdir(exist_ok=True)
        write_midi(song(minor, bpm, tonic=60 + number), path)
        paths.append(path)
    (tmp_path / "music" / "broken.mid").write_bytes(b"MThd nonsense")
    return [*paths, tmp_path / "music" / "broken.mid"]


def test_the_report_agrees_with_stated_modes_and_tempi_and_holds_still(files):
    report = evaluate_mood(files, sample=4, seed=1)
    assert report["files"] == 8 and report["skipped"] == 1
    mode = report["stated_mode"]
    assert (mode["major"], mode["minor"]) == (4, 4)
    assert mode["mode_cue_agrees"] == 1.0 and mode["valence_auc"] > 0.9
    tempo = report["tempo_marking"]
    assert tempo["files"] == 8 and tempo["rank_correlation"] > 0.9
    assert tempo["arousal_slow_mean"] < 0 < tempo["arousal_fast_mean"]
    assert report["transposition"]["copies"] == 4 * 12
    assert report["transposition"]["valence_change_max"] < 0.15
    copies = report["tempo_preserving_copies"]
    assert copies["copies"] == 4 and copies["valence_change_max"] < 1e-6


def test_twice_the_beats_sounds_the_same():
    original = song(False, 120)
    copy = twice_the_beats(original)
    assert copy.tracks[0].notes[1].start == 2 * original.tracks[0].notes[1].start
    assert copy.duration_seconds == pytest.approx(original.duration_seconds)
    assert song_mood(copy).arousal == pytest.approx(song_mood(original).arousal)


def test_the_command_reads_a_folder_and_refuses_nonsense(studio, files):
    result = studio("eval", "mood", "--data", str(files[0].parent), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["files"] == 8 and report["stated_mode"]["mode_cue_agrees"] == 1.0
    text = studio("eval", "mood", "--data", str(files[0].parent))
    assert "stated mode (4 major, 4 minor)" in text.stdout
    bad = studio("eval", "mood", "--data", str(files[0].parent / "nowhere"))
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "folder of MIDI files" in bad.stderr
