"""Benchmark the master stage: exported WAV loudness, true peak, clipping, speed, limiter cost.

Run from the repo root:  .venv/bin/python benchmarks/bench_loudness.py
Targets (issue 14): an exported WAV of a generated melody and of a dense piano piece is within
±1 LU of −16 LUFS integrated (ITU-R BS.1770, pyloudnorm), its true peak ≤ −1 dBTP (4×
oversampled), no clipped samples; playback of the same within ±2 LU of the export; rendering ≥
100× real time. Each piece is rendered with the default SoundFont and exported by
``Engine.export_wav`` (loudness target, limiter), the WAV read back and measured. "Playback" is
the raw render through the player's ``MasterStage`` at the default gain, in 512-frame blocks,
exactly as the audio callback processes it. Speeds are × real time and include making a synth
(loading the SoundFont), as ``studio render`` does. The limiter's cost is the median time of a
1024-frame stereo block through the stage as the player configures it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)

BLOCK = 1024
PLAYER_BLOCK = 512


def generated_melody():
    """An 8-bar melody from the shipped generator (seed 0, default settings)."""
    from studio.engine import Engine

    with tempfile.TemporaryDirectory() as folder, Engine(db_path=Path(folder) / "x.db") as engine:
        melody = engine.generate(engine.generation_settings(), count=1, seed=0)[0]
        return engine.idea_song(melody, title="generated melody")


def dense_chords():
    """Twelve-note piano chords at velocity 120 on every beat with kick and snare (8 s): the
    limiter's stress test."""
    from studio.core.music import Note, Song, TempoChange, Track

    chord = (36, 43, 48, 52, 55, 60, 64, 67, 72, 76, 79, 84)
    piano = Track(tuple(Note(p, b, 1.0, 120) for b in range(16) for p in chord), program=0)
    drums = Track(tuple(Note(36 if i % 2 == 0 else 38, i * 0.5, 0.25, 127) for i in range(32)),
                  is_drum=True)  # fmt: skip
    return Song((piano, drums), tempos=(TempoChange(0, 120),))


def playback_loudness(audio, rate: int) -> float:
    """Integrated loudness of ``audio`` as the player plays it: the song loader's gain to the
    export loudness, then the default master stage, block by block."""
    from studio.audio.loudness import integrated_loudness, playback_gain
    from studio.audio.master import CALLBACK_STEP_FRAMES, MasterStage

    stage = MasterStage(rate, max_block=CALLBACK_STEP_FRAMES)
    out = audio * playback_gain(audio, rate)
    for start in range(0, len(out), PLAYER_BLOCK):
        stage.process(out[start : start + PLAYER_BLOCK])
    return integrated_loudness(out, rate)


def measure(label: str, song, engine, folder: Path) -> tuple:
    """One table row for ``song``."""
    import numpy as np

    from studio.audio.loudness import integrated_loudness, true_peak_dbtp
    from studio.audio.wav import read_wav

    start = time.perf_counter()
    rendering = engine.render(song)
    render_s = time.perf_counter() - start
    path = folder / f"{label}.wav"
    start = time.perf_counter()
    engine.export_wav(rendering, path)
    export_s = time.perf_counter() - start
    audio, rate = read_wav(path)
    pcm = np.round(audio * 32767.0)
    clipped = int(np.count_nonzero(np.abs(pcm) >= 32767))
    lufs = integrated_loudness(audio, rate)
    peak = true_peak_dbtp(audio)
    raw = integrated_loudness(rendering.audio, rate)
    playback = playback_loudness(rendering.audio, rate)
    seconds = rendering.seconds
    return (
        label, f"{seconds:.0f} s", f"{raw:.1f}", f"**{lufs:.1f}**", f"**{peak:.1f}**",
        clipped, f"{playback:.1f} ({playback - lufs:+.1f} LU)",
        f"{seconds / render_s:.0f}×", f"{seconds / (render_s + export_s):.0f}×",
    )  # fmt: skip


def limiter_cost() -> tuple[float, float, float]:
    """(median, 99th percentile, worst) microseconds per 1024-frame stereo block."""
    import numpy as np

    from studio.audio.master import CALLBACK_STEP_FRAMES, MasterStage

    rng = np.random.default_rng(0)
    source = (rng.standard_normal((BLOCK, 2)) * 0.3).astype(np.float32)  # limits constantly
    stage = MasterStage(44100, max_block=CALLBACK_STEP_FRAMES)
    block = np.empty_like(source)
    times = []
    for _ in range(3000):
        block[:] = source
        start = time.perf_counter()
        stage.process(block)
        times.append(time.perf_counter() - start)
    times = sorted(times[100:])
    return (statistics.median(times) * 1e6, times[int(0.99 * len(times))] * 1e6,
            times[-1] * 1e6)  # fmt: skip


def main() -> None:
    """Measure, print and record."""
    from studio.audio.master import DEFAULT_PLAYBACK_GAIN_DB
    from studio.audio.synth import default_soundfont
    from studio.core.midi_read import read_song
    from studio.core.resources import DEMO_LIBRARY
    from studio.engine import Engine

    chorale = read_song(DEMO_LIBRARY / "bach-chorale-bwv1-6.mid")
    songs = [
        ("generated melody (8 bars, seed 0)", generated_melody()),
        ("Bach chorale BWV 1.6, 5 piano voices", chorale),
        ("12-note chords + drums, velocity 120+", dense_chords()),
    ]
    with tempfile.TemporaryDirectory() as folder:
        engine = Engine(db_path=Path(folder) / "x.db", settings=None)
        # Import pyloudnorm and scipy once, outside the timings.
        engine.export_wav(engine.render(songs[0][1]), Path(folder) / "warm-up.wav")
        rows = [measure(label, song, engine, Path(folder)) for label, song in songs]
    record(
        "loudness", "Loudness of exported WAV files and playback",
        f"`python benchmarks/bench_loudness.py` ({machine()}, SoundFont "
        f"`{default_soundfont().name}`, export target −16 LUFS / −1 dBTP, playback: each song "
        f"brought to −16 LUFS by the loader, master {DEFAULT_PLAYBACK_GAIN_DB:+.1f} dB; "
        "loudness ITU-R BS.1770 via pyloudnorm, true peak "
        "4× oversampled; targets: ±1 LU of −16, ≤ −1 dBTP, 0 clipped, playback ±2 LU, "
        "render ≥ 100× real time)",
        ("piece", "length", "raw LUFS", "WAV LUFS", "true peak dBTP", "clipped samples",
         "playback LUFS", "render speed", "render + export"),
        rows,
    )  # fmt: skip
    median, p99, worst = limiter_cost()
    budget = BLOCK / 44100 * 1e6
    record(
        "master-limiter", "Master stage cost in the audio callback",
        f"`python benchmarks/bench_loudness.py` ({machine()}, 1024-frame stereo float32 blocks "
        "of noise that keeps the limiter working, the player's step of 240 frames, 2900 blocks)",
        ("block", "median", "99th percentile", "worst", "share of the block (median)"),
        [(f"1024 frames = {budget / 1000:.1f} ms", f"{median:.0f} µs", f"{p99:.0f} µs",
          f"{worst:.0f} µs", f"{median / budget:.1%}")],
    )  # fmt: skip


if __name__ == "__main__":
    main()
