"""SHA-256 manifests of model files (``studio.core.model_files``): the shipped manifest is up to
date and strict, a user's is checked when it lists the file, a file without one loads."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studio.core import model_files
from studio.core.errors import ModelFileError
from studio.core.model_files import (
    MANIFEST_NAME,
    check_manifest,
    read_manifest,
    record_model_file,
    sha256_of,
    verify_model_file,
    write_manifest,
)
from studio.core.resources import MODELS


def shipped_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the shipped models' folder that counts as the shipped one."""
    copy = tmp_path / "models"
    shutil.copytree(MODELS, copy)
    monkeypatch.setattr(model_files, "SHIPPED_FOLDER", copy)
    return copy


def damage(path: Path, offset: int = 0) -> None:
    """Flip one byte (the file keeps its size and, for safetensors, its header)."""
    data = bytearray(path.read_bytes())
    where = offset or len(data) // 2
    data[where] ^= 0xFF
    path.write_bytes(bytes(data))


def test_the_shipped_manifest_lists_every_model_file_and_they_match():
    listed = read_manifest(MODELS / MANIFEST_NAME)
    files = {p.name for p in MODELS.iterdir() if p.suffix in (".safetensors", ".json")}
    assert set(listed) == files  # retrained weights need `python -m studio.core.model_files`
    assert {"gan.safetensors", "gan.decoding.json", "style_priors.json",
            "autoencoder.safetensors", "autoencoder.spread.json"} <= files  # fmt: skip
    assert check_manifest(MODELS) == []
    for name in files:
        verify_model_file(MODELS / name)


def test_a_damaged_shipped_file_says_reinstall(tmp_path, monkeypatch):
    copy = shipped_copy(tmp_path, monkeypatch)
    damage(copy / "gan.safetensors")
    with pytest.raises(ModelFileError) as caught:
        verify_model_file(copy / "gan.safetensors", "the melody model")
    message = str(caught.value)
    assert message.startswith("the melody model is damaged: ")
    assert "does not match the shipped model (SHA-256 " in message
    assert message.endswith("reinstall Motif Studio") and "\n" not in message
    assert check_manifest(copy) == ["gan.safetensors: does not match"]


def test_the_shipped_manifest_is_strict(tmp_path, monkeypatch):
    copy = shipped_copy(tmp_path, monkeypatch)
    (copy / "extra.json").write_text("{}")
    with pytest.raises(ModelFileError, match=r"not listed in .*; reinstall Motif Studio"):
        verify_model_file(copy / "extra.json")
    (copy / "gan.decoding.json").unlink()
    with pytest.raises(ModelFileError, match="is missing; reinstall Motif Studio"):
        verify_model_file(copy / "gan.decoding.json")
    (copy / MANIFEST_NAME).unlink()
    with pytest.raises(ModelFileError, match=r"manifest .* is missing or unreadable; reinstall"):
        verify_model_file(copy / "gan.safetensors")


def test_a_user_file_is_checked_when_its_manifest_lists_it(tmp_path):
    weights = tmp_path / "mine.safetensors"
    weights.write_bytes(b"weights" * 1000)
    verify_model_file(weights)  # no manifest: the user's own file, loaded unchecked
    record_model_file(weights)
    assert read_manifest(tmp_path / MANIFEST_NAME) == {"mine.safetensors": sha256_of(weights)}
    verify_model_file(weights)
    other = tmp_path / "other.json"
    other.write_text("{}")
    verify_model_file(other)  # not listed: unchecked
    record_model_file(other)  # a second line; the first stays
    assert set(read_manifest(tmp_path / MANIFEST_NAME)) == {"mine.safetensors", "other.json"}
    damage(weights)
    with pytest.raises(ModelFileError) as caught:
        verify_model_file(weights, "the melody model")
    message = str(caught.value)
    assert f"{weights} does not match its manifest" in message and "train it again" in message
    assert "\n" not in message


def test_the_manifest_is_sha256sum_format(tmp_path):
    (tmp_path / "a.safetensors").write_bytes(b"a")
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "notes.md").write_text("not a model file")
    path = write_manifest(tmp_path)
    assert sorted(read_manifest(path)) == ["a.json", "a.safetensors"]
    if shutil.which("sha256sum"):
        checked = subprocess.run(["sha256sum", "-c", MANIFEST_NAME], cwd=tmp_path,
                                 capture_output=True, text=True)  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_command_writes_and_checks_a_manifest(tmp_path):
    (tmp_path / "w.safetensors").write_bytes(b"w" * 100)
    command = [sys.executable, "-m", "studio.core.model_files", str(tmp_path)]
    assert subprocess.run(command, capture_output=True).returncode == 0
    assert subprocess.run([*command, "--check"], capture_output=True).returncode == 0
    damage(tmp_path / "w.safetensors")
    checked = subprocess.run([*command, "--check"], capture_output=True, text=True)
    assert checked.returncode == 1 and "w.safetensors: does not match" in checked.stderr
