"""The Generate panel: what to generate (key, chords, bars, meter, phrase form, tempo, density,
temperature, variations, seed) and the Generate, Continue and Regenerate-bars buttons (the
mockup's right column). It only builds requests; the window sends them to the worker.

What is left open is sampled per idea from what real tunes do: the form ("Auto"), the chords (an
empty field: a learned progression in the key) and the density ("auto": each phrase its own). A
meter the loaded model cannot make is disabled in the meter combo (``set_meters``).

Chords are checked as they are typed: an unknown symbol shows its error under the field and
disables the buttons; chords outside the key with key lock on only get a hint. A request is a
dict of plain values (``request()``): ``{"settings": {GenerationSettings fields}, "count": n,
"seed": s}``, the payload of the worker's "generate" kind; with a point picked on the mood map,
also ``"mood": (valence, arousal)`` and ``"keep"`` (the mood then sets each idea's mode, tempo,
range and, unless typed, density: ``generation.mood_aim``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import InvalidInput
from studio.core.theory import MINOR_FAMILY, SCALES, Chord, Key, parse_progression
from studio.gui.mood_map import MoodMap
from studio.settings import load_settings

TONIC_NAMES = ("C", "C#/Db", "D", "D#/Eb", "E", "F", "F#/Gb", "G", "G#/Ab", "A", "A#/Bb", "B")
"""The tonic combo's items, indexed by pitch class."""
MAX_BARS = 32
MAX_VARIATIONS = 16
MAX_SEED = 2**31 - 1
LOADING = "loading model…"
METERS = ("4/4", "2/4", "3/4", "6/8")
"""The meters the generator knows (``GenerationSettings.meter``); a model may make fewer."""
FORMS = (("Auto", None), ("AABB", "AABB"), ("AABA", "AABA"), ("ABAC", "ABAC"),
         ("ABAB", "ABAB"), ("Through-composed", "through"))  # fmt: skip
"""The form combo's items: (text, ``GenerationSettings.form``); None: sampled from the data."""
AUTO = "auto"
"""What the density spin shows at its minimum: a density sampled per phrase (``None``)."""
_MINOR_MODES = MINOR_FAMILY | {"dorian", "phrygian", "locrian", "minor_pentatonic", "blues"}

# Presets: (semitones above the tonic, chord quality) per chord, and the family of key they
# assume ("major", "minor", or None for any): choosing one in the other family switches the mode.
PRESETS: dict[str, tuple[tuple[tuple[int, str], ...], str | None]] = {
    "I–V–vi–IV": (((0, "maj"), (7, "maj"), (9, "min"), (5, "maj")), "major"),
    "ii–V–I": (((2, "m7"), (7, "7"), (0, "maj7")), "major"),
    "I–IV–V": (((0, "maj"), (5, "maj"), (7, "maj")), "major"),
    "vi–IV–I–V": (((9, "min"), (5, "maj"), (0, "maj"), (7, "maj")), "major"),
    "12-bar blues": (tuple((i, "7") for i in (0, 0, 0, 0, 5, 5, 0, 0, 7, 5, 0, 7)), None),
    "minor i–VI–III–VII": (((0, "min"), (8, "maj"), (3, "maj"), (10, "maj")), "minor"),
}


def mode_label(mode: str) -> str:
    """How a ``SCALES`` name reads in the mode combo: "minor", "harmonic minor", "dorian"."""
    return "minor" if mode == "natural_minor" else mode.replace("_", " ")


def parse_chords(text: str) -> tuple[Chord, ...]:
    """The chords typed in the panel; empty text means the default progression (``()``).

    Raises ``InvalidInput`` with a sentence for an unknown symbol or an "N.C.".
    """
    if not text.strip():
        return ()
    chords = parse_progression(text)
    if any(chord is None for chord in chords):
        raise InvalidInput("N.C. (no chord) cannot be generated over: give every bar a chord")
    return tuple(chord for chord in chords if chord is not None)


