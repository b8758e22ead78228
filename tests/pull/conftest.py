"""Fixtures for the pull tests: a hybrid "default" of a local write layer, a cache layer and production."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests.pull.helpers import cache_storages
from tests.s3 import Bucket


@pytest.fixture
def pulled(tmp_path: Path) -> Path:
    """The cache layer's directory."""
    location = tmp_path / "pulled"
    location.mkdir()
    return location


@pytest.fixture
def local(local_config: dict[str, Any]) -> Path:
    """The write layer's directory."""
    return Path(local_config["OPTIONS"]["location"])


@pytest.fixture
def storage(settings: Any, local: Path, pulled: Path, production: Bucket) -> HybridStorage:
    """``STORAGES["default"]``: local over pulled (the cache layer) over production."""
    settings.STORAGES = cache_storages(local, pulled, production.config())
    return get_hybrid_storage()
