"""Home photos drawn with Pillow, so the demo ships no binary files and needs no network."""

from __future__ import annotations

import functools
import io
import random
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont


@dataclass(frozen=True)
class DemoHome:
    """One seeded listing: its row in the database and its photo in the production bucket."""

    name: str
    city: str
    key: str
    size: tuple[int, int]
    wall: str
    roof: str
    sky: str

    @property
    def format(self) -> str:
        return "PNG" if self.key.endswith(".png") else "JPEG"


@functools.cache  # Deterministic and immutable: each start (and each test) draws every photo once.
def render_photo(home: DemoHome, *, banner: str = "") -> bytes:
    """Draw a house in the home's colours; ``banner`` marks a locally edited copy."""
    width, height = home.size
    # Seeded by the key: the same home always gets the same picture, so re-seeding changes nothing.
    rng = random.Random(home.key)
    image = Image.new("RGB", home.size, home.sky)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.62, 0.72))
    sky_rgb = Image.new("RGB", (1, 1), home.sky).getpixel((0, 0))
    for y in range(horizon):  # A vertical gradient reads as sky better than a flat fill.
        fade = y / horizon
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(channel + (255 - channel) * fade * 0.6) for channel in sky_rgb),  # type: ignore[union-attr]
        )
    sun = rng.randint(int(width * 0.65), int(width * 0.85)), int(height * 0.18)
    radius = int(min(width, height) * 0.07)
    draw.ellipse([sun[0] - radius, sun[1] - radius, sun[0] + radius, sun[1] + radius], fill="#ffe680")
    draw.rectangle([0, horizon, width, height], fill="#5d9b4a")

    house_w = int(width * rng.uniform(0.36, 0.5))
    house_h = int(height * rng.uniform(0.26, 0.34))
    left = int(width * rng.uniform(0.08, 0.2))
    bottom = horizon + int(height * 0.06)
    top = bottom - house_h
    draw.rectangle([left, top, left + house_w, bottom], fill=home.wall, outline="#3b3b3b", width=2)
    overhang = int(house_w * 0.08)
    draw.polygon(
        [
            (left - overhang, top),
            (left + house_w // 2, top - int(house_h * 0.7)),
            (left + house_w + overhang, top),
        ],
        fill=home.roof,
        outline="#3b3b3b",
    )
    door_w, door_h = house_w // 6, int(house_h * 0.55)
    door_x = left + house_w // 2 - door_w // 2
    draw.rectangle([door_x, bottom - door_h, door_x + door_w, bottom], fill="#6b3f1d")
    window = house_w // 6
    for wx in (left + house_w // 8, left + house_w - house_w // 8 - window):
        wy = top + house_h // 5
        draw.rectangle([wx, wy, wx + window, wy + window], fill="#cde8f6", outline="#ffffff", width=3)

    font = ImageFont.load_default(size=max(14, height // 22))
    draw.text((16, height - height // 10), f"{home.name} · {home.city}", fill="#ffffff", font=font)
    if banner:
        draw.rectangle([0, 0, width, height // 9], fill="#d9480f")
        draw.text((16, height // 40), banner, fill="#ffffff", font=font)

    buffer = io.BytesIO()
    image.save(buffer, format=home.format, quality=85)
    return buffer.getvalue()
