"""Helpers the library tests share: a real JPEG, and what the top layer holds."""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image

from hybridmedia.storage.names import WHITEOUT_DIR


def jpeg(width: int = 120, height: int = 90, color: str = "steelblue") -> bytes:
    """A real JPEG, so every library's image engine can decode and resize it."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "JPEG")
    return buffer.getvalue()


def top_files(local: Path) -> set[str]:
    """Every file of the top layer, whiteout markers left out, as storage names."""
    return {
        Path(root, base).relative_to(local).as_posix()
        for root, directories, files in os.walk(local)
        for base in files
        if not Path(root, base).relative_to(local).as_posix().startswith(WHITEOUT_DIR + "/")
    }


def stamp(local: Path, name: str) -> tuple[int, int]:
    """The top layer file's inode and modification time: a file rewritten or replaced changes it."""
    stat = (local / name).stat()
    return stat.st_ino, stat.st_mtime_ns


def gets(requests: list[tuple[str, str]]) -> list[str]:
    """The URLs of the GET requests among what botocore sent (a GET reads an object's bytes)."""
    return [url for method, url in requests if method == "GET"]
