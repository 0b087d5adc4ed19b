"""The Preferences dialog: what ``studio settings`` covers, as a form.

``PreferencesDialog`` shows the user's settings in four tabs — Sound (SoundFont, output device,
block size, sample rate, MIDI ports), Appearance (theme), New melodies (key, tempo, bars) and
Files (autosave interval) — loaded with ``load_settings`` and written on OK with
``update_settings``: the same file and the same parsers as the command line. A bad value keeps
the dialog open with the reason next to its field. OK applies the theme and the autosave
interval at once; sound settings take effect at the next start (the player is opened once).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import StudioError
from studio.core.theory import SCALES, Key
from studio.gui.generate_panel import TONIC_NAMES, mode_label
from studio.gui.theme import apply_theme
from studio.settings import OPTIONS, load_settings, update_settings

SOUND_KEYS = ("soundfont", "audio_device", "audio_blocksize", "sample_rate", "midi_output",
              "midi_input")  # fmt: skip
"""The settings the player reads when it opens (at start)."""
MELODY_KEYS = ("default_key", "default_tempo", "default_bars")
"""The settings the Generate panel starts with."""
SAMPLE_RATES = (22050, 32000, 44100, 48000, 88200, 96000)
BLOCK_SIZES = (64, 128, 256, 512, 1024, 2048, 4096, 8192)
THEME_LABELS = (("dark", "Dark"), ("light", "Light"), ("system", "Same as the system"))
ERROR_STYLE = "color: #f87171;"
NOTE_STYLE = "color: palette(placeholder-text);"


def soundfont_problem(text: str) -> str | None:
    """Why ``text`` cannot be used as the SoundFont, in words, or None ("" is the default)."""
    if not text.strip():
        return None
    from studio.audio.synth import SoundFontError, resolve_soundfont

    path = Path(text.strip()).expanduser()
    if not path.exists():
        return f"there is no file {path}"
    if not path.is_file():
        return f"{path} is a folder, not a SoundFont file"
    try:
        _chosen, warning = resolve_soundfont(path)
    except SoundFontError as error:  # unusable, and no default to fall back on either
        return str(error)
    return warning.split("; using the default")[0] if warning else None


def default_soundfont_text() -> str:
    """What plays when the SoundFont field is empty, e.g. "default: FluidR3_GM.sf2"."""
    from studio.audio.soundfonts import SoundFontError, default_soundfont

    try:
        return f"default: {default_soundfont().name}, the best one installed"
    except SoundFontError:
        return "no SoundFont installed: choose one"


def audio_devices() -> tuple[list[str], str]:
    """The output devices' names, and why there are none ("" when there are)."""
    from studio.audio.devices import output_devices

    try:
        return [device["name"] for device in output_devices()], ""
    except StudioError as error:
        return [], str(error)


def midi_ports() -> tuple[dict[str, list[str]], str]:
    """``{"outputs": [...], "inputs": [...]}``, and why there are none ("" when it worked)."""
    from studio.audio.midi_ports import list_ports

    try:
        return list_ports(), ""
    except StudioError as error:
        return {"outputs": [], "inputs": []}, str(error)


