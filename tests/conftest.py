"""Test-wide set-up and shared fixtures.

Qt runs offscreen, scratch files stay in pytest's temp folder, the installed ``studio`` command is
one fixture away, and the ML tests share a small real data set and a briefly trained tiny GAN.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Must be set before Qt is imported anywhere: without a display, Qt aborts the process.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# torch (and other libraries) write scratch files to TMPDIR: keep them out of the system /tmp.
# Removed when the session passes (``pytest_sessionfinish``); kept after a failure, to look at.
_scratch = Path(tempfile.mkdtemp(prefix="motif-tests-"))
os.environ["TMPDIR"] = str(_scratch)
tempfile.tempdir = str(_scratch)
# Tests never read or change the user's own settings file, nor anything else of the user's
# folders (tests that need fresh ones take ``user_dirs``).
os.environ["MOTIF_STUDIO_CONFIG"] = str(_scratch / "settings.json")
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
    os.environ[_name] = str(_scratch / "user" / _name.lower())

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_TESTDATA = REPO_ROOT.parent / "shared" / "testdata"

# Imported after the environment above is set (torch reads TMPDIR when it loads).
import random  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from dataclasses import replace  # noqa: E402

from studio.core.midi_write import write_midi  # noqa: E402
from studio.core.music import Note, Song, TempoChange, TimeSignature, Track  # noqa: E402
from studio.core.theory import Key  # noqa: E402
from studio.generation.data import METERS, build_dataset  # noqa: E402
from studio.generation.network import GanConfig  # noqa: E402
from studio.generation.train import TrainConfig, train_gan  # noqa: E402
from studio.generation.tunes import make_tune  # noqa: E402


@pytest.fixture
def data_dir() -> Path:
    """The project's own edge-case MIDI files (tests/data)."""
    return TEST_DATA


@pytest.fixture
def shared_edge_cases() -> Path:
    """The shared MIDI edge-case collection (../shared/testdata); skips when it is absent."""
    folder = SHARED_TESTDATA / "midi-edge-cases"
    if not folder.is_dir():
        pytest.skip("shared test data not present (a fresh clone has none)")
    return folder


# -- the test sound server ----------------------------------------------------------------------


def need_audio() -> None:
    """Skip unless scripts/test.sh started the PulseAudio null sink (it sets MOTIF_TEST_AUDIO)."""
    if not os.environ.get("MOTIF_TEST_AUDIO"):
        pytest.skip("no test sound server: run scripts/test.sh (it sets MOTIF_TEST_AUDIO)")


# -- the installed command ------------------------------------------------------------------

STUDIO = Path(sys.executable).with_name("studio")


