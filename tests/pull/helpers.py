"""What the pull tests share: the ``STORAGES`` of a hybrid with a cache layer, and the pulled files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hybridmedia.storage.names import PULLED_DIR
from tests.settings import STORAGES as BASE_STORAGES

CACHE_LAYER = {"name": "pulled", "storage": "pulled", "role": "cache"}


def filesystem(location: Path | str, base_url: str) -> dict[str, Any]:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "base_url": base_url},
    }


def cache_storages(local: Path | str, pulled: Path | str, production: dict[str, Any]) -> dict[str, Any]:
    """Return ``STORAGES`` with a hybrid "default": "local" over the cache layer "pulled" over "production"."""
    return {
        **BASE_STORAGES,
        "default": {
            "BACKEND": "hybridmedia.storage.HybridStorage",
            "OPTIONS": {"layers": ["local", CACHE_LAYER, "production"]},
        },
        "local": filesystem(local, "/media/"),
        "pulled": filesystem(pulled, "/pulled-media/"),
        "production": production,
    }


def pulled_files(pulled: Path) -> dict[str, bytes]:
    """Every file of the cache layer outside its reserved directory, by name."""
    found = {}
    for directory, directories, files in os.walk(pulled):
        if Path(directory) == pulled and PULLED_DIR in directories:
            directories.remove(PULLED_DIR)
        for file in files:
            path = Path(directory, file)
            found[path.relative_to(pulled).as_posix()] = path.read_bytes()
    return found


def object_gets(requests: list[tuple[str, str]], bucket: str) -> list[str]:
    """The object downloads among botocore's requests (listings are GETs too, with a query string)."""
    return [url.split(f"/{bucket}/", 1)[1] for method, url in requests if method == "GET" and "?" not in url]
