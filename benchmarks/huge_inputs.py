"""Huge inputs (issue 18): the largest MIDI file the reader accepts, opened in the window, and a
folder of very many small files indexed into a library.

Run from the repo root (each part can run alone; files go to a temporary folder):

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/huge_inputs.py read window
    .venv/bin/python benchmarks/huge_inputs.py index --files 20000

- ``read``: generate a file near the reader's limits (``MAX_NOTES`` = 2,000,000 notes across
  16 tracks, ~16 MB; ``--controls-per-note 6`` pads it with controller events to ~64 MB, the
  ``MAX_FILE_BYTES`` limit) and time ``read_song``, with its peak RSS.
- ``window``: open that file in the window (offscreen, the shipped model) with ``open_path``;
  a 10 ms timer on the GUI thread measures the event loop's gaps (max / p99) until the roll
  shows the song, the RSS is sampled every 50 ms; then paint the roll, scroll it across the
  song, (with a sound device) load it in the player and (``--save``) Save it and let the
  autosave's timer tick write it, timing the event loop meanwhile. ``--sync`` reads it on the
  GUI thread, as before.
- ``index``: write ``--files`` small MIDI files (the demo library's files with their notes
  transposed and shifted, so each is new to the catalogue) and run ``studio index DIR --db TMP``,
  sampling the RSS of the command and its worker processes every ``--every`` seconds.

Nothing is written to docs/BENCHMARKS.md: the figures go to docs/RELIABILITY.md by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")


# -- generating the inputs ----------------------------------------------------------------------


def _track_chunk(channel: int, notes: int, controls_per_note: int) -> bytes:
    """One MTrk chunk: ``notes`` eighth notes (480 ticks per beat), each followed by
    ``controls_per_note`` controller events at the same tick."""
    i = np.arange(notes)
    pitch = (36 + (i * 7 + channel * 5) % 60).astype(np.uint8)
    size = 8 + 4 * controls_per_note
    events = np.zeros((notes, size), np.uint8)
    events[:, 1], events[:, 2], events[:, 3] = 0x90 | channel, pitch, 40 + (i * 3) % 80
    events[:, 4], events[:, 5], events[:, 6] = 60, 0x80 | channel, pitch  # off 60 ticks later
    for k in range(controls_per_note):
        at = 8 + 4 * k
        events[:, at + 1], events[:, at + 2], events[:, at + 3] = 0xB0 | channel, 1 + k, i % 128
    body = bytes([0, 0xC0 | channel, channel * 3]) + events.tobytes() + b"\x00\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(body)) + body


def write_huge_midi(path: Path, notes: int, tracks: int = 16, controls_per_note: int = 0) -> int:
    """A type-1 file of ``notes`` notes over ``tracks`` tracks plus a conductor track (125 BPM);
    returns its size in bytes."""
    conductor = b"\x00\xff\x51\x03\x07\xa1\x20\x00\xff\x2f\x00"
    chunks = [b"MTrk" + struct.pack(">I", len(conductor)) + conductor]
    for t in range(tracks):
        channel = t if t < 9 else t + 1 if t < 15 else 15  # not 9: drums are not edited
        chunks.append(_track_chunk(channel, notes // tracks, controls_per_note))
    data = b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), 480) + b"".join(chunks)
    path.write_bytes(data)
    return len(data)


def write_many_files(folder: Path, count: int) -> None:
    """``count`` small MIDI files, each different: the demo files, transposed in turn, each
    with its own title (written plainly: no fsync, which made it 25 ms a file)."""
    from studio.core.edit import transpose_song
    from studio.core.errors import InvalidInput
    from studio.core.midi_read import read_midi
    from studio.core.midi_write import midi_bytes

    demos = [read_midi(p) for p in sorted((REPO / "resources" / "demo").glob("*.mid"))]
    for n in range(count):
        song = demos[n % len(demos)]
        shift = (n // len(demos)) % 13 - 6
        try:
            variant = transpose_song(song, shift)
        except InvalidInput:  # a note would leave the MIDI range: the other way
            variant = transpose_song(song, -shift)
        sub = folder / f"{n // 1000:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        data = midi_bytes(dataclasses.replace(variant, title=f"{song.title} #{n}"))
        (sub / f"{n:06d}.mid").write_bytes(data)


# -- measuring ----------------------------------------------------------------------------------


def rss_mb(pids: list[int] | None = None) -> float:
    """Resident memory in MB of this process, or of ``pids`` together."""
    total = 0
    for pid in pids or [os.getpid()]:
        with contextlib.suppress(OSError, IndexError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return total * PAGE / 2**20


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        try:
            kids = [
                int(k) for k in Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            ]
        except OSError:
            continue
        found += kids
        frontier += kids
    return found


class Heartbeat:
    """Gaps (ms) between the ticks of a 10 ms timer on the GUI thread, counting the time from
    ``start`` to the first tick and from the last tick to ``stop`` (a loop that never turns
    shows one long gap, not none)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> tuple[float, float, int]:
        """(max gap, p99 gap) in ms since ``start``, and the number of gaps over 100 ms."""
        self._timer.stop()
        self._beat()
        ordered = sorted(self.gaps)
        slow = sum(gap > 100 for gap in ordered)
        return ordered[-1], ordered[int(0.99 * (len(ordered) - 1))], slow

    def _beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self._last) * 1000)
        self._last = now


