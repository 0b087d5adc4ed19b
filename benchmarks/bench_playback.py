"""Benchmark live playback under load; writes its table into docs/BENCHMARKS.md.

Run from the repo root, with a sound server (e.g. the test one from scripts/sound-server.sh):
    .venv/bin/python benchmarks/bench_playback.py [--seconds 60] [--no-write]

A song plays while, in the same process, a worker thread does what the app's worker does:
generate melodies with the GAN (numpy) and index MIDI files (write and re-read them, pure
Python). Every 5 s the song is replaced by an edited version (editing while playing) and every
0.5 s a chord is auditioned. The metronome clicks, and a meter thread reads the master's output
tap into a short-term loudness meter 30 times a second, as the window's meter does. The run is
made twice: with ``freeze_gc()`` after the worker loads the model (as the app should) and
without. Targets (DESIGN.md): 0 underruns in 60 s;
click-to-sound ≤ 30 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from report import machine, record  # noqa: E402  (benchmarks/ is on the path when run)


def band_song(bars: int, transpose: int = 0):
    """A 4/4 arrangement at 120 BPM: melody, bass, piano chords and drums."""
    from studio.core.music import Note, Song, TempoChange, Track

    melody, bass, chords, drums = [], [], [], []
    progression = [(60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62)]
    for bar in range(bars):
        chord, start = progression[bar % 4], bar * 4.0
        melody += [Note(chord[s % 3] + 12 + transpose, start + s / 2, 0.45, 90) for s in range(8)]
        bass += [Note(chord[0] - 24, start, 2.0, 95), Note(chord[0] - 17, start + 2, 2.0, 85)]
        chords += [Note(p, start, 3.9, 60) for p in chord]
        drums += [Note(36 if b % 2 == 0 else 38, start + b, 0.25, 100) for b in range(4)]
        drums += [Note(42, start + b + 0.5, 0.25, 70) for b in range(4)]
    return Song(
        tracks=(
            Track(tuple(melody), program=73), Track(tuple(bass), program=33),
            Track(tuple(chords), program=0), Track(tuple(drums), is_drum=True),
        ),
        tempos=(TempoChange(0.0, 120.0),),
    )  # fmt: skip


class Worker(threading.Thread):
    """Like the app's worker: loads the GAN, then generates and indexes in turn until stopped."""

    def __init__(self, folder: Path, freeze: bool) -> None:
        super().__init__(daemon=True)
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.generations = 0
        self.files = 0
        self._folder = folder
        self._freeze = freeze

    def run(self) -> None:
        from studio.audio.player import freeze_gc
        from studio.core.midi_read import read_midi
        from studio.core.midi_write import write_midi
        from studio.generation.generator import GenerationSettings, MelodyGenerator

        generator = MelodyGenerator()
        if self._freeze:
            freeze_gc()
        settings = GenerationSettings(bars=8)
        song, path = band_song(16), self._folder / "indexed.mid"
        self.ready.set()
        while not self.stop.is_set():
            generator.generate(settings, count=8, seed=self.generations)
            self.generations += 1
            for _ in range(5):
                write_midi(song, path)
                read_midi(path)
                self.files += 1


class MeterReader(threading.Thread):
    """Reads the master stage's tap into a ``ShortTermLoudness`` 30 times a second."""

    def __init__(self, master) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self._master = master
        self.reads = 0

    def run(self) -> None:
        from studio.audio.loudness_meter import ShortTermLoudness

        meter = ShortTermLoudness(self._master.sample_rate)
        since = self._master.tapped
        while not self.stop.wait(0.033):
            samples, since = self._master.read_tap(since)
            meter.add(samples)
            self.reads += 1
        self.lufs = meter.lufs


def idle_auditions(player, count: int) -> list[float]:
    """Latencies (s) of single notes each started after everything fell silent."""
    latencies = []
    for _ in range(count):
        deadline = time.perf_counter() + 5
        while player._audition._active and time.perf_counter() < deadline:
            time.sleep(0.05)
        request = player.audition(72, duration=0.1)
        time.sleep(0.3)
        if request.latency is not None:
            latencies.append(request.latency)
    return latencies


