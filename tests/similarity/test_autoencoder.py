"""The passage autoencoder: model, training loop, numpy inference and the embedder."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import torchrun_two_ranks
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.edit import transpose_song
from studio.core.errors import ModelFileError
from studio.core.midi_read import read_midi
from studio.core.music import Song, TempoChange
from studio.similarity.autoencoder import AutoencoderConfig, build_model, load_numpy_encoder
from studio.similarity.embedder import Embedder, track_vector
from studio.similarity.passages import N_CHANNELS, WINDOW_STEPS, song_windows
from studio.similarity.train import (
    AutoencoderTrainConfig,
    augment,
    contrastive_loss,
    load_songs,
    reconstruction_loss,
    train_autoencoder,
)
from studio.training import CHECKPOINT_NAME


def test_model_shapes():
    model = build_model(AutoencoderConfig())
    x = torch.rand(5, N_CHANNELS, WINDOW_STEPS)
    z, logits = model(x)
    assert z.shape == (5, 32) and logits.shape == x.shape


def test_numpy_encoder_matches_torch(tiny_autoencoder, midi_folder):
    encoder, metadata = load_numpy_encoder(tiny_autoencoder)
    assert metadata["model_version"].startswith("passage-ae-")
    checkpoint = torch.load(
        tiny_autoencoder.parent / CHECKPOINT_NAME, map_location="cpu", weights_only=True
    )
    model = build_model(AutoencoderConfig(**checkpoint["config"]))
    model.load_state_dict(checkpoint["model"])
    features = song_windows(read_midi(midi_folder / "tune-03.mid")).features
    with torch.no_grad():
        expected = torch.nn.functional.normalize(model.encoder(torch.from_numpy(features)), dim=1)
    assert np.allclose(encoder.encode(features), expected.numpy(), atol=1e-5)


def test_training_lowers_the_loss(midi_folder, tmp_path):
    songs = load_songs(sorted(midi_folder.glob("*.mid")))
    assert len(songs.skipped) == 1  # broken.mid, with its reason
    torch.manual_seed(0)
    fresh = build_model()
    summary = train_autoencoder(
        songs, tmp_path, train=AutoencoderTrainConfig(epochs=4, steps_per_epoch=15, batch_size=64)
    )
    trained = build_model()
    trained.load_state_dict(
        torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True, map_location="cpu")["model"]
    )
    windows = np.concatenate(
        [song_windows(read_midi(p)).features for p in sorted(midi_folder.glob("tune-*.mid"))]
    )
    x = torch.from_numpy(windows)
    with torch.no_grad():
        before = reconstruction_loss(fresh(x)[1], x).item()
        after = reconstruction_loss(trained(x)[1], x).item()
    assert after < 0.7 * before
    assert summary["steps"] == 60 and (tmp_path / "autoencoder.safetensors").exists()


def test_resume_continues_from_the_checkpoint(midi_folder, tmp_path):
    songs = load_songs(sorted(midi_folder.glob("tune-*.mid")))
    config = AutoencoderTrainConfig(epochs=1, steps_per_epoch=3, batch_size=16)
    train_autoencoder(songs, tmp_path, train=config)
    config = AutoencoderTrainConfig(epochs=2, steps_per_epoch=3, batch_size=16)
    summary = train_autoencoder(songs, tmp_path, train=config, resume=True)
    assert summary["steps"] == 6
    assert torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["epoch"] == 2


def test_contrastive_loss_rewards_matching_views():
    z = torch.randn(8, 32)
    matched, accuracy = contrastive_loss(z, z + 0.01 * torch.randn(8, 32), 0.1)
    shuffled, _ = contrastive_loss(z, z[torch.randperm(8)], 0.1)
    assert accuracy.item() == 1.0 and matched.item() < shuffled.item()


def test_augment_keeps_notes_valid(midi_folder):
    from studio.similarity.passages import note_arrays

    notes = note_arrays(read_midi(midi_folder / "tune-01.mid"))
    rng = np.random.default_rng(0)
    for drift in (0.0, 0.1):
        for _ in range(20):
            noisy = augment(notes, rng, AutoencoderTrainConfig(drift=drift))
            assert 0 < len(noisy) <= len(notes)
            assert noisy.pitch.min() >= 0 and noisy.pitch.max() <= 127
            assert np.all(noisy.end > noisy.start) and noisy.start.min() >= 0


def test_a_drifting_tempo_keeps_the_order_of_notes_and_moves_them_a_little():
    from studio.similarity.train import drifted

    beats = np.linspace(0, 64, 513)
    moved = drifted(beats, 0.1, 2 * np.pi / 16, 1.0)
    assert moved[0] == 0 and np.all(np.diff(moved) > 0)
    shift = np.abs(moved - beats)
    assert 0.1 < shift.max() <= 0.1 * 16 / np.pi + 1e-9  # depth / omega, twice at most


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 47), st.integers(-7, 7), st.floats(0.5, 2.0))
def test_embeddings_ignore_transposition_and_tempo(
    tiny_autoencoder, midi_folder, number, semitones, tempo_factor
):
    embedder = Embedder(tiny_autoencoder)
    song = read_midi(midi_folder / f"tune-{number:02d}.mid")
    moved = transpose_song(song, semitones)
    moved = Song(moved.tracks, tempos=(TempoChange(0.0, song.tempo * tempo_factor),))
    a, b = embedder.embed(song), embedder.embed(moved)
    assert np.allclose(a.vector, b.vector, atol=1e-6)
    assert np.allclose(a.passages, b.passages, atol=1e-6)
    assert abs(np.linalg.norm(a.vector) - 1) < 1e-5


def test_track_vector_of_nothing_is_zero():
    assert not track_vector(np.zeros((0, 32), np.float32)).any()


def test_missing_or_damaged_weights_are_clear_errors(tmp_path):
    with pytest.raises(ModelFileError, match="no autoencoder weights"):
        Embedder(tmp_path / "none.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a model")
    with pytest.raises(ModelFileError, match="cannot load"):
        Embedder(bad)


WORKER = """
import sys
from pathlib import Path
from studio.similarity.train import AutoencoderTrainConfig, load_songs, train_autoencoder
songs = load_songs(sorted(Path(sys.argv[1]).glob("tune-*.mid")))
config = AutoencoderTrainConfig(epochs=1, steps_per_epoch=3, batch_size=16)
summary = train_autoencoder(songs, sys.argv[2], train=config)
Path(sys.argv[2], f"rank{summary['rank']}-of-{summary['world_size']}.txt").write_text(
    summary["model_sha256"])
"""


def test_torchrun_two_processes_end_with_identical_weights(midi_folder, tmp_path):
    ranks = torchrun_two_ranks(WORKER, tmp_path, midi_folder)
    out = tmp_path / "run"
    assert set(ranks) == {"rank0-of-2.txt", "rank1-of-2.txt"}
    assert ranks["rank0-of-2.txt"] == ranks["rank1-of-2.txt"]
    assert (out / "autoencoder.safetensors").exists()