def chords_hint(
    chords: tuple[Chord, ...], key: Key, bars: int, key_lock: bool, meter: str = "4/4"
) -> str:
    """A remark on valid chords that may not do what the musician expects, or "".

    Chords go one per bar of ``meter``, cycled; ``bars`` counts bars of ``meter``. In 2/4 the
    generator changes chord every two bars (taking the chord of the first), so chords typed
    one per bar are partly skipped: the hint names the ones that sound.
    """
    hints = []
    outside = [c.name_in(key) for c in chords if c.root not in key.pitch_classes]
    if outside and key_lock:
        names = ", ".join(dict.fromkeys(outside))
        hints.append(f"{names} outside {key.name}: key lock keeps the melody in the scale")
    if len(chords) > bars:
        hints.append(f"only the first {bars} of {len(chords)} chords fit in {bars} bars")
    if meter == "2/4" and chords:
        typed = [chords[bar % len(chords)] for bar in range(bars)]
        sounding = [chords[(bar - bar % 2) % len(chords)] for bar in range(bars)]
        if sounding != typed:
            names = " ".join(chord.name_in(key) for chord in sounding[::2][:8])
            more = " …" if bars > 16 else ""
            hints.append(f"2/4 changes chord every two bars: {names}{more}")
    return "; ".join(hints)


def preset_chords(name: str, key: Key, meter: str = "4/4") -> str:
    """A preset progression (a ``PRESETS`` name) spelled in ``key``: "Dm7 G7 Cmaj7"; in 2/4
    each chord twice ("Dm7 Dm7 G7 G7 …"), so each lasts two bars, as the generator plays it."""
    steps, _family = PRESETS[name]
    repeat = 2 if meter == "2/4" else 1
    names = (Chord((key.tonic + step) % 12, quality).name_in(key) for step, quality in steps)
    return " ".join(name for name in names for _ in range(repeat))


