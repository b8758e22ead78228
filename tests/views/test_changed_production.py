"""A proxied production file replaced since the origin cache saw it: served as it is now, never half-described.

The view's headers come from the cached probe; a file that has another size or ETag when opened is
asked again before a byte is sent, so the Content-Length always matches the body.
"""

from __future__ import annotations

import hashlib
import os
import time
from typing import Any

import pytest
from django.test import Client
from django.utils.http import http_date

from hybridmedia.storage import HybridStorage
from tests import s3, services
from tests.views.conftest import body

proxied = pytest.mark.parametrize("serve", ["proxy"])


def methods(requests: list[Any]) -> list[str]:
    return [method for method, _ in requests]


@proxied
@pytest.mark.parametrize("new_size", [3000, 400, 1000], ids=["larger", "smaller", "same-size"])
def test_a_replaced_file_is_served_as_it_is_now(
    media: HybridStorage, production: s3.Bucket, client: Client, s3_requests: list[Any], new_size: int
) -> None:
    production.put("photos/1.jpg", os.urandom(1000))
    assert body(client.get("/media/photos/1.jpg")) == production.get("photos/1.jpg")  # the probe is cached
    replacement = os.urandom(new_size)
    production.put("photos/1.jpg", replacement)  # another process, behind this hybrid's back
    s3_requests.clear()

    response = client.get("/media/photos/1.jpg")
    assert response.status_code == 200
    assert response["Content-Length"] == str(new_size)
    assert response["ETag"] == f'"{hashlib.md5(replacement).hexdigest()}"'
    assert body(response) == replacement
    # The first GET told the file had changed: what it said is remembered, a second GET serves it.
    assert methods(s3_requests) == ["GET", "GET"]
    s3_requests.clear()
    assert body(client.get("/media/photos/1.jpg")) == replacement
    assert methods(s3_requests) == ["GET"]  # and the origin cache knows it now


@proxied
def test_a_range_past_the_end_of_a_shrunk_file_is_416(
    media: HybridStorage, production: s3.Bucket, client: Client, s3_requests: list[Any]
) -> None:
    production.put("video.mp4", os.urandom(3000))
    assert client.get("/media/video.mp4", HTTP_RANGE="bytes=0-9").status_code == 206
    production.put("video.mp4", os.urandom(1000))
    s3_requests.clear()
    response = client.get("/media/video.mp4", HTTP_RANGE="bytes=2000-2999")
    assert methods(s3_requests) == ["GET", "HEAD"]  # S3 had no byte 2000 (InvalidRange): asked again
    assert response.status_code == 416
    assert response["Content-Range"] == "bytes */1000"


@proxied
def test_a_range_of_a_changed_file_describes_the_new_one(
    media: HybridStorage, production: s3.Bucket, client: Client
) -> None:
    production.put("video.mp4", os.urandom(3000))
    assert client.get("/media/video.mp4", HTTP_RANGE="bytes=0-9").status_code == 206
    replacement = os.urandom(5000)
    production.put("video.mp4", replacement)
    response = client.get("/media/video.mp4", HTTP_RANGE="bytes=-100")
    assert response.status_code == 206
    assert response["Content-Range"] == "bytes 4900-4999/5000"
    assert body(response) == replacement[-100:]


@proxied
def test_a_file_deleted_since_is_404(media: HybridStorage, production: s3.Bucket, client: Client) -> None:
    production.put("photos/1.jpg", b"production bytes")
    assert client.get("/media/photos/1.jpg").status_code == 200
    production.client.delete_object(Bucket=production.name, Key=production.key("photos/1.jpg"))
    production.seeded.pop(production.key("photos/1.jpg"), None)
    assert client.get("/media/photos/1.jpg").status_code == 404


def test_a_file_an_http_layer_replaced_is_served_as_it_is_now(
    settings: Any, local_config: dict[str, Any], web_production: services.Site, client: Client
) -> None:
    from tests.views.conftest import HYBRID, STATICFILES

    layer = {"BACKEND": "hybridmedia.storage.HTTPStorage", "OPTIONS": {"base_url": web_production.base_url}}
    settings.STORAGES = {
        "default": {
            "BACKEND": HYBRID,
            "OPTIONS": {"layers": ["local", {"name": "production", "storage": layer, "serve": "proxy"}]},
        },
        "local": local_config,
        "staticfiles": STATICFILES,
    }
    settings.ROOT_URLCONF = "tests.views.urls"
    web_production.put("photos/1.jpg", b"a" * 1000)
    assert body(client.get("/media/photos/1.jpg")) == b"a" * 1000  # the probe is cached
    # The same size, a later time: nginx's Last-Modified (its ETag is no MD5) tells the change.
    web_production.put("photos/1.jpg", b"b" * 1000)
    path = web_production.server.root / web_production.name / "photos/1.jpg"
    later = int(time.time()) + 60
    os.utime(path, (later, later))
    response = client.get("/media/photos/1.jpg")
    assert response.status_code == 200 and body(response) == b"b" * 1000
    assert response["Last-Modified"] == http_date(later)  # the validators describe the new file
    web_production.put("photos/1.jpg", b"c" * 10)  # a shorter one: its Content-Length tells
    response = client.get("/media/photos/1.jpg")
    assert response["Content-Length"] == "10" and body(response) == b"c" * 10


def test_a_file_changed_in_an_s3_write_layer_is_served_as_it_is_now(
    settings: Any, production: s3.Bucket, staging_bucket: s3.Bucket, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A staging fleet: another worker replaces the file in the shared write layer (a bucket) between
    # this request's HEAD and its GET.
    from hybridmedia.storage.backends.s3 import S3Adapter
    from tests.views.conftest import HYBRID, STATICFILES

    open_range = S3Adapter.open_range

    def another_worker_saves_first(self: S3Adapter, *args: Any, **kwargs: Any) -> Any:
        if staging_bucket.get("uploads/1.jpg") == b"first upload":
            staging_bucket.put("uploads/1.jpg", b"the other worker's upload")
        return open_range(self, *args, **kwargs)

    settings.STORAGES = {
        "default": {
            "BACKEND": HYBRID,
            "OPTIONS": {
                "layers": [
                    {"name": "staging", "storage": "staging", "serve": "proxy"},
                    {"name": "production", "storage": "production"},
                ]
            },
        },
        "staging": staging_bucket.config(),
        "production": production.config(),
        "staticfiles": STATICFILES,
    }
    settings.ROOT_URLCONF = "tests.views.urls"
    staging_bucket.put("uploads/1.jpg", b"first upload")
    monkeypatch.setattr(S3Adapter, "open_range", another_worker_saves_first)
    response = client.get("/media/uploads/1.jpg")
    assert response.status_code == 200
    assert response["Content-Length"] == str(len(b"the other worker's upload"))
    assert body(response) == b"the other worker's upload"
