"""Model files are verified before they load (issue 18): a damaged or replaced shipped file is
refused with one sentence, training records what it writes in a manifest, a user file without one
still loads, only safetensors and ``weights_only`` checkpoints are read (a pickle bomb is
refused without running), and the engine keeps the library working without the similar model."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
import torch

from studio.core import model_files
from studio.core.errors import ModelFileError
from studio.core.model_files import MANIFEST_NAME, read_manifest, sha256_of
from studio.core.resources import MODELS
from studio.engine import Engine
from studio.generation.generator import MelodyGenerator
from studio.similarity.embedder import Embedder
from studio.training import CHECKPOINT_NAME, open_run


def damage(path: Path) -> None:
    """Flip one byte in the middle: a safetensors file keeps its header and still parses, so
    only the manifest can tell."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.fixture
def shipped(tmp_path, monkeypatch) -> Path:
    """A copy of resources/models that counts as the shipped folder (the real one is never
    touched)."""
    copy = tmp_path / "models"
    shutil.copytree(MODELS, copy)
    monkeypatch.setattr(model_files, "SHIPPED_FOLDER", copy)
    return copy


def test_a_damaged_shipped_melody_model_is_refused(shipped):
    MelodyGenerator(shipped / "gan.safetensors")  # intact: loads
    damage(shipped / "gan.safetensors")
    with pytest.raises(ModelFileError) as caught:
        MelodyGenerator(shipped / "gan.safetensors")
    message = str(caught.value)
    assert message.startswith("the melody model is damaged: ") and "\n" not in message
    assert "does not match the shipped model" in message
    assert message.endswith("reinstall Motif Studio")


def test_a_replaced_calibration_turns_the_melody_model_off(shipped):
    (shipped / "gan.decoding.json").write_text('{"version": 1}')  # valid JSON, not the shipped
    with pytest.raises(ModelFileError, match=r"gan\.decoding\.json does not match the shipped"):
        MelodyGenerator(shipped / "gan.safetensors")


def test_a_replaced_mood_table_is_refused(shipped):
    from studio.generation.mood_aim import load_table

    load_table(shipped / "mood_aim.json")  # intact: loads
    (shipped / "mood_aim.json").write_text('{"version": 1, "conditions": []}')
    with pytest.raises(ModelFileError, match=r"mood_aim\.json does not match the shipped"):
        load_table.__wrapped__(shipped / "mood_aim.json")


def test_a_damaged_shipped_similar_model_is_refused(shipped):
    damage(shipped / "autoencoder.safetensors")
    with pytest.raises(ModelFileError, match=r"^the similar-tracks model is damaged: .* reinstall"):
        Embedder(shipped / "autoencoder.safetensors")


def test_a_replaced_spread_reference_is_refused(shipped):
    (shipped / "autoencoder.spread.json").write_text("{}")
    with pytest.raises(ModelFileError, match=r"autoencoder\.spread\.json does not match"):
        Embedder(shipped / "autoencoder.safetensors")


def test_training_records_the_gan_and_a_damaged_copy_says_so(tiny_model, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(Path(tiny_model).parent, run)
    listed = read_manifest(run / MANIFEST_NAME)
    assert listed["gan.safetensors"] == sha256_of(run / "gan.safetensors")
    MelodyGenerator(run / "gan.safetensors")
    damage(run / "gan.safetensors")
    with pytest.raises(ModelFileError, match=r"does not match its manifest .* train it again"):
        MelodyGenerator(run / "gan.safetensors")
    (run / MANIFEST_NAME).unlink()  # a user file with no manifest loads unchecked
    MelodyGenerator(run / "gan.safetensors")


def test_training_records_the_autoencoder_and_a_damaged_copy_says_so(tiny_autoencoder, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(Path(tiny_autoencoder).parent, run)
    weights = run / "autoencoder.safetensors"
    assert read_manifest(run / MANIFEST_NAME)["autoencoder.safetensors"] == sha256_of(weights)
    damage(weights)
    with pytest.raises(ModelFileError, match="does not match its manifest"):
        Embedder(weights)


class Bomb:
    """Unpickling this would create ``marker``: what a malicious checkpoint does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("how", ["torch.save", "pickle"])
def test_a_pickle_bomb_checkpoint_is_refused_without_running(tmp_path, how):
    marker = tmp_path / "exploded"
    path = tmp_path / CHECKPOINT_NAME
    if how == "torch.save":
        torch.save({"epoch": 3, "model": Bomb(marker)}, path)
    else:
        path.write_bytes(pickle.dumps({"epoch": 3, "model": Bomb(marker)}, protocol=2))
    with pytest.raises(ModelFileError) as caught:
        open_run(tmp_path, resume=True)
    assert "holds more than weights" in str(caught.value) and "\n" not in str(caught.value)
    assert not marker.exists()
    assert open_run(tmp_path, resume=False)[1] is None  # without --resume it is not read


def test_a_truncated_checkpoint_is_one_sentence(tmp_path):
    torch.save({"epoch": 1}, tmp_path / CHECKPOINT_NAME)
    data = (tmp_path / CHECKPOINT_NAME).read_bytes()
    (tmp_path / CHECKPOINT_NAME).write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="is not a checkpoint Motif Studio can resume from"):
        open_run(tmp_path, resume=True)


def test_train_resume_on_a_pickle_bomb_is_one_line(studio, midi_folder, tmp_path):
    marker = tmp_path / "exploded"
    out = tmp_path / "run"
    out.mkdir()
    torch.save({"epoch": 1, "model": Bomb(marker)}, out / CHECKPOINT_NAME)
    result = studio(
        "train", "gan", "--data", str(midi_folder), "--epochs", "1", "--steps-per-epoch", "1",
        "--batch-size", "8", "--out", str(out), "--cache", str(tmp_path / "cache"), "--resume",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr  # above the error: the data's progress bar
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("studio: error: ") and "holds more than weights" in error
    assert not marker.exists()


def test_generate_with_a_damaged_model_is_one_line(studio, tiny_model, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(Path(tiny_model).parent, run)
    damage(run / "gan.safetensors")
    result = studio("generate", "-o", str(tmp_path / "idea.mid"), "--model",
                    str(run / "gan.safetensors"))  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "the melody model is damaged" in result.stderr and "does not match" in result.stderr
    assert not (tmp_path / "idea.mid").exists()


def test_the_library_works_without_a_damaged_similar_model(shipped, tmp_path):
    damage(shipped / "autoencoder.safetensors")
    with Engine(db_path=tmp_path / "lib.sqlite",
                autoencoder_weights=shipped / "autoencoder.safetensors") as engine:  # fmt: skip
        done = engine.prepare_library()
        assert done.demo_indexed.indexed >= 20 and done.embedded is None  # catalogued
        assert "the similar-tracks model is damaged" in done.model_problem
        assert engine.similar_model_problem() == done.model_problem
        assert engine.library_counts()["ok"] >= 20
        with pytest.raises(ModelFileError, match="damaged"):
            engine.similar_to(1)