def run_studio(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ``studio`` command as a user would, with no stdin."""
    assert STUDIO.exists(), "the project is not installed in this environment (pip install -e .)"
    return subprocess.run(
        [str(STUDIO), *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL
    )


def torchrun_two_ranks(worker_code: str, folder: Path, data: Path) -> dict[str, str]:
    """Run ``worker_code`` as ``torchrun --nproc-per-node=2 worker.py DATA OUT`` in ``folder``.

    The worker trains into OUT (``folder/run``) and writes ``rank{R}-of-{W}.txt`` holding its
    weights' digest there; returns those files' names and contents (the run must succeed).
    """
    worker = folder / "worker.py"
    worker.write_text(worker_code)
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node=2",
         "--standalone", str(worker), str(data), str(folder / "run")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return {p.name: p.read_text() for p in (folder / "run").glob("rank*.txt")}


@pytest.fixture
def studio():
    """The installed ``studio`` command: ``studio("info", path)`` → CompletedProcess."""
    return run_studio


# -- a small real data set and a tiny trained GAN ----------------------------------------------

TINY = GanConfig(noise_dim=8, prev_dim=16, hidden_dim=32, disc_hidden_dim=32)


def folk_tune(seed: int, key: Key, bars: int = 8) -> list[Note]:
    """A stepwise eighth-and-quarter tune in ``key`` that starts and ends on the tonic."""
    rng = random.Random(seed)
    scale = key.scale_pitches(60, 79)
    index = scale.index(next(p for p in scale if p % 12 == key.tonic))
    notes, beat = [], 0.0
    while beat < bars * 4 - 2:
        duration = min(rng.choice([0.5, 0.5, 1.0]), bars * 4 - 2 - beat)
        notes.append(Note(scale[index], beat, duration, 90))
        index = max(0, min(len(scale) - 1, index + rng.choice([-2, -1, -1, 1, 1, 2])))
        beat += duration
    notes.append(Note(scale[scale.index(next(p for p in scale if p % 12 == key.tonic))],
                      bars * 4 - 2, 2.0, 90))  # fmt: skip
    return notes


@pytest.fixture(scope="session")
def tiny_config() -> GanConfig:
    """A GAN small enough to train in a blink."""
    return TINY


@pytest.fixture(scope="session")
def tiny_tunes():
    keys = [Key.parse(k) for k in ("C", "G", "D", "F", "Bb", "Am", "Em", "Dm")]
    tunes = []
    for i in range(48):
        key = keys[i % len(keys)]
        tune = make_tune(f"tune {i}", "tests", folk_tune(i, key), key=key)
        tunes.append(tune)
    return tunes


def write_tune_files(folder: Path, tunes) -> None:
    """Write tunes as a user's MIDI files would be: a melody track over a block-chord track."""
    for i, tune in enumerate(tunes):
        chords = [Note(p, bar * 4, 4, 60) for bar, c in enumerate(tune.chords)
                  for p in c.voicing(octave=3)]  # fmt: skip
        song = Song(
            (Track(tune.notes, name="melody"), Track(tuple(chords), name="chords")),
            tempos=(TempoChange(0, 100),), time_signatures=(TimeSignature(0, 4, 4),),
        )  # fmt: skip
        write_midi(song, folder / f"tune-{i:02d}.mid")


@pytest.fixture(scope="session")
def midi_folder(tmp_path_factory, tiny_tunes) -> Path:
    """A folder of the user's MIDI files: the tiny tunes with chords, and one broken file."""
    folder = tmp_path_factory.mktemp("my-midi")
    write_tune_files(folder, tiny_tunes)
    (folder / "broken.mid").write_bytes(b"MThd\x00\x00")
    return folder


@pytest.fixture(scope="session")
def tiny_autoencoder(midi_folder, tmp_path_factory) -> Path:
    """Weights of a passage autoencoder trained for a few steps on the tiny tunes."""
    from studio.similarity.train import AutoencoderTrainConfig, load_songs, train_autoencoder

    songs = load_songs(sorted(midi_folder.glob("tune-*.mid")))
    out = tmp_path_factory.mktemp("tiny-autoencoder")
    config = AutoencoderTrainConfig(epochs=2, steps_per_epoch=5, batch_size=32)
    return Path(train_autoencoder(songs, out, train=config)["weights"])


@pytest.fixture(scope="session")
def tiny_dataset(tiny_tunes):
    return build_dataset(tiny_tunes)


def dense_chords() -> Song:
    """Twelve-note piano chords at velocity 120 on every beat, with kick and snare: 8 s at
    120 BPM (the loud, many-voiced case for the limiter and the loudness target)."""
    chord = (36, 43, 48, 52, 55, 60, 64, 67, 72, 76, 79, 84)
    piano = Track(tuple(Note(p, b, 1.0, 120) for b in range(16) for p in chord), program=0)
    drums = Track(tuple(Note(36 if i % 2 == 0 else 38, i * 0.5, 0.25, 127) for i in range(32)),
                  is_drum=True)  # fmt: skip
    return Song((piano, drums), tempos=(TempoChange(0, 120),))


def three_beat_tune(seed: int, key: Key, meter: str, bars: int = 8) -> list[Note]:
    """A tune in 3/4 (quarter-note waltz steps) or 6/8 (jig eighths), bars of 3 beats."""
    rng = random.Random(seed)
    scale = key.scale_pitches(60, 79)
    index = scale.index(next(p for p in scale if p % 12 == key.tonic))
    step = 1.0 if meter == "3/4" else 0.5
    notes = []
    for i in range(int(bars * 3 / step) - 1):
        notes.append(Note(scale[index], i * step, step, 90))
        index = max(0, min(len(scale) - 1, index + rng.choice([-2, -1, -1, 1, 1, 2])))
    return notes


@pytest.fixture(scope="session")
def tiny_meter_model(tiny_tunes, tmp_path_factory):
    """A tiny GAN with the meter condition, trained a few steps on 4/4, 3/4 and 6/8 tunes."""
    keys = [Key.parse(k) for k in ("C", "G", "Am", "Dm")]
    tunes = list(tiny_tunes[:16])
    for i in range(32):
        meter = ("3/4", "6/8")[i % 2]
        key = keys[i % len(keys)]
        tunes.append(make_tune(f"{meter} {i}", "tests", three_beat_tune(i, key, meter), key=key,
                               meter=meter))  # fmt: skip
    out = tmp_path_factory.mktemp("tiny-meter-gan")
    summary = train_gan(
        build_dataset(tunes), out, config=replace(TINY, meters=len(METERS)),
        train=TrainConfig(epochs=2, steps_per_epoch=5, batch_size=32),
    )  # fmt: skip
    return summary["weights"]


@pytest.fixture(scope="session")
def tiny_model(tiny_dataset, tmp_path_factory):
    """Weights of a tiny GAN trained for a few steps: enough to exercise the whole pipeline."""
    out = tmp_path_factory.mktemp("tiny-gan")
    summary = train_gan(
        tiny_dataset, out, config=TINY,
        train=TrainConfig(epochs=2, steps_per_epoch=5, batch_size=32),
    )  # fmt: skip
    return summary["weights"]


# -- the window (tests/gui) ---------------------------------------------------------------


@pytest.fixture
def user_dirs(tmp_path, monkeypatch):
    """Fresh XDG folders, so settings, layout, logs and autosaves start empty (the settings
    file too: a window's choices, such as the current profile, stay in its test)."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        folder = tmp_path / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    monkeypatch.setenv("MOTIF_STUDIO_CONFIG", str(tmp_path / "settings.json"))
    core = sys.modules.get("PySide6.QtCore")
    if core is not None:  # Qt keeps the QSettings folder it found first: point it here again
        for form in (core.QSettings.Format.NativeFormat, core.QSettings.Format.IniFormat):
            core.QSettings.setPath(form, core.QSettings.Scope.UserScope,
                                   str(tmp_path / "xdg_config_home"))  # fmt: skip
    return tmp_path


@pytest.fixture
def window(qtbot, user_dirs):
    """The whole window, model loaded."""
    from studio.gui.app import create_window

    window = create_window()  # not qtbot.addWidget: its close would come before setClean below
    window.resize(1400, 900)
    window.show()
    qtbot.waitUntil(lambda: window.model_ready, timeout=90_000)
    yield window
    window.piano_roll.undo_stack.setClean()  # no "save changes?" prompt at close
    window.close()


@pytest.fixture(autouse=True)
def _forget_settings_notices():
    """A damaged settings file set aside in one test is not the next window's news."""
    yield
    from studio.settings import settings_notices

    settings_notices()


@pytest.fixture(autouse=True)
def _empty_clipboard_afterwards():
    """Empty the clipboard after a test that used Qt: on the offscreen platform, Qt 6.11 crashes
    at interpreter exit when the clipboard still holds data (checked: not under X11)."""
    yield
    widgets = sys.modules.get("PySide6.QtWidgets")
    if widgets is not None and widgets.QApplication.instance() is not None:
        widgets.QApplication.clipboard().clear()


def drag(widget, start, end, modifiers=None, button=None, steps: int = 6) -> None:
    """A whole mouse drag on ``widget``: press at ``start``, move in ``steps`` to ``end`` with
    the button held (QMouseEvents: QTest's moves hold no button), release. ``button`` defaults
    to the left one, ``modifiers`` to none."""
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    button = Qt.MouseButton.LeftButton if button is None else button
    modifiers = Qt.KeyboardModifier.NoModifier if modifiers is None else modifiers
    QTest.mousePress(widget, button, modifiers, start)
    for step in range(1, steps + 1):
        point = QPointF(start + (end - start) * (step / steps))
        QApplication.sendEvent(widget, QMouseEvent(
            QEvent.Type.MouseMove, point, QPointF(widget.mapToGlobal(point)),
            Qt.MouseButton.NoButton, button, modifiers))  # fmt: skip
    QTest.mouseRelease(widget, button, modifiers, end)


def edit_once(window) -> None:
    """One undoable edit in the window's piano roll: the whole song up a tone."""
    from studio.core.edit import transpose_song

    roll = window.piano_roll
    roll.replace_song(transpose_song(roll.song(), 2), "Transpose")


def shown_roll(qtbot, song, tool: str = "draw"):
    """A ``PianoRoll`` on screen (900 × 600), editing ``song`` with ``tool``: what the piano-roll
    tests start from."""
    from studio.gui.piano_roll import PianoRoll

    widget = PianoRoll()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_song(song)
    widget.set_tool(tool)
    return widget


def pytest_sessionfinish(session, exitstatus) -> None:
    """Remove this run's scratch folder (TMPDIR, the tests' tmp_path folders, the wheel test's
    venv: 1.6 GB after a full run) when every test passed; a failed run keeps it."""
    import shutil
    from multiprocessing.util import Finalize

    if exitstatus == 0:
        # At exit, after multiprocessing removed its own temp folder in there (priority -100;
        # removing the whole folder first made that finalizer print a traceback).
        Finalize(None, shutil.rmtree, args=(_scratch,), kwargs={"ignore_errors": True},
                 exitpriority=-1000)  # fmt: skip
