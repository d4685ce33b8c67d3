"""Build the app's icon files from resources/sfjwt-gui.svg.

    python packaging/icons.py [--out DIR]

Renders the SVG with Qt (offscreen) into PNGs of the usual sizes, then packs
PNG copies into a Windows .ico and a macOS .icns. The results live in
resources/icons/ in the repository, so building the app needs neither Qt's SVG
module nor this script; run it again after changing the SVG (a test compares
the recorded SVG checksum with the SVG).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG_FILE = ROOT / "resources" / "sfjwt-gui.svg"
ICON_DIR = ROOT / "resources" / "icons"
BASE_NAME = "sfjwt-gui"

# The PNGs kept as files: what Linux icon themes, Qt and the window use.
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# An ICO entry holds at most 256 pixels a side (a width byte of 0 means 256).
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# The PNG-based ICNS element types and the pixel size each holds.
ICNS_TYPES = (
    ("icp4", 16),
    ("icp5", 32),
    ("icp6", 64),
    ("ic07", 128),
    ("ic08", 256),
    ("ic09", 512),
    ("ic10", 1024),
    ("ic11", 32),
    ("ic12", 64),
    ("ic13", 256),
    ("ic14", 512),
)
CHECKSUM_FILE = "source.sha256"


def png_name(size: int) -> str:
    """The file name of the PNG icon of one size."""
    return f"{BASE_NAME}-{size}.png"


def svg_checksum(svg: Path = SVG_FILE) -> str:
    """The line recorded beside the icons: the SVG's SHA-256, as sha256sum prints it."""
    digest = hashlib.sha256(svg.read_bytes()).hexdigest()
    return f"{digest}  {svg.name}\n"


def render_pngs(svg: Path, sizes: Iterable[int]) -> dict[int, bytes]:
    """The SVG drawn at each size, as PNG file contents."""
    # Qt is imported here so the packing helpers below work without it.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not an SVG Qt can draw")

    pngs: dict[int, bytes] = {}
    for size in sorted(set(sizes)):
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()

        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 takes the format as str at run time; its stubs say bytes.
        if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
            raise SystemExit(f"Qt could not encode the {size} px icon as PNG")
        buffer.close()
        pngs[size] = bytes(data.data())
    return pngs


def ico_bytes(pngs: Mapping[int, bytes]) -> bytes:
    """A Windows .ico holding each PNG as it is (Windows Vista and later read these)."""
    sizes = sorted(pngs)
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)

    entries = b""
    images = b""
    for size in sizes:
        png = pngs[size]
        side = 0 if size == 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        images += png
        offset += len(png)
    return header + entries + images


def icns_bytes(elements: Iterable[tuple[str, bytes]]) -> bytes:
    """A macOS .icns of (element type, PNG contents) pairs."""
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", len(png) + 8) + png
        for kind, png in elements
    )
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def build_icons(svg: Path, out_dir: Path) -> list[Path]:
    """Write every icon file (PNGs, .ico, .icns, checksum) into out_dir."""
    needed = set(PNG_SIZES) | set(ICO_SIZES) | {size for _, size in ICNS_TYPES}
    pngs = render_pngs(svg, needed)
    out_dir.mkdir(parents=True, exist_ok=True)

    written: list[Path] = []
    for size in PNG_SIZES:
        written.append(_write(out_dir / png_name(size), pngs[size]))
    ico = ico_bytes({size: pngs[size] for size in ICO_SIZES})
    written.append(_write(out_dir / f"{BASE_NAME}.ico", ico))
    icns = icns_bytes((kind, pngs[size]) for kind, size in ICNS_TYPES)
    written.append(_write(out_dir / f"{BASE_NAME}.icns", icns))
    checksum = svg_checksum(svg).encode("ascii")
    written.append(_write(out_dir / CHECKSUM_FILE, checksum))
    return written


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--svg", type=Path, default=SVG_FILE, help="the source SVG")
    parser.add_argument(
        "--out", type=Path, default=ICON_DIR, help="folder for the icon files"
    )
    options = parser.parse_args(argv)

    for path in build_icons(options.svg, options.out):
        print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
