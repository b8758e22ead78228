"""Issue 14's page figure: the demo's page of production photos with production read over HTTP.

The HTTP layer (``HTTPStorage``) reads production from its public URL, here the S3 server's own
path-style URLs. Its requests do not go through botocore, so they are counted at its connection pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.test import Client

from benchmarks.lab import Lab, local_config, warm_up
from benchmarks.measure import Scenario, measure
from hybridmedia.storage.backends.http import ReadOnlyPoolManager


@contextmanager
def http_requests_counted() -> Iterator[list[int]]:
    """Count the requests every HTTP layer sends, in ``counted[0]``."""
    counted = [0]
    original = ReadOnlyPoolManager.urlopen

    def urlopen(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        counted[0] += 1
        return original(self, method, url, *args, **kwargs)

    ReadOnlyPoolManager.urlopen = urlopen  # type: ignore[method-assign]
    try:
        yield counted
    finally:
        ReadOnlyPoolManager.urlopen = original  # type: ignore[method-assign]


def http_hybrid_config(lab: Lab) -> dict[str, Any]:
    photos = lab.photos
    base_url = (
        f"{lab.endpoint_url}/{photos.bucket.name}/{photos.bucket.location + '/' if photos.bucket.location else ''}"
    )
    return {
        "BACKEND": "hybridmedia.storage.HybridStorage",
        "OPTIONS": {
            "layers": [
                {"name": "local", "storage": local_config(photos.local_root)},
                {
                    "name": "production",
                    "storage": {"BACKEND": "hybridmedia.storage.HTTPStorage", "OPTIONS": {"base_url": base_url}},
                },
            ]
        },
    }


def http_page_scenario(lab: Lab) -> list[Scenario]:
    """The demo's page of production photos: production over S3 (the floor) and over HTTP, cold and warm."""
    from benchmarks.scenarios import default_storage_is, homes_with_photos, render_page

    photos, rounds, n = lab.photos, lab.sizes.rounds, lab.sizes.photos
    scenario = Scenario("http-page", f"the demo's page of {n} production photos, production read over HTTP")
    client = Client()
    with homes_with_photos(photos.production[:n]), http_requests_counted() as counted:

        def counter() -> int:
            return lab.counter() + counted[0]

        with default_storage_is(photos.hybrid_config()) as storage:
            warm_up(storage)
            render_page(client, n)
            requests, seconds = measure(counter, lambda _: render_page(client, n), rounds=rounds)
        scenario.add("HybridStorage over S3, warm", 1, requests, seconds, role="floor")
        cold_requests, cold_seconds = 0, float("inf")
        for _ in range(rounds):
            with default_storage_is(http_hybrid_config(lab)):
                cold_requests, seconds = measure(counter, lambda _: render_page(client, n))
            cold_seconds = min(cold_seconds, seconds)
        scenario.add(
            "HybridStorage over HTTP, cold",
            1,
            cold_requests,
            cold_seconds,
            role="cold",
            note="a fresh HybridStorage per render",
        )
        with default_storage_is(http_hybrid_config(lab)):
            render_page(client, n)
            requests, seconds = measure(counter, lambda _: render_page(client, n), rounds=rounds)
        scenario.add("HybridStorage over HTTP, warm", 1, requests, seconds, role="warm")
    return [scenario]
