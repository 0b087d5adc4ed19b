"""The melody generator's network without torch: its sizes, the arrays it reads, and its
forward pass in numpy for sampling.

Training needs torch (``gan``); making melodies does not. The generator is four small dense
layers (a layer for the previous bar, then linear → layer norm → leaky ReLU twice and a linear
out), and at the batch of eight bars a request samples, numpy's matrix products with the
weights laid out once for them run the pass in about half the time torch takes on the same
core, and without torch's second of import. ``GeneratorPass`` reads the same safetensors
file the training writes and computes what ``gan.Generator`` computes, to float32 rounding
(``tests/generation/test_network.py`` holds the two side by side).
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import asdict, dataclass

import numpy as np

STEPS = 16
PHRASE_BARS = 4


@dataclass(frozen=True)
class GanConfig:
    """Sizes of the two networks. Stored beside the weights so the model can be rebuilt."""

    n_pitches: int = 37  # C3–C6; index n_pitches is the rest
    noise_dim: int = 64
    prev_dim: int = 256
    hidden_dim: int = 768
    disc_hidden_dim: int = 512
    meters: int = 0  # meter classes in the conditions (0: a 4/4-only model)

    @property
    def n_classes(self) -> int:
        """Pitch classes per step including the rest."""
        return self.n_pitches + 1

    @property
    def bar_dim(self) -> int:
        """Size of a flattened bar: per step one-hot pitch/rest plus the onset flag."""
        return STEPS * (self.n_classes + 1)

    @property
    def condition_dim(self) -> int:
        """Size of the condition vector (see ``condition_array``)."""
        return 24 + 2 + 1 + PHRASE_BARS + 1 + self.meters

    def to_dict(self) -> dict:
        """The config as plain values (for checkpoints and safetensors metadata)."""
        return asdict(self)


def condition_array(
    chord_tones: np.ndarray,
    chord_root: np.ndarray,
    mode: np.ndarray | int,
    density: np.ndarray,
    phrase_position: np.ndarray | int,
    has_previous: np.ndarray | float,
    meter: np.ndarray | int | None = None,
    n_meters: int = 0,
) -> np.ndarray:
    """Assemble the condition vectors of a batch of bars, (batch, condition_dim) float32.

    Args:
        chord_tones: (batch, 12) 0/1 chord tones.
        chord_root: (batch,) root pitch class 0–11.
        mode: (batch,) or one for all: 0 major, 1 minor.
        density: (batch,) onsets per step, 0–1.
        phrase_position: (batch,) or one for all: bar index modulo 4.
        has_previous: (batch,) or one for all: 1 when a previous bar is given, else 0.
        meter: (batch,) or one for all: meter index (``data.METERS``); used when ``n_meters``
            > 0 (None: the first meter).
        n_meters: meter classes of the model (``GanConfig.meters``; 0: no meter condition).
    """
    density = np.asarray(density, dtype=np.float32).reshape(-1)
    batch = len(density)
    rows = np.arange(batch)

    def one_hot(index, classes: int) -> np.ndarray:
        out = np.zeros((batch, classes), dtype=np.float32)
        out[rows, index] = 1.0  # one index for all rows broadcasts
        return out

    parts = [
        np.asarray(chord_tones, dtype=np.float32).reshape(batch, 12),
        one_hot(chord_root, 12),
        one_hot(mode, 2),
        density[:, None],
        one_hot(phrase_position, PHRASE_BARS),
        np.zeros((batch, 1), dtype=np.float32)
        + np.asarray(has_previous, dtype=np.float32).reshape(-1, 1),
    ]
    if n_meters:
        parts.append(one_hot(0 if meter is None else meter, n_meters))
    return np.concatenate(parts, axis=1)


def bar_array(pitch: np.ndarray, onset: np.ndarray, n_classes: int) -> np.ndarray:
    """``gan.bar_tensor`` of hard bars in numpy: (batch, 16) pitch indices and 0/1 onsets →
    (batch, bar_dim) float32."""
    pitch = np.asarray(pitch, dtype=np.int64)
    bar = np.zeros((*pitch.shape, n_classes + 1), dtype=np.float32)
    np.put_along_axis(bar, pitch[..., None], 1.0, axis=-1)
    bar[..., -1] = onset
    return bar.reshape(len(pitch), -1)


LEAKY_SLOPE = 0.2
"""The negative slope of the generator's leaky ReLUs."""
NORM_EPS = 1e-5
"""The layer norms' epsilon (torch's default)."""


def weight_shapes(config: GanConfig) -> dict[str, tuple[int, ...]]:
    """The generator's parameters by their names in a state dict, with their shapes."""
    width, joined = config.hidden_dim, config.noise_dim + config.condition_dim + config.prev_dim
    out = STEPS * (config.n_classes + 1)
    return {
        "previous.0.weight": (config.prev_dim, config.bar_dim),
        "previous.0.bias": (config.prev_dim,),
        "body.0.weight": (width, joined),
        "body.0.bias": (width,),
        "body.1.weight": (width,),
        "body.1.bias": (width,),
        "body.3.weight": (width, width),
        "body.3.bias": (width,),
        "body.4.weight": (width,),
        "body.4.bias": (width,),
        "body.6.weight": (out, width),
        "body.6.bias": (out,),
    }