class GeneratePanel(QWidget):
    """The generation form (objectName "generatePanel"; see the module docstring).

    Signals: ``generateRequested(dict)``, ``continueRequested(dict)``,
    ``regenerateRequested(dict)``, each with ``request()`` (the window adds the primer, or the
    melody and the bars to regenerate). Unless the seed is locked, each button press first
    draws a new random seed and shows it; typing a seed locks it.
    """

    generateRequested = Signal(dict)
    continueRequested = Signal(dict)
    regenerateRequested = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty form with the settings' defaults (C major, 8 bars, 120 BPM unless changed in
        Preferences) and 4 variations."""
        super().__init__(parent)
        self.setObjectName("generatePanel")
        self._model_ready = False
        self._model_message = LOADING
        self._chords_error: str | None = None
        self._rolling_seed = False
        self._meter_tip = "Bars of 4/4, 2/4, 3/4 (waltz) or 6/8 (jig)"
        self._build()
        self.apply_defaults(load_settings()[0])
        self._validate()

    # -- building -------------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        form = QFormLayout()
        outer.addLayout(form)

        self.key_combo = QComboBox(objectName="keyCombo", toolTip="The key's tonic")
        for pitch_class, name in enumerate(TONIC_NAMES):
            self.key_combo.addItem(name, pitch_class)
        self.mode_combo = QComboBox(objectName="modeCombo", toolTip="Major, minor or a mode")
        for mode in SCALES:
            self.mode_combo.addItem(mode_label(mode), mode)
        form.addRow("Key", _row(self.key_combo, self.mode_combo))

        self.chords_edit = QLineEdit(objectName="chordsEdit")
        self.chords_edit.setPlaceholderText("learned if empty")
        self.chords_edit.setToolTip(
            "One chord per bar, cycled over the bars, e.g. Dm Bb F C.\n"
            "Empty: each idea gets a progression in the key as real tunes have."
        )
        self.presets_button = QToolButton(objectName="presetsButton", text="presets ▾")
        self.presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_menu = QMenu(self.presets_button)
        for name in PRESETS:
            action = self.presets_menu.addAction(name)
            action.triggered.connect(lambda _checked=False, n=name: self.apply_preset(n))
        self.presets_button.setMenu(self.presets_menu)
        form.addRow("Chords", _row(self.chords_edit, self.presets_button))
        self.chords_error = QLabel(objectName="chordsError", wordWrap=True)
        self.chords_error.setStyleSheet("color: #f87171;")
        self.chords_hint = QLabel(objectName="chordsHint", wordWrap=True)
        self.chords_hint.setStyleSheet("color: #9ca3af;")
        form.addRow(self.chords_error)
        form.addRow(self.chords_hint)

        self.bars_spin = _spin("barsSpin", 1, MAX_BARS, 8, "Length in bars of the meter")
        self.meter_combo = QComboBox(objectName="meterCombo", toolTip=self._meter_tip)
        for meter in METERS:
            self.meter_combo.addItem(meter, meter)
        of = QLabel("of")
        of.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        form.addRow("Bars", _row(self.bars_spin, of, self.meter_combo))
        self.form_combo = QComboBox(objectName="formCombo")
        self.form_combo.setToolTip(
            "How phrases repeat and answer each other (A: a phrase, B: another).\n"
            "Auto: each idea gets a form real tunes of its length have."
        )
        for text, value in FORMS:
            self.form_combo.addItem(text, value)
        form.addRow("Form", self.form_combo)
        self.tempo_spin = _spin("tempoSpin", 40, 240, 120, "Beats per minute", suffix=" BPM")
        form.addRow("Tempo", self.tempo_spin)
        density_tip = ("How often a note begins: 0.25 ≈ quarters, 0.5 ≈ eighths.\n"
                       "auto: each phrase gets a density real tunes have.")  # fmt: skip
        self.density_spin = _double("densitySpin", 0.0, 1.0, 0.0, 0.05, density_tip)
        self.density_spin.setSpecialValueText(AUTO)  # shown at the minimum: density None
        form.addRow("Density", self.density_spin)
        temperature_tip = "Lower is safer, higher more adventurous"
        self.temperature_spin = _double("temperatureSpin", 0.1, 2.0, 0.7, 0.05, temperature_tip)
        form.addRow("Temperature", self.temperature_spin)
        self.variations_spin = _spin("variationsSpin", 1, MAX_VARIATIONS, 4, "Ideas per press")
        form.addRow("Variations", self.variations_spin)
        self.seed_spin = _spin("seedSpin", 0, MAX_SEED, 1207, "Variation i uses seed + i")
        self.seed_lock = QCheckBox("locked", objectName="seedLock")
        self.seed_lock.setToolTip("Locked: every press uses this seed; else a new random one")
        form.addRow("Seed", _row(self.seed_spin, self.seed_lock))
        self.key_lock = QCheckBox("keep notes in the scale", objectName="keyLockCheck")
        self.key_lock.setToolTip(
            "Off: the key's leading tones and other notes outside the scale come as often as"
            " in real tunes"
        )
        form.addRow("Key lock", self.key_lock)
        self.mood_map = MoodMap()
        form.addRow("Mood", self.mood_map)

        self.generate_button = QPushButton("Generate   Ctrl+G", objectName="generateButton")
        self.continue_button = QPushButton("Continue", objectName="continueButton")
        self.continue_button.setToolTip("Add bars after the melody in the editor")
        self.regenerate_button = QPushButton("Regenerate bars", objectName="regenerateButton")
        self.regenerate_button.setToolTip("Generate the selected bars anew, keep the others")
        outer.addWidget(self.generate_button)
        outer.addLayout(_row_layout(self.continue_button, self.regenerate_button))
        self.model_problem = QLabel(objectName="modelProblem", wordWrap=True)
        self.model_problem.setStyleSheet("color: #f87171;")
        self.model_problem.hide()  # why generation is off, when the model could not load
        outer.addWidget(self.model_problem)
        self.busy_label = QLabel("working…", objectName="busyLabel")
        self.busy_label.hide()
        outer.addWidget(self.busy_label)
        outer.addStretch(1)

        self.chords_edit.textChanged.connect(self._validate)
        self.chords_edit.returnPressed.connect(self.generate_button.click)
        for combo in (self.key_combo, self.mode_combo, self.meter_combo):
            combo.currentIndexChanged.connect(self._validate)
        self.bars_spin.valueChanged.connect(self._validate)
        self.variations_spin.valueChanged.connect(self._validate)
        self.key_lock.toggled.connect(self._validate)
        self.mood_map.moodChanged.connect(self._mood_changed)
        self.seed_spin.valueChanged.connect(self._seed_edited)
        self.generate_button.clicked.connect(lambda: self._press(self.generateRequested))
        self.continue_button.clicked.connect(lambda: self._press(self.continueRequested))
        self.regenerate_button.clicked.connect(lambda: self._press(self.regenerateRequested))

    # -- the form's values ----------------------------------------------------------------------

    def key(self) -> Key:
        """The chosen key."""
        return Key(self.key_combo.currentData(), self.mode_combo.currentData())

    def set_key(self, key: Key) -> None:
        """Show ``key`` (say, the key of the song in the editor)."""
        self.key_combo.setCurrentIndex(key.tonic)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(key.mode))

    def apply_defaults(self, values: dict) -> None:
        """Show the settings' key, tempo (BPM) and bars for new melodies (``default_key``,
        ``default_tempo``, ``default_bars``, as ``load_settings`` gives them)."""
        self.set_key(Key.parse(values["default_key"]))
        self.tempo_spin.setValue(int(values["default_tempo"]))
        self.bars_spin.setValue(int(values["default_bars"]))

    def chords(self) -> tuple[Chord, ...]:
        """The typed chords (``()``: a learned progression); ``InvalidInput`` if invalid."""
        return parse_chords(self.chords_edit.text())

    def meter(self) -> str:
        """The chosen meter: "4/4", "2/4", "3/4" or "6/8"."""
        return self.meter_combo.currentData()

    def set_meter(self, meter: str) -> bool:
        """Choose ``meter``; False (nothing changes) when it is unknown or the model cannot
        make it."""
        index = self.meter_combo.findData(meter)
        if index < 0 or not self._meter_enabled(index):
            return False
        self.meter_combo.setCurrentIndex(index)
        return True

    def set_meters(self, meters: Sequence[str]) -> None:
        """Enable only the meters the loaded model makes (the others stay listed, disabled,
        with a tooltip saying why); a disabled current meter falls back to the first one."""
        allowed = [meter for meter in METERS if meter in meters] or list(METERS)
        model = self.meter_combo.model()
        only = f"this model makes {' and '.join(allowed)} only"
        for index, meter in enumerate(METERS):
            enabled = meter in allowed
            if isinstance(model, QStandardItemModel):
                model.item(index).setEnabled(enabled)
            tip = None if enabled else f"{only}: a newer model is needed for {meter}"
            self.meter_combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
        whole = len(allowed) == len(METERS)
        self.meter_combo.setToolTip(self._meter_tip if whole else f"{self._meter_tip}; {only}")
        if self.meter() not in allowed:
            self.meter_combo.setCurrentIndex(METERS.index(allowed[0]))

    def form(self) -> str | None:
        """The chosen phrase form ("AABB", … "through"); None for Auto (sampled)."""
        return self.form_combo.currentData()

    def set_form(self, form: str | None) -> None:
        """Choose a form (None: Auto); an unknown one leaves the combo as it is."""
        index = self.form_combo.findData(form) if form is not None else 0
        if index >= 0:
            self.form_combo.setCurrentIndex(index)

    def density(self) -> float | None:
        """The asked density (onsets per sixteenth step, 0–1), or None for auto."""
        value = self.density_spin.value()
        return None if value <= self.density_spin.minimum() else round(value, 2)

    def set_density(self, density: float | None) -> None:
        """Show a density, or auto (None)."""
        self.density_spin.setValue(self.density_spin.minimum() if density is None else density)

    def show_generation(self, meter: str | None, form: str | None) -> None:
        """Show the meter and form an idea was made in (a reopened file); unknown values (None)
        and meters the model cannot make leave the panel as it is."""
        if meter is not None:
            self.set_meter(meter)
        if form is not None:
            self.set_form(form)

    def apply_preset(self, name: str) -> None:
        """Fill in a ``PRESETS`` progression in the key, switching between major and minor
        when the preset needs the other; the 12-bar blues sets 12 bars (24 of 2/4)."""
        family = PRESETS[name][1]
        key = self.key()
        if family is not None and (key.mode in _MINOR_MODES) != (family == "minor"):
            self.set_key(Key(key.tonic, "natural_minor" if family == "minor" else "major"))
        blues = 24 if self.meter() == "2/4" else 12
        if name == "12-bar blues" and self.bars_spin.value() % blues:
            self.bars_spin.setValue(blues)
        self.chords_edit.setText(preset_chords(name, self.key(), self.meter()))

    def request(self) -> dict:
        """The "generate" payload: ``{"settings": {...}, "count": n, "seed": s}``, settings
        holding plain ``GenerationSettings`` fields (``key`` a ``Key``, ``chords`` a tuple of
        ``Chord``, ``density`` and ``form`` None when left to the data, ``meter`` a string).
        Raises ``InvalidInput`` with a sentence when the chords are invalid."""
        settings = {
            "bars": self.bars_spin.value(),
            "key": self.key(),
            "chords": self.chords(),
            "tempo": float(self.tempo_spin.value()),
            "temperature": round(self.temperature_spin.value(), 2),
            "density": self.density(),
            "key_lock": self.key_lock.isChecked(),
            "meter": self.meter(),
            "form": self.form(),
        }
        request = {"settings": settings, "count": self.variations_spin.value(),
                   "seed": self.seed_spin.value()}  # fmt: skip
        mood = self.mood_map.mood()
        if mood is not None:  # the mood sets mode, tempo and range; a typed density stays
            request["mood"] = mood
            request["keep"] = ("density",) if settings["density"] is not None else ()
        return request

    def mood(self) -> tuple[float, float] | None:
        """The mood new ideas aim at (valence, arousal), or None."""
        return self.mood_map.mood()

    def _mood_changed(self, mood: tuple[float, float] | None) -> None:
        aimed = mood is not None
        for widget in (self.mode_combo, self.tempo_spin):
            widget.setToolTip(widget.toolTip().split("\n(set by the mood")[0]
                              + ("\n(set by the mood for each idea)" if aimed else ""))  # fmt: skip

    @property
    def seed_locked(self) -> bool:
        """Whether every press uses the shown seed (else a new random one is drawn)."""
        return self.seed_lock.isChecked()

    def roll_seed(self) -> int:
        """Draw and show a new random seed (leaving room for the variations' seed + i)."""
        self._rolling_seed = True
        try:
            self.seed_spin.setValue(secrets.randbelow(MAX_SEED - MAX_VARIATIONS))
        finally:
            self._rolling_seed = False
        return self.seed_spin.value()

    # -- state from the window --------------------------------------------------------------------

    def set_model_ready(self, ready: bool, message: str = LOADING) -> None:
        """Enable the buttons once the model is loaded; until then they are disabled with
        ``message`` ("loading model…", or why the model could not load) as their tooltip."""
        self._model_ready = ready
        self._model_message = message
        self.model_problem.setText(message)
        self.model_problem.setVisible(not ready and message != LOADING)
        self._update_buttons()

    def set_busy(self, busy: bool) -> None:
        """Show that a request is running (the buttons stay usable: a new press supersedes)."""
        self.busy_label.setVisible(busy)

    # -- internals ----------------------------------------------------------------------------

    def _validate(self) -> None:
        try:
            chords = self.chords()
        except InvalidInput as error:
            self._chords_error = f"{error}. Write chords like: Dm Bb F C7"
            self.chords_error.setText(self._chords_error)
            self.chords_hint.clear()
        else:
            self._chords_error = None
            self.chords_error.clear()
            hint = chords_hint(chords, self.key(), self.bars_spin.value(),
                               self.key_lock.isChecked(), self.meter())  # fmt: skip
            self.chords_hint.setText(hint)
        self.chords_error.setVisible(self._chords_error is not None)
        self.chords_hint.setVisible(bool(self.chords_hint.text()))
        self._update_buttons()

    def _meter_enabled(self, index: int) -> bool:
        model = self.meter_combo.model()
        return not isinstance(model, QStandardItemModel) or model.item(index).isEnabled()

    def _update_buttons(self) -> None:
        valid = self._chords_error is None
        if not self._model_ready:
            tip = self._model_message
        elif not valid:
            tip = f"Fix the chords first: {self._chords_error}"
        else:
            tip = f"Generate {self.variations_spin.value()} ideas (Ctrl+G)"
        self.generate_button.setToolTip(tip)
        for button in (self.generate_button, self.continue_button, self.regenerate_button):
            button.setEnabled(self._model_ready and valid)
        if not self._model_ready:
            self.continue_button.setToolTip(tip)
            self.regenerate_button.setToolTip(tip)

    def _seed_edited(self) -> None:
        if not self._rolling_seed:  # a seed set by hand is meant to be kept
            self.seed_lock.setChecked(True)

    def _press(self, signal: SignalInstance) -> None:
        if not self.seed_locked:
            self.roll_seed()
        try:
            request = self.request()
        except InvalidInput:  # the buttons are disabled then; a stray press does nothing
            return
        signal.emit(request)


def _spin(name: str, low: int, high: int, value: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox(objectName=name, toolTip=tip, suffix=suffix)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _double(
    name: str, low: float, high: float, value: float, step: float, tip: str
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(objectName=name, toolTip=tip, decimals=2, singleStep=step)
    spin.setRange(low, high)
    spin.setValue(value)
    return spin


def _row_layout(*widgets: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)
    return layout


def _row(*widgets: QWidget) -> QWidget:
    row = QWidget()
    row.setLayout(_row_layout(*widgets))
    return row
