"""Generated placeholder images: what the media view answers for a missing or unreachable image.

A placeholder shows the name and the reason. It is a PNG of the size the name asks for (a thumbnail's
``photo_200x150.jpg``) when Pillow is installed, otherwise an SVG (of that size, or 320×240).
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import re
from dataclasses import dataclass

from django.utils.html import escape

#: A ``WxH`` token in a file's base name, between separators: ``photo_200x150.jpg``, ``photo-200x150.png``,
#: ``photo.jpg.200x150_q85_crop.jpg`` (easy-thumbnails), ``photo.200x150.webp``. The last one wins.
SIZE_IN_NAME = re.compile(r"(?:^|[_.\-])(\d{1,5})x(\d{1,5})(?=$|[_.\-])")
DEFAULT_SIZE = (320, 240)
#: Larger PNGs are not drawn (an SVG of that size costs a few hundred bytes); nor are zero sizes.
MAX_PNG_SIDE = 2000
MAX_SVG_SIDE = 10_000
#: Characters XML 1.0 forbids even when escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
BACKGROUND = (229, 231, 235)
LINES = (203, 213, 225)
INK = (51, 65, 85)


@dataclass(frozen=True)
class Placeholder:
    content: bytes
    content_type: str


def is_image_name(name: str) -> bool:
    """Return whether ``name`` looks like an image: the only names that get a placeholder."""
    content_type, _ = mimetypes.guess_type(name, strict=False)
    return bool(content_type and content_type.startswith("image/"))


def size_in_name(name: str) -> tuple[int, int] | None:
    """Return the ``(width, height)`` a name asks for (``photo_200x150.jpg``), or ``None``."""
    found = SIZE_IN_NAME.findall(posixpath.basename(name))
    if not found:
        return None
    width, height = (int(value) for value in found[-1])
    if not (0 < width <= MAX_SVG_SIDE and 0 < height <= MAX_SVG_SIDE):
        return None
    return width, height


def placeholder(name: str, reason: str) -> Placeholder:
    """Return a placeholder image for ``name`` that says ``reason``."""
    size = size_in_name(name)
    if size is not None and max(size) <= MAX_PNG_SIDE:
        png = _png(name, reason, size)
        if png is not None:
            return Placeholder(png, "image/png")
    return Placeholder(_svg(name, reason, size or DEFAULT_SIZE), "image/svg+xml")


def _font_size(width: int, height: int) -> int:
    return max(8, min(width // 18, height // 8, 24))


def _shorten(text: str, width: int, font_size: int) -> str:
    """Keep the end of ``text`` (the file's own name) when it is too long for the width."""
    fits = max(4, int(width / (font_size * 0.6)))
    return text if len(text) <= fits else "…" + text[-(fits - 1) :]


def _svg(name: str, reason: str, size: tuple[int, int]) -> bytes:
    width, height = size
    font_size = _font_size(width, height)

    def text(value: str) -> str:
        # Escaped: a name is attacker-controlled (a link to /media/<script>.svg), and SVG is XML.
        return escape(_NOT_XML.sub("\ufffd", value))

    label = text(f"{name}: {reason}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"<title>{label}</title>"
        f'<rect width="{width}" height="{height}" fill="rgb{BACKGROUND}"/>'
        f'<path d="M0 0L{width} {height}M{width} 0L0 {height}" stroke="rgb{LINES}" stroke-width="2"/>'
        f'<g font-family="sans-serif" font-size="{font_size}" fill="rgb{INK}" text-anchor="middle">'
        f'<text x="{width / 2:g}" y="{height / 2 - font_size * 0.3:g}">{text(_shorten(name, width, font_size))}'
        f'</text><text x="{width / 2:g}" y="{height / 2 + font_size * 1.1:g}">'
        f"{text(_shorten(reason, width, font_size))}</text>"
        f"</g></svg>"
    ).encode()


def _png(name: str, reason: str, size: tuple[int, int]) -> bytes | None:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # Pillow is optional: the caller falls back to SVG.
        return None
    width, height = size
    image = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.line([(0, 0), (width, height)], fill=LINES, width=2)
    draw.line([(width, 0), (0, height)], fill=LINES, width=2)
    font_size = _font_size(width, height)
    try:
        font: ImageFont.ImageFont | ImageFont.FreeTypeFont = ImageFont.load_default(size=font_size)
    except (TypeError, OSError):  # Pillow before 10.1, or without FreeType
        font = ImageFont.load_default()
    try:
        for line, y in ((name, height / 2 - font_size * 0.9), (reason, height / 2 + 2)):
            line = _shorten(line, width, font_size)
            left, _, right, _ = draw.textbbox((0, 0), line, font=font)
            draw.text(((width - (right - left)) / 2, y), line, fill=INK, font=font)
    except UnicodeError:  # the bitmap fallback font draws Latin-1 only: an SVG shows any name
        return None
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