class GeneratorPass:
    """The generator's forward pass over numpy arrays, for sampling: (noise, conditions,
    previous bar) → (pitch logits (batch, 16, classes), onset logits (batch, 16)), float32."""

    def __init__(self, config: GanConfig, state: dict[str, np.ndarray]) -> None:
        """Take the parameters of ``state`` (a generator's state dict as arrays); raises
        ``ValueError`` naming a parameter that is missing or of another shape."""
        for name, shape in weight_shapes(config).items():
            found = state.get(name)
            if found is None or found.shape != shape:
                got = "missing" if found is None else f"shape {found.shape}"
                raise ValueError(f"parameter {name}: {got}, expected {shape}")

        def linear(name: str) -> tuple[np.ndarray, np.ndarray]:
            # stored (out, in); laid out (in, out) once so each product reads rows in order
            weight = np.ascontiguousarray(state[f"{name}.weight"].T, dtype=np.float32)
            return weight, np.asarray(state[f"{name}.bias"], dtype=np.float32)

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return (np.asarray(state[f"{name}.weight"], dtype=np.float32),
                    np.asarray(state[f"{name}.bias"], dtype=np.float32))  # fmt: skip

        self.config = config
        weight, self._previous_bias = linear("previous.0")
        # The previous bar is one-hot: its layer adds one weight row per step (the step's
        # pitch class) and the onset rows of the steps with a note start. Gathering those rows
        # reads 16 of the 624 rows for each bar instead of multiplying by all of them.
        rows = weight.reshape(STEPS, config.n_classes + 1, config.prev_dim)
        self._step_rows = np.ascontiguousarray(rows[:, :-1])  # (step, class, prev_dim)
        self._onset_rows = np.ascontiguousarray(rows[:, -1])  # (step, prev_dim)
        self._first, self._first_norm = linear("body.0"), norm("body.1")
        self._second, self._second_norm = linear("body.3"), norm("body.4")
        self._out = linear("body.6")
        # a 12-step unit (3/4, 6/8) reads only the first 12 steps' outputs: their columns
        weight, bias = self._out
        used = 12 * (config.n_classes + 1)
        self._out_12 = np.ascontiguousarray(weight[:, :used]), bias[:used]

    def __call__(
        self,
        noise: np.ndarray,
        conditions: np.ndarray,
        previous_pitch: np.ndarray,
        previous_onsets: np.ndarray,
        steps: int = STEPS,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run the pass on a batch: rows of ``noise``, ``conditions`` and the previous bar as
        (batch, 16) pitch classes and (batch, 16) 0/1 onsets (what ``bar_array`` encodes).
        ``steps`` 12: the outputs of the first 12 steps only (a 3/4 or 6/8 unit, whose
        padding is never sampled), for a quarter less of the last layer's weights to read."""
        pitch = np.asarray(previous_pitch, dtype=np.intp)
        onsets = np.asarray(previous_onsets, dtype=np.float32)
        if pitch.shape != onsets.shape or pitch.shape[1:] != (STEPS,):
            raise ValueError(f"previous bar: pitch {pitch.shape}, onsets {onsets.shape}")
        if steps not in (12, STEPS):
            raise ValueError(f"steps: {steps}, expected 12 or {STEPS}")
        previous = self._step_rows[np.arange(STEPS), pitch].sum(axis=1)
        previous += onsets @ self._onset_rows
        previous += self._previous_bias
        previous = _leaky(previous)
        given = [np.asarray(part, dtype=np.float32) for part in (noise, conditions)]
        hidden = np.concatenate([*given, previous], axis=1)
        with _blas_pools().limit(limits=1):
            hidden = _leaky(_layer_norm(_affine(hidden, self._first), self._first_norm))
            hidden = _leaky(_layer_norm(_affine(hidden, self._second), self._second_norm))
            out = _affine(hidden, self._out_12 if steps == 12 else self._out)
        out = out.reshape(-1, steps, self.config.n_classes + 1)
        return out[..., :-1], out[..., -1]


def read_generator(path: str | os.PathLike) -> tuple[GeneratorPass, dict[str, str]]:
    """The generator pass of a safetensors weights file and the file's other metadata (its
    ``config`` read into the pass). Raises on a file that is no generator of this program:
    ``KeyError``/``ValueError``/``TypeError`` for its contents, safetensors' own errors for
    a damaged file."""
    from safetensors import safe_open
    from safetensors.numpy import load_file

    with safe_open(os.fspath(path), framework="np") as handle:
        metadata = handle.metadata() or {}
    config = GanConfig(**json.loads(metadata["config"]))
    generator = GeneratorPass(config, load_file(os.fspath(path)))
    return generator, {key: value for key, value in metadata.items() if key != "config"}


@functools.cache
def _blas_pools():
    """The BLAS libraries' thread pools (``threadpoolctl``), found once: the pass runs its
    products on one thread. At a batch of eight rows the products are too small to share out,
    and with another program busy on the second core numpy's two BLAS threads waited on each
    other: 8 variations × 16 bars took 37–51 ms median instead of 21–30 ms (docs/BENCHMARKS.md,
    "Melody generation")."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def _affine(x: np.ndarray, layer: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    weight, bias = layer
    out = x @ weight
    out += bias
    return out


def _layer_norm(x: np.ndarray, norm: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    # np.add.reduce / n is np.mean's own sum and division without its Python wrapper
    width = x.shape[1]
    centred = x - np.add.reduce(x, axis=1, keepdims=True) / width
    variance = np.add.reduce(centred * centred, axis=1, keepdims=True) / width  # biased, as torch's
    centred /= np.sqrt(variance + NORM_EPS)
    weight, bias = norm
    centred *= weight
    centred += bias
    return centred


def _leaky(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, LEAKY_SLOPE * x, out=x)
