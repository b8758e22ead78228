"""What one process of a fleet writes, the others see at once: the shared cache is kept current.

Two ``HybridStorage`` instances stand for two processes (tests/fleet/test_workers.py runs real
ones): they share only the staging bucket, production and a real Redis or Memcached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile

from hybridmedia.purge import purger_for
from hybridmedia.storage import HybridStorage
from tests import s3
from tests.fleet.conftest import Requests, requests_for

Build = Callable[..., HybridStorage]
on_both_engines = pytest.mark.parametrize("shared_cache", ["redis", "memcached"], indirect=True)
PAGE = [f"homes/{number}.jpg" for number in range(100)]


def render(hybrid: HybridStorage, names: list[str]) -> list[tuple[str, int]]:
    """What a page of photos asks of the storage: a URL and a size per photo."""
    return [(hybrid.url(name), hybrid.size(name)) for name in names]


@pytest.fixture
def pair(fleet_hybrid: Build, shared_cache: str) -> tuple[HybridStorage, HybridStorage]:
    return fleet_hybrid(cache=shared_cache), fleet_hybrid(cache=shared_cache)


@on_both_engines
def test_a_page_one_worker_rendered_costs_the_next_worker_no_request(
    pair: tuple[HybridStorage, HybridStorage], production: s3.Bucket, s3_requests: Requests
) -> None:
    production.put_many(PAGE, b"jpeg")
    first, second = pair
    s3_requests.clear()
    page = render(first, PAGE)
    assert len(requests_for(s3_requests, production)) == 100  # a HEAD each
    s3_requests.clear()
    assert render(second, PAGE) == page
    assert s3_requests == []  # nothing to production, nothing to staging either


@on_both_engines
def test_a_delete_is_seen_by_the_other_worker_with_no_request(
    pair: tuple[HybridStorage, HybridStorage], production: s3.Bucket, s3_requests: Requests
) -> None:
    production.put("homes/1.jpg", b"production")
    first, second = pair
    assert first.exists("homes/1.jpg") and second.exists("homes/1.jpg")
    first.delete("homes/1.jpg")
    s3_requests.clear()
    assert not second.exists("homes/1.jpg")
    assert s3_requests == []
    second.save("homes/1.jpg", ContentFile(b"staging"))
    s3_requests.clear()
    assert first.exists("homes/1.jpg") and first.origin("homes/1.jpg").name == "staging"
    assert s3_requests == []


@on_both_engines
def test_saves_restores_and_copy_ups_are_seen_at_once(
    pair: tuple[HybridStorage, HybridStorage], production: s3.Bucket, s3_requests: Requests
) -> None:
    production.put("docs/a.pdf", b"production")
    first, second = pair
    assert not second.exists("uploads/new.pdf") and second.origin("docs/a.pdf").name == "production"
    first.save("uploads/new.pdf", ContentFile(b"new"))
    with first.open("docs/a.pdf", "r+b"):  # copied up into staging
        pass
    s3_requests.clear()
    assert second.exists("uploads/new.pdf")
    assert second.origin("docs/a.pdf").name == "staging"
    assert s3_requests == []
    first.delete("docs/a.pdf")
    first.delete("docs/a.pdf")  # the staging copy, then the production one (a whiteout)
    assert not second.exists("docs/a.pdf")
    first.restore("docs/a.pdf")
    s3_requests.clear()
    assert second.origin("docs/a.pdf").name == "production"
    assert s3_requests == []


@on_both_engines
def test_a_purge_is_seen_at_once(
    pair: tuple[HybridStorage, HybridStorage], production: s3.Bucket, s3_requests: Requests
) -> None:
    production.put("homes/1.jpg", b"production")
    first, second = pair
    first.save("homes/2.jpg", ContentFile(b"staging"))
    first.delete("homes/1.jpg")
    assert second.exists("homes/2.jpg") and not second.exists("homes/1.jpg")
    purger_for(first).purge()
    s3_requests.clear()
    assert second.exists("homes/1.jpg") and not second.exists("homes/2.jpg")
    assert s3_requests == []


def test_without_a_shared_cache_the_write_layer_is_asked_every_time(
    fleet_hybrid: Build, production: s3.Bucket, staging_bucket: s3.Bucket, s3_requests: Requests
) -> None:
    # Each process's own cache would go stale, so the write layer's answers are never cached there.
    production.put("homes/1.jpg", b"production")
    first, second = fleet_hybrid(), fleet_hybrid()
    assert second.exists("homes/1.jpg")
    first.delete("homes/1.jpg")
    s3_requests.clear()
    assert not second.exists("homes/1.jpg")
    assert [method for method, _url in requests_for(s3_requests, staging_bucket)] == ["HEAD", "HEAD"]
    assert requests_for(s3_requests, production) == []


@on_both_engines
@pytest.mark.every_s3_server  # s3rver ignores If-None-Match: there only the shared lock keeps names apart
def test_writers_of_one_name_take_turns(
    fleet_hybrid: Build, shared_cache: str, staging_bucket: s3.Bucket, settings: Any
) -> None:
    # Eight threads of two "processes" save the same name at once: every file keeps its own name.
    from concurrent.futures import ThreadPoolExecutor

    hybrids = [fleet_hybrid(cache=shared_cache) for _ in range(2)]

    def upload(number: int) -> str:
        return hybrids[number % 2].save("uploads/same.jpg", ContentFile(f"upload {number}".encode()))

    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(upload, range(16)))
    assert len(set(names)) == 16
    stored = {
        key: staging_bucket.client.get_object(Bucket=staging_bucket.name, Key=key)["Body"].read()
        for key in s3.s3_keys(staging_bucket.client, staging_bucket.name)
    }
    assert sorted(stored.values()) == sorted(f"upload {number}".encode() for number in range(16))


@pytest.mark.parametrize("shared_cache", ["locmem"], indirect=True)
def test_a_cache_other_processes_cannot_see_never_holds_the_write_layer(
    fleet_hybrid: Build, shared_cache: str, production: s3.Bucket, staging_bucket: s3.Bucket, s3_requests: Requests
) -> None:
    # A LocMemCache alias lives in one process: the write layer's answers there would go stale.
    production.put("homes/1.jpg", b"production")
    first, second = fleet_hybrid(cache=shared_cache), fleet_hybrid(cache=shared_cache)
    assert second.exists("homes/1.jpg")
    first.delete("homes/1.jpg")
    s3_requests.clear()
    assert not second.exists("homes/1.jpg")
    assert [method for method, _url in requests_for(s3_requests, staging_bucket)] == ["HEAD", "HEAD"]
