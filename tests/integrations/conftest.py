"""Fixtures for the library tests: the hybrid as ``STORAGES["default"]``, as a project configures it.

The top layer is a ``FileSystemStorage`` in a temporary directory, production a fresh S3 bucket;
``production_is_untouched`` (tests/conftest.py) proves after each test that the bucket was not modified.
Helpers are in ``helpers.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests.commands.helpers import hybrid_storages
from tests.s3 import Bucket


@pytest.fixture
def local(local_config: dict[str, Any]) -> Path:
    """The top layer's directory."""
    return Path(local_config["OPTIONS"]["location"])


@pytest.fixture
def media(settings: Any, local_config: dict[str, Any], production: Bucket, local: Path) -> HybridStorage:
    """The hybrid as ``STORAGES["default"]`` (every library finds it there), with fresh library caches."""
    settings.STORAGES = hybrid_storages(local_config, production.config())
    settings.MEDIA_ROOT = str(local)
    # The libraries keep what they know about files in the default cache: start each test empty.
    caches["default"].clear()
    return get_hybrid_storage()
