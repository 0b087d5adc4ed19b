"""The status bar's work area: what the worker is doing, its progress and a ✕ to cancel it.

``WorkStatus`` shows "loading model…", "generating…" and so on; while jobs run, a progress bar
(busy until the job reports numbers) and the ✕ button (objectName ``cancelButton``) are shown.
Its ``cancel_action`` (objectName ``actionCancel``, Esc) cancels too, and is enabled only while
there is something to cancel, so that otherwise Esc stays the editor's (cancel a drag, clear the
selection).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget


class WorkStatus(QWidget):
    """The left part of the status bar; ``cancel`` is called by ✕ and Esc."""

    def __init__(self, cancel: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("loading model…", objectName="workLabel")
        self.progress = QProgressBar(objectName="workProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.cancel_button = QToolButton(objectName="cancelButton")
        self.cancel_button.setText("✕")
        self.cancel_button.setToolTip("Cancel what the worker is doing (Esc)")
        self.cancel_button.clicked.connect(cancel)
        self.cancel_action = QAction("Cancel", self, objectName="actionCancel")
        self.cancel_action.setShortcut(Qt.Key.Key_Escape)
        self.cancel_action.triggered.connect(cancel)
        for widget in (self.label, self.progress, self.cancel_button):
            layout.addWidget(widget)
        self.idle("loading model…")

    def text(self) -> str:
        """What the status says now."""
        return self.label.text()

    def started(self, text: str) -> None:
        """A job began: say ``text``, show a busy progress bar and the cancel button."""
        self.label.setText(text)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_action.setEnabled(True)

    def progressed(self, done: int, total: int) -> None:
        """The job reported ``done`` of ``total`` steps."""
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def idle(self, text: str) -> None:
        """No job runs: say ``text``; nothing to cancel."""
        self.label.setText(text)
        self.progress.hide()
        self.cancel_button.hide()
        self.cancel_action.setEnabled(False)

    def say(self, text: str) -> None:
        """Change the text only (e.g. "generation is off: …")."""
        self.label.setText(text)
