"""The networks and the training loop, for real, on a tiny model and data set."""

from __future__ import annotations

import json

import numpy as np
import torch
from conftest import torchrun_two_ranks
from safetensors import safe_open

from studio.generation.data import METERS, SPEC
from studio.generation.gan import (
    Discriminator,
    Generator,
    bar_tensor,
    generate_bar_for_discriminator,
    gumbel_samples,
    hold_decode,
    make_conditions,
    step_mask,
)
from studio.generation.network import bar_array, condition_array
from studio.generation.train import (
    LOOSE_RESPONSE,
    RESPONSE_DENSITIES,
    TrainConfig,
    average_weights,
    density_response,
    describe_density_response,
    sample_batch,
    train_gan,
)
from studio.training import CHECKPOINT_NAME


def test_shapes(tiny_config):
    config = tiny_config
    generator, discriminator = Generator(config), Discriminator(config)
    batch = 5
    conditions = make_conditions(
        torch.zeros(batch, 12), torch.zeros(batch, dtype=torch.long),
        torch.ones(batch, dtype=torch.long), torch.full((batch,), 0.5),
        torch.arange(batch) % 4, torch.ones(batch),
    )  # fmt: skip
    assert conditions.shape == (batch, config.condition_dim)
    previous = torch.zeros(batch, config.bar_dim)
    pitch, onset = generator(torch.randn(batch, config.noise_dim), conditions, previous)
    assert pitch.shape == (batch, 16, config.n_classes) and onset.shape == (batch, 16)
    sampled_pitch, sampled_onset = gumbel_samples(pitch, onset)
    assert torch.all(sampled_pitch.sum(-1) == 1)
    onset_values = sampled_onset.detach()  # straight-through: 0/1 up to float rounding
    assert torch.allclose(onset_values, onset_values.round(), atol=1e-6)
    bar = torch.cat([sampled_pitch, sampled_onset.unsqueeze(-1)], -1).flatten(1)
    assert discriminator(previous, bar, conditions).shape == (batch,)


def test_condition_layout_and_one_value_for_all_rows():
    tones = np.zeros((3, 12))
    tones[:, [0, 4, 7]] = 1
    per_row = condition_array(tones, [0, 7, 9], [1, 1, 1], [0.25, 0.5, 0.75], [2, 2, 2],
                              [1.0, 1.0, 1.0], [3, 3, 3], n_meters=4)  # fmt: skip
    shared = condition_array(tones, [0, 7, 9], 1, [0.25, 0.5, 0.75], 2, 1.0, 3, n_meters=4)
    assert per_row.dtype == np.float32 and per_row.shape == (3, 12 + 12 + 2 + 1 + 4 + 1 + 4)
    assert np.array_equal(per_row, shared)
    root = per_row[:, 12:24].argmax(1)
    assert root.tolist() == [0, 7, 9] and np.all(per_row[:, 12:24].sum(1) == 1)
    assert per_row[:, 24:26].tolist() == [[0, 1]] * 3  # minor
    assert per_row[:, 26].tolist() == [0.25, 0.5, 0.75]
    assert per_row[:, 27:31].argmax(1).tolist() == [2, 2, 2]
    assert per_row[:, 31].tolist() == [1, 1, 1] and per_row[:, 32:].argmax(1).tolist() == [3] * 3
    tensors = make_conditions(torch.from_numpy(tones), torch.tensor([0, 7, 9]),
                              torch.ones(3, dtype=torch.long), torch.tensor([0.25, 0.5, 0.75]),
                              torch.full((3,), 2), torch.ones(3))  # fmt: skip
    assert tensors.shape == (3, 32) and torch.equal(tensors, torch.from_numpy(per_row[:, :32]))


