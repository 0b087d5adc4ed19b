"""The window's colours: a dark theme (the default, as in the design mockup) and a light one."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

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


def apply_theme(app: QApplication, name: str = "dark") -> None:
    """Set the palette (Fusion style) for ``name``: "dark" or "light"."""
    colours = LIGHT if name == "light" else DARK
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