def measure(seconds: float, freeze: bool) -> dict:
    """Play for ``seconds`` under load; return the measurements."""
    from studio.audio.player import Player

    with Player() as player, tempfile.TemporaryDirectory() as folder:
        player.load(band_song(48), wait=True)  # 96 s at 120 BPM
        started = player.blocks_played
        while player.blocks_played < started + 40:  # a new stream may stall before it runs
            time.sleep(0.01)
        player.set_metronome(True)
        player.play()
        meter = MeterReader(player.master)
        meter.start()
        underruns = player.underruns
        worker = Worker(Path(folder), freeze)  # loads the GAN while playing
        worker.start()
        worker.ready.wait()
        loading_underruns = player.underruns - underruns
        time.sleep(1.0)
        underruns, blocks = player.underruns, player.blocks_played
        begin = time.perf_counter()
        requests, edits = [], 0
        while (now := time.perf_counter()) - begin < seconds:
            if now - begin > 5 * (edits + 1):
                edits += 1
                player.load(band_song(48, transpose=edits % 5))
            requests.append(player.audition([60, 64, 67], duration=0.3))
            time.sleep(0.5)
        result = {
            "seconds": time.perf_counter() - begin,
            "underruns": player.underruns - underruns,
            "loading_underruns": loading_underruns,
            "blocks": player.blocks_played - blocks,
            "callback_max": player.callback_max_seconds,
            "budget": player.block_budget_seconds,
            "device_latency": player.output_latency,
            "ahead": player.audition_ahead,
            "dropouts": player._audition.dropouts,
            "busy": sorted(r.latency for r in requests if r.latency is not None),
            "edits": edits,
        }
        meter.stop.set()
        meter.join()
        result["meter_reads"], result["lufs"] = meter.reads, meter.lufs
        player.pause()
        result["idle"] = sorted(idle_auditions(player, 10))
        worker.stop.set()
        worker.join()
        result.update(generations=worker.generations, files=worker.files)
    return result


def ms(values: list[float], *quantiles: float) -> str:
    if not values:
        return "none"
    picks = [values[min(len(values) - 1, round(q * (len(values) - 1)))] for q in quantiles]
    return " / ".join(f"{v * 1000:.1f}" for v in picks) + " ms"


def table(m: dict, unfrozen: dict) -> list[tuple[str, str, str]]:
    return [
        (f"underruns in {m['seconds']:.0f} s of playback under load ({m['blocks']} blocks)",
         str(m["underruns"]), "0"),
        ("same, without `freeze_gc()` after the worker loads the model",
         str(unfrozen["underruns"]), "full GC passes hold the GIL 50–70 ms"),
        ("underruns while the worker loaded the GAN",
         str(unfrozen["loading_underruns"]), "a one-off at start-up"),
        ("worst audio callback", f"{m['callback_max'] * 1000:.2f} ms",
         f"budget {m['budget'] * 1000:.1f} ms per 512-frame block"),
        (f"click-to-sound, a note after silence, median / max ({len(m['idle'])} notes)",
         ms(m["idle"], 0.5, 1.0), "≤ 30 ms"),
        (f"click-to-sound, a chord every 0.5 s over the song (earlier chords still ringing), "
         f"median / 95th pct / max ({len(m['busy'])} chords)", ms(m["busy"], 0.5, 0.95, 1.0),
         "≤ 30 ms"),
        ("device output latency (PortAudio → PulseAudio null sink)",
         f"{m['device_latency'] * 1000:.1f} ms", "comes on top of click-to-sound"),
        ("audition blocks missed (ring empty while notes sounded)", str(m["dropouts"]),
         f"{m['ahead']} blocks rendered ahead while notes sound"),
        ("background work meanwhile",
         f"{m['generations']} GAN runs (8 × 8 bars), {m['files']} MIDI files written + read, "
         f"{m['edits']} song swaps", "same process, one worker thread"),
        ("metronome and meter meanwhile",
         f"clicks on; {m['meter_reads']} tap reads, last short-term loudness "
         f"{m['lufs']:.1f} LUFS", "a thread reads the tap as the window's meter does"),
    ]  # fmt: skip


def main() -> None:
    """Measure, print and (unless --no-write) record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="playback per run (60)")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    unfrozen = measure(args.seconds, freeze=False)  # first: nothing of the model is frozen yet
    frozen = measure(args.seconds, freeze=True)
    record(
        "playback", "Live playback",
        f"`python benchmarks/bench_playback.py` ({machine()}, 2 cores, load average {load:.1f} "
        f"at the start from other processes; 44.1 kHz, 512-frame blocks, the test PulseAudio null "
        "sink)",
        ("what", "result", "target / note"), table(frozen, unfrozen), write=not args.no_write,
    )  # fmt: skip


if __name__ == "__main__":
    main()