def test_bar_array_is_the_one_hot_bar_tensor():
    rng = np.random.default_rng(0)
    classes = 5
    pitch, onset = rng.integers(0, classes, (4, 16)), rng.random((4, 16)) < 0.5
    expected = bar_tensor(
        torch.nn.functional.one_hot(torch.from_numpy(pitch), classes).float(),
        torch.from_numpy(onset.astype(np.float32)),
    )
    assert torch.equal(torch.from_numpy(bar_array(pitch, onset, classes)), expected)


def test_hold_decode_repeats_until_the_next_onset():
    classes = 4
    picks = torch.nn.functional.one_hot(torch.tensor([[1, 2, 3, 0]]), classes).float()
    onsets = torch.tensor([[0.0, 1.0, 0.0, 1.0]])
    before = torch.nn.functional.one_hot(torch.tensor([3]), classes).float()
    sounding = hold_decode(picks, onsets, before).argmax(-1)
    assert sounding.tolist() == [[3, 2, 2, 0]]  # held from the bar before, then 2 held, then 0


def test_batches_come_with_their_previous_bar(tiny_dataset):
    rng = np.random.default_rng(0)
    rows = tiny_dataset.pairs("train")[:8]
    batch = sample_batch(tiny_dataset, rows, rng, octave_probability=0.0)
    n = SPEC.rest_index + 1
    bars = batch.bar.view(8, 16, n + 1)[..., :n].argmax(-1).numpy()
    previous = batch.previous_bar.view(8, 16, n + 1)[..., :n].argmax(-1).numpy()
    assert np.array_equal(bars, tiny_dataset.pitch[rows])
    assert np.array_equal(previous, tiny_dataset.pitch[rows - 1])
    meters = batch.conditions[:, -len(METERS) :]
    assert torch.all(batch.conditions[:, -len(METERS) - 1] == 1)  # every row has a previous bar
    assert np.array_equal(meters.argmax(1).numpy(), tiny_dataset.meter_of_rows(rows))
    assert torch.all(meters.sum(1) == 1)
    without = sample_batch(tiny_dataset, rows, rng, octave_probability=0.0, n_meters=0)
    assert torch.all(without.conditions[:, -1] == 1)  # a 4/4-only model has no meter part


def test_a_batch_can_ask_every_bar_for_one_density(tiny_dataset):
    rows = tiny_dataset.pairs("train")[:8]
    own = sample_batch(tiny_dataset, rows, np.random.default_rng(0), 0.0)
    asked = sample_batch(tiny_dataset, rows, np.random.default_rng(0), 0.0, asked_density=0.8)
    assert torch.all(asked.conditions[:, 26] == 0.8)  # the density condition (see the layout)
    assert torch.equal(own.conditions[:, 26], own.density) and torch.equal(
        asked.density, own.density
    )
    others = [c for c in range(asked.conditions.shape[1]) if c != 26]
    assert torch.equal(asked.conditions[:, others], own.conditions[:, others])


def test_density_response_shows_a_network_deaf_to_its_density(tiny_dataset, tiny_config):
    torch.manual_seed(0)
    generator = Generator(tiny_config)
    response = density_response(generator, tiny_dataset, bars=64)
    assert list(response) == ["4/4"]  # the tiny tunes are all in 4/4
    assert len(response["4/4"]) == len(RESPONSE_DENSITIES)
    assert all(0 < value < 1 for value in response["4/4"])
    with torch.no_grad():  # cut the density condition off the first layer
        generator.body[0].weight[:, tiny_config.noise_dim + 26] = 0
    deaf = density_response(generator, tiny_dataset, bars=64)["4/4"]
    assert deaf[0] == deaf[1] == deaf[2] and deaf != response["4/4"]
    line = describe_density_response({"4/4": deaf}, epochs=50)
    assert "loosely in 4/4" in line and "--resume --epochs 58 --density-weight 30" in line


