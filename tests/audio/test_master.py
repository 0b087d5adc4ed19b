"""The master stage: the limiter holds its ceiling without clipping, is transparent on quiet
material, carries its state across blocks; and the player's output passes through it."""

from __future__ import annotations

import threading
import time
import tracemalloc

import numpy as np
import pytest
from conftest import dense_chords, need_audio

from studio.audio.master import (
    CALLBACK_STEP_FRAMES,
    DEFAULT_PLAYBACK_GAIN_DB,
    Limiter,
    MasterStage,
    db_to_gain,
    gain_to_db,
)
from studio.audio.player import Player
from studio.audio.render import render_song
from studio.settings import OPTIONS

RATE = 44100
CEILING = db_to_gain(-1.0)


def many_sines(seconds: float = 2.0, count: int = 40, amplitude: float = 0.2) -> np.ndarray:
    """``count`` sines at random frequencies and phases, summed: peaks near 4× full scale."""
    rng = np.random.default_rng(7)
    t = np.arange(round(seconds * RATE)) / RATE
    left, right = np.zeros_like(t), np.zeros_like(t)
    for hz in rng.uniform(60, 5000, count):
        left += amplitude * np.sin(2 * np.pi * hz * t + rng.uniform(0, 2 * np.pi))
        right += amplitude * np.sin(2 * np.pi * hz * t + rng.uniform(0, 2 * np.pi))
    return np.stack([left, right], axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def chords_audio() -> np.ndarray:
    return render_song(dense_chords())


def blockwise(stage, audio: np.ndarray, sizes: list[int]) -> np.ndarray:
    """``audio`` processed in blocks of the given sizes, cycled."""
    out = audio.copy()
    start, i = 0, 0
    while start < len(out):
        stage.process(out[start : start + sizes[i % len(sizes)]])
        start += sizes[i % len(sizes)]
        i += 1
    return out


def test_the_limiter_holds_its_ceiling_on_many_sines():
    audio = many_sines()
    assert np.abs(audio).max() > 3.0
    limiter = Limiter(RATE, ceiling_db=-1.0)
    out = audio.copy()
    limiter.process(out)
    assert np.abs(out).max() <= CEILING
    assert limiter.gain_reduction_db > 10  # it did work…
    assert np.abs(out).max() > 0.95 * CEILING  # …and no more than needed


def test_a_dense_chord_render_is_limited_smoothly_not_clipped(chords_audio):
    stage = MasterStage(RATE, gain_db=24.0)
    out = stage.render(chords_audio)
    loud = chords_audio * db_to_gain(24.0)
    assert np.abs(loud).max() > 4 * CEILING
    assert np.abs(out).max() <= CEILING
    # A clipper flattens the tops of many samples; the limiter reaches the ceiling only at
    # the peaks themselves.
    clipped = np.clip(loud, -CEILING, CEILING)
    at_ceiling = np.mean(np.abs(clipped) > 0.999 * CEILING)
    assert at_ceiling > 0.01
    assert np.mean(np.abs(out) > 0.999 * CEILING) < at_ceiling / 50


def test_the_gain_changes_gradually_when_a_loud_passage_starts():
    quiet, loud = 0.1, 3.0
    t = np.arange(RATE) / RATE
    wave = (np.where(t < 0.5, quiet, loud) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    out = np.stack([wave, wave], axis=1)
    limiter = Limiter(RATE)
    limiter.process(out)
    delay = limiter.latency_frames
    source = wave[: len(wave) - delay]
    gain = out[delay:, 0] / np.where(np.abs(source) > 0.05, source, np.nan)
    assert np.nanmax(gain[: RATE // 2 - 200]) == pytest.approx(1.0, abs=1e-5)
    assert np.nanmin(gain) == pytest.approx(CEILING / loud, rel=0.02)
    assert np.nanmax(np.abs(np.diff(gain))) < 0.05  # an instant change would step by ~0.7


def test_quiet_material_passes_unchanged(chords_audio):
    quiet = chords_audio * np.float32(db_to_gain(-12.0))  # peaks about −18 dBFS
    stage = MasterStage(RATE, gain_db=0.0)
    out = stage.render(quiet)
    assert out.shape == quiet.shape
    assert stage.gain_reduction_db < 0.001
    assert np.abs(out - quiet).max() <= 1e-6
    assert gain_to_db(np.sqrt(np.mean(out**2)) / np.sqrt(np.mean(quiet**2))) == pytest.approx(
        0.0, abs=0.1
    )


def test_blocks_of_any_size_give_the_one_shot_result(chords_audio):
    audio = chords_audio * np.float32(db_to_gain(20.0))
    one_shot = audio.copy()
    MasterStage(RATE, gain_db=3.0).process(one_shot)
    for sizes in ([512], [1024], [1, 7, 300, 4096, 63]):
        out = blockwise(MasterStage(RATE, gain_db=3.0, max_block=4096), audio, sizes)
        assert np.abs(out - one_shot).max() < 1e-5, sizes
    assert np.abs(one_shot).max() <= CEILING


def test_a_gain_change_is_ramped_over_one_block():
    stage = MasterStage(RATE, gain_db=0.0, max_block=512)
    out = np.full((2048, 2), 0.01, np.float32)
    stage.process(out[:512])
    stage.gain_db = 12.0
    stage.process(out[512:1024])
    stage.process(out[1024:])
    delay = stage.latency_frames
    level = out[delay:, 0] / 0.01
    assert level[: 512 - delay] == pytest.approx(1.0, abs=1e-5)
    assert level[-1] == pytest.approx(db_to_gain(12.0), rel=1e-5)
    assert np.abs(np.diff(level)).max() < 1.5 * (db_to_gain(12.0) - 1) / 512


def test_a_block_allocates_almost_nothing():
    stage = MasterStage(RATE, max_block=CALLBACK_STEP_FRAMES)  # as in the player
    block = many_sines(0.05)[:1024].copy()
    stage.process(block.copy())  # warm-up
    extra = []
    tracemalloc.start()
    try:
        for _ in range(50):
            work = block.copy()
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            stage.process(work)
            extra.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    assert max(extra) < 4096  # numpy's scalars and views: no block-sized temporary (8 KB)


def test_the_tap_gives_back_the_output_in_order_across_wraps(chords_audio):
    stage = MasterStage(RATE, gain_db=20.0, max_block=CALLBACK_STEP_FRAMES, tap_frames=4096)
    audio = chords_audio[: 3 * RATE]
    sizes = [512, 100, 1024, 7, 2000, 333]  # several parts a block; ~40 trips round the ring
    out, read, since = audio.copy(), [], 0
    start, i = 0, 0
    while start < len(out):
        stage.process(out[start : start + sizes[i % len(sizes)]])
        frames, since = stage.read_tap(since)
        read.append(frames)
        start += sizes[i % len(sizes)]
        i += 1
    assert since == stage.tapped == len(audio)
    tapped = np.concatenate(read)
    assert tapped.dtype == np.float32 and np.array_equal(tapped, out)


def test_a_reader_that_fell_behind_gets_the_latest_frames():
    stage = MasterStage(RATE, max_block=CALLBACK_STEP_FRAMES, tap_frames=4096)
    audio = many_sines(0.5) * np.float32(0.1)
    out = blockwise(stage, audio, [CALLBACK_STEP_FRAMES])
    frames, since = stage.read_tap(0)
    assert since == len(audio)
    assert len(frames) == 4096 - CALLBACK_STEP_FRAMES  # the ring less the part being written
    assert np.array_equal(frames, out[-len(frames) :])
    assert len(stage.read_tap(since)[0]) == 0
    nothing, counter = stage.read_tap(since + 10_000)  # a counter from another stage
    assert len(nothing) == 0 and counter == since


def test_a_reader_on_another_thread_never_gets_torn_frames(chords_audio):
    stage = MasterStage(RATE, gain_db=20.0, max_block=CALLBACK_STEP_FRAMES, tap_frames=512)
    audio = chords_audio[: 2 * RATE]  # and a small ring, so the writer often laps the reader
    reads, done, out = [], threading.Event(), []

    def write() -> None:
        out.append(blockwise(stage, audio, [CALLBACK_STEP_FRAMES, 1000, 3]))
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    since = 0
    while not done.is_set() or since < stage.tapped:
        frames, since = stage.read_tap(since)
        reads.append((frames, since))
    writer.join()
    assert len(reads) > 10 and since == len(audio)
    for frames, end in reads:  # whatever came back is the output just before the counter
        assert np.array_equal(frames, out[0][end - len(frames) : end])


def test_the_default_playback_gain_is_the_settings_default():
    assert OPTIONS["master_gain_db"].default == DEFAULT_PLAYBACK_GAIN_DB
    assert OPTIONS["master_gain_db"].parse("-6.5") == -6.5
    assert OPTIONS["export_loudness"].parse("RAW") == "raw"
    assert OPTIONS["export_loudness"].parse("-14") == -14.0


class RecordingMaster(MasterStage):
    """The player's master stage, keeping the highest output peak and the deepest limiting of
    any block."""

    loudest = 0.0
    deepest_db = 0.0

    def process(self, block: np.ndarray) -> None:
        super().process(block)
        self.loudest = max(self.loudest, float(np.abs(block).max()))
        self.deepest_db = max(self.deepest_db, self.gain_reduction_db)


def test_the_player_plays_dense_chords_through_the_limiter():
    need_audio()
    with Player(blocksize=512) as player:
        master = RecordingMaster(RATE, gain_db=24.0, max_block=CALLBACK_STEP_FRAMES)
        player.master = master  # the callback reads the attribute each block
        player.load(dense_chords(), wait=True)
        player.play()
        deadline = time.monotonic() + 10
        while master.deepest_db < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        player.stop()
        assert player.error is None
    assert master.deepest_db >= 6  # 24 dB over dense chords: the limiter had to act
    assert 0.9 * CEILING < master.loudest <= CEILING
