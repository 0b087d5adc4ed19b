"""The Edit menu's Quantize…, Transpose… and Velocity… dialogs, and Legato.

Each dialog changes the piano roll's selected notes, or every note of the track when nothing is
selected (its first line says which). It opens without blocking (``open()``); OK applies the
change as one undo step named after it ("Transpose 5 notes") through ``PianoRoll.push_edit``,
Cancel changes nothing. The edits themselves are the pure functions of ``edit_commands``
(``quantize_with``, ``transpose``, ``change_velocity``, ``legato``). Times are in **beats**.

objectNames: the dialogs ``quantizeDialog``, ``transposeDialog``, ``velocityDialog``; their
fields ``gridCombo``, ``strengthSpin``, ``swingSpin``, ``endsCheck``; ``semitonesSpin``,
``octavesSpin``, ``inKeyCheck``; ``setRadio``/``setSpin``, ``scaleRadio``/``scaleSpin``,
``addRadio``/``addSpin``, ``humanizeSpin``, ``seedSpin``; each has a ``scopeLabel``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.gui import edit_commands as edits
from studio.gui.edit_commands import RollState, count_name

GRIDS = (
    ("1/4", 1.0), ("1/8", 0.5), ("1/16", 0.25), ("1/32", 0.125),
    ("1/4 triplet", 2 / 3), ("1/8 triplet", 1 / 3), ("1/16 triplet", 1 / 6),
    ("1/32 triplet", 1 / 12),
)  # fmt: skip
"""The Quantize grid choices: name and step in beats."""


def scope_text(state: RollState) -> str:
    """What an Edit-menu change applies to, said in the dialog."""
    count, selected = len(state.notes), len(state.selection)
    if not count:
        return "The track has no notes."
    if selected:
        return f"Changes the {selected} selected notes." if selected > 1 else (
            "Changes the selected note.")  # fmt: skip
    return f"Nothing is selected: changes all {count} notes." if count > 1 else (
        "Nothing is selected: changes the track's one note.")  # fmt: skip


def apply_legato(roll) -> bool:
    """Legato: each selected note (every note when none is) ends where the next onset begins,
    as one undo step "Legato N notes". False when nothing changed."""
    state = roll.roll_state()
    chosen = edits.targets(state)
    after = edits.legato(state, chosen)
    if after.notes == state.notes:
        return False
    roll.push_edit(count_name("Legato", len(chosen)), after)
    return True


class EditDialog(QDialog):
    """A dialog that changes the roll's target notes (the selection, else all) on OK.

    Subclasses build their fields into ``self.form`` and implement ``result(state, indices)``
    (the state after the change, or None when it cannot be made) and ``edit_name(count)``.
    """

    def __init__(self, roll, title: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else roll)
        self._roll = roll
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(320)
        layout = QVBoxLayout(self)
        self.scope_label = QLabel(objectName="scopeLabel")
        self.form = QFormLayout()
        self.problem_label = QLabel(objectName="problemLabel")
        self.problem_label.setStyleSheet("color: #e06c6c")
        self.problem_label.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.scope_label)
        layout.addLayout(self.form)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        roll.selectionChanged.connect(self.refresh)

    def ok_button(self):
        """The OK button (applies the change)."""
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def result(self, state: RollState, indices: tuple[int, ...]) -> RollState | None:
        """The state after the change of the notes at ``indices``; None if it cannot be made."""
        raise NotImplementedError

    def edit_name(self, count: int) -> str:
        """The undo step's name for ``count`` notes."""
        raise NotImplementedError

    def refresh(self) -> None:
        """Say what the change applies to; disable OK when it cannot be made."""
        state = self._roll.roll_state()
        self.scope_label.setText(scope_text(state))
        after = self.result(state, edits.targets(state)) if state.notes else None
        self.problem_label.setVisible(bool(state.notes) and after is None)
        self.ok_button().setEnabled(after is not None)

    def showEvent(self, event) -> None:
        """Show the scope as it is now."""
        self.refresh()
        super().showEvent(event)

    def accept(self) -> None:
        """Apply the change as one undo step (none when it changes nothing), then close."""
        state = self._roll.roll_state()
        chosen = edits.targets(state)
        after = self.result(state, chosen) if chosen else None
        if after is not None and after.notes != state.notes:
            self._roll.push_edit(self.edit_name(len(chosen)), after)
        super().accept()

    def _spin(self, name: str, low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
        spin = QSpinBox(objectName=name)
        spin.setRange(low, high)
        spin.setValue(value)
        spin.setSuffix(suffix)
        spin.valueChanged.connect(self.refresh)
        return spin


class QuantizeDialog(EditDialog):
    """Quantize…: grid (1/4…1/32, triplets), strength %, swing %, and note ends too."""

    def __init__(self, roll, parent: QWidget | None = None) -> None:
        super().__init__(roll, "Quantize", "quantizeDialog", parent)
        self.grid_combo = QComboBox(objectName="gridCombo")
        for text, beats in GRIDS:
            self.grid_combo.addItem(text, beats)
        snap = roll.snap()
        steps = [beats for _, beats in GRIDS]
        default = min(steps, key=lambda b: abs(b - snap)) if snap else 0.25
        self.grid_combo.setCurrentIndex(steps.index(default))
        self.strength_spin = self._spin("strengthSpin", 0, 100, 100, " %")
        self.swing_spin = self._spin("swingSpin", 0, 100, 0, " %")
        self.swing_spin.setToolTip("Delays every other grid point: 66 % is a triplet feel")
        self.ends_check = QCheckBox("Quantize note ends too", objectName="endsCheck")
        self.form.addRow("Grid:", self.grid_combo)
        self.form.addRow("Strength:", self.strength_spin)
        self.form.addRow("Swing:", self.swing_spin)
        self.form.addRow(self.ends_check)

    def result(self, state: RollState, indices: tuple[int, ...]) -> RollState | None:
        """The notes moved towards the chosen grid (``edit_commands.quantize_with``)."""
        return edits.quantize_with(
            state, indices, self.grid_combo.currentData(), self.strength_spin.value() / 100,
            self.swing_spin.value() / 100, self.ends_check.isChecked(),
        )  # fmt: skip

    def edit_name(self, count: int) -> str:
        """The undo step's name: "Quantize 5 notes"."""
        return count_name("Quantize", count)


class TransposeDialog(EditDialog):
    """Transpose…: semitones (−24…24) and octaves; with the roll's key, "stay in key" counts
    scale steps instead of semitones, so every moved note stays in the scale."""

    def __init__(self, roll, parent: QWidget | None = None) -> None:
        super().__init__(roll, "Transpose", "transposeDialog", parent)
        self._key = roll.key()
        self.semitones_spin = self._spin("semitonesSpin", -24, 24, 0)
        self.octaves_spin = self._spin("octavesSpin", -4, 4, 0)
        key_name = self._key.name if self._key is not None else "the key"
        self.in_key_check = QCheckBox(f"Stay in {key_name} (move by scale steps)",
                                      objectName="inKeyCheck")  # fmt: skip
        self.in_key_check.setEnabled(self._key is not None)
        if self._key is None:
            self.in_key_check.setToolTip("The song has no key: set one to transpose in it")
        self.in_key_check.toggled.connect(self._in_key_toggled)
        self.steps_label = QLabel("Semitones:")
        self.form.addRow(self.steps_label, self.semitones_spin)
        self.form.addRow("Octaves:", self.octaves_spin)
        self.form.addRow(self.in_key_check)
        self.problem_label.setText("A note would leave the MIDI pitch range (0–127).")

    def _in_key_toggled(self, on: bool) -> None:
        self.steps_label.setText("Scale steps:" if on else "Semitones:")
        self.refresh()

    def result(self, state: RollState, indices: tuple[int, ...]) -> RollState | None:
        """The notes moved (``edit_commands.transpose``); None when one would leave 0–127."""
        octaves = 12 * self.octaves_spin.value()
        amount = self.semitones_spin.value()
        if self.in_key_check.isChecked() and self._key is not None:
            return edits.transpose(state, indices, octaves, steps=amount, key=self._key)
        return edits.transpose(state, indices, amount + octaves)

    def edit_name(self, count: int) -> str:
        """The undo step's name: "Transpose 5 notes"."""
        return count_name("Transpose", count)


class VelocityDialog(EditDialog):
    """Velocity…: set to a value, scale by a percentage or add an amount, then optionally
    humanize by a random ±N drawn from a seed (the same seed gives the same velocities)."""

    def __init__(self, roll, parent: QWidget | None = None) -> None:
        super().__init__(roll, "Velocity", "velocityDialog", parent)
        state = roll.roll_state()
        chosen = edits.targets(state)
        first = state.notes[chosen[0]].velocity if chosen else 100
        self.modes = QButtonGroup(self)
        grid = QGridLayout()
        self.spins: dict[str, QSpinBox] = {}
        self.radios: dict[str, QRadioButton] = {}
        rows = (
            ("set", "Set to", self._spin("setSpin", 1, 127, first)),
            ("scale", "Scale by", self._spin("scaleSpin", 0, 400, 100, " %")),
            ("add", "Add", self._spin("addSpin", -126, 126, 0)),
        )
        for row, (mode, text, spin) in enumerate(rows):
            radio = QRadioButton(text, objectName=f"{mode}Radio")
            radio.toggled.connect(spin.setEnabled)
            radio.toggled.connect(self.refresh)
            spin.setEnabled(False)
            self.modes.addButton(radio)
            grid.addWidget(radio, row, 0)
            grid.addWidget(spin, row, 1)
            self.spins[mode], self.radios[mode] = spin, radio
        self.form.addRow(grid)
        self.humanize_spin = self._spin("humanizeSpin", 0, 64, 0)
        self.humanize_spin.setPrefix("± ")
        self.humanize_spin.setSpecialValueText("off")
        self.seed_spin = self._spin("seedSpin", 0, 99_999, 1)
        self.seed_spin.setToolTip("The same seed gives the same random velocities")
        self.form.addRow("Humanize:", self.humanize_spin)
        self.form.addRow("Seed:", self.seed_spin)
        self.radios["set"].setChecked(True)

    def mode(self) -> str:
        """The chosen way: "set", "scale" or "add"."""
        return next(m for m, radio in self.radios.items() if radio.isChecked())

    def result(self, state: RollState, indices: tuple[int, ...]) -> RollState | None:
        """The notes with new velocities (``edit_commands.change_velocity``)."""
        mode = self.mode()
        return edits.change_velocity(
            state, indices, mode, self.spins[mode].value(), self.humanize_spin.value(),
            self.seed_spin.value(),
        )  # fmt: skip

    def edit_name(self, count: int) -> str:
        """The undo step's name: "Change velocity of 5 notes"."""
        return count_name("Change velocity of", count)