class RssSampler:
    """The peak RSS (MB) of this process while it runs, sampled by a thread every 50 ms."""

    def __init__(self) -> None:
        self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_mb())


def run_read(path: Path) -> None:
    from studio.core.midi_read import read_song

    before = rss_mb()
    with RssSampler() as rss:
        started = time.perf_counter()
        song = read_song(path)
        seconds = time.perf_counter() - started
    notes = sum(len(t.notes) for t in song.tracks)
    controls = sum(len(t.controls) for t in song.tracks)
    print(f"read_song: {seconds:.1f} s, {notes:,} notes, {controls:,} controller events, "
          f"RSS {before:.0f} → peak {rss.peak:.0f} MB, after {rss_mb():.0f} MB")  # fmt: skip


def run_window(path: Path, notes: int, sync: bool = False, save: bool = False) -> None:
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = tempfile.mkdtemp(prefix="huge-window-")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_window import wait
    from PySide6.QtWidgets import QApplication

    from studio.gui.app import create_window

    app = QApplication.instance() or QApplication(["studio"])
    window = create_window()
    window.resize(1600, 1000)
    window.show()
    wait(app, lambda: window.model_ready and window.piano_roll.song().notes, timeout=300)
    roll = window.piano_roll
    heart = Heartbeat()
    if sync:  # the way it was before issue 18: every file read on the GUI thread
        import studio.gui.main_window

        studio.gui.main_window.LARGE_FILE_BYTES = 2**40
    shown = lambda: sum(len(t.notes) for t in roll.song().tracks) >= notes  # noqa: E731
    before = rss_mb()
    with RssSampler() as rss:
        heart.start()
        started = time.perf_counter()
        window.open_path(path)
        returned = time.perf_counter() - started
        wait(app, shown, timeout=900)
        seconds = time.perf_counter() - started
        gap = heart.stop()
    print(f"open in the window: open_path returned after {returned:.2f} s, the roll shows it "
          f"after {seconds:.1f} s; event-loop gap max {gap[0]:.0f} ms, p99 {gap[1]:.0f} ms, "
          f"{gap[2]} gaps over 100 ms; "
          f"RSS {before:.0f} → peak {rss.peak:.0f} MB, after {rss_mb():.0f} MB")  # fmt: skip
    with RssSampler() as rss:  # what follows by itself: Similar "auto" asks for the melody…
        heart.start()
        settle = time.perf_counter() + 8
        wait(app, lambda: time.perf_counter() > settle)
        gap = heart.stop()
    print(f"the 8 s after (Similar on auto after 1.5 s, the library's workers): event-loop gap "
          f"max {gap[0]:.0f} ms, p99 {gap[1]:.0f} ms; RSS peak {rss.peak:.0f} MB")  # fmt: skip

    area = roll.viewport()
    times = []
    with RssSampler() as rss:
        for step in range(20):
            bar = roll.horizontalScrollBar()
            bar.setValue(bar.minimum() + (bar.maximum() - bar.minimum()) * step // 19)
            started = time.perf_counter()
            area.repaint()
            roll.velocity_lane().repaint()
            times.append(time.perf_counter() - started)
    times.sort()
    print(f"paint while scrolling across the song (roll + velocity lane, 20 frames): median "
          f"{times[10] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms; "
          f"RSS peak {rss.peak:.0f} MB")  # fmt: skip
    if window.playback.available:
        loaded = []
        window.playback.stateChanged.connect(lambda state: loaded.append(state))
        with RssSampler() as rss:
            heart.start()
            started = time.perf_counter()
            window.playback.load(roll.song())
            wait(app, lambda: loaded, timeout=600)
            gap = heart.stop()
        print(f"player load: {time.perf_counter() - started:.1f} s, event-loop gap max "
              f"{gap[0]:.0f} ms, RSS peak {rss.peak:.0f} MB")  # fmt: skip
    else:
        print(f"player load: skipped ({window.playback.reason})")
    if save:  # Save waits behind its dialog; the autosave's timer tick does not wait
        target = Path(tempfile.mkdtemp(prefix="huge-save-")) / "saved.mid"
        with RssSampler() as rss:
            heart.start()
            started = time.perf_counter()
            saved = window.save_to(target)
            seconds = time.perf_counter() - started
            gap = heart.stop()
        print(f"Save ({'done' if saved else 'FAILED'}): {seconds:.1f} s, "
              f"{target.stat().st_size / 2**20:.0f} MB; event-loop gap max {gap[0]:.0f} ms, "
              f"p99 {gap[1]:.0f} ms; RSS peak {rss.peak:.0f} MB")  # fmt: skip
        roll.undo_stack.resetClean()  # unsaved again, without an edit of 2,000,000 notes
        saver = window.autosaver
        with RssSampler() as rss:
            heart.start()
            started = time.perf_counter()
            saver.save_now(wait=False)
            wait(app, lambda: not saver.writing, timeout=600)
            seconds = time.perf_counter() - started
            gap = heart.stop()
        print(f"autosave tick ({saver.last_error or 'kept aside'}): {seconds:.1f} s; "
              f"event-loop gap max {gap[0]:.0f} ms, p99 {gap[1]:.0f} ms; "
              f"RSS peak {rss.peak:.0f} MB")  # fmt: skip
    roll.undo_stack.setClean()
    window.close()


def run_index(folder: Path, count: int, every: float) -> None:
    if not (folder / "done").exists():
        started = time.perf_counter()
        write_many_files(folder, count)
        (folder / "done").touch()
        print(f"wrote {count:,} files in {time.perf_counter() - started:.0f} s")
    db = folder.parent / "library.sqlite"
    db.unlink(missing_ok=True)
    studio = REPO / ".venv" / "bin" / "studio"
    started = time.perf_counter()
    process = subprocess.Popen([str(studio), "index", str(folder), "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
    curve: list[tuple[float, float]] = []
    while process.poll() is None:
        curve.append((time.perf_counter() - started, rss_mb(tree(process.pid))))
        time.sleep(every)
    seconds = time.perf_counter() - started
    out = process.stdout.read().decode() if process.stdout else ""
    print(out.strip())
    print(f"studio index: {count:,} files in {seconds:.0f} s ({count / seconds:.0f} files/s); "
          f"RSS of the command and its workers every {every:g} s (s: MB):")  # fmt: skip
    print("  " + ", ".join(f"{t:.0f}: {mb:.0f}" for t, mb in curve))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=["read", "window", "index"],
                        choices=["read", "window", "index"])  # fmt: skip
    parser.add_argument("--notes", type=int, default=2_000_000)
    parser.add_argument("--tracks", type=int, default=16)
    parser.add_argument("--controls-per-note", type=int, default=0)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--every", type=float, default=3.0, help="RSS sampling period (s)")
    parser.add_argument("--sync", action="store_true", help="window: read on the GUI thread")
    parser.add_argument("--save", action="store_true", help="window: Save and autosave it too")
    parser.add_argument("--folder", type=Path, help="keep the inputs here (default: a temp dir)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="huge-inputs-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if {"read", "window"} & set(args.parts):
            path = folder / f"huge-{args.notes}-{args.controls_per_note}.mid"
            if not path.exists():
                size = write_huge_midi(path, args.notes, args.tracks, args.controls_per_note)
                print(f"{path.name}: {size / 2**20:.1f} MB, {args.notes:,} notes, "
                      f"{args.tracks} tracks, {args.controls_per_note} controls/note")  # fmt: skip
            if "read" in args.parts:
                run_read(path)
            if "window" in args.parts:
                run_window(path, args.notes, args.sync, args.save)
        if "index" in args.parts:
            run_index(folder / "many", args.files, args.every)
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