def test_a_density_response_that_rises_enough_gets_no_advice():
    rising = [0.2, 0.5, round(0.2 + LOOSE_RESPONSE + 0.01, 2)]
    line = describe_density_response({"4/4": rising, "6/8": [0.25, 0.46, 0.83]})
    assert line == (
        "density condition 0.1 / 0.5 / 1 → onsets a step written: "
        f"4/4 0.20 / 0.50 / {rising[2]:.2f}  6/8 0.25 / 0.46 / 0.83"
    )
    flat = describe_density_response({"4/4": rising, "3/4": [0.4, 0.5, 0.6]})
    assert flat.endswith("loosely in 3/4: go on for about 8 epochs with it weighed more "
                         "(--resume --epochs N --density-weight 30)")  # fmt: skip


def test_padding_steps_of_three_beat_bars_get_no_onset(tiny_config):
    generator = Generator(tiny_config)
    batch = 6
    conditions = make_conditions(
        torch.zeros(batch, 12), torch.zeros(batch, dtype=torch.long),
        torch.zeros(batch, dtype=torch.long), torch.full((batch,), 0.9),
        torch.arange(batch) % 4, torch.zeros(batch),
    )  # fmt: skip
    classes = tiny_config.n_classes
    rest = torch.nn.functional.one_hot(torch.full((batch,), classes - 1), classes).float()
    mask = step_mask(torch.tensor([12, 12, 12, 16, 16, 16]))
    bar, probability = generate_bar_for_discriminator(
        generator, torch.randn(batch, tiny_config.noise_dim), conditions,
        torch.zeros(batch, tiny_config.bar_dim), rest, mask,
    )  # fmt: skip
    steps = bar.view(batch, 16, classes + 1)
    onsets, sounding = steps[..., -1], steps[..., :-1].argmax(-1)
    assert torch.all(onsets[:3, 12:] == 0) and torch.all(probability[:3, 12:] == 0)
    assert torch.all(sounding[:3, 12:] == sounding[:3, 11:12])  # the padding holds step 12's note
    assert torch.any(probability[3:, 12:] > 0)


def test_a_few_steps_change_the_weights_and_resume(tiny_dataset, tiny_config, tmp_path):
    config = tiny_config
    torch.manual_seed(0)
    before = Generator(config).state_dict()
    summary = train_gan(
        tiny_dataset, tmp_path, config=config,
        train=TrainConfig(epochs=1, steps_per_epoch=4, batch_size=16),
    )  # fmt: skip
    assert summary["steps"] == 4
    assert all(np.isfinite(v) for v in summary["losses"].values())
    assert list(summary["density_response"]) == ["4/4"]
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    after = state["model"]["generator"]
    assert any(not torch.equal(before[k], after[k]) for k in before)
    with safe_open(summary["weights"], framework="pt") as handle:
        assert json.loads(handle.metadata()["config"]) == config.to_dict()
    resumed = train_gan(
        tiny_dataset, tmp_path, config=config,
        train=TrainConfig(epochs=2, steps_per_epoch=4, batch_size=16), resume=True,
    )  # fmt: skip
    assert resumed["steps"] == 8
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert state["epoch"] == 2 and state["train"]["density_weight"] == 2.0
    # going on with the density weighed more: the resumed run keeps the rest of its settings
    reweighed = train_gan(
        tiny_dataset, tmp_path, config=config,
        train=TrainConfig(epochs=3, steps_per_epoch=4, batch_size=32), resume=True,
        density_weight=30.0,
    )  # fmt: skip
    assert reweighed["steps"] == 12
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)
    assert state["train"]["density_weight"] == 30.0 and state["train"]["batch_size"] == 16


