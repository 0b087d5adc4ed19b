"""The window's colours: a dark theme (the default, as in the design mockup), a light one, and
"system", which follows the desktop's light/dark preference (Qt ≥ 6.5; dark when unknown).

``apply_theme`` can be called again at any time: Qt sends every widget a ``PaletteChange``, and
the widgets that paint themselves (the piano roll) take their colours from the new palette then.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("dark", "light", "system")
_THEME_PROPERTY = "studioTheme"  # the chosen name, kept on the application object
_HOOKED_PROPERTY = "studioThemeFollowsSystem"  # the desktop's changes are listened to

DARK = {
    "window": "#1d2026", "base": "#16181d", "alternate": "#20232a", "text": "#d7dae0",
    "button": "#272b33", "highlight": "#3d8bfd", "highlighted_text": "#ffffff",
    "mid": "#2c3038", "dark": "#111318", "disabled": "#6b7280",
}  # fmt: skip
LIGHT = {
    "window": "#f3f4f6", "base": "#ffffff", "alternate": "#eef0f3", "text": "#1f2328",
    "button": "#e5e7eb", "highlight": "#2563eb", "highlighted_text": "#ffffff",
    "mid": "#d1d5db", "dark": "#9ca3af", "disabled": "#9ca3af",
}  # fmt: skip
ACCENT_BUTTON = (
    "QPushButton#generateButton { background: %s; color: white; font-weight: bold;"
    " padding: 8px; border-radius: 4px; }"
    " QPushButton#generateButton:disabled { background: %s; color: #9ca3af; }"
)


def system_theme(app: QApplication) -> str:
    """The desktop's preference as "dark" or "light" ("dark" when the platform does not say)."""
    hints = app.styleHints()
    scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else Qt.ColorScheme.Unknown
    return "light" if scheme == Qt.ColorScheme.Light else "dark"


def chosen_theme(app: QApplication) -> str:
    """The theme name last given to ``apply_theme`` ("dark", "light" or "system")."""
    return app.property(_THEME_PROPERTY) or "dark"


def apply_theme(app: QApplication, name: str = "dark") -> str:
    """Set the palette (Fusion style) for ``name`` ("dark", "light" or "system"; anything else
    is dark) and return the colours used, "dark" or "light". Under "system", a change of the
    desktop's preference is followed while the app runs."""
    name = name if name in THEMES else "dark"
    if not app.property(_HOOKED_PROPERTY) and hasattr(app.styleHints(), "colorSchemeChanged"):
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_system(app))
        app.setProperty(_HOOKED_PROPERTY, True)
    app.setProperty(_THEME_PROPERTY, name)
    resolved = system_theme(app) if name == "system" else name
    _set_palette(app, LIGHT if resolved == "light" else DARK)
    return resolved


def _follow_system(app: QApplication) -> None:
    if chosen_theme(app) == "system":
        apply_theme(app, "system")


def _set_palette(app: QApplication, colours: dict[str, str]) -> None:
    if app.style().name().lower() != "fusion":  # setStyle again would repolish every widget
        app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "window", QPalette.ColorRole.Base: "base",
        QPalette.ColorRole.AlternateBase: "alternate", QPalette.ColorRole.Text: "text",
        QPalette.ColorRole.WindowText: "text", QPalette.ColorRole.ButtonText: "text",
        QPalette.ColorRole.Button: "button", QPalette.ColorRole.Highlight: "highlight",
        QPalette.ColorRole.HighlightedText: "highlighted_text", QPalette.ColorRole.Mid: "mid",
        QPalette.ColorRole.Dark: "dark", QPalette.ColorRole.ToolTipBase: "base",
        QPalette.ColorRole.ToolTipText: "text", QPalette.ColorRole.PlaceholderText: "disabled",
    }  # fmt: skip
    for role, key in roles.items():
        palette.setColor(role, QColor(colours[key]))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):  # fmt: skip
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colours["disabled"]))
    app.setPalette(palette)
    app.setStyleSheet(ACCENT_BUTTON % (colours["highlight"], colours["mid"]))
