"""A cache layer that is itself a bucket (a team's shared pull): no renames, one upload per copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests.commands.helpers import run
from tests.pull.helpers import cache_storages
from tests.s3 import Bucket, s3_keys

pytestmark = pytest.mark.every_s3_server


@pytest.fixture
def bucket_cache(settings: Any, local: Path, production: Bucket, staging_bucket: Bucket) -> HybridStorage:
    storages = cache_storages(local, local.parent / "unused", production.config())
    storages["pulled"] = staging_bucket.config()
    settings.STORAGES = storages
    return get_hybrid_storage()


def test_pulls_into_a_bucket_and_the_model_reads_its_records(
    bucket_cache: HybridStorage, production: Bucket, staging_bucket: Bucket, s3_admin: Any
) -> None:
    production.put("homes/1.jpg", b"house one")
    production.put("homes/2.jpg", b"house two")
    assert json.loads(run("media_pull", "--json")[0])["pulled"] == 2
    keys = s3_keys(s3_admin, staging_bucket.name)
    assert sorted(keys) == [
        ".hybridmedia-pulled/homes/.pulled.1.jpg.json",
        ".hybridmedia-pulled/homes/.pulled.2.jpg.json",
        "homes/1.jpg",
        "homes/2.jpg",
    ]
    assert staging_bucket.get("homes/2.jpg") == b"house two"
    where = bucket_cache.whereabouts("homes/1.jpg")
    assert (where.origin.name if where.origin else None, where.pulled_from, where.stale) == (
        "pulled",
        "production",
        False,
    )
    assert bucket_cache.listdir("") == (["homes"], [])
    production.put("homes/1.jpg", b"house one, renovated")
    assert json.loads(run("media_pull", "--refresh", "--json")[0])["pulled"] == 1
    assert staging_bucket.get("homes/1.jpg") == b"house one, renovated"
    out, _err = run("purge_local_media", "--pulled", "--noinput")
    assert out == "Deleted 2 pulled copies from the cache layer 'pulled', freed 29 bytes.\n"
    assert s3_keys(s3_admin, staging_bucket.name) == {}
