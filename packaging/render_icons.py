"""Render the application icon (ui/icons/infusion-monitor.svg) to the files desktops want.

    python packaging/render_icons.py OUT_DIR [--sizes 16,32,48,64,128,256]

Writes infusion-monitor-SIZE.png for each size, infusion-monitor.ico (Windows: the bundle's
executable) and infusion-monitor.icns (macOS), using Qt's own SVG renderer and image writers,
so nothing beyond the project's dependencies is needed. Used by `make install-desktop` and
`make bundle`; the PNGs are also how the icon is checked by eye at 48 and 256 px.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

SVG = Path(__file__).resolve().parents[1] / "ui" / "icons" / "infusion-monitor.svg"
NAME = "infusion-monitor"


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sizes", default="16,24,32,48,64,128,256")
    args = parser.parse_args(argv)
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (images need it)
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"render_icons: cannot read {SVG}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        render(renderer, size).save(str(args.out / f"{NAME}-{size}.png"))
    render(renderer, 256).save(str(args.out / f"{NAME}.ico"))
    render(renderer, 512).save(str(args.out / f"{NAME}.icns"))
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
