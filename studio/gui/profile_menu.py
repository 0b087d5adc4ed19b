"""The toolbar's profile menu: "Profile: Ana ▾" to switch, create or forget listening profiles.

A profile is whose reactions and plays teach the suggestions. The combo lists the profiles, then
"New profile…" (a name dialog) and "Forget this profile…" (a confirmation that says exactly what
is deleted). It only asks (``switchRequested``, ``createRequested``, ``forgetRequested``); the
window sends the requests to the worker and calls ``set_profiles`` with the outcome.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWidget,
)

MAX_NAME = 40
_NAME = re.compile(r"[\w -]+")  # letters (any script), digits, space, '-', '_'
NEW, FORGET = "new", "forget"
_KIND_ROLE = Qt.ItemDataRole.UserRole + 1  # NEW, FORGET, or "" for a profile
NAME_PROMPT = "Name of the new profile (letters, digits, spaces, '-' and '_'):"


def name_problem(name: str, existing) -> str:
    """Why ``name`` cannot name a new profile, in words ("" when it can): 1–40 letters,
    digits, spaces, '-' or '_', no space at either end, not a profile's name already (letter
    case aside). The library's own check (``check_profile_name``) is the same rule."""
    if not name:
        return "type a name"
    if len(name) > MAX_NAME:
        return f"at most {MAX_NAME} characters"
    if not _NAME.fullmatch(name):
        return "only letters, digits, spaces, '-' and '_'"
    if name != name.strip():
        return "no space at either end"
    same = next((other for other in existing if other.casefold() == name.casefold()), None)
    if same is not None:
        return f"there is already a profile {same!r}"
    return ""


def forget_text(name: str, events: int) -> str:
    """What "Forget" deletes, said exactly: "Forget Ana: 37 reactions and plays will be
    deleted. The library and its files are not touched." """
    what = {0: "no reactions or plays (nothing) will be", 1: "1 reaction or play will be"}.get(
        events, f"{events} reactions and plays will be"
    )
    return f"Forget {name}: {what} deleted. The library and its files are not touched."


class ProfileCombo(QWidget):
    """ "Profile:" and a combo box (objectName ``profileCombo``) for the toolbar.

    Signals: ``switchRequested(name)`` (the user picked another profile),
    ``createRequested(name)`` ("New profile…", a valid new name accepted),
    ``forgetRequested(name)`` ("Forget this profile…", confirmed; for the current profile).
    The dialogs open non-modally; ``new_dialog`` and ``forget_box`` are the open ones (or None).
    """

    switchRequested = Signal(str)
    createRequested = Signal(str)
    forgetRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        """The menu with no profiles yet (``set_profiles`` fills it)."""
        super().__init__(parent)
        self.setObjectName("profileMenu")
        self._current = ""
        self._events: dict[str, int] = {}
        self.new_dialog: QInputDialog | None = None
        self.forget_box: QMessageBox | None = None
        label = QLabel("Profile:")
        self.combo = QComboBox()
        self.combo.setObjectName("profileCombo")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip("Whose reactions and plays teach the suggestions")
        label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.combo)
        self.combo.activated.connect(self._activated)

    def set_profiles(self, current: str, events: Mapping[str, int]) -> None:
        """List the profiles ({name: number of events}, in that order) with ``current``
        shown; emits nothing."""
        self._current = current
        self._events = dict(events)
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            for name, count in self._events.items():
                self.combo.addItem(name, name)
                self.combo.setItemData(self.combo.count() - 1,
                                       f"{name}: {count} reactions and plays",
                                       Qt.ItemDataRole.ToolTipRole)  # fmt: skip
            self.combo.insertSeparator(self.combo.count())
            self.combo.addItem("New profile…")
            self.combo.setItemData(self.combo.count() - 1, NEW, _KIND_ROLE)
            self.combo.addItem("Forget this profile…")
            self.combo.setItemData(self.combo.count() - 1, FORGET, _KIND_ROLE)
            self._show_current()
        finally:
            self.combo.blockSignals(False)

    def current(self) -> str:
        """The current profile's name."""
        return self._current

    def profile_names(self) -> list[str]:
        """The profiles listed, in order."""
        return list(self._events)

    def _show_current(self) -> None:
        row = self.combo.findData(self._current)
        self.combo.setCurrentIndex(row)
        if self._current:
            events = self._events.get(self._current, 0)
            self.combo.setToolTip(f"Profile {self._current}: {events} reactions and plays teach"
                                  " the suggestions")  # fmt: skip

    def _activated(self, row: int) -> None:
        kind = self.combo.itemData(row, _KIND_ROLE)
        name = self.combo.itemData(row)
        if kind in (NEW, FORGET):
            self.combo.blockSignals(True)
            self._show_current()  # an action item never stays shown
            self.combo.blockSignals(False)
            if kind == NEW:
                self.open_new_dialog()
            else:
                self.open_forget_box()
        elif isinstance(name, str) and name != self._current:
            self.switchRequested.emit(name)

    # -- New profile… ------------------------------------------------------------------------

    def open_new_dialog(self) -> QInputDialog:
        """Open the name dialog (non-modal); OK stays disabled while the name cannot be used
        and the prompt says why."""
        dialog = QInputDialog(self)
        dialog.setObjectName("newProfileDialog")
        dialog.setWindowTitle("New profile")
        dialog.setInputMode(QInputDialog.InputMode.TextInput)
        dialog.setLabelText(NAME_PROMPT)
        dialog.setOkButtonText("Create")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueChanged.connect(lambda text: self._check_name(dialog, text))
        dialog.textValueSelected.connect(self._create)
        dialog.destroyed.connect(lambda *_: setattr(self, "new_dialog", None))
        self.new_dialog = dialog
        dialog.open()
        self._check_name(dialog, dialog.textValue())
        return dialog

    def _check_name(self, dialog: QInputDialog, text: str) -> None:
        problem = name_problem(text, self._events)
        dialog.setLabelText(NAME_PROMPT if not problem or not text else
                            f"{NAME_PROMPT}\n{problem[0].upper()}{problem[1:]}.")  # fmt: skip
        box = dialog.findChild(QDialogButtonBox)
        if box is not None and box.button(QDialogButtonBox.StandardButton.Ok) is not None:
            box.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not problem)

    def _create(self, name: str) -> None:
        if not name_problem(name, self._events):
            self.createRequested.emit(name)

    def name_field(self) -> QLineEdit | None:
        """The open name dialog's text field (for tests and automation)."""
        return self.new_dialog.findChild(QLineEdit) if self.new_dialog is not None else None

    # -- Forget this profile… ----------------------------------------------------------------

    def open_forget_box(self) -> QMessageBox:
        """Open the confirmation for forgetting the current profile (non-modal)."""
        name = self._current
        box = QMessageBox(QMessageBox.Icon.Warning, "Forget profile",
                          forget_text(name, self._events.get(name, 0)), parent=self)  # fmt: skip
        box.setObjectName("forgetProfileBox")
        forget = box.addButton("Forget", QMessageBox.ButtonRole.DestructiveRole)
        forget.setObjectName("forgetProfileButton")
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def clicked(button: QAbstractButton) -> None:
            if button is forget:
                self.forgetRequested.emit(name)

        box.buttonClicked.connect(clicked)
        box.destroyed.connect(lambda *_: setattr(self, "forget_box", None))
        self.forget_box = box
        box.open()
        return box
