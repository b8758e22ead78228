"""A staging fleet's hybrid: an S3 write layer (the staging bucket) over S3 production."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hybridmedia.storage import HybridStorage
from tests import s3

Requests = list[tuple[str, str]]


@pytest.fixture
def fleet_hybrid(staging_bucket: s3.Bucket, production: s3.Bucket) -> Callable[..., HybridStorage]:
    """Build one process's hybrid of the fleet; pass ``cache="shared"`` to share the origin cache."""

    def build(**options: Any) -> HybridStorage:
        return HybridStorage(
            layers=[
                {"name": "staging", "storage": staging_bucket.config()},
                {"name": "production", "storage": production.config()},
            ],
            **options,
        )

    return build


def requests_for(requests: Requests, bucket: s3.Bucket) -> Requests:
    """The requests of ``requests`` that went to ``bucket``."""
    return [(method, url) for method, url in requests if f"/{bucket.name}/" in url or url.endswith(f"/{bucket.name}")]
