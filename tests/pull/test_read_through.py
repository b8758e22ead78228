"""``pull_on_read``: a file opened from production through the hybrid is copied into the cache layer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from hybridmedia import get_hybrid_storage
from hybridmedia.storage import HybridStorage
from tests.pull.helpers import CACHE_LAYER, cache_storages, object_gets, pulled_files
from tests.s3 import Bucket

pytestmark = pytest.mark.every_s3_server


@pytest.fixture
def reading(settings: Any, local: Path, pulled: Path, production: Bucket) -> HybridStorage:
    """local over a cache layer that pulls on read (up to 100 bytes, no videos) over production."""
    settings.STORAGES = cache_storages(local, pulled, production.config())
    layers = settings.STORAGES["default"]["OPTIONS"]["layers"]
    layers[1] = {**CACHE_LAYER, "pull_on_read": {"max_size": 100, "exclude": ["*.mp4"]}}
    return get_hybrid_storage()


def test_the_first_read_copies_the_file_and_the_next_is_local(
    reading: HybridStorage, production: Bucket, pulled: Path, s3_requests: list[tuple[str, str]]
) -> None:
    production.put("homes/1.jpg", b"house one")
    with reading.open("homes/1.jpg") as file:
        assert file.read() == b"house one"
    assert object_gets(s3_requests, production.name) == ["homes/1.jpg"]  # the bytes were fetched once
    assert pulled_files(pulled) == {"homes/1.jpg": b"house one"}
    where = reading.whereabouts("homes/1.jpg")
    assert (where.origin.name if where.origin else None, where.pulled_from, where.stale) == (
        "pulled",
        "production",
        False,
    )
    s3_requests.clear()
    with reading.open("homes/1.jpg") as file:
        assert file.read() == b"house one"
    assert reading.url("homes/1.jpg") == "/pulled-media/homes/1.jpg"
    assert s3_requests == []


def test_large_and_excluded_files_are_only_read(reading: HybridStorage, production: Bucket, pulled: Path) -> None:
    production.put("homes/big.jpg", b"x" * 101)
    production.put("homes/tour.mp4", b"video")
    assert reading.open("homes/big.jpg").read() == b"x" * 101
    assert reading.open("homes/tour.mp4").read() == b"video"
    assert pulled_files(pulled) == {}


@pytest.mark.parametrize(
    "option",
    [{"max_size": "big"}, {"exclude": "*.mp4"}, {"other": 1}, "yes", {"max_size": -1}],
)
def test_a_bad_pull_on_read_is_a_configuration_error(option: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match="pull_on_read") as error:
        HybridStorage(layers=["local", {**CACHE_LAYER, "pull_on_read": option}, "production"])
    assert getattr(error.value, "check_id", None) == "hybridmedia.E016"


def test_pull_on_read_needs_the_cache_role() -> None:
    with pytest.raises(ImproperlyConfigured, match="no role 'cache'"):
        HybridStorage(layers=["local", {"name": "p", "storage": "pulled", "pull_on_read": True}, "production"])
