"""Fixtures for the command tests: the hybrid configured as ``STORAGES["default"]``, where the commands find it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests.commands.helpers import hybrid_storages
from tests.s3 import Bucket


@pytest.fixture
def storage(settings: Any, local_config: dict[str, Any], production: Bucket) -> HybridStorage:
    settings.STORAGES = hybrid_storages(local_config, production.config())
    return get_hybrid_storage()


@pytest.fixture
def local(local_config: dict[str, Any]) -> Path:
    """The top layer's directory."""
    return Path(local_config["OPTIONS"]["location"])
