"""The generator's numpy pass (``studio.generation.network``) against the torch network it
was trained as, and making melodies without torch."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from threadpoolctl import ThreadpoolController, threadpool_limits

import studio.generation.network as network
from studio.generation.gan import Generator
from studio.generation.network import (
    STEPS,
    GeneratorPass,
    bar_array,
    read_generator,
    weight_shapes,
)
from studio.generation.train import export_generator


def _inputs(config, batch: int = 8):
    """Noise, conditions and a previous bar as the numpy pass takes it: (batch, 16) pitch
    classes (rests among them) and 0/1 onsets."""
    rng = np.random.default_rng(3)
    return (
        rng.standard_normal((batch, config.noise_dim)).astype(np.float32),
        rng.random((batch, config.condition_dim)).astype(np.float32),
        rng.integers(0, config.n_classes, size=(batch, STEPS)),
        (rng.random((batch, STEPS)) < 0.4).astype(np.float32),
    )


def _torch_pass(generator: Generator, inputs) -> tuple[np.ndarray, np.ndarray]:
    """The torch generator on the same inputs, the previous bar one-hot (``bar_array``)."""
    noise, conditions, pitch, onsets = inputs
    bar = bar_array(pitch, onsets, generator.config.n_classes)
    with torch.inference_mode():
        out = generator(*(torch.from_numpy(x) for x in (noise, conditions, bar)))
    return out[0].numpy(), out[1].numpy()


@pytest.mark.parametrize("hidden", [32, 768])
def test_the_numpy_pass_computes_what_the_torch_generator_does(tiny_config, hidden):
    config = type(tiny_config)(**{**tiny_config.to_dict(), "hidden_dim": hidden})
    torch.manual_seed(5)
    generator = Generator(config).eval()
    with torch.no_grad():  # layer norms away from their initial 1 and 0, so they count
        for module in generator.body:
            if isinstance(module, torch.nn.LayerNorm):
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.5, 0.5)
    state = {name: value.numpy() for name, value in generator.state_dict().items()}
    inputs = _inputs(config)
    pitch, onset = GeneratorPass(config, state)(*inputs)
    want_pitch, want_onset = _torch_pass(generator, inputs)
    assert pitch.shape == want_pitch.shape == (8, 16, config.n_classes)
    assert onset.shape == want_onset.shape == (8, 16)
    assert pitch.dtype == onset.dtype == np.float32
    np.testing.assert_allclose(pitch, want_pitch, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(onset, want_onset, rtol=1e-4, atol=1e-5)
    # and the pitch each step would take is the same one
    assert np.array_equal(pitch.argmax(-1), want_pitch.argmax(-1))
    # a 12-step unit (3/4, 6/8) gets the first 12 steps of the same outputs
    pitch_12, onset_12 = GeneratorPass(config, state)(*inputs, steps=12)
    assert pitch_12.shape == (8, 12, config.n_classes) and onset_12.shape == (8, 12)
    np.testing.assert_allclose(pitch_12, pitch[:, :12], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(onset_12, onset[:, :12], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="steps: 8"):
        GeneratorPass(config, state)(*inputs, steps=8)


def test_a_weights_file_reads_into_the_same_pass_with_its_metadata(tmp_path, tiny_config):
    torch.manual_seed(6)
    generator = Generator(tiny_config).eval()
    path = tmp_path / "gan.safetensors"
    export_generator(generator, path, {"epochs": 3})
    forward, metadata = read_generator(path)
    assert forward.config == tiny_config
    assert metadata == {"epochs": "3"}
    inputs = _inputs(tiny_config, batch=3)
    for ours, theirs in zip(forward(*inputs), _torch_pass(generator, inputs), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)


def test_a_parameter_missing_or_of_another_shape_is_named(tiny_config):
    state = {
        name: np.zeros(shape, np.float32) for name, shape in weight_shapes(tiny_config).items()
    }
    GeneratorPass(tiny_config, state)  # the complete state is taken
    with pytest.raises(ValueError, match=r"body\.3\.weight: missing"):
        GeneratorPass(tiny_config, {k: v for k, v in state.items() if k != "body.3.weight"})
    wrong = {**state, "previous.0.bias": np.zeros(3, np.float32)}
    with pytest.raises(ValueError, match=r"previous\.0\.bias: shape \(3,\)"):
        GeneratorPass(tiny_config, wrong)


def test_a_previous_bar_of_another_shape_is_refused(tiny_config):
    torch.manual_seed(7)
    state = {k: v.numpy() for k, v in Generator(tiny_config).state_dict().items()}
    noise, conditions, pitch, onsets = _inputs(tiny_config, batch=2)
    with pytest.raises(ValueError, match="previous bar"):
        GeneratorPass(tiny_config, state)(noise, conditions, pitch[:, :8], onsets[:, :8])


def test_the_pass_multiplies_on_one_blas_thread_and_gives_the_others_back(tiny_config, monkeypatch):
    torch.manual_seed(7)
    state = {k: v.numpy() for k, v in Generator(tiny_config).state_dict().items()}
    generator = GeneratorPass(tiny_config, state)
    blas = ThreadpoolController().select(user_api="blas")
    seen = []
    affine = network._affine

    def counting_affine(x, layer):
        seen.append({pool["num_threads"] for pool in blas.info()})
        return affine(x, layer)

    monkeypatch.setattr(network, "_affine", counting_affine)
    with threadpool_limits(limits=2, user_api="blas"):
        generator(*_inputs(tiny_config))
        after = {pool["num_threads"] for pool in blas.info()}
    assert seen == [{1}] * 3
    assert after == {2}


def test_the_shipped_model_makes_melodies_without_loading_torch():
    code = (
        "import sys\n"
        "from studio.generation.generator import GenerationSettings, MelodyGenerator\n"
        "melodies = MelodyGenerator().generate(GenerationSettings(bars=4), count=2, seed=1)\n"
        "print(sum(len(m.notes) for m in melodies), 'torch' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)  # fmt: skip
    notes, torch_loaded = result.stdout.split()
    assert int(notes) > 8 and torch_loaded == "False"
