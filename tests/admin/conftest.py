"""Fixtures for the admin tests: the hybrid configured as ``STORAGES["default"]``, where the admin finds it."""

from __future__ import annotations

from typing import Any

import pytest

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.admin.helpers import hybrid_storages


@pytest.fixture
def media(settings: Any, local_config: dict[str, Any], production: s3.Bucket) -> HybridStorage:
    """The configured default hybrid: a temp-dir ``local`` layer over the ``production`` bucket."""
    settings.STORAGES = hybrid_storages(local_config, production)
    return get_hybrid_storage()
