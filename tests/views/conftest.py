"""Fixtures for the media view: the hybrid as ``STORAGES["default"]``, routed by ``tests.views.urls``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests import s3

# The live server shares the in-memory SQLite connection with its threads: one request at a time,
# as the admin's browser test explains (importing it installs its server class).
from tests.admin.test_real_browser import SerialWSGIServer  # noqa: F401

HYBRID = "hybridmedia.storage.HybridStorage"
STATICFILES = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def storages(local_config: dict[str, Any], production: s3.Bucket, serve: str | None = None, **options: Any) -> Any:
    """``STORAGES`` with ``default`` = a hybrid of ``local`` over ``production`` (with ``serve`` if given)."""
    layer: dict[str, Any] = {"name": "production", "storage": "production"}
    if serve is not None:
        layer["serve"] = serve
    return {
        "default": {"BACKEND": HYBRID, "OPTIONS": {"layers": ["local", layer], **options}},
        "local": local_config,
        "production": production.config(),
        "staticfiles": STATICFILES,
    }


@pytest.fixture
def serve() -> str | None:
    """The production layer's ``serve`` option; ``None`` lets the view choose (a redirect, for moto's public URLs)."""
    return None


@pytest.fixture
def media(settings: Any, local_config: dict[str, Any], production: s3.Bucket, serve: str | None) -> HybridStorage:
    settings.STORAGES = storages(local_config, production, serve)
    settings.ROOT_URLCONF = "tests.views.urls"
    return get_hybrid_storage()


@pytest.fixture
def local_root(local_config: dict[str, Any]) -> Path:
    return Path(local_config["OPTIONS"]["location"])


def image(size: tuple[int, int] = (40, 30), colour: tuple[int, int, int] = (52, 120, 190), kind: str = "PNG") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def save_local(media: HybridStorage, name: str, data: bytes) -> None:
    media.top.storage.save(name, ContentFile(data))


def body(response: Any) -> bytes:
    """The whole body of a (streaming or plain) test client response."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return bytes(response.content)


def three_layer_site(
    settings: Any, local_config: dict[str, Any], staging: s3.Bucket, production: s3.Bucket
) -> HybridStorage:
    """``local`` over a proxied ``staging`` bucket over a public (redirected) ``production`` bucket."""
    from demo_project.embedded_s3 import public_read_policy

    # Production is public, as behind a CDN: a browser can follow the redirect.
    production.client.put_bucket_policy(Bucket=production.name, Policy=json.dumps(public_read_policy(production.name)))
    settings.STORAGES = {
        "default": {
            "BACKEND": HYBRID,
            "OPTIONS": {"layers": ["local", {"name": "staging", "storage": "staging", "serve": "proxy"}, "production"]},
        },
        "local": local_config,
        "staging": staging.config(),
        "production": production.config(),
    }
    return get_hybrid_storage()
