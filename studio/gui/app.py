"""Start the window: the Qt application, the worker thread, the player, logging and the
screenshot mode (``studio --screenshot OUT.png``).

``create_window`` is the automation contract's entry point: tests (and later checks) build the
whole window with it inside their own ``QApplication``.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.core.errors import StudioError
from studio.core.resources import APP_ID, icon_files
from studio.gui.main_window import MainWindow
from studio.gui.playback import QtPlayback
from studio.gui.theme import apply_theme
from studio.gui.worker import WorkerClient
from studio.settings import load_settings

_log = logging.getLogger(__name__)
SCREENSHOT_TIMEOUT_MS = 90_000


def log_path() -> Path:
    """The log file, in the user state folder (``XDG_STATE_HOME`` moves it)."""
    from platformdirs import user_state_path

    return user_state_path("motif-studio") / "studio.log"


def _setup_logging() -> None:
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    if not any(isinstance(h, logging.FileHandler) for h in root.handlers):
        root.addHandler(handler)
        root.setLevel(logging.INFO)


def _show_unexpected(kind, error, trace) -> None:
    """An exception in a slot is logged and shown; the app goes on."""
    _log.error("unexpected error", exc_info=(kind, error, trace))
    if QApplication.instance() is not None:
        text = "".join(traceback.format_exception_only(kind, error)).strip()
        box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong",
                          f"{text}\n\nDetails are in {log_path()}.")  # fmt: skip
        box.open()


def create_window(argv: Sequence[str] = ()) -> MainWindow:
    """The whole window with its worker and player (a ``QApplication`` must exist).

    ``argv``: the command line after ``studio``: an optional MIDI file to open. User folders
    come from platformdirs, so ``XDG_CONFIG_HOME``/``XDG_DATA_HOME``/``XDG_STATE_HOME`` move them.
    """
    QCoreApplication.setOrganizationName("motif-studio")
    QCoreApplication.setApplicationName("Motif Studio")
    _set_application_icon()
    _setup_logging()
    sys.excepthook = _show_unexpected
    worker = WorkerClient()
    playback = QtPlayback()
    window = MainWindow(worker, playback, path=argv[0] if argv else None)
    worker.start()
    return window


def _set_application_icon() -> None:
    """The window icon, and the desktop entry's id, which Wayland (and X11 docks) use to match
    the window with the menu entry ``studio install-desktop`` installs."""
    icon = QIcon()
    for path in icon_files():
        icon.addFile(str(path))
    QApplication.setWindowIcon(icon)
    QGuiApplication.setDesktopFileName(APP_ID)


def check_display() -> None:
    """A clear message instead of Qt's abort when there is no screen to open a window on."""
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if sys.platform.startswith("linux") and headless and not os.environ.get("QT_QPA_PLATFORM"):
        raise StudioError(
            "no display to open the window on (DISPLAY is not set); the commands work without "
            "one (`studio --help`), and `studio --screenshot OUT.png` draws the window offscreen"
        )


def run(argv: Sequence[str] = ()) -> int:
    """Open the window and run until it closes; the exit status."""
    check_display()
    app = QApplication.instance() or QApplication(["studio", *argv])
    apply_theme(app, load_settings()[0]["theme"])
    window = create_window(argv)
    window.show()
    return app.exec()


def screenshot(
    out: str | os.PathLike, size: tuple[int, int], argv: Sequence[str] = (), scene: str = "window"
) -> int:
    """Start offscreen, wait until the model is loaded, a song is in the editor and the library
    is shown, set up ``scene`` (see ``studio.gui.screenshot_scenes``; "window": the window as
    it opens), save a PNG, exit. Without a melody model (damaged, missing) "window" shows the
    window as it is at once and the other scenes fail. Returns 0, or 1 when the window was not
    ready in time or the scene cannot be shown; an unknown scene raises ``InvalidInput``. A
    scene other than "window" runs in fresh temporary user folders, so it shows a first start
    (the demo library) and never changes the user's settings, library or profiles."""
    from studio.gui.screenshot_scenes import check_scene, scratch_user_folders

    check_scene(scene)
    with scratch_user_folders() if scene != "window" else nullcontext():
        return _screenshot(out, size, argv, scene)


def _screenshot(out, size: tuple[int, int], argv: Sequence[str], scene: str) -> int:
    from studio.gui.screenshot_scenes import play_scene

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(["studio"])
    apply_theme(app, load_settings()[0]["theme"])
    window = create_window(argv)
    window.resize(*size)
    window.show()
    status = {"code": 1}

    def shoot(picture) -> None:
        picture.save(str(out))
        status["code"] = 0
        window.close()
        app.quit()

    def ready() -> None:
        problem = window.worker.model_error
        if window.model_ready and window.piano_roll.song().notes and window.library.ready:
            play_scene(window, scene, shoot)  # it lets the panes paint once more at the end
        elif problem is not None and window.library.ready and scene == "window":
            play_scene(window, scene, shoot)  # the window as it is: "generation is off: …"
        elif problem is not None and scene != "window":
            print(f"studio: error: the {scene} scene needs the melody model, and generation "
                  f"is off: {problem}", file=sys.stderr)  # fmt: skip
            window.close()
            app.quit()
        else:
            QTimer.singleShot(100, ready)

    def give_up() -> None:
        print("studio: error: the window was not ready in time", file=sys.stderr)
        window.close()
        app.quit()

    QTimer.singleShot(0, ready)
    QTimer.singleShot(SCREENSHOT_TIMEOUT_MS, give_up)
    app.exec()
    return status["code"]
