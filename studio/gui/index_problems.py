"""The list of files the library's indexing could not read, with the reason for each
(``IndexProblemsDialog``, opened by the library pane's "show"), and ``plural``, the counts both
say ("12 files could not be read").
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["IndexProblemsDialog", "plural"]


def plural(count: int, noun: str) -> str:
    """ "1 track", "2,481 tracks"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class IndexProblemsDialog(QDialog):
    """The files indexing could not read, with the reason for each (objectName
    ``indexProblemsDialog``; the list is ``indexProblemsList``)."""

    def __init__(self, problems: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        """A dialog listing ``problems`` as (path, reason)."""
        super().__init__(parent)
        self.setObjectName("indexProblemsDialog")
        self.setWindowTitle("Files that could not be read")
        self.resize(720, 360)
        heading = QLabel(
            f"{plural(len(problems), 'file')} could not be read; the rest of the"
            " library is indexed. Fix or replace them, then Rescan.",
            wordWrap=True,
        )
        self.list = QTreeWidget(self, objectName="indexProblemsList")
        self.list.setHeaderLabels(["File", "Reason"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setAlternatingRowColors(True)
        self.list.addTopLevelItems([_problem_item(path, reason) for path, reason in problems])
        self.list.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        copy = buttons.addButton("Copy list", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            "\n".join(f"{path}\t{reason}" for path, reason in problems)))  # fmt: skip
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)


def _problem_item(path: str, reason: str) -> QTreeWidgetItem:
    item = QTreeWidgetItem([path, reason])
    item.setToolTip(0, path)
    item.setToolTip(1, reason)
    return item