class PreferencesDialog(QDialog):
    """The Preferences dialog (objectName "preferencesDialog"; see the module docstring).

    Signals:
        settingsSaved(dict): after OK wrote the settings: all of them, as now on disk.

    Fields (objectNames): soundfontEdit, soundfontBrowse, audioDeviceCombo, blockSizeCombo,
    sampleRateCombo, midiOutputCombo, midiInputCombo, themeCombo, defaultTonicCombo,
    defaultModeCombo, defaultTempoSpin, defaultBarsSpin, rankIdeasCheck, autosaveSpin; errors
    appear in ``<field>Error`` labels (soundfontError, saveError).
    """

    settingsSaved = Signal(dict)

    def __init__(self, parent: QWidget | None = None, path: Path | None = None) -> None:
        """The form filled from the settings file at ``path`` (None: the user's)."""
        super().__init__(parent)
        self.setObjectName("preferencesDialog")
        self.setWindowTitle("Preferences")
        self._path = path
        self._values, warning = load_settings(path)
        self.tabs = QTabWidget(objectName="preferencesTabs")
        self.tabs.addTab(self._sound_tab(), "Sound")
        self.tabs.addTab(self._appearance_tab(), "Appearance")
        self.tabs.addTab(self._melodies_tab(), "New melodies")
        self.tabs.addTab(self._files_tab(), "Files")
        self.save_error = _note("saveError", warning or "", ERROR_STYLE)
        self.save_error.setVisible(bool(warning))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.setObjectName("preferencesButtons")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.save_error)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    # -- the tabs ---------------------------------------------------------------------------

    def _sound_tab(self) -> QWidget:
        values, form = self._values, QFormLayout()
        self.soundfont_edit = QLineEdit(values["soundfont"] or "", objectName="soundfontEdit")
        self.soundfont_edit.setPlaceholderText(default_soundfont_text())
        self.soundfont_edit.setClearButtonEnabled(True)
        self.soundfont_edit.textChanged.connect(lambda _text: self._show_error(None))
        browse = QPushButton("Browse…", objectName="soundfontBrowse")
        browse.clicked.connect(self._browse_soundfont)
        form.addRow("SoundFont", _row(self.soundfont_edit, browse))
        self.soundfont_error = _note("soundfontError", "", ERROR_STYLE)
        self.soundfont_error.hide()
        form.addRow(self.soundfont_error)

        devices, why = audio_devices()
        self.device_combo = _choices("audioDeviceCombo", [("System default", None)]
                                     + [(name, name) for name in devices],
                                     values["audio_device"])  # fmt: skip
        form.addRow("Output device", self.device_combo)
        if why:
            form.addRow(_note("audioDeviceNote", why, NOTE_STYLE))
        self.block_combo = _choices("blockSizeCombo", [(f"{n} frames", n) for n in BLOCK_SIZES],
                                    values["audio_blocksize"], "{} frames")  # fmt: skip
        self.block_combo.setToolTip("Smaller: notes answer sooner; larger: fewer dropouts")
        form.addRow("Block size", self.block_combo)
        self.rate_combo = _choices("sampleRateCombo", [(f"{n} Hz", n) for n in SAMPLE_RATES],
                                   values["sample_rate"], "{} Hz")  # fmt: skip
        form.addRow("Sample rate", self.rate_combo)

        ports, why = midi_ports()
        self.midi_out_combo = _choices(
            "midiOutputCombo",
            [("None (the built-in synthesizer)", None)] + [(p, p) for p in ports["outputs"]],
            values["midi_output"],
        )
        form.addRow("MIDI output", self.midi_out_combo)
        self.midi_in_combo = _choices(
            "midiInputCombo", [("None", None)] + [(p, p) for p in ports["inputs"]],
            values["midi_input"],
        )  # fmt: skip
        form.addRow("MIDI input", self.midi_in_combo)
        if why:
            form.addRow(_note("midiPortsNote", why, NOTE_STYLE))
        form.addRow(_note("soundNote", "Sound settings take effect at the next start.",
                          NOTE_STYLE))  # fmt: skip
        return _page(form)

    def _appearance_tab(self) -> QWidget:
        form = QFormLayout()
        self.theme_combo = _choices("themeCombo", [(label, name) for name, label in THEME_LABELS],
                                    self._values["theme"])  # fmt: skip
        form.addRow("Theme", self.theme_combo)
        form.addRow(_note("themeNote", "“Same as the system” follows the desktop's light or dark "
                          "setting (dark when it says neither).", NOTE_STYLE))  # fmt: skip
        return _page(form)

    def _melodies_tab(self) -> QWidget:
        values, form = self._values, QFormLayout()
        key = Key.parse(values["default_key"])
        tonics = [(name, pitch_class) for pitch_class, name in enumerate(TONIC_NAMES)]
        self.tonic_combo = _choices("defaultTonicCombo", tonics, key.tonic)
        self.mode_combo = _choices("defaultModeCombo", [(mode_label(m), m) for m in SCALES],
                                   key.mode)  # fmt: skip
        form.addRow("Key", _row(self.tonic_combo, self.mode_combo))
        self.tempo_spin = _spin("defaultTempoSpin", "default_tempo", values, " BPM")
        form.addRow("Tempo", self.tempo_spin)
        self.bars_spin = _spin("defaultBarsSpin", "default_bars", values, " bars")
        form.addRow("Length", self.bars_spin)
        form.addRow(_note("melodiesNote", "What the Generate panel starts with.", NOTE_STYLE))
        self.rank_check = QCheckBox("Put first the ideas like those I keep",
                                    objectName="rankIdeasCheck")  # fmt: skip
        self.rank_check.setChecked(bool(values["rank_ideas"]))
        self.rank_check.setToolTip("Generate makes more ideas than it shows and puts first those "
                                   "like the ones you ♥, open, add or export (per profile); "
                                   "✕ teaches it what to leave out")  # fmt: skip
        form.addRow("Ideas", self.rank_check)
        return _page(form)

    def _files_tab(self) -> QWidget:
        form = QFormLayout()
        self.autosave_spin = _spin("autosaveSpin", "autosave_seconds", self._values, " s")
        self.autosave_spin.setToolTip("How often unsaved work is kept aside for recovery")
        form.addRow("Autosave every", self.autosave_spin)
        return _page(form)

    # -- values -----------------------------------------------------------------------------

    def values(self) -> dict:
        """The settings as the form shows them (parsed values, keyed like ``OPTIONS``)."""
        return {
            "soundfont": self.soundfont_edit.text().strip() or None,
            "audio_device": self.device_combo.currentData(),
            "audio_blocksize": self.block_combo.currentData(),
            "sample_rate": self.rate_combo.currentData(),
            "midi_output": self.midi_out_combo.currentData(),
            "midi_input": self.midi_in_combo.currentData(),
            "theme": self.theme_combo.currentData(),
            "default_key": Key(self.tonic_combo.currentData(), self.mode_combo.currentData()).name,
            "default_tempo": self.tempo_spin.value(),
            "default_bars": self.bars_spin.value(),
            "autosave_seconds": self.autosave_spin.value(),
            "rank_ideas": self.rank_check.isChecked(),
        }

    def changed(self, keys: Iterable[str]) -> bool:
        """Whether the form shows another value than the dialog opened with for any of
        ``keys`` (e.g. ``SOUND_KEYS``, ``MELODY_KEYS``)."""
        shown = self.values()
        return any(shown[key] != self._values[key] for key in keys)

    def accept(self) -> None:
        """OK: check, write the settings file, apply the theme, close; a problem keeps the
        dialog open with the reason shown next to its field."""
        problem = soundfont_problem(self.soundfont_edit.text())
        if problem is not None:
            self._show_error(problem)
            return
        try:
            saved = update_settings(self.values(), self._path)
        except StudioError as error:
            self.save_error.setText(str(error))
            self.save_error.show()
            return
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, saved["theme"])
        self.settingsSaved.emit(saved)
        super().accept()

    def _show_error(self, problem: str | None) -> None:
        if problem is None and self.soundfont_error.isHidden():
            return
        if problem:
            sentence = f"{problem[:1].upper()}{problem[1:]}"
            self.soundfont_error.setText(
                f"{sentence}. Choose a .sf2 file or leave the field empty."
            )
        self.soundfont_error.setVisible(problem is not None)
        self.layout().activate()  # the wrapped message needs room: grow to fit
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))
        if problem is not None:
            self.tabs.setCurrentIndex(0)
            self.soundfont_edit.setFocus()

    def _browse_soundfont(self) -> None:
        start = self.soundfont_edit.text() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Choose a SoundFont", start,
                                              "SoundFonts (*.sf2);;All files (*)")  # fmt: skip
        if path:
            self.soundfont_edit.setText(path)


