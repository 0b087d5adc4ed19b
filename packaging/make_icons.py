"""Render the application icon into resources/icons/ as a freedesktop hicolor tree.

The drawings are packaging/icons/motif-studio.svg (48 px and up) and motif-studio-small.svg
(16–32 px, fewer and thicker shapes so they stay readable). The result ships in the wheel as
package data (``studio.resources``), where the window and ``studio install-desktop`` read it.
Run after changing a drawing: ``.venv/bin/python packaging/make_icons.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from studio.core.resources import APP_ID

SMALL_SIZES = (16, 24, 32)
LARGE_SIZES = (48, 64, 128, 256, 512)
HERE = Path(__file__).resolve().parent
HICOLOR = HERE.parent / "resources" / "icons" / "hicolor"


def render(svg: Path, size: int, out: Path) -> None:
    """Draw ``svg`` into a transparent ``size``×``size`` PNG at ``out``."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"not a valid SVG: {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"could not write {out}")


def main() -> None:
    """Write every PNG size and the scalable SVG."""
    _app = QGuiApplication([])
    for size in SMALL_SIZES + LARGE_SIZES:
        drawing = "motif-studio-small.svg" if size in SMALL_SIZES else "motif-studio.svg"
        render(
            HERE / "icons" / drawing, size, HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        )
    scalable = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(HERE / "icons" / "motif-studio.svg", scalable)
    print(f"wrote {len(SMALL_SIZES + LARGE_SIZES)} PNGs and the SVG under {HICOLOR}")


if __name__ == "__main__":
    main()