def test_average_weights_move_by_one_minus_decay_and_faster_in_the_first_steps(tiny_config):
    torch.manual_seed(0)
    average, trained = Generator(tiny_config), Generator(tiny_config)

    def moved(step: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        before = [p.clone() for p in average.parameters()]
        average_weights(average, trained, decay=0.99, step=step)
        return list(zip(before, average.parameters(), trained.parameters(), strict=True))

    for old, new, target in moved(10_000):
        assert torch.allclose(new, 0.99 * old + 0.01 * target, atol=1e-6)
    for old, new, target in moved(0):  # warm-up: decay (1 + 0) / (10 + 0) = 0.1
        assert torch.allclose(new, 0.1 * old + 0.9 * target, atol=1e-6)


def test_the_exported_generator_is_the_average_and_resume_keeps_it(
    tiny_dataset, tiny_config, tmp_path
):
    from safetensors.torch import load_file

    train = TrainConfig(epochs=1, steps_per_epoch=6, batch_size=16, snapshot_every=1)
    summary = train_gan(tiny_dataset, tmp_path, config=tiny_config, train=train)
    state = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["model"]
    exported = load_file(summary["weights"])
    last, average = state["generator"], state["average_generator"]
    assert all(torch.equal(exported[k], average[k]) for k in exported)
    assert any(not torch.equal(last[k], average[k]) for k in last)  # averaged, not the last
    snapshots = tmp_path / "snapshots"
    unaveraged = load_file(snapshots / "gan-epoch0001-unaveraged.safetensors")
    assert all(torch.equal(unaveraged[k], last[k]) for k in last)
    assert all(
        torch.equal(load_file(snapshots / "gan-epoch0001.safetensors")[k], average[k])
        for k in average
    )
    # the snapshot's density response (of the average), as at the end of the run
    written = json.loads((snapshots / "gan-epoch0001.density.json").read_text())
    assert written == summary["density_response"] and len(written["4/4"]) == 3
    resumed = train_gan(
        tiny_dataset, tmp_path, config=tiny_config, resume=True,
        train=TrainConfig(epochs=2, steps_per_epoch=6, batch_size=16),
    )  # fmt: skip
    again = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["model"]["average_generator"]
    # Resumed from the stored average: one more epoch moves it only part of the way.
    assert any(not torch.equal(again[k], average[k]) for k in average)
    assert resumed["steps"] == 12


def test_no_average_exports_the_last_weights(tiny_dataset, tiny_config, tmp_path):
    from safetensors.torch import load_file

    train = TrainConfig(epochs=1, steps_per_epoch=4, batch_size=16, average_decay=0)
    summary = train_gan(tiny_dataset, tmp_path, config=tiny_config, train=train)
    last = torch.load(tmp_path / CHECKPOINT_NAME, weights_only=True)["model"]["generator"]
    exported = load_file(summary["weights"])
    assert all(torch.equal(exported[k], last[k]) for k in last)


WORKER = """
import sys
from pathlib import Path
from studio.generation.data import MelodyDataset
from studio.generation.network import GanConfig
from studio.generation.train import TrainConfig, train_gan

tiny = GanConfig(noise_dim=8, prev_dim=16, hidden_dim=32, disc_hidden_dim=32)
summary = train_gan(MelodyDataset.load(sys.argv[1]), sys.argv[2], config=tiny,
                    train=TrainConfig(epochs=1, steps_per_epoch=3, batch_size=16))
Path(sys.argv[2], f"rank{summary['rank']}-of-{summary['world_size']}.txt").write_text(
    summary["generator_sha256"])
"""


def test_torchrun_two_processes_end_with_identical_weights(tiny_dataset, tmp_path):
    data_path = tmp_path / "data.npz"
    tiny_dataset.save(data_path)
    ranks = torchrun_two_ranks(WORKER, tmp_path, data_path)
    out = tmp_path / "run"
    assert set(ranks) == {"rank0-of-2.txt", "rank1-of-2.txt"}
    assert ranks["rank0-of-2.txt"] == ranks["rank1-of-2.txt"]  # DDP kept the weights in step
    assert (out / "gan.safetensors").exists() and (out / CHECKPOINT_NAME).exists()


def test_no_training_melodies_is_a_clear_error(tiny_dataset, tmp_path):
    import dataclasses

    import pytest

    from studio.core.errors import StudioError

    held_out = dataclasses.replace(tiny_dataset, split=np.full_like(tiny_dataset.split, 2))
    with pytest.raises(StudioError, match="no training melodies"):
        train_gan(held_out, tmp_path)
