"""The origin cache shared through Django's CACHES, on a real Redis and a real Memcached.

Two ``HybridStorage`` instances stand for two processes: what one asked production, the other
knows without a request. A cache that is down costs requests, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest

from hybridmedia.storage import HybridStorage
from tests import s3, services

Requests = list[tuple[str, str]]


# Each engine: Redis and Memcached are real servers on 127.0.0.1, beside the in-process cache.
on_every_engine = pytest.mark.parametrize("shared_cache", ["redis", "memcached", "locmem"], indirect=True)


def two_processes(local_config: dict[str, Any], production: s3.Bucket, cache: str) -> Callable[[], HybridStorage]:
    def process() -> HybridStorage:
        return HybridStorage(
            layers=[{"name": "local", "storage": local_config}, {"name": "production", "storage": production.config()}],
            cache=cache,
        )

    return process


@on_every_engine
def test_what_one_process_asked_the_other_knows(
    shared_cache: str, local_config: dict[str, Any], production: s3.Bucket, s3_requests: Requests
) -> None:
    production.put("homes/1.jpg", b"one")
    process = two_processes(local_config, production, shared_cache)
    first, second = process(), process()
    s3_requests.clear()
    assert first.exists("homes/1.jpg") and first.size("homes/1.jpg") == 3
    assert [method for method, _url in s3_requests] == ["HEAD"]
    s3_requests.clear()
    assert second.exists("homes/1.jpg") and second.size("homes/1.jpg") == 3
    assert second.origin("homes/1.jpg").name == "production"
    assert s3_requests == []


@on_every_engine
def test_any_valid_name_is_a_valid_key(
    shared_cache: str, local_config: dict[str, Any], production: s3.Bucket, s3_requests: Requests
) -> None:
    # Memcached refuses keys over 250 bytes or with spaces and control characters: keys are hashed.
    names = ["a b/ä ö.jpg", "x" * 1000, "tab-free but spaced name.jpg", "日本/写真.jpg"]
    for name in names:
        production.put(name, b"x")
    process = two_processes(local_config, production, shared_cache)
    first, second = process(), process()
    assert all(first.exists(name) for name in names)
    s3_requests.clear()
    assert all(second.exists(name) for name in names)
    assert s3_requests == []


@pytest.mark.parametrize("engine", ["redis", "memcached"])
def test_a_cache_that_is_down_costs_requests_not_errors(
    engine: str,
    settings: Any,
    local_config: dict[str, Any],
    production: s3.Bucket,
    s3_requests: Requests,
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = services.free_port()  # nothing listens there
    settings.CACHES = {**settings.CACHES, "down": services.cache_config(engine, closed)}
    production.put("homes/1.jpg", b"one")
    hybrid = two_processes(local_config, production, "down")()
    caplog.set_level(logging.WARNING, logger="hybridmedia")
    s3_requests.clear()
    for _ in range(3):
        assert hybrid.exists("homes/1.jpg") and hybrid.size("homes/1.jpg") == 3
    assert [method for method, _url in s3_requests] == ["HEAD"] * 6  # asked every time, answered right
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and warnings[0].startswith("The origin cache cannot be reached")