# -- small builders ---------------------------------------------------------------------------


def _choices(
    name: str, items: list[tuple[str, object]], current: object, missing: str = "{} (not found now)"
) -> QComboBox:
    """A combo of (label, value) items showing ``current``; a value not among the items (a
    device that is unplugged now, a block size typed on the command line) is added, labelled
    by ``missing``, so OK keeps it."""
    combo = QComboBox(objectName=name)
    for label, value in items:
        combo.addItem(label, value)
    index = combo.findData(current)
    if index < 0 and current is not None:
        combo.addItem(missing.format(current), current)
        index = combo.count() - 1
    combo.setCurrentIndex(max(0, index))
    return combo


def _spin(name: str, key: str, values: dict, suffix: str) -> QSpinBox:
    """A spin box with the bounds of the setting ``key`` (an ``IntBetween``)."""
    bounds = OPTIONS[key].parse
    spin = QSpinBox(objectName=name, suffix=suffix, toolTip=OPTIONS[key].help)
    spin.setRange(bounds.low, bounds.high)
    spin.setValue(int(values[key]))
    return spin


def _note(name: str, text: str, style: str) -> QLabel:
    label = QLabel(text, objectName=name, wordWrap=True)
    label.setStyleSheet(style)
    return label


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget, 1 if isinstance(widget, (QLineEdit, QComboBox)) else 0)
    return row


def _page(form: QFormLayout) -> QWidget:
    page = QWidget()
    outer = QVBoxLayout(page)
    outer.addLayout(form)
    outer.addStretch(1)
    return page
